//! The outbox: integration messages are written in the same transaction as the change that
//! raised them, and a relay publishes them afterwards, so none is lost or invented. The
//! relay's side of the table (claiming rows, marking them published) is [`reclamo`].

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;
use uuid::Uuid;

use crate::conexion::Conexion;
use crate::errores::de_diesel;
use crate::esquema::outbox;
use crate::unidad_trabajo::{TransaccionDiesel, UnidadTrabajoDiesel};

pub mod reclamo;
pub mod registro;

pub use reclamo::Reclamo;
pub use registro::{metadatos_de_evento, saliente};

/// A message to publish on a topic once the transaction commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MensajeSaliente {
    pub id_mensaje: Uuid,
    pub topico: String,
    /// The record type, e.g. `EventoReservaCreada`.
    pub tipo: String,
    /// The partition / ordering key (the aggregate id).
    pub clave: Option<String>,
    /// The serialized record.
    pub carga: Vec<u8>,
    /// Message properties (correlation and causation ids, …).
    pub propiedades: BTreeMap<String, String>,
}

/// A stored outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct FilaOutbox {
    pub secuencia: i64,
    pub id_mensaje: String,
    pub topico: String,
    pub tipo: String,
    pub clave: Option<String>,
    pub carga: Vec<u8>,
    pub propiedades: String,
    pub fecha_creacion: NaiveDateTime,
    pub publicado: bool,
    pub fecha_publicacion: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NuevaFilaOutbox<'a> {
    id_mensaje: String,
    topico: &'a str,
    tipo: &'a str,
    clave: Option<&'a str>,
    carga: &'a [u8],
    propiedades: String,
    fecha_creacion: NaiveDateTime,
    publicado: bool,
}

impl TransaccionDiesel {
    /// Writes a message to the outbox inside this transaction.
    pub fn agregar_al_outbox(
        &mut self,
        mensaje: &MensajeSaliente,
    ) -> Result<(), ErrorPersistencia> {
        let fila = NuevaFilaOutbox {
            id_mensaje: mensaje.id_mensaje.to_string(),
            topico: &mensaje.topico,
            tipo: &mensaje.tipo,
            clave: mensaje.clave.as_deref(),
            carga: &mensaje.carga,
            propiedades: serde_json::to_string(&mensaje.propiedades)
                .map_err(ErrorPersistencia::inesperado)?,
            fecha_creacion: Utc::now().naive_utc(),
            publicado: false,
        };
        diesel::insert_into(outbox::table)
            .values(&fila)
            .execute(self.conexion())
            .map_err(de_diesel)?;
        self.outbox_escrito = true;
        Ok(())
    }
}

/// Every row, published or not, in creation order (for tests and diagnostics).
pub fn todas(conexion: &mut Conexion) -> Result<Vec<FilaOutbox>, ErrorPersistencia> {
    outbox::table
        .order(outbox::secuencia.asc())
        .select(FilaOutbox::as_select())
        .load(conexion)
        .map_err(de_diesel)
}

/// The rows still waiting for the relay: how many, and when the oldest was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pendientes {
    pub cantidad: i64,
    /// `None` when nothing waits.
    pub mas_antigua: Option<NaiveDateTime>,
}

/// The backlog of unpublished rows (for health checks).
pub fn pendientes(conexion: &mut Conexion) -> Result<Pendientes, ErrorPersistencia> {
    use diesel::dsl::{count_star, min};
    let (cantidad, mas_antigua) = outbox::table
        .filter(outbox::publicado.eq(false))
        .select((count_star(), min(outbox::fecha_creacion)))
        .first::<(i64, Option<NaiveDateTime>)>(conexion)
        .map_err(de_diesel)?;
    Ok(Pendientes {
        cantidad,
        mas_antigua,
    })
}

/// Deletes the rows published before `antes_de`; answers how many. Unpublished rows are
/// never touched. Blocks on the database.
pub fn purgar_publicadas(
    uow: &UnidadTrabajoDiesel,
    antes_de: NaiveDateTime,
) -> Result<usize, ErrorPersistencia> {
    uow.base().escribir(|conexion| {
        diesel::delete(
            outbox::table
                .filter(outbox::publicado.eq(true))
                .filter(outbox::fecha_publicacion.lt(antes_de)),
        )
        .execute(conexion)
        .map_err(de_diesel)
    })
}
