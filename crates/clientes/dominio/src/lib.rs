//! Domain of the clientes module: the `Usuario` aggregate (a natural person or a company
//! that books flights), its value objects, business rules, domain events and the
//! repository port.
//!
//! Layout: value objects live one per file (`nombre`, `email`, `pais`, `ciudad`,
//! `documento`, `password`, `ids`), the two kinds of client in `cliente`, the aggregate in
//! `usuario`, every named rule in `reglas`, events in `eventos` and the synchronous
//! repository port in `repositorio`. Nothing here knows about storage, HTTP or messaging,
//! nor about the vuelos module: reservations are referred to by their bare UUID.
#![forbid(unsafe_code)]

pub mod ciudad;
pub mod cliente;
pub mod documento;
pub mod email;
pub mod errores;
pub mod eventos;
pub mod ids;
pub mod nombre;
pub mod pais;
pub mod password;
pub mod reglas;
pub mod repositorio;
pub mod usuario;

pub use ciudad::Ciudad;
pub use cliente::{Cliente, ClienteEmpresa, ClienteNatural, TipoCliente};
pub use documento::{Cedula, DeCedula, DeRut, Documento, NumeroDocumento, Rut};
pub use email::Email;
pub use errores::ErrorRegistro;
pub use eventos::{ReservaAgregadaAUsuario, UsuarioDesactivado, UsuarioRegistrado};
pub use ids::{IdReservaCliente, IdUsuario};
pub use nombre::Nombre;
pub use pais::Pais;
pub use password::HashPassword;
pub use repositorio::{AccesoUsuario, RepositorioUsuarios};
pub use usuario::{DatosUsuario, EstadoUsuario, RegistroUsuario, Usuario};
