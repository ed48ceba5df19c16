//! The errors of the clientes application layer. Each variant documents the HTTP status the
//! API answers for it; the mapping itself lives in the HTTP adapter alone.

use clientes_dominio::{Email, ErrorRegistro, IdUsuario};

use crate::puertos::{ErrorEmisionToken, ErrorHasher};
use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_dominio::{Causa, ErrorPersistencia, ReglaIncumplida};

#[derive(Debug, thiserror::Error)]
pub enum ErrorClientes {
    /// A business rule or an input format rule failed: 400, naming the rule.
    #[error(transparent)]
    Regla(#[from] ReglaIncumplida),
    /// Another user already has the e-mail: 409.
    #[error("el email {0} ya está registrado")]
    EmailDuplicado(Email),
    /// Unknown e-mail, wrong password or deactivated user, deliberately not told apart: 401.
    #[error("credenciales inválidas")]
    CredencialesInvalidas,
    /// No user has that id: 404.
    #[error("no existe el usuario {0}")]
    NoEncontrado(IdUsuario),
    /// Storage failed: 409 for `Duplicado` and `Conflicto`, 503 for `NoDisponible`, 500 otherwise.
    #[error(transparent)]
    Persistencia(#[from] ErrorPersistencia),
    /// Hashing a password or signing a token failed (a bug or a misconfiguration): 500.
    #[error("error inesperado")]
    Inesperado(#[source] Causa),
    /// The integration message being handled was handled before (its inbox step reports
    /// it): nothing ran. Only a consumer meets it; it acknowledges the message. No HTTP
    /// request is bound to a message, so reaching the API would be a wiring mistake: 500.
    #[error("el mensaje {id_mensaje} ya fue procesado")]
    MensajeYaProcesado { id_mensaje: String },
}

impl From<ErrorUnidadTrabajo> for ErrorClientes {
    fn from(error: ErrorUnidadTrabajo) -> Self {
        match error {
            ErrorUnidadTrabajo::Regla(regla) => Self::Regla(regla),
            ErrorUnidadTrabajo::Persistencia(persistencia) => Self::Persistencia(persistencia),
            ErrorUnidadTrabajo::MensajeYaProcesado { id_mensaje } => {
                Self::MensajeYaProcesado { id_mensaje }
            }
        }
    }
}

impl From<ErrorHasher> for ErrorClientes {
    fn from(error: ErrorHasher) -> Self {
        Self::Inesperado(Box::new(error))
    }
}

impl From<ErrorEmisionToken> for ErrorClientes {
    fn from(error: ErrorEmisionToken) -> Self {
        Self::Inesperado(Box::new(error))
    }
}

impl ErrorClientes {
    /// The error of a registration of `email` that the domain refused.
    pub(crate) fn de_registro(error: ErrorRegistro, email: &Email) -> Self {
        match error {
            ErrorRegistro::EmailDuplicado(_) => Self::EmailDuplicado(email.clone()),
            ErrorRegistro::Persistencia(persistencia) => Self::Persistencia(persistencia),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_refused_by_an_event_handler_stays_a_rule_error() {
        let regla = ReglaIncumplida::new("UsuarioActivo", "desactivado");
        assert!(matches!(
            ErrorClientes::from(ErrorUnidadTrabajo::Regla(regla.clone())),
            ErrorClientes::Regla(otra) if otra == regla
        ));
    }

    #[test]
    fn a_message_the_inbox_has_handled_already_keeps_its_id() {
        let error = ErrorClientes::from(ErrorUnidadTrabajo::MensajeYaProcesado {
            id_mensaje: "m-1".into(),
        });
        assert!(matches!(
            &error,
            ErrorClientes::MensajeYaProcesado { id_mensaje } if id_mensaje == "m-1"
        ));
    }
}
