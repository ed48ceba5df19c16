//! Optimistic concurrency for repositories: each row carries a version, an update applies
//! only to the version that was read, and an update that finds another one fails with
//! `Conflicto` instead of overwriting a concurrent change.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

use seedwork_dominio::ErrorPersistencia;

/// The version of each aggregate as a repository read it.
#[derive(Debug)]
pub struct Versiones<Id>(HashMap<Id, i64>);

impl<Id> Default for Versiones<Id> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<Id: Copy + Eq + Hash + Display> Versiones<Id> {
    /// Records the version an aggregate had when read (or was first stored with).
    pub fn registrar(&mut self, id: Id, version: i64) {
        self.0.insert(id, version);
    }

    /// The version an update of `id` must find: the one read through this repository, or,
    /// for an aggregate not read through it, the stored one (`actual`). `que` names the
    /// aggregate in errors ("la reserva").
    pub fn base(
        &self,
        id: Id,
        que: &str,
        actual: impl FnOnce() -> Result<Option<i64>, ErrorPersistencia>,
    ) -> Result<i64, ErrorPersistencia> {
        match self.0.get(&id) {
            Some(version) => Ok(*version),
            None => actual()?
                .ok_or_else(|| ErrorPersistencia::inesperado(format!("{que} {id} no existe"))),
        }
    }

    /// Checks the outcome of `UPDATE … WHERE version = base`: no row changed means someone
    /// else changed the aggregate since it was read. On success `nueva` is the version now.
    pub fn confirmar(
        &mut self,
        id: Id,
        que: &str,
        cambiadas: usize,
        nueva: i64,
    ) -> Result<(), ErrorPersistencia> {
        if cambiadas == 0 {
            return Err(ErrorPersistencia::Conflicto(format!(
                "{que} {id} cambió desde que se leyó"
            )));
        }
        self.registrar(id, nueva);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_read_is_the_base_of_an_update() {
        let mut versiones = Versiones::default();
        versiones.registrar(7u32, 3);
        assert_eq!(versiones.base(7, "la cosa", || unreachable!()).unwrap(), 3);
    }

    #[test]
    fn an_aggregate_not_read_takes_the_stored_version_or_is_reported_missing() {
        let versiones = Versiones::<u32>::default();
        assert!(matches!(
            versiones.base(7, "la cosa", || Ok(Some(5))),
            Ok(5)
        ));
        assert!(matches!(
            versiones.base(7, "la cosa", || Ok(None)),
            Err(ErrorPersistencia::Inesperado(m)) if m.to_string() == "la cosa 7 no existe"
        ));
    }

    #[test]
    fn an_update_that_changed_no_row_is_a_conflict_and_keeps_the_old_version() {
        let mut versiones = Versiones::default();
        versiones.registrar(7u32, 3);
        assert!(matches!(
            versiones.confirmar(7, "la cosa", 0, 4),
            Err(ErrorPersistencia::Conflicto(_))
        ));
        assert_eq!(versiones.base(7, "la cosa", || unreachable!()).unwrap(), 3);
        versiones.confirmar(7, "la cosa", 1, 4).unwrap();
        assert_eq!(versiones.base(7, "la cosa", || unreachable!()).unwrap(), 4);
    }
}
