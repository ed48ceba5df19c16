//! The integration contract (`schema/v*/`) and its Rust records: every schema parses and
//! keeps the house rules, ours and the tutorial's read each other, every later version stays
//! FULL-compatible with every earlier one, and every record and conversion round-trips.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::schema_compatibility::{Compatibility, SchemaCompatibility};
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::{from_value, Schema};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;
use vuelos_aplicacion::comandos::{AprobarReserva, CancelarReserva, CrearReserva, PagarReserva};
use vuelos_contrato::{
    contratos, AeropuertoAvro, ComandoAprobarReserva, ComandoAprobarReservaPayload,
    ComandoCancelarReserva, ComandoCancelarReservaPayload, ComandoCrearReserva,
    ComandoCrearReservaPayload, ComandoPagarReserva, ComandoPagarReservaPayload, ErrorAvro,
    ErrorConversion, EventoIntegracion, EventoReservaAprobada, EventoReservaCancelada,
    EventoReservaCreada, EventoReservaPagada, ItinerarioAvro, LegAvro, MensajeIntegracion,
    Metadatos, OdoAvro, ReservaAprobadaPayload, ReservaCanceladaPayload, ReservaCreadaPayload,
    ReservaPagadaPayload, SegmentoAvro, Sobre,
};
use vuelos_dominio::{
    Aeropuerto, EstadoReserva, IdCliente, IdReserva, Itinerario, Leg, Odo, ReservaAprobada,
    ReservaCancelada, ReservaCreada, ReservaPagada, Segmento,
};
use vuelos_infraestructura::integracion::{
    itinerarios_del_evento, ComandoIntegracion, RegistroDeEvento,
};

// ---------------------------------------------------------------------------------------
// Files

fn raiz() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn tutorial(nombre: &str) -> String {
    let ruta = raiz().join("tests/fixtures/tutorial-schemas").join(nombre);
    fs::read_to_string(&ruta).unwrap_or_else(|e| panic!("{}: {e}", ruta.display()))
}

fn esquema_tutorial(registro: &str) -> Schema {
    Schema::parse_str(&tutorial(&format!("{registro}.avsc"))).unwrap()
}

/// Every `schema/vN/` directory, by N ascending, with its `.avsc` files by name.
fn versiones() -> Vec<(u32, BTreeMap<String, String>)> {
    let mut versiones: Vec<_> = fs::read_dir(raiz().join("schema"))
        .unwrap()
        .map(|entrada| entrada.unwrap().path())
        .filter(|ruta| ruta.is_dir())
        .filter_map(|ruta| {
            let numero = ruta
                .file_name()?
                .to_str()?
                .strip_prefix('v')?
                .parse()
                .ok()?;
            let archivos = fs::read_dir(&ruta)
                .unwrap()
                .map(|entrada| entrada.unwrap().path())
                .filter(|archivo| archivo.extension().is_some_and(|ext| ext == "avsc"))
                .map(|archivo| {
                    let nombre = archivo.file_name().unwrap().to_str().unwrap().to_owned();
                    (nombre, fs::read_to_string(&archivo).unwrap())
                })
                .collect();
            Some((numero, archivos))
        })
        .collect();
    versiones.sort_by_key(|(numero, _)| *numero);
    versiones
}

fn desde_hex(texto: &str) -> Vec<u8> {
    let pares = texto.trim().as_bytes().chunks_exact(2);
    assert!(pares.remainder().is_empty(), "an even number of hex digits");
    pares
        .map(|par| u8::from_str_radix(std::str::from_utf8(par).unwrap(), 16).unwrap())
        .collect()
}

/// FULL compatibility: each schema reads what the other writes, whatever was written.
fn compatibles_en_ambos_sentidos(a: &Schema, b: &Schema) -> Result<(), String> {
    for (escritor, lector, sentido) in [(a, b, "old -> new"), (b, a, "new -> old")] {
        match SchemaCompatibility::can_read(escritor, lector) {
            Ok(Compatibility::Full) => {}
            otro => return Err(format!("{sentido}: {otro:?}")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The schema files

#[test]
fn every_schema_file_parses_and_is_named_as_its_record() {
    let versiones = versiones();
    assert!(versiones.iter().any(|(n, _)| *n == 1), "schema/v1 exists");
    for (numero, archivos) in versiones {
        for (nombre, texto) in archivos {
            let esquema = Schema::parse_str(&texto)
                .unwrap_or_else(|e| panic!("schema/v{numero}/{nombre}: {e}"));
            let registro = esquema.name().map(|n| n.name().to_owned());
            assert_eq!(
                registro.as_deref(),
                nombre.strip_suffix(".avsc"),
                "schema/v{numero}/{nombre} names its record as the file"
            );
        }
    }
}

/// Checks a record's fields, and those of every record nested in it.
fn campos_anulables(esquema: &Json, ruta: &str, errores: &mut Vec<String>) {
    match esquema {
        Json::Object(objeto) if objeto.get("type") == Some(&Json::from("record")) => {
            assert_eq!(objeto.get("namespace"), None, "{ruta} has no namespace");
            for campo in objeto["fields"].as_array().into_iter().flatten() {
                let ruta = format!("{ruta}.{}", campo["name"].as_str().unwrap_or("?"));
                let union = campo["type"].as_array();
                let es_anulable = union.is_some_and(|u| u.len() == 2 && u[0] == "null");
                if !es_anulable || campo.get("default") != Some(&Json::Null) {
                    errores.push(ruta.clone());
                }
                for tipo in union.into_iter().flatten() {
                    campos_anulables(tipo, &ruta, errores);
                }
            }
        }
        Json::Object(objeto) if objeto.get("type") == Some(&Json::from("array")) => {
            campos_anulables(&objeto["items"], ruta, errores);
        }
        _ => {}
    }
}

#[test]
fn every_field_of_every_schema_is_a_null_union_that_defaults_to_null() {
    for (numero, archivos) in versiones() {
        for (nombre, texto) in archivos {
            let mut errores = Vec::new();
            campos_anulables(&serde_json::from_str(&texto).unwrap(), "", &mut errores);
            assert!(
                errores.is_empty(),
                "schema/v{numero}/{nombre}: not [\"null\", T] with default null: {errores:?}"
            );
        }
    }
}

/// Every message of schema/v1: vuelos' and clientes' (the files are one directory, and
/// their rules are the same).
fn todos_los_contratos() -> impl Iterator<Item = &'static vuelos_contrato::Contrato> {
    contratos().chain(clientes_contrato::contratos())
}

#[test]
fn every_rust_record_is_a_file_of_schema_v1_with_its_own_topic() {
    let v1 = &versiones()[0];
    assert_eq!(v1.0, 1);
    let mut topicos: Vec<_> = todos_los_contratos().map(|c| c.topico).collect();
    topicos.sort_unstable();
    topicos.dedup();
    assert_eq!(
        topicos.len(),
        todos_los_contratos().count(),
        "one topic per record"
    );
    let nombres: Vec<_> = v1.1.keys().cloned().collect();
    let mut esperados: Vec<_> = todos_los_contratos()
        .map(|c| format!("{}.avsc", c.tipo))
        .collect();
    esperados.sort_unstable();
    assert_eq!(
        nombres, esperados,
        "schema/v1 holds exactly the Rust records"
    );
    for contrato in todos_los_contratos() {
        assert_eq!(
            v1.1[&format!("{}.avsc", contrato.tipo)],
            contrato.esquema_json
        );
        assert!(contrato.topico.starts_with("persistent://public/default/"));
    }
}

#[test]
fn the_parsed_schemas_are_those_of_their_records() {
    // Every record's schema is compiled from the file named as its record (the table holds
    // each record's own text); one record's parsed schema is checked through its type too.
    for contrato in todos_los_contratos() {
        let esquema = Schema::parse_str(contrato.esquema_json).unwrap();
        assert_eq!(
            esquema.name().map(|n| n.name().to_owned()),
            Some(contrato.tipo.to_owned())
        );
    }
    assert_eq!(
        ComandoPagarReserva::esquema()
            .name()
            .map(|n| n.name().to_owned()),
        Some(ComandoPagarReserva::TIPO.to_owned())
    );
}

#[test]
fn the_tutorial_topics_are_kept_and_every_topic_has_its_dead_letter_topic() {
    assert_eq!(
        ComandoCrearReserva::TOPICO,
        "persistent://public/default/comandos-reserva"
    );
    assert_eq!(
        EventoReservaCreada::TOPICO,
        "persistent://public/default/eventos-reserva"
    );
    assert_eq!(
        EventoReservaPagada::topico_dlq(),
        "persistent://public/default/eventos-reserva-pagada-DLQ"
    );
}

#[test]
fn the_schema_readme_lists_every_topic_with_its_record() {
    let readme = fs::read_to_string(raiz().join("schema/README.md")).unwrap();
    for contrato in todos_los_contratos() {
        let topico = contrato.topico.rsplit('/').next().unwrap();
        assert!(
            readme.lines().any(|linea| linea.starts_with('|')
                && linea.contains(&format!("`{topico}`"))
                && linea.contains(&format!("`{}`", contrato.tipo))),
            "schema/README.md has a row for {topico} -> {}",
            contrato.tipo
        );
    }
}

// ---------------------------------------------------------------------------------------
// Evolution: every later version is FULL-compatible with every earlier one

#[test]
fn every_later_version_of_a_schema_is_full_compatible_with_every_earlier_one() {
    let versiones = versiones();
    let mut fallos = Vec::new();
    for (i, (anterior, archivos_anteriores)) in versiones.iter().enumerate() {
        for (posterior, archivos_posteriores) in &versiones[i + 1..] {
            for (nombre, texto) in archivos_anteriores {
                let Some(texto_posterior) = archivos_posteriores.get(nombre) else {
                    continue;
                };
                let (a, b) = (
                    Schema::parse_str(texto).unwrap(),
                    Schema::parse_str(texto_posterior).unwrap(),
                );
                if let Err(e) = compatibles_en_ambos_sentidos(&a, &b) {
                    fallos.push(format!("{nombre} v{anterior} / v{posterior}: {e}"));
                }
            }
        }
    }
    assert!(fallos.is_empty(), "{fallos:#?}");
}

/// A v1 record and candidate evolutions of it, to show what the check above allows.
/// Fields were added to schema/v1 after its first release: each file as published then
/// (tests/fixtures/schema-v1-publicado) and as it is now read each other both ways, so
/// consumers built against the first release and today's read each other's messages.
#[test]
fn every_schema_of_v1_is_full_compatible_with_its_first_published_version() {
    let publicados = raiz().join("tests/fixtures/schema-v1-publicado");
    let mut comparados = 0;
    for entrada in fs::read_dir(&publicados).unwrap() {
        let ruta = entrada.unwrap().path();
        let nombre = ruta.file_name().unwrap().to_str().unwrap().to_owned();
        let antes = Schema::parse_str(&fs::read_to_string(&ruta).unwrap()).unwrap();
        let ahora = Schema::parse_str(
            &fs::read_to_string(raiz().join("schema/v1").join(&nombre))
                .unwrap_or_else(|e| panic!("schema/v1/{nombre} was published and must stay: {e}")),
        )
        .unwrap();
        assert_eq!(
            compatibles_en_ambos_sentidos(&antes, &ahora),
            Ok(()),
            "{nombre}"
        );
        comparados += 1;
    }
    assert_eq!(comparados, 8, "the eight records of the first release");
}

fn evolucion(campos: &str) -> Schema {
    Schema::parse_str(&format!(
        r#"{{"type": "record", "name": "R", "fields": [
            {{"name": "a", "type": ["null", "string"], "default": null}}{campos}]}}"#
    ))
    .unwrap()
}

#[test]
fn adding_a_null_union_field_with_a_null_default_passes_the_evolution_check() {
    let v1 = evolucion("");
    let v2 = evolucion(r#", {"name": "b", "type": ["null", "long"], "default": null}"#);
    assert_eq!(compatibles_en_ambos_sentidos(&v1, &v2), Ok(()));
}

#[test]
fn adding_a_field_without_a_default_fails_the_evolution_check() {
    let v1 = evolucion("");
    let v2 = evolucion(r#", {"name": "b", "type": ["null", "long"]}"#);
    assert!(compatibles_en_ambos_sentidos(&v1, &v2).is_err());
}

#[test]
fn changing_a_field_type_fails_the_evolution_check() {
    let v1 = evolucion(r#", {"name": "b", "type": ["null", "long"], "default": null}"#);
    let v2 = evolucion(r#", {"name": "b", "type": ["null", "boolean"], "default": null}"#);
    assert!(compatibles_en_ambos_sentidos(&v1, &v2).is_err());
}

// ---------------------------------------------------------------------------------------
// The tutorial's schemas

#[test]
fn our_event_and_the_tutorial_event_schemas_read_each_other_fully() {
    let tutorial = esquema_tutorial("EventoReservaCreada");
    assert_eq!(
        compatibles_en_ambos_sentidos(&tutorial, EventoReservaCreada::esquema()),
        Ok(())
    );
}

#[test]
fn our_command_and_the_tutorial_command_schemas_read_each_other_fully() {
    let tutorial = esquema_tutorial("ComandoCrearReserva");
    assert_eq!(
        compatibles_en_ambos_sentidos(&tutorial, ComandoCrearReserva::esquema()),
        Ok(())
    );
}

/// A record as the tutorial's Python classes write it: `data` only.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct SobreTutorial<T> {
    data: Option<T>,
}

/// The tutorial's `ReservaCreadaPayload`: the four fields its schema has (ours has the
/// itineraries too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CargaEventoTutorial {
    id_reserva: Option<String>,
    id_cliente: Option<String>,
    estado: Option<String>,
    fecha_creacion: Option<i64>,
}

fn escribir_con<T: Serialize>(esquema: &Schema, valor: &T) -> Vec<u8> {
    GenericDatumWriter::builder(esquema)
        .build()
        .unwrap()
        .write_ser_to_vec(valor)
        .unwrap()
}

fn leer_con<T: serde::de::DeserializeOwned>(escritor: &Schema, lector: &Schema, bytes: &[u8]) -> T {
    let valor = GenericDatumReader::builder(escritor)
        .reader_schema(lector)
        .build()
        .unwrap()
        .read_value(&mut &bytes[..])
        .unwrap();
    from_value(&valor).unwrap()
}

fn reserva_creada() -> ReservaCreada {
    let fecha = DateTime::from_timestamp_millis(1_794_412_800_123).unwrap();
    ReservaCreada {
        id_evento: Uuid::now_v7(),
        fecha_evento: fecha,
        id_reserva: IdReserva::nuevo(),
        id_cliente: Some(IdCliente::nuevo()),
        estado: EstadoReserva::Pendiente,
        fecha_creacion: fecha,
        itinerarios: Vec::new(),
    }
}

#[test]
fn a_consumer_holding_the_tutorial_schema_reads_our_event() {
    let evento = reserva_creada();
    let registro = EventoReservaCreada::desde_evento(&evento, &Metadatos::con_id(evento.id_evento));
    let bytes = registro.codificar().unwrap();

    let leido: SobreTutorial<CargaEventoTutorial> = leer_con(
        EventoReservaCreada::esquema(),
        &esquema_tutorial("EventoReservaCreada"),
        &bytes,
    );

    let data = leido.data.unwrap();
    assert_eq!(data.id_cliente, registro.data.unwrap().id_cliente);
    assert_eq!(data.id_reserva, Some(evento.id_reserva.to_string()));
    assert_eq!(data.estado.as_deref(), Some("Pendiente"));
    assert_eq!(data.fecha_creacion, Some(1_794_412_800_123));
}

#[test]
fn we_read_an_event_written_with_the_tutorial_schema() {
    let tutorial = esquema_tutorial("EventoReservaCreada");
    let data = CargaEventoTutorial {
        id_reserva: Some(IdReserva::nuevo().to_string()),
        id_cliente: None,
        estado: Some("Aprobada".into()),
        fecha_creacion: Some(1_700_000_000_000),
    };
    let bytes = escribir_con(
        &tutorial,
        &SobreTutorial {
            data: Some(data.clone()),
        },
    );

    let registro = EventoReservaCreada::decodificar(&bytes, Some(&tutorial)).unwrap();

    assert_eq!(
        registro.data,
        Some(ReservaCreadaPayload {
            id_reserva: data.id_reserva,
            id_cliente: None,
            estado: data.estado,
            fecha_creacion: data.fecha_creacion,
            itinerarios: None,
        }),
        "what the tutorial does not write reads as null"
    );
    assert_eq!(
        registro.id, None,
        "the tutorial's records carry no envelope"
    );
    let notificacion = registro.a_notificacion().unwrap();
    assert_eq!(notificacion.estado, EstadoReserva::Aprobada.as_str());
    assert_eq!(notificacion.id_cliente, None);
}

#[test]
fn the_tutorial_sample_event_decodes_to_the_values_its_readme_states() {
    let bytes = desde_hex(&tutorial("EventoReservaCreada.sample.avro.hex"));
    let tutorial = esquema_tutorial("EventoReservaCreada");

    let registro = EventoReservaCreada::decodificar(&bytes, Some(&tutorial)).unwrap();

    assert_eq!(
        registro.data,
        Some(ReservaCreadaPayload {
            id_reserva: Some("6c3f0f0e-2b7a-4f7e-9a52-0d7f1f2b9e11".into()),
            id_cliente: Some("a1b2c3d4-0000-4000-8000-000000000001".into()),
            estado: Some("Pendiente".into()),
            fecha_creacion: Some(1_794_412_800_000),
            itinerarios: None,
        })
    );
    let notificacion = registro.a_notificacion().unwrap();
    assert_eq!(
        notificacion.id_reserva.to_string(),
        "6c3f0f0e-2b7a-4f7e-9a52-0d7f1f2b9e11"
    );
    assert_eq!(notificacion.estado, EstadoReserva::Pendiente.as_str());
    assert_eq!(notificacion.fecha.timestamp_millis(), 1_794_412_800_000);
}

#[test]
fn the_tutorial_sample_read_with_our_schema_as_writer_is_refused_not_misread() {
    let bytes = desde_hex(&tutorial("EventoReservaCreada.sample.avro.hex"));
    assert!(EventoReservaCreada::decodificar(&bytes, None).is_err());
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CargaComandoTutorial {
    id_usuario: Option<String>,
}

#[test]
fn a_consumer_holding_the_tutorial_schema_reads_our_command() {
    let comando = crear_reserva_de_ejemplo();
    let registro = ComandoCrearReserva::desde_comando(&comando, &Metadatos::nuevos());

    let leido: SobreTutorial<CargaComandoTutorial> = leer_con(
        ComandoCrearReserva::esquema(),
        &esquema_tutorial("ComandoCrearReserva"),
        &registro.codificar().unwrap(),
    );

    assert_eq!(
        leido.data,
        Some(CargaComandoTutorial {
            id_usuario: comando.id_cliente.map(|id| id.to_string())
        })
    );
}

#[test]
fn a_tutorial_command_decodes_but_converting_it_names_everything_it_lacks() {
    let tutorial = esquema_tutorial("ComandoCrearReserva");
    let id_usuario = IdCliente::nuevo().to_string();
    let bytes = escribir_con(
        &tutorial,
        &SobreTutorial {
            data: Some(CargaComandoTutorial {
                id_usuario: Some(id_usuario.clone()),
            }),
        },
    );

    let registro = ComandoCrearReserva::decodificar(&bytes, Some(&tutorial)).unwrap();
    assert_eq!(
        registro.data.as_ref().and_then(|d| d.id_usuario.clone()),
        Some(id_usuario)
    );

    let error = registro.a_comando().unwrap_err();
    assert_eq!(
        error,
        ErrorConversion::Falta {
            tipo: "ComandoCrearReserva",
            campos: vec![
                "data.id_reserva".into(),
                "data.fecha_creacion".into(),
                "data.itinerarios".into()
            ],
        }
    );
    assert_eq!(
        error.to_string(),
        "al mensaje ComandoCrearReserva le falta data.id_reserva, data.fecha_creacion, data.itinerarios"
    );
}

// ---------------------------------------------------------------------------------------
// Decoding what it should not

#[test]
fn trailing_bytes_after_a_datum_are_refused() {
    let mut bytes = ComandoPagarReserva::desde_comando(
        &PagarReserva {
            id: IdReserva::nuevo(),
        },
        &Metadatos::nuevos(),
    )
    .codificar()
    .unwrap();
    bytes.push(0);
    assert!(matches!(
        ComandoPagarReserva::decodificar(&bytes, None),
        Err(ErrorAvro::BytesSobrantes { sobrantes: 1, .. })
    ));
}

#[test]
fn a_writer_schema_that_does_not_resolve_into_ours_is_refused() {
    #[derive(Serialize)]
    struct Ajeno {
        data: i64,
    }
    let ajeno = Schema::parse_str(
        r#"{"type": "record", "name": "EventoReservaCreada", "fields": [{"name": "data", "type": "long"}]}"#,
    )
    .unwrap();
    let bytes = escribir_con(&ajeno, &Ajeno { data: 7 });
    let error = EventoReservaCreada::decodificar(&bytes, Some(&ajeno)).unwrap_err();
    assert!(matches!(
        error,
        ErrorAvro::Decodificacion {
            tipo: "EventoReservaCreada",
            ..
        }
    ));
}

#[test]
fn a_record_without_data_decodes_and_its_conversion_names_data() {
    let registro = ComandoAprobarReserva {
        data: None,
        ..ComandoAprobarReserva::desde_comando(
            &AprobarReserva {
                id: IdReserva::nuevo(),
            },
            &Metadatos::nuevos(),
        )
    };
    let leido = ComandoAprobarReserva::decodificar(&registro.codificar().unwrap(), None).unwrap();
    assert_eq!(
        leido.a_comando(),
        Err(ErrorConversion::Falta {
            tipo: "ComandoAprobarReserva",
            campos: vec!["data".into()]
        })
    );
}

#[test]
fn an_envelope_id_that_is_not_a_uuid_is_refused_as_metadata() {
    let mut registro = ComandoCancelarReserva::desde_comando(
        &CancelarReserva {
            id: IdReserva::nuevo(),
        },
        &Metadatos::nuevos(),
    );
    registro.id = Some("siete".into());
    assert!(matches!(
        registro.metadatos(),
        Err(ErrorConversion::Invalido { campo, .. }) if campo == "id"
    ));
}

/// The legs of the first segment of the first odo of the first itinerary.
fn primeros_legs(registro: &mut ComandoCrearReserva) -> &mut Vec<LegAvro> {
    let itinerario = &mut registro
        .data
        .as_mut()
        .unwrap()
        .itinerarios
        .as_mut()
        .unwrap()[0];
    let odo = &mut itinerario.odos.as_mut().unwrap()[0];
    odo.segmentos.as_mut().unwrap()[0].legs.as_mut().unwrap()
}

#[test]
fn a_missing_airport_deep_in_a_command_is_refused_naming_its_path() {
    let mut registro =
        ComandoCrearReserva::desde_comando(&crear_reserva_de_ejemplo(), &Metadatos::nuevos());
    primeros_legs(&mut registro)[0].origen = None;
    assert_eq!(
        registro.a_comando(),
        Err(ErrorConversion::Falta {
            tipo: "ComandoCrearReserva",
            campos: vec!["data.itinerarios[0].odos[0].segmentos[0].legs[0].origen".into()]
        })
    );
}

#[test]
fn a_bad_airport_code_deep_in_a_command_is_refused_naming_its_path_and_rule() {
    let mut registro =
        ComandoCrearReserva::desde_comando(&crear_reserva_de_ejemplo(), &Metadatos::nuevos());
    primeros_legs(&mut registro)[1].destino = Some(AeropuertoAvro {
        codigo: Some("PARIS".into()),
        nombre: Some("París".into()),
    });
    assert!(matches!(
        registro.a_comando(),
        Err(ErrorConversion::Invalido { campo, regla, .. })
            if campo == "data.itinerarios[0].odos[0].segmentos[0].legs[1].destino.codigo"
                && regla.regla == "CodigoIataValido"
    ));
}

#[test]
fn an_empty_itinerary_list_converts_and_is_left_to_the_handler_rules() {
    let mut comando = crear_reserva_de_ejemplo();
    comando.itinerarios.clear();
    let registro = ComandoCrearReserva::desde_comando(&comando, &Metadatos::nuevos());
    assert_eq!(registro.a_comando(), Ok(comando));
}

#[test]
fn an_itinerary_without_odos_is_refused_by_the_domain_rule_naming_its_path() {
    let mut registro =
        ComandoCrearReserva::desde_comando(&crear_reserva_de_ejemplo(), &Metadatos::nuevos());
    let itinerarios = registro
        .data
        .as_mut()
        .unwrap()
        .itinerarios
        .as_mut()
        .unwrap();
    itinerarios[0].odos = Some(vec![]);
    assert!(matches!(
        registro.a_comando(),
        Err(ErrorConversion::Invalido { campo, regla, .. })
            if campo == "data.itinerarios[0].odos" && regla.regla == "ItinerarioConOdos"
    ));
}

#[test]
fn an_event_with_an_unknown_state_is_refused_as_a_notification() {
    let evento = reserva_creada();
    let mut registro =
        EventoReservaCreada::desde_evento(&evento, &Metadatos::con_id(evento.id_evento));
    registro.data.as_mut().unwrap().estado = Some("Volando".into());
    assert!(matches!(
        registro.a_notificacion(),
        Err(ErrorConversion::Invalido { campo, .. }) if campo == "data.estado"
    ));
}

// ---------------------------------------------------------------------------------------
// Round trips

fn crear_reserva_de_ejemplo() -> CrearReserva {
    let fecha = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
    let aeropuerto =
        |codigo: &str| Aeropuerto::parse(codigo, &format!("Aeropuerto {codigo} – ñ")).unwrap();
    let segmento = Segmento::new(vec![
        Leg::new(
            fecha(1_804_000_000_000),
            fecha(1_804_050_000_000),
            aeropuerto("BOG"),
            aeropuerto("MAD"),
        )
        .unwrap(),
        Leg::new(
            fecha(1_804_060_000_000),
            fecha(1_804_070_000_000),
            aeropuerto("MAD"),
            aeropuerto("CDG"),
        )
        .unwrap(),
    ])
    .unwrap();
    CrearReserva {
        id: IdReserva::nuevo(),
        id_cliente: Some(IdCliente::nuevo()),
        itinerarios: vec![Itinerario::new(vec![Odo::new(vec![segmento]).unwrap()]).unwrap()],
        fecha_creacion: fecha(1_794_412_800_123),
    }
}

fn ida_y_vuelta<M: MensajeIntegracion + PartialEq + Debug>(
    registro: &M,
) -> Result<(), TestCaseError> {
    let bytes = registro
        .codificar()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let leido = M::decodificar(&bytes, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&leido, registro);
    // Naming our own schema as the writer's resolves to the same record.
    let resuelto = M::decodificar(&bytes, Some(M::esquema()))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&resuelto, registro);
    Ok(())
}

fn texto() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("\\PC{0,12}")
}

fn numero() -> impl Strategy<Value = Option<i64>> {
    proptest::option::of(any::<i64>())
}

fn sobre<P: Debug + Clone>(data: impl Strategy<Value = P>) -> impl Strategy<Value = Sobre<P>> {
    (
        (texto(), numero(), numero(), texto(), texto()),
        (
            texto(),
            texto(),
            texto(),
            texto(),
            proptest::option::of(data),
        ),
    )
        .prop_map(
            |(
                (id, time, ingestion, specversion, tipo),
                (datacontenttype, service_name, correlation_id, causation_id, data),
            )| Sobre {
                id,
                time,
                ingestion,
                specversion,
                tipo,
                datacontenttype,
                service_name,
                correlation_id,
                causation_id,
                data,
            },
        )
}

/// Any payload of a reservation event (they differ in the name of their date only).
macro_rules! carga_evento {
    ($carga:ident, $fecha:ident $(, $campo:ident: $valor:expr)*) => {
        (texto(), texto(), texto(), numero()).prop_map(
            |(id_reserva, id_cliente, estado, $fecha)| $carga {
                id_reserva,
                id_cliente,
                estado,
                $fecha,
                $($campo: $valor,)*
            },
        )
    };
}

fn lista<T: Debug>(elemento: impl Strategy<Value = T>) -> impl Strategy<Value = Option<Vec<T>>> {
    proptest::option::of(proptest::collection::vec(elemento, 0..3))
}

fn carga_crear() -> impl Strategy<Value = ComandoCrearReservaPayload> {
    let aeropuerto = || {
        proptest::option::of(
            (texto(), texto()).prop_map(|(codigo, nombre)| AeropuertoAvro { codigo, nombre }),
        )
    };
    let leg = (numero(), numero(), aeropuerto(), aeropuerto()).prop_map(
        |(fecha_salida, fecha_llegada, origen, destino)| LegAvro {
            fecha_salida,
            fecha_llegada,
            origen,
            destino,
        },
    );
    let segmento = lista(leg).prop_map(|legs| SegmentoAvro { legs });
    let odo = lista(segmento).prop_map(|segmentos| OdoAvro { segmentos });
    let itinerario = lista(odo).prop_map(|odos| ItinerarioAvro { odos });
    (texto(), texto(), numero(), lista(itinerario)).prop_map(
        |(id_reserva, id_usuario, fecha_creacion, itinerarios)| ComandoCrearReservaPayload {
            id_reserva,
            id_usuario,
            fecha_creacion,
            itinerarios,
        },
    )
}

/// Up to 2090, in whole milliseconds (the contract's precision).
fn fecha() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..3_786_912_000_000).prop_map(|ms| DateTime::from_timestamp_millis(ms).unwrap())
}

const CODIGOS: [&str; 6] = ["BOG", "MAD", "CDG", "LIS", "MIA", "JFK"];

/// A segment that keeps the domain's rules: connected legs, each landing after it leaves
/// and the next leaving after that.
fn segmento() -> impl Strategy<Value = Segmento> {
    (
        0..CODIGOS.len(),
        proptest::collection::vec((1..CODIGOS.len(), 1i64..50_000_000, 1i64..50_000_000), 1..4),
        0i64..3_700_000_000_000,
        "[^\\s\\p{C}]\\PC{0,11}",
    )
        .prop_map(|(inicio, pasos, mut ms, nombre)| {
            let mut codigo = inicio;
            let legs = pasos
                .into_iter()
                .map(|(salto, vuelo, escala)| {
                    let destino = (codigo + salto) % CODIGOS.len();
                    let aeropuerto = |i: usize| Aeropuerto::parse(CODIGOS[i], &nombre).unwrap();
                    let salida = DateTime::from_timestamp_millis(ms).unwrap();
                    let llegada = DateTime::from_timestamp_millis(ms + vuelo).unwrap();
                    ms += vuelo + escala;
                    let leg = Leg::new(salida, llegada, aeropuerto(codigo), aeropuerto(destino));
                    codigo = destino;
                    leg.unwrap()
                })
                .collect();
            Segmento::new(legs).unwrap()
        })
}

fn itinerarios() -> impl Strategy<Value = Vec<Itinerario>> {
    let odo = proptest::collection::vec(segmento(), 1..3).prop_map(|s| Odo::new(s).unwrap());
    let itinerario = proptest::collection::vec(odo, 1..3).prop_map(|o| Itinerario::new(o).unwrap());
    proptest::collection::vec(itinerario, 0..3)
}

fn id_reserva() -> impl Strategy<Value = IdReserva> {
    any::<u128>().prop_map(|n| IdReserva::from(Uuid::from_u128(n)))
}

fn id_cliente() -> impl Strategy<Value = Option<IdCliente>> {
    proptest::option::of(any::<u128>().prop_map(|n| IdCliente::from(Uuid::from_u128(n))))
}

fn metadatos() -> impl Strategy<Value = Metadatos> {
    (any::<u128>(), texto(), texto()).prop_map(|(id, correlation_id, causation_id)| Metadatos {
        id_mensaje: Uuid::from_u128(id),
        correlation_id,
        causation_id,
    })
}

/// Every lifecycle event has the same fields; `$estado` is the state it reports.
macro_rules! evento_ciclo_de_vida_ida_y_vuelta {
    ($nombre:ident, $evento:ident, $registro:ident, $estado:ident) => {
        proptest! {
            #[test]
            fn $nombre(
                id_evento in any::<u128>(),
                fecha_evento in fecha(),
                id_reserva in id_reserva(),
                id_cliente in id_cliente(),
                metadatos in metadatos(),
            ) {
                let evento = $evento {
                    id_evento: Uuid::from_u128(id_evento),
                    fecha_evento,
                    id_reserva,
                    id_cliente,
                };
                let registro = $registro::desde_evento(&evento, &metadatos);
                ida_y_vuelta(&registro)?;
                prop_assert_eq!(registro.metadatos(), Ok(metadatos));
                prop_assert_eq!(registro.time, Some(fecha_evento.timestamp_millis()));
                let notificacion = registro.a_notificacion().unwrap();
                prop_assert_eq!(notificacion.id_reserva, id_reserva.uuid());
                prop_assert_eq!(notificacion.id_cliente, id_cliente.map(|id| id.uuid()));
                prop_assert_eq!(notificacion.estado, EstadoReserva::$estado.as_str());
                prop_assert_eq!(notificacion.fecha, fecha_evento);
            }
        }
    };
}

evento_ciclo_de_vida_ida_y_vuelta!(
    an_approved_event_survives_avro_and_reads_as_an_approved_notification,
    ReservaAprobada,
    EventoReservaAprobada,
    Aprobada
);
evento_ciclo_de_vida_ida_y_vuelta!(
    a_cancelled_event_survives_avro_and_reads_as_a_cancelled_notification,
    ReservaCancelada,
    EventoReservaCancelada,
    Cancelada
);
evento_ciclo_de_vida_ida_y_vuelta!(
    a_paid_event_survives_avro_and_reads_as_a_paid_notification,
    ReservaPagada,
    EventoReservaPagada,
    Pagada
);

/// Every lifecycle command has the reservation id only.
macro_rules! comando_ciclo_de_vida_ida_y_vuelta {
    ($nombre:ident, $comando:ident, $registro:ident) => {
        proptest! {
            #[test]
            fn $nombre(id in id_reserva(), metadatos in metadatos()) {
                let comando = $comando { id };
                let registro = $registro::desde_comando(&comando, &metadatos);
                ida_y_vuelta(&registro)?;
                prop_assert_eq!(registro.metadatos(), Ok(metadatos));
                prop_assert_eq!(registro.a_comando(), Ok(comando));
            }
        }
    };
}

comando_ciclo_de_vida_ida_y_vuelta!(
    an_approve_command_survives_avro_and_converts_back,
    AprobarReserva,
    ComandoAprobarReserva
);
comando_ciclo_de_vida_ida_y_vuelta!(
    a_cancel_command_survives_avro_and_converts_back,
    CancelarReserva,
    ComandoCancelarReserva
);
comando_ciclo_de_vida_ida_y_vuelta!(
    a_pay_command_survives_avro_and_converts_back,
    PagarReserva,
    ComandoPagarReserva
);

proptest! {
    #[test]
    fn any_create_command_record_survives_avro(registro in sobre(carga_crear())) {
        ida_y_vuelta(&registro)?;
    }

    #[test]
    fn any_lifecycle_command_record_survives_avro(
        aprobar in sobre(texto().prop_map(|id_reserva| ComandoAprobarReservaPayload { id_reserva })),
        cancelar in sobre(texto().prop_map(|id_reserva| ComandoCancelarReservaPayload { id_reserva })),
        pagar in sobre(texto().prop_map(|id_reserva| ComandoPagarReservaPayload { id_reserva })),
    ) {
        ida_y_vuelta(&aprobar)?;
        ida_y_vuelta(&cancelar)?;
        ida_y_vuelta(&pagar)?;
    }

    #[test]
    fn any_event_record_survives_avro(
        creada in sobre(carga_evento!(ReservaCreadaPayload, fecha_creacion, itinerarios: None)),
        aprobada in sobre(carga_evento!(ReservaAprobadaPayload, fecha_actualizacion)),
        cancelada in sobre(carga_evento!(ReservaCanceladaPayload, fecha_actualizacion)),
        pagada in sobre(carga_evento!(ReservaPagadaPayload, fecha_actualizacion)),
    ) {
        ida_y_vuelta(&creada)?;
        ida_y_vuelta(&aprobada)?;
        ida_y_vuelta(&cancelada)?;
        ida_y_vuelta(&pagada)?;
    }

    #[test]
    fn a_create_command_survives_avro_and_converts_back_to_the_same_command(
        id in id_reserva(),
        id_cliente in id_cliente(),
        itinerarios in itinerarios(),
        fecha_creacion in fecha(),
        metadatos in metadatos(),
    ) {
        let comando = CrearReserva { id, id_cliente, itinerarios, fecha_creacion };
        let registro = ComandoCrearReserva::desde_comando(&comando, &metadatos);
        ida_y_vuelta(&registro)?;
        prop_assert_eq!(registro.time, Some(fecha_creacion.timestamp_millis()));
        prop_assert_eq!(registro.metadatos(), Ok(metadatos));
        let bytes = registro.codificar().unwrap();
        prop_assert_eq!(ComandoCrearReserva::decodificar(&bytes, None).unwrap().a_comando(), Ok(comando));
    }

    #[test]
    fn a_created_event_survives_avro_and_reads_as_a_notification(
        id_evento in any::<u128>(),
        fecha_evento in fecha(),
        fecha_creacion in fecha(),
        id_reserva in id_reserva(),
        id_cliente in id_cliente(),
        itinerarios in itinerarios(),
        metadatos in metadatos(),
    ) {
        let evento = ReservaCreada {
            id_evento: Uuid::from_u128(id_evento),
            fecha_evento,
            id_reserva,
            id_cliente,
            estado: EstadoReserva::Pendiente,
            fecha_creacion,
            itinerarios: itinerarios.clone(),
        };
        let registro = EventoReservaCreada::desde_evento(&evento, &metadatos);
        ida_y_vuelta(&registro)?;
        prop_assert_eq!(registro.specversion.as_deref(), Some("v1"));
        prop_assert_eq!(registro.tipo.as_deref(), Some("EventoReservaCreada"));
        prop_assert_eq!(registro.datacontenttype.as_deref(), Some("AVRO"));
        prop_assert_eq!(registro.service_name.as_deref(), Some("aeroalpes"));
        prop_assert_eq!(registro.time, Some(fecha_evento.timestamp_millis()));
        prop_assert_eq!(
            registro.a_notificacion(),
            Ok(vuelos_contrato::NotificacionReserva {
                id_reserva: id_reserva.uuid(),
                id_cliente: id_cliente.map(|id| id.uuid()),
                estado: EstadoReserva::Pendiente.as_str(),
                fecha: fecha_creacion,
            })
        );
        // The whole reservation travels: its itineraries come back as they were.
        prop_assert_eq!(itinerarios_del_evento(&registro), Ok(itinerarios));
    }

    #[test]
    fn no_bytes_make_decoding_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let tutorial = esquema_tutorial("EventoReservaCreada");
        let _ = ComandoCrearReserva::decodificar(&bytes, None);
        let _ = ComandoAprobarReserva::decodificar(&bytes, None);
        let _ = EventoReservaCreada::decodificar(&bytes, None);
        let _ = EventoReservaCreada::decodificar(&bytes, Some(&tutorial));
        let _ = EventoReservaPagada::decodificar(&bytes, None);
    }

    #[test]
    fn no_decoded_create_command_makes_the_conversion_panic(registro in sobre(carga_crear())) {
        let _ = registro.a_comando();
    }
}
