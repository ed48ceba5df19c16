//! Commands: requests to change the state of the system, each handled exactly once.

use async_trait::async_trait;

/// An intention to change state (`CrearReserva`).
///
/// The command names what its handler answers and how it fails, so that a handler's
/// signature follows from the message it handles.
pub trait Comando: Send + 'static {
    type Respuesta: Send + 'static;
    type Error: Send + 'static;
}

/// Handles one command type.
#[async_trait]
pub trait ManejadorComando<C: Comando>: Send + Sync + 'static {
    async fn manejar(&self, comando: C) -> Result<C::Respuesta, C::Error>;
}
