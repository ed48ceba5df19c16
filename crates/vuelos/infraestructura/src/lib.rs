//! The adapters of the vuelos module: the diesel repository of reservations (one code path
//! for SQLite and PostgreSQL), the Avro records of its integration contract (`schema/v1`,
//! in [`esquemas`]) and the handlers that turn its domain events into those records in the
//! outbox ([`integracion`]).
#![forbid(unsafe_code)]

pub mod consumidores;
pub mod despachadores;
pub mod esquema;
pub mod esquemas;
pub mod fabrica;
pub mod integracion;
pub mod repositorio;
pub mod solicitudes;

pub use fabrica::FabricaRepositoriosDiesel;
pub use repositorio::RepositorioReservasDiesel;
