//! `GET /spec`: the OpenAPI document of every route; `GET /docs`: Swagger UI over it.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;
use vuelos_aplicacion::dto::{
    AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, ReservaDTO, SegmentoDTO, SolicitudReservaDTO,
};

use crate::api::{salud, vuelos};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AeroAlpes",
        description = "Flight reservations: a hexagonal DDD modular monolith."
    ),
    paths(
        salud::salud,
        vuelos::crear_reserva,
        vuelos::obtener_reserva,
        vuelos::listar_reservas,
        vuelos::cambiar_estado
    ),
    components(schemas(
        SolicitudReservaDTO,
        ReservaDTO,
        ItinerarioDTO,
        OdoDTO,
        SegmentoDTO,
        LegDTO,
        AeropuertoDTO
    ))
)]
pub struct DocumentoApi;

pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.route("/spec", web::get().to(spec))
        .route("/docs", web::get().to(docs));
}

async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(DocumentoApi::openapi())
}

/// Swagger UI, loaded by the browser from a CDN: the binary ships no UI assets.
async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("../../static/docs.html"))
}
