//! What the integration tests of this crate share: the itinerary they book.

use vuelos_aplicacion::dto::{AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, SegmentoDTO};
use vuelos_dominio::Itinerario;

/// BOG -> MAD, one leg.
pub fn itinerario() -> Itinerario {
    let aeropuerto = |codigo: &str| AeropuertoDTO {
        codigo: codigo.into(),
        nombre: format!("Aeropuerto {codigo}"),
    };
    ItinerarioDTO {
        odos: vec![OdoDTO {
            segmentos: vec![SegmentoDTO {
                legs: vec![LegDTO {
                    fecha_salida: "2027-03-10T22:05:00Z".into(),
                    fecha_llegada: "2027-03-11T14:40:00Z".into(),
                    origen: aeropuerto("BOG"),
                    destino: aeropuerto("MAD"),
                }],
            }],
        }],
    }
    .try_into_domain()
    .unwrap()
}
