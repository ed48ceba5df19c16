//! The unit-of-work port: everything a command changes is committed or rolled back as one.

use async_trait::async_trait;
use seedwork_dominio::{AgregacionRaiz, ErrorPersistencia, ReglaIncumplida};

/// One open database transaction, as the application sees it.
///
/// Repositories are bound to a transaction by each module's repository factory; the
/// transaction itself only collects the domain events of the aggregates saved in it.
/// Handlers never hand events over: a repository bound to the transaction takes them from
/// the aggregate it saves ([`Transaccion::recoger_eventos`]).
pub trait Transaccion: Send {
    /// Takes the pending events of an aggregate being saved in this transaction; they are
    /// dispatched in-process before commit, and a handler of them that fails rolls the
    /// whole transaction back. Every repository implementation calls it from its save
    /// methods.
    fn recoger_eventos<A: AgregacionRaiz>(&mut self, agregado: &mut A)
    where
        Self: Sized;
}

/// Why a unit of work did not commit. Nothing it did is left behind in either case.
#[derive(Debug, thiserror::Error)]
pub enum ErrorUnidadTrabajo {
    /// A handler of a domain event refused the change (a rule of another aggregate or module).
    #[error(transparent)]
    Regla(#[from] ReglaIncumplida),
    /// The store failed or could not be reached.
    #[error(transparent)]
    Persistencia(#[from] ErrorPersistencia),
    /// The unit of work is bound to an integration message that the inbox has recorded as
    /// handled already: nothing ran. Not a failure; the inbox step that bound the message
    /// reports it as its own outcome, and the consumer acknowledges the message.
    #[error("el mensaje {id_mensaje} ya fue procesado")]
    MensajeYaProcesado { id_mensaje: String },
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
