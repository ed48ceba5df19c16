//! A unit of work over in-memory tables, for the unit tests of the application handlers
//! (adapters are tested against real databases). A module names its tables as one
//! `Clone` type and writes its fake repositories over [`TransaccionEnMemoria::datos`].
//!
//! The transaction works on a copy of the tables that replaces them on commit, so a failed
//! unit of work leaves nothing behind, as a database would. Domain events queued in the
//! transaction (by a repository, when it saves an aggregate) go, before commit, to the
//! handlers of an optional dispatcher, which may queue more; a failing handler rolls
//! everything back. The names of the events of committed units of work are kept in order.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use seedwork_aplicacion::{
    DespachadorEventosDominio, ErrorUnidadTrabajo, Transaccion, UnidadTrabajo,
};
use seedwork_dominio::{AgregacionRaiz, ErrorPersistencia, EventoDominio};

/// An open in-memory transaction: a copy of the tables, and the events queued in it.
pub struct TransaccionEnMemoria<D> {
    pub datos: D,
    pendientes: Vec<Box<dyn EventoDominio>>,
}

impl<D: Send> Transaccion for TransaccionEnMemoria<D> {
    fn recoger_eventos<A: AgregacionRaiz>(&mut self, agregado: &mut A) {
        self.pendientes.extend(agregado.tomar_eventos());
    }
}

/// The handlers of domain events of an in-memory unit of work over `D`.
pub type DespachadorEnMemoria<D> = DespachadorEventosDominio<TransaccionEnMemoria<D>>;

struct Estado<D> {
    datos: D,
    eventos: Vec<&'static str>,
}

/// A unit of work over the tables `D`; clones share them.
pub struct UnidadTrabajoEnMemoria<D> {
    estado: Arc<Mutex<Estado<D>>>,
    despachador: Option<Arc<DespachadorEnMemoria<D>>>,
    /// Makes the error every commit fails with, if any (errors hold causes: no clones).
    fallo_al_confirmar: Option<fn() -> ErrorPersistencia>,
}

impl<D> Clone for UnidadTrabajoEnMemoria<D> {
    fn clone(&self) -> Self {
        Self {
            estado: Arc::clone(&self.estado),
            despachador: self.despachador.clone(),
            fallo_al_confirmar: self.fallo_al_confirmar,
        }
    }
}

impl<D: Default> Default for UnidadTrabajoEnMemoria<D> {
    fn default() -> Self {
        Self::con_datos(D::default())
    }
}

impl<D> UnidadTrabajoEnMemoria<D> {
    /// A unit of work whose tables start as `datos`.
    pub fn con_datos(datos: D) -> Self {
        Self {
            estado: Arc::new(Mutex::new(Estado {
                datos,
                eventos: Vec::new(),
            })),
            despachador: None,
            fallo_al_confirmar: None,
        }
    }

    /// This unit of work failing with `error` where it would commit.
    pub fn que_falla_al_confirmar(mut self, error: fn() -> ErrorPersistencia) -> Self {
        self.fallo_al_confirmar = Some(error);
        self
    }

    /// This unit of work handing the events it dispatches to `despachador`.
    pub fn con_despachador(mut self, despachador: DespachadorEnMemoria<D>) -> Self {
        self.despachador = Some(Arc::new(despachador));
        self
    }

    fn estado(&self) -> MutexGuard<'_, Estado<D>> {
        // A test that panicked while holding the lock has failed already.
        self.estado.lock().unwrap()
    }

    /// Runs `f` on the committed tables, to arrange a test or look at its outcome.
    pub fn datos<R>(&self, f: impl FnOnce(&mut D) -> R) -> R {
        f(&mut self.estado().datos)
    }

    /// The names of the domain events dispatched by committed units of work, in order.
    pub fn eventos_despachados(&self) -> Vec<&'static str> {
        self.estado().eventos.clone()
    }
}

#[async_trait]
impl<D: Clone + Send + 'static> UnidadTrabajo for UnidadTrabajoEnMemoria<D> {
    type Transaccion = TransaccionEnMemoria<D>;

    async fn ejecutar<R, E, F>(&self, trabajo: F) -> Result<R, E>
    where
        F: FnOnce(&mut TransaccionEnMemoria<D>) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<ErrorUnidadTrabajo> + Send + 'static,
    {
        let mut tx = TransaccionEnMemoria {
            datos: self.estado().datos.clone(),
            pendientes: Vec::new(),
        };
        let resultado = trabajo(&mut tx)?;
        let mut despachados = Vec::new();
        while !tx.pendientes.is_empty() {
            for evento in std::mem::take(&mut tx.pendientes) {
                if let Some(despachador) = &self.despachador {
                    despachador.despachar(evento.as_ref(), &mut tx)?;
                }
                despachados.push(evento.nombre());
            }
        }
        if let Some(error) = self.fallo_al_confirmar {
            return Err(ErrorUnidadTrabajo::Persistencia(error()).into());
        }
        let mut estado = self.estado();
        estado.datos = tx.datos;
        estado.eventos.extend(despachados);
        Ok(resultado)
    }
}
