//! `PagarReserva`: pay an approved reservation (handled by [`super::ciclo_de_vida`]).

use vuelos_dominio::{AccionReserva, IdReserva};

/// Pay an approved reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagarReserva {
    pub id: IdReserva,
}

impl PagarReserva {
    /// The action of the lifecycle this command runs.
    pub const ACCION: AccionReserva = AccionReserva::Pagar;
}
