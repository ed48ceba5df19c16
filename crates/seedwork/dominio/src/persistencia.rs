//! The errors every repository port may return, whatever stores the aggregates.

/// Why a repository could not do what it was asked.
///
/// Implementations map their driver's errors into these variants, so that no driver type
/// crosses into the domain or the application.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorPersistencia {
    /// A row with the same identity (or unique key) already exists.
    #[error("ya existe: {0}")]
    Duplicado(String),
    /// Someone else changed the same aggregate since it was read; the change was not saved.
    #[error("modificado concurrentemente: {0}")]
    Conflicto(String),
    /// The store is busy or unreachable; trying again later may succeed.
    #[error("almacenamiento no disponible: {0}")]
    NoDisponible(String),
    /// Stored data could not be turned back into a valid aggregate.
    #[error("datos almacenados inválidos: {0}")]
    DatosInvalidos(String),
    /// Anything else the store reported.
    #[error("error de almacenamiento: {0}")]
    Inesperado(String),
}
