//! Mappers between the DTOs and the domain of the vuelos module.

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Utc};
use seedwork_dominio::{Entidad, ReglaIncumplida};
use vuelos_dominio::{Aeropuerto, Itinerario, Leg, Odo, Reserva, Segmento};

use crate::dto::{
    AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, ReservaDTO, SegmentoDTO, UltimaSolicitudDTO,
    FORMATO_FECHA,
};
use crate::solicitudes::{DesenlaceSolicitud, UltimaSolicitud};

/// The years a flight may be in: earlier or later dates are typing errors.
pub const ANIOS_VUELO: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parses a date in the API's format (`2027-03-10T22:05:00Z`): four-digit years of
/// [`ANIOS_VUELO`], and no leap second (`23:59:60`, which would silently become the next
/// day).
pub fn parse_fecha(texto: &str) -> Result<DateTime<Utc>, ReglaIncumplida> {
    let formato = || {
        ReglaIncumplida::new(
            "FormatoFecha",
            format!("'{texto}' no es una fecha en formato AAAA-MM-DDTHH:MM:SSZ"),
        )
    };
    // Exactly `AAAA-MM-DDTHH:MM:SSZ`: chrono would take signed and longer years.
    if texto.len() != 20 || !texto.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return Err(formato());
    }
    let fecha = NaiveDateTime::parse_from_str(texto, FORMATO_FECHA)
        .map_err(|_| formato())?
        .and_utc();
    if fecha.timestamp_subsec_nanos() >= 1_000_000_000 {
        return Err(ReglaIncumplida::new(
            "FormatoFecha",
            format!("'{texto}' es un segundo intercalar: use el segundo 59 o el siguiente minuto"),
        ));
    }
    if !ANIOS_VUELO.contains(&fecha.year()) {
        return Err(ReglaIncumplida::new(
            "FechaEnRango",
            format!(
                "'{texto}' está fuera de los años {}–{}",
                ANIOS_VUELO.start(),
                ANIOS_VUELO.end()
            ),
        ));
    }
    Ok(fecha)
}

/// `fecha` as [`FORMATO_FECHA`] writes it (`2027-03-10T22:05:00Z`), through chrono's
/// RFC 3339 writer: the same text for the years a flight can have, without reading the
/// format string again for every date of every response.
pub fn formatear_fecha(fecha: DateTime<Utc>) -> String {
    fecha.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl AeropuertoDTO {
    pub fn try_into_domain(&self) -> Result<Aeropuerto, ReglaIncumplida> {
        Aeropuerto::parse(&self.codigo, &self.nombre)
    }
}

impl LegDTO {
    pub fn try_into_domain(&self) -> Result<Leg, ReglaIncumplida> {
        Leg::new(
            parse_fecha(&self.fecha_salida)?,
            parse_fecha(&self.fecha_llegada)?,
            self.origen.try_into_domain()?,
            self.destino.try_into_domain()?,
        )
    }
}

impl ItinerarioDTO {
    pub fn try_into_domain(&self) -> Result<Itinerario, ReglaIncumplida> {
        let odos = self
            .odos
            .iter()
            .map(|odo| {
                let segmentos = odo
                    .segmentos
                    .iter()
                    .map(|segmento| {
                        Segmento::new(
                            segmento
                                .legs
                                .iter()
                                .map(LegDTO::try_into_domain)
                                .collect::<Result<_, _>>()?,
                        )
                    })
                    .collect::<Result<_, _>>()?;
                Odo::new(segmentos)
            })
            .collect::<Result<_, _>>()?;
        Itinerario::new(odos)
    }
}

impl From<&Aeropuerto> for AeropuertoDTO {
    fn from(aeropuerto: &Aeropuerto) -> Self {
        Self {
            codigo: aeropuerto.codigo().to_string(),
            nombre: aeropuerto.nombre().to_owned(),
        }
    }
}

impl From<&Leg> for LegDTO {
    fn from(leg: &Leg) -> Self {
        Self {
            fecha_salida: formatear_fecha(leg.fecha_salida()),
            fecha_llegada: formatear_fecha(leg.fecha_llegada()),
            origen: leg.origen().into(),
            destino: leg.destino().into(),
        }
    }
}

impl From<&Itinerario> for ItinerarioDTO {
    fn from(itinerario: &Itinerario) -> Self {
        Self {
            odos: itinerario
                .odos()
                .iter()
                .map(|odo| OdoDTO {
                    segmentos: odo
                        .segmentos()
                        .iter()
                        .map(|segmento| SegmentoDTO {
                            legs: segmento.legs().iter().map(LegDTO::from).collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<&Reserva> for ReservaDTO {
    fn from(reserva: &Reserva) -> Self {
        Self {
            id: reserva.id().to_string(),
            id_cliente: reserva.id_cliente().map(|id| id.to_string()),
            estado: reserva.estado().to_string(),
            fecha_creacion: formatear_fecha(reserva.fecha_creacion()),
            fecha_actualizacion: formatear_fecha(reserva.fecha_actualizacion()),
            itinerarios: reserva
                .itinerarios()
                .iter()
                .map(ItinerarioDTO::from)
                .collect(),
            ultima_solicitud: None,
        }
    }
}

impl From<&UltimaSolicitud> for UltimaSolicitudDTO {
    fn from(ultima: &UltimaSolicitud) -> Self {
        let (estado, error) = match &ultima.desenlace {
            DesenlaceSolicitud::EnProceso => ("EnProceso", None),
            DesenlaceSolicitud::Aplicada => ("Aplicada", None),
            DesenlaceSolicitud::Rechazada { razon } => ("Rechazada", Some(razon.clone())),
        };
        Self {
            accion: ultima.accion.to_string(),
            estado: estado.to_owned(),
            error,
            fecha: formatear_fecha(ultima.fecha),
        }
    }
}

/// Maps a list of itinerary DTOs into the domain, stopping at the first broken rule.
pub fn itinerarios_de(dtos: &[ItinerarioDTO]) -> Result<Vec<Itinerario>, ReglaIncumplida> {
    dtos.iter().map(ItinerarioDTO::try_into_domain).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::pruebas::itinerario_dto;

    #[test]
    fn an_itinerary_survives_a_round_trip_through_its_dto() {
        let dto = itinerario_dto();
        let dominio = dto.try_into_domain().unwrap();
        assert_eq!(ItinerarioDTO::from(&dominio), dto);
    }

    #[test]
    fn a_date_in_another_format_is_refused_naming_the_rule() {
        assert_eq!(parse_fecha("10/03/2027").unwrap_err().regla, "FormatoFecha");
        assert_eq!(
            parse_fecha("2027-02-30T10:00:00Z").unwrap_err().regla,
            "FormatoFecha"
        );
    }

    #[test]
    fn leap_seconds_odd_years_and_dates_out_of_range_are_refused() {
        for (texto, regla) in [
            ("2027-06-30T23:59:60Z", "FormatoFecha"),
            ("+99999-01-01T00:00:00Z", "FormatoFecha"),
            ("-0001-01-01T00:00:00Z", "FormatoFecha"),
            ("0000-01-01T00:00:00Z", "FechaEnRango"),
            ("1900-05-01T10:00:00Z", "FechaEnRango"),
            ("2101-01-01T00:00:00Z", "FechaEnRango"),
        ] {
            assert_eq!(parse_fecha(texto).unwrap_err().regla, regla, "{texto}");
        }
        assert!(parse_fecha("2027-06-30T23:59:59Z").is_ok());
    }

    #[test]
    fn a_bad_airport_code_inside_an_itinerary_is_refused_naming_the_rule() {
        let mut dto = itinerario_dto();
        dto.odos[0].segmentos[0].legs[0].origen.codigo = "BOGO".into();
        assert_eq!(dto.try_into_domain().unwrap_err().regla, "CodigoIataValido");
    }

    proptest! {
        #[test]
        // 2000-01-01 to 2100-12-31: the years a flight may be in.
        fn any_valid_date_survives_a_round_trip_through_text(segundos in 946_684_800i64..4_133_980_800) {
            let fecha = DateTime::from_timestamp(segundos, 0).unwrap();
            prop_assert_eq!(parse_fecha(&formatear_fecha(fecha)), Ok(fecha));
        }

        #[test]
        // Any instant of years 1 to 9999, with nanoseconds: the same text as the format.
        fn a_date_is_written_as_its_format_says(
            segundos in -62_135_596_800i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
        ) {
            let fecha = DateTime::from_timestamp(segundos, nanos).unwrap();
            prop_assert_eq!(formatear_fecha(fecha), fecha.format(FORMATO_FECHA).to_string());
        }

        #[test]
        fn no_text_makes_the_date_parser_panic(texto in "\\PC*") {
            let _ = parse_fecha(&texto);
        }
    }
}
