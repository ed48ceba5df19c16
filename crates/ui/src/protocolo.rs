//! The JSON messages of the websocket: what the page asks ([`Peticion`]) and what the
//! backend answers or pushes ([`Salida`]).

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use vuelos_contrato::{NotificacionReserva, TipoEventoVuelos};

/// A lifecycle action of a reservation, as aeroalpes' routes spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accion {
    Aprobar,
    Pagar,
    Cancelar,
}

impl Accion {
    pub const TODAS: [Self; 3] = [Self::Aprobar, Self::Pagar, Self::Cancelar];

    /// The last segment of `POST /vuelos/reserva-commando/{id}/{accion}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aprobar => "aprobar",
            Self::Pagar => "pagar",
            Self::Cancelar => "cancelar",
        }
    }
}

/// What the page asks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "tipo", rename_all = "lowercase")]
pub enum Orden {
    /// Create a reservation: `reserva` is the tutorial's JSON itinerary, passed through
    /// untouched (aeroalpes checks it and names the broken rule).
    Crear { reserva: serde_json::Value },
    /// Approve, pay or cancel the reservation `id`.
    Accion { accion: Accion, id: Uuid },
}

/// One message of the page: an order and the page's correlation id, echoed in the reply
/// and sent to aeroalpes as `X-Request-Id`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Peticion {
    #[serde(default)]
    pub correlacion: Option<String>,
    #[serde(flatten)]
    pub orden: Orden,
}

/// What the backend tells the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "tipo", rename_all = "lowercase")]
pub enum Salida {
    /// aeroalpes accepted the order (202): its events will follow.
    Aceptada {
        correlacion: Option<String>,
        id: Uuid,
        /// `crear`, `aprobar`, `pagar` or `cancelar`.
        orden: &'static str,
    },
    /// The order was refused (a broken rule, an unknown id) or could not be sent.
    Error {
        correlacion: Option<String>,
        id: Option<Uuid>,
        error: String,
        regla: Option<String>,
    },
    /// An integration event of a reservation this session asked about.
    Evento {
        id: Uuid,
        /// `Creada`, `Aprobada`, `Pagada` or `Cancelada`.
        evento: &'static str,
        /// The reservation's state after it.
        estado: &'static str,
        /// RFC 3339.
        fecha: String,
    },
}

impl Salida {
    /// The event a reservation's notification tells the page about.
    pub fn evento(tipo: TipoEventoVuelos, notificacion: &NotificacionReserva) -> Self {
        let evento = match tipo {
            TipoEventoVuelos::Creada => "Creada",
            TipoEventoVuelos::Aprobada => "Aprobada",
            TipoEventoVuelos::Cancelada => "Cancelada",
            TipoEventoVuelos::Pagada => "Pagada",
        };
        Self::Evento {
            id: notificacion.id_reserva,
            evento,
            estado: notificacion.estado,
            fecha: notificacion.fecha.to_rfc3339(),
        }
    }

    /// A refusal of an order that carries no reservation id.
    pub fn error(correlacion: Option<String>, error: impl Into<String>) -> Self {
        Self::Error {
            correlacion,
            id: None,
            error: error.into(),
            regla: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_creation_carries_the_itinerary_untouched() {
        let peticion: Peticion = serde_json::from_value(json!({
            "tipo": "crear", "correlacion": "c-1", "reserva": {"itinerarios": []}
        }))
        .unwrap();
        assert_eq!(peticion.correlacion.as_deref(), Some("c-1"));
        assert_eq!(
            peticion.orden,
            Orden::Crear {
                reserva: json!({"itinerarios": []})
            }
        );
    }

    #[test]
    fn an_action_names_its_reservation_and_every_action_reads_back() {
        let id = Uuid::new_v4();
        for accion in Accion::TODAS {
            let peticion: Peticion = serde_json::from_value(json!({
                "tipo": "accion", "accion": accion.as_str(), "id": id
            }))
            .unwrap();
            assert_eq!(peticion.orden, Orden::Accion { accion, id });
            assert_eq!(peticion.correlacion, None);
        }
    }

    #[test]
    fn an_unknown_order_or_action_does_not_parse() {
        for malo in [
            json!({"tipo": "borrar", "id": Uuid::new_v4()}),
            json!({"tipo": "accion", "accion": "reembolsar", "id": Uuid::new_v4()}),
            json!({"tipo": "accion", "accion": "pagar", "id": "no-es-un-uuid"}),
        ] {
            assert!(serde_json::from_value::<Peticion>(malo).is_err());
        }
    }

    #[test]
    fn replies_are_tagged_by_their_kind() {
        let id = Uuid::new_v4();
        let aceptada = Salida::Aceptada {
            correlacion: Some("c".into()),
            id,
            orden: "crear",
        };
        assert_eq!(
            serde_json::to_value(aceptada).unwrap(),
            json!({"tipo": "aceptada", "correlacion": "c", "id": id, "orden": "crear"})
        );
        assert_eq!(
            serde_json::to_value(Salida::error(None, "no")).unwrap()["tipo"],
            "error"
        );
    }
}
