//! Health and API description.

use crate::ayudantes::{json, spawn_app};

#[tokio::test]
async fn health_answers_up_when_the_database_answers() {
    let app = spawn_app().await;
    let respuesta = app.get("/health").await;
    assert_eq!(respuesta.status(), 200);
    assert_eq!(json(respuesta).await, serde_json::json!({ "status": "up" }));
}

#[tokio::test]
async fn the_spec_describes_every_route() {
    let app = spawn_app().await;
    let spec = json(app.get("/spec").await).await;
    let rutas = spec["paths"].as_object().unwrap();
    for ruta in [
        "/health",
        "/vuelos/reserva",
        "/vuelos/reserva-query",
        "/vuelos/reserva-query/{id}",
        "/vuelos/reserva/{id}/{accion}",
        "/clientes/usuarios",
        "/clientes/usuarios/desactivados",
        "/clientes/usuarios/{id}",
        "/clientes/usuarios/{id}/desactivar",
        "/clientes/login",
    ] {
        assert!(rutas.contains_key(ruta), "{ruta} is missing from /spec");
    }
    assert!(spec["components"]["schemas"]["ReservaDTO"].is_object());
    assert!(spec["components"]["schemas"]["RegistroUsuarioDTO"].is_object());
    assert!(spec["components"]["schemas"]["UsuarioDTO"].is_object());
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(
        spec["paths"]["/clientes/usuarios/{id}"]["get"]["security"].is_array(),
        "reading a user names the bearer scheme"
    );
}

#[tokio::test]
async fn the_docs_page_points_at_the_spec() {
    let app = spawn_app().await;
    let respuesta = app.get("/docs").await;
    assert_eq!(respuesta.status(), 200);
    assert!(respuesta.text().await.unwrap().contains("/spec"));
}
