//! The adapters of the clientes module: the diesel repository of users (one code path for
//! SQLite and PostgreSQL) and the factory that binds it to the unit of work's transaction.
//!
//! Layout: `esquema` declares the tables and embeds their migrations ([`MIGRACIONES`]),
//! `repositorio` maps the `Usuario` aggregate to them, `fabrica` implements the
//! application's repository-factory port.
#![forbid(unsafe_code)]

pub mod esquema;
pub mod fabrica;
pub mod repositorio;

pub use esquema::MIGRACIONES;
pub use fabrica::FabricaRepositorioUsuariosDiesel;
pub use repositorio::RepositorioUsuariosDiesel;
