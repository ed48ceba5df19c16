//! The domain of the vuelos module: a reservation (`Reserva`) of one or more itineraries,
//! each made of origin-destination options (`Odo`), segments and legs between airports,
//! with the rules that keep an itinerary flyable and the lifecycle of a reservation.
//!
//! Depends on `seedwork-dominio` and plain-data crates only (chrono, uuid, thiserror).
#![forbid(unsafe_code)]

pub mod aeropuerto;
pub mod codigo_iata;
pub mod errores;
pub mod estado;
pub mod eventos;
pub mod ids;
pub mod itinerario;
pub mod leg;
pub mod reglas;
pub mod repositorio;
pub mod reserva;

pub use aeropuerto::Aeropuerto;
pub use codigo_iata::CodigoIata;
pub use errores::ErrorReserva;
pub use estado::{AccionReserva, EstadoReserva};
// Every domain event of the module, so that a new one needs no line here.
pub use eventos::*;
pub use ids::{IdCliente, IdReserva};
pub use itinerario::{Itinerario, Odo, Segmento};
pub use leg::Leg;
pub use repositorio::{FiltroReservas, Pagina, RepositorioReservas};
pub use reserva::{DatosReserva, Reserva};
