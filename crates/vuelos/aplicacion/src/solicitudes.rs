//! Reservations asked for asynchronously, until they exist: `EnProceso` from the moment the
//! command is accepted, `Rechazada` (with the reason) when its handler refuses it. Once the
//! reservation exists the query answers it and its request no longer matters.
//!
//! Then the lifecycle commands asked for asynchronously: the latest one on each reservation
//! is `EnProceso` once accepted, then `Aplicada` or `Rechazada` (with the reason); the query
//! answers it with the reservation, so a 202 that later fails is not silent.

use chrono::{DateTime, Utc};
use vuelos_dominio::AccionReserva;

/// Where an asynchronous request for a reservation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstadoSolicitud {
    EnProceso,
    Rechazada { razon: String },
}

/// What became of the latest lifecycle command asked for asynchronously on a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesenlaceSolicitud {
    EnProceso,
    Aplicada,
    Rechazada { razon: String },
}

/// The latest lifecycle command asked for asynchronously on a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UltimaSolicitud {
    pub accion: AccionReserva,
    pub desenlace: DesenlaceSolicitud,
    /// When it was accepted, applied or refused.
    pub fecha: DateTime<Utc>,
}
