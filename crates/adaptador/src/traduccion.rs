//! Protobuf messages to the JSON DTOs of `vuelos-aplicacion` and back. Dates are
//! `google.protobuf.Timestamp` on the wire and `%Y-%m-%dT%H:%M:%SZ` text in JSON; the
//! text has whole seconds, so the nanoseconds of a Timestamp are dropped.

use chrono::{DateTime, NaiveDateTime};
use prost_types::Timestamp;
use vuelos_aplicacion::dto::{
    AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, ReservaDTO, SegmentoDTO, SolicitudReservaDTO,
    FORMATO_FECHA,
};

use crate::proto;

/// A message that cannot be translated; `campo` is the path of the field
/// (`itinerarios[0].odos[0].segmentos[0].legs[1].fecha_salida`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampoInvalido {
    #[error("missing field {campo}")]
    Falta { campo: String },
    #[error("{campo} is not a valid date")]
    FechaInvalida { campo: String },
}

/// The body of `POST /vuelos/reserva` for a `Reserva` message (only its itineraries
/// count).
pub fn solicitud_de_reserva(reserva: proto::Reserva) -> Result<SolicitudReservaDTO, CampoInvalido> {
    Ok(SolicitudReservaDTO {
        itinerarios: cada(reserva.itinerarios, "itinerarios", itinerario_dto)?,
        id_cliente: None,
    })
}

fn itinerario_dto(
    itinerario: proto::Itinerario,
    ruta: &str,
) -> Result<ItinerarioDTO, CampoInvalido> {
    let odos = cada(itinerario.odos, &format!("{ruta}.odos"), |odo, ruta| {
        let segmentos = cada(
            odo.segmentos,
            &format!("{ruta}.segmentos"),
            |segmento, ruta| {
                let legs = cada(segmento.legs, &format!("{ruta}.legs"), leg_dto)?;
                Ok(SegmentoDTO { legs })
            },
        )?;
        Ok(OdoDTO { segmentos })
    })?;
    Ok(ItinerarioDTO { odos })
}

fn leg_dto(leg: proto::Leg, ruta: &str) -> Result<LegDTO, CampoInvalido> {
    Ok(LegDTO {
        fecha_salida: texto_de_fecha(leg.fecha_salida, &format!("{ruta}.fecha_salida"))?,
        fecha_llegada: texto_de_fecha(leg.fecha_llegada, &format!("{ruta}.fecha_llegada"))?,
        origen: aeropuerto_dto(leg.origen, &format!("{ruta}.origen"))?,
        destino: aeropuerto_dto(leg.destino, &format!("{ruta}.destino"))?,
    })
}

fn aeropuerto_dto(
    locacion: Option<proto::Locacion>,
    campo: &str,
) -> Result<AeropuertoDTO, CampoInvalido> {
    let locacion = locacion.ok_or_else(|| CampoInvalido::Falta {
        campo: campo.to_owned(),
    })?;
    Ok(AeropuertoDTO {
        codigo: locacion.codigo,
        nombre: locacion.nombre,
    })
}

fn texto_de_fecha(fecha: Option<Timestamp>, campo: &str) -> Result<String, CampoInvalido> {
    let fecha = fecha.ok_or_else(|| CampoInvalido::Falta {
        campo: campo.to_owned(),
    })?;
    let fecha = u32::try_from(fecha.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(fecha.seconds, nanos))
        .ok_or_else(|| CampoInvalido::FechaInvalida {
            campo: campo.to_owned(),
        })?;
    Ok(fecha.format(FORMATO_FECHA).to_string())
}

/// The `Reserva` message of a reservation as AeroAlpes answers it.
pub fn reserva_de_dto(reserva: ReservaDTO) -> Result<proto::Reserva, CampoInvalido> {
    Ok(proto::Reserva {
        fecha_creacion: Some(fecha_de_texto(&reserva.fecha_creacion, "fecha_creacion")?),
        fecha_actualizacion: Some(fecha_de_texto(
            &reserva.fecha_actualizacion,
            "fecha_actualizacion",
        )?),
        id: Some(reserva.id),
        itinerarios: itinerarios_de_dto(reserva.itinerarios)?,
    })
}

/// The `Itinerario` messages of JSON itineraries (the client reads its request file with
/// this).
pub fn itinerarios_de_dto(
    itinerarios: Vec<ItinerarioDTO>,
) -> Result<Vec<proto::Itinerario>, CampoInvalido> {
    cada(itinerarios, "itinerarios", |itinerario, ruta| {
        let odos = cada(itinerario.odos, &format!("{ruta}.odos"), |odo, ruta| {
            let segmentos = cada(
                odo.segmentos,
                &format!("{ruta}.segmentos"),
                |segmento, ruta| {
                    let legs = cada(segmento.legs, &format!("{ruta}.legs"), leg_de_dto)?;
                    Ok(proto::Segmento { legs })
                },
            )?;
            Ok(proto::Odo { segmentos })
        })?;
        Ok(proto::Itinerario { id: None, odos })
    })
}

/// Translates each element with `traducir`, which gets the element's path
/// (`{ruta}[i]`), and stops at the first failure.
fn cada<T, U>(
    elementos: Vec<T>,
    ruta: &str,
    traducir: impl Fn(T, &str) -> Result<U, CampoInvalido>,
) -> Result<Vec<U>, CampoInvalido> {
    elementos
        .into_iter()
        .enumerate()
        .map(|(i, elemento)| traducir(elemento, &format!("{ruta}[{i}]")))
        .collect()
}

fn leg_de_dto(leg: LegDTO, ruta: &str) -> Result<proto::Leg, CampoInvalido> {
    Ok(proto::Leg {
        fecha_salida: Some(fecha_de_texto(
            &leg.fecha_salida,
            &format!("{ruta}.fecha_salida"),
        )?),
        fecha_llegada: Some(fecha_de_texto(
            &leg.fecha_llegada,
            &format!("{ruta}.fecha_llegada"),
        )?),
        destino: Some(locacion(leg.destino)),
        origen: Some(locacion(leg.origen)),
    })
}

fn locacion(aeropuerto: AeropuertoDTO) -> proto::Locacion {
    proto::Locacion {
        codigo: aeropuerto.codigo,
        nombre: aeropuerto.nombre,
    }
}

/// The Timestamp of a `%Y-%m-%dT%H:%M:%SZ` text.
pub fn fecha_de_texto(texto: &str, campo: &str) -> Result<Timestamp, CampoInvalido> {
    let fecha = NaiveDateTime::parse_from_str(texto, FORMATO_FECHA)
        .map_err(|_| CampoInvalido::FechaInvalida {
            campo: campo.to_owned(),
        })?
        .and_utc();
    Ok(Timestamp {
        seconds: fecha.timestamp(),
        nanos: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(salida: &str, llegada: &str) -> LegDTO {
        LegDTO {
            fecha_salida: salida.into(),
            fecha_llegada: llegada.into(),
            origen: AeropuertoDTO {
                codigo: "BOG".into(),
                nombre: "El Dorado".into(),
            },
            destino: AeropuertoDTO {
                codigo: "JFK".into(),
                nombre: "John F. Kennedy".into(),
            },
        }
    }

    fn itinerarios(legs: Vec<LegDTO>) -> Vec<ItinerarioDTO> {
        vec![ItinerarioDTO {
            odos: vec![OdoDTO {
                segmentos: vec![SegmentoDTO { legs }],
            }],
        }]
    }

    fn reserva(itinerarios: Vec<proto::Itinerario>) -> proto::Reserva {
        proto::Reserva {
            id: None,
            fecha_creacion: None,
            fecha_actualizacion: None,
            itinerarios,
        }
    }

    #[test]
    fn itineraries_survive_the_trip_to_protobuf_and_back() {
        let json = itinerarios(vec![leg("2022-11-22T13:10:00Z", "2022-11-22T15:10:00Z")]);
        let mensaje = itinerarios_de_dto(json.clone()).unwrap();
        let solicitud = solicitud_de_reserva(reserva(mensaje)).unwrap();
        assert_eq!(solicitud.itinerarios, json);
        assert_eq!(solicitud.id_cliente, None);
    }

    #[test]
    fn a_leg_without_its_departure_is_a_missing_field_named_by_its_path() {
        let mut mensaje = itinerarios_de_dto(itinerarios(vec![leg(
            "2022-11-22T13:10:00Z",
            "2022-11-22T15:10:00Z",
        )]))
        .unwrap();
        mensaje[0].odos[0].segmentos[0].legs[0].fecha_salida = None;
        assert_eq!(
            solicitud_de_reserva(reserva(mensaje)).unwrap_err(),
            CampoInvalido::Falta {
                campo: "itinerarios[0].odos[0].segmentos[0].legs[0].fecha_salida".into()
            }
        );
    }

    #[test]
    fn a_leg_without_its_origin_is_a_missing_field() {
        let mut mensaje = itinerarios_de_dto(itinerarios(vec![leg(
            "2022-11-22T13:10:00Z",
            "2022-11-22T15:10:00Z",
        )]))
        .unwrap();
        mensaje[0].odos[0].segmentos[0].legs[0].origen = None;
        assert!(matches!(
            solicitud_de_reserva(reserva(mensaje)),
            Err(CampoInvalido::Falta { campo }) if campo.ends_with("legs[0].origen")
        ));
    }

    #[test]
    fn a_timestamp_with_negative_nanos_or_out_of_range_seconds_is_an_invalid_date() {
        for fecha in [
            Timestamp {
                seconds: 0,
                nanos: -1,
            },
            Timestamp {
                seconds: i64::MAX,
                nanos: 0,
            },
            Timestamp {
                seconds: 0,
                nanos: 2_000_000_000,
            },
        ] {
            let mut mensaje = itinerarios_de_dto(itinerarios(vec![leg(
                "2022-11-22T13:10:00Z",
                "2022-11-22T15:10:00Z",
            )]))
            .unwrap();
            mensaje[0].odos[0].segmentos[0].legs[0].fecha_llegada = Some(fecha);
            assert!(matches!(
                solicitud_de_reserva(reserva(mensaje)),
                Err(CampoInvalido::FechaInvalida { .. })
            ));
        }
    }

    #[test]
    fn the_nanoseconds_of_a_timestamp_are_dropped() {
        let fecha = Timestamp {
            seconds: 1_669_122_600,
            nanos: 999_999_999,
        };
        assert_eq!(
            texto_de_fecha(Some(fecha), "f").unwrap(),
            "2022-11-22T13:10:00Z"
        );
    }

    #[test]
    fn a_reservation_of_aeroalpes_becomes_a_message_with_every_field_set() {
        let dto = ReservaDTO {
            id: "0190b2a0-0000-7000-8000-000000000000".into(),
            id_cliente: None,
            estado: "Pendiente".into(),
            fecha_creacion: "2026-01-01T00:00:00Z".into(),
            fecha_actualizacion: "2026-01-01T00:00:01Z".into(),
            itinerarios: itinerarios(vec![leg("2022-11-22T13:10:00Z", "2022-11-22T15:10:00Z")]),
            ultima_solicitud: None,
        };
        let mensaje = reserva_de_dto(dto).unwrap();
        assert_eq!(
            mensaje.id.as_deref(),
            Some("0190b2a0-0000-7000-8000-000000000000")
        );
        assert_eq!(mensaje.fecha_creacion.unwrap().seconds, 1_767_225_600);
        assert_eq!(mensaje.fecha_actualizacion.unwrap().seconds, 1_767_225_601);
        assert_eq!(mensaje.itinerarios[0].odos[0].segmentos[0].legs.len(), 1);
    }

    #[test]
    fn a_date_that_is_not_in_the_format_is_an_invalid_date() {
        assert!(matches!(
            fecha_de_texto("22/11/2022", "fecha_creacion"),
            Err(CampoInvalido::FechaInvalida { campo }) if campo == "fecha_creacion"
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_timestamp_of_years_1_to_9999_crosses_to_text_and_back_to_its_second(
            segundos in -62_135_596_800i64..253_402_300_799,
            nanos in 0i32..1_000_000_000,
        ) {
            let texto = texto_de_fecha(Some(Timestamp { seconds: segundos, nanos }), "f").unwrap();
            let vuelta = fecha_de_texto(&texto, "f").unwrap();
            proptest::prop_assert_eq!(vuelta, Timestamp { seconds: segundos, nanos: 0 });
        }

        #[test]
        fn no_timestamp_makes_the_translation_panic(segundos: i64, nanos: i32) {
            let _ = texto_de_fecha(Some(Timestamp { seconds: segundos, nanos }), "f");
        }
    }
}
