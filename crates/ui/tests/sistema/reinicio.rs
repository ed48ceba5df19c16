//! The BFF outlives its broker: a reservation asked for while the broker is down becomes
//! Creada on the page once the broker is back on the same address and data (aeroalpes'
//! relay and the ui's consumers both reconnect).

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;

use crate::ayudantes::{arrancar_con, reserva_bog_mad, Cliente, PLAZO};

/// Reconnecting waits out the client's backoff: allow more than the usual deadline.
const PLAZO_RECONEXION: Duration = Duration::from_secs(60);

async fn broker(direccion: SocketAddr, datos: &std::path::Path) -> pulsar_embedded::BrokerHandle {
    pulsar_embedded::start(pulsar_embedded::Config::new(direccion, datos))
        .await
        .expect("the broker starts")
}

async fn reservar(pagina: &mut Cliente) {
    pagina
        .enviar(json!({"tipo": "crear", "correlacion": "r", "reserva": reserva_bog_mad()}))
        .await;
}

/// Waits for the acceptance of a reservation and for its Creada event (in either order),
/// within `plazo`.
async fn ver_creada(pagina: &mut Cliente, plazo: Duration) {
    let limite = tokio::time::Instant::now() + plazo;
    let mut aceptada: Option<String> = None;
    // Delivery is at least once: around a restart an event of an earlier reservation of
    // this page may come again, so every Creada seen is kept and only this reservation's
    // ends the wait.
    let mut creadas: Vec<String> = Vec::new();
    while !aceptada.as_ref().is_some_and(|id| creadas.contains(id)) {
        let resto = limite.saturating_duration_since(tokio::time::Instant::now());
        let mensaje = pagina
            .siguiente_en(resto)
            .await
            .unwrap_or_else(|| panic!("no Creada within {plazo:?} (accepted: {aceptada:?})"));
        assert_ne!(mensaje["tipo"], "error", "refused: {mensaje}");
        let id = mensaje["id"].as_str().map(str::to_owned);
        if mensaje["tipo"] == "aceptada" {
            aceptada = id;
        } else if mensaje["tipo"] == "evento" && mensaje["evento"] == "Creada" {
            creadas.extend(id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_broker_restart_the_ui_still_delivers_each_page_its_events() {
    let datos = tempfile::tempdir().expect("a directory for the broker");
    let primero = broker("127.0.0.1:0".parse().unwrap(), datos.path()).await;
    let direccion = primero.address();
    let sistema = arrancar_con(Some(format!("pulsar://{direccion}"))).await;
    let mut pagina = Cliente::conectar(&sistema.ui.url_websocket()).await;
    reservar(&mut pagina).await;
    ver_creada(&mut pagina, PLAZO).await;

    primero.shutdown().await;
    // Accepted while the broker is down (aeroalpes keeps it in its outbox): its event can
    // only reach the page once both aeroalpes and the ui are connected again.
    reservar(&mut pagina).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let segundo = broker(direccion, datos.path()).await;

    ver_creada(&mut pagina, PLAZO_RECONEXION).await;
    segundo.shutdown().await;
}
