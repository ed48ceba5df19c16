//! The application layer of the clientes module: the commands that register, authenticate
//! and deactivate users and give them reservations, the queries that read users back,
//! their handlers, the DTOs (with their mappers) and the outbound ports the handlers need.
//!
//! Its edges call one port, [`Clientes`], which [`AplicacionClientes`] implements over the
//! handlers. Layout: `comandos/` and `queries/` hold one file per message (message,
//! handler, tests); `servicio` the port and its implementation; `puertos` declares the
//! outbound ports (repository factory, password hasher, token issuer), which
//! `clientes-infraestructura` implements; the clock is the seedwork's `Reloj`; `password`
//! holds the clear-password types; `dto` and `mapeadores` the JSON shapes and their
//! conversions; `errores` the error enum and its HTTP statuses. Handlers are generic over
//! their ports, so this crate names no database, broker, web framework, hashing algorithm
//! or token format.
#![forbid(unsafe_code)]

pub mod comandos;
pub mod dto;
pub mod errores;
pub mod mapeadores;
pub mod password;
pub mod puertos;
pub mod queries;
pub mod servicio;
pub mod vista;

#[cfg(test)]
mod pruebas;

pub use comandos::agregar_reserva_usuario::{
    agregar_reserva, agregar_reserva_con_reloj, AgregarReservaUsuario,
    ManejadorAgregarReservaUsuario,
};
pub use comandos::autenticar_usuario::{AutenticarUsuario, ManejadorAutenticarUsuario};
pub use comandos::desactivar_usuario::{DesactivarUsuario, ManejadorDesactivarUsuario};
pub use comandos::registrar_usuario::{DatosCliente, ManejadorRegistrarUsuario, RegistrarUsuario};
pub use errores::ErrorClientes;
pub use password::{PasswordNueva, PasswordPlano};
pub use puertos::{
    EmisorTokens, ErrorEmisionToken, ErrorHasher, ErrorToken, FabricaRepositorioUsuarios,
    HasherPasswords, TokenAcceso,
};
pub use queries::obtener_acceso::{Acceso, ManejadorObtenerAcceso, ObtenerAcceso};
pub use queries::obtener_todos_usuarios::{ManejadorObtenerTodosUsuarios, ObtenerTodosUsuarios};
pub use queries::obtener_usuario::{ManejadorObtenerUsuario, ObtenerUsuario};
pub use queries::obtener_usuarios_desactivados::{
    ManejadorObtenerUsuariosDesactivados, ObtenerUsuariosDesactivados,
};
pub use servicio::{AplicacionClientes, Clientes, ConsultasClientes};
pub use vista::{ConsultasVistaClientes, FabricaVistaUsuarios, ReservasDeCliente, VistaUsuarios};
