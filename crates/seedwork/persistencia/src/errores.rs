//! Maps diesel's errors into the domain's `ErrorPersistencia`, so none crosses upward.

use diesel::result::{DatabaseErrorKind, Error};
use seedwork_dominio::ErrorPersistencia;

pub fn de_diesel(error: Error) -> ErrorPersistencia {
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            ErrorPersistencia::Duplicado(info.message().to_owned())
        }
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
            ErrorPersistencia::Conflicto(info.message().to_owned())
        }
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            ErrorPersistencia::NoDisponible(info.message().to_owned())
        }
        // SQLite reports a lock it waited for in vain (busy_timeout) as a plain error.
        Error::DatabaseError(_, info) if info.message().contains("database is locked") => {
            ErrorPersistencia::NoDisponible(info.message().to_owned())
        }
        Error::DeserializationError(causa) => ErrorPersistencia::DatosInvalidos(causa.to_string()),
        otro => ErrorPersistencia::Inesperado(otro.to_string()),
    }
}
