//! One connection type for both supported databases, so repositories have one code path.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{PgConnection, QueryResult, SqliteConnection};

/// A connection to PostgreSQL or SQLite; queries written once run on either.
#[derive(diesel::MultiConnection)]
pub enum Conexion {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Whether a transaction will write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modo {
    Escritura,
    Lectura,
}

impl Conexion {
    /// Opens a transaction through diesel's transaction manager, so the pool can tell a
    /// connection left inside a transaction from a clean one.
    ///
    /// SQLite write transactions start `IMMEDIATE`: they take the write lock up front
    /// instead of failing with `SQLITE_BUSY` when a read turns into a write.
    pub(crate) fn comenzar(&mut self, modo: Modo) -> QueryResult<()> {
        let sql = match (&*self, modo) {
            (Conexion::Sqlite(_), Modo::Escritura) => "BEGIN IMMEDIATE",
            (Conexion::Sqlite(_), Modo::Lectura) => "BEGIN",
            (Conexion::Postgresql(_), Modo::Escritura) => "BEGIN",
            (Conexion::Postgresql(_), Modo::Lectura) => "BEGIN READ ONLY",
        };
        match self {
            Conexion::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(c, sql),
            Conexion::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, sql),
        }
    }

    /// Opens a savepoint inside the open transaction: [`Self::confirmar`] then releases it
    /// and [`Self::revertir`] rolls back to it, leaving the transaction open.
    pub(crate) fn punto_de_guardado(&mut self) -> QueryResult<()> {
        match self {
            Conexion::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
            Conexion::Sqlite(c) => AnsiTransactionManager::begin_transaction(c),
        }
    }

    pub(crate) fn confirmar(&mut self) -> QueryResult<()> {
        match self {
            Conexion::Postgresql(c) => AnsiTransactionManager::commit_transaction(c),
            Conexion::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        }
    }

    pub(crate) fn revertir(&mut self) -> QueryResult<()> {
        match self {
            Conexion::Postgresql(c) => AnsiTransactionManager::rollback_transaction(c),
            Conexion::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        }
    }

    /// Rolls back whatever transaction and savepoints are open, back to none. A COMMIT
    /// that failed was rolled back by diesel already and leaves nothing to do; a rollback
    /// that fails leaves the connection marked broken, and the pool discards it.
    pub(crate) fn abandonar_transaccion(&mut self) {
        loop {
            match self.revertir() {
                Ok(()) => continue,
                Err(diesel::result::Error::NotInTransaction) => return,
                Err(error) => {
                    tracing::error!(error = %seedwork_dominio::ConCausas(&error), "no se pudo revertir la transacción");
                    return;
                }
            }
        }
    }

    pub fn es_sqlite(&self) -> bool {
        matches!(self, Conexion::Sqlite(_))
    }
}
