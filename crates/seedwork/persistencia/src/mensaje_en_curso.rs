//! The message being handled: what the inbox step records, and what the messages its
//! handling writes are caused by.

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
