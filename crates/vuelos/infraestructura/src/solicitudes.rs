//! The diesel repository of the requests for reservations asked for asynchronously (see
//! `vuelos_aplicacion::solicitudes`): one row per request, `EnProceso` or `Rechazada`; and
//! of the latest asynchronous lifecycle command on each reservation (`ultimas_solicitudes`).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;
use seedwork_persistencia::{de_diesel, Conexion};
use vuelos_aplicacion::{
    DesenlaceSolicitud, EstadoSolicitud, RepositorioSolicitudes, UltimaSolicitud,
};
use vuelos_dominio::{AccionReserva, IdReserva};

use crate::esquema::{solicitudes, ultimas_solicitudes};

/// The requests, read and written inside the unit of work's transaction.
pub struct RepositorioSolicitudesDiesel<'a> {
    conexion: &'a mut Conexion,
}

impl<'a> RepositorioSolicitudesDiesel<'a> {
    pub fn new(conexion: &'a mut Conexion) -> Self {
        Self { conexion }
    }
}

impl RepositorioSolicitudes for RepositorioSolicitudesDiesel<'_> {
    fn estado(&mut self, id: IdReserva) -> Result<Option<EstadoSolicitud>, ErrorPersistencia> {
        consultar(self.conexion, id)
    }

    fn registrar(&mut self, id: IdReserva) -> Result<(), ErrorPersistencia> {
        registrar(self.conexion, id)
    }

    fn rechazar(&mut self, id: IdReserva, razon: &str) -> Result<(), ErrorPersistencia> {
        rechazar(self.conexion, id, razon)
    }

    fn ultima(&mut self, id: IdReserva) -> Result<Option<UltimaSolicitud>, ErrorPersistencia> {
        let fila: Option<(String, String, Option<String>, NaiveDateTime)> =
            ultimas_solicitudes::table
                .find(id.to_string())
                .select((
                    ultimas_solicitudes::accion,
                    ultimas_solicitudes::estado,
                    ultimas_solicitudes::razon,
                    ultimas_solicitudes::fecha_actualizacion,
                ))
                .first(self.conexion)
                .optional()
                .map_err(de_diesel)?;
        let Some((accion, estado, razon, fecha)) = fila else {
            return Ok(None);
        };
        ultima_solicitud(&accion, &estado, razon, fecha, "ultimas_solicitudes").map(Some)
    }

    fn aceptar_accion(
        &mut self,
        id: IdReserva,
        accion: AccionReserva,
    ) -> Result<(), ErrorPersistencia> {
        let ahora = Utc::now().naive_utc();
        let clave = id.to_string();
        // Delete then insert: the same statements on both engines, in the caller's
        // transaction.
        diesel::delete(ultimas_solicitudes::table.find(&clave))
            .execute(self.conexion)
            .map_err(de_diesel)?;
        diesel::insert_into(ultimas_solicitudes::table)
            .values((
                ultimas_solicitudes::id_reserva.eq(&clave),
                ultimas_solicitudes::accion.eq(accion.to_string()),
                ultimas_solicitudes::estado.eq(EN_PROCESO),
                ultimas_solicitudes::fecha_actualizacion.eq(ahora),
            ))
            .execute(self.conexion)
            .map_err(de_diesel)?;
        Ok(())
    }

    fn resolver_accion(
        &mut self,
        id: IdReserva,
        accion: AccionReserva,
        rechazo: Option<&str>,
    ) -> Result<(), ErrorPersistencia> {
        let estado = if rechazo.is_some() {
            RECHAZADA
        } else {
            APLICADA
        };
        diesel::update(
            ultimas_solicitudes::table
                .find(id.to_string())
                .filter(ultimas_solicitudes::accion.eq(accion.to_string()))
                .filter(ultimas_solicitudes::estado.eq(EN_PROCESO)),
        )
        .set((
            ultimas_solicitudes::estado.eq(estado),
            ultimas_solicitudes::razon.eq(rechazo),
            ultimas_solicitudes::fecha_actualizacion.eq(Utc::now().naive_utc()),
        ))
        .execute(self.conexion)
        .map_err(de_diesel)?;
        Ok(())
    }
}

pub(crate) const EN_PROCESO: &str = "EnProceso";
pub(crate) const RECHAZADA: &str = "Rechazada";
pub(crate) const APLICADA: &str = "Aplicada";

/// The action a stored (or published) name spells.
pub fn accion_de(texto: &str) -> Option<AccionReserva> {
    AccionReserva::TODAS
        .into_iter()
        .find(|accion| accion.to_string() == texto)
}

/// The latest lifecycle request a stored row of `tabla` tells: its action, state (one of
/// the constants above), reason and date.
pub(crate) fn ultima_solicitud(
    accion: &str,
    estado: &str,
    razon: Option<String>,
    fecha: NaiveDateTime,
    tabla: &str,
) -> Result<UltimaSolicitud, ErrorPersistencia> {
    let accion = accion_de(accion).ok_or_else(|| {
        ErrorPersistencia::inesperado(format!("acción desconocida en {tabla}: {accion}"))
    })?;
    let desenlace = match estado {
        EN_PROCESO => DesenlaceSolicitud::EnProceso,
        APLICADA => DesenlaceSolicitud::Aplicada,
        _ => DesenlaceSolicitud::Rechazada {
            razon: razon.unwrap_or_default(),
        },
    };
    Ok(UltimaSolicitud {
        accion,
        desenlace,
        fecha: fecha.and_utc(),
    })
}

/// Records that the creation of `id` was accepted and is on its way.
fn registrar(conexion: &mut Conexion, id: IdReserva) -> Result<(), ErrorPersistencia> {
    let ahora = Utc::now().naive_utc();
    diesel::insert_into(solicitudes::table)
        .values((
            solicitudes::id_reserva.eq(id.to_string()),
            solicitudes::estado.eq(EN_PROCESO),
            solicitudes::fecha_creacion.eq(ahora),
            solicitudes::fecha_actualizacion.eq(ahora),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    Ok(())
}

/// Records that the creation of `id` was refused. A request that was never recorded (a
/// command from another producer) is recorded now, so its refusal can be queried too.
fn rechazar(conexion: &mut Conexion, id: IdReserva, razon: &str) -> Result<(), ErrorPersistencia> {
    let ahora = Utc::now().naive_utc();
    let cambiadas = diesel::update(solicitudes::table.find(id.to_string()))
        .set((
            solicitudes::estado.eq(RECHAZADA),
            solicitudes::razon.eq(razon),
            solicitudes::fecha_actualizacion.eq(ahora),
        ))
        .execute(conexion)
        .map_err(de_diesel)?;
    if cambiadas == 0 {
        diesel::insert_into(solicitudes::table)
            .values((
                solicitudes::id_reserva.eq(id.to_string()),
                solicitudes::estado.eq(RECHAZADA),
                solicitudes::razon.eq(razon),
                solicitudes::fecha_creacion.eq(ahora),
                solicitudes::fecha_actualizacion.eq(ahora),
            ))
            .execute(conexion)
            .map_err(de_diesel)?;
    }
    Ok(())
}

fn consultar(
    conexion: &mut Conexion,
    id: IdReserva,
) -> Result<Option<EstadoSolicitud>, ErrorPersistencia> {
    let fila: Option<(String, Option<String>)> = solicitudes::table
        .find(id.to_string())
        .select((solicitudes::estado, solicitudes::razon))
        .first(conexion)
        .optional()
        .map_err(de_diesel)?;
    Ok(fila.map(|(estado, razon)| match estado.as_str() {
        RECHAZADA => EstadoSolicitud::Rechazada {
            razon: razon.unwrap_or_default(),
        },
        _ => EstadoSolicitud::EnProceso,
    }))
}

/// The sweep of answered requests (see `seedwork_persistencia::barrido`): those last changed
/// before `antes_de` whose reservation exists (the creation was handled; the query answers
/// from the reservation) or that were refused. A request still in process with no
/// reservation (its command not handled yet) is kept, however old.
pub fn barrer(
    conexion: &mut Conexion,
    antes_de: NaiveDateTime,
) -> Result<usize, ErrorPersistencia> {
    use crate::esquema::reservas;
    // In bounded batches: each sweep is one short write transaction.
    let ids: Vec<String> = solicitudes::table
        .filter(solicitudes::fecha_actualizacion.lt(antes_de))
        .filter(
            solicitudes::estado
                .ne(EN_PROCESO)
                .or(solicitudes::id_reserva.eq_any(reservas::table.select(reservas::id))),
        )
        .select(solicitudes::id_reserva)
        .limit(10_000)
        .load(conexion)
        .map_err(de_diesel)?;
    diesel::delete(solicitudes::table.filter(solicitudes::id_reserva.eq_any(&ids)))
        .execute(conexion)
        .map_err(de_diesel)
}
