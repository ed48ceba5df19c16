//! The outbound port of the service: sends a notification to its recipient.

use crate::dominio::Notificacion;

/// Sends notifications (a mail server, a log…).
///
/// It is synchronous on purpose: the consumer calls it on a blocking thread *inside* the
/// transaction that records the message in the inbox, so the mail goes out only for a
/// message not seen before, and the message counts as seen only once the mail went out.
/// A crash between sending and commit means the mail is sent again (at least once, never
/// lost). Implementations may block (an SMTP client); they should time out rather than
/// hang, because the inbox transaction stays open meanwhile.
pub trait Notificador: Send + Sync + 'static {
    /// Sends it, or says why not: [`ErrorNotificador::NoDisponible`] when trying again
    /// later may work (the message is redelivered), [`ErrorNotificador::Rechazada`] when it
    /// never will (the message goes to the dead-letter topic).
    fn enviar(&self, notificacion: &Notificacion) -> Result<(), ErrorNotificador>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorNotificador {
    /// The mail service cannot be reached now: the message is retried with backoff.
    #[error("el servicio de correo no está disponible: {0}")]
    NoDisponible(String),
    /// The mail service refused this notification for good (e.g. the address does not
    /// exist): the message is dead-lettered.
    #[error("el servicio de correo rechazó la notificación: {0}")]
    Rechazada(String),
}
