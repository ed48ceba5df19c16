//! Queries: requests to read state, with no effect on it.

use async_trait::async_trait;

use crate::despachador::SinManejador;

/// A question about the state of the system (`ObtenerReserva`).
pub trait Query: Send + 'static {
    type Respuesta: Send + 'static;
    /// The error of the query; it can say that no handler was registered.
    type Error: From<SinManejador> + Send + 'static;
}

/// Answers one query type.
#[async_trait]
pub trait ManejadorQuery<Q: Query>: Send + Sync + 'static {
    async fn manejar(&self, query: Q) -> Result<Q::Respuesta, Q::Error>;
}
