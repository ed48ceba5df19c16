//! Real databases for the adapter tests of every module: a fresh SQLite file always, and a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` names a server. Each is created for
//! one test and dropped with it.

use diesel::{Connection, PgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::base_datos::BaseDatos;

/// A database made for one test, removed when dropped.
pub struct BaseDePrueba {
    pub nombre: &'static str,
    /// The `DATABASE_URL` of this database, to start a whole application on it.
    pub url: String,
    pub base: BaseDatos,
    _limpieza: Limpieza,
}

enum Limpieza {
    Sqlite { _directorio: tempfile::TempDir },
    Postgresql { servidor: String, nombre: String },
}

impl Drop for Limpieza {
    fn drop(&mut self) {
        if let Limpieza::Postgresql { servidor, nombre } = self {
            if let Ok(mut conexion) = PgConnection::establish(servidor) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{nombre}\" WITH (FORCE)"))
                        .execute(&mut conexion);
            }
        }
    }
}

/// A fresh, migrated SQLite database in a temporary directory.
pub fn sqlite() -> BaseDePrueba {
    let directorio = tempfile::tempdir().expect("a temporary directory for a test database");
    let ruta = directorio.path().join("prueba.db");
    let url = ruta.to_string_lossy().into_owned();
    let base = BaseDatos::conectar(&url).expect("a fresh SQLite database");
    BaseDePrueba {
        nombre: "sqlite",
        url,
        base,
        _limpieza: Limpieza::Sqlite {
            _directorio: directorio,
        },
    }
}

/// A fresh, migrated PostgreSQL database on the server of `TEST_DATABASE_URL`, or `None`
/// (saying so on the test's output) when the variable is unset.
pub fn postgresql() -> Option<BaseDePrueba> {
    let Ok(servidor) = std::env::var("TEST_DATABASE_URL") else {
        println!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant of this test");
        return None;
    };
    let nombre = format!("aeroalpes_prueba_{}", Uuid::new_v4().simple());
    let mut conexion = PgConnection::establish(&servidor)
        .expect("TEST_DATABASE_URL names a reachable PostgreSQL server");
    diesel::sql_query(format!("CREATE DATABASE \"{nombre}\""))
        .execute(&mut conexion)
        .expect("permission to create a test database");
    let url = match servidor.rfind('/') {
        Some(barra) if barra > servidor.find("://").map_or(0, |i| i + 2) => {
            format!("{}/{nombre}", &servidor[..barra])
        }
        _ => format!("{servidor}/{nombre}"),
    };
    let limpieza = Limpieza::Postgresql { servidor, nombre };
    let base = BaseDatos::conectar(&url).expect("a fresh PostgreSQL database");
    Some(BaseDePrueba {
        nombre: "postgresql",
        url,
        base,
        _limpieza: limpieza,
    })
}

/// SQLite, then PostgreSQL when configured: run an adapter test on each.
pub fn todas() -> Vec<BaseDePrueba> {
    std::iter::once(sqlite()).chain(postgresql()).collect()
}
