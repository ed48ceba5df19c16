//! The errors of the vuelos application layer, each documenting the HTTP status it maps to.

use seedwork_aplicacion::ErrorUnidadTrabajo;
use seedwork_dominio::{ErrorPersistencia, ReglaIncumplida};
use vuelos_dominio::{AccionReserva, ErrorReserva, EstadoReserva, IdReserva};

#[derive(Debug, thiserror::Error)]
pub enum ErrorVuelos {
    /// A business rule or an input format rule failed: 400, naming the rule.
    #[error(transparent)]
    Regla(#[from] ReglaIncumplida),
    /// No reservation has that id: 404.
    #[error("no existe la reserva {0}")]
    NoEncontrada(IdReserva),
    /// The lifecycle forbids the action in the current state: 409.
    #[error("no se puede {accion} una reserva en estado {estado}")]
    TransicionInvalida {
        estado: EstadoReserva,
        accion: AccionReserva,
    },
    /// Storage failed: 409 for `Duplicado` and `Conflicto`, 503 for `NoDisponible`, 500 otherwise.
    #[error(transparent)]
    Persistencia(#[from] ErrorPersistencia),
    /// The integration message being handled was handled before (its inbox step reports
    /// it): nothing ran. Only a consumer meets it; it acknowledges the message.
    #[error("el mensaje {id_mensaje} ya fue procesado")]
    MensajeYaProcesado { id_mensaje: String },
}

impl From<ErrorUnidadTrabajo> for ErrorVuelos {
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

impl From<ErrorReserva> for ErrorVuelos {
    fn from(error: ErrorReserva) -> Self {
        match error {
            ErrorReserva::Regla(regla) => Self::Regla(regla),
            ErrorReserva::TransicionInvalida { estado, accion } => {
                Self::TransicionInvalida { estado, accion }
            }
        }
    }
}
