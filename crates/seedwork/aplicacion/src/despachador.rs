//! Dispatchers: route each command or query to the handler registered for its type.
//!
//! Handlers of different types sit in one map, so this is the one place that uses `dyn`
//! and `Any`: the map is keyed by the message's `TypeId` and each entry holds an
//! `Arc<dyn Manejador…<M>>` for exactly that `M`, which makes the downcast infallible.

use std::any::{type_name, Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use crate::comandos::{Comando, ManejadorComando};
use crate::queries::{ManejadorQuery, Query};

/// No handler was registered for a message type: a wiring mistake, reported, not a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no hay manejador registrado para {tipo}")]
pub struct SinManejador {
    pub tipo: &'static str,
}

/// Handlers keyed by the type of the message they handle.
#[derive(Default)]
struct Registro(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl Registro {
    fn insertar<M: 'static, H: ?Sized + Send + Sync + 'static>(&mut self, manejador: Arc<H>) {
        self.0.insert(TypeId::of::<M>(), Box::new(manejador));
    }

    fn buscar<M: 'static, H: ?Sized + Send + Sync + 'static>(
        &self,
    ) -> Result<Arc<H>, SinManejador> {
        self.0
            .get(&TypeId::of::<M>())
            .and_then(|entrada| entrada.downcast_ref::<Arc<H>>())
            .cloned()
            .ok_or(SinManejador {
                tipo: type_name::<M>(),
            })
    }
}

/// Routes commands to their handlers in this process.
#[derive(Default)]
pub struct DespachadorComandos(Registro);

impl DespachadorComandos {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the handler of `C`, replacing any earlier one.
    pub fn registrar<C: Comando>(&mut self, manejador: impl ManejadorComando<C>) -> &mut Self {
        let manejador: Arc<dyn ManejadorComando<C>> = Arc::new(manejador);
        self.0.insertar::<C, _>(manejador);
        self
    }

    pub async fn despachar<C: Comando>(&self, comando: C) -> Result<C::Respuesta, C::Error> {
        let manejador = self.0.buscar::<C, dyn ManejadorComando<C>>()?;
        manejador.manejar(comando).await
    }
}

/// Routes queries to their handlers in this process.
#[derive(Default)]
pub struct DespachadorQueries(Registro);

impl DespachadorQueries {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the handler of `Q`, replacing any earlier one.
    pub fn registrar<Q: Query>(&mut self, manejador: impl ManejadorQuery<Q>) -> &mut Self {
        let manejador: Arc<dyn ManejadorQuery<Q>> = Arc::new(manejador);
        self.0.insertar::<Q, _>(manejador);
        self
    }

    pub async fn despachar<Q: Query>(&self, query: Q) -> Result<Q::Respuesta, Q::Error> {
        let manejador = self.0.buscar::<Q, dyn ManejadorQuery<Q>>()?;
        manejador.manejar(query).await
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;

    #[derive(Debug, PartialEq)]
    enum ErrorPrueba {
        SinManejador(SinManejador),
    }

    impl From<SinManejador> for ErrorPrueba {
        fn from(error: SinManejador) -> Self {
            Self::SinManejador(error)
        }
    }

    struct Duplicar(u32);
    impl Comando for Duplicar {
        type Respuesta = u32;
        type Error = ErrorPrueba;
    }

    struct Sumar(u32, u32);
    impl Query for Sumar {
        type Respuesta = u32;
        type Error = ErrorPrueba;
    }

    struct ManejadorDuplicar;
    #[async_trait]
    impl ManejadorComando<Duplicar> for ManejadorDuplicar {
        async fn manejar(&self, comando: Duplicar) -> Result<u32, ErrorPrueba> {
            Ok(comando.0 * 2)
        }
    }

    struct ManejadorSumar;
    #[async_trait]
    impl ManejadorQuery<Sumar> for ManejadorSumar {
        async fn manejar(&self, query: Sumar) -> Result<u32, ErrorPrueba> {
            Ok(query.0 + query.1)
        }
    }

    #[tokio::test]
    async fn a_command_reaches_the_handler_registered_for_its_type() {
        let mut despachador = DespachadorComandos::new();
        despachador.registrar(ManejadorDuplicar);
        assert_eq!(despachador.despachar(Duplicar(21)).await, Ok(42));
    }

    #[tokio::test]
    async fn a_query_reaches_the_handler_registered_for_its_type() {
        let mut despachador = DespachadorQueries::new();
        despachador.registrar(ManejadorSumar);
        assert_eq!(despachador.despachar(Sumar(2, 3)).await, Ok(5));
    }

    #[tokio::test]
    async fn dispatching_an_unregistered_command_is_a_typed_error() {
        let despachador = DespachadorComandos::new();
        let error = despachador.despachar(Duplicar(1)).await.unwrap_err();
        assert!(
            matches!(error, ErrorPrueba::SinManejador(SinManejador { tipo }) if tipo.ends_with("Duplicar"))
        );
    }

    #[tokio::test]
    async fn dispatching_an_unregistered_query_is_a_typed_error() {
        let despachador = DespachadorQueries::new();
        assert!(despachador.despachar(Sumar(1, 1)).await.is_err());
    }
}
