//! The inbox: the ids of the messages already handled, written in the same transaction as
//! their effects, so that a redelivered message changes nothing twice.

use chrono::Utc;
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;

use crate::errores::de_diesel;
use crate::esquema::inbox;
use crate::unidad_trabajo::TransaccionDiesel;

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
