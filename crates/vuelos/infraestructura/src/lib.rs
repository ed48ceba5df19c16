//! The adapters of the vuelos module: the diesel repositories of reservations and requests
//! (one code path for SQLite and PostgreSQL), the translation between its commands and
//! events and the records of its published contract (`vuelos-contrato`) with the handlers
//! that write its integration events to the outbox ([`integracion`]), the durable command
//! transport over the outbox ([`transporte`]) and its consumers; and the read model of a
//! query service with the projection that feeds it ([`vista`]). Its tables' migrations
//! are embedded here ([`MIGRACIONES`], [`MIGRACIONES_VISTA`]).
#![forbid(unsafe_code)]

pub mod consumidores;
pub mod esquema;
pub mod fabrica;
pub mod integracion;
mod registro_itinerario;
pub mod repositorio;
pub mod solicitudes;
pub mod transporte;
pub mod vista;

pub use esquema::MIGRACIONES;
pub use fabrica::FabricaRepositoriosDiesel;
pub use repositorio::RepositorioReservasDiesel;
pub use solicitudes::RepositorioSolicitudesDiesel;
pub use transporte::TransporteOutbox;
pub use vista::{FabricaVistaDiesel, MIGRACIONES_VISTA};
