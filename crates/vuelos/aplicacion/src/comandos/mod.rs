//! The commands of the vuelos module.

pub mod ciclo_de_vida;
pub mod crear_reserva;

pub use ciclo_de_vida::{
    AprobarReserva, CancelarReserva, ComandoCicloDeVida, ManejadorCicloDeVida, PagarReserva,
};
pub use crear_reserva::{CrearReserva, ManejadorCrearReserva};
