//! The HTTP API: routes of every module, the JSON body reader, and the single mapping of
//! errors to HTTP responses.

pub mod autenticacion;
pub mod clientes;
pub mod cuerpo;
pub mod documentacion;
pub mod errores;
pub mod salud;
pub mod vuelos;

use actix_web::{web, HttpResponse};

use crate::api::errores::ErrorApi;

/// Registers every route of the API.
pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|error, _| {
        ErrorApi::solicitud(format!("parámetros inválidos: {error}")).into()
    }))
    .configure(salud::rutas)
    .configure(documentacion::rutas)
    .configure(vuelos::rutas)
    .configure(clientes::rutas)
    .default_service(web::to(ruta_desconocida));
}

async fn ruta_desconocida() -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({ "error": "ruta no encontrada" }))
}
