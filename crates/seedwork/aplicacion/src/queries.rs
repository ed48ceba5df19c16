//! Queries: requests to read state, with no effect on it.

use async_trait::async_trait;

/// A question about the state of the system (`ObtenerReserva`).
pub trait Query: Send + 'static {
    type Respuesta: Send + 'static;
    type Error: Send + 'static;
}

/// Answers one query type.
#[async_trait]
pub trait ManejadorQuery<Q: Query>: Send + Sync + 'static {
    async fn manejar(&self, query: Q) -> Result<Q::Respuesta, Q::Error>;
}
