//! Prometheus metrics, the same for every binary: the code records through the `metrics`
//! facade (as it logs through `tracing`), and this module installs the one recorder of the
//! process and renders it in Prometheus' text format, for a `/metrics` route or, in a
//! service with no HTTP server, for [`servir`] on a port of its own.
//!
//! Every name starts with `aeroalpes_`; durations are histograms in seconds. The README's
//! "Metrics" section lists them all.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The content type of the text format.
pub const TIPO_CONTENIDO: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Buckets of every duration histogram, in seconds: from a cached read to a slow batch.
const CUBETAS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets of the histograms that count how many things went together (a group commit's
/// units of work, a consumer's batch of messages).
const CUBETAS_TAMANO: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

static REGISTRO: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process' registry, installed as the global recorder on first use. Call it at start
/// so that what is recorded before the first scrape is kept.
pub fn registro() -> PrometheusHandle {
    REGISTRO
        .get_or_init(|| {
            let constructor = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), CUBETAS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_segundos".into()), CUBETAS)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_unidades".into()), CUBETAS_TAMANO)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_mensajes".into()), CUBETAS_TAMANO)
                });
            let recorder = match constructor {
                Ok(constructor) => constructor.build_recorder(),
                // Only an empty bucket list is refused: the constants are not empty.
                Err(_) => PrometheusBuilder::new().build_recorder(),
            };
            let handle = recorder.handle();
            // Another recorder installed first (a test harness) keeps the metrics; this
            // registry then renders only what its own handle saw.
            let _ = metrics::set_global_recorder(recorder);
            describir();
            handle
        })
        .clone()
}

/// The current values in Prometheus' text format.
pub fn exponer() -> String {
    let registro = registro();
    registro.run_upkeep();
    registro.render()
}

/// Serves `GET /metrics` on `escucha` until `apagado` resolves, for a service with no
/// HTTP server of its own. Every other request answers 404; a request that does not arrive
/// within 5 s, or is larger than 8 KiB, is dropped.
pub async fn servir(escucha: TcpListener, apagado: impl Future<Output = ()>) {
    tokio::pin!(apagado);
    loop {
        let conexion = tokio::select! {
            _ = &mut apagado => return,
            conexion = escucha.accept() => conexion,
        };
        match conexion {
            Ok((flujo, _)) => {
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(5), atender(flujo)).await;
                });
            }
            Err(error) => {
                tracing::warn!(error = %error, "puerto de métricas: conexión no aceptada");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn atender(mut flujo: TcpStream) -> std::io::Result<()> {
    let mut peticion = Vec::with_capacity(512);
    let mut trozo = [0u8; 1024];
    while !peticion.windows(4).any(|w| w == b"\r\n\r\n") {
        let leidos = flujo.read(&mut trozo).await?;
        if leidos == 0 || peticion.len() + leidos > 8192 {
            return Ok(());
        }
        peticion.extend_from_slice(&trozo[..leidos]);
    }
    let linea = peticion.split(|b| *b == b'\r').next().unwrap_or_default();
    let mut partes = linea.split(|b| *b == b' ');
    let (metodo, ruta) = (partes.next(), partes.next());
    let (estado, tipo, cuerpo) = match (metodo, ruta) {
        (Some(b"GET"), Some(b"/metrics")) => ("200 OK", TIPO_CONTENIDO, exponer()),
        _ => (
            "404 Not Found",
            "application/json",
            r#"{"error":"solo se sirve GET /metrics"}"#.to_owned(),
        ),
    };
    let respuesta = format!(
        "HTTP/1.1 {estado}\r\ncontent-type: {tipo}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{cuerpo}",
        cuerpo.len()
    );
    flujo.write_all(respuesta.as_bytes()).await?;
    flujo.shutdown().await
}

/// The HELP lines of every metric any service records.
fn describir() {
    describe_counter!(
        "aeroalpes_http_requests_total",
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        "aeroalpes_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template"
    );
    describe_counter!(
        "aeroalpes_comandos_total",
        "Reservation commands by type and result: aceptado (stored in the outbox), manejado, rechazado (broke a rule, dead-lettered), dead_letter (could not be read)"
    );
    describe_gauge!(
        "aeroalpes_outbox_pendientes",
        "Outbox rows not yet published"
    );
    describe_gauge!(
        "aeroalpes_outbox_antiguedad_segundos",
        Unit::Seconds,
        "Age of the oldest unpublished outbox row (0 when none waits)"
    );
    describe_counter!(
        "aeroalpes_relay_publicados_total",
        "Outbox rows the relay published (broker receipt received)"
    );
    describe_counter!(
        "aeroalpes_relay_fallos_total",
        "Relay batches that failed (broker lost or refused); the relay retries them"
    );
    describe_counter!(
        "aeroalpes_vista_mensajes_total",
        "Messages a query replica's projection applied to its read model (or absorbed as redeliveries), or dead-lettered"
    );
    describe_counter!(
        "aeroalpes_inbox_duplicados_total",
        "Messages delivered again that the inbox absorbed, by record type"
    );
    describe_counter!(
        "aeroalpes_mensajes_manejados_total",
        "Messages a consumer finished, by subscription and result (procesado, reintentar, dead_letter)"
    );
    describe_histogram!(
        "aeroalpes_mensaje_duracion_segundos",
        Unit::Seconds,
        "Time a consumer's handler took on one message, by subscription"
    );
    describe_histogram!(
        "aeroalpes_escritura_grupo_unidades",
        "Units of work committed together by the group writer (SQLite), per transaction"
    );
    describe_histogram!(
        "aeroalpes_consumidor_lote_mensajes",
        "Messages a consumer handled together, per batch, by subscription"
    );
    describe_counter!(
        "aeroalpes_mensajes_reentregados_total",
        "Messages a consumer received again after asking for redelivery, by subscription"
    );
    describe_counter!(
        "aeroalpes_notificaciones_enviadas_total",
        "Notifications sent by notificaciones, by event type"
    );
    describe_gauge!(
        "aeroalpes_ui_conexiones",
        "Browsers connected to the ui's websocket"
    );
    describe_counter!(
        "aeroalpes_ui_eventos_enviados_total",
        "Reservation events the ui sent to a browser"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_recorded_is_rendered_with_its_help_and_histograms_in_buckets() {
        registro();
        metrics::counter!("aeroalpes_relay_publicados_total").increment(3);
        metrics::histogram!("aeroalpes_mensaje_duracion_segundos", "suscripcion" => "s")
            .record(0.003);
        let texto = exponer();
        assert!(
            texto.contains("# HELP aeroalpes_relay_publicados_total"),
            "{texto}"
        );
        assert!(
            texto.contains("aeroalpes_relay_publicados_total 3"),
            "{texto}"
        );
        assert!(
            texto.contains(
                r#"aeroalpes_mensaje_duracion_segundos_bucket{suscripcion="s",le="0.005"} 1"#
            ),
            "{texto}"
        );
    }

    #[tokio::test]
    async fn the_metrics_port_answers_get_metrics_and_404_otherwise() {
        registro();
        metrics::counter!("aeroalpes_notificaciones_enviadas_total", "tipo" => "prueba")
            .increment(1);
        let escucha = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let direccion = escucha.local_addr().unwrap();
        let (parar, parada) = tokio::sync::oneshot::channel::<()>();
        let servidor = tokio::spawn(servir(escucha, async {
            let _ = parada.await;
        }));
        let pedir = |peticion: &'static str| async move {
            let mut flujo = TcpStream::connect(direccion).await.unwrap();
            flujo.write_all(peticion.as_bytes()).await.unwrap();
            let mut respuesta = String::new();
            flujo.read_to_string(&mut respuesta).await.unwrap();
            respuesta
        };
        let metricas = pedir("GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert!(metricas.starts_with("HTTP/1.1 200 OK"), "{metricas}");
        assert!(
            metricas.contains(r#"aeroalpes_notificaciones_enviadas_total{tipo="prueba"}"#),
            "{metricas}"
        );
        let otra = pedir("GET /otra HTTP/1.1\r\n\r\n").await;
        assert!(otra.starts_with("HTTP/1.1 404"), "{otra}");
        let _ = parar.send(());
        tokio::time::timeout(Duration::from_secs(5), servidor)
            .await
            .expect("the metrics port stops when told")
            .unwrap();
    }
}
