//! Persistence shared by every module: one diesel connection type for SQLite and
//! PostgreSQL, the pool and the migrations runner (each module brings its own migrations;
//! this crate's are the outbox and inbox tables), the unit of work that runs a command in
//! one transaction (dispatching domain events before commit), and the outbox and inbox
//! tables that make integration messages leave and arrive exactly once.
//!
//! The broker side of those tables (the relay that publishes the outbox, the consumer loop
//! that feeds the inbox step) is `seedwork-mensajeria`.
#![forbid(unsafe_code)]

pub mod barrido;
pub mod base_datos;
pub mod conexion;
pub mod errores;
mod escritor;
pub mod esquema;
pub mod idempotencia;
pub mod inbox;
pub mod mensaje_en_curso;
pub mod migraciones;
pub mod outbox;
pub mod unidad_trabajo;
pub mod versiones;

pub use barrido::Barrido;
pub use base_datos::{
    en_hilo_acotado, BaseDatos, ErrorConfiguracionBaseDatos, Motor, ESPERA_TRABAJO,
};
pub use conexion::{Conexion, Modo};
pub use errores::de_diesel;
pub use esquema::MIGRACIONES;
pub use idempotencia::{EstadoClave, RegistroIdempotencia, Respuesta};
pub use inbox::{Inbox, Procesado};
pub use mensaje_en_curso::MensajeEnCurso;
pub use migraciones::Migraciones;
pub use outbox::MensajeSaliente;
pub use unidad_trabajo::{ManejadoresEventos, TransaccionDiesel, UnidadTrabajoDiesel};
pub use versiones::Versiones;
