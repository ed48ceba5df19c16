//! Approving, paying and cancelling reservations.

use crate::ayudantes::{json, spawn_app};

#[tokio::test]
async fn a_reservation_goes_from_pending_to_approved_to_paid() {
    let app = spawn_app().await;
    let id = app.reserva_creada().await;
    let aprobada = app.cambiar_estado(&id, "aprobar").await;
    assert_eq!(aprobada.status(), 200);
    assert_eq!(json(aprobada).await["estado"], "Aprobada");
    let pagada = app.cambiar_estado(&id, "pagar").await;
    assert_eq!(pagada.status(), 200);
    assert_eq!(json(pagada).await["estado"], "Pagada");
    assert_eq!(
        json(app.get(&format!("/vuelos/reserva-query/{id}")).await).await["estado"],
        "Pagada"
    );
    assert_eq!(
        app.filas(),
        (1, 3),
        "creada, aprobada and pagada events in the outbox"
    );
}

#[tokio::test]
async fn a_pending_reservation_can_be_cancelled() {
    let app = spawn_app().await;
    let id = app.reserva_creada().await;
    let cancelada = app.cambiar_estado(&id, "cancelar").await;
    assert_eq!(cancelada.status(), 200);
    assert_eq!(json(cancelada).await["estado"], "Cancelada");
}

#[tokio::test]
async fn a_forbidden_transition_answers_409_and_writes_nothing() {
    let app = spawn_app().await;
    let id = app.reserva_creada().await;
    let respuesta = app.cambiar_estado(&id, "pagar").await;
    assert_eq!(respuesta.status(), 409);
    assert!(json(respuesta).await["error"]
        .as_str()
        .unwrap()
        .contains("Pendiente"));
    assert_eq!(
        json(app.get(&format!("/vuelos/reserva-query/{id}")).await).await["estado"],
        "Pendiente"
    );
    assert_eq!(app.filas(), (1, 1), "no event for the refused transition");

    assert_eq!(app.cambiar_estado(&id, "cancelar").await.status(), 200);
    assert_eq!(
        app.cambiar_estado(&id, "aprobar").await.status(),
        409,
        "a cancelled reservation stays cancelled"
    );
}

#[tokio::test]
async fn a_lifecycle_action_on_an_unknown_reservation_answers_404() {
    let app = spawn_app().await;
    let respuesta = app
        .cambiar_estado(&uuid::Uuid::new_v4().to_string(), "aprobar")
        .await;
    assert_eq!(respuesta.status(), 404);
    assert!(json(respuesta).await["error"].is_string());
}

#[tokio::test]
async fn an_unknown_action_answers_404() {
    let app = spawn_app().await;
    let id = app.reserva_creada().await;
    assert_eq!(app.cambiar_estado(&id, "volar").await.status(), 404);
}
