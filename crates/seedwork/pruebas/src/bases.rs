//! Real databases for the adapter tests of every module: a fresh SQLite file always, and a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` names a server, each migrated with
//! the modules the test names (or left empty, for processes that migrate it themselves).
//! Each is created for one test and dropped with it.

use std::collections::BTreeSet;

use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use seedwork_persistencia::{BaseDatos, Conexion, Migraciones};
use uuid::Uuid;

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

/// A fresh SQLite database in a temporary directory, with the tables of `modulos`.
pub fn sqlite(modulos: &[Migraciones]) -> BaseDePrueba {
    let directorio = tempfile::tempdir().expect("a temporary directory for a test database");
    let ruta = directorio.path().join("prueba.db");
    let url = ruta.to_string_lossy().into_owned();
    let base = BaseDatos::conectar(&url, modulos).expect("a fresh SQLite database");
    BaseDePrueba {
        nombre: "sqlite",
        url,
        base,
        _limpieza: Limpieza::Sqlite {
            _directorio: directorio,
        },
    }
}

/// A fresh PostgreSQL database on the server of `TEST_DATABASE_URL`, with the tables of
/// `modulos`, or `None` (saying so on the test's output) when the variable is unset. Under
/// CI (`CI` set) an unset variable fails the test instead: a PostgreSQL variant must not
/// pass there by not running.
pub fn postgresql(modulos: &[Migraciones]) -> Option<BaseDePrueba> {
    let BaseVacia { url, _limpieza } = postgresql_vacia()?;
    let base = BaseDatos::conectar(&url, modulos).expect("a fresh PostgreSQL database");
    Some(BaseDePrueba {
        nombre: "postgresql",
        url,
        base,
        _limpieza,
    })
}

/// A PostgreSQL database made for one test and dropped with it, left empty: the processes a
/// test starts on it migrate it themselves.
pub struct BaseVacia {
    /// Its `DATABASE_URL`.
    pub url: String,
    _limpieza: Limpieza,
}

/// A fresh, empty PostgreSQL database on the server of `TEST_DATABASE_URL`, or `None` as
/// [`postgresql`]. The test holds no pool on it: a test that runs several aeroalpes processes
/// (each keeps its own pool open) leaves the server's connections to them.
pub fn postgresql_vacia() -> Option<BaseVacia> {
    let Ok(servidor) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "TEST_DATABASE_URL is not set under CI: the PostgreSQL variant of this test cannot run"
        );
        println!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant of this test");
        return None;
    };
    let servidor = conexion_simple(&servidor);
    let nombre = format!("aeroalpes_prueba_{}", Uuid::new_v4().simple());
    let mut conexion = PgConnection::establish(&servidor)
        .expect("TEST_DATABASE_URL names a reachable PostgreSQL server");
    diesel::sql_query(format!("CREATE DATABASE \"{nombre}\""))
        .execute(&mut conexion)
        .expect("permission to create a test database");
    let url = con_base(&servidor, &nombre);
    Some(BaseVacia {
        url,
        _limpieza: Limpieza::Postgresql { servidor, nombre },
    })
}

/// `url` asking for a plain connection (no TLS, no GSSAPI encryption) unless it already
/// says how. The test server is local; with TLS, OpenSSL's state is torn down by `exit`
/// while a pool's thread may still be in a connection, and with GSSAPI the Kerberos
/// library's thread keys are: either way the test process died (SIGSEGV, or SIGABRT in
/// `krb5int_getspecific`) after its test passed.
fn conexion_simple(url: &str) -> String {
    let mut url = url.to_owned();
    for (parametro, valor) in [("sslmode", "disable"), ("gssencmode", "disable")] {
        if !url.contains(&format!("{parametro}=")) {
            let separador = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separador}{parametro}={valor}");
        }
    }
    url
}

/// `url` (a server's URL, with or without a database and parameters) naming database
/// `nombre` instead, its parameters kept.
fn con_base(url: &str, nombre: &str) -> String {
    let (direccion, parametros) = match url.split_once('?') {
        Some((direccion, parametros)) => (direccion, Some(parametros)),
        None => (url, None),
    };
    let anfitrion = direccion.find("://").map_or(0, |i| i + 3);
    let sin_base = match direccion[anfitrion..].find('/') {
        Some(barra) => &direccion[..anfitrion + barra],
        None => direccion,
    };
    match parametros {
        Some(parametros) => format!("{sin_base}/{nombre}?{parametros}"),
        None => format!("{sin_base}/{nombre}"),
    }
}

/// SQLite, then PostgreSQL when configured, with the tables of `modulos`: run an adapter
/// test on each.
pub fn todas(modulos: &[Migraciones]) -> Vec<BaseDePrueba> {
    std::iter::once(sqlite(modulos))
        .chain(postgresql(modulos))
        .collect()
}

/// The names of the tables of `base`, diesel's own bookkeeping included.
pub fn tablas(base: &BaseDatos) -> BTreeSet<String> {
    nombres(
        base,
        "SELECT name AS nombre FROM sqlite_master WHERE type = 'table'",
        "SELECT tablename AS nombre FROM pg_tables WHERE schemaname = current_schema()",
    )
}

/// The versions of the migrations `base` has recorded as applied.
pub fn versiones_aplicadas(base: &BaseDatos) -> BTreeSet<String> {
    let sql = "SELECT version AS nombre FROM __diesel_schema_migrations";
    nombres(base, sql, sql)
}

#[derive(QueryableByName)]
struct Nombre {
    #[diesel(sql_type = Text)]
    nombre: String,
}

/// The `nombre` column of a query, written for each engine.
fn nombres(base: &BaseDatos, en_sqlite: &str, en_postgresql: &str) -> BTreeSet<String> {
    let mut conexion = base.conexion().expect("a connection to the test database");
    let filas = match &mut *conexion {
        Conexion::Sqlite(c) => diesel::sql_query(en_sqlite).load::<Nombre>(c),
        Conexion::Postgresql(c) => diesel::sql_query(en_postgresql).load::<Nombre>(c),
    };
    filas
        .expect("a query of the test database's catalogue")
        .into_iter()
        .map(|fila| fila.nombre)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_database_replaces_the_servers_and_keeps_its_parameters() {
        assert_eq!(
            con_base("postgres://postgres@127.0.0.1:5432/test", "p"),
            "postgres://postgres@127.0.0.1:5432/p"
        );
        assert_eq!(
            con_base("postgres://u@h:5432/test?sslmode=disable", "p"),
            "postgres://u@h:5432/p?sslmode=disable"
        );
        assert_eq!(con_base("postgres://u@h", "p"), "postgres://u@h/p");
        assert_eq!(con_base("postgres://u@h?a=b", "p"), "postgres://u@h/p?a=b");
    }

    #[test]
    fn tls_is_turned_off_only_where_the_url_does_not_choose() {
        assert_eq!(
            conexion_simple("postgres://h/t"),
            "postgres://h/t?sslmode=disable&gssencmode=disable"
        );
        assert_eq!(
            conexion_simple("postgres://h/t?a=b"),
            "postgres://h/t?a=b&sslmode=disable&gssencmode=disable"
        );
        assert_eq!(
            conexion_simple("postgres://h/t?sslmode=require"),
            "postgres://h/t?sslmode=require&gssencmode=disable"
        );
    }
}
