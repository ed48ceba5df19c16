//! The errors every repository port may return, whatever stores the aggregates, and how an
//! error is written with its causes.

use std::error::Error;
use std::fmt;

/// The cause of a failure, kept for the logs: the driver's own error, or a description.
pub type Causa = Box<dyn Error + Send + Sync + 'static>;

/// Why a repository could not do what it was asked.
///
/// Implementations map their driver's errors into these variants, so that no driver type
/// crosses into the domain or the application; the driver's error stays reachable as the
/// variant's `source()`, for the logs.
#[derive(Debug, thiserror::Error)]
pub enum ErrorPersistencia {
    /// A row with the same identity (or unique key) already exists.
    #[error("ya existe: {0}")]
    Duplicado(String),
    /// Someone else changed the same aggregate since it was read; the change was not saved.
    #[error("modificado concurrentemente: {0}")]
    Conflicto(String),
    /// The store is busy or unreachable; trying again later may succeed.
    #[error("almacenamiento no disponible")]
    NoDisponible(#[source] Causa),
    /// Stored data could not be turned back into a valid aggregate.
    #[error("datos almacenados inválidos: {que}")]
    DatosInvalidos {
        que: String,
        #[source]
        causa: Causa,
    },
    /// Anything else the store reported.
    #[error("error de almacenamiento")]
    Inesperado(#[source] Causa),
}

impl ErrorPersistencia {
    pub fn no_disponible(causa: impl Into<Causa>) -> Self {
        Self::NoDisponible(causa.into())
    }

    pub fn inesperado(causa: impl Into<Causa>) -> Self {
        Self::Inesperado(causa.into())
    }

    pub fn datos_invalidos(que: impl Into<String>, causa: impl Into<Causa>) -> Self {
        Self::DatosInvalidos {
            que: que.into(),
            causa: causa.into(),
        }
    }
}

/// An error followed by each of its causes, `error: cause: cause of the cause`, on one line:
/// what a log line or a dead-letter reason should say.
pub struct ConCausas<'a>(pub &'a (dyn Error + 'a));

impl fmt::Display for ConCausas<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut causa = self.0.source();
        while let Some(actual) = causa {
            write!(f, ": {actual}")?;
            causa = actual.source();
        }
        Ok(())
    }
}

/// [`ConCausas`] as text.
pub fn con_causas(error: &dyn Error) -> String {
    ConCausas(error).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("el driver falló")]
    struct ErrorDriver(#[source] std::io::Error);

    #[test]
    fn an_error_is_written_with_every_cause_in_order() {
        let error = ErrorPersistencia::no_disponible(ErrorDriver(std::io::Error::other(
            "conexión rechazada",
        )));
        assert_eq!(
            con_causas(&error),
            "almacenamiento no disponible: el driver falló: conexión rechazada"
        );
        assert!(error
            .source()
            .is_some_and(|causa| causa.is::<ErrorDriver>()));
    }

    #[test]
    fn a_description_can_stand_for_the_cause() {
        let error = ErrorPersistencia::inesperado("fila sin id");
        assert_eq!(con_causas(&error), "error de almacenamiento: fila sin id");
    }
}
