//! The message being handled, carried implicitly from the consumer to the unit of work so
//! that the inbox row is written in the same transaction as the message's effects, without
//! the application layer knowing that the command came from a broker.

use std::future::Future;

/// The id and type of the integration message whose handling is under way, and the
/// conversation it belongs to: messages its handling writes are caused by it and share its
/// correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MensajeEnCurso {
    pub id_mensaje: String,
    pub tipo: String,
    pub correlation_id: Option<String>,
}

impl MensajeEnCurso {
    pub fn new(id_mensaje: impl Into<String>, tipo: impl Into<String>) -> Self {
        Self {
            id_mensaje: id_mensaje.into(),
            tipo: tipo.into(),
            correlation_id: None,
        }
    }

    pub fn correlacionado(mut self, correlation_id: Option<String>) -> Self {
        self.correlation_id = correlation_id;
        self
    }

    /// The correlation id of what this message causes: its own, or its id when it opened
    /// the conversation.
    pub fn correlacion(&self) -> &str {
        self.correlation_id.as_deref().unwrap_or(&self.id_mensaje)
    }
}

tokio::task_local! {
    static MENSAJE_EN_CURSO: MensajeEnCurso;
}

/// Runs `trabajo` with `mensaje` as the message in hand: every unit of work it runs records
/// the message in the inbox and refuses to run twice for the same message.
pub async fn en_contexto_de_mensaje<F: Future>(mensaje: MensajeEnCurso, trabajo: F) -> F::Output {
    MENSAJE_EN_CURSO.scope(mensaje, trabajo).await
}

/// The message in hand, if this task is handling one.
pub(crate) fn mensaje_en_curso() -> Option<MensajeEnCurso> {
    MENSAJE_EN_CURSO.try_with(Clone::clone).ok()
}
