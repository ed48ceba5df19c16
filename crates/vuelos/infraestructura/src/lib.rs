//! The adapters of the vuelos module: the diesel repository of reservations (one code path
//! for SQLite and PostgreSQL) and the handlers that turn its domain events into integration
//! messages in the outbox.
#![forbid(unsafe_code)]

pub mod esquema;
pub mod fabrica;
pub mod integracion;
pub mod repositorio;

pub use fabrica::FabricaRepositoriosDiesel;
pub use repositorio::RepositorioReservasDiesel;
