//! Application building blocks shared by every module: commands and queries with their
//! handlers, the unit-of-work port, the clock port and the in-process dispatcher of domain
//! events.
#![forbid(unsafe_code)]

pub mod comandos;
pub mod eventos;
pub mod queries;
pub mod reloj;
pub mod unidad_trabajo;

pub use comandos::{Comando, ManejadorComando};
pub use eventos::DespachadorEventosDominio;
pub use queries::{ManejadorQuery, Query};
pub use reloj::{Reloj, RelojSistema};
pub use unidad_trabajo::{ErrorUnidadTrabajo, Transaccion, UnidadTrabajo};
