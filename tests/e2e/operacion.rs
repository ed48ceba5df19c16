//! What an operator sees of a running system, from outside: one id followed through every
//! log line of a reservation (JSON logs), the metrics of each process and of the broker,
//! one line per refused request, and a healthy start and stop that log no WARN or ERROR.

use std::net::TcpListener;
use std::time::Duration;

use reqwest::Client;
use serde_json::Value;

use crate::procesos::{binario, raiz, Proceso, PLAZO};

/// A port free at this moment.
fn puerto_libre() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|escucha| escucha.local_addr())
        .map(|direccion| direccion.port())
        .expect("a free port")
}

/// The JSON log lines of `proceso`; a line that is not JSON fails the test.
fn lineas_json(proceso: &Proceso) -> Vec<Value> {
    proceso
        .registro()
        .lines()
        .map(|linea| {
            serde_json::from_str(linea).unwrap_or_else(|e| {
                panic!("{}: a line that is not JSON ({e}): {linea}", proceso.nombre)
            })
        })
        .collect()
}

/// Whether the event or one of the spans it happened in has `campo` = `valor`.
fn nombra(linea: &Value, campo: &str, valor: &str) -> bool {
    linea[campo] == valor
        || linea["spans"]
            .as_array()
            .is_some_and(|spans| spans.iter().any(|span| span[campo] == valor))
}

/// Waits until a JSON line of `proceso` satisfies `condicion`; answers it.
async fn esperar_json(proceso: &Proceso, condicion: impl Fn(&Value) -> bool) -> Value {
    let limite = tokio::time::Instant::now() + PLAZO;
    loop {
        if let Some(linea) = lineas_json(proceso).into_iter().find(&condicion) {
            return linea;
        }
        assert!(
            tokio::time::Instant::now() < limite,
            "{} never logged the line looked for; its log:\n{}",
            proceso.nombre,
            proceso.registro()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The samples of `texto` (Prometheus text format) of `metrica` whose labels contain every
/// one of `etiquetas`, as (line, value).
fn muestras(texto: &str, metrica: &str, etiquetas: &[&str]) -> Vec<(String, f64)> {
    texto
        .lines()
        .filter(|linea| {
            linea.starts_with(&format!("{metrica}{{")) || linea.starts_with(&format!("{metrica} "))
        })
        .filter(|linea| etiquetas.iter().all(|e| linea.contains(e)))
        .map(|linea| {
            let valor = linea.rsplit(' ').next().and_then(|v| v.parse().ok());
            (
                linea.to_owned(),
                valor.expect("a sample ends with its value"),
            )
        })
        .collect()
}

fn suma(texto: &str, metrica: &str, etiquetas: &[&str]) -> f64 {
    muestras(texto, metrica, etiquetas)
        .iter()
        .map(|(_, v)| v)
        .sum()
}

async fn texto(cliente: &Client, url: &str) -> String {
    let respuesta = cliente.get(url).send().await.expect("the metrics answer");
    assert_eq!(respuesta.status(), 200, "{url}");
    let tipo = respuesta.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(tipo.starts_with("text/plain"), "{url}: {tipo}");
    respuesta.text().await.unwrap()
}

/// The levels of `proceso`'s lines at WARN or above.
fn avisos(proceso: &Proceso) -> Vec<Value> {
    lineas_json(proceso)
        .into_iter()
        .filter(|l| l["level"] == "WARN" || l["level"] == "ERROR")
        .collect()
}

struct Sistema {
    aeroalpes: Proceso,
    notificaciones: Proceso,
    http: String,
    admin_broker: u16,
    metricas_notificaciones: u16,
    _datos: tempfile::TempDir,
}

/// aeroalpes (embedded broker, admin port on) and notificaciones, logging JSON, started in
/// the order `make run` uses: notificaciones once aeroalpes is ready.
async fn arrancar() -> Sistema {
    let datos = tempfile::tempdir().unwrap();
    let admin_broker = puerto_libre();
    let aeroalpes = Proceso::iniciar(
        "aeroalpes",
        &binario("aeroalpes"),
        &[],
        &[
            ("AEROALPES_LOG_FORMAT", "json".to_owned()),
            ("AEROALPES_HOST", "127.0.0.1".to_owned()),
            ("AEROALPES_PORT", "0".to_owned()),
            ("AEROALPES_BROKER_PORT", "0".to_owned()),
            ("AEROALPES_BROKER_ADMIN_PORT", admin_broker.to_string()),
            (
                "AEROALPES_BROKER_DATA",
                datos.path().join("broker").display().to_string(),
            ),
            (
                "AEROALPES_JWT_SECRET",
                "un secreto de pruebas de al menos 32 bytes".to_owned(),
            ),
            (
                "DATABASE_URL",
                datos.path().join("aeroalpes.db").display().to_string(),
            ),
        ],
    );
    let escuchando = esperar_json(&aeroalpes, |l| {
        l["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("aeroalpes escuchando"))
    })
    .await;
    let http = format!("http://127.0.0.1:{}", escuchando["puerto"]);
    let iniciado = esperar_json(&aeroalpes, |l| l["message"] == "broker embebido iniciado").await;
    let broker = format!("pulsar://{}", iniciado["direccion"].as_str().unwrap());
    let cliente = Client::new();
    let limite = tokio::time::Instant::now() + PLAZO;
    while !cliente
        .get(format!("{http}/health/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            tokio::time::Instant::now() < limite,
            "aeroalpes never became ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metricas_notificaciones = puerto_libre();
    let notificaciones = Proceso::iniciar(
        "notificaciones",
        &binario("notificaciones"),
        &[],
        &[
            ("AEROALPES_LOG_FORMAT", "json".to_owned()),
            ("PULSAR_URL", broker),
            (
                "NOTIFICACIONES_METRICS_PORT",
                metricas_notificaciones.to_string(),
            ),
            (
                "NOTIFICACIONES_DATABASE_URL",
                datos.path().join("notificaciones.db").display().to_string(),
            ),
        ],
    );
    esperar_json(&notificaciones, |l| l["message"] == "consumidor listo").await;
    Sistema {
        aeroalpes,
        notificaciones,
        http,
        admin_broker,
        metricas_notificaciones,
        _datos: datos,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_reservation_is_followed_by_one_id_in_every_log_line_and_counted_in_every_metric() {
    let mut sistema = arrancar().await;
    let cliente = Client::new();
    let fixture = std::fs::read(raiz().join("tests/fixtures/reserva_bog_mad.json")).unwrap();

    let aceptada = cliente
        .post(format!("{}/vuelos/reserva-commando", sistema.http))
        .header("content-type", "application/json")
        .body(fixture)
        .send()
        .await
        .unwrap();
    assert_eq!(aceptada.status(), 202);
    let id_peticion = aceptada.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let id: Value = aceptada.json().await.unwrap();
    let id = id["id"].as_str().unwrap().to_owned();

    // The access line, the command consumer's line and the mail service's line all name
    // the request's id: it is the conversation's correlation id.
    esperar_json(&sistema.aeroalpes, |l| {
        l["message"] == "petición atendida"
            && l["ruta"] == "/vuelos/reserva-commando"
            && l["id_peticion"] == id_peticion
    })
    .await;
    let manejado = esperar_json(&sistema.aeroalpes, |l| l["message"] == "comando manejado").await;
    assert!(
        nombra(&manejado, "correlation_id", &id_peticion),
        "{manejado}"
    );
    assert!(nombra(&manejado, "id_reserva", &id), "{manejado}");
    let notificado = esperar_json(&sistema.notificaciones, |l| nombra(l, "id_reserva", &id)).await;
    assert!(
        nombra(&notificado, "correlation_id", &id_peticion),
        "{notificado}"
    );

    // aeroalpes' metrics: the request, the command's way, the relay, the consumers.
    let metricas = texto(&cliente, &format!("{}/metrics", sistema.http)).await;
    let solicitudes = suma(
        &metricas,
        "aeroalpes_http_requests_total",
        &[
            r#"ruta="/vuelos/reserva-commando""#,
            r#"estado="202""#,
            r#"metodo="POST""#,
        ],
    );
    assert_eq!(solicitudes, 1.0, "{metricas}");
    assert!(
        !muestras(
            &metricas,
            "aeroalpes_http_request_duration_seconds_bucket",
            &[r#"ruta="/vuelos/reserva-commando""#]
        )
        .is_empty(),
        "{metricas}"
    );
    assert_eq!(
        suma(
            &metricas,
            "aeroalpes_comandos_total",
            &[r#"resultado="aceptado""#]
        ),
        1.0,
        "{metricas}"
    );
    assert_eq!(
        suma(
            &metricas,
            "aeroalpes_comandos_total",
            &[r#"resultado="manejado""#]
        ),
        1.0,
        "{metricas}"
    );
    // The command and its event.
    assert!(
        suma(&metricas, "aeroalpes_relay_publicados_total", &[]) >= 2.0,
        "{metricas}"
    );
    assert_eq!(
        suma(
            &metricas,
            "aeroalpes_mensajes_manejados_total",
            &[
                r#"suscripcion="aeroalpes-sub-comandos""#,
                r#"resultado="procesado""#
            ]
        ),
        1.0,
        "{metricas}"
    );
    assert!(
        !muestras(&metricas, "aeroalpes_outbox_pendientes", &[]).is_empty(),
        "{metricas}"
    );
    assert!(
        !muestras(&metricas, "aeroalpes_outbox_antiguedad_segundos", &[]).is_empty(),
        "{metricas}"
    );

    // notificaciones' own port, and the broker's admin port under Apache Pulsar's names.
    let url = format!(
        "http://127.0.0.1:{}/metrics",
        sistema.metricas_notificaciones
    );
    let limite = tokio::time::Instant::now() + PLAZO;
    loop {
        let metricas = texto(&cliente, &url).await;
        if suma(
            &metricas,
            "aeroalpes_mensajes_manejados_total",
            &[r#"resultado="procesado""#],
        ) >= 1.0
        {
            break;
        }
        assert!(tokio::time::Instant::now() < limite, "{metricas}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let broker = texto(
        &cliente,
        &format!("http://127.0.0.1:{}/metrics", sistema.admin_broker),
    )
    .await;
    assert!(
        suma(&broker, "pulsar_in_messages_total", &["comandos-reserva"]) >= 1.0,
        "{broker}"
    );
    assert!(
        !muestras(
            &broker,
            "pulsar_msg_backlog",
            &["sub-notificacion-eventos-reservas"]
        )
        .is_empty(),
        "{broker}"
    );

    // A healthy start, this reservation and a clean stop: nothing to warn about.
    assert!(sistema.notificaciones.terminar().success());
    assert!(sistema.aeroalpes.terminar().success());
    assert_eq!(avisos(&sistema.aeroalpes), Vec::<Value>::new());
    assert_eq!(avisos(&sistema.notificaciones), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_request_is_one_info_line_with_its_reason_quoted() {
    let sistema = arrancar().await;
    let cliente = Client::new();

    let respuesta = cliente
        .post(format!("{}/vuelos/reserva", sistema.http))
        .header("content-type", "application/json")
        .body("{\"itinerarios\": \n\u{1b}[31mroto")
        .send()
        .await
        .unwrap();
    assert_eq!(respuesta.status(), 400);
    let id_peticion = respuesta.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();

    let linea = esperar_json(&sistema.aeroalpes, |l| {
        nombra(l, "id_peticion", &id_peticion)
    })
    .await;
    // Give a second line, if there were one, the time to arrive.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lineas: Vec<Value> = lineas_json(&sistema.aeroalpes)
        .into_iter()
        .filter(|l| nombra(l, "id_peticion", &id_peticion))
        .collect();
    assert_eq!(lineas.len(), 1, "{lineas:?}");
    assert_eq!(linea["level"], "INFO", "{linea}");
    assert_eq!(linea["estado"], 400, "{linea}");
    assert!(
        linea["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{linea}"
    );
}
