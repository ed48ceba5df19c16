//! Every answer carries its request id back (`X-Request-Id`), whatever its status, so a
//! client can quote it and an operator can find the request's log lines.

use crate::ayudantes::spawn_app;

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
