//! The HTTP API of AeroAlpes: routes of every module, the JSON body reader, and the single
//! mapping of errors to HTTP responses. It calls the application layers through the ports
//! of [`Contexto`] and depends on no infraestructura crate; the composition root
//! (`aeroalpes::startup`) fills the context.
#![forbid(unsafe_code)]

pub mod acceso;
pub mod autenticacion;
pub mod autorizacion;
pub mod clientes;
pub mod contexto;
pub mod cuerpo;
pub mod documentacion;
pub mod errores;
pub mod idempotencia;
pub mod limites;
pub mod metricas;
pub mod salud;
pub mod vuelos;

use actix_web::{web, HttpResponse};

pub use contexto::{
    BacklogOutbox, Contexto, EstadoIdempotencia, Idempotencia, InformeSalud, Metricas,
    RespuestaGuardada, Salud, VerificadorTokens,
};

use crate::errores::ErrorApi;

/// Registers every route of the API.
pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|error, _| {
        ErrorApi::solicitud(format!("parámetros inválidos: {error}")).into()
    }))
    .configure(salud::rutas)
    .configure(metricas::rutas)
    .configure(documentacion::rutas)
    .configure(vuelos::rutas)
    .configure(clientes::rutas)
    .default_service(web::to(ruta_desconocida));
}

async fn ruta_desconocida() -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({ "error": "ruta no encontrada" }))
}
