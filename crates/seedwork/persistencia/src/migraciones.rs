//! The database migrations of the modules a process runs, applied at start-up.
//!
//! Each module embeds its own (`migrations/{sqlite,postgres}` in its crate, one set per
//! backend because the SQL differs: auto-increment, blob types) as a [`Migraciones`]
//! constant, and the composition root hands the list of its modules to
//! [`BaseDatos::conectar`](crate::BaseDatos::conectar). The sets are applied as one,
//! ordered by version: a fresh database is built in the order it always was, and a
//! database migrated when every set lived in one directory finds the versions it recorded.

use std::collections::HashMap;

use diesel::backend::Backend;
use diesel::migration::{self, Migration, MigrationSource};
use diesel::Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::conexion::Conexion;

/// The migrations of one module, one set per engine.
pub struct Migraciones {
    modulo: &'static str,
    sqlite: EmbeddedMigrations,
    postgres: EmbeddedMigrations,
}

impl Migraciones {
    /// `modulo` names the module in errors; the sets come from `embed_migrations!`.
    pub const fn new(
        modulo: &'static str,
        sqlite: EmbeddedMigrations,
        postgres: EmbeddedMigrations,
    ) -> Self {
        Self {
            modulo,
            sqlite,
            postgres,
        }
    }

    pub fn modulo(&self) -> &'static str {
        self.modulo
    }
}

/// Two modules brought a migration of the same version: one of them would never run.
#[derive(Debug, thiserror::Error)]
#[error("la migración {version} está en dos módulos: {primero} y {segundo}")]
pub struct VersionRepetida {
    pub version: String,
    pub primero: &'static str,
    pub segundo: &'static str,
}

/// Applies the pending migrations of `modulos`; returns how many ran.
pub fn aplicar(
    conexion: &mut Conexion,
    modulos: &[Migraciones],
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let aplicadas = match conexion {
        Conexion::Sqlite(c) => {
            let juntas = Juntas(modulos.iter().map(|m| (m.modulo, &m.sqlite)).collect());
            c.run_pending_migrations(juntas)?.len()
        }
        Conexion::Postgresql(c) => {
            let juntas = Juntas(modulos.iter().map(|m| (m.modulo, &m.postgres)).collect());
            // Replicas starting together must not run the same migration twice: a
            // transaction-scoped advisory lock serializes them.
            c.transaction(|c| {
                diesel::RunQueryDsl::execute(
                    diesel::sql_query("SELECT pg_advisory_xact_lock(4406)"),
                    c,
                )?;
                c.run_pending_migrations(juntas).map(|m| m.len())
            })?
        }
    };
    Ok(aplicadas)
}

/// The sets of several modules for one engine, by module name, as one migration source
/// (diesel orders its pending migrations by version).
struct Juntas<'a>(Vec<(&'static str, &'a EmbeddedMigrations)>);

impl<DB: Backend> MigrationSource<DB> for Juntas<'_> {
    fn migrations(&self) -> migration::Result<Vec<Box<dyn Migration<DB>>>> {
        let mut todas = Vec::new();
        let mut modulo_de_version: HashMap<String, &'static str> = HashMap::new();
        for &(modulo, fuente) in &self.0 {
            for migracion in MigrationSource::<DB>::migrations(fuente)? {
                let version = migracion.name().version().to_string();
                if let Some(primero) = modulo_de_version.insert(version.clone(), modulo) {
                    return Err(Box::new(VersionRepetida {
                        version,
                        primero,
                        segundo: modulo,
                    }));
                }
                todas.push(migracion);
            }
        }
        Ok(todas)
    }
}

#[cfg(test)]
mod tests {
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::base_datos::{BaseDatos, ErrorConfiguracionBaseDatos};
    use crate::esquema::MIGRACIONES;

    #[test]
    fn the_seedwork_brings_the_versions_of_the_outbox_and_inbox_tables() {
        let versiones: Vec<String> =
            MigrationSource::<Sqlite>::migrations(&Juntas(vec![("seedwork", &MIGRACIONES.sqlite)]))
                .unwrap()
                .iter()
                .map(|m| m.name().version().to_string())
                .collect();
        assert_eq!(
            versiones,
            ["20261122000001", "20261122000011", "20261130000021"]
        );
    }

    #[test]
    fn two_modules_with_a_migration_of_the_same_version_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ruta = dir.path().join("repetida.db");
        let otra_vez = Migraciones {
            modulo: "copia",
            ..MIGRACIONES
        };

        let resultado = BaseDatos::conectar(&ruta.to_string_lossy(), &[MIGRACIONES, otra_vez]);

        let Err(ErrorConfiguracionBaseDatos::Migraciones(error)) = resultado else {
            panic!("the repeated version was accepted");
        };
        let repetida = error
            .downcast_ref::<VersionRepetida>()
            .expect("a VersionRepetida");
        assert_eq!((repetida.primero, repetida.segundo), ("seedwork", "copia"));
    }
}
