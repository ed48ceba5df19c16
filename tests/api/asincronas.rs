//! The asynchronous routes: commands accepted with 202, carried over the application's
//! embedded Pulsar broker, and their results read back through the query.

use std::time::Duration;

use futures::StreamExt;
use reqwest::Response;
use serde_json::{json, Value};
use vuelos_contrato::{EventoIntegracion, EventoReservaCreada, MensajeIntegracion};

use crate::ayudantes::{json, reserva_bog_mad, spawn_app, AppDePrueba, TOKEN_SERVICIO};

const PLAZO: Duration = Duration::from_secs(20);

impl AppDePrueba {
    pub async fn post_reserva_asincrona(&self, cuerpo: &Value) -> Response {
        self.post_crudo("/vuelos/reserva-commando", cuerpo.to_string())
            .await
    }

    /// Polls the query of `id` until it answers `estado` (an HTTP status), within the
    /// deadline; as staff, who may read any reservation.
    pub async fn esperar(&self, id: &str, estado: u16) -> Value {
        let limite = tokio::time::Instant::now() + PLAZO;
        loop {
            let respuesta = self
                .get_con_token(&format!("/vuelos/reserva-query/{id}"), TOKEN_SERVICIO)
                .await;
            if respuesta.status() == estado {
                return json(respuesta).await;
            }
            assert!(
                tokio::time::Instant::now() < limite,
                "the query of {id} never answered {estado} (last: {})",
                respuesta.status()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Accepts the fixture asynchronously and answers its id, checking the 202 and Location.
async fn aceptada(app: &AppDePrueba, cuerpo: &Value) -> String {
    let respuesta = app.post_reserva_asincrona(cuerpo).await;
    assert_eq!(respuesta.status(), 202);
    let ubicacion = respuesta.headers()["location"].to_str().unwrap().to_owned();
    let id = json(respuesta).await["id"].as_str().unwrap().to_owned();
    assert_eq!(ubicacion, format!("/vuelos/reserva-query/{id}"));
    id
}

#[tokio::test]
async fn an_accepted_reservation_is_created_and_the_query_answers_it() {
    let app = spawn_app().await;
    let id = aceptada(&app, &reserva_bog_mad()).await;
    let reserva = app.esperar(&id, 200).await;
    assert_eq!(reserva["id"], json!(id));
    assert_eq!(reserva["estado"], "Pendiente");
    assert_eq!(reserva["itinerarios"], reserva_bog_mad()["itinerarios"]);
}

#[tokio::test]
async fn the_spanish_spelling_of_the_route_is_accepted_too() {
    let app = spawn_app().await;
    let respuesta = app
        .post_crudo("/vuelos/reserva-comando", reserva_bog_mad().to_string())
        .await;
    assert_eq!(respuesta.status(), 202);
    let id = json(respuesta).await["id"].as_str().unwrap().to_owned();
    app.esperar(&id, 200).await;
}

#[tokio::test]
async fn a_body_the_synchronous_route_refuses_is_refused_at_once_and_nothing_is_queued() {
    let app = spawn_app().await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["itinerarios"][0]["odos"][0]["segmentos"][0]["legs"][1]["origen"]["codigo"] =
        json!("LIS");
    let respuesta = app.post_reserva_asincrona(&cuerpo).await;
    assert_eq!(respuesta.status(), 400);
    assert_eq!(json(respuesta).await["regla"], "LegsConectados");
    assert_eq!(
        app.post_reserva_asincrona(&json!({ "itinerarios": [] }))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.post_crudo("/vuelos/reserva-commando", "{")
            .await
            .status(),
        400
    );
    assert_eq!(app.filas(), (0, 0), "no reservation, no queued command");
}

#[tokio::test]
async fn a_reservation_for_a_client_that_does_not_exist_is_accepted_then_answered_as_refused() {
    let app = spawn_app().await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["id_cliente"] = json!(uuid::Uuid::new_v4().to_string());
    // Staff books in the name of a client that turns out not to exist.
    let respuesta = app
        .post_con_token(
            "/vuelos/reserva-commando",
            TOKEN_SERVICIO,
            cuerpo.to_string(),
        )
        .await;
    assert_eq!(respuesta.status(), 202);
    let id = json(respuesta).await["id"].as_str().unwrap().to_owned();
    let rechazo = app.esperar(&id, 422).await;
    assert_eq!(rechazo["estado"], "Rechazada");
    assert!(
        rechazo["error"].as_str().unwrap().contains("no existe"),
        "{rechazo}"
    );
    assert_eq!(app.filas().0, 0, "no reservation row");
}

#[tokio::test]
async fn lifecycle_commands_are_accepted_and_applied_in_order() {
    let app = spawn_app().await;
    let id = app.reserva_creada().await;
    for (accion, estado) in [("aprobar", "Aprobada"), ("pagar", "Pagada")] {
        let respuesta = app
            .post_crudo(&format!("/vuelos/reserva-commando/{id}/{accion}"), "")
            .await;
        assert_eq!(respuesta.status(), 202, "{accion}");
        let limite = tokio::time::Instant::now() + PLAZO;
        while app.esperar(&id, 200).await["estado"] != estado {
            assert!(tokio::time::Instant::now() < limite, "never {estado}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Polls the query of `id` until its `ultima_solicitud` is no longer `EnProceso`.
async fn desenlace(app: &AppDePrueba, id: &str) -> Value {
    let limite = tokio::time::Instant::now() + PLAZO;
    loop {
        let reserva = app.esperar(id, 200).await;
        if reserva["ultima_solicitud"]["estado"] != "EnProceso" {
            return reserva;
        }
        assert!(
            tokio::time::Instant::now() < limite,
            "still EnProceso: {reserva}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn the_query_answers_what_became_of_the_latest_lifecycle_command_applied_or_refused() {
    let app = spawn_app().await;
    let id = app.reserva_creada().await;
    // Before any asynchronous command, the query says nothing of one.
    assert_eq!(app.esperar(&id, 200).await.get("ultima_solicitud"), None);

    // Paying a pending reservation is refused by the lifecycle: the 202 is not silent.
    let ruta = format!("/vuelos/reserva-commando/{id}/pagar");
    assert_eq!(app.post_crudo(&ruta, "").await.status(), 202);
    let reserva = desenlace(&app, &id).await;
    assert_eq!(reserva["estado"], "Pendiente", "{reserva}");
    let ultima = &reserva["ultima_solicitud"];
    assert_eq!(ultima["accion"], "pagar", "{reserva}");
    assert_eq!(ultima["estado"], "Rechazada", "{reserva}");
    assert!(
        ultima["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{reserva}"
    );

    // Approving it is applied; the latest request replaces the refused one.
    let ruta = format!("/vuelos/reserva-commando/{id}/aprobar");
    assert_eq!(app.post_crudo(&ruta, "").await.status(), 202);
    let reserva = desenlace(&app, &id).await;
    assert_eq!(reserva["estado"], "Aprobada", "{reserva}");
    assert_eq!(
        reserva["ultima_solicitud"]["accion"], "aprobar",
        "{reserva}"
    );
    assert_eq!(
        reserva["ultima_solicitud"]["estado"], "Aplicada",
        "{reserva}"
    );
    assert_eq!(
        reserva["ultima_solicitud"]["error"],
        Value::Null,
        "{reserva}"
    );
}

#[tokio::test]
async fn a_lifecycle_command_for_an_unknown_reservation_answers_404() {
    let app = spawn_app().await;
    let ruta = format!("/vuelos/reserva-commando/{}/aprobar", uuid::Uuid::new_v4());
    assert_eq!(app.post_crudo(&ruta, "").await.status(), 404);
    let id = app.reserva_creada().await;
    let ruta = format!("/vuelos/reserva-commando/{id}/volar");
    assert_eq!(app.post_crudo(&ruta, "").await.status(), 404);
}

#[tokio::test]
async fn a_reservation_asked_for_with_a_token_is_listed_under_the_user() {
    let app = spawn_app().await;
    let (usuario, token) = app.usuario_con_token("asincrona@aeroalpes.example").await;
    let respuesta = app
        .post_con_token(
            "/vuelos/reserva-commando",
            &token,
            reserva_bog_mad().to_string(),
        )
        .await;
    assert_eq!(respuesta.status(), 202);
    let id = json(respuesta).await["id"].as_str().unwrap().to_owned();
    let reserva = app.esperar(&id, 200).await;
    assert_eq!(reserva["id_cliente"], json!(usuario));
    let perfil = json(
        app.get_con_token(&format!("/clientes/usuarios/{usuario}"), &token)
            .await,
    )
    .await;
    assert_eq!(perfil["reservas"], json!([id]));
}

#[tokio::test]
async fn an_id_never_asked_for_answers_404() {
    let app = spawn_app().await;
    let ruta = format!("/vuelos/reserva-query/{}", uuid::Uuid::new_v4());
    assert_eq!(app.get(&ruta).await.status(), 404);
}

#[tokio::test]
async fn an_accepted_reservation_publishes_exactly_one_reservation_created_event() {
    let app = spawn_app().await;
    let broker = pulsar::Pulsar::builder(&app.url_broker, pulsar::TokioExecutor)
        .build()
        .await
        .unwrap();
    let mut eventos: pulsar::Consumer<Vec<u8>, _> = broker
        .consumer()
        .with_topic(EventoReservaCreada::TOPICO)
        .with_subscription("prueba-eventos")
        .with_options(
            pulsar::ConsumerOptions::default()
                .with_initial_position(pulsar::consumer::InitialPosition::Earliest),
        )
        .build()
        .await
        .unwrap();
    let id = aceptada(&app, &reserva_bog_mad()).await;

    let mensaje = tokio::time::timeout(PLAZO, eventos.next())
        .await
        .expect("the event in time")
        .unwrap()
        .unwrap();
    eventos.ack(&mensaje).await.unwrap();
    let evento = EventoReservaCreada::decodificar(&mensaje.payload.data, None).unwrap();
    assert_eq!(evento.a_notificacion().unwrap().id_reserva.to_string(), id);
    let otro = tokio::time::timeout(Duration::from_millis(1500), eventos.next()).await;
    assert!(otro.is_err(), "a second event arrived");
}
