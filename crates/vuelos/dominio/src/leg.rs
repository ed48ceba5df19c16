//! A leg: one flight from an airport to another, without stops.

use chrono::{DateTime, Utc};
use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::aeropuerto::Aeropuerto;
use crate::reglas::{LlegadaDespuesDeSalida, OrigenDistintoDeDestino};

/// One non-stop flight. A leg that exists flies somewhere else and lands after it leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    fecha_salida: DateTime<Utc>,
    fecha_llegada: DateTime<Utc>,
    origen: Aeropuerto,
    destino: Aeropuerto,
}

impl Leg {
    pub fn new(
        fecha_salida: DateTime<Utc>,
        fecha_llegada: DateTime<Utc>,
        origen: Aeropuerto,
        destino: Aeropuerto,
    ) -> Result<Self, ReglaIncumplida> {
        validar(&OrigenDistintoDeDestino {
            origen: &origen,
            destino: &destino,
        })?;
        validar(&LlegadaDespuesDeSalida {
            salida: fecha_salida,
            llegada: fecha_llegada,
        })?;
        Ok(Self {
            fecha_salida,
            fecha_llegada,
            origen,
            destino,
        })
    }

    pub fn fecha_salida(&self) -> DateTime<Utc> {
        self.fecha_salida
    }

    pub fn fecha_llegada(&self) -> DateTime<Utc> {
        self.fecha_llegada
    }

    pub fn origen(&self) -> &Aeropuerto {
        &self.origen
    }

    pub fn destino(&self) -> &Aeropuerto {
        &self.destino
    }
}

impl ObjetoValor for Leg {}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;

    use super::*;

    pub fn fecha(dia: u32, hora: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, dia, hora, 0, 0).unwrap()
    }

    pub fn aeropuerto(codigo: &str) -> Aeropuerto {
        Aeropuerto::parse(codigo, codigo).unwrap()
    }

    pub fn leg(origen: &str, destino: &str, salida: (u32, u32), llegada: (u32, u32)) -> Leg {
        Leg::new(
            fecha(salida.0, salida.1),
            fecha(llegada.0, llegada.1),
            aeropuerto(origen),
            aeropuerto(destino),
        )
        .unwrap()
    }

    #[test]
    fn given_two_airports_and_a_later_arrival_when_creating_a_leg_then_it_exists() {
        let leg = leg("BOG", "MAD", (10, 22), (11, 14));
        assert_eq!(leg.origen().codigo().as_str(), "BOG");
    }

    #[test]
    fn given_the_same_airport_at_both_ends_when_creating_a_leg_then_the_rule_fails() {
        let error = Leg::new(
            fecha(10, 1),
            fecha(10, 2),
            aeropuerto("BOG"),
            aeropuerto("bog"),
        )
        .unwrap_err();
        assert_eq!(error.regla, "OrigenDistintoDeDestino");
    }

    #[test]
    fn given_an_arrival_before_departure_when_creating_a_leg_then_the_rule_fails() {
        let error = Leg::new(
            fecha(10, 5),
            fecha(10, 2),
            aeropuerto("BOG"),
            aeropuerto("MAD"),
        )
        .unwrap_err();
        assert_eq!(error.regla, "LlegadaDespuesDeSalida");
    }

    #[test]
    fn given_an_arrival_equal_to_departure_when_creating_a_leg_then_the_rule_fails() {
        let error = Leg::new(
            fecha(10, 5),
            fecha(10, 5),
            aeropuerto("BOG"),
            aeropuerto("MAD"),
        )
        .unwrap_err();
        assert_eq!(error.regla, "LlegadaDespuesDeSalida");
    }
}
