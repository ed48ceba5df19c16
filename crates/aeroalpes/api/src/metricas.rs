//! `GET /metrics`: the service's Prometheus metrics, in the text format. Public, like the
//! health routes: it tells counts and latencies, nothing about any client.

use actix_web::{web, HttpResponse};

use crate::contexto::Contexto;
use crate::errores::{CuerpoError, ErrorApi};

/// The content type of Prometheus' text format.
const TEXTO_PROMETHEUS: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(metricas)));
}

/// Prometheus metrics (text format 0.0.4): requests, commands, outbox, relay, consumers.
#[utoipa::path(get, path = "/metrics", tag = "salud",
    responses((status = 200, description = "The metrics in Prometheus' text format; the README's Metrics section lists them", content_type = "text/plain", body = String),
              (status = 503, description = "The outbox gauges could not be read in time (the database does not answer)", body = CuerpoError)))]
pub async fn metricas(contexto: web::Data<Contexto>) -> Result<HttpResponse, ErrorApi> {
    let metricas = contexto.metricas.clone();
    let texto = tokio::time::timeout(
        crate::salud::PLAZO_COMPROBACIONES,
        web::block(move || metricas.exponer()),
    )
    .await
    .map_err(|_| ErrorApi::NoDisponible("las métricas no se leyeron a tiempo".into()))?
    .map_err(|error| ErrorApi::Interno(Box::new(error)))?;
    Ok(HttpResponse::Ok()
        .content_type(TEXTO_PROMETHEUS)
        .body(texto))
}
