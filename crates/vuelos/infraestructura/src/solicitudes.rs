//! The diesel repository of the requests for reservations asked for asynchronously (see
//! `vuelos_aplicacion::solicitudes`): one row per request, `EnProceso` or `Rechazada`.

use chrono::Utc;
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;
use seedwork_persistencia::{de_diesel, Conexion};
use vuelos_aplicacion::{EstadoSolicitud, RepositorioSolicitudes};
use vuelos_dominio::IdReserva;

use crate::esquema::solicitudes;

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
}

const EN_PROCESO: &str = "EnProceso";
const RECHAZADA: &str = "Rechazada";

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
