//! Infrastructure shared by every module: one diesel connection type for SQLite and
//! PostgreSQL, the pool and migrations, the unit of work that runs a command in one
//! transaction (dispatching domain events before commit), and the outbox and inbox tables
//! that make integration messages leave and arrive exactly once.
#![forbid(unsafe_code)]

pub mod base_datos;
pub mod conexion;
pub mod errores;
pub mod esquema;
pub mod inbox;
pub mod mensajeria;
pub mod migraciones;
pub mod outbox;
pub mod pruebas;
pub mod telemetria;
pub mod unidad_trabajo;
pub mod versiones;

pub use base_datos::{BaseDatos, ErrorConfiguracionBaseDatos, Motor};
pub use conexion::{Conexion, Modo};
pub use errores::de_diesel;
pub use inbox::{Inbox, Procesado};
pub use outbox::MensajeSaliente;
pub use unidad_trabajo::{ManejadoresEventos, TransaccionDiesel, UnidadTrabajoDiesel};
pub use versiones::Versiones;
