//! Errors of the domain operations that consult a repository.

use seedwork_dominio::{ErrorPersistencia, ReglaIncumplida};

/// Why a user could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum ErrorRegistro {
    /// The e-mail already belongs to a user (rule `EmailUnico`).
    #[error(transparent)]
    EmailDuplicado(ReglaIncumplida),
    /// The repository could not answer whether the e-mail is taken.
    #[error(transparent)]
    Persistencia(#[from] ErrorPersistencia),
}
