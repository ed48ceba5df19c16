//! The log adapter of [`Notificador`]: "sends" a mail by writing one line to the log,
//! which is how the tutorial's notification service behaves.

use crate::dominio::Notificacion;
use crate::notificador::{ErrorNotificador, Notificador};

/// Writes each mail as one `INFO` line, easy to grep:
///
/// ```text
/// notificación enviada id_reserva=… id_cliente=… destinatario=cliente-…@aeroalpes.example asunto="Reserva creada" cuerpo="…"
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NotificadorLog;

impl Notificador for NotificadorLog {
    fn enviar(&self, notificacion: &Notificacion) -> Result<(), ErrorNotificador> {
        // `?` quotes the texts with spaces, so that a field ends where its quote does.
        tracing::info!(
            id_reserva = %notificacion.id_reserva(),
            id_cliente = %notificacion.id_cliente(),
            destinatario = %notificacion.destinatario(),
            asunto = ?notificacion.asunto(),
            cuerpo = ?notificacion.cuerpo(),
            "notificación enviada"
        );
        Ok(())
    }
}
