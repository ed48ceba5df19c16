//! Bearer tokens: optional on the tutorial's routes, required to read or change a user,
//! and refused with 401 when expired, tampered with or malformed. Failed log-ins counted
//! per client address behind a trusted proxy.

use chrono::Utc;
use serde_json::json;

use crate::ayudantes::{
    cliente_desde, json, reserva_bog_mad, spawn_app, spawn_app_tras_proxies, token_firmado,
    AppDePrueba,
};

/// A token the server issued, with one character of its signature changed.
fn manipulado(token: &str) -> String {
    let mut caracteres: Vec<char> = token.chars().collect();
    let ultimo = caracteres.len() - 2;
    caracteres[ultimo] = if caracteres[ultimo] == 'A' { 'B' } else { 'A' };
    caracteres.into_iter().collect()
}

/// The claims of one genuine token under the signature of another: a forged identity.
fn empalmado(firma_de: &str, reclamos_de: &str) -> String {
    let firmado: Vec<&str> = firma_de.split('.').collect();
    let reclamos = reclamos_de.split('.').nth(1).unwrap_or_default();
    format!("{}.{reclamos}.{}", firmado[0], firmado[2])
}

/// Asserts that the request was refused with 401, a JSON error and the Bearer challenge.
async fn no_autenticada(respuesta: reqwest::Response) -> String {
    assert_eq!(respuesta.status(), 401);
    assert!(respuesta
        .headers()
        .get("www-authenticate")
        .is_some_and(|v| v.as_bytes().starts_with(b"Bearer")));
    json(respuesta).await["error"]
        .as_str()
        .expect("a JSON error")
        .to_owned()
}

/// Every route that reads a token, with that token; answers how each was refused.
async fn con_token_en_cada_ruta(app: &AppDePrueba, id: &str, token: &str) -> Vec<String> {
    let mut errores = Vec::new();
    for ruta in [
        format!("/clientes/usuarios/{id}"),
        "/clientes/usuarios".to_owned(),
        "/clientes/usuarios/desactivados".to_owned(),
    ] {
        errores.push(no_autenticada(app.get_con_token(&ruta, token).await).await);
    }
    let desactivar = format!("/clientes/usuarios/{id}/desactivar");
    errores.push(no_autenticada(app.post_con_token(&desactivar, token, "").await).await);
    let reserva = app.post_reserva_con_token(&reserva_bog_mad(), token).await;
    errores.push(no_autenticada(reserva).await);
    assert_eq!(app.filas(), (0, 0), "a refused token writes nothing");
    errores
}

#[tokio::test]
async fn an_expired_token_answers_401_saying_it_expired() {
    let app = spawn_app().await;
    let (id, _) = app.usuario_con_token("ana@gmail.com").await;
    let vencido = token_firmado(&id, Utc::now().timestamp() - 1);
    for error in con_token_en_cada_ruta(&app, &id, &vencido).await {
        assert!(error.contains("expirado"), "{error}");
    }
}

#[tokio::test]
async fn a_tampered_token_answers_401() {
    let app = spawn_app().await;
    let (id, token) = app.usuario_con_token("ana@gmail.com").await;
    let (_, token_beto) = app.usuario_con_token("beto@gmail.com").await;
    for falso in [manipulado(&token), empalmado(&token, &token_beto)] {
        for error in con_token_en_cada_ruta(&app, &id, &falso).await {
            assert!(error.contains("inválido"), "{error}");
        }
    }
    assert_eq!(
        app.get_con_token(&format!("/clientes/usuarios/{id}"), &token)
            .await
            .status(),
        200,
        "the genuine token still works"
    );
}

#[tokio::test]
async fn a_token_signed_with_another_secret_answers_401() {
    let app = spawn_app().await;
    let (id, _) = app.usuario_con_token("ana@gmail.com").await;
    let reclamos = json!({
        "sub": id,
        "iss": clientes_infraestructura::emisor_jwt::EMISOR,
        "exp": Utc::now().timestamp() + 600,
    });
    let ajeno = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &reclamos,
        &jsonwebtoken::EncodingKey::from_secret(b"otro secreto de al menos treinta y dos bytes"),
    )
    .unwrap();
    con_token_en_cada_ruta(&app, &id, &ajeno).await;
}

#[tokio::test]
async fn a_malformed_authorization_header_answers_401_even_on_the_tutorials_routes() {
    let app = spawn_app().await;
    for cabecera in ["Basic YW5hOmNsYXZl", "Bearer", "Bearer    ", "token"] {
        let respuesta = app
            .cliente
            .post(format!("{}/vuelos/reserva", app.direccion))
            .header("Authorization", cabecera)
            .body(reserva_bog_mad().to_string())
            .send()
            .await
            .unwrap();
        no_autenticada(respuesta).await;
    }
    assert_eq!(app.filas(), (0, 0));
}

#[tokio::test]
async fn the_tutorials_routes_never_require_a_token() {
    let app = spawn_app().await;
    let respuesta = app.post_reserva(&reserva_bog_mad()).await;
    assert_eq!(respuesta.status(), 200);
    let reserva = json(respuesta).await;
    assert_eq!(reserva["id_cliente"], serde_json::Value::Null);
    let id = reserva["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/vuelos/reserva-query/{id}"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_token_and_an_id_cliente_of_another_user_answer_403_and_write_nothing() {
    let app = spawn_app().await;
    let (ana, token_ana) = app.usuario_con_token("ana@gmail.com").await;
    let (beto, _) = app.usuario_con_token("beto@gmail.com").await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["id_cliente"] = json!(beto);
    let respuesta = app.post_reserva_con_token(&cuerpo, &token_ana).await;
    assert_eq!(respuesta.status(), 403);
    assert!(json(respuesta).await["error"].is_string());
    assert_eq!(app.filas(), (0, 0));

    cuerpo["id_cliente"] = json!(ana);
    let respuesta = app.post_reserva_con_token(&cuerpo, &token_ana).await;
    assert_eq!(respuesta.status(), 200, "the token's own id is accepted");
    assert_eq!(json(respuesta).await["id_cliente"], json!(ana));
}

/// A log-in with a wrong password for `email` through `cliente`, sending `cabeceras`: its
/// status.
async fn fallida(
    app: &AppDePrueba,
    cliente: &reqwest::Client,
    email: &str,
    cabeceras: &[(&str, &str)],
) -> u16 {
    let mut solicitud = cliente
        .post(format!("{}/clientes/login", app.direccion))
        .json(&json!({ "email": email, "password": "no es la clave" }));
    for &(nombre, valor) in cabeceras {
        solicitud = solicitud.header(nombre, valor);
    }
    let respuesta = solicitud.send().await.expect("the server answers");
    respuesta.status().as_u16()
}

/// Five failed log-ins through `cliente` with `cabeceras`, each for another e-mail, so
/// that only the address's count fills.
async fn cinco_fallidas(app: &AppDePrueba, cliente: &reqwest::Client, cabeceras: &[(&str, &str)]) {
    for intento in 0..5 {
        let email = format!("nadie-{intento}@gmail.com");
        assert_eq!(fallida(app, cliente, &email, cabeceras).await, 401);
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_failed_log_ins_count_per_x_real_ip() {
    let app = spawn_app_tras_proxies("127.0.0.1").await;
    let gateway = cliente_desde("127.0.0.1");
    let ana = [("X-Real-IP", "203.0.113.7")];
    cinco_fallidas(&app, &gateway, &ana).await;
    assert_eq!(fallida(&app, &gateway, "otra@gmail.com", &ana).await, 429);
    let por_cadena = [("X-Forwarded-For", "203.0.113.7, 127.0.0.1")];
    assert_eq!(
        fallida(&app, &gateway, "otra@gmail.com", &por_cadena).await,
        429,
        "X-Forwarded-For names the same client"
    );
    let beto = [("X-Real-IP", "203.0.113.8")];
    assert_eq!(
        fallida(&app, &gateway, "otra@gmail.com", &beto).await,
        401,
        "another client behind the same gateway is not throttled"
    );
}

#[tokio::test]
async fn an_untrusted_peer_sending_x_real_ip_is_throttled_by_its_own_address() {
    let app = spawn_app_tras_proxies("127.0.0.1").await;
    let (gateway, impostor) = (cliente_desde("127.0.0.1"), cliente_desde("127.0.0.2"));
    let victima = [("X-Real-IP", "203.0.113.7")];
    cinco_fallidas(&app, &impostor, &victima).await;
    let otra = [("X-Real-IP", "203.0.113.8")];
    assert_eq!(
        fallida(&app, &impostor, "otra@gmail.com", &otra).await,
        429,
        "counted against its own address, whatever it names"
    );
    assert_eq!(
        fallida(&app, &gateway, "otra@gmail.com", &victima).await,
        401,
        "the address it named was not throttled"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_a_malformed_x_real_ip_counts_against_the_proxy() {
    let app = spawn_app_tras_proxies("127.0.0.1").await;
    let gateway = cliente_desde("127.0.0.1");
    cinco_fallidas(&app, &gateway, &[("X-Real-IP", "no es una dirección")]).await;
    assert_eq!(fallida(&app, &gateway, "otra@gmail.com", &[]).await, 429);
    let cliente = [("X-Real-IP", "203.0.113.7")];
    assert_eq!(
        fallida(&app, &gateway, "otra@gmail.com", &cliente).await,
        401
    );
}
