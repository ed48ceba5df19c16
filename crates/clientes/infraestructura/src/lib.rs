//! The adapters of the clientes module: the diesel repository of users (one code path for
//! SQLite and PostgreSQL), the factory that binds it to the unit of work's transaction, the
//! password hasher and the token issuer.
//!
//! Layout: `esquema` declares the tables and embeds their migrations ([`MIGRACIONES`]),
//! `repositorio` maps the `Usuario` aggregate to them, `fabrica` implements the
//! application's repository-factory port; `hasher_argon2` and `emisor_jwt` implement its
//! hasher and token ports (pure algorithms, no I/O). `integracion` writes its domain
//! events to the outbox as the records of `clientes-contrato`; `vista` is a query
//! service's read model of users and the projection that keeps it.
#![forbid(unsafe_code)]

pub mod emisor_jwt;
pub mod esquema;
pub mod fabrica;
pub mod hasher_argon2;
pub mod integracion;
pub mod repositorio;
pub mod vista;

pub use emisor_jwt::{EmisorTokensJwt, ErrorConfiguracionJwt};
pub use esquema::MIGRACIONES;
pub use fabrica::FabricaRepositorioUsuariosDiesel;
pub use hasher_argon2::HasherArgon2;
pub use repositorio::RepositorioUsuariosDiesel;
pub use vista::{FabricaVistaUsuariosDiesel, ProyeccionUsuarios};
