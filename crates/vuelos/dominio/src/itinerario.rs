//! The itinerary of a reservation: origin-destination options (odos) made of segments of legs.

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::leg::Leg;
use crate::reglas::{ConexionDespuesDeLlegada, LegsConectados, NoVacio};

/// A sequence of connected legs flown as one trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmento {
    legs: Vec<Leg>,
}

impl Segmento {
    pub fn new(legs: Vec<Leg>) -> Result<Self, ReglaIncumplida> {
        validar(&NoVacio {
            regla: "SegmentoConLegs",
            que: "leg en cada segmento",
            elementos: &legs,
        })?;
        validar(&LegsConectados { legs: &legs })?;
        validar(&ConexionDespuesDeLlegada { legs: &legs })?;
        Ok(Self { legs })
    }

    pub fn legs(&self) -> &[Leg] {
        &self.legs
    }
}

/// An origin-destination option: the segments that take a traveller from A to B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Odo {
    segmentos: Vec<Segmento>,
}

impl Odo {
    pub fn new(segmentos: Vec<Segmento>) -> Result<Self, ReglaIncumplida> {
        validar(&NoVacio {
            regla: "OdoConSegmentos",
            que: "segmento en cada odo",
            elementos: &segmentos,
        })?;
        Ok(Self { segmentos })
    }

    pub fn segmentos(&self) -> &[Segmento] {
        &self.segmentos
    }
}

/// One journey of a reservation, as a list of odos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Itinerario {
    odos: Vec<Odo>,
}

impl Itinerario {
    pub fn new(odos: Vec<Odo>) -> Result<Self, ReglaIncumplida> {
        validar(&NoVacio {
            regla: "ItinerarioConOdos",
            que: "odo en cada itinerario",
            elementos: &odos,
        })?;
        Ok(Self { odos })
    }

    pub fn odos(&self) -> &[Odo] {
        &self.odos
    }
}

impl ObjetoValor for Segmento {}
impl ObjetoValor for Odo {}
impl ObjetoValor for Itinerario {}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::leg::tests::leg;

    /// BOG -> MAD -> CDG, as in the fixture of the API tests.
    pub fn itinerario_bog_cdg() -> Itinerario {
        let segmento = Segmento::new(vec![
            leg("BOG", "MAD", (10, 22), (11, 14)),
            leg("MAD", "CDG", (11, 16), (11, 18)),
        ])
        .unwrap();
        Itinerario::new(vec![Odo::new(vec![segmento]).unwrap()]).unwrap()
    }

    #[test]
    fn given_connected_legs_when_creating_a_segment_then_it_keeps_them_in_order() {
        let itinerario = itinerario_bog_cdg();
        let legs = itinerario.odos()[0].segmentos()[0].legs();
        assert_eq!(legs.len(), 2);
        assert_eq!(legs[1].destino().codigo().as_str(), "CDG");
    }

    #[test]
    fn given_no_legs_when_creating_a_segment_then_the_rule_fails() {
        assert_eq!(Segmento::new(vec![]).unwrap_err().regla, "SegmentoConLegs");
    }

    #[test]
    fn given_legs_that_do_not_connect_when_creating_a_segment_then_the_rule_fails() {
        let error = Segmento::new(vec![
            leg("BOG", "MAD", (10, 1), (10, 5)),
            leg("LIS", "CDG", (10, 7), (10, 9)),
        ])
        .unwrap_err();
        assert_eq!(error.regla, "LegsConectados");
    }

    #[test]
    fn given_a_connection_leaving_before_the_previous_landing_when_creating_a_segment_then_the_rule_fails(
    ) {
        let error = Segmento::new(vec![
            leg("BOG", "MAD", (10, 1), (10, 5)),
            leg("MAD", "CDG", (10, 4), (10, 9)),
        ])
        .unwrap_err();
        assert_eq!(error.regla, "ConexionDespuesDeLlegada");
    }

    #[test]
    fn given_no_segments_when_creating_an_odo_then_the_rule_fails() {
        assert_eq!(Odo::new(vec![]).unwrap_err().regla, "OdoConSegmentos");
    }

    #[test]
    fn given_no_odos_when_creating_an_itinerary_then_the_rule_fails() {
        assert_eq!(
            Itinerario::new(vec![]).unwrap_err().regla,
            "ItinerarioConOdos"
        );
    }
}
