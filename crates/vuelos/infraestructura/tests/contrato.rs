//! The contract table (`vuelos_contrato::contratos()`) checked message by message: its schema
//! file exists and is FULL-compatible with every later version, a consumer of this system
//! subscribes to its topic, and a record this module writes crosses the real broker (with
//! its schema declared) and decodes into the closed set it belongs to.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use apache_avro::schema_compatibility::SchemaCompatibility;
use apache_avro::Schema;
use chrono::Utc;
use futures::StreamExt;
use pulsar::message::proto::{schema, Schema as EsquemaPulsar};
use pulsar::{ProducerOptions, Pulsar, SubType, TokioExecutor};
use uuid::Uuid;
use vuelos_aplicacion::comandos::{
    AprobarReserva, CancelarReserva, ComandoReserva, CrearReserva, PagarReserva,
};
use vuelos_aplicacion::dto::{AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, SegmentoDTO};
use vuelos_contrato::{
    contratos, ComandoVuelos, Decodificador, Direccion, EventoVuelos, Metadatos,
};
use vuelos_dominio::{
    EstadoReserva, IdCliente, IdReserva, ReservaAprobada, ReservaCancelada, ReservaCreada,
    ReservaPagada,
};
use vuelos_infraestructura::integracion::{comando_al_outbox, evento_al_outbox};

fn raiz() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// `schema/vN/<record>.avsc`, for every version N that has the record, oldest first.
fn versiones_de(tipo: &str) -> Vec<(u32, String)> {
    let mut versiones: Vec<(u32, String)> = fs::read_dir(raiz().join("schema"))
        .unwrap()
        .filter_map(|entrada| {
            let entrada = entrada.ok()?;
            let numero: u32 = entrada
                .file_name()
                .to_str()?
                .strip_prefix('v')?
                .parse()
                .ok()?;
            let texto = fs::read_to_string(entrada.path().join(format!("{tipo}.avsc"))).ok()?;
            Some((numero, texto))
        })
        .collect();
    versiones.sort();
    versiones
}

#[test]
fn every_message_of_the_table_has_its_schema_file_full_compatible_with_later_versions() {
    for contrato in contratos() {
        let versiones = versiones_de(contrato.tipo);
        assert_eq!(
            versiones.first().map(|(n, _)| *n),
            Some(1),
            "schema/v1/{}.avsc exists",
            contrato.tipo
        );
        assert_eq!(
            versiones[0].1, contrato.esquema_json,
            "{} is compiled from schema/v1",
            contrato.tipo
        );
        let esquemas: Vec<Schema> = versiones
            .iter()
            .map(|(_, texto)| Schema::parse_str(texto).unwrap())
            .collect();
        for (i, anterior) in esquemas.iter().enumerate() {
            for posterior in &esquemas[i + 1..] {
                for (escritor, lector) in [(anterior, posterior), (posterior, anterior)] {
                    assert!(
                        SchemaCompatibility::can_read(escritor, lector).is_ok(),
                        "{}: every version reads every other",
                        contrato.tipo
                    );
                }
            }
        }
    }
}

#[test]
fn a_consumer_of_this_system_subscribes_to_every_topic_of_the_table() {
    for contrato in contratos() {
        // The command consumer of aeroalpes subscribes to the topics of
        // `ComandoVuelos::CONTRATOS`; the event consumers (aeroalpes, notificaciones, the ui)
        // to those of `EventoVuelos::CONTRATOS`.
        let consumidos = match contrato.direccion {
            Direccion::Comando => &ComandoVuelos::CONTRATOS,
            Direccion::Evento => &EventoVuelos::CONTRATOS,
        };
        assert!(
            consumidos.iter().any(|c| c.topico == contrato.topico),
            "nobody consumes {}",
            contrato.topico
        );
        assert!(!contrato.suscripciones.is_empty(), "{}", contrato.tipo);
    }
    let mut topicos: Vec<&str> = contratos().map(|c| c.topico).collect();
    topicos.sort_unstable();
    topicos.dedup();
    assert_eq!(topicos.len(), contratos().count(), "one topic per record");
}

/// One record of every command and event this module writes, by topic, as the outbox
/// holds them: from the application's commands and the domain's events.
fn uno_de_cada_mensaje() -> BTreeMap<String, Vec<u8>> {
    let id = IdReserva::nuevo();
    let cliente = Some(IdCliente::nuevo());
    let ahora = Utc::now();
    let aeropuerto = |codigo: &str| AeropuertoDTO {
        codigo: codigo.into(),
        nombre: codigo.into(),
    };
    let itinerarios = vec![ItinerarioDTO {
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
    .unwrap()];
    let comandos = [
        ComandoReserva::Crear(CrearReserva {
            id,
            id_cliente: cliente,
            itinerarios,
            fecha_creacion: ahora,
        }),
        ComandoReserva::Aprobar(AprobarReserva { id }),
        ComandoReserva::Cancelar(CancelarReserva { id }),
        ComandoReserva::Pagar(PagarReserva { id }),
    ];
    let mut mensajes: Vec<_> = comandos
        .iter()
        .map(|comando| comando_al_outbox(comando, &Metadatos::nuevos()).unwrap())
        .collect();
    let fecha_evento = ahora;
    mensajes.push(
        evento_al_outbox(
            &ReservaCreada {
                id_evento: Uuid::now_v7(),
                fecha_evento,
                id_reserva: id,
                id_cliente: cliente,
                estado: EstadoReserva::Pendiente,
                fecha_creacion: ahora,
            },
            None,
        )
        .unwrap(),
    );
    mensajes.push(
        evento_al_outbox(
            &ReservaAprobada {
                id_evento: Uuid::now_v7(),
                fecha_evento,
                id_reserva: id,
                id_cliente: cliente,
            },
            None,
        )
        .unwrap(),
    );
    mensajes.push(
        evento_al_outbox(
            &ReservaCancelada {
                id_evento: Uuid::now_v7(),
                fecha_evento,
                id_reserva: id,
                id_cliente: cliente,
            },
            None,
        )
        .unwrap(),
    );
    mensajes.push(
        evento_al_outbox(
            &ReservaPagada {
                id_evento: Uuid::now_v7(),
                fecha_evento,
                id_reserva: id,
                id_cliente: cliente,
            },
            None,
        )
        .unwrap(),
    );
    mensajes
        .into_iter()
        .map(|mensaje| (mensaje.topico, mensaje.carga))
        .collect()
}

#[tokio::test]
async fn every_message_of_the_table_crosses_the_real_broker_and_decodes_into_its_set() {
    let mensajes = uno_de_cada_mensaje();
    let tabla: Vec<&str> = contratos().map(|c| c.topico).collect();
    assert_eq!(
        mensajes.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut ordenada = tabla.clone();
            ordenada.sort_unstable();
            ordenada
        },
        "this module writes exactly the messages of the table"
    );

    let directorio = tempfile::tempdir().unwrap();
    let broker = pulsar_embedded::start(pulsar_embedded::Config::local(directorio.path()))
        .await
        .unwrap();
    let cliente: Pulsar<TokioExecutor> =
        Pulsar::builder(format!("pulsar://{}", broker.address()), TokioExecutor)
            .build()
            .await
            .unwrap();
    let decodificador = Decodificador::new();
    for contrato in contratos() {
        let mut consumidor = cliente
            .consumer()
            .with_topic(contrato.topico)
            .with_subscription(format!("contrato-{}", contrato.tipo))
            .with_subscription_type(SubType::Exclusive)
            .build::<Vec<u8>>()
            .await
            .unwrap();
        let mut productor = cliente
            .producer()
            .with_topic(contrato.topico)
            .with_options(ProducerOptions {
                schema: Some(EsquemaPulsar {
                    name: contrato.tipo.to_owned(),
                    schema_data: contrato.esquema_json.as_bytes().to_vec(),
                    r#type: schema::Type::Avro as i32,
                    properties: Vec::new(),
                }),
                ..Default::default()
            })
            .build()
            .await
            .unwrap();
        productor
            .send_non_blocking(mensajes[contrato.topico].clone())
            .await
            .unwrap()
            .await
            .unwrap();
        let recibido = tokio::time::timeout(Duration::from_secs(20), consumidor.next())
            .await
            .expect("the message arrives in time")
            .unwrap()
            .unwrap();
        consumidor.ack(&recibido).await.unwrap();
        let datos = &recibido.payload.data;
        let tipo = match contrato.direccion {
            Direccion::Comando => decodificador
                .comando(contrato.topico, datos, Some(contrato.esquema_json))
                .expect("a command topic")
                .map(|registro| registro.tipo()),
            Direccion::Evento => decodificador
                .evento(contrato.topico, datos, Some(contrato.esquema_json))
                .expect("an event topic")
                .map(|registro| registro.tipo()),
        };
        assert_eq!(tipo, Ok(contrato.tipo), "{}", contrato.topico);
    }
    broker.shutdown().await;
}
