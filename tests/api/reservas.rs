//! Creating and reading reservations.

use aeroalpes::startup::MIGRACIONES;
use serde_json::json;

use crate::ayudantes::{
    json, reserva_bog_mad, spawn_app, spawn_app_en, AppDePrueba, PASSWORD, TOKEN_SERVICIO,
};

async fn the_fixture_round_trips(app: &AppDePrueba) {
    let respuesta = app.post_reserva(&reserva_bog_mad()).await;
    assert_eq!(respuesta.status(), 200);
    let creada = json(respuesta).await;
    let id = creada["id"].as_str().unwrap();
    assert_eq!(creada["estado"], "Pendiente");
    assert_eq!(
        creada["itinerarios"],
        reserva_bog_mad()["itinerarios"],
        "the itinerary comes back in the tutorial's shape"
    );

    for ruta in [
        format!("/vuelos/reserva-query/{id}"),
        format!("/vuelos/reserva/{id}"),
    ] {
        let respuesta = app.get(&ruta).await;
        assert_eq!(respuesta.status(), 200, "{ruta}");
        assert_eq!(json(respuesta).await, creada, "{ruta}");
    }
    assert_eq!(
        app.filas(),
        (1, 1),
        "one reservation and one ReservaCreada in the outbox"
    );
}

#[tokio::test]
async fn posting_the_fixture_creates_a_reservation_that_the_query_returns() {
    the_fixture_round_trips(&spawn_app().await).await;
}

#[tokio::test]
async fn posting_the_fixture_creates_a_reservation_on_postgresql_too() {
    if let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) {
        the_fixture_round_trips(&spawn_app_en(base).await).await;
    }
}

#[tokio::test]
async fn dates_are_answered_in_the_tutorial_format() {
    let app = spawn_app().await;
    let creada = json(app.post_reserva(&reserva_bog_mad()).await).await;
    let fecha = creada["fecha_creacion"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(fecha, "%Y-%m-%dT%H:%M:%SZ").is_ok(),
        "{fecha}"
    );
}

#[tokio::test]
async fn a_reservation_can_name_its_client() {
    let app = spawn_app().await;
    let id_cliente = app.usuario_registrado("ana@gmail.com", PASSWORD).await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["id_cliente"] = json!(id_cliente);
    // Booking in a client's name: staff may (the client itself, with its token).
    let respuesta = app.post_reserva_con_token(&cuerpo, TOKEN_SERVICIO).await;
    assert_eq!(respuesta.status(), 200);
    let creada = json(respuesta).await;
    assert_eq!(creada["id_cliente"], json!(id_cliente));
    assert_eq!(app.reservas_de_usuarios(), 1, "the client holds it");
}

#[tokio::test]
async fn a_reservation_naming_a_client_that_does_not_exist_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["id_cliente"] = json!(uuid::Uuid::new_v4().to_string());
    let respuesta = app.post_reserva_con_token(&cuerpo, TOKEN_SERVICIO).await;
    assert_eq!(respuesta.status(), 400);
    assert_eq!(json(respuesta).await["regla"], "UsuarioExiste");
    assert_eq!(app.filas(), (0, 0));
}

#[tokio::test]
async fn the_listing_answers_every_reservation_newest_first_and_filters_by_state() {
    let app = spawn_app().await;
    let primera = app.reserva_creada().await;
    let segunda = app.reserva_creada().await;
    let tercera = app.reserva_creada().await;
    assert_eq!(app.cambiar_estado(&segunda, "cancelar").await.status(), 200);
    assert_eq!(app.cambiar_estado(&tercera, "aprobar").await.status(), 200);
    assert_eq!(app.cambiar_estado(&tercera, "pagar").await.status(), 200);

    let ids = |valor: serde_json::Value| -> Vec<String> {
        valor
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut todas = ids(json(
        app.get_con_token("/vuelos/reserva-query", TOKEN_SERVICIO)
            .await,
    )
    .await);
    todas.sort();
    let mut esperadas = vec![primera.clone(), segunda.clone(), tercera.clone()];
    esperadas.sort();
    assert_eq!(todas, esperadas);
    assert_eq!(
        ids(json(
            app.get_con_token("/vuelos/reserva-query?estado=Cancelada", TOKEN_SERVICIO)
                .await
        )
        .await),
        vec![segunda]
    );
    assert_eq!(
        ids(json(
            app.get_con_token("/vuelos/reserva-query?no_pagadas=true", TOKEN_SERVICIO)
                .await
        )
        .await),
        vec![primera]
    );
    assert_eq!(
        ids(json(
            app.get_con_token("/vuelos/reserva-query?estado=Pagada", TOKEN_SERVICIO)
                .await
        )
        .await),
        vec![tercera]
    );
    assert_eq!(
        json(
            app.get_con_token("/vuelos/reserva-query?limite=2", TOKEN_SERVICIO)
                .await
        )
        .await
        .as_array()
        .unwrap()
        .len(),
        2
    );
}
