//! The deployment files: `docker-compose.yml` profile by profile, the Prometheus
//! configuration and the Grafana dashboard. docker-compose 1.29 checks only the syntax
//! (`config` ignores `--profile`), so `tests/e2e/python/revisar_compose.py` reads the file
//! against the repository; these tests run it on the real file and on broken copies (it
//! must name each fault), run promtool, and compare the dashboard with what a running
//! aeroalpes serves on `/metrics`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Once;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::Value;

use crate::flujo::{esperar_estado, fixture};
use crate::procesos::{aeroalpes, raiz, PLAZO};

const DASHBOARD: &str = "deploy/observabilidad/grafana/dashboards/aeroalpes.json";
const PROMETHEUS: &str = "deploy/observabilidad/prometheus.yml";

/// Runs the checker on `compose` (the repository is the project directory).
fn revisar(compose: &Path) -> Output {
    // The virtualenv, once per test process: the check alone takes a fraction of that.
    static VENV: Once = Once::new();
    VENV.call_once(|| {
        let preparado = Command::new(raiz().join("scripts/python-venv.sh"))
            .status()
            .expect("python-venv.sh runs");
        assert!(preparado.success(), "python-venv.sh failed");
    });
    Command::new(raiz().join(".venv/bin/python"))
        .arg(raiz().join("tests/e2e/python/revisar_compose.py"))
        .arg("--proyecto")
        .arg(raiz())
        .arg(compose)
        .output()
        .expect("python runs")
}

fn texto(salida: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&salida.stdout),
        String::from_utf8_lossy(&salida.stderr)
    )
}

fn leer(relativa: &str) -> String {
    std::fs::read_to_string(raiz().join(relativa))
        .unwrap_or_else(|e| panic!("{relativa} is readable: {e}"))
}

/// `original` with its only `de` replaced by `a`; the fault must be where the test expects.
fn con_cambio(original: &str, de: &str, a: &str) -> String {
    assert_eq!(
        original.matches(de).count(),
        1,
        "the file should hold {de:?} exactly once"
    );
    original.replacen(de, a, 1)
}

#[test]
fn the_compose_file_passes_the_deployment_checker() {
    let salida = revisar(&raiz().join("docker-compose.yml"));
    assert!(
        salida.status.success(),
        "revisar_compose.py found problems:\n{}",
        texto(&salida)
    );
}

#[test]
fn the_deployment_checker_names_each_fault_of_a_broken_compose_file() {
    let compose = leer("docker-compose.yml");
    let temporal = tempfile::tempdir().unwrap();
    let ruta = |nombre: &str| temporal.path().join(nombre);

    // A scrape target on a port the ui does not listen on, and a panel on a metric the
    // contract does not have: both files mounted from the temporary directory.
    std::fs::write(
        ruta("prometheus.yml"),
        con_cambio(&leer(PROMETHEUS), "\"ui:5678\"", "\"ui:5679\""),
    )
    .unwrap();
    std::fs::create_dir(ruta("dashboards")).unwrap();
    std::fs::write(
        ruta("dashboards/aeroalpes.json"),
        con_cambio(
            &leer(DASHBOARD),
            "(aeroalpes_outbox_pendientes)",
            "(aeroalpes_outbox_pending)",
        ),
    )
    .unwrap();
    let prometheus = format!("{}:/etc/", ruta("prometheus.yml").display());
    let dashboards = format!("{}:/etc/", ruta("dashboards").display());

    let casos = [
        (
            "the broker's profile renamed away",
            con_cambio(
                &compose,
                "profiles: [\"pulsar\"]\n    command: bin/pulsar standalone",
                "profiles: [\"broker\"]\n    command: bin/pulsar standalone",
            ),
            "profile pulsar starts ['pulsar-retencion'], expected ['pulsar', 'pulsar-retencion']",
        ),
        (
            "a dependency in the short syntax",
            con_cambio(
                &compose,
                "      - \"5000:5000\"\n    depends_on:\n      postgres:\n        condition: service_healthy\n",
                "      - \"5000:5000\"\n    depends_on:\n      - postgres\n",
            ),
            "service aeroalpes: depends_on postgres without `condition: service_healthy`",
        ),
        (
            "a dependency that only waits for the start",
            con_cambio(
                &compose,
                "      prometheus:\n        condition: service_healthy",
                "      prometheus:\n        condition: service_started",
            ),
            "service grafana: depends_on prometheus with condition 'service_started'",
        ),
        (
            "a variable no binary reads",
            con_cambio(
                &compose,
                "      UI_PORT: \"5678\"\n",
                "      UI_PORT: \"5678\"\n      UI_PUERTO: \"5678\"\n",
            ),
            "service ui: variable UI_PUERTO is read by none of its binaries",
        ),
        (
            "a service without a restart policy",
            con_cambio(
                &compose,
                "    stop_grace_period: 30s\n    restart: unless-stopped\n",
                "    stop_grace_period: 30s\n",
            ),
            "service notificacion: no restart policy",
        ),
        (
            "a published port the image does not expose",
            con_cambio(&compose, "- \"50051:50051\"", "- \"50052:50052\""),
            "service adaptador: its Dockerfile EXPOSEs [50051], but it listens on [50051, 50052]",
        ),
        (
            "an undeclared volume",
            con_cambio(&compose, "  grafanadata:\n", ""),
            "service grafana: volume grafanadata (at /var/lib/grafana) is not declared",
        ),
        (
            "a mounted file that does not exist",
            con_cambio(
                &compose,
                "./deploy/observabilidad/grafana/provisioning:",
                "./deploy/observabilidad/grafana/provision:",
            ),
            "which does not exist",
        ),
        (
            "a scrape target on the wrong port",
            con_cambio(
                &compose,
                "./deploy/observabilidad/prometheus.yml:/etc/",
                &prometheus,
            ),
            "job ui: ui:5679, but ui listens on [5678]",
        ),
        (
            "a dashboard panel on a metric outside the contract",
            con_cambio(
                &compose,
                "./deploy/observabilidad/grafana/dashboards:/etc/",
                &dashboards,
            ),
            "aeroalpes_outbox_pending is not a metric of the contract",
        ),
        (
            "the secrets in a file git does not ignore",
            con_cambio(
                &compose,
                "# AEROALPES_TOKEN_SERVICIO: the ui's service token.\n    env_file: secretos.env",
                "# AEROALPES_TOKEN_SERVICIO: the ui's service token.\n    env_file: deploy/secretos.env",
            ),
            "deploy/secretos.env holds secrets but is not in .gitignore",
        ),
    ];
    for (caso, contenido, esperado) in casos {
        let archivo = ruta("docker-compose.yml");
        std::fs::write(&archivo, contenido).unwrap();
        let salida = revisar(&archivo);
        let informe = texto(&salida);
        assert!(
            !salida.status.success(),
            "{caso}: the checker passed a broken file:\n{informe}"
        );
        assert!(
            informe.contains(esperado),
            "{caso}: the checker did not say {esperado:?}:\n{informe}"
        );
    }
}

#[test]
fn promtool_accepts_the_prometheus_configuration() {
    let salida = Command::new("promtool")
        .args(["check", "config"])
        .arg(raiz().join(PROMETHEUS))
        .output()
        .expect("promtool runs (`make system-deps` installs it)");
    assert!(
        salida.status.success(),
        "promtool check config failed:\n{}",
        texto(&salida)
    );
}

/// The `aeroalpes_*` names the dashboard's queries use, except those of the ui and of
/// notificaciones (served by those services).
fn metricas_de_aeroalpes_en_el_tablero() -> BTreeSet<String> {
    fn expresiones(valor: &Value, salida: &mut Vec<String>) {
        match valor {
            Value::Object(campos) => {
                if let Some(Value::String(expr)) = campos.get("expr") {
                    salida.push(expr.clone());
                }
                campos.values().for_each(|v| expresiones(v, salida));
            }
            Value::Array(valores) => valores.iter().for_each(|v| expresiones(v, salida)),
            _ => {}
        }
    }
    let tablero: Value = serde_json::from_str(&leer(DASHBOARD)).expect("the dashboard is JSON");
    let mut todas = Vec::new();
    expresiones(&tablero, &mut todas);
    todas
        .iter()
        .flat_map(|expr| expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|nombre| nombre.starts_with("aeroalpes_"))
        .filter(|nombre| {
            !nombre.starts_with("aeroalpes_ui_") && !nombre.starts_with("aeroalpes_notificaciones_")
        })
        .map(str::to_owned)
        .collect()
}

/// The series names of an exposition, plus `<histogram>_bucket|_sum|_count` for every
/// family declared as a histogram.
fn nombres_expuestos(exposicion: &str) -> BTreeSet<String> {
    let mut nombres = BTreeSet::new();
    for linea in exposicion.lines() {
        if let Some(declaracion) = linea.strip_prefix("# TYPE ") {
            let mut partes = declaracion.split_whitespace();
            if let (Some(nombre), Some(tipo)) = (partes.next(), partes.next()) {
                nombres.insert(nombre.to_owned());
                if tipo == "histogram" {
                    for sufijo in ["_bucket", "_sum", "_count"] {
                        nombres.insert(format!("{nombre}{sufijo}"));
                    }
                }
            }
        } else if !linea.starts_with('#') {
            if let Some(nombre) = linea.split(['{', ' ']).next().filter(|n| !n.is_empty()) {
                nombres.insert(nombre.to_owned());
            }
        }
    }
    nombres
}

#[tokio::test]
async fn aeroalpes_serves_every_aeroalpes_metric_the_dashboard_shows() {
    let esperadas = metricas_de_aeroalpes_en_el_tablero();
    assert!(
        esperadas.contains("aeroalpes_outbox_pendientes"),
        "the dashboard should show aeroalpes' own metrics: {esperadas:?}"
    );
    let datos = tempfile::tempdir().unwrap();
    let sistema = aeroalpes(
        datos.path(),
        &datos.path().join("aeroalpes.db").display().to_string(),
        None,
    )
    .await;
    // One synchronous and one asynchronous reservation: HTTP, commands, outbox, relay and
    // consumers all have something to count.
    let cliente = Client::new();
    let sincrona = cliente
        .post(format!("{}/vuelos/reserva", sistema.http))
        .body(fixture())
        .send()
        .await
        .unwrap();
    assert!(sincrona.status().is_success(), "{}", sincrona.status());
    let aceptada: Value = cliente
        .post(format!("{}/vuelos/reserva-commando", sistema.http))
        .body(fixture())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = aceptada["id"].as_str().expect("the accepted command's id");
    esperar_estado(&cliente, &sistema.http, id, "Pendiente").await;

    let limite = Instant::now() + PLAZO;
    loop {
        let respuesta = cliente
            .get(format!("{}/metrics", sistema.http))
            .send()
            .await
            .unwrap();
        let estado = respuesta.status();
        let exposicion = respuesta.text().await.unwrap();
        let faltan: Vec<_> = if estado.is_success() {
            let expuestas = nombres_expuestos(&exposicion);
            esperadas.difference(&expuestas).cloned().collect()
        } else {
            esperadas.iter().cloned().collect()
        };
        if faltan.is_empty() {
            return;
        }
        assert!(
            Instant::now() < limite,
            "GET /metrics answered {estado} without {faltan:?}, which the dashboard shows:\n{exposicion}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
