//! Every kind of bad input answers a 4xx with a JSON `error`, and writes nothing.

use aeroalpes::startup::MIGRACIONES;
use serde_json::{json, Value};

use crate::ayudantes::{
    json, registro_natural, reserva_bog_mad, spawn_app, spawn_app_en, AppDePrueba, PASSWORD,
    TOKEN_SERVICIO,
};

/// Posts a body, checks the status and the JSON error, and that nothing was written.
async fn rechazada(app: &AppDePrueba, cuerpo: impl Into<reqwest::Body>, estado: u16) -> Value {
    let respuesta = app.post_crudo("/vuelos/reserva", cuerpo).await;
    assert_eq!(respuesta.status(), estado);
    let cuerpo = json(respuesta).await;
    assert!(
        cuerpo["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{cuerpo}"
    );
    assert_eq!(
        app.filas(),
        (0, 0),
        "a refused request writes nothing, outbox included"
    );
    cuerpo
}

fn con_leg(cambio: impl FnOnce(&mut Value)) -> Value {
    let mut cuerpo = reserva_bog_mad();
    cambio(&mut cuerpo["itinerarios"][0]["odos"][0]["segmentos"][0]["legs"]);
    cuerpo
}

#[tokio::test]
async fn malformed_json_answers_400() {
    let app = spawn_app().await;
    let cuerpo = rechazada(&app, "{\"itinerarios\": [", 400).await;
    assert!(cuerpo["error"].as_str().unwrap().contains("JSON"));
}

#[tokio::test]
async fn a_missing_field_answers_400_naming_it() {
    let app = spawn_app().await;
    let cuerpo = rechazada(&app, r#"{"itinerarios": [{}]}"#, 400).await;
    assert!(
        cuerpo["error"].as_str().unwrap().contains("odos"),
        "{cuerpo}"
    );
}

#[tokio::test]
async fn a_wrongly_typed_field_answers_400() {
    let app = spawn_app().await;
    rechazada(&app, r#"{"itinerarios": "BOG-MAD"}"#, 400).await;
    rechazada(
        &app,
        json!({"itinerarios": [{"odos": [{"segmentos": [{"legs": [1]}]}]}]}).to_string(),
        400,
    )
    .await;
}

#[tokio::test]
async fn a_bad_date_answers_400_naming_the_rule() {
    let app = spawn_app().await;
    let cuerpo = con_leg(|legs| legs[0]["fecha_salida"] = json!("10/03/2027 22:05"));
    assert_eq!(
        rechazada(&app, cuerpo.to_string(), 400).await["regla"],
        "FormatoFecha"
    );
}

#[tokio::test]
async fn every_broken_rule_answers_400_naming_it() {
    let app = spawn_app().await;
    let casos = [
        ("MinimoUnItinerario", json!({"itinerarios": []})),
        ("ItinerarioConOdos", json!({"itinerarios": [{"odos": []}]})),
        (
            "OdoConSegmentos",
            json!({"itinerarios": [{"odos": [{"segmentos": []}]}]}),
        ),
        (
            "SegmentoConLegs",
            json!({"itinerarios": [{"odos": [{"segmentos": [{"legs": []}]}]}]}),
        ),
        (
            "CodigoIataValido",
            con_leg(|legs| legs[0]["origen"]["codigo"] = json!("BO1")),
        ),
        (
            "OrigenDistintoDeDestino",
            con_leg(|legs| legs[0]["destino"] = legs[0]["origen"].clone()),
        ),
        (
            "LlegadaDespuesDeSalida",
            con_leg(|legs| legs[0]["fecha_llegada"] = json!("2027-03-10T21:00:00Z")),
        ),
        (
            "LegsConectados",
            con_leg(|legs| legs[1]["origen"]["codigo"] = json!("LIS")),
        ),
        (
            "ConexionDespuesDeLlegada",
            con_leg(|legs| legs[1]["fecha_salida"] = json!("2027-03-11T14:00:00Z")),
        ),
        ("IdClienteValido", {
            let mut cuerpo = reserva_bog_mad();
            cuerpo["id_cliente"] = json!("cliente-7");
            cuerpo
        }),
    ];
    for (regla, cuerpo) in casos {
        assert_eq!(
            rechazada(&app, cuerpo.to_string(), 400).await["regla"],
            regla,
            "{cuerpo}"
        );
    }
}

#[tokio::test]
async fn a_body_over_256_kib_answers_413() {
    let app = spawn_app().await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["relleno"] = json!("x".repeat(300 * 1024));
    rechazada(&app, cuerpo.to_string(), 413).await;
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read() {
    let app = spawn_app().await;
    let mut cuerpo = reserva_bog_mad();
    cuerpo["relleno"] = json!("x".repeat(200 * 1024));
    assert_eq!(
        app.post_crudo("/vuelos/reserva", cuerpo.to_string())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn no_input_however_malformed_answers_a_server_error() {
    let app = spawn_app().await;
    let cuerpos: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xff, 0xfe, 0x00],
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{\"itinerarios\": null}".to_vec(),
        "{\"itinerarios\": [{\"odos\": [{\"segmentos\": [{\"legs\": [{\"fecha_salida\": \"\u{0}\"}]}]}]}]}".as_bytes().to_vec(),
        "[".repeat(10_000).into_bytes(),
    ];
    for cuerpo in cuerpos {
        let estado = app.post_crudo("/vuelos/reserva", cuerpo).await.status();
        assert!(estado.is_client_error(), "{estado}");
    }
    for ruta in [
        "/vuelos/reserva-query/%00",
        "/vuelos/reserva/%F0%9F%98%80",
        "/vuelos/reserva-query?estado=Volando",
        "/vuelos/reserva-query?limite=-1",
        "/vuelos/reserva-query?estado=Pagada&no_pagadas=true",
    ] {
        // With staff's token: the listing is staff-only, and its 400s come after that.
        let respuesta = app.get_con_token(ruta, TOKEN_SERVICIO).await;
        assert_eq!(respuesta.status(), 400, "{ruta}");
        assert!(json(respuesta).await["error"].is_string());
    }
    assert_eq!(app.filas(), (0, 0));
}

#[tokio::test]
async fn an_unknown_id_answers_404_and_a_malformed_one_400() {
    let app = spawn_app().await;
    assert_eq!(
        app.get(&format!("/vuelos/reserva-query/{}", uuid::Uuid::new_v4()))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/vuelos/reserva/{}", uuid::Uuid::new_v4()))
            .await
            .status(),
        404
    );
    let respuesta = app.get("/vuelos/reserva-query/no-es-un-id").await;
    assert_eq!(respuesta.status(), 400);
    assert_eq!(json(respuesta).await["regla"], "IdReservaValido");
}

#[tokio::test]
async fn an_unknown_route_answers_a_json_404() {
    let app = spawn_app().await;
    let respuesta = app.get("/no/existe").await;
    assert_eq!(respuesta.status(), 404);
    assert!(json(respuesta).await["error"].is_string());
}

/// A NUL character in any text of a body is 400 on both engines (PostgreSQL cannot store
/// it), and nothing is written.
async fn un_nul_se_rechaza(app: &AppDePrueba) {
    let mut registro = registro_natural("nul@gmail.com", PASSWORD);
    registro["nombres"] = json!("Ana\u{0}");
    let respuesta = app.registrar(&registro).await;
    assert_eq!(respuesta.status(), 400);
    assert!(json(respuesta).await["error"]
        .as_str()
        .unwrap()
        .contains("NUL"));
    let mut reserva = reserva_bog_mad();
    reserva["itinerarios"][0]["odos"][0]["segmentos"][0]["legs"][0]["origen"]["nombre"] =
        json!("\u{0}");
    for ruta in ["/vuelos/reserva", "/vuelos/reserva-commando"] {
        let respuesta = app.post_crudo(ruta, reserva.to_string()).await;
        assert_eq!(respuesta.status(), 400, "{ruta}");
    }
    let credenciales = json!({"email": "nul@gmail.com", "password": "clave\u{0}larga de prueba"});
    let respuesta = app
        .post_crudo("/clientes/login", credenciales.to_string())
        .await;
    assert_eq!(respuesta.status(), 400);
    assert_eq!(app.filas(), (0, 0));
}

#[tokio::test]
async fn a_nul_character_is_refused_with_400_on_sqlite_and_postgresql() {
    un_nul_se_rechaza(&spawn_app().await).await;
    if let Some(base) = seedwork_pruebas::bases::postgresql(&MIGRACIONES) {
        un_nul_se_rechaza(&spawn_app_en(base).await).await;
    }
}

/// A body trickled a byte at a time does not hold the connection forever: 408 once
/// `PLAZO_CUERPO` passes, on a route that reads a body and on one with an Idempotency-Key.
#[tokio::test]
async fn a_trickled_body_is_timed_out_with_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let direccion = app.direccion.trim_start_matches("http://").to_owned();
    let goteos = ["", "Idempotency-Key: goteo\r\n"].map(|extra| {
        let direccion = direccion.clone();
        async move {
            let mut conexion = tokio::net::TcpStream::connect(&direccion).await.unwrap();
            let cabecera = format!(
                "POST /vuelos/reserva HTTP/1.1\r\nhost: prueba\r\n{extra}content-length: 1000\r\n\r\n{{"
            );
            conexion.write_all(cabecera.as_bytes()).await.unwrap();
            let inicio = std::time::Instant::now();
            let mut respuesta = Vec::new();
            let mut trozo = [0u8; 1024];
            loop {
                tokio::select! {
                    leidos = conexion.read(&mut trozo) => {
                        match leidos {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                respuesta.extend_from_slice(&trozo[..n]);
                                if respuesta.windows(4).any(|w| w == b"\r\n\r\n") {
                                    break;
                                }
                            }
                        }
                    }
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {
                        let _ = conexion.write_all(b" ").await;
                    }
                }
                assert!(inicio.elapsed() < std::time::Duration::from_secs(20), "never timed out");
            }
            (String::from_utf8_lossy(&respuesta).into_owned(), inicio.elapsed())
        }
    });
    for (respuesta, tardo) in futures::future::join_all(goteos).await {
        assert!(respuesta.starts_with("HTTP/1.1 408"), "{respuesta}");
        assert!(tardo >= std::time::Duration::from_secs(9), "{tardo:?}");
    }
}

/// Values that parse but mean nothing are refused with the rule they break: a leap
/// second, years outside 2000–2100, blank names, names with control characters, births
/// before 1900.
#[tokio::test]
async fn values_that_parse_but_mean_nothing_are_refused() {
    let app = spawn_app().await;
    let leg = |cambio: &dyn Fn(&mut Value)| {
        let mut cuerpo = reserva_bog_mad();
        cambio(&mut cuerpo["itinerarios"][0]["odos"][0]["segmentos"][0]["legs"][0]);
        cuerpo
    };
    for (regla, cuerpo) in [
        (
            "FormatoFecha",
            leg(&|l| l["fecha_salida"] = json!("2027-03-10T23:59:60Z")),
        ),
        (
            "FormatoFecha",
            leg(&|l| l["fecha_salida"] = json!("+99999-03-10T22:05:00Z")),
        ),
        (
            "FechaEnRango",
            leg(&|l| l["fecha_salida"] = json!("1900-03-10T22:05:00Z")),
        ),
        (
            "NombreAeropuerto",
            leg(&|l| l["origen"]["nombre"] = json!("   ")),
        ),
        (
            "NombreAeropuerto",
            leg(&|l| l["origen"]["nombre"] = json!("El\nDorado")),
        ),
    ] {
        let respuesta = app.post_reserva(&cuerpo).await;
        assert_eq!(respuesta.status(), 400, "{regla}");
        assert_eq!(json(respuesta).await["regla"], regla);
    }
    for (campo, valor) in [
        ("nombres", json!("  ")),
        ("apellidos", json!("Pérez\u{1b}[2J")),
        ("fecha_nacimiento", json!("1899-12-31")),
    ] {
        let mut registro = registro_natural("valores@gmail.com", PASSWORD);
        registro[campo] = valor;
        let respuesta = app.registrar(&registro).await;
        assert_eq!(respuesta.status(), 400, "{campo}");
    }
    assert_eq!(app.filas(), (0, 0));
}
