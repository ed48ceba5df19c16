//! The ways a change to a reservation can be refused by the domain.

use seedwork_dominio::ReglaIncumplida;

use crate::estado::{AccionReserva, EstadoReserva};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorReserva {
    /// A business rule did not hold.
    #[error(transparent)]
    Regla(#[from] ReglaIncumplida),
    /// The lifecycle does not allow the action from the current state.
    #[error("no se puede {accion} una reserva en estado {estado}")]
    TransicionInvalida {
        estado: EstadoReserva,
        accion: AccionReserva,
    },
}
