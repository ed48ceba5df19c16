//! Starts the system's binaries as child processes, captures their logs, and waits for
//! lines in them; every process is killed when its handle drops.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PLAZO: Duration = Duration::from_secs(30);

/// The directory of the workspace's binaries: the tests' own profile directory.
pub fn directorio_binarios() -> PathBuf {
    let ejecutable = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test binary>
    ejecutable
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_owned()
}

pub fn binario(nombre: &str) -> PathBuf {
    let ruta = directorio_binarios().join(nombre);
    assert!(
        ruta.exists(),
        "{} is missing: build the workspace's binaries first (`cargo build --workspace --bins`, which `make test` does)",
        ruta.display()
    );
    ruta
}

/// A port nothing listens on (the listener is dropped at once).
pub fn puerto_libre() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn raiz() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Proceso {
    pub nombre: String,
    hijo: Child,
    salida: Arc<Mutex<String>>,
}

impl Proceso {
    /// Starts `binario` with `entorno`, capturing stdout and stderr together.
    pub fn iniciar(
        nombre: &str,
        binario: &Path,
        argumentos: &[&str],
        entorno: &[(&str, String)],
    ) -> Self {
        let mut comando = Command::new(binario);
        comando
            .args(argumentos)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (clave, valor) in entorno {
            comando.env(clave, valor);
        }
        let mut hijo = comando
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", binario.display()));
        let salida = Arc::new(Mutex::new(String::new()));
        for flujo in [
            hijo.stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            hijo.stderr.take().map(|s| Box::new(s) as _),
        ]
        .into_iter()
        .flatten()
        {
            let salida = salida.clone();
            std::thread::spawn(move || {
                for linea in BufReader::new(flujo).lines().map_while(Result::ok) {
                    let mut texto = salida.lock().unwrap_or_else(|e| e.into_inner());
                    texto.push_str(&linea);
                    texto.push('\n');
                }
            });
        }
        Self {
            nombre: nombre.to_owned(),
            hijo,
            salida,
        }
    }

    pub fn registro(&self) -> String {
        self.salida
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits for a log line containing every one of `partes`; answers that line.
    pub async fn esperar_linea(&self, partes: &[&str]) -> String {
        let limite = Instant::now() + PLAZO;
        loop {
            if let Some(linea) = self
                .registro()
                .lines()
                .find(|l| partes.iter().all(|p| l.contains(p)))
            {
                return linea.to_owned();
            }
            assert!(
                Instant::now() < limite,
                "{} never logged {partes:?}; its log:\n{}",
                self.nombre,
                self.registro()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// How many log lines contain every one of `partes`.
    pub fn lineas(&self, partes: &[&str]) -> usize {
        self.registro()
            .lines()
            .filter(|l| partes.iter().all(|p| l.contains(p)))
            .count()
    }

    /// The number after `clave` in the first line that has it (`puerto=5000`, `…:6650`).
    pub async fn numero_tras(&self, partes: &[&str], clave: &str) -> u16 {
        let linea = self.esperar_linea(partes).await;
        let resto = &linea[linea.find(clave).expect("the key") + clave.len()..];
        resto
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a number")
    }

    pub fn matar(&mut self) {
        let _ = self.hijo.kill();
        let _ = self.hijo.wait();
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminar(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.hijo.id().to_string())
            .status();
        let limite = Instant::now() + PLAZO;
        loop {
            if let Some(estado) = self.hijo.try_wait().expect("the child's status") {
                return estado;
            }
            assert!(
                Instant::now() < limite,
                "{} did not stop after SIGTERM; its log:\n{}",
                self.nombre,
                self.registro()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proceso {
    fn drop(&mut self) {
        self.matar();
    }
}

/// aeroalpes on `url_base_datos`, with its embedded broker (or `url_broker`), on free ports.
/// The service token of the processes these tests start: aeroalpes accepts it, the ui
/// sends it (`AEROALPES_TOKEN_SERVICIO`), as `make run` arranges.
pub const TOKEN_SERVICIO: &str = "el token de servicio de los procesos de prueba e2e";

pub struct Aeroalpes {
    pub proceso: Proceso,
    pub http: String,
    pub broker: String,
}

pub async fn aeroalpes(datos: &Path, url_base_datos: &str, url_broker: Option<&str>) -> Aeroalpes {
    aeroalpes_con("aeroalpes", datos, url_base_datos, url_broker, &[]).await
}

/// [`aeroalpes`] named `nombre` in assertion messages, with `adicional` added to its
/// environment (a replica's shared JWT secret, its role).
pub async fn aeroalpes_con(
    nombre: &str,
    datos: &Path,
    url_base_datos: &str,
    url_broker: Option<&str>,
    adicional: &[(&str, String)],
) -> Aeroalpes {
    let mut entorno = vec![
        ("AEROALPES_HOST", "127.0.0.1".to_owned()),
        ("AEROALPES_PORT", "0".to_owned()),
        ("AEROALPES_BROKER_PORT", "0".to_owned()),
        (
            "AEROALPES_BROKER_DATA",
            datos.join("broker").display().to_string(),
        ),
        ("DATABASE_URL", url_base_datos.to_owned()),
        ("AEROALPES_TOKEN_SERVICIO", TOKEN_SERVICIO.to_owned()),
    ];
    if let Some(url) = url_broker {
        entorno.push(("PULSAR_URL", url.to_owned()));
    }
    entorno.extend(adicional.iter().cloned());
    let proceso = Proceso::iniciar(nombre, &binario("aeroalpes"), &[], &entorno);
    let puerto = proceso
        .numero_tras(&["aeroalpes escuchando"], "puerto=")
        .await;
    let broker = match url_broker {
        Some(url) => url.to_owned(),
        None => format!(
            "pulsar://127.0.0.1:{}",
            proceso
                .numero_tras(&["broker embebido iniciado"], "127.0.0.1:")
                .await
        ),
    };
    Aeroalpes {
        proceso,
        http: format!("http://127.0.0.1:{puerto}"),
        broker,
    }
}

pub fn notificaciones(datos: &Path, url_broker: &str) -> Proceso {
    Proceso::iniciar(
        "notificaciones",
        &binario("notificaciones"),
        &[],
        &[
            ("PULSAR_URL", url_broker.to_owned()),
            (
                "NOTIFICACIONES_DATABASE_URL",
                datos.join("notificaciones.db").display().to_string(),
            ),
            ("NOTIFICACIONES_METRICS_PORT", "0".to_owned()),
        ],
    )
}

/// The standalone broker binary on `puerto` (0: a free one) with its data in `datos`.
pub async fn pulsar_embedded(datos: &Path, puerto: u16) -> (Proceso, u16) {
    let proceso = Proceso::iniciar(
        "pulsar-embedded",
        &binario("pulsar-embedded"),
        &[
            "--port",
            &puerto.to_string(),
            "--data-dir",
            &datos.display().to_string(),
            // As aeroalpes' embedded broker: the relay's resends are dropped, and events
            // are retained for consumers that subscribe later.
            "--deduplication",
            "--retention-minutes",
            "-1",
            "--retention-size-mb",
            "1024",
        ],
        &[],
    );
    let puerto = proceso.numero_tras(&["listening on"], "127.0.0.1:").await;
    (proceso, puerto)
}
