//! Aggregate roots: consistency boundaries that record the domain events they raise.

use crate::entidad::Entidad;
use crate::eventos::EventoDominio;

/// The root of a cluster of entities that changes as one unit.
///
/// An aggregate raises domain events while it changes; the unit of work takes them
/// (`tomar_eventos`) when the aggregate is saved and dispatches them before commit.
pub trait AgregacionRaiz: Entidad {
    /// Takes the events raised since the last call, oldest first.
    fn tomar_eventos(&mut self) -> Vec<Box<dyn EventoDominio>>;
}

/// The events an aggregate has raised and not yet handed over; aggregates embed one.
#[derive(Debug, Default)]
pub struct EventosPendientes(Vec<Box<dyn EventoDominio>>);

impl EventosPendientes {
    pub fn registrar(&mut self, evento: impl EventoDominio) {
        self.0.push(Box::new(evento));
    }

    pub fn tomar(&mut self) -> Vec<Box<dyn EventoDominio>> {
        std::mem::take(&mut self.0)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Aggregates compare by state, not by the events they still hold: an aggregate loaded
/// from storage equals the one that was saved.
impl PartialEq for EventosPendientes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Clone for EventosPendientes {
    /// A copy of an aggregate is a snapshot of its state; the events stay with the original
    /// so that they are dispatched once.
    fn clone(&self) -> Self {
        Self::default()
    }
}
