//! `Idempotency-Key` on creating and changing POSTs: a retry gets the first answer and
//! changes nothing, another request with the key is 422, and a retry after a creation that
//! committed but was never answered books nothing new. Anonymous keys belong to the
//! client's address, the one a trusted proxy names when the request comes through it.

use diesel::prelude::*;
use reqwest::Response;
use serde_json::Value;

use crate::ayudantes::*;

async fn con_clave(app: &AppDePrueba, ruta: &str, clave: &str, cuerpo: &Value) -> Response {
    con_clave_de(app, None, ruta, clave, cuerpo).await
}

/// A POST with an `Idempotency-Key`, anonymous or with a bearer `token`.
async fn con_clave_de(
    app: &AppDePrueba,
    token: Option<&str>,
    ruta: &str,
    clave: &str,
    cuerpo: &Value,
) -> Response {
    let mut solicitud = app
        .cliente
        .post(format!("{}{ruta}", app.direccion))
        .header("Idempotency-Key", clave)
        .json(cuerpo);
    if let Some(token) = token {
        solicitud = solicitud.bearer_auth(token);
    }
    solicitud.send().await.expect("the server answers")
}

async fn mismo_dos_veces(app: &AppDePrueba, ruta: &str, estado: u16) -> Value {
    let primera = con_clave(app, ruta, &format!("clave-{ruta}"), &reserva_bog_mad()).await;
    assert_eq!(primera.status(), estado);
    assert!(primera.headers().get("idempotency-replayed").is_none());
    let ubicacion = primera.headers().get("location").cloned();
    let primera: Value = json(primera).await;
    let segunda = con_clave(app, ruta, &format!("clave-{ruta}"), &reserva_bog_mad()).await;
    assert_eq!(segunda.status(), estado, "the same answer again");
    assert_eq!(segunda.headers()["idempotency-replayed"], "true");
    assert_eq!(segunda.headers().get("location").cloned(), ubicacion);
    assert_eq!(json(segunda).await, primera);
    primera
}

#[tokio::test]
async fn the_same_key_and_request_twice_books_once_and_answers_the_same() {
    let app = spawn_app().await;
    let sincrona = mismo_dos_veces(&app, "/vuelos/reserva", 200).await;
    let asincrona = mismo_dos_veces(&app, "/vuelos/reserva-commando", 202).await;
    let id = asincrona["id"].as_str().unwrap();
    app.listo_con(200, PLAZO_LISTO).await;
    // One reservation each: the asynchronous one handled once.
    let limite = tokio::time::Instant::now() + PLAZO_LISTO;
    while app.filas().0 < 2 {
        assert!(
            tokio::time::Instant::now() < limite,
            "the asynchronous one never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(app.filas().0, 2, "{sincrona} and {id}, once each");

    // A change: the second is the first's answer, not a 409 of the lifecycle.
    let ruta = format!(
        "/vuelos/reserva/{}/aprobar",
        sincrona["id"].as_str().unwrap()
    );
    let vacio = serde_json::json!({});
    for _ in 0..2 {
        let respuesta = con_clave(&app, &ruta, "aprobar-una-vez", &vacio).await;
        assert_eq!(respuesta.status(), 200);
    }
}

#[tokio::test]
async fn the_same_key_with_another_request_is_422_and_keys_are_per_credentials() {
    let app = spawn_app().await;
    let primera = con_clave(&app, "/vuelos/reserva", "k-1", &reserva_bog_mad()).await;
    assert_eq!(primera.status(), 200);
    let mut otra = reserva_bog_mad();
    otra["itinerarios"][0]["odos"][0]["segmentos"][0]["legs"][0]["origen"]["nombre"] =
        serde_json::json!("Otro aeropuerto");
    let respuesta = con_clave(&app, "/vuelos/reserva", "k-1", &otra).await;
    assert_eq!(respuesta.status(), 422);
    assert!(json(respuesta).await["error"]
        .as_str()
        .unwrap()
        .contains("Idempotency-Key"));
    // Another client's key of the same name is its own.
    let (_, token) = app.usuario_con_token("otra@gmail.com").await;
    let suya = con_clave_de(
        &app,
        Some(&token),
        "/vuelos/reserva",
        "k-1",
        &reserva_bog_mad(),
    )
    .await;
    assert_eq!(suya.status(), 200);
    assert!(suya.headers().get("idempotency-replayed").is_none());
    // A malformed key is 400.
    let mala = con_clave(
        &app,
        "/vuelos/reserva",
        &"k".repeat(300),
        &reserva_bog_mad(),
    )
    .await;
    assert_eq!(mala.status(), 400);
}

/// A refusal (401 without a token, 403 for another client, 404 for an unknown route, 400
/// for a bad body) changed nothing and is not kept: the same key with another request is
/// not 422, and the key is free for the request once it is right.
#[tokio::test]
async fn refused_requests_keep_nothing_under_their_key() {
    let app = spawn_app().await;
    let vacio = serde_json::json!({});
    let ajeno = "/clientes/usuarios/00000000-0000-4000-8000-000000000000/desactivar";
    let anonima = con_clave(&app, ajeno, "k-rechazada", &vacio).await;
    assert_eq!(anonima.status(), 401);
    let otra = con_clave(
        &app,
        "/clientes/usuarios/otro/desactivar",
        "k-rechazada",
        &vacio,
    )
    .await;
    assert_eq!(
        otra.status(),
        401,
        "not 422: the first refusal kept nothing"
    );
    // Another client's user: 403, kept neither.
    let (_, token) = app.usuario_con_token("otra@gmail.com").await;
    let prohibida = con_clave_de(&app, Some(&token), ajeno, "k-rechazada", &vacio).await;
    assert_eq!(prohibida.status(), 403);
    let desconocida = con_clave(&app, "/no/existe", "k-rechazada", &vacio).await;
    assert_eq!(desconocida.status(), 404);
    let mala = con_clave(&app, "/vuelos/reserva", "k-rechazada", &vacio).await;
    assert_eq!(mala.status(), 400);
    assert_eq!(app.contar("idempotencia"), 0, "refusals leave no row");
    let buena = con_clave(&app, "/vuelos/reserva", "k-rechazada", &reserva_bog_mad()).await;
    assert_eq!(buena.status(), 200, "the key is free for the right request");
}

/// Without credentials a key belongs to the client's address: two anonymous clients that
/// pick the same key (and send the same fixture) each book their own reservation, and
/// neither sees the other's answer, whose id is the reservation's capability.
#[tokio::test]
async fn anonymous_clients_on_different_addresses_do_not_share_keys() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for cliente in [cliente_desde("127.0.0.1"), cliente_desde("127.0.0.2")] {
        let respuesta = cliente
            .post(format!("{}/vuelos/reserva", app.direccion))
            .header("Idempotency-Key", "1")
            .json(&reserva_bog_mad())
            .send()
            .await
            .unwrap();
        assert_eq!(respuesta.status(), 200);
        assert!(respuesta.headers().get("idempotency-replayed").is_none());
        ids.push(json(respuesta).await["id"].clone());
    }
    assert_ne!(ids[0], ids[1]);
    assert_eq!(app.filas().0, 2);
}

/// What an anonymous creation with a key answered: the reservation's id, and whether it was
/// a replay.
struct Anonima {
    id: Value,
    repetida: bool,
}

/// The fixture booked anonymously with `Idempotency-Key: 1` through `cliente`, sending
/// `cabeceras` (what a proxy adds, or a client pretends).
async fn anonima(
    app: &AppDePrueba,
    cliente: &reqwest::Client,
    cabeceras: &[(&str, &str)],
) -> Anonima {
    let mut solicitud = cliente
        .post(format!("{}/vuelos/reserva", app.direccion))
        .header("Idempotency-Key", "1")
        .json(&reserva_bog_mad());
    for &(nombre, valor) in cabeceras {
        solicitud = solicitud.header(nombre, valor);
    }
    let respuesta = solicitud.send().await.expect("the server answers");
    assert_eq!(respuesta.status(), 200, "{cabeceras:?}");
    let repetida = respuesta.headers().get("idempotency-replayed").is_some();
    Anonima {
        id: json(respuesta).await["id"].clone(),
        repetida,
    }
}

/// Behind the gateway every connection comes from the gateway: an anonymous key belongs to
/// the client it names, in `X-Real-IP` or, without it, in `X-Forwarded-For`.
#[tokio::test]
async fn behind_a_trusted_proxy_anonymous_keys_belong_to_the_address_it_names() {
    let app = spawn_app_tras_proxies("127.0.0.1").await;
    let gateway = cliente_desde("127.0.0.1");
    let ana = anonima(&app, &gateway, &[("X-Real-IP", "203.0.113.7")]).await;
    let beto = anonima(&app, &gateway, &[("X-Real-IP", "203.0.113.8")]).await;
    assert!(!ana.repetida && !beto.repetida, "two clients, two answers");
    assert_ne!(ana.id, beto.id);
    let ana_otra_vez = anonima(&app, &gateway, &[("X-Real-IP", "203.0.113.7")]).await;
    assert!(
        ana_otra_vez.repetida,
        "the same client gets its answer again"
    );
    assert_eq!(ana_otra_vez.id, ana.id);
    // The right-most hop that is not a trusted proxy.
    let cadena = [("X-Forwarded-For", "198.51.100.1, 203.0.113.8, 127.0.0.1")];
    let beto_otra_vez = anonima(&app, &gateway, &cadena).await;
    assert!(beto_otra_vez.repetida);
    assert_eq!(beto_otra_vez.id, beto.id);
    assert_eq!(app.filas().0, 2);
}

/// A client that connects directly and names another client's address is not believed: it
/// cannot read that client's answer, and its keys are its own address's whatever it names.
#[tokio::test]
async fn an_untrusted_peer_sending_x_real_ip_is_scoped_by_its_own_address() {
    let app = spawn_app_tras_proxies("127.0.0.1").await;
    let victima = anonima(
        &app,
        &cliente_desde("127.0.0.1"),
        &[("X-Real-IP", "203.0.113.7")],
    )
    .await;
    let impostor = cliente_desde("127.0.0.2");
    let suplantada = anonima(&app, &impostor, &[("X-Real-IP", "203.0.113.7")]).await;
    assert!(!suplantada.repetida, "not the victim's answer");
    assert_ne!(suplantada.id, victima.id);
    let cabeceras = [
        ("X-Real-IP", "203.0.113.9"),
        ("X-Forwarded-For", "203.0.113.9"),
    ];
    let otra = anonima(&app, &impostor, &cabeceras).await;
    assert!(otra.repetida, "its own address's key, whatever it names");
    assert_eq!(otra.id, suplantada.id);
}

/// Through a trusted proxy, an address header that does not parse (or a chain longer than
/// is read) is no error: the key belongs to the proxy's own address.
#[tokio::test]
async fn behind_a_trusted_proxy_a_malformed_address_header_falls_back_to_the_peer() {
    let app = spawn_app_tras_proxies("127.0.0.1").await;
    let gateway = cliente_desde("127.0.0.1");
    let primera = anonima(&app, &gateway, &[("X-Real-IP", "no es una dirección")]).await;
    assert!(!primera.repetida);
    let larga = vec!["127.0.0.1"; 1_000].join(",");
    for cabeceras in [
        &[][..],
        &[("X-Real-IP", "203.0.113.7, 203.0.113.8")],
        &[("X-Real-IP", "203.0.113.7:443")],
        &[("X-Forwarded-For", "unknown")],
        &[("X-Forwarded-For", "203.0.113.7,,127.0.0.1")],
        &[("X-Forwarded-For", &larga)],
    ] {
        let otra = anonima(&app, &gateway, cabeceras).await;
        assert!(otra.repetida, "{cabeceras:?}");
        assert_eq!(otra.id, primera.id);
    }
}

#[tokio::test]
async fn a_retry_after_a_creation_that_committed_but_was_never_answered_books_nothing_new() {
    let app = spawn_app().await;
    let primera = con_clave(&app, "/vuelos/reserva", "caida", &reserva_bog_mad()).await;
    assert_eq!(primera.status(), 200);
    let id = json(primera).await["id"].as_str().unwrap().to_owned();
    // As if the process died after the commit: the answer was never kept, and the key
    // was taken long enough ago to count as abandoned.
    {
        use seedwork_persistencia::esquema::idempotencia;
        let mut conexion = app.base.base.conexion().unwrap();
        let hace_rato = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(5);
        diesel::update(idempotencia::table)
            .set((
                idempotencia::estado.eq(None::<i32>),
                idempotencia::cuerpo.eq(None::<Vec<u8>>),
                idempotencia::fecha_creacion.eq(hace_rato),
            ))
            .execute(&mut conexion)
            .unwrap();
    }
    let reintento = con_clave(&app, "/vuelos/reserva", "caida", &reserva_bog_mad()).await;
    assert_eq!(reintento.status(), 200);
    assert_eq!(
        json(reintento).await["id"],
        serde_json::json!(id),
        "the same reservation"
    );
    assert_eq!(app.filas().0, 1, "no second reservation");
}
