//! A websocket client creates, approves and pays a reservation through the ui, and
//! receives each acceptance and each event; another session hears nothing of it.

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

use crate::ayudantes::{arrancar, reserva_bog_mad, PLAZO};

use std::time::Duration;

struct Cliente(WebSocketStream<MaybeTlsStream<TcpStream>>);

impl Cliente {
    async fn conectar(url: &str) -> Self {
        let (ws, _) = connect_async(url)
            .await
            .expect("the ui accepts the websocket");
        Self(ws)
    }

    async fn enviar(&mut self, mensaje: Value) {
        self.0
            .send(Message::Text(mensaje.to_string()))
            .await
            .expect("the message is sent");
    }

    /// The next JSON message, or `None` if none arrives within `plazo`.
    async fn siguiente_en(&mut self, plazo: std::time::Duration) -> Option<Value> {
        loop {
            let mensaje = tokio::time::timeout(plazo, self.0.next()).await.ok()??;
            match mensaje.expect("the socket stays healthy") {
                Message::Text(texto) => {
                    return Some(serde_json::from_str(&texto).expect("the ui writes JSON"))
                }
                Message::Close(razon) => panic!("the ui closed the session: {razon:?}"),
                _ => continue,
            }
        }
    }

    /// Reads until every one of `esperados` (tipo, evento or orden, id) has arrived, in any
    /// order; fails if one does not arrive in time.
    async fn esperar(&mut self, esperados: &[(&str, &str)], id: &str) -> Vec<Value> {
        let mut faltan: Vec<(&str, &str)> = esperados.to_vec();
        let mut leidos = Vec::new();
        while !faltan.is_empty() {
            let mensaje = self
                .siguiente_en(PLAZO)
                .await
                .unwrap_or_else(|| panic!("still waiting for {faltan:?}; read {leidos:?}"));
            assert_ne!(mensaje["tipo"], "error", "refused: {mensaje}");
            assert_eq!(
                mensaje["id"], id,
                "a message of another reservation: {mensaje}"
            );
            let clave = if mensaje["tipo"] == "evento" {
                "evento"
            } else {
                "orden"
            };
            faltan
                .retain(|(tipo, nombre)| !(mensaje["tipo"] == *tipo && mensaje[clave] == *nombre));
            leidos.push(mensaje);
        }
        leidos
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reservation_is_accepted_created_approved_and_paid_over_the_websocket() {
    let sistema = arrancar().await;
    let mut pagina = Cliente::conectar(&sistema.ui.url_websocket()).await;
    let mut otra = Cliente::conectar(&sistema.ui.url_websocket()).await;

    pagina
        .enviar(json!({"tipo": "crear", "correlacion": "prueba-1", "reserva": reserva_bog_mad()}))
        .await;
    let aceptada = pagina.siguiente_en(PLAZO).await.expect("an answer");
    assert_eq!(aceptada["tipo"], "aceptada", "{aceptada}");
    assert_eq!(aceptada["orden"], "crear");
    assert_eq!(aceptada["correlacion"], "prueba-1");
    let id = aceptada["id"].as_str().expect("the id").to_owned();

    let creada = pagina.esperar(&[("evento", "Creada")], &id).await;
    assert_eq!(creada[0]["estado"], "Pendiente");

    pagina
        .enviar(json!({"tipo": "accion", "accion": "aprobar", "id": id}))
        .await;
    pagina
        .esperar(&[("aceptada", "aprobar"), ("evento", "Aprobada")], &id)
        .await;
    pagina
        .enviar(json!({"tipo": "accion", "accion": "pagar", "id": id}))
        .await;
    let pagada = pagina
        .esperar(&[("aceptada", "pagar"), ("evento", "Pagada")], &id)
        .await;
    assert!(pagada
        .iter()
        .any(|m| m["evento"] == "Pagada" && m["estado"] == "Pagada"));

    // The other session sent nothing: it hears nothing.
    assert_eq!(
        otra.siguiente_en(std::time::Duration::from_millis(300))
            .await,
        None
    );

    // The page lists it among the recent reservations.
    let recientes: Value = reqwest::get(format!("{}/api/reservas", sistema.ui.url()))
        .await
        .expect("the ui answers")
        .json()
        .await
        .expect("a JSON list");
    assert_eq!(recientes[0]["id"], id.as_str(), "{recientes}");
    assert_eq!(recientes[0]["estado"], "Pagada");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_order_is_answered_with_its_rule_and_an_unknown_reservation_with_an_error() {
    let sistema = arrancar().await;
    let mut pagina = Cliente::conectar(&sistema.ui.url_websocket()).await;

    pagina
        .enviar(json!({"tipo": "crear", "correlacion": "vacia", "reserva": {"itinerarios": []}}))
        .await;
    let error = pagina.siguiente_en(PLAZO).await.expect("an answer");
    assert_eq!(error["tipo"], "error", "{error}");
    assert_eq!(error["correlacion"], "vacia");
    assert!(error["regla"].is_string(), "{error}");

    let desconocida = uuid::Uuid::now_v7();
    pagina
        .enviar(json!({"tipo": "accion", "accion": "pagar", "id": desconocida}))
        .await;
    let error = pagina.siguiente_en(PLAZO).await.expect("an answer");
    assert_eq!(error["tipo"], "error", "{error}");
    assert_eq!(error["id"], desconocida.to_string());

    pagina.enviar(json!({"tipo": "borrar"})).await;
    let error = pagina.siguiente_en(PLAZO).await.expect("an answer");
    assert_eq!(error["tipo"], "error", "{error}");
}

/// Creates the sample reservation from `cliente` and waits for its acceptance and `Creada`.
async fn crear_y_esperar_creada(cliente: &mut Cliente) -> String {
    cliente
        .enviar(json!({"tipo": "crear", "reserva": reserva_bog_mad()}))
        .await;
    let aceptada = cliente.siguiente_en(PLAZO).await.expect("an answer");
    assert_eq!(aceptada["tipo"], "aceptada", "{aceptada}");
    let id = aceptada["id"].as_str().expect("the id").to_owned();
    cliente.esperar(&[("evento", "Creada")], &id).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_replica_of_the_ui_delivers_every_event_of_its_own_sessions() {
    let sistema = arrancar().await;
    let otra_ui = sistema.otra_ui().await;
    let mut en_la_primera = Cliente::conectar(&sistema.ui.url_websocket()).await;
    let mut en_la_otra = Cliente::conectar(&otra_ui.url_websocket()).await;

    // With one shared subscription the replicas would split these events between them.
    for _ in 0..3 {
        let id_primera = crear_y_esperar_creada(&mut en_la_primera).await;
        let id_otra = crear_y_esperar_creada(&mut en_la_otra).await;
        assert_ne!(id_primera, id_otra);
        en_la_otra
            .enviar(json!({"tipo": "accion", "accion": "cancelar", "id": id_otra}))
            .await;
        en_la_otra
            .esperar(
                &[("aceptada", "cancelar"), ("evento", "Cancelada")],
                &id_otra,
            )
            .await;
    }
    assert_eq!(
        en_la_primera.siguiente_en(Duration::from_millis(300)).await,
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_ui_closes_its_websockets_and_ends_cleanly() {
    let sistema = arrancar().await;
    let mut cliente = Cliente::conectar(&sistema.ui.url_websocket()).await;
    crear_y_esperar_creada(&mut cliente).await;

    let apagado = tokio::spawn(sistema.ui.apagar());

    let cierre = tokio::time::timeout(PLAZO, async {
        loop {
            match cliente.0.next().await {
                Some(Ok(Message::Close(razon))) => return razon,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the ui closes the session in time");
    if let Some(razon) = cierre {
        assert!(!razon.reason.is_empty(), "the close says why: {razon:?}");
    }
    apagado
        .await
        .expect("the stop does not panic")
        .expect("the ui ends without error");
}
