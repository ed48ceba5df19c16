//! Domain building blocks shared by every module: entities, aggregate roots, domain events,
//! business rules, and the conventions of value objects and of typed identities.
//!
//! This crate depends on no framework: the compiler keeps the domain free of adapters.
#![forbid(unsafe_code)]

pub mod agregacion;
pub mod entidad;
pub mod eventos;
pub mod identidad;
pub mod objeto_valor;
pub mod persistencia;
pub mod reglas;

pub use agregacion::{AgregacionRaiz, EventosPendientes};
pub use entidad::Entidad;
pub use eventos::EventoDominio;
pub use objeto_valor::ObjetoValor;
pub use persistencia::{con_causas, Causa, ConCausas, ErrorPersistencia};
pub use reglas::{validar, ReglaIncumplida, ReglaNegocio};
