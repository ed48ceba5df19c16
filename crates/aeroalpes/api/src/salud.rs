//! `GET /health`: up when the database answers.

use actix_web::{web, HttpResponse};
use seedwork_dominio::{Causa, ConCausas};
use serde_json::json;

use crate::contexto::Contexto;

pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(salud));
}

/// Health of the service and its database.
#[utoipa::path(get, path = "/health", tag = "salud",
    responses((status = 200, description = "The service and its database are up", example = json!({"status": "up"})),
              (status = 503, description = "The database does not answer")))]
pub async fn salud(contexto: web::Data<Contexto>) -> HttpResponse {
    let salud = contexto.salud.clone();
    match web::block(move || salud.verificar())
        .await
        .map_err(Causa::from)
        .and_then(|r| r)
    {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "up" })),
        Err(causa) => {
            tracing::warn!(causa = %ConCausas(&*causa), "la base de datos no responde");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "down", "error": "la base de datos no responde" }))
        }
    }
}
