//! What every test of the running service needs: its own embedded broker (restartable on
//! the same port and data directory), the real `notificaciones` binary as a child process
//! whose output is captured line by line, and producers of Avro records.

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pulsar::message::proto::{schema, Schema};
use pulsar::producer::{Message, ProducerOptions};
use pulsar::{Producer, Pulsar, TokioExecutor};
use pulsar_embedded::{BrokerHandle, Config};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use vuelos_contrato::MensajeIntegracion;

/// How long a test waits for what it expects before failing. Generous: tests run in
/// parallel on a small machine, and speed is never what they check.
pub const PLAZO: Duration = Duration::from_secs(60);
const SONDEO: Duration = Duration::from_millis(50);
/// The event topics the service subscribes to.
pub const TOPICOS_EVENTOS: usize = 4;

/// An embedded broker of one test.
pub struct Broker {
    handle: Option<BrokerHandle>,
    direccion: SocketAddr,
    datos: TempDir,
}

impl Broker {
    pub async fn iniciar() -> Self {
        let datos = tempfile::tempdir().expect("a data directory for the broker");
        let handle = pulsar_embedded::start(Config::local(datos.path()))
            .await
            .expect("the embedded broker starts");
        Self {
            direccion: handle.address(),
            handle: Some(handle),
            datos,
        }
    }

    pub fn url(&self) -> String {
        format!("pulsar://{}", self.direccion)
    }

    /// Stops the broker and starts it again on the same port and data directory.
    pub async fn reiniciar(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown().await;
        }
        let config = Config::new(self.direccion, self.datos.path());
        // The port was just released; another test's listener on port 0 could take it in
        // between, which is unlikely enough to only retry for a moment.
        for intento in 0.. {
            match pulsar_embedded::start(config.clone()).await {
                Ok(handle) => {
                    self.handle = Some(handle);
                    return;
                }
                Err(error) if intento < 50 => {
                    eprintln!("the broker does not start again yet: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("the broker does not start again: {error}"),
            }
        }
    }

    pub async fn cliente(&self) -> Pulsar<TokioExecutor> {
        Pulsar::builder(self.url(), TokioExecutor)
            .build()
            .await
            .expect("a client connects to the embedded broker")
    }
}

/// A producer on the topic of `M`, declaring `avsc` as its Avro schema (the record's own
/// schema, or another writer's such as the tutorial's).
pub async fn productor<M: MensajeIntegracion>(
    cliente: &Pulsar<TokioExecutor>,
    avsc: &str,
) -> Producer<TokioExecutor> {
    cliente
        .producer()
        .with_topic(M::TOPICO)
        .with_options(ProducerOptions {
            schema: Some(Schema {
                name: M::TIPO.to_owned(),
                schema_data: avsc.as_bytes().to_vec(),
                r#type: schema::Type::Avro as i32,
                properties: Vec::new(),
            }),
            ..Default::default()
        })
        .build()
        .await
        .expect("a producer with the record's Avro schema")
}

/// Publishes `carga` and waits for the broker's receipt.
pub async fn publicar(productor: &mut Producer<TokioExecutor>, carga: Vec<u8>) {
    let mensaje = Message {
        payload: carga,
        ..Default::default()
    };
    productor
        .send_non_blocking(mensaje)
        .await
        .expect("the broker takes the message")
        .await
        .expect("the broker stores the message");
}

/// The `notificaciones` binary, running, with everything it logs.
pub struct Servicio {
    hijo: Child,
    lineas: Arc<Mutex<Vec<String>>>,
    _datos: TempDir,
}

impl Servicio {
    /// Starts the service on `url_broker` with a fresh inbox database.
    pub fn arrancar(url_broker: &str) -> Self {
        let datos = tempfile::tempdir().expect("a data directory for the service");
        let mut hijo = Command::new(env!("CARGO_BIN_EXE_notificaciones"))
            .env("PULSAR_URL", url_broker)
            .env_remove("PULSAR_ADDRESS")
            .env_remove("BROKER_HOST")
            .env(
                "NOTIFICACIONES_DATABASE_URL",
                datos.path().join("notificaciones.db"),
            )
            .env("NOTIFICACIONES_METRICS_PORT", "0")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A failing test must not leave the service running.
            .kill_on_drop(true)
            .spawn()
            .expect("the notificaciones binary starts");
        let lineas = Arc::new(Mutex::new(Vec::new()));
        if let Some(salida) = hijo.stdout.take() {
            capturar(salida, lineas.clone());
        }
        if let Some(errores) = hijo.stderr.take() {
            capturar(errores, lineas.clone());
        }
        Self {
            hijo,
            lineas,
            _datos: datos,
        }
    }

    /// Starts the service and waits until it consumes every event topic: the
    /// subscriptions start at the latest message, so events published before would be
    /// missed.
    pub async fn arrancar_listo(url_broker: &str) -> Self {
        let servicio = Self::arrancar(url_broker);
        servicio
            .esperar("every consumer to be ready", |lineas| {
                lineas
                    .iter()
                    .filter(|l| l.contains("consumidor listo"))
                    .count()
                    >= TOPICOS_EVENTOS
            })
            .await;
        servicio
    }

    /// The lines logged so far that satisfy `filtro`.
    pub fn lineas(&self, filtro: impl Fn(&str) -> bool) -> Vec<String> {
        self.lineas
            .lock()
            .expect("no capture task panicked")
            .iter()
            .filter(|l| filtro(l))
            .cloned()
            .collect()
    }

    /// Waits until the log satisfies `condicion`, failing with the whole log after
    /// [`PLAZO`].
    pub async fn esperar(&self, que: &str, condicion: impl Fn(&[String]) -> bool) {
        let limite = tokio::time::Instant::now() + PLAZO;
        loop {
            if condicion(&self.lineas(|_| true)) {
                return;
            }
            if tokio::time::Instant::now() > limite {
                panic!(
                    "waited {PLAZO:?} for {que}; the service logged:\n{}",
                    self.lineas(|_| true).join("\n")
                );
            }
            tokio::time::sleep(SONDEO).await;
        }
    }

    /// Waits for the mail of `asunto` about reservation `id_reserva` to client
    /// `id_cliente` and answers its line.
    pub async fn esperar_correo(&self, id_reserva: &str, id_cliente: &str, asunto: &str) -> String {
        let filtro = correo(id_reserva, id_cliente, asunto);
        self.esperar(&format!("the mail about {id_reserva}"), |lineas| {
            lineas.iter().any(|l| filtro(l))
        })
        .await;
        self.lineas(filtro).remove(0)
    }

    /// Sends SIGTERM, as docker and systemd do to stop a service.
    pub fn terminar(&self) {
        let pid = self.hijo.id().expect("the service is still running");
        let estado = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .expect("kill runs");
        assert!(estado.success(), "kill -TERM {pid} failed");
    }

    /// Waits for the process to exit, failing after [`PLAZO`].
    pub async fn esperar_salida(&mut self) -> ExitStatus {
        match tokio::time::timeout(PLAZO, self.hijo.wait()).await {
            Ok(estado) => estado.expect("the exit status of the service"),
            Err(_) => panic!(
                "the service did not exit within {PLAZO:?}; it logged:\n{}",
                self.lineas(|_| true).join("\n")
            ),
        }
    }
}

/// Whether a log line is the mail of `asunto` about reservation `id_reserva` to client
/// `id_cliente`.
pub fn correo<'a>(
    id_reserva: &'a str,
    id_cliente: &'a str,
    asunto: &'a str,
) -> impl Fn(&str) -> bool + 'a {
    move |linea| {
        linea.contains("notificación enviada")
            && linea.contains(&format!("id_reserva={id_reserva}"))
            && linea.contains(&format!("id_cliente={id_cliente}"))
            && linea.contains(&format!("asunto={asunto:?}"))
    }
}

fn capturar(flujo: impl AsyncRead + Unpin + Send + 'static, lineas: Arc<Mutex<Vec<String>>>) {
    tokio::spawn(async move {
        let mut lector = BufReader::new(flujo).lines();
        while let Ok(Some(linea)) = lector.next_line().await {
            lineas.lock().expect("no reader panicked").push(linea);
        }
    });
}
