//! `GET /spec`: the OpenAPI document of every route; `GET /docs`: Swagger UI over it.

use actix_web::{web, HttpResponse};
use clientes_aplicacion::dto::{
    CiudadDTO, CredencialesDTO, DatosClienteDTO, DocumentoDTO, PaisDTO, RegistroUsuarioDTO,
    TipoClienteDTO, TokenDTO, UsuarioDTO,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use vuelos_aplicacion::dto::{
    AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, ReservaDTO, SegmentoDTO, SolicitudReservaDTO,
};

use crate::{clientes, salud, vuelos};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AeroAlpes",
        description = "Flight reservations: a hexagonal DDD modular monolith."
    ),
    paths(
        salud::salud,
        salud::vivo,
        salud::listo,
        vuelos::crear_reserva,
        vuelos::obtener_reserva,
        vuelos::listar_reservas,
        vuelos::cambiar_estado,
        vuelos::crear_reserva_asincrona,
        vuelos::cambiar_estado_asincrono,
        clientes::registrar,
        clientes::iniciar_sesion,
        clientes::listar_usuarios,
        clientes::listar_desactivados,
        clientes::obtener_usuario,
        clientes::desactivar
    ),
    components(schemas(
        SolicitudReservaDTO,
        ReservaDTO,
        ItinerarioDTO,
        OdoDTO,
        SegmentoDTO,
        LegDTO,
        AeropuertoDTO,
        RegistroUsuarioDTO,
        DatosClienteDTO,
        DocumentoDTO,
        CiudadDTO,
        PaisDTO,
        CredencialesDTO,
        TokenDTO,
        UsuarioDTO,
        TipoClienteDTO,
        clientes::UsuarioCreado
    )),
    modifiers(&EsquemaBearer)
)]
pub struct DocumentoApi;

/// Declares the `bearer` security scheme the routes that take a token refer to.
struct EsquemaBearer;

impl Modify for EsquemaBearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let esquema = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some("The token of `POST /clientes/login`"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(esquema));
    }
}

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
        .body(include_str!("../static/docs.html"))
}
