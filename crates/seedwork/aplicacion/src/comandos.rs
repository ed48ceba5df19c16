//! Commands: requests to change the state of the system, each handled exactly once.

use async_trait::async_trait;

use crate::despachador::SinManejador;

/// An intention to change state (`CrearReserva`).
///
/// The command names what its handler answers and how it fails, so that dispatching
/// stays typed from the caller to the handler.
pub trait Comando: Send + 'static {
    type Respuesta: Send + 'static;
    /// The error of the command; it can say that no handler was registered.
    type Error: From<SinManejador> + Send + 'static;
}

/// Handles one command type.
#[async_trait]
pub trait ManejadorComando<C: Comando>: Send + Sync + 'static {
    async fn manejar(&self, comando: C) -> Result<C::Respuesta, C::Error>;
}
