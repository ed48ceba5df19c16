//! The inbox: the ids of the messages already handled, written in the same transaction as
//! their effects, so that a redelivered message changes nothing twice. [`Inbox`] is the
//! consumers' explicit step around a handler: it takes the message and binds it to the
//! unit of work the handler runs on.

use std::future::Future;
use std::sync::atomic::Ordering;

use chrono::Utc;
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;

use crate::errores::de_diesel;
use crate::esquema::inbox;
use crate::mensaje_en_curso::MensajeEnCurso;
use crate::unidad_trabajo::{TransaccionDiesel, UnidadTrabajoDiesel};

/// What became of a message handed to the inbox step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Procesado<T> {
    /// The handler ran; its result (which may be its own error).
    Ahora(T),
    /// The inbox had the message: it was handled before, nothing ran again.
    Antes,
}

/// The inbox step of a consumer.
#[derive(Clone)]
pub struct Inbox {
    uow: UnidadTrabajoDiesel,
}

impl Inbox {
    pub fn new(uow: UnidadTrabajoDiesel) -> Self {
        Self { uow }
    }

    /// Runs `manejar` with a unit of work bound to `mensaje`, so that the message is
    /// recorded in the same transaction as its effects (and caused what that transaction
    /// publishes). A message the inbox has already is [`Procesado::Antes`], whatever the
    /// handler made of the refusal.
    pub async fn procesar<F, Fut>(
        &self,
        mensaje: MensajeEnCurso,
        manejar: F,
    ) -> Procesado<Fut::Output>
    where
        F: FnOnce(UnidadTrabajoDiesel) -> Fut,
        Fut: Future,
    {
        // Registered at 0 with the first message of a type, so a dashboard shows 0, not
        // "no data".
        let duplicados =
            metrics::counter!("aeroalpes_inbox_duplicados_total", "tipo" => mensaje.tipo.clone());
        duplicados.increment(0);
        let (uow, ya_procesado) = self.uow.vinculada_a(mensaje);
        let resultado = manejar(uow).await;
        if ya_procesado.load(Ordering::SeqCst) {
            duplicados.increment(1);
            Procesado::Antes
        } else {
            Procesado::Ahora(resultado)
        }
    }
}

impl TransaccionDiesel {
    /// Records that the message is being handled in this transaction. Answers `false`
    /// when it was handled before: the caller then does nothing and acknowledges it.
    pub fn registrar_en_inbox(
        &mut self,
        id_mensaje: &str,
        tipo: &str,
    ) -> Result<bool, ErrorPersistencia> {
        // Look first rather than relying on the unique key: on PostgreSQL a failed INSERT
        // would abort the whole transaction.
        let visto: i64 = inbox::table
            .filter(inbox::id_mensaje.eq(id_mensaje))
            .count()
            .get_result(self.conexion())
            .map_err(de_diesel)?;
        if visto > 0 {
            return Ok(false);
        }
        diesel::insert_into(inbox::table)
            .values((
                inbox::id_mensaje.eq(id_mensaje),
                inbox::tipo.eq(tipo),
                inbox::fecha_procesado.eq(Utc::now().naive_utc()),
            ))
            .execute(self.conexion())
            .map_err(de_diesel)?;
        Ok(true)
    }
}
