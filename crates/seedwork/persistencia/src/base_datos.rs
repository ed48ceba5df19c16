//! The database: which engine `DATABASE_URL` names, its connection pool, and the
//! settings each engine needs to serve many small transactions well.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use seedwork_dominio::ErrorPersistencia;

use crate::conexion::Conexion;
use crate::escritor::Escritor;
use crate::migraciones::{self, Migraciones};

/// The engine behind a `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Motor {
    Postgresql(String),
    /// The path of the database file.
    Sqlite(PathBuf),
}

impl Motor {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite://PATH` or a plain path is
    /// a SQLite file.
    pub fn desde_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Motor::Postgresql(url.to_owned())
        } else {
            let ruta = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Motor::Sqlite(PathBuf::from(ruta))
        }
    }

    /// The URL without its password, fit for a log line.
    pub fn descripcion(&self) -> String {
        match self {
            Motor::Postgresql(url) => match (url.find("://"), url.rfind('@')) {
                (Some(inicio), Some(arroba)) if arroba > inicio => {
                    let credenciales = &url[inicio + 3..arroba];
                    let usuario = credenciales.split(':').next().unwrap_or_default();
                    format!("{}{usuario}:***{}", &url[..inicio + 3], &url[arroba..])
                }
                _ => url.clone(),
            },
            Motor::Sqlite(ruta) => format!("sqlite://{}", ruta.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorConfiguracionBaseDatos {
    #[error("no se pudo crear el directorio {0}: {1}")]
    Directorio(PathBuf, std::io::Error),
    #[error("no se pudo conectar a {0}: {1}")]
    Conexion(String, String),
    #[error("no se pudieron aplicar las migraciones: {0}")]
    Migraciones(Box<dyn std::error::Error + Send + Sync>),
}

/// Opens connections of the configured engine, with its per-connection settings.
#[derive(Debug, Clone)]
pub struct Conector(Motor);

impl ManageConnection for Conector {
    type Connection = Conexion;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Conexion, r2d2::Error> {
        match &self.0 {
            Motor::Postgresql(url) => PgConnection::establish(url).map(Conexion::Postgresql),
            Motor::Sqlite(ruta) => {
                let mut conexion = SqliteConnection::establish(&ruta.to_string_lossy())?;
                // A 16 MiB page cache and memory-mapped reads spare the copies of pages the
                // writer reads back on every insert; rarer checkpoints write a page changed
                // by many transactions once (measured: see README, Speed).
                // NORMAL syncs at checkpoints, which in WAL mode (set once per file, see
                // `conectar`) never corrupts the database: a crash may lose the last commits
                // the OS had not flushed, not break it.
                conexion
                    .batch_execute(
                        "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000; \
                         PRAGMA mmap_size = 268435456; PRAGMA wal_autocheckpoint = 4000;",
                    )
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(Conexion::Sqlite(conexion))
            }
        }
        .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conexion: &mut Conexion) -> Result<(), r2d2::Error> {
        conexion.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conexion: &mut Conexion) -> bool {
        conexion.is_broken()
    }
}

/// The pool of connections to the application's database.
#[derive(Clone)]
pub struct BaseDatos {
    pool: Pool<Conector>,
    motor: Motor,
    /// SQLite has one writer at a time. Writers queue here, in process, instead of
    /// polling the file lock with SQLite's busy handler, whose sleeps would cap throughput.
    cerrojo_escritura: Option<Arc<Mutex<()>>>,
    /// SQLite: the thread that writes the units of work in groups (group commit).
    escritor: Option<Escritor>,
}

/// How long a unit of work waits for a connection before failing (the HTTP edge answers
/// 503 with `Retry-After`): a request fails fast while the database is down or saturated
/// instead of holding its client.
pub const ESPERA_CONEXION: Duration = Duration::from_secs(3);

/// How long a health check waits for a connection.
pub const ESPERA_SALUD: Duration = Duration::from_secs(1);

/// How long a caller waits for one piece of database work (a unit of work, a record of
/// the idempotency table) once it has its connection: longer than SQLite's busy timeout
/// (5 s), so that SQLite's own answer comes first, and bounded for a server that stops
/// answering on an open connection, where no timeout of the driver's would fire.
pub const ESPERA_TRABAJO: Duration = Duration::from_secs(8);

/// Runs blocking database work on tokio's blocking threads and waits for it at most
/// `plazo`. Past it the caller gets [`ErrorPersistencia::NoDisponible`] and the work goes
/// on alone: its transaction commits or rolls back whole, later or never, so the caller
/// must treat the outcome as unknown (an HTTP client retries with its `Idempotency-Key`;
/// a message is redelivered and its inbox row tells). A thread stuck on a hung connection
/// stays with it, so at most the pool's size of them wait; later callers fail at the
/// pool's own timeout.
pub async fn en_hilo_acotado<R, F>(plazo: Duration, trabajo: F) -> Result<R, ErrorPersistencia>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match tokio::time::timeout(plazo, tokio::task::spawn_blocking(trabajo)).await {
        Ok(Ok(resultado)) => Ok(resultado),
        // The work panicked: a connection dropped mid-transaction rolls it back.
        Ok(Err(fallo)) => Err(ErrorPersistencia::inesperado(fallo)),
        Err(_) => Err(ErrorPersistencia::no_disponible(format!(
            "la base de datos no respondió en {} s",
            plazo.as_secs()
        ))),
    }
}

impl BaseDatos {
    /// Connects to the database `url` names, creating the SQLite file and its directory
    /// when missing, and applies the pending migrations of `modulos` (those of the modules
    /// this process runs, the seedwork's among them).
    pub fn conectar(
        url: &str,
        modulos: &[Migraciones],
    ) -> Result<Self, ErrorConfiguracionBaseDatos> {
        let motor = Motor::desde_url(url);
        let (tamano, cerrojo) = match &motor {
            Motor::Postgresql(_) => (16, None),
            Motor::Sqlite(ruta) => {
                crear_directorio(ruta)?;
                activar_wal(ruta)?;
                (8, Some(Arc::new(Mutex::new(()))))
            }
        };
        let pool = Pool::builder()
            .max_size(tamano)
            // A SQLite file does not go away under an open connection, so checking each
            // connection with a query when it leaves the pool only costs a round trip per
            // unit of work; PostgreSQL's are checked (the server may have restarted).
            .test_on_check_out(matches!(motor, Motor::Postgresql(_)))
            // Connections open as work needs them, up to `tamano`, and those above two close
            // after ten idle minutes: N command and M query replicas on one PostgreSQL
            // server hold what their load needs, not 16 each from the start.
            .min_idle(Some(2))
            .connection_timeout(ESPERA_CONEXION)
            .build(Conector(motor.clone()))
            .map_err(|e| {
                ErrorConfiguracionBaseDatos::Conexion(motor.descripcion(), e.to_string())
            })?;
        let base = Self {
            pool,
            motor,
            cerrojo_escritura: cerrojo,
            escritor: None,
        };
        let agrupada = matches!(base.motor, Motor::Sqlite(_));
        let base = base.con_escritura_agrupada(agrupada)?;
        let mut conexion = base.pool.get().map_err(|e| {
            ErrorConfiguracionBaseDatos::Conexion(base.motor.descripcion(), e.to_string())
        })?;
        let aplicadas = migraciones::aplicar(&mut conexion, modulos)
            .map_err(ErrorConfiguracionBaseDatos::Migraciones)?;
        tracing::info!(base = %base.motor.descripcion(), migraciones_aplicadas = aplicadas, "base de datos lista");
        Ok(base)
    }

    /// Turns group commit on or off (see `escritor`): when on, one thread writes the units
    /// of work of the whole process, those that wait together in one transaction; when off,
    /// each unit commits alone on a connection of its own. On by default on SQLite (one
    /// writer at a time anyway), off on PostgreSQL. Call it before cloning the database.
    pub fn con_escritura_agrupada(
        mut self,
        agrupada: bool,
    ) -> Result<Self, ErrorConfiguracionBaseDatos> {
        self.escritor = if agrupada {
            let escritor = Escritor::iniciar(self.pool.clone(), self.cerrojo_escritura.clone())
                .map_err(|e| {
                    ErrorConfiguracionBaseDatos::Conexion(self.motor.descripcion(), e.to_string())
                })?;
            Some(escritor)
        } else {
            None
        };
        Ok(self)
    }

    pub fn motor(&self) -> &Motor {
        &self.motor
    }

    /// A connection from the pool; blocks up to the pool's timeout.
    pub fn conexion(&self) -> Result<PooledConnection<Conector>, r2d2::PoolError> {
        self.pool.get()
    }

    #[cfg(test)]
    pub(crate) fn pool_para_pruebas(&self) -> Pool<Conector> {
        self.pool.clone()
    }

    /// The group writer, where the engine has one (SQLite).
    pub(crate) fn escritor(&self) -> Option<&Escritor> {
        self.escritor.as_ref()
    }

    /// Takes the in-process write lock (SQLite only; `None` on PostgreSQL).
    pub(crate) fn cerrojo_escritura(&self) -> Option<MutexGuard<'_, ()>> {
        // A writer that panicked left no transaction open (the connection rolled back when
        // dropped), so a poisoned lock is safe to take again.
        self.cerrojo_escritura.as_ref().map(|m| {
            m.lock()
                .unwrap_or_else(|envenenado| envenenado.into_inner())
        })
    }

    /// Runs `trabajo` in a write transaction of its own on this thread (it blocks), for
    /// bookkeeping outside any unit of work (the idempotency table, the relay's marks and
    /// purges, the sweeps). On SQLite it waits its turn behind the in-process write lock
    /// and begins `IMMEDIATE`: a transaction that reads before it writes would otherwise
    /// fail at once with "database is locked" whenever another connection committed in
    /// between (WAL's stale snapshot, which the busy timeout does not wait out).
    pub fn escribir<R>(
        &self,
        trabajo: impl FnOnce(&mut Conexion) -> Result<R, ErrorPersistencia>,
    ) -> Result<R, ErrorPersistencia> {
        let _escritor = self.cerrojo_escritura();
        let mut conexion = self.conexion().map_err(ErrorPersistencia::no_disponible)?;
        conexion
            .comenzar(crate::conexion::Modo::Escritura)
            .map_err(crate::errores::de_diesel)?;
        let resultado = trabajo(&mut conexion).and_then(|r| {
            conexion
                .confirmar()
                .map(|()| r)
                .map_err(crate::errores::de_diesel)
        });
        if resultado.is_err() {
            conexion.abandonar_transaccion();
        }
        resultado
    }

    /// Checks that a query round-trips, for health checks: within [`ESPERA_SALUD`] to get
    /// a connection, so that a health check answers quickly when the database is down.
    pub fn verificar(&self) -> Result<(), ErrorPersistencia> {
        let mut conexion = self
            .pool
            .get_timeout(ESPERA_SALUD)
            .map_err(ErrorPersistencia::no_disponible)?;
        conexion.ping().map_err(ErrorPersistencia::no_disponible)
    }
}

/// Switches the file to write-ahead logging, so readers run beside the writer. The mode
/// is stored in the file; it is set here, on one connection, because switching takes a
/// lock that the pool's connections, opening together, would contend for.
fn activar_wal(ruta: &Path) -> Result<(), ErrorConfiguracionBaseDatos> {
    let error = |e: ConnectionError| {
        ErrorConfiguracionBaseDatos::Conexion(format!("sqlite://{}", ruta.display()), e.to_string())
    };
    let mut conexion = SqliteConnection::establish(&ruta.to_string_lossy()).map_err(error)?;
    conexion
        .batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
        .map_err(|e| error(ConnectionError::CouldntSetupConfiguration(e)))
}

fn crear_directorio(ruta: &Path) -> Result<(), ErrorConfiguracionBaseDatos> {
    match ruta.parent() {
        Some(directorio) if !directorio.as_os_str().is_empty() => {
            std::fs::create_dir_all(directorio)
                .map_err(|e| ErrorConfiguracionBaseDatos::Directorio(directorio.to_owned(), e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esquema::MIGRACIONES;

    #[test]
    fn postgres_urls_name_postgresql_and_anything_else_a_sqlite_file() {
        assert!(matches!(
            Motor::desde_url("postgres://u@h/db"),
            Motor::Postgresql(_)
        ));
        assert!(matches!(
            Motor::desde_url("postgresql://u@h/db"),
            Motor::Postgresql(_)
        ));
        assert_eq!(
            Motor::desde_url("sqlite://data/a.db"),
            Motor::Sqlite("data/a.db".into())
        );
        assert_eq!(
            Motor::desde_url("data/a.db"),
            Motor::Sqlite("data/a.db".into())
        );
    }

    #[test]
    fn a_description_never_shows_the_password() {
        let descripcion = Motor::desde_url("postgres://yo:secreto@h:5432/db").descripcion();
        assert_eq!(descripcion, "postgres://yo:***@h:5432/db");
    }

    #[test]
    fn connecting_to_a_sqlite_file_in_a_missing_directory_creates_both_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let ruta = dir.path().join("nuevo/sub/aeroalpes.db");
        let base = BaseDatos::conectar(&ruta.to_string_lossy(), &[MIGRACIONES]).unwrap();
        assert!(ruta.exists());
        base.verificar().unwrap();
    }
}
