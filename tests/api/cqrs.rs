//! CQRS across processes: a command service (`AEROALPES_ROL=comandos`) on the write model
//! and query services (`queries`) each on a database of its own, fed only by the messages
//! on the broker. The query services here are never given the write database.

use std::time::Duration;

use aeroalpes::configuracion::Rol;
use aeroalpes::startup::{MIGRACIONES, MIGRACIONES_QUERIES};
use seedwork_pruebas::bases::{self, BaseDePrueba};
use serde_json::Value;

use crate::ayudantes::{
    json, registro_natural, reserva_bog_mad, spawn_app_con_rol, AppDePrueba, TOKEN_SERVICIO,
};

// A bound, not a timing: a rebuild replays every topic, and CI machines are busy.
const PLAZO: Duration = Duration::from_secs(60);

/// Asks `ruta` of `app` as staff until `condicion` holds for its status and body.
async fn hasta(app: &AppDePrueba, ruta: &str, condicion: impl Fn(u16, &Value) -> bool) -> Value {
    hasta_con(app, ruta, TOKEN_SERVICIO, condicion).await
}

/// Asks `ruta` of `app` with `token` until `condicion` holds for its status and body.
async fn hasta_con(
    app: &AppDePrueba,
    ruta: &str,
    token: &str,
    condicion: impl Fn(u16, &Value) -> bool,
) -> Value {
    let limite = tokio::time::Instant::now() + PLAZO;
    loop {
        let respuesta = app.get_con_token(ruta, token).await;
        let estado = respuesta.status().as_u16();
        let cuerpo: Value = respuesta.json().await.unwrap_or(Value::Null);
        if condicion(estado, &cuerpo) {
            return cuerpo;
        }
        assert!(
            tokio::time::Instant::now() < limite,
            "{ruta} never met the condition (last: {estado} {cuerpo})"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn aceptado(app: &AppDePrueba, ruta: &str, cuerpo: String) -> String {
    let respuesta = app.post_con_token(ruta, TOKEN_SERVICIO, cuerpo).await;
    assert_eq!(respuesta.status(), 202, "{ruta}");
    json(respuesta).await["id"].as_str().unwrap().to_owned()
}

/// The whole list a query service answers, as staff.
async fn lista(app: &AppDePrueba) -> Value {
    json(
        app.get_con_token("/vuelos/reserva-query?limite=1000", TOKEN_SERVICIO)
            .await,
    )
    .await
}

/// A command service on `escritura` and a query service on `lectura`, sharing the
/// command service's embedded broker.
async fn servicios(escritura: BaseDePrueba, lectura: BaseDePrueba) -> (AppDePrueba, AppDePrueba) {
    let comandos = spawn_app_con_rol(escritura, None, Rol::Comandos).await;
    let queries = spawn_app_con_rol(lectura, Some(comandos.url_broker.clone()), Rol::Queries).await;
    (comandos, queries)
}

async fn el_servicio_de_consultas_responde_desde_su_propia_vista(
    escritura: BaseDePrueba,
    lectura: BaseDePrueba,
    reconstruida: BaseDePrueba,
) {
    let (comandos, queries) = servicios(escritura, lectura).await;

    // A creation, then its lifecycle, all accepted asynchronously by the command service.
    let id = aceptado(
        &comandos,
        "/vuelos/reserva-commando",
        reserva_bog_mad().to_string(),
    )
    .await;
    let creada = hasta(&queries, &format!("/vuelos/reserva-query/{id}"), |e, _| {
        e == 200
    })
    .await;
    assert_eq!(creada["estado"], "Pendiente");
    assert_eq!(creada["itinerarios"], reserva_bog_mad()["itinerarios"]);
    for accion in ["aprobar", "pagar"] {
        aceptado(
            &comandos,
            &format!("/vuelos/reserva-commando/{id}/{accion}"),
            String::new(),
        )
        .await;
    }
    let pagada = hasta(&queries, &format!("/vuelos/reserva-query/{id}"), |_, r| {
        r["estado"] == "Pagada" && r["ultima_solicitud"]["estado"] == "Aplicada"
    })
    .await;
    assert_eq!(pagada["ultima_solicitud"]["accion"], "pagar");

    // A lifecycle command the lifecycle refuses: its refusal reaches the read model.
    let otra = aceptado(
        &comandos,
        "/vuelos/reserva-commando",
        reserva_bog_mad().to_string(),
    )
    .await;
    hasta(
        &queries,
        &format!("/vuelos/reserva-query/{otra}"),
        |e, _| e == 200,
    )
    .await;
    aceptado(
        &comandos,
        &format!("/vuelos/reserva-commando/{otra}/pagar"),
        String::new(),
    )
    .await;
    let rechazo = hasta(
        &queries,
        &format!("/vuelos/reserva-query/{otra}"),
        |_, r| r["ultima_solicitud"]["estado"] == "Rechazada",
    )
    .await;
    assert_eq!(rechazo["estado"], "Pendiente");
    assert!(rechazo["ultima_solicitud"]["error"]
        .as_str()
        .is_some_and(|razon| razon.contains("Pendiente")));

    // A creation the command's handler refuses (staff books for a client that does not
    // exist): the query service answers the refusal.
    let mut sin_cliente = reserva_bog_mad();
    sin_cliente["id_cliente"] = uuid::Uuid::now_v7().to_string().into();
    let rechazada = aceptado(
        &comandos,
        "/vuelos/reserva-commando",
        sin_cliente.to_string(),
    )
    .await;
    let cuerpo = hasta(
        &queries,
        &format!("/vuelos/reserva-query/{rechazada}"),
        |e, _| e == 422,
    )
    .await;
    assert_eq!(cuerpo["estado"], "Rechazada");

    // The lists, by state too, come from the read model.
    let pagadas = json(
        queries
            .get_con_token("/vuelos/reserva-query?estado=Pagada", TOKEN_SERVICIO)
            .await,
    )
    .await;
    assert_eq!(pagadas.as_array().map(Vec::len), Some(1));
    assert_eq!(pagadas[0]["id"], id.as_str());
    let todas = lista(&queries).await;
    assert_eq!(todas.as_array().map(Vec::len), Some(2));

    // A query service started on an empty database rebuilds the same read model from the
    // events the broker retains.
    let nueva = spawn_app_con_rol(
        reconstruida,
        Some(comandos.url_broker.clone()),
        Rol::Queries,
    )
    .await;
    let esperada = todas.clone();
    hasta(&nueva, "/vuelos/reserva-query?limite=1000", |_, cuerpo| {
        *cuerpo == esperada
    })
    .await;
    // Every message is replayed, on topics read side by side: each reservation converges
    // to the same answer, whatever order its messages came in.
    for reserva in [&id, &otra] {
        let ruta = format!("/vuelos/reserva-query/{reserva}");
        let esperada = json(queries.get_con_token(&ruta, TOKEN_SERVICIO).await).await;
        hasta(&nueva, &ruta, |_, cuerpo| *cuerpo == esperada).await;
    }
    // The refusal travels on a topic of its own: it too arrives in its time.
    hasta(
        &nueva,
        &format!("/vuelos/reserva-query/{rechazada}"),
        |estado, _| estado == 422,
    )
    .await;
}

#[tokio::test]
async fn a_query_service_answers_from_its_own_read_model_and_a_new_one_rebuilds_it_on_sqlite() {
    el_servicio_de_consultas_responde_desde_su_propia_vista(
        bases::sqlite(&MIGRACIONES),
        bases::sqlite(&MIGRACIONES_QUERIES),
        bases::sqlite(&MIGRACIONES_QUERIES),
    )
    .await;
}

#[tokio::test]
async fn a_query_service_answers_from_its_own_read_model_and_a_new_one_rebuilds_it_on_postgresql() {
    let (Some(escritura), Some(lectura), Some(reconstruida)) = (
        bases::postgresql(&MIGRACIONES),
        bases::postgresql(&MIGRACIONES_QUERIES),
        bases::postgresql(&MIGRACIONES_QUERIES),
    ) else {
        return;
    };
    el_servicio_de_consultas_responde_desde_su_propia_vista(escritura, lectura, reconstruida).await;
}

async fn los_usuarios_y_sus_reservas_se_consultan_en_la_vista(
    escritura: BaseDePrueba,
    lectura: BaseDePrueba,
) {
    let (comandos, queries) = servicios(escritura, lectura).await;
    let (id_usuario, token) = comandos.usuario_con_token("ana@example.com").await;
    let usuario = format!("/clientes/usuarios/{id_usuario}");

    // The client's token is honoured by the query service once the registration reached it.
    let registrado = hasta_con(&queries, &usuario, &token, |e, _| e == 200).await;
    assert_eq!(registrado["email"], "ana@example.com");
    assert_eq!(registrado["activo"], true);
    assert_eq!(registrado["reservas"], serde_json::json!([]));

    // A reservation booked with the token is the client's in both read models.
    let respuesta = comandos
        .post_con_token(
            "/vuelos/reserva-commando",
            &token,
            reserva_bog_mad().to_string(),
        )
        .await;
    assert_eq!(respuesta.status(), 202);
    let id = json(respuesta).await["id"].as_str().unwrap().to_owned();
    let reserva = hasta_con(
        &queries,
        &format!("/vuelos/reserva-query/{id}"),
        &token,
        |e, _| e == 200,
    )
    .await;
    assert_eq!(reserva["id_cliente"], id_usuario.as_str());
    let con_reserva = hasta_con(&queries, &usuario, &token, |_, u| {
        u["reservas"] == serde_json::json!([id])
    })
    .await;
    // The whole user travelled with its registration (but its password).
    let registro = registro_natural("ana@example.com", "x");
    for campo in ["nombres", "apellidos", "tipo", "fecha_nacimiento"] {
        assert_eq!(con_reserva[campo], registro[campo], "{campo}");
    }
    assert_eq!(con_reserva["documento"], registro["cedula"]);
    assert_eq!(con_reserva["es_empresarial"], true);
    assert!(con_reserva.get("password").is_none());
    let otro = comandos.usuario_con_token("otro@example.com").await.1;
    hasta_con(
        &queries,
        &format!("/vuelos/reserva-query/{id}"),
        &otro,
        |e, _| e == 403,
    )
    .await;

    // Staff lists users from the read model.
    let todos = hasta(&queries, "/clientes/usuarios", |_, lista| {
        lista.as_array().map(Vec::len) == Some(2)
    })
    .await;
    assert_eq!(todos[0]["id"], id_usuario.as_str());

    // Deactivated on the command service, the user's token is refused by the query service.
    let respuesta = comandos
        .post_con_token(&format!("{usuario}/desactivar"), &token, "")
        .await;
    assert_eq!(respuesta.status(), 200);
    hasta_con(&queries, &usuario, &token, |e, _| e == 401).await;
    let desactivados = hasta(&queries, "/clientes/usuarios/desactivados", |_, lista| {
        lista.as_array().map(Vec::len) == Some(1)
    })
    .await;
    assert_eq!(desactivados[0]["activo"], false);
}

#[tokio::test]
async fn users_and_their_reservations_are_read_from_the_query_service_on_sqlite() {
    los_usuarios_y_sus_reservas_se_consultan_en_la_vista(
        bases::sqlite(&MIGRACIONES),
        bases::sqlite(&MIGRACIONES_QUERIES),
    )
    .await;
}

#[tokio::test]
async fn users_and_their_reservations_are_read_from_the_query_service_on_postgresql() {
    let (Some(escritura), Some(lectura)) = (
        bases::postgresql(&MIGRACIONES),
        bases::postgresql(&MIGRACIONES_QUERIES),
    ) else {
        return;
    };
    los_usuarios_y_sus_reservas_se_consultan_en_la_vista(escritura, lectura).await;
}

#[tokio::test]
async fn each_service_serves_only_the_routes_of_its_role() {
    let (comandos, queries) = servicios(
        bases::sqlite(&MIGRACIONES),
        bases::sqlite(&MIGRACIONES_QUERIES),
    )
    .await;
    let id = uuid::Uuid::now_v7();
    for ruta in [
        format!("/vuelos/reserva-query/{id}"),
        "/vuelos/reserva-query".to_owned(),
    ] {
        assert_eq!(comandos.get(&ruta).await.status(), 404, "{ruta}");
    }
    for ruta in ["/vuelos/reserva-commando", "/clientes/login"] {
        let respuesta = queries.post_crudo(ruta, "{}").await;
        assert_eq!(respuesta.status(), 404, "{ruta}");
        assert!(json(respuesta).await["error"].is_string());
    }
    // A path both sides serve (`POST` registers, `GET` lists) takes only its role's method.
    let registro = queries.post_crudo("/clientes/usuarios", "{}").await;
    assert_eq!(registro.status(), 405);
    assert_eq!(comandos.get("/clientes/usuarios").await.status(), 405);
    assert_eq!(
        comandos
            .get(&format!("/clientes/usuarios/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(queries.get("/health/ready").await.status(), 200);
    assert_eq!(comandos.get("/health/ready").await.status(), 200);
}
