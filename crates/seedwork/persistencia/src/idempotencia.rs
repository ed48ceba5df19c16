//! The record of requests sent with an `Idempotency-Key`: one row per credentials and key,
//! taken before the request runs and holding its answer once given, so that a retry gets
//! the same answer instead of running again (see the HTTP edge, `aeroalpes-api`).

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;

use crate::base_datos::BaseDatos;
use crate::errores::de_diesel;
use crate::esquema::idempotencia;

/// Where a key stands when a request with it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EstadoClave {
    /// First seen now (or its first request was abandoned): the request runs.
    Nueva,
    /// A request with this key is running.
    EnCurso,
    /// Answered before; this is the answer.
    Respondida {
        estado: u16,
        cuerpo: Vec<u8>,
        ubicacion: Option<String>,
    },
    /// Used before with another request.
    OtraHuella,
}

/// The answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respuesta {
    pub estado: u16,
    pub cuerpo: Vec<u8>,
    pub ubicacion: Option<String>,
}

#[derive(Queryable)]
struct Fila {
    huella: String,
    estado: Option<i32>,
    cuerpo: Option<Vec<u8>>,
    ubicacion: Option<String>,
    fecha_creacion: NaiveDateTime,
}

/// The `idempotencia` table (blocking: run it off the async executor).
#[derive(Clone)]
pub struct RegistroIdempotencia {
    base: BaseDatos,
    /// A request taken this long ago and never answered was abandoned (its process died):
    /// a retry runs it again.
    abandono: TimeDelta,
}

impl RegistroIdempotencia {
    pub fn new(base: BaseDatos, abandono: TimeDelta) -> Self {
        Self { base, abandono }
    }

    /// Takes `clave` for a request of fingerprint `huella` sent with credentials `ambito`.
    pub fn tomar(
        &self,
        ambito: &str,
        clave: &str,
        huella: &str,
    ) -> Result<EstadoClave, ErrorPersistencia> {
        let ahora = Utc::now().naive_utc();
        self.base.escribir(|conexion| {
            let fila: Option<Fila> = idempotencia::table
                .find((ambito, clave))
                .select((
                    idempotencia::huella,
                    idempotencia::estado,
                    idempotencia::cuerpo,
                    idempotencia::ubicacion,
                    idempotencia::fecha_creacion,
                ))
                .first(conexion)
                .optional()
                .map_err(de_diesel)?;
            let Some(fila) = fila else {
                let insertada = diesel::insert_into(idempotencia::table)
                    .values((
                        idempotencia::ambito.eq(ambito),
                        idempotencia::clave.eq(clave),
                        idempotencia::huella.eq(huella),
                        idempotencia::fecha_creacion.eq(ahora),
                    ))
                    .execute(conexion);
                return Ok(match insertada {
                    Ok(_) => EstadoClave::Nueva,
                    // Another request took it between the read and the insert.
                    Err(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    )) => EstadoClave::EnCurso,
                    Err(error) => return Err(de_diesel(error)),
                });
            };
            if fila.huella != huella {
                return Ok(EstadoClave::OtraHuella);
            }
            if let Some(estado) = fila.estado {
                return Ok(EstadoClave::Respondida {
                    estado: u16::try_from(estado).unwrap_or(500),
                    cuerpo: fila.cuerpo.unwrap_or_default(),
                    ubicacion: fila.ubicacion,
                });
            }
            if fila.fecha_creacion + self.abandono > ahora {
                return Ok(EstadoClave::EnCurso);
            }
            diesel::update(idempotencia::table.find((ambito, clave)))
                .set(idempotencia::fecha_creacion.eq(ahora))
                .execute(conexion)
                .map_err(de_diesel)?;
            Ok(EstadoClave::Nueva)
        })
    }

    /// Keeps the answer of the request that took the key.
    pub fn responder(
        &self,
        ambito: &str,
        clave: &str,
        respuesta: &Respuesta,
    ) -> Result<(), ErrorPersistencia> {
        self.base.escribir(|conexion| {
            diesel::update(idempotencia::table.find((ambito, clave)))
                .set((
                    idempotencia::estado.eq(Some(i32::from(respuesta.estado))),
                    idempotencia::cuerpo.eq(Some(&respuesta.cuerpo)),
                    idempotencia::ubicacion.eq(respuesta.ubicacion.as_deref()),
                ))
                .execute(conexion)
                .map(drop)
                .map_err(de_diesel)
        })
    }

    /// Frees a key whose request failed on our side (5xx): a retry runs it again.
    pub fn liberar(&self, ambito: &str, clave: &str) -> Result<(), ErrorPersistencia> {
        self.base.escribir(|conexion| {
            diesel::delete(idempotencia::table.find((ambito, clave)))
                .execute(conexion)
                .map(drop)
                .map_err(de_diesel)
        })
    }
}
