//! The in-process dispatcher of domain events: modules react to each other's events
//! inside the transaction that raised them.

use std::any::TypeId;
use std::collections::HashMap;

use seedwork_dominio::EventoDominio;

use crate::unidad_trabajo::ErrorUnidadTrabajo;

type Manejador<Tx> =
    Box<dyn Fn(&dyn EventoDominio, &mut Tx) -> Result<(), ErrorUnidadTrabajo> + Send + Sync>;

/// Handlers of domain events, keyed by event type, run with the open transaction `Tx`.
pub struct DespachadorEventosDominio<Tx> {
    manejadores: HashMap<TypeId, Vec<Manejador<Tx>>>,
}

impl<Tx> Default for DespachadorEventosDominio<Tx> {
    fn default() -> Self {
        Self {
            manejadores: HashMap::new(),
        }
    }
}

impl<Tx> DespachadorEventosDominio<Tx> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a handler for events of type `E`; handlers of one type run in the order added.
    pub fn suscribir<E: EventoDominio>(
        &mut self,
        manejador: impl Fn(&E, &mut Tx) -> Result<(), ErrorUnidadTrabajo> + Send + Sync + 'static,
    ) -> &mut Self {
        let envoltura: Manejador<Tx> = Box::new(move |evento, tx| {
            // Entries are keyed by `TypeId::of::<E>()`, so only events of type `E` get here.
            match evento.como_any().downcast_ref::<E>() {
                Some(evento) => manejador(evento, tx),
                None => Ok(()),
            }
        });
        self.manejadores
            .entry(TypeId::of::<E>())
            .or_default()
            .push(envoltura);
        self
    }

    /// Runs every handler of the event's type; the first failure stops and is returned.
    pub fn despachar(
        &self,
        evento: &dyn EventoDominio,
        tx: &mut Tx,
    ) -> Result<(), ErrorUnidadTrabajo> {
        let Some(manejadores) = self.manejadores.get(&evento.como_any().type_id()) else {
            return Ok(());
        };
        tracing::debug!(
            evento = evento.nombre(),
            manejadores = manejadores.len(),
            "despachando evento de dominio"
        );
        manejadores
            .iter()
            .try_for_each(|manejador| manejador(evento, tx))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use seedwork_dominio::{evento_dominio, ReglaIncumplida};
    use uuid::Uuid;

    use super::*;

    #[derive(Debug)]
    struct Ocurrio {
        id_evento: Uuid,
        fecha_evento: DateTime<Utc>,
        valor: u32,
    }
    evento_dominio!(Ocurrio);

    #[derive(Debug)]
    struct OtraCosa {
        id_evento: Uuid,
        fecha_evento: DateTime<Utc>,
    }
    evento_dominio!(OtraCosa);

    fn ocurrio(valor: u32) -> Ocurrio {
        Ocurrio {
            id_evento: Uuid::new_v4(),
            fecha_evento: Utc::now(),
            valor,
        }
    }

    #[test]
    fn every_handler_of_the_type_runs_in_order_with_the_transaction() {
        let mut despachador = DespachadorEventosDominio::<Vec<u32>>::new();
        despachador
            .suscribir(|e: &Ocurrio, tx: &mut Vec<u32>| {
                tx.push(e.valor);
                Ok(())
            })
            .suscribir(|e: &Ocurrio, tx: &mut Vec<u32>| {
                tx.push(e.valor + 1);
                Ok(())
            });
        let mut tx = Vec::new();
        despachador.despachar(&ocurrio(7), &mut tx).unwrap();
        assert_eq!(tx, vec![7, 8]);
    }

    #[test]
    fn an_event_with_no_handler_is_not_an_error() {
        let despachador = DespachadorEventosDominio::<Vec<u32>>::new();
        let otra = OtraCosa {
            id_evento: Uuid::new_v4(),
            fecha_evento: Utc::now(),
        };
        assert!(despachador.despachar(&otra, &mut Vec::new()).is_ok());
    }

    #[test]
    fn a_failing_handler_stops_the_dispatch_with_its_error() {
        let mut despachador = DespachadorEventosDominio::<Vec<u32>>::new();
        despachador
            .suscribir(|_: &Ocurrio, _: &mut Vec<u32>| Err(ReglaIncumplida::new("R", "no").into()))
            .suscribir(|e: &Ocurrio, tx: &mut Vec<u32>| {
                tx.push(e.valor);
                Ok(())
            });
        let mut tx = Vec::new();
        let error = despachador.despachar(&ocurrio(1), &mut tx).unwrap_err();
        assert!(matches!(
            error,
            ErrorUnidadTrabajo::Regla(ref regla) if *regla == ReglaIncumplida::new("R", "no")
        ));
        assert!(tx.is_empty());
    }
}
