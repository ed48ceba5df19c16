//! The `notificaciones` binary against an embedded broker: what it mails, once per
//! message, what it dead-letters, and how it survives a broker restart and stops on
//! SIGTERM. Every test has its own broker, service process and inbox.

mod ayudantes;

use apache_avro::writer::datum::GenericDatumWriter;
use chrono::Utc;
use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use pulsar::{Consumer, ConsumerOptions, Pulsar, SubType, TokioExecutor};
use serde::Serialize;
use uuid::Uuid;
use vuelos_contrato::{
    EventoReservaAprobada, EventoReservaCancelada, EventoReservaCreada, EventoReservaPagada,
    MensajeIntegracion, Metadatos, ReservaAprobadaPayload, ReservaCanceladaPayload,
    ReservaCreadaPayload, ReservaPagadaPayload,
};

use ayudantes::{correo, productor, publicar, Broker, Servicio, PLAZO};

/// A reservation of a client, by their ids.
struct Reserva {
    id: String,
    cliente: String,
}

impl Reserva {
    fn nueva() -> Self {
        Self {
            id: Uuid::now_v7().to_string(),
            cliente: Uuid::now_v7().to_string(),
        }
    }

    fn creada(&self) -> EventoReservaCreada {
        EventoReservaCreada::envolver(
            ReservaCreadaPayload {
                id_reserva: Some(self.id.clone()),
                id_cliente: Some(self.cliente.clone()),
                estado: Some("Pendiente".into()),
                fecha_creacion: Some(Utc::now().timestamp_millis()),
                itinerarios: None,
            },
            &Metadatos::nuevos(),
            Utc::now(),
        )
    }
}

/// The record `$registro` (payload `$carga`) saying that `$reserva` reached `$estado`.
macro_rules! cambio_de_estado {
    ($registro:ident, $carga:ident, $reserva:expr, $estado:literal) => {{
        let reserva: &Reserva = $reserva;
        $registro::envolver(
            $carga {
                id_reserva: Some(reserva.id.clone()),
                id_cliente: Some(reserva.cliente.clone()),
                estado: Some($estado.into()),
                fecha_actualizacion: Some(Utc::now().timestamp_millis()),
            },
            &Metadatos::nuevos(),
            Utc::now(),
        )
    }};
}

fn avro<M: MensajeIntegracion>(registro: &M) -> Vec<u8> {
    registro.codificar().expect("the record encodes")
}

/// Publishes one record on its topic, declaring its own schema.
async fn publicar_registro<M: MensajeIntegracion>(cliente: &Pulsar<TokioExecutor>, registro: &M) {
    let mut productor = productor::<M>(cliente, M::ESQUEMA_JSON).await;
    publicar(&mut productor, avro(registro)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_logged_as_one_mail_naming_its_reservation_and_client() {
    let broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let cliente = broker.cliente().await;
    let reservas: Vec<Reserva> = (0..3).map(|_| Reserva::nueva()).collect();

    let mut creadas =
        productor::<EventoReservaCreada>(&cliente, EventoReservaCreada::ESQUEMA_JSON).await;
    for reserva in &reservas {
        publicar(&mut creadas, avro(&reserva.creada())).await;
    }
    publicar_registro(
        &cliente,
        &cambio_de_estado!(
            EventoReservaAprobada,
            ReservaAprobadaPayload,
            &reservas[0],
            "Aprobada"
        ),
    )
    .await;
    publicar_registro(
        &cliente,
        &cambio_de_estado!(
            EventoReservaPagada,
            ReservaPagadaPayload,
            &reservas[0],
            "Pagada"
        ),
    )
    .await;
    publicar_registro(
        &cliente,
        &cambio_de_estado!(
            EventoReservaCancelada,
            ReservaCanceladaPayload,
            &reservas[1],
            "Cancelada"
        ),
    )
    .await;

    let esperados = [
        (&reservas[0], "Reserva creada"),
        (&reservas[1], "Reserva creada"),
        (&reservas[2], "Reserva creada"),
        (&reservas[0], "Reserva aprobada"),
        (&reservas[0], "Reserva pagada"),
        (&reservas[1], "Reserva cancelada"),
    ];
    for (reserva, asunto) in esperados {
        let linea = servicio
            .esperar_correo(&reserva.id, &reserva.cliente, asunto)
            .await;
        assert!(
            linea.contains(&format!(
                "destinatario=cliente-{}@aeroalpes.example",
                reserva.cliente
            )),
            "{linea}"
        );
    }
    for (reserva, asunto) in esperados {
        assert_eq!(
            servicio
                .lineas(correo(&reserva.id, &reserva.cliente, asunto))
                .len(),
            1,
            "one mail {asunto:?} about {}",
            reserva.id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_message_delivered_twice_is_mailed_once() {
    let broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let cliente = broker.cliente().await;
    let mut creadas =
        productor::<EventoReservaCreada>(&cliente, EventoReservaCreada::ESQUEMA_JSON).await;
    let reserva = Reserva::nueva();
    let registro = reserva.creada();
    let id_mensaje = registro.id.clone().expect("an envelope id");

    // Two broker messages with one envelope id: what a publisher retrying after a lost
    // receipt produces.
    publicar(&mut creadas, avro(&registro)).await;
    publicar(&mut creadas, avro(&registro)).await;

    servicio
        .esperar("the second delivery to be recognised", |lineas| {
            lineas
                .iter()
                .any(|l| l.contains("mensaje repetido") && l.contains(&id_mensaje))
        })
        .await;
    let correos = servicio.lineas(correo(&reserva.id, &reserva.cliente, "Reserva creada"));
    assert_eq!(correos.len(), 1, "{correos:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_does_not_decode_is_dead_lettered_and_the_next_is_still_mailed() {
    let broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let cliente = broker.cliente().await;
    let mut creadas =
        productor::<EventoReservaCreada>(&cliente, EventoReservaCreada::ESQUEMA_JSON).await;
    let basura = b"esto no es un registro Avro".to_vec();

    publicar(&mut creadas, basura.clone()).await;
    let reserva = Reserva::nueva();
    publicar(&mut creadas, avro(&reserva.creada())).await;

    servicio
        .esperar_correo(&reserva.id, &reserva.cliente, "Reserva creada")
        .await;
    let mut muertos: Consumer<Vec<u8>, TokioExecutor> = cliente
        .consumer()
        .with_topic(EventoReservaCreada::topico_dlq())
        .with_subscription("prueba-dlq")
        .with_subscription_type(SubType::Exclusive)
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .build()
        .await
        .expect("a consumer of the dead-letter topic");
    let muerto = tokio::time::timeout(PLAZO, muertos.next())
        .await
        .expect("a message in the dead-letter topic")
        .expect("the dead-letter consumer is open")
        .expect("the dead-letter message arrives");
    assert_eq!(muerto.payload.data, basura);
    let razon = muerto
        .metadata()
        .properties
        .iter()
        .find(|kv| kv.key == "razon")
        .map(|kv| kv.value.clone());
    assert!(
        razon
            .as_deref()
            .is_some_and(|r| r.contains("EventoReservaCreada")),
        "{razon:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_broker_restarts_a_new_event_is_still_mailed() {
    let mut broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let antes = Reserva::nueva();
    {
        let cliente = broker.cliente().await;
        let mut creadas =
            productor::<EventoReservaCreada>(&cliente, EventoReservaCreada::ESQUEMA_JSON).await;
        publicar(&mut creadas, avro(&antes.creada())).await;
        servicio
            .esperar_correo(&antes.id, &antes.cliente, "Reserva creada")
            .await;
    }

    broker.reiniciar().await;

    let despues = Reserva::nueva();
    let cliente = broker.cliente().await;
    let mut creadas =
        productor::<EventoReservaCreada>(&cliente, EventoReservaCreada::ESQUEMA_JSON).await;
    publicar(&mut creadas, avro(&despues.creada())).await;
    servicio
        .esperar_correo(&despues.id, &despues.cliente, "Reserva creada")
        .await;
    assert_eq!(
        servicio
            .lineas(correo(&antes.id, &antes.cliente, "Reserva creada"))
            .len(),
        1,
        "the event before the restart is not mailed again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_service_cleanly() {
    let broker = Broker::iniciar().await;
    let mut servicio = Servicio::arrancar_listo(&broker.url()).await;

    servicio.terminar();
    let estado = servicio.esperar_salida().await;

    assert!(estado.success(), "exit status {estado:?}");
    assert!(!servicio
        .lineas(|l| l.contains("notificaciones detenido"))
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_waiting_for_the_broker_stops_the_service_too() {
    // Port 1 is privileged, so no test's broker listens there: the connection is refused
    // and the service keeps retrying it.
    let mut servicio = Servicio::arrancar("pulsar://127.0.0.1:1");
    servicio
        .esperar("the service to retry the broker connection", |lineas| {
            lineas.iter().any(|l| l.contains("retrying connection"))
        })
        .await;

    servicio.terminar();

    assert!(servicio.esperar_salida().await.success());
}

/// The tutorial's `EventoReservaCreada`: the payload only, no envelope fields.
const ESQUEMA_TUTORIAL: &str = r#"{
  "type": "record",
  "name": "EventoReservaCreada",
  "fields": [
    {"name": "data", "default": null, "type": ["null", {
      "type": "record",
      "name": "ReservaCreadaPayload",
      "fields": [
        {"name": "id_reserva", "type": ["null", "string"], "default": null},
        {"name": "id_cliente", "type": ["null", "string"], "default": null},
        {"name": "estado", "type": ["null", "string"], "default": null},
        {"name": "fecha_creacion", "type": ["null", "long"], "default": null}
      ]
    }]}
  ]
}"#;

#[derive(Serialize)]
struct EventoTutorial {
    data: Option<CargaTutorial>,
}

/// The tutorial's `ReservaCreadaPayload`: four fields.
#[derive(Serialize)]
struct CargaTutorial {
    id_reserva: Option<String>,
    id_cliente: Option<String>,
    estado: Option<String>,
    fecha_creacion: Option<i64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_written_with_the_tutorial_schema_is_mailed() {
    let broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let cliente = broker.cliente().await;
    let mut tutorial = productor::<EventoReservaCreada>(&cliente, ESQUEMA_TUTORIAL).await;
    let reserva = Reserva::nueva();
    let esquema = apache_avro::Schema::parse_str(ESQUEMA_TUTORIAL).expect("the tutorial schema");
    let evento = EventoTutorial {
        data: reserva.creada().data.map(|carga| CargaTutorial {
            id_reserva: carga.id_reserva,
            id_cliente: carga.id_cliente,
            estado: carga.estado,
            fecha_creacion: carga.fecha_creacion,
        }),
    };
    let carga = GenericDatumWriter::builder(&esquema)
        .build()
        .and_then(|escritor| escritor.write_ser_to_vec(&evento))
        .expect("the tutorial's record encodes");

    publicar(&mut tutorial, carga).await;

    servicio
        .esperar_correo(&reserva.id, &reserva.cliente, "Reserva creada")
        .await;
}

/// A message whose ids hold newlines and terminal codes cannot forge a line of the log
/// (which is the service's record of mails sent): the message is dead-lettered (its id is
/// not a reservation id) and whatever of it is logged stays within one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_cannot_forge_a_line_of_the_log() {
    let broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let cliente = broker.cliente().await;
    let forjada = Reserva {
        id: "x\n2026-11-29T18:00:00.000000Z  INFO notificación enviada id_reserva=falsa \
             asunto=\"Reserva creada\"\u{1b}[2K"
            .into(),
        cliente: Uuid::now_v7().to_string(),
    };
    publicar_registro(&cliente, &forjada.creada()).await;
    let reserva = Reserva::nueva();
    publicar_registro(&cliente, &reserva.creada()).await;
    servicio
        .esperar_correo(&reserva.id, &reserva.cliente, "Reserva creada")
        .await;
    // The forged text stays inside the line that reports the refusal, escaped.
    let falsas = servicio.lineas(|l| l.starts_with("2026-11-29T18:00:00"));
    assert!(falsas.is_empty(), "forged lines: {falsas:?}");
    let rechazo = servicio.lineas(|l| l.contains("id_reserva=falsa"));
    assert!(
        rechazo.len() == 1 && rechazo[0].contains("WARN") && rechazo[0].contains("\\n2026-11-29"),
        "{rechazo:?}"
    );
    let enviadas = servicio.lineas(|l| l.contains("}: notificación enviada "));
    assert_eq!(enviadas.len(), 1, "{enviadas:?}");
    assert!(
        servicio.lineas(|l| l.contains('\u{1b}')).is_empty(),
        "a terminal code reached the log"
    );
}

/// Runs `scripts/dlq.py` of the repository with the test virtualenv; answers its stdout.
fn dlq(orden: &str, broker: &str, topico: &str) -> String {
    let raiz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let preparado = std::process::Command::new(raiz.join("scripts/python-venv.sh"))
        .status()
        .expect("python-venv.sh runs");
    assert!(preparado.success());
    let salida = std::process::Command::new(raiz.join(".venv/bin/python"))
        .arg(raiz.join("scripts/dlq.py"))
        .args([
            orden,
            "--broker",
            broker,
            "--topico",
            topico,
            "--suscripcion",
        ])
        .arg(notificaciones::consumidor::SUSCRIPCION)
        .output()
        .expect("dlq.py runs");
    let stdout = String::from_utf8_lossy(&salida.stdout).into_owned();
    assert!(
        salida.status.success(),
        "dlq.py {orden} failed: {stdout}\n{}",
        String::from_utf8_lossy(&salida.stderr)
    );
    stdout
}

/// Dead letters are kept (the consumer's `-DLQ` subscription holds them), listed with their
/// reason by `scripts/dlq.py listar`, and replayed on their topic by `reenviar` (this one,
/// still undecodable, is refused again: it went through the consumer a second time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_kept_listed_and_replayed() {
    let broker = Broker::iniciar().await;
    let servicio = Servicio::arrancar_listo(&broker.url()).await;
    let cliente = broker.cliente().await;
    let mut creadas =
        productor::<EventoReservaCreada>(&cliente, EventoReservaCreada::ESQUEMA_JSON).await;
    publicar(&mut creadas, b"un mensaje que no decodifica".to_vec()).await;
    servicio
        .esperar("the dead letter", |lineas| {
            lineas
                .iter()
                .filter(|l| l.contains("mensaje rechazado"))
                .count()
                == 1
        })
        .await;
    let url = broker.url();
    let topico = EventoReservaCreada::TOPICO.to_owned();
    let (u, t) = (url.clone(), topico.clone());
    let listado = tokio::task::spawn_blocking(move || dlq("listar", &u, &t))
        .await
        .unwrap();
    let json = |texto: &str| -> Vec<serde_json::Value> {
        texto
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    };
    let lineas = json(&listado);
    assert_eq!(lineas.len(), 1, "{listado}");
    assert!(lineas[0]["razon"]
        .as_str()
        .unwrap()
        .contains("EventoReservaCreada"));
    // Listing leaves them in place.
    let (u, t) = (url.clone(), topico.clone());
    let otra_vez = tokio::task::spawn_blocking(move || dlq("listar", &u, &t))
        .await
        .unwrap();
    assert_eq!(json(&otra_vez).len(), 1, "{otra_vez}");

    let (u, t) = (url.clone(), topico.clone());
    let reenvio = tokio::task::spawn_blocking(move || dlq("reenviar", &u, &t))
        .await
        .unwrap();
    assert_eq!(json(&reenvio).len(), 1, "{reenvio}");
    servicio
        .esperar("the replayed message to be refused again", |lineas| {
            lineas
                .iter()
                .filter(|l| l.contains("mensaje rechazado"))
                .count()
                == 2
        })
        .await;
}
