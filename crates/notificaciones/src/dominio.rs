//! What the service tells whom: a notification about a reservation, addressed to its
//! client, with a subject and a text for each reason to write.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vuelos_contrato::TipoEventoVuelos;

/// A reservation's id, as the events of vuelos publish it.
pub type IdReserva = Uuid;
/// A client's id, as the events of vuelos publish it.
pub type IdCliente = Uuid;

/// Why a client is written to: one reservation event each, each with its own text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MotivoNotificacion {
    ReservaCreada,
    ReservaAprobada,
    ReservaCancelada,
    ReservaPagada,
}

/// One reason per event of vuelos' contract, checked by the compiler.
impl From<TipoEventoVuelos> for MotivoNotificacion {
    fn from(tipo: TipoEventoVuelos) -> Self {
        match tipo {
            TipoEventoVuelos::Creada => Self::ReservaCreada,
            TipoEventoVuelos::Aprobada => Self::ReservaAprobada,
            TipoEventoVuelos::Cancelada => Self::ReservaCancelada,
            TipoEventoVuelos::Pagada => Self::ReservaPagada,
        }
    }
}

impl MotivoNotificacion {
    pub const TODOS: [MotivoNotificacion; 4] = [
        Self::ReservaCreada,
        Self::ReservaAprobada,
        Self::ReservaCancelada,
        Self::ReservaPagada,
    ];

    /// The mail's subject.
    pub fn asunto(self) -> &'static str {
        match self {
            Self::ReservaCreada => "Reserva creada",
            Self::ReservaAprobada => "Reserva aprobada",
            Self::ReservaCancelada => "Reserva cancelada",
            Self::ReservaPagada => "Reserva pagada",
        }
    }

    fn cuerpo(self, id_reserva: IdReserva, fecha: &str) -> String {
        match self {
            Self::ReservaCreada => format!(
                "Su reserva {id_reserva} fue creada el {fecha} y está pendiente de aprobación."
            ),
            Self::ReservaAprobada => {
                format!("Su reserva {id_reserva} fue aprobada el {fecha}; ya puede pagarla.")
            }
            Self::ReservaCancelada => format!("Su reserva {id_reserva} fue cancelada el {fecha}."),
            Self::ReservaPagada => {
                format!("Recibimos el pago de su reserva {id_reserva} el {fecha}. ¡Buen viaje!")
            }
        }
    }
}

/// The address a mail goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destinatario(String);

impl Destinatario {
    /// The address of a client. The events carry the client's id, not its e-mail (the
    /// clientes module owns that and does not publish it), so the address is derived from
    /// the id on a reserved domain: a real mail adapter would look the e-mail up instead.
    pub fn de_cliente(id_cliente: IdCliente) -> Self {
        Self(format!("cliente-{id_cliente}@aeroalpes.example"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Destinatario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mail to send: to the client of a reservation, about what happened to it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notificacion {
    motivo: MotivoNotificacion,
    id_reserva: IdReserva,
    id_cliente: IdCliente,
    destinatario: Destinatario,
    fecha: DateTime<Utc>,
}

impl Notificacion {
    /// The notification of `motivo` to the client of a reservation. Reservations without
    /// a client (anonymous) have no one to notify, so they never get here.
    pub fn new(
        motivo: MotivoNotificacion,
        id_reserva: IdReserva,
        id_cliente: IdCliente,
        fecha: DateTime<Utc>,
    ) -> Self {
        Self {
            motivo,
            id_reserva,
            id_cliente,
            destinatario: Destinatario::de_cliente(id_cliente),
            fecha,
        }
    }

    pub fn motivo(&self) -> MotivoNotificacion {
        self.motivo
    }

    pub fn id_reserva(&self) -> IdReserva {
        self.id_reserva
    }

    pub fn id_cliente(&self) -> IdCliente {
        self.id_cliente
    }

    pub fn destinatario(&self) -> &Destinatario {
        &self.destinatario
    }

    pub fn asunto(&self) -> &'static str {
        self.motivo.asunto()
    }

    /// The mail's text, with the date in the API's format.
    pub fn cuerpo(&self) -> String {
        let fecha = self.fecha.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.motivo.cuerpo(self.id_reserva, &fecha)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;

    fn notificacion(motivo: MotivoNotificacion) -> Notificacion {
        let fecha = Utc.with_ymd_and_hms(2026, 3, 1, 12, 30, 0).single();
        Notificacion::new(
            motivo,
            Uuid::now_v7(),
            Uuid::now_v7(),
            fecha.unwrap_or_default(),
        )
    }

    #[test]
    fn the_mail_goes_to_an_address_derived_from_the_client() {
        let dada = notificacion(MotivoNotificacion::ReservaCreada);
        assert_eq!(
            dada.destinatario().as_str(),
            format!("cliente-{}@aeroalpes.example", dada.id_cliente())
        );
    }

    #[test]
    fn every_reason_has_a_subject_and_a_text_of_its_own() {
        let asuntos: HashSet<_> = MotivoNotificacion::TODOS
            .iter()
            .map(|m| m.asunto())
            .collect();
        let cuerpos: HashSet<_> = MotivoNotificacion::TODOS
            .iter()
            .map(|m| {
                let dada = notificacion(*m);
                dada.cuerpo().replace(&dada.id_reserva().to_string(), "")
            })
            .collect();
        assert_eq!(asuntos.len(), MotivoNotificacion::TODOS.len());
        assert_eq!(cuerpos.len(), MotivoNotificacion::TODOS.len());
    }

    #[test]
    fn the_text_names_the_reservation_and_the_date() {
        let dada = notificacion(MotivoNotificacion::ReservaPagada);
        let cuerpo = dada.cuerpo();
        assert!(cuerpo.contains(&dada.id_reserva().to_string()), "{cuerpo}");
        assert!(cuerpo.contains("2026-03-01T12:30:00Z"), "{cuerpo}");
    }
}
