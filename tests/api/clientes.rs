//! Registering, logging in, reading and deactivating users, and the reservations they hold.

use aeroalpes::startup::MIGRACIONES;
use serde_json::{json, Value};

use crate::ayudantes::{
    json, logs, registro_empresa, registro_natural, reserva_bog_mad, spawn_app, spawn_app_en,
    AppDePrueba, PASSWORD, TOKEN_SERVICIO,
};

#[tokio::test]
async fn registering_a_natural_client_answers_201_with_its_id_and_location() {
    let app = spawn_app().await;
    let respuesta = app
        .registrar(&registro_natural("ana@gmail.com", PASSWORD))
        .await;
    assert_eq!(respuesta.status(), 201);
    let location = respuesta
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cuerpo = json(respuesta).await;
    let id = cuerpo["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{cuerpo}");
    assert_eq!(
        cuerpo.as_object().unwrap().len(),
        1,
        "only the id: {cuerpo}"
    );
    assert_eq!(location, Some(format!("/clientes/usuarios/{id}")));
}

#[tokio::test]
async fn a_registered_company_reads_back_with_its_rut_and_constitution_date() {
    let app = spawn_app().await;
    let respuesta = app
        .registrar(&registro_empresa("ventas@acme.co", PASSWORD))
        .await;
    assert_eq!(respuesta.status(), 201);
    let id = json(respuesta).await["id"].as_str().unwrap().to_owned();
    let token = app.token("ventas@acme.co", PASSWORD).await;

    let usuario = json(
        app.get_con_token(&format!("/clientes/usuarios/{id}"), &token)
            .await,
    )
    .await;
    assert_eq!(usuario["tipo"], "empresa");
    assert_eq!(usuario["es_empresarial"], true);
    assert_eq!(usuario["documento"]["numero"], 900123456u64);
    assert_eq!(usuario["documento"]["ciudad"]["codigo"], "MDE");
    assert_eq!(usuario["fecha_constitucion"], "2001-03-20");
    assert!(usuario.get("fecha_nacimiento").is_none());
}

#[tokio::test]
async fn registering_an_email_twice_answers_409_whatever_its_case() {
    let app = spawn_app().await;
    app.usuario_registrado("ana@gmail.com", PASSWORD).await;
    let respuesta = app
        .registrar(&registro_empresa("ANA@Gmail.com", "otra clave larga"))
        .await;
    assert_eq!(respuesta.status(), 409);
    assert!(json(respuesta).await["error"].is_string());
}

#[tokio::test]
async fn a_registration_that_breaks_a_rule_answers_400_naming_it() {
    let app = spawn_app().await;
    let con = |cambio: fn(&mut Value)| {
        let mut cuerpo = registro_natural("ana@gmail.com", PASSWORD);
        cambio(&mut cuerpo);
        cuerpo
    };
    let casos = [
        ("EmailValido", con(|c| c["email"] = json!("ana@"))),
        ("PasswordSegura", con(|c| c["password"] = json!("corta"))),
        ("NombreNoVacio", con(|c| c["nombres"] = json!("  "))),
        (
            "MayorDeEdad",
            con(|c| c["fecha_nacimiento"] = json!("2020-01-01")),
        ),
        (
            "CodigoPaisValido",
            con(|c| c["cedula"]["ciudad"]["pais"]["codigo"] = json!("COL")),
        ),
        (
            "NumeroDocumentoValido",
            con(|c| c["cedula"]["numero"] = json!(0)),
        ),
    ];
    for (regla, cuerpo) in casos {
        let respuesta = app.registrar(&cuerpo).await;
        assert_eq!(respuesta.status(), 400, "{regla}");
        assert_eq!(json(respuesta).await["regla"], regla);
    }
}

#[tokio::test]
async fn a_malformed_registration_answers_400_and_registers_nobody() {
    let app = spawn_app().await;
    let mut sin_tipo = registro_natural("ana@gmail.com", PASSWORD);
    sin_tipo.as_object_mut().unwrap().remove("tipo");
    let mut tipo_desconocido = registro_natural("ana@gmail.com", PASSWORD);
    tipo_desconocido["tipo"] = json!("robot");
    let mut sin_cedula = registro_natural("ana@gmail.com", PASSWORD);
    sin_cedula.as_object_mut().unwrap().remove("cedula");
    let mut fecha_mala = registro_natural("ana@gmail.com", PASSWORD);
    fecha_mala["fecha_nacimiento"] = json!("01/05/1990");
    for cuerpo in [sin_tipo, tipo_desconocido, sin_cedula, fecha_mala] {
        let respuesta = app.registrar(&cuerpo).await;
        assert_eq!(respuesta.status(), 400, "{cuerpo}");
        assert!(json(respuesta).await["error"].is_string());
    }
    assert_eq!(
        app.iniciar_sesion("ana@gmail.com", PASSWORD).await.status(),
        401
    );
}

#[tokio::test]
async fn logging_in_answers_a_bearer_token_with_its_expiry() {
    let app = spawn_app().await;
    app.usuario_registrado("ana@gmail.com", PASSWORD).await;
    let respuesta = app.iniciar_sesion("Ana@gmail.com ", PASSWORD).await;
    assert_eq!(respuesta.status(), 200);
    let cuerpo = json(respuesta).await;
    assert_eq!(cuerpo["tipo"], "Bearer");
    assert_eq!(cuerpo["token"].as_str().unwrap().split('.').count(), 3);
    assert!(chrono::NaiveDateTime::parse_from_str(
        cuerpo["expira"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%SZ"
    )
    .is_ok());
}

#[tokio::test]
async fn wrong_credentials_answer_401_without_telling_which_part_was_wrong() {
    let app = spawn_app().await;
    app.usuario_registrado("ana@gmail.com", PASSWORD).await;
    let contrasena_mala = app.iniciar_sesion("ana@gmail.com", "no es la clave").await;
    let email_desconocido = app.iniciar_sesion("nadie@gmail.com", PASSWORD).await;
    assert_eq!(contrasena_mala.status(), 401);
    assert_eq!(email_desconocido.status(), 401);
    assert_eq!(json(contrasena_mala).await, json(email_desconocido).await);
}

#[tokio::test]
async fn a_user_reads_itself_with_its_own_token_only() {
    let app = spawn_app().await;
    let (id, token) = app.usuario_con_token("ana@gmail.com").await;
    let (_, token_ajeno) = app.usuario_con_token("beto@gmail.com").await;
    let ruta = format!("/clientes/usuarios/{id}");

    assert_eq!(app.get(&ruta).await.status(), 401, "no token");
    assert_eq!(
        app.get_con_token(&ruta, "no.es.token").await.status(),
        401,
        "an invalid token"
    );
    let ajeno = app.get_con_token(&ruta, &token_ajeno).await;
    assert_eq!(ajeno.status(), 403, "another user's token");
    assert!(json(ajeno).await["error"].is_string());

    let respuesta = app.get_con_token(&ruta, &token).await;
    assert_eq!(respuesta.status(), 200);
    let usuario = json(respuesta).await;
    assert_eq!(usuario["id"], json!(id));
    assert_eq!(usuario["email"], "ana@gmail.com");
    assert_eq!(usuario["tipo"], "natural");
    assert_eq!(usuario["activo"], true);
    assert_eq!(usuario["reservas"], json!([]));
    assert_eq!(usuario["fecha_nacimiento"], "1990-05-01");
}

#[tokio::test]
async fn a_malformed_user_id_answers_400_and_a_missing_user_404() {
    let app = spawn_app().await;
    let (_, token) = app.usuario_con_token("ana@gmail.com").await;
    let respuesta = app
        .get_con_token("/clientes/usuarios/no-es-un-id", &token)
        .await;
    assert_eq!(respuesta.status(), 400);
    assert!(json(respuesta).await["error"].is_string());

    // A valid token of a user that is not stored (forged for a fresh id) is refused: the
    // user is read on every request.
    let fantasma = uuid::Uuid::new_v4().to_string();
    let token = crate::ayudantes::token_firmado(&fantasma, chrono::Utc::now().timestamp() + 600);
    let ruta = format!("/clientes/usuarios/{fantasma}");
    assert_eq!(app.get_con_token(&ruta, &token).await.status(), 401);
    // Staff asking for a user that does not exist: 404.
    let respuesta = app.get_con_token(&ruta, TOKEN_SERVICIO).await;
    assert_eq!(respuesta.status(), 404);
    assert!(json(respuesta).await["error"].is_string());
}

#[tokio::test]
async fn the_listings_need_staff_and_the_deactivated_one_lists_only_deactivated_users() {
    let app = spawn_app().await;
    let (ana, token_ana) = app.usuario_con_token("ana@gmail.com").await;
    let (beto, token_beto) = app.usuario_con_token("beto@gmail.com").await;
    for ruta in ["/clientes/usuarios", "/clientes/usuarios/desactivados"] {
        assert_eq!(app.get(ruta).await.status(), 401, "{ruta}");
    }
    let desactivado = app
        .post_con_token(
            &format!("/clientes/usuarios/{beto}/desactivar"),
            &token_beto,
            "",
        )
        .await;
    assert_eq!(desactivado.status(), 200);
    assert_eq!(json(desactivado).await["activo"], false);

    let ids = |valor: Value| -> Vec<String> {
        valor
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        app.get_con_token("/clientes/usuarios", &token_ana)
            .await
            .status(),
        403,
        "a client may not list users"
    );
    let todos = app
        .get_con_token("/clientes/usuarios", TOKEN_SERVICIO)
        .await;
    assert_eq!(todos.status(), 200);
    assert_eq!(ids(json(todos).await), vec![ana, beto.clone()]);
    let desactivados = app
        .get_con_token("/clientes/usuarios/desactivados", TOKEN_SERVICIO)
        .await;
    assert_eq!(ids(json(desactivados).await), vec![beto]);
}

#[tokio::test]
async fn a_user_deactivates_itself_only_and_then_can_no_longer_log_in() {
    let app = spawn_app().await;
    let (ana, token_ana) = app.usuario_con_token("ana@gmail.com").await;
    let (_, token_beto) = app.usuario_con_token("beto@gmail.com").await;
    let ruta = format!("/clientes/usuarios/{ana}/desactivar");

    assert_eq!(app.post_crudo(&ruta, "").await.status(), 401);
    assert_eq!(
        app.post_con_token(&ruta, &token_beto, "").await.status(),
        403
    );
    assert_eq!(
        app.iniciar_sesion("ana@gmail.com", PASSWORD).await.status(),
        200,
        "still active after the refused attempts"
    );

    assert_eq!(
        app.post_con_token(&ruta, &token_ana, "").await.status(),
        200
    );
    // Her token stopped working with the deactivation; staff may deactivate her again,
    // which changes nothing.
    assert_eq!(
        app.post_con_token(&ruta, &token_ana, "").await.status(),
        401,
        "a deactivated user's token is refused at once"
    );
    assert_eq!(
        app.post_con_token(&ruta, TOKEN_SERVICIO, "").await.status(),
        200,
        "deactivating twice changes nothing"
    );
    assert_eq!(
        app.iniciar_sesion("ana@gmail.com", PASSWORD).await.status(),
        401
    );
}

/// Register, log in, reserve with the token, and see the reservation under the user.
async fn a_reservation_made_with_a_token_is_listed_under_its_user(app: &AppDePrueba) {
    let id = app.usuario_registrado("ana@gmail.com", PASSWORD).await;
    let token = app.token("ana@gmail.com", PASSWORD).await;

    let respuesta = app.post_reserva_con_token(&reserva_bog_mad(), &token).await;
    assert_eq!(respuesta.status(), 200);
    let reserva = json(respuesta).await;
    assert_eq!(reserva["id_cliente"], json!(id));

    let usuario = json(
        app.get_con_token(&format!("/clientes/usuarios/{id}"), &token)
            .await,
    )
    .await;
    assert_eq!(usuario["reservas"], json!([reserva["id"]]));
    assert_eq!(app.filas(), (1, 1));
    assert_eq!(app.reservas_de_usuarios(), 1);
}

#[tokio::test]
async fn register_log_in_reserve_with_the_token_and_see_the_reservation_under_the_user() {
    a_reservation_made_with_a_token_is_listed_under_its_user(&spawn_app().await).await;
}

#[tokio::test]
async fn register_log_in_reserve_and_list_works_on_postgresql_too() {
    if let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) {
        a_reservation_made_with_a_token_is_listed_under_its_user(&spawn_app_en(base).await).await;
    }
}

#[tokio::test]
async fn a_deactivated_users_reservation_is_refused_and_leaves_no_reservation_row() {
    let app = spawn_app().await;
    let (id, token) = app.usuario_con_token("ana@gmail.com").await;
    let desactivar = format!("/clientes/usuarios/{id}/desactivar");
    assert_eq!(
        app.post_con_token(&desactivar, &token, "").await.status(),
        200
    );

    // Her token no longer works; staff booking in her name is refused by the rule.
    let con_token = app.post_reserva_con_token(&reserva_bog_mad(), &token).await;
    assert_eq!(con_token.status(), 401);
    let mut con_id = reserva_bog_mad();
    con_id["id_cliente"] = json!(id);
    let por_id = app.post_reserva_con_token(&con_id, TOKEN_SERVICIO).await;
    assert_eq!(por_id.status(), 400);
    assert_eq!(json(por_id).await["regla"], "UsuarioActivo");

    assert_eq!(app.filas(), (0, 0), "no reservation row, no outbox row");
    assert_eq!(app.reservas_de_usuarios(), 0);
}

#[tokio::test]
async fn a_password_never_appears_in_a_response_or_a_log_line() {
    let app = spawn_app().await;
    // Unique to this test, so that the shared log buffer can be searched for it.
    let password = format!("clave-{}", uuid::Uuid::new_v4().simple());
    let email = "ana@gmail.com";
    let mut cuerpos = Vec::new();

    let registro = app.registrar(&registro_natural(email, &password)).await;
    assert_eq!(registro.status(), 201);
    let registrado = registro.text().await.unwrap();
    let id = serde_json::from_str::<Value>(&registrado).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    cuerpos.push(registrado);
    let duplicado = app.registrar(&registro_natural(email, &password)).await;
    assert_eq!(duplicado.status(), 409);
    cuerpos.push(duplicado.text().await.unwrap());
    let mut password_no_texto = registro_natural("otra@gmail.com", "");
    password_no_texto["password"] = json!(["no", "es", "texto"]);
    cuerpos.push(
        app.registrar(&password_no_texto)
            .await
            .text()
            .await
            .unwrap(),
    );

    let fallida = app.iniciar_sesion(email, &format!("{password}x")).await;
    assert_eq!(fallida.status(), 401);
    cuerpos.push(fallida.text().await.unwrap());
    let sesion = app.iniciar_sesion(email, &password).await;
    assert_eq!(sesion.status(), 200);
    let sesion = sesion.text().await.unwrap();
    let token = serde_json::from_str::<Value>(&sesion).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    cuerpos.push(sesion);

    for ruta in [
        format!("/clientes/usuarios/{id}"),
        "/clientes/usuarios".to_owned(),
    ] {
        let token = if ruta.ends_with("usuarios") {
            TOKEN_SERVICIO
        } else {
            token.as_str()
        };
        let respuesta = app.get_con_token(&ruta, token).await;
        assert_eq!(respuesta.status(), 200);
        cuerpos.push(respuesta.text().await.unwrap());
    }
    let desactivado = app
        .post_con_token(&format!("/clientes/usuarios/{id}/desactivar"), &token, "")
        .await;
    cuerpos.push(desactivado.text().await.unwrap());

    for cuerpo in &cuerpos {
        assert!(
            !cuerpo.contains(&password),
            "a body shows the password: {cuerpo}"
        );
        assert!(
            !cuerpo.contains("argon2"),
            "a body shows the hash: {cuerpo}"
        );
        assert!(!cuerpo.contains("hash"), "a body names the hash: {cuerpo}");
    }
    let logs = logs();
    assert!(
        logs.contains(&id),
        "the capture holds this test's log lines (they name the user)"
    );
    for (numero, linea) in logs.lines().enumerate() {
        assert!(
            !linea.contains(&password),
            "log line {numero} shows the password: {linea}"
        );
        assert!(
            !linea.contains("$argon2"),
            "log line {numero} shows a hash: {linea}"
        );
    }
}

#[tokio::test]
async fn no_input_to_the_clientes_routes_answers_a_server_error() {
    let app = spawn_app().await;
    let (id, token) = app.usuario_con_token("ana@gmail.com").await;
    let cuerpos: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xff, 0xfe, 0x00],
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{\"password\": 12345678}".to_vec(),
        "{\"email\": \"\u{0}\", \"password\": \"\u{0}\"}"
            .as_bytes()
            .to_vec(),
        json!({"email": "a@b.co", "password": "x".repeat(100_000)})
            .to_string()
            .into_bytes(),
        "[".repeat(10_000).into_bytes(),
    ];
    for ruta in ["/clientes/usuarios", "/clientes/login"] {
        for cuerpo in &cuerpos {
            let estado = app.post_crudo(ruta, cuerpo.clone()).await.status();
            assert!(estado.is_client_error(), "{ruta}: {estado}");
        }
    }
    let mut enorme = registro_natural("b@gmail.com", &"x".repeat(129));
    assert_eq!(app.registrar(&enorme).await.status(), 400);
    enorme["cedula"]["numero"] = json!(u64::MAX);
    assert_eq!(app.registrar(&enorme).await.status(), 400);
    for ruta in [
        "/clientes/usuarios/%00".to_owned(),
        "/clientes/usuarios/%F0%9F%98%80".to_owned(),
        format!("/clientes/usuarios/{id}x"),
    ] {
        let estado = app.get_con_token(&ruta, &token).await.status();
        assert!(estado.is_client_error(), "{ruta}: {estado}");
    }
}
