//! The business rules of the vuelos module, each named so clients can tell which one failed.

use chrono::{DateTime, Utc};
use seedwork_dominio::ReglaNegocio;

use crate::aeropuerto::Aeropuerto;
use crate::leg::Leg;

/// A leg flies between two different airports.
pub struct OrigenDistintoDeDestino<'a> {
    pub origen: &'a Aeropuerto,
    pub destino: &'a Aeropuerto,
}

impl ReglaNegocio for OrigenDistintoDeDestino<'_> {
    fn nombre(&self) -> &'static str {
        "OrigenDistintoDeDestino"
    }
    fn es_valida(&self) -> bool {
        self.origen.codigo() != self.destino.codigo()
    }
    fn mensaje(&self) -> String {
        format!(
            "el origen y el destino de un leg no pueden ser el mismo aeropuerto ({})",
            self.origen.codigo()
        )
    }
}

/// A leg lands after it takes off.
pub struct LlegadaDespuesDeSalida {
    pub salida: DateTime<Utc>,
    pub llegada: DateTime<Utc>,
}

impl ReglaNegocio for LlegadaDespuesDeSalida {
    fn nombre(&self) -> &'static str {
        "LlegadaDespuesDeSalida"
    }
    fn es_valida(&self) -> bool {
        self.llegada > self.salida
    }
    fn mensaje(&self) -> String {
        format!(
            "la llegada ({}) debe ser posterior a la salida ({})",
            self.llegada, self.salida
        )
    }
}

/// A collection of the itinerary (itineraries, odos, segments, legs) is not empty.
pub struct NoVacio<'a, T> {
    pub regla: &'static str,
    pub que: &'static str,
    pub elementos: &'a [T],
}

impl<T> ReglaNegocio for NoVacio<'_, T> {
    fn nombre(&self) -> &'static str {
        self.regla
    }
    fn es_valida(&self) -> bool {
        !self.elementos.is_empty()
    }
    fn mensaje(&self) -> String {
        format!("se requiere al menos un {}", self.que)
    }
}

/// Consecutive legs of a segment connect: each leaves from where the previous one landed.
pub struct LegsConectados<'a> {
    pub legs: &'a [Leg],
}

impl ReglaNegocio for LegsConectados<'_> {
    fn nombre(&self) -> &'static str {
        "LegsConectados"
    }
    fn es_valida(&self) -> bool {
        self.legs
            .windows(2)
            .all(|par| par[0].destino().codigo() == par[1].origen().codigo())
    }
    fn mensaje(&self) -> String {
        "cada leg de un segmento debe salir del aeropuerto donde llegó el anterior".into()
    }
}

/// Consecutive legs of a segment leave after the previous one landed.
pub struct ConexionDespuesDeLlegada<'a> {
    pub legs: &'a [Leg],
}

impl ReglaNegocio for ConexionDespuesDeLlegada<'_> {
    fn nombre(&self) -> &'static str {
        "ConexionDespuesDeLlegada"
    }
    fn es_valida(&self) -> bool {
        self.legs
            .windows(2)
            .all(|par| par[1].fecha_salida() > par[0].fecha_llegada())
    }
    fn mensaje(&self) -> String {
        "cada leg de un segmento debe salir después de que llegue el anterior".into()
    }
}
