//! Health (liveness, readiness against the real database and broker) and API description.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use crate::ayudantes::{json, reserva_bog_mad, spawn_app, spawn_app_con_broker};

#[tokio::test]
async fn health_answers_up_when_the_database_answers() {
    let app = spawn_app().await;
    let respuesta = app.get("/health").await;
    assert_eq!(respuesta.status(), 200);
    assert_eq!(json(respuesta).await, serde_json::json!({ "status": "up" }));
}

#[tokio::test]
async fn the_spec_describes_every_route() {
    let app = spawn_app().await;
    let spec = json(app.get("/spec").await).await;
    let rutas = spec["paths"].as_object().unwrap();
    for ruta in [
        "/health",
        "/vuelos/reserva",
        "/vuelos/reserva-query",
        "/vuelos/reserva-query/{id}",
        "/vuelos/reserva/{id}/{accion}",
        "/clientes/usuarios",
        "/clientes/usuarios/desactivados",
        "/clientes/usuarios/{id}",
        "/clientes/usuarios/{id}/desactivar",
        "/clientes/login",
    ] {
        assert!(rutas.contains_key(ruta), "{ruta} is missing from /spec");
    }
    assert!(spec["components"]["schemas"]["ReservaDTO"].is_object());
    assert!(spec["components"]["schemas"]["RegistroUsuarioDTO"].is_object());
    assert!(spec["components"]["schemas"]["UsuarioDTO"].is_object());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(
        spec["paths"]["/clientes/usuarios/{id}"]["get"]["security"].is_array(),
        "reading a user names the bearer scheme"
    );
}

/// How long the relay may take to notice a lost broker.
const PLAZO: Duration = Duration::from_secs(30);
/// Reconnecting waits out the client's backoff: allow more than the usual deadline.
const PLAZO_RECONEXION: Duration = Duration::from_secs(60);

#[tokio::test]
async fn liveness_answers_up_while_the_process_runs() {
    let app = spawn_app().await;
    let respuesta = app.get("/health/live").await;
    assert_eq!(respuesta.status(), 200);
    assert_eq!(json(respuesta).await, serde_json::json!({ "status": "up" }));
}

#[tokio::test]
async fn readiness_is_up_once_the_embedded_broker_is_connected() {
    // spawn_app waits for readiness: it is up as soon as the application is there.
    let app = spawn_app().await;
    let cuerpo = app.listo_con(200, Duration::ZERO).await;
    assert_eq!(cuerpo["status"], "up");
    assert_eq!(cuerpo["checks"]["base_datos"], "up");
    assert_eq!(cuerpo["checks"]["broker"], "up");
    assert_eq!(cuerpo["checks"]["outbox"]["status"], "up");
}

#[tokio::test]
async fn readiness_names_a_lost_broker_and_recovers_when_it_is_back() {
    let datos = tempfile::tempdir().expect("a directory for the broker's data");
    let local = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let broker = pulsar_embedded::start(pulsar_embedded::Config::new(local, datos.path()))
        .await
        .expect("the broker starts");
    let direccion = broker.address();
    let app = spawn_app_con_broker(format!("pulsar://{direccion}")).await;

    broker.shutdown().await;
    let respuesta = app
        .post_crudo("/vuelos/reserva-commando", reserva_bog_mad().to_string())
        .await;
    assert_eq!(respuesta.status(), 202);
    let cuerpo = app.listo_con(503, PLAZO).await;
    assert_eq!(cuerpo["status"], "down");
    assert_eq!(cuerpo["checks"]["broker"], "down");
    assert_eq!(cuerpo["checks"]["base_datos"], "up");
    assert_eq!(app.get("/health").await.status(), 503);
    assert_eq!(app.get("/health/live").await.status(), 200);

    let _broker = reiniciar(direccion, datos.path()).await;
    let cuerpo = app.listo_con(200, PLAZO_RECONEXION).await;
    assert_eq!(cuerpo["checks"]["broker"], "up");
    // The command is published; the event its handling writes follows it out.
    let limite = tokio::time::Instant::now() + PLAZO;
    while app.listo_con(200, PLAZO).await["checks"]["outbox"]["pendientes"] != 0 {
        assert!(
            tokio::time::Instant::now() < limite,
            "the outbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts the broker again on the address it had and its data. The port was just
/// released; another test's listener on port 0 could take it in between, which is
/// unlikely enough to only retry for a moment.
async fn reiniciar(direccion: SocketAddr, datos: &Path) -> pulsar_embedded::BrokerHandle {
    let config = pulsar_embedded::Config::new(direccion, datos);
    for _ in 0..50 {
        match pulsar_embedded::start(config.clone()).await {
            Ok(broker) => return broker,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the broker does not start again on {direccion}")
}
