//! How an itinerary is stored: a JSON column of the reservations table, in records private
//! to this crate. They happen to read like the API's JSON today, but they are a separate
//! format with its own date format: changing the API's JSON does not touch stored rows.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use vuelos_dominio::{Aeropuerto, Itinerario, Leg, Odo, Segmento};

/// The stored date format. Rows written since the first release use it: never change it
/// without a migration of the stored rows.
const FORMATO_FECHA_ALMACENADA: &str = "%Y-%m-%dT%H:%M:%SZ";

#[derive(Serialize, Deserialize)]
struct AeropuertoAlmacenado {
    codigo: String,
    nombre: String,
}

#[derive(Serialize, Deserialize)]
struct LegAlmacenado {
    fecha_salida: String,
    fecha_llegada: String,
    origen: AeropuertoAlmacenado,
    destino: AeropuertoAlmacenado,
}

#[derive(Serialize, Deserialize)]
struct SegmentoAlmacenado {
    legs: Vec<LegAlmacenado>,
}

#[derive(Serialize, Deserialize)]
struct OdoAlmacenado {
    segmentos: Vec<SegmentoAlmacenado>,
}

#[derive(Serialize, Deserialize)]
struct ItinerarioAlmacenado {
    odos: Vec<OdoAlmacenado>,
}

/// Why a stored itinerary could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ErrorItinerarioAlmacenado {
    #[error("no es JSON de itinerarios: {0}")]
    Json(#[source] serde_json::Error),
    #[error("fecha '{texto}' ilegible")]
    Fecha {
        texto: String,
        #[source]
        causa: chrono::ParseError,
    },
    #[error(transparent)]
    Regla(#[from] seedwork_dominio::ReglaIncumplida),
}

fn aeropuerto(aeropuerto: &Aeropuerto) -> AeropuertoAlmacenado {
    AeropuertoAlmacenado {
        codigo: aeropuerto.codigo().to_string(),
        nombre: aeropuerto.nombre().to_owned(),
    }
}

/// The stored text of a date, [`FORMATO_FECHA_ALMACENADA`] written by chrono's RFC 3339
/// writer (the same text, without reading the format string for every date).
fn fecha(fecha: DateTime<Utc>) -> String {
    fecha.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn leer_fecha(texto: &str) -> Result<DateTime<Utc>, ErrorItinerarioAlmacenado> {
    NaiveDateTime::parse_from_str(texto, FORMATO_FECHA_ALMACENADA)
        .map(|fecha| fecha.and_utc())
        .map_err(|causa| ErrorItinerarioAlmacenado::Fecha {
            texto: texto.to_owned(),
            causa,
        })
}

/// The stored text of a reservation's itineraries.
pub fn escribir(itinerarios: &[Itinerario]) -> Result<String, serde_json::Error> {
    let almacenados: Vec<ItinerarioAlmacenado> = itinerarios
        .iter()
        .map(|itinerario| ItinerarioAlmacenado {
            odos: itinerario
                .odos()
                .iter()
                .map(|odo| OdoAlmacenado {
                    segmentos: odo
                        .segmentos()
                        .iter()
                        .map(|segmento| SegmentoAlmacenado {
                            legs: segmento
                                .legs()
                                .iter()
                                .map(|leg| LegAlmacenado {
                                    fecha_salida: fecha(leg.fecha_salida()),
                                    fecha_llegada: fecha(leg.fecha_llegada()),
                                    origen: aeropuerto(leg.origen()),
                                    destino: aeropuerto(leg.destino()),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    serde_json::to_string(&almacenados)
}

/// The itineraries of a stored text, with the domain's rules checked again.
pub fn leer(texto: &str) -> Result<Vec<Itinerario>, ErrorItinerarioAlmacenado> {
    let almacenados: Vec<ItinerarioAlmacenado> =
        serde_json::from_str(texto).map_err(ErrorItinerarioAlmacenado::Json)?;
    almacenados
        .iter()
        .map(|itinerario| {
            let odos = itinerario
                .odos
                .iter()
                .map(|odo| {
                    let segmentos = odo
                        .segmentos
                        .iter()
                        .map(|segmento| {
                            let legs = segmento
                                .legs
                                .iter()
                                .map(|leg| {
                                    Ok(Leg::new(
                                        leer_fecha(&leg.fecha_salida)?,
                                        leer_fecha(&leg.fecha_llegada)?,
                                        Aeropuerto::parse(&leg.origen.codigo, &leg.origen.nombre)?,
                                        Aeropuerto::parse(
                                            &leg.destino.codigo,
                                            &leg.destino.nombre,
                                        )?,
                                    )?)
                                })
                                .collect::<Result<_, ErrorItinerarioAlmacenado>>()?;
                            Ok(Segmento::new(legs)?)
                        })
                        .collect::<Result<_, ErrorItinerarioAlmacenado>>()?;
                    Ok(Odo::new(segmentos)?)
                })
                .collect::<Result<_, ErrorItinerarioAlmacenado>>()?;
            Ok(Itinerario::new(odos)?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row as every release so far has written it.
    const FILA: &str = r#"[{"odos":[{"segmentos":[{"legs":[{"fecha_salida":"2027-03-10T22:05:00Z","fecha_llegada":"2027-03-11T14:40:00Z","origen":{"codigo":"BOG","nombre":"El Dorado"},"destino":{"codigo":"MAD","nombre":"Barajas"}}]}]}]}]"#;

    #[test]
    fn a_stored_row_reads_back_and_writes_the_same_text() {
        let itinerarios = leer(FILA).unwrap();
        assert_eq!(
            itinerarios[0].odos()[0].segmentos()[0].legs()[0]
                .origen()
                .nombre(),
            "El Dorado"
        );
        assert_eq!(escribir(&itinerarios).unwrap(), FILA);
    }

    #[test]
    fn a_row_that_breaks_a_rule_or_the_format_is_an_error_with_its_cause() {
        let sin_odos = r#"[{"odos":[]}]"#;
        assert!(matches!(
            leer(sin_odos),
            Err(ErrorItinerarioAlmacenado::Regla(_))
        ));
        let mala_fecha = FILA.replace("2027-03-10T22:05:00Z", "ayer");
        assert!(matches!(
            leer(&mala_fecha),
            Err(ErrorItinerarioAlmacenado::Fecha { .. })
        ));
        assert!(matches!(leer("{"), Err(ErrorItinerarioAlmacenado::Json(_))));
    }
}
