//! A websocket client creates, approves and pays a reservation through the ui, and
//! receives each acceptance and each event; another session hears nothing of it.

use serde_json::{json, Value};

use crate::ayudantes::{arrancar, reserva_bog_mad, Cliente, PLAZO};

use std::time::Duration;

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

    // Its metrics: the two sessions connected, the three events sent to this page.
    let metricas = reqwest::get(format!("{}/metrics", sistema.ui.url()))
        .await
        .expect("the ui answers")
        .text()
        .await
        .expect("the metrics");
    let valor = |metrica: &str| -> f64 {
        metricas
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{metrica} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{metrica} is missing: {metricas}"))
    };
    assert_eq!(valor("aeroalpes_ui_conexiones"), 2.0, "{metricas}");
    assert!(
        valor("aeroalpes_ui_eventos_enviados_total") >= 3.0,
        "{metricas}"
    );
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

    let cierre = tokio::time::timeout(PLAZO, cliente.cierre())
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
