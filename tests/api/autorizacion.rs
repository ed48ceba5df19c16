//! The README's authorization table, cell by cell: every route against an anonymous
//! request, the reservation's (or user's) own client, another client, staff (a user whose
//! e-mail is in `AEROALPES_PERSONAL`) and the service token, on the synchronous and the
//! asynchronous routes; a deactivated user's token; log-in throttling.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::ayudantes::*;

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
enum Quien<'a> {
    Anonimo,
    Token(&'a str),
}

struct Actores {
    dueno: (String, String),
    otro: (String, String),
    personal: String,
}

async fn actores(app: &AppDePrueba) -> Actores {
    let dueno = app.usuario_con_token("duena@gmail.com").await;
    let otro = app.usuario_con_token("otro@gmail.com").await;
    let (_, personal) = app.usuario_con_token(EMAIL_PERSONAL).await;
    Actores {
        dueno,
        otro,
        personal,
    }
}

async fn pedir(
    app: &AppDePrueba,
    quien: Quien<'_>,
    metodo: Method,
    ruta: &str,
    cuerpo: Option<&Value>,
) -> Response {
    let mut solicitud = app
        .cliente
        .request(metodo, format!("{}{ruta}", app.direccion));
    if let Quien::Token(token) = quien {
        solicitud = solicitud.bearer_auth(token);
    }
    if let Some(cuerpo) = cuerpo {
        solicitud = solicitud.json(cuerpo);
    }
    solicitud.send().await.expect("the server answers")
}

/// Asserts each (who, expected status) of one request.
async fn celdas(
    app: &AppDePrueba,
    metodo: Method,
    ruta: &str,
    cuerpo: Option<&Value>,
    esperado: &[(&str, Quien<'_>, u16)],
) {
    for (nombre, quien, estado) in esperado {
        let respuesta = pedir(app, *quien, metodo.clone(), ruta, cuerpo).await;
        let obtenido = respuesta.status().as_u16();
        let texto = respuesta.text().await.unwrap_or_default();
        assert_eq!(obtenido, *estado, "{metodo} {ruta} as {nombre}: {texto}");
    }
}

fn con_cliente(id: &str) -> Value {
    let mut reserva = reserva_bog_mad();
    reserva["id_cliente"] = json!(id);
    reserva
}

async fn reserva_de(app: &AppDePrueba, token: &str) -> String {
    let respuesta = app.post_reserva_con_token(&reserva_bog_mad(), token).await;
    assert_eq!(respuesta.status(), 200);
    json(respuesta).await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

#[tokio::test]
async fn a_clients_reservation_is_read_and_changed_only_by_that_client_or_staff() {
    let app = spawn_app().await;
    let a = actores(&app).await;
    let (dueno, otro, personal) = (a.dueno.1.as_str(), a.otro.1.as_str(), a.personal.as_str());
    let id = reserva_de(&app, dueno).await;
    for ruta in [
        format!("/vuelos/reserva/{id}"),
        format!("/vuelos/reserva-query/{id}"),
    ] {
        celdas(
            &app,
            Method::GET,
            &ruta,
            None,
            &[
                ("anonymous", Quien::Anonimo, 401),
                ("its client", Quien::Token(dueno), 200),
                ("another client", Quien::Token(otro), 403),
                ("staff", Quien::Token(personal), 200),
                ("the service", Quien::Token(TOKEN_SERVICIO), 200),
            ],
        )
        .await;
    }
    // Changes: the refused ones first (they change nothing), then the allowed ones.
    for (ruta, permitido) in [
        (format!("/vuelos/reserva/{id}/aprobar"), 200),
        (format!("/vuelos/reserva-commando/{id}/pagar"), 202),
    ] {
        celdas(
            &app,
            Method::POST,
            &ruta,
            None,
            &[
                ("anonymous", Quien::Anonimo, 401),
                ("another client", Quien::Token(otro), 403),
                ("its client", Quien::Token(dueno), permitido),
            ],
        )
        .await;
    }
    let de_personal = reserva_de(&app, dueno).await;
    for (ruta, permitido) in [
        (format!("/vuelos/reserva/{de_personal}/cancelar"), 200),
        (
            format!("/vuelos/reserva-commando/{de_personal}/cancelar"),
            202,
        ),
    ] {
        celdas(
            &app,
            Method::POST,
            &ruta,
            None,
            &[("staff", Quien::Token(personal), permitido)],
        )
        .await;
    }
    let del_servicio = reserva_de(&app, dueno).await;
    celdas(
        &app,
        Method::POST,
        &format!("/vuelos/reserva/{del_servicio}/aprobar"),
        None,
        &[("the service", Quien::Token(TOKEN_SERVICIO), 200)],
    )
    .await;
}

#[tokio::test]
async fn an_anonymous_reservation_is_read_and_changed_by_whoever_holds_its_id() {
    let app = spawn_app().await;
    let a = actores(&app).await;
    let id = app.reserva_creada().await;
    celdas(
        &app,
        Method::GET,
        &format!("/vuelos/reserva-query/{id}"),
        None,
        &[
            ("anonymous", Quien::Anonimo, 200),
            ("a client", Quien::Token(&a.dueno.1), 200),
            ("staff", Quien::Token(&a.personal), 200),
        ],
    )
    .await;
    celdas(
        &app,
        Method::POST,
        &format!("/vuelos/reserva/{id}/aprobar"),
        None,
        &[("anonymous", Quien::Anonimo, 200)],
    )
    .await;
    celdas(
        &app,
        Method::POST,
        &format!("/vuelos/reserva-commando/{id}/pagar"),
        None,
        &[("a client", Quien::Token(&a.otro.1), 202)],
    )
    .await;
}

#[tokio::test]
async fn booking_in_a_clients_name_needs_its_token_synchronously_and_asynchronously() {
    let app = spawn_app().await;
    let a = actores(&app).await;
    let (id_dueno, dueno) = (a.dueno.0.as_str(), a.dueno.1.as_str());
    let a_su_nombre = con_cliente(id_dueno);
    for (ruta, creada) in [("/vuelos/reserva", 200), ("/vuelos/reserva-commando", 202)] {
        celdas(
            &app,
            Method::POST,
            ruta,
            Some(&a_su_nombre),
            &[
                ("anonymous", Quien::Anonimo, 401),
                ("another client", Quien::Token(&a.otro.1), 403),
                ("its client", Quien::Token(dueno), creada),
                ("staff", Quien::Token(&a.personal), creada),
                ("the service", Quien::Token(TOKEN_SERVICIO), creada),
            ],
        )
        .await;
        // Without a client: anonymous, or the token's own.
        celdas(
            &app,
            Method::POST,
            ruta,
            Some(&reserva_bog_mad()),
            &[
                ("anonymous", Quien::Anonimo, creada),
                ("a client", Quien::Token(dueno), creada),
            ],
        )
        .await;
    }
    // What staff booked in the client's name is the client's.
    let respuesta = app.post_reserva_con_token(&a_su_nombre, &a.personal).await;
    assert_eq!(json(respuesta).await["id_cliente"], json!(id_dueno));
}

#[tokio::test]
async fn listings_and_other_users_data_are_staff_only() {
    let app = spawn_app().await;
    let a = actores(&app).await;
    let (dueno, otro, personal) = (a.dueno.1.as_str(), a.otro.1.as_str(), a.personal.as_str());
    for ruta in [
        "/vuelos/reserva-query",
        "/clientes/usuarios",
        "/clientes/usuarios/desactivados",
    ] {
        celdas(
            &app,
            Method::GET,
            ruta,
            None,
            &[
                ("anonymous", Quien::Anonimo, 401),
                ("a client", Quien::Token(dueno), 403),
                ("staff", Quien::Token(personal), 200),
                ("the service", Quien::Token(TOKEN_SERVICIO), 200),
            ],
        )
        .await;
    }
    let usuario = format!("/clientes/usuarios/{}", a.dueno.0);
    celdas(
        &app,
        Method::GET,
        &usuario,
        None,
        &[
            ("anonymous", Quien::Anonimo, 401),
            ("itself", Quien::Token(dueno), 200),
            ("another client", Quien::Token(otro), 403),
            ("staff", Quien::Token(personal), 200),
        ],
    )
    .await;
    let desactivar = format!("/clientes/usuarios/{}/desactivar", a.otro.0);
    celdas(
        &app,
        Method::POST,
        &desactivar,
        None,
        &[
            ("anonymous", Quien::Anonimo, 401),
            ("another client", Quien::Token(dueno), 403),
            ("staff", Quien::Token(personal), 200),
        ],
    )
    .await;
    let propia = format!("/clientes/usuarios/{}/desactivar", a.dueno.0);
    celdas(
        &app,
        Method::POST,
        &propia,
        None,
        &[("itself", Quien::Token(dueno), 200)],
    )
    .await;
    // Public routes.
    for ruta in ["/health", "/health/live", "/metrics", "/spec"] {
        celdas(
            &app,
            Method::GET,
            ruta,
            None,
            &[("anonymous", Quien::Anonimo, 200)],
        )
        .await;
    }
}

#[tokio::test]
async fn a_deactivated_users_token_stops_working_at_once() {
    let app = spawn_app().await;
    let (id, token) = app.usuario_con_token("breve@gmail.com").await;
    let propia = format!("/clientes/usuarios/{id}");
    celdas(
        &app,
        Method::GET,
        &propia,
        None,
        &[("itself", Quien::Token(&token), 200)],
    )
    .await;
    celdas(
        &app,
        Method::POST,
        &format!("{propia}/desactivar"),
        None,
        &[("itself", Quien::Token(&token), 200)],
    )
    .await;
    celdas(
        &app,
        Method::GET,
        &propia,
        None,
        &[("itself, deactivated", Quien::Token(&token), 401)],
    )
    .await;
    celdas(
        &app,
        Method::POST,
        "/vuelos/reserva",
        Some(&reserva_bog_mad()),
        &[("itself, deactivated", Quien::Token(&token), 401)],
    )
    .await;
}

#[tokio::test]
async fn failed_log_ins_are_throttled_per_e_mail() {
    let app = spawn_app().await;
    app.usuario_registrado("asediada@gmail.com", PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(
            app.iniciar_sesion("asediada@gmail.com", "no es la clave")
                .await
                .status(),
            401
        );
    }
    let bloqueada = app.iniciar_sesion("asediada@gmail.com", PASSWORD).await;
    assert_eq!(bloqueada.status(), 429);
    let espera: u64 = bloqueada.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&espera), "{espera}");
    // This test's connections all come from 127.0.0.1: the address is blocked too.
    assert_eq!(
        app.iniciar_sesion("otra@gmail.com", PASSWORD)
            .await
            .status(),
        429
    );
}
