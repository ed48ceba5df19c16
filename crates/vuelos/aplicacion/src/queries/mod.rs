//! The queries of the vuelos module.

pub mod listar_reservas;
pub mod obtener_reserva;

pub use listar_reservas::{
    ListarReservas, ManejadorListarReservas, ObtenerReservasCanceladas, ObtenerReservasNoPagadas,
    ObtenerReservasPorEstado, ObtenerTodasReservas,
};
pub use obtener_reserva::{ManejadorObtenerReserva, ObtenerReserva};
