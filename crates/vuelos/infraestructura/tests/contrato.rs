//! The contract table (`vuelos_contrato::contratos()`) checked message by message: its schema
//! file exists and is FULL-compatible with every later version, a consumer of this system
//! subscribes to its topic, and a record this module writes crosses the real broker (with
//! its schema declared) and decodes into the closed set it belongs to.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use apache_avro::schema_compatibility::SchemaCompatibility;
use apache_avro::Schema;
use chrono::Utc;
use futures::StreamExt;
use pulsar::message::proto::{schema, Schema as EsquemaPulsar};
use pulsar::{ProducerOptions, Pulsar, SubType, TokioExecutor};
use seedwork_aplicacion::{ErrorUnidadTrabajo, ManejadorComando, UnidadTrabajo};
use seedwork_persistencia::{outbox, ManejadoresEventos, UnidadTrabajoDiesel};
use seedwork_pruebas::bases;
use vuelos_aplicacion::comandos::{ComandoReserva, CrearReserva, ManejadorReservas};
use vuelos_contrato::{
    contratos, ComandoVuelos, Decodificador, Direccion, EventoVuelos, Metadatos, SolicitudVuelos,
};
use vuelos_dominio::{AccionReserva, EstadoReserva, IdCliente, IdReserva};
use vuelos_infraestructura::integracion::{self, comando_al_outbox};
use vuelos_infraestructura::FabricaRepositoriosDiesel;

mod comun;

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
        // to those of `EventoVuelos::CONTRATOS`, and a query service's projection to every
        // topic of the table (the refusals of `SolicitudVuelos::CONTRATOS` are for it alone).
        let consumidos: Vec<_> = match contrato.direccion {
            Direccion::Comando => ComandoVuelos::CONTRATOS.to_vec(),
            Direccion::Evento => EventoVuelos::CONTRATOS
                .iter()
                .chain(SolicitudVuelos::CONTRATOS.iter())
                .copied()
                .collect(),
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

fn crear(id: IdReserva) -> ComandoReserva {
    ComandoReserva::Crear(CrearReserva {
        id,
        id_cliente: Some(IdCliente::nuevo()),
        itinerarios: vec![comun::itinerario()],
        fecha_creacion: Utc::now(),
    })
}

/// The shortest run of actions from `Pendiente` that ends with `accion`, as the lifecycle
/// allows (found by the lifecycle itself, so a new action needs no change here).
fn camino_hasta(accion: AccionReserva) -> Vec<AccionReserva> {
    let mut frontera = VecDeque::from([(EstadoReserva::Pendiente, Vec::new())]);
    let mut vistos = vec![EstadoReserva::Pendiente];
    while let Some((estado, camino)) = frontera.pop_front() {
        if estado.tras(accion).is_some() {
            return [camino, vec![accion]].concat();
        }
        for paso in AccionReserva::TODAS {
            if let Some(siguiente) = estado.tras(paso).filter(|s| !vistos.contains(s)) {
                vistos.push(siguiente);
                frontera.push_back((siguiente, [camino.clone(), vec![paso]].concat()));
            }
        }
    }
    panic!("the lifecycle never allows {accion}")
}

/// One record of every command and event this module writes, by topic, as the outbox
/// holds them: the creation and every action of the lifecycle (through the routes' own
/// mapping), and the events they raise through the real handler, unit of work and outbox.
async fn uno_de_cada_mensaje() -> BTreeMap<String, Vec<u8>> {
    let id = IdReserva::nuevo();
    let comandos = std::iter::once(crear(id)).chain(
        AccionReserva::TODAS
            .map(|accion| ComandoReserva::de_accion(&accion.to_string(), id).unwrap()),
    );
    let mut mensajes: BTreeMap<String, Vec<u8>> = comandos
        .map(|comando| comando_al_outbox(&comando, &Metadatos::nuevos()).unwrap())
        .map(|mensaje| (mensaje.topico, mensaje.carga))
        .collect();

    let base = bases::sqlite(&[
        seedwork_persistencia::MIGRACIONES,
        vuelos_infraestructura::MIGRACIONES,
    ]);
    let mut manejadores = ManejadoresEventos::new();
    integracion::registrar_manejadores(&mut manejadores);
    let uow = UnidadTrabajoDiesel::new(base.base.clone(), Arc::new(manejadores));
    let manejador = ManejadorReservas::new(uow.clone(), FabricaRepositoriosDiesel);
    for accion in AccionReserva::TODAS {
        let id = IdReserva::nuevo();
        manejador.manejar(crear(id)).await.unwrap();
        for paso in camino_hasta(accion) {
            let comando = ComandoReserva::de_accion(&paso.to_string(), id).unwrap();
            manejador.manejar(comando).await.unwrap();
        }
    }
    let filas = uow
        .consultar(|tx| outbox::todas(tx.conexion()).map_err(ErrorUnidadTrabajo::from))
        .await
        .unwrap();
    mensajes.extend(filas.into_iter().map(|fila| (fila.topico, fila.carga)));
    // A refusal is written by the command consumer (see `consumidores`), not a handler.
    let rechazo = integracion::rechazo_al_outbox(
        IdReserva::nuevo(),
        Some(AccionReserva::Pagar),
        "no se puede pagar una reserva en estado Pendiente",
        &uuid::Uuid::now_v7().to_string(),
        None,
    )
    .unwrap();
    mensajes.insert(rechazo.topico, rechazo.carga);
    mensajes
}

#[tokio::test]
async fn every_message_of_the_table_crosses_the_real_broker_and_decodes_into_its_set() {
    let mensajes = uno_de_cada_mensaje().await;
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
            Direccion::Evento => {
                match decodificador.evento(contrato.topico, datos, Some(contrato.esquema_json)) {
                    Some(evento) => evento.map(|registro| registro.tipo()),
                    None => decodificador
                        .solicitud(contrato.topico, datos, Some(contrato.esquema_json))
                        .expect("an event topic")
                        .map(|registro| registro.tipo()),
                }
            }
        };
        assert_eq!(tipo.unwrap(), contrato.tipo, "{}", contrato.topico);
    }
    broker.shutdown().await;
}
