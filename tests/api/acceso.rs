//! Every answer carries its request id back (`X-Request-Id`), whatever its status, so a
//! client can quote it and an operator can find the request's log lines.

use crate::ayudantes::{logs, reserva_bog_mad, spawn_app, TOKEN_SERVICIO};

#[tokio::test]
async fn every_answer_names_its_request_id_and_each_request_has_its_own() {
    let app = spawn_app().await;
    let mut vistos = Vec::new();
    for (ruta, estado) in [
        ("/spec", 200),
        ("/vuelos/reserva-query/no-es-un-id", 400),
        ("/ruta/que/no/existe", 404),
    ] {
        let respuesta = app.get(ruta).await;
        assert_eq!(respuesta.status(), estado, "{ruta}");
        let id = respuesta
            .headers()
            .get("x-request-id")
            .unwrap_or_else(|| panic!("{ruta} answers no X-Request-Id"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{ruta}: {id}");
        vistos.push(id);
    }
    vistos.sort();
    vistos.dedup();
    assert_eq!(vistos.len(), 3, "one id per request");
}

/// Newlines and terminal codes a client sends (in the query, the path, a body) cannot
/// forge a log line: they reach the log escaped, inside the line that reports them.
#[tokio::test]
async fn a_client_cannot_forge_a_log_line() {
    let app = spawn_app().await;
    let forjado = "%0A2026-11-29T18:00:00Z%20ERROR%20forjado-por-consulta%1B%5B2J";
    let respuesta = app
        .get_con_token(
            &format!("/vuelos/reserva-query?estado={forjado}"),
            TOKEN_SERVICIO,
        )
        .await;
    assert_eq!(respuesta.status(), 400);
    let mut cuerpo = reserva_bog_mad();
    cuerpo["id_cliente"] = serde_json::json!("x\n2026-11-29T18:00:00Z ERROR forjado-por-cuerpo");
    assert_eq!(app.post_reserva(&cuerpo).await.status(), 400);
    assert_eq!(
        app.get("/vuelos/reserva-query/%0A2026-11-29T18:00:00Z%20ERROR%20forjado-por-ruta")
            .await
            .status(),
        400
    );
    let registro = logs();
    for linea in registro.lines() {
        assert!(
            !linea.starts_with("2026-11-29T18:00:00Z"),
            "a forged line: {linea:?}"
        );
        assert!(!linea.contains('\u{1b}'), "a terminal code: {linea:?}");
    }
    for forjado in [
        "forjado-por-consulta",
        "forjado-por-cuerpo",
        "forjado-por-ruta",
    ] {
        assert!(
            registro
                .lines()
                .any(|l| l.contains(forjado) && l.contains("\\n2026-11-29")),
            "{forjado} is logged, escaped, within its line"
        );
    }
}

/// A request id the caller chose (the gateway's, or a client's) is the request's id: it is
/// answered back and names the access line. One that is not a plain token is replaced.
#[tokio::test]
async fn a_plain_request_id_from_the_caller_is_kept_and_an_odd_one_replaced() {
    let app = spawn_app().await;
    let con_id = |id: &str| {
        app.cliente
            .get(format!("{}/spec", app.direccion))
            .header("x-request-id", id)
            .send()
    };
    let propio = format!("gateway-{}", uuid::Uuid::new_v4().simple());
    let respuesta = con_id(&propio).await.unwrap();
    assert_eq!(respuesta.headers()["x-request-id"], propio.as_str());
    assert!(
        logs()
            .lines()
            .any(|l| l.contains("petición atendida") && l.contains(&propio)),
        "the access line names {propio}"
    );

    for raro in ["dos palabras", &"x".repeat(65)] {
        let respuesta = con_id(raro).await.unwrap();
        let id = respuesta.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{raro:?} answered {id}");
    }
}
