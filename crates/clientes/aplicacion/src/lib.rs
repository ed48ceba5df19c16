//! The application layer of the clientes module: the commands that register, authenticate
//! and deactivate users and give them reservations, the queries that read users back,
//! their handlers, the DTOs (with their mappers) and the outbound ports the handlers need.
//!
//! Layout: `comandos/` and `queries/` hold one file per message (message, handler, tests);
//! `puertos` declares the ports (repository factory, password hasher, token issuer),
//! `reloj` the clock; `hasher_argon2` and `emisor_jwt` implement the hasher and token ports (pure
//! algorithms, no I/O); `password` holds the clear-password types; `dto` and `mapeadores`
//! the JSON shapes and their conversions; `errores` the error enum and its HTTP statuses.
//! Handlers are generic over their ports, so this crate names no database, broker or web
//! framework.
#![forbid(unsafe_code)]

pub mod comandos;
pub mod dto;
pub mod emisor_jwt;
pub mod errores;
pub mod hasher_argon2;
pub mod mapeadores;
pub mod password;
pub mod puertos;
pub mod queries;
pub mod reloj;

#[cfg(test)]
mod pruebas;

pub use comandos::agregar_reserva_usuario::{
    agregar_reserva, agregar_reserva_con_reloj, AgregarReservaUsuario,
    ManejadorAgregarReservaUsuario,
};
pub use comandos::autenticar_usuario::{AutenticarUsuario, ManejadorAutenticarUsuario};
pub use comandos::desactivar_usuario::{DesactivarUsuario, ManejadorDesactivarUsuario};
pub use comandos::registrar_usuario::{DatosCliente, ManejadorRegistrarUsuario, RegistrarUsuario};
pub use emisor_jwt::{EmisorTokensJwt, ErrorConfiguracionJwt};
pub use errores::ErrorClientes;
pub use hasher_argon2::HasherArgon2;
pub use password::{PasswordNueva, PasswordPlano};
pub use puertos::{
    EmisorTokens, ErrorEmisionToken, ErrorHasher, ErrorToken, FabricaRepositorioUsuarios,
    HasherPasswords, TokenAcceso,
};
pub use queries::obtener_todos_usuarios::{ManejadorObtenerTodosUsuarios, ObtenerTodosUsuarios};
pub use queries::obtener_usuario::{ManejadorObtenerUsuario, ObtenerUsuario};
pub use queries::obtener_usuarios_desactivados::{
    ManejadorObtenerUsuariosDesactivados, ObtenerUsuariosDesactivados,
};
pub use reloj::{Reloj, RelojSistema};
