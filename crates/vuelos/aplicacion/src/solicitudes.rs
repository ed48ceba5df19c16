//! Reservations asked for asynchronously, until they exist: `EnProceso` from the moment the
//! command is accepted, `Rechazada` (with the reason) when its handler refuses it. Once the
//! reservation exists the query answers it and its request no longer matters.

/// Where an asynchronous request for a reservation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstadoSolicitud {
    EnProceso,
    Rechazada { razon: String },
}
