//! The unit-of-work port: everything a command changes is committed or rolled back as one.

use async_trait::async_trait;
use seedwork_dominio::{ErrorPersistencia, EventoDominio, ReglaIncumplida};

/// One open database transaction, as the application sees it.
///
/// Repositories are bound to a transaction by each module's repository factory; the
/// transaction itself only collects the domain events of the aggregates saved in it.
pub trait Transaccion: Send {
    /// Queues an aggregate's events; they are dispatched in-process before commit, and a
    /// handler that fails rolls the whole transaction back.
    fn registrar_eventos(&mut self, eventos: Vec<Box<dyn EventoDominio>>);
}

/// Why a unit of work did not commit. Nothing it did is left behind in either case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorUnidadTrabajo {
    /// A handler of a domain event refused the change (a rule of another aggregate or module).
    #[error(transparent)]
    Regla(#[from] ReglaIncumplida),
    /// The store failed or could not be reached.
    #[error(transparent)]
    Persistencia(#[from] ErrorPersistencia),
}

/// Runs a piece of work in one transaction.
///
/// Implementations must: open a transaction; run `trabajo`; dispatch, in order, the domain
/// events it registered (and those the handlers register in turn) to the in-process
/// handlers; commit only if all of that succeeded, and roll back otherwise. The work is
/// synchronous and may block (it talks to the database), so implementations run it off
/// the async executor.
#[async_trait]
pub trait UnidadTrabajo: Send + Sync + 'static {
    type Transaccion: Transaccion;

    async fn ejecutar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut Self::Transaccion) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static;

    /// Runs read-only work. Adapters may open a lighter transaction that takes no write
    /// lock; events registered here are never dispatched. By default it is `ejecutar`.
    async fn consultar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut Self::Transaccion) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        self.ejecutar(trabajo).await
    }
}
