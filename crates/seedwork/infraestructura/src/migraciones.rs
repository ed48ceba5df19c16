//! The database migrations, embedded in every binary and applied at start-up.
//!
//! They live at the top of the workspace (`migrations/{sqlite,postgres}`), one set per
//! backend because the SQL differs (auto-increment, blob types).

use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::conexion::Conexion;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../../migrations/postgres");

/// Applies the pending migrations; returns how many ran.
pub fn aplicar(conexion: &mut Conexion) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let aplicadas = match conexion {
        Conexion::Sqlite(c) => c.run_pending_migrations(SQLITE)?.len(),
        Conexion::Postgresql(c) => {
            // Replicas starting together must not run the same migration twice: a
            // transaction-scoped advisory lock serializes them.
            c.transaction(|c| {
                diesel::RunQueryDsl::execute(
                    diesel::sql_query("SELECT pg_advisory_xact_lock(4406)"),
                    c,
                )?;
                c.run_pending_migrations(POSTGRES).map(|m| m.len())
            })?
        }
    };
    Ok(aplicadas)
}
