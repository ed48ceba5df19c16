//! Maps diesel's errors into the domain's `ErrorPersistencia`, so none crosses upward; the
//! diesel error stays the variant's source, for the logs.

use diesel::result::{DatabaseErrorKind, Error};
use seedwork_dominio::ErrorPersistencia;

pub fn de_diesel(error: Error) -> ErrorPersistencia {
    match &error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            ErrorPersistencia::Duplicado(info.message().to_owned())
        }
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
            ErrorPersistencia::Conflicto(info.message().to_owned())
        }
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
            ErrorPersistencia::no_disponible(error)
        }
        // SQLite reports a lock it waited for in vain (busy_timeout) as a plain error.
        Error::DatabaseError(_, info) if info.message().contains("database is locked") => {
            ErrorPersistencia::no_disponible(error)
        }
        Error::DeserializationError(_) => {
            ErrorPersistencia::datos_invalidos("una columna no se pudo leer", error)
        }
        _ => ErrorPersistencia::inesperado(error),
    }
}
