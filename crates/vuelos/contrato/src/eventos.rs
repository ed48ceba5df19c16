//! The event records (`EventoReservaCreada`, `EventoReservaAprobada`,
//! `EventoReservaCancelada`, `EventoReservaPagada`), [`EventoVuelos`], the closed set of them,
//! and the small read model their consumers (notifications, the browser) need.

use apache_avro::Schema;
use chrono::{DateTime, Utc};
use seedwork_dominio::ReglaIncumplida;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::campos::Campos;
use crate::errores::{ErrorAvro, ErrorConversion};
use crate::sobre::Sobre;
use crate::{contrato_de_evento, Contrato, MensajeIntegracion};

/// The states a reservation can be published in, as the `estado` field spells them.
pub const ESTADOS_RESERVA: [&str; 4] = ["Pendiente", "Aprobada", "Pagada", "Cancelada"];

/// The payload of `EventoReservaCreada` (the tutorial's `ReservaCreadaPayload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservaCreadaPayload {
    pub id_reserva: Option<String>,
    pub id_cliente: Option<String>,
    pub estado: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha_creacion: Option<i64>,
    /// The reservation's itineraries, whole (added after the first release: readers that
    /// keep their own copy of reservations need them; events written before lack them).
    pub itinerarios: Option<Vec<crate::comandos::ItinerarioAvro>>,
}

/// The payload of `EventoReservaAprobada`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservaAprobadaPayload {
    pub id_reserva: Option<String>,
    pub id_cliente: Option<String>,
    pub estado: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha_actualizacion: Option<i64>,
}

/// The payload of `EventoReservaCancelada`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservaCanceladaPayload {
    pub id_reserva: Option<String>,
    pub id_cliente: Option<String>,
    pub estado: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha_actualizacion: Option<i64>,
}

/// The payload of `EventoReservaPagada`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservaPagadaPayload {
    pub id_reserva: Option<String>,
    pub id_cliente: Option<String>,
    pub estado: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha_actualizacion: Option<i64>,
}

/// A reservation was created, on `eventos-reserva` (as in the tutorial).
pub type EventoReservaCreada = Sobre<ReservaCreadaPayload>;
/// A reservation was approved, on `eventos-reserva-aprobada`.
pub type EventoReservaAprobada = Sobre<ReservaAprobadaPayload>;
/// A reservation was cancelled, on `eventos-reserva-cancelada`.
pub type EventoReservaCancelada = Sobre<ReservaCanceladaPayload>;
/// A reservation was paid, on `eventos-reserva-pagada`.
pub type EventoReservaPagada = Sobre<ReservaPagadaPayload>;

seedwork_contrato::mensaje_integracion!(
    EventoReservaCreada,
    ReservaCreadaPayload,
    "eventos-reserva",
    id_reserva
);
seedwork_contrato::mensaje_integracion!(
    EventoReservaAprobada,
    ReservaAprobadaPayload,
    "eventos-reserva-aprobada",
    id_reserva
);
seedwork_contrato::mensaje_integracion!(
    EventoReservaCancelada,
    ReservaCanceladaPayload,
    "eventos-reserva-cancelada",
    id_reserva
);
seedwork_contrato::mensaje_integracion!(
    EventoReservaPagada,
    ReservaPagadaPayload,
    "eventos-reserva-pagada",
    id_reserva
);

/// A reservation changed: the read model of every reservation event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificacionReserva {
    pub id_reserva: Uuid,
    pub id_cliente: Option<Uuid>,
    /// One of [`ESTADOS_RESERVA`].
    pub estado: &'static str,
    /// When it was created (`EventoReservaCreada`) or changed (the others).
    pub fecha: DateTime<Utc>,
}

/// An event record, read as a notification about its reservation.
pub trait EventoIntegracion: MensajeIntegracion {
    /// What a consumer needs to tell someone about the reservation.
    fn a_notificacion(&self) -> Result<NotificacionReserva, ErrorConversion>;
}

/// Whether a client id field says "no client" the way other producers write it: the
/// tutorial's aeroalpes writes Python's `str(None)`, `'None'`; an empty string says the same.
/// A tolerant reader takes them as null instead of dead-lettering the event.
fn sin_cliente(texto: &str) -> bool {
    matches!(texto.trim(), "" | "None")
}

/// Reads the four fields every reservation payload has; `fecha` names the date field.
fn notificacion(
    campos: Campos,
    id_reserva: &Option<String>,
    id_cliente: &Option<String>,
    estado: &Option<String>,
    fecha: (&Option<i64>, &str),
) -> Result<NotificacionReserva, ErrorConversion> {
    campos.todos_presentes(&[
        ("data.id_reserva", id_reserva.is_none()),
        ("data.estado", estado.is_none()),
        (fecha.1, fecha.0.is_none()),
    ])?;
    let texto_estado = campos.requerido(estado, "data.estado")?;
    let estado = ESTADOS_RESERVA
        .into_iter()
        .find(|conocido| conocido == texto_estado)
        .ok_or_else(|| {
            campos.invalido(
                "data.estado",
                ReglaIncumplida::new(
                    "EstadoReservaValido",
                    format!("'{texto_estado}' no es un estado de reserva (Pendiente, Aprobada, Pagada, Cancelada)"),
                ),
            )
        })?;
    let id_reserva = campos.requerido(id_reserva, "data.id_reserva")?;
    Ok(NotificacionReserva {
        id_reserva: campos.identificador(id_reserva, "data.id_reserva", "IdReservaValido")?,
        id_cliente: id_cliente
            .as_deref()
            .filter(|id| !sin_cliente(id))
            .map(|id| campos.identificador(id, "data.id_cliente", "IdClienteValido"))
            .transpose()?,
        estado,
        fecha: campos.fecha(fecha.0, fecha.1)?,
    })
}

impl EventoIntegracion for EventoReservaCreada {
    fn a_notificacion(&self) -> Result<NotificacionReserva, ErrorConversion> {
        let carga = self.carga()?;
        notificacion(
            Campos::de::<Self>(),
            &carga.id_reserva,
            &carga.id_cliente,
            &carga.estado,
            (&carga.fecha_creacion, "data.fecha_creacion"),
        )
    }
}

/// The three events of the lifecycle share their payload's shape.
macro_rules! notificacion_de_cambio {
    ($($registro:ty),+) => {$(
        impl EventoIntegracion for $registro {
            fn a_notificacion(&self) -> Result<NotificacionReserva, ErrorConversion> {
                let carga = self.carga()?;
                notificacion(
                    Campos::de::<Self>(),
                    &carga.id_reserva,
                    &carga.id_cliente,
                    &carga.estado,
                    (&carga.fecha_actualizacion, "data.fecha_actualizacion"),
                )
            }
        }
    )+};
}
notificacion_de_cambio!(
    EventoReservaAprobada,
    EventoReservaCancelada,
    EventoReservaPagada
);

/// The kinds of [`EventoVuelos`], without their records: a publisher iterates
/// [`TipoEventoVuelos::TODOS`] and wires each with an exhaustive `match`, so a new event of
/// the contract that is not published does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipoEventoVuelos {
    Creada,
    Aprobada,
    Cancelada,
    Pagada,
}

impl TipoEventoVuelos {
    pub const TODOS: [Self; 4] = [Self::Creada, Self::Aprobada, Self::Cancelada, Self::Pagada];

    /// The topic its records travel on.
    pub fn topico(self) -> &'static str {
        match self {
            Self::Creada => EventoReservaCreada::TOPICO,
            Self::Aprobada => EventoReservaAprobada::TOPICO,
            Self::Cancelada => EventoReservaCancelada::TOPICO,
            Self::Pagada => EventoReservaPagada::TOPICO,
        }
    }
}

/// Every event record of vuelos, as a closed set (see [`crate::ComandoVuelos`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventoVuelos {
    Creada(EventoReservaCreada),
    Aprobada(EventoReservaAprobada),
    Cancelada(EventoReservaCancelada),
    Pagada(EventoReservaPagada),
}

impl EventoVuelos {
    /// One entry per variant: the topics the event consumers subscribe to.
    pub const CONTRATOS: [Contrato; 4] = [
        contrato_de_evento::<EventoReservaCreada>(),
        contrato_de_evento::<EventoReservaAprobada>(),
        contrato_de_evento::<EventoReservaCancelada>(),
        contrato_de_evento::<EventoReservaPagada>(),
    ];

    /// Decodes a message of one of the topics of [`Self::CONTRATOS`]; `None` for any other.
    pub fn decodificar(
        topico: &str,
        carga: &[u8],
        escritor: Option<&Schema>,
    ) -> Option<Result<Self, ErrorAvro>> {
        Some(match topico {
            EventoReservaCreada::TOPICO => {
                EventoReservaCreada::decodificar(carga, escritor).map(Self::Creada)
            }
            EventoReservaAprobada::TOPICO => {
                EventoReservaAprobada::decodificar(carga, escritor).map(Self::Aprobada)
            }
            EventoReservaCancelada::TOPICO => {
                EventoReservaCancelada::decodificar(carga, escritor).map(Self::Cancelada)
            }
            EventoReservaPagada::TOPICO => {
                EventoReservaPagada::decodificar(carga, escritor).map(Self::Pagada)
            }
            _ => return None,
        })
    }

    /// Its kind.
    pub fn tipo_evento(&self) -> TipoEventoVuelos {
        match self {
            Self::Creada(_) => TipoEventoVuelos::Creada,
            Self::Aprobada(_) => TipoEventoVuelos::Aprobada,
            Self::Cancelada(_) => TipoEventoVuelos::Cancelada,
            Self::Pagada(_) => TipoEventoVuelos::Pagada,
        }
    }

    /// The record name (the envelope's `type`).
    pub fn tipo(&self) -> &'static str {
        match self {
            Self::Creada(_) => EventoReservaCreada::TIPO,
            Self::Aprobada(_) => EventoReservaAprobada::TIPO,
            Self::Cancelada(_) => EventoReservaCancelada::TIPO,
            Self::Pagada(_) => EventoReservaPagada::TIPO,
        }
    }

    /// The read model of the event.
    pub fn a_notificacion(&self) -> Result<NotificacionReserva, ErrorConversion> {
        match self {
            Self::Creada(r) => r.a_notificacion(),
            Self::Aprobada(r) => r.a_notificacion(),
            Self::Cancelada(r) => r.a_notificacion(),
            Self::Pagada(r) => r.a_notificacion(),
        }
    }

    /// The envelope's identity, as an inbox needs it: its `id`, or `None` when the record
    /// has no id at all (written with the tutorial's schema). An id that is present but
    /// not a UUID is an error.
    pub fn id_mensaje(&self) -> Result<Option<Uuid>, ErrorConversion> {
        match self {
            Self::Creada(r) => r.id_opcional(),
            Self::Aprobada(r) => r.id_opcional(),
            Self::Cancelada(r) => r.id_opcional(),
            Self::Pagada(r) => r.id_opcional(),
        }
    }

    /// The envelope's `correlation_id`, when present.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::Creada(r) => r.correlation_id(),
            Self::Aprobada(r) => r.correlation_id(),
            Self::Cancelada(r) => r.correlation_id(),
            Self::Pagada(r) => r.correlation_id(),
        }
    }

    /// The envelope's `causation_id`: the message whose handling raised the event (the
    /// command accepted asynchronously), when there was one.
    pub fn causation_id(&self) -> Option<&str> {
        match self {
            Self::Creada(r) => r.causation_id.as_deref(),
            Self::Aprobada(r) => r.causation_id.as_deref(),
            Self::Cancelada(r) => r.causation_id.as_deref(),
            Self::Pagada(r) => r.causation_id.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creada_con_cliente(id_cliente: Option<&str>) -> EventoReservaCreada {
        let carga = ReservaCreadaPayload {
            id_reserva: Some(Uuid::now_v7().to_string()),
            id_cliente: id_cliente.map(str::to_owned),
            estado: Some("Pendiente".into()),
            fecha_creacion: Some(1_794_412_800_000),
            itinerarios: None,
        };
        crate::Sobre::envolver(carga, &crate::Metadatos::nuevos(), chrono::Utc::now())
    }

    #[test]
    fn a_client_written_as_none_or_empty_by_the_tutorial_reads_as_no_client() {
        for texto in [None, Some("None"), Some(""), Some("  ")] {
            let notificacion = creada_con_cliente(texto).a_notificacion().unwrap();
            assert_eq!(notificacion.id_cliente, None, "{texto:?}");
        }
        let cliente = Uuid::now_v7();
        assert_eq!(
            creada_con_cliente(Some(&cliente.to_string()))
                .a_notificacion()
                .unwrap()
                .id_cliente,
            Some(cliente)
        );
        assert!(matches!(
            creada_con_cliente(Some("cliente-7")).a_notificacion(),
            Err(ErrorConversion::Invalido { ref campo, .. }) if campo == "data.id_cliente"
        ));
    }

    #[test]
    fn every_kind_of_event_is_listed_once_with_the_topic_consumers_subscribe_to() {
        assert_eq!(
            TipoEventoVuelos::TODOS.map(TipoEventoVuelos::topico),
            EventoVuelos::CONTRATOS.map(|c| c.topico)
        );
    }
}
