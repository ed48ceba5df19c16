//! The commands of the clientes module, one file each (message, handler and tests).

pub mod agregar_reserva_usuario;
pub mod autenticar_usuario;
pub mod desactivar_usuario;
pub mod registrar_usuario;
