//! `AprobarReserva`: approve a pending reservation (handled by [`super::ciclo_de_vida`]).

use vuelos_dominio::{AccionReserva, IdReserva};

/// Approve a pending reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AprobarReserva {
    pub id: IdReserva,
}

impl AprobarReserva {
    /// The action of the lifecycle this command runs.
    pub const ACCION: AccionReserva = AccionReserva::Aprobar;
}
