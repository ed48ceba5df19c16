//! The message being handled, carried implicitly from the consumer to the unit of work so
//! that the inbox row is written in the same transaction as the message's effects, without
//! the application layer knowing that the command came from a broker.

use std::future::Future;

/// The id and type of the integration message whose handling is under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MensajeEnCurso {
    pub id_mensaje: String,
    pub tipo: String,
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
