//! Sweeping the bookkeeping tables that would otherwise only grow: the inbox (ids of
//! messages handled), the `Idempotency-Key` answers, and whatever a module registers (vuelos:
//! its answered requests). Each sweep deletes the rows older than its retention, which is
//! configurable and must outlive any window in which they are still needed: an inbox row
//! older than any redelivery of its message, a key older than any client's retry.

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use seedwork_dominio::ErrorPersistencia;

use crate::conexion::Conexion;
use crate::errores::de_diesel;
use crate::esquema::{idempotencia, inbox};
use crate::unidad_trabajo::UnidadTrabajoDiesel;

/// How long inbox ids and answered requests are kept by default: a week, longer than any
/// redelivery of a message a consumer will see (a backlog a week old is an outage to
/// handle, not a redelivery).
pub const RETENCION_POR_DEFECTO: TimeDelta = TimeDelta::days(7);

/// How long an `Idempotency-Key` answer is kept: longer than any client's retries.
pub const RETENCION_IDEMPOTENCIA: TimeDelta = TimeDelta::hours(24);

/// Reads a retention given in hours, as the services' configuration takes it: a number,
/// decimals allowed, from one minute (`0.017`) to a leap year (`8784`).
pub fn retencion_en_horas(texto: &str) -> Option<TimeDelta> {
    let horas: f64 = texto.trim().parse().ok()?;
    let segundos = horas * 3600.0;
    (segundos.is_finite() && (59.0..=8784.0 * 3600.0).contains(&segundos))
        .then(|| TimeDelta::seconds((segundos.round() as i64).max(60)))
}

/// Deletes the rows of one table older than the instant given; answers how many.
pub type Barrer = fn(&mut Conexion, NaiveDateTime) -> Result<usize, ErrorPersistencia>;

/// One table to sweep.
#[derive(Clone, Copy)]
pub struct Barrido {
    pub tabla: &'static str,
    pub retencion: TimeDelta,
    pub barrer: Barrer,
}

impl std::fmt::Debug for Barrido {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Barrido")
            .field("tabla", &self.tabla)
            .field("retencion", &self.retencion)
            .finish()
    }
}

impl Barrido {
    /// Runs the sweep now, in a write transaction of its own (blocking).
    pub fn ejecutar(&self, uow: &UnidadTrabajoDiesel) -> Result<usize, ErrorPersistencia> {
        let antes_de = Utc::now().naive_utc() - self.retencion;
        let barrer = self.barrer;
        uow.base().escribir(|conexion| barrer(conexion, antes_de))
    }
}

/// The inbox rows of messages handled before `antes_de`.
pub fn inbox(conexion: &mut Conexion, antes_de: NaiveDateTime) -> Result<usize, ErrorPersistencia> {
    diesel::delete(inbox::table.filter(inbox::fecha_procesado.lt(antes_de)))
        .execute(conexion)
        .map_err(de_diesel)
}

/// The `Idempotency-Key` rows taken before `antes_de`.
pub fn idempotencia(
    conexion: &mut Conexion,
    antes_de: NaiveDateTime,
) -> Result<usize, ErrorPersistencia> {
    diesel::delete(idempotencia::table.filter(idempotencia::fecha_creacion.lt(antes_de)))
        .execute(conexion)
        .map_err(de_diesel)
}

#[cfg(test)]
mod pruebas_de_retencion {
    use super::*;

    #[test]
    fn a_retention_in_hours_takes_decimals_from_a_minute_to_a_leap_year() {
        assert_eq!(retencion_en_horas("168"), Some(TimeDelta::days(7)));
        assert_eq!(retencion_en_horas(" 0.5 "), Some(TimeDelta::minutes(30)));
        assert_eq!(retencion_en_horas("0.017"), Some(TimeDelta::seconds(61)));
        assert_eq!(retencion_en_horas("8784"), Some(TimeDelta::hours(8784)));
        for malo in ["0", "0.01", "-1", "8785", "NaN", "inf", "una semana", ""] {
            assert_eq!(retencion_en_horas(malo), None, "{malo}");
        }
    }
}
