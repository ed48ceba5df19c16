//! `CancelarReserva`: cancel a pending or approved reservation (handled by [`super::ciclo_de_vida`]).

use vuelos_dominio::{AccionReserva, IdReserva};

/// Cancel a pending or approved reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelarReserva {
    pub id: IdReserva,
}

impl CancelarReserva {
    /// The action of the lifecycle this command runs.
    pub const ACCION: AccionReserva = AccionReserva::Cancelar;
}
