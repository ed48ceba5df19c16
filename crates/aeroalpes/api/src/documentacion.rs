//! `GET /spec`: the OpenAPI document of every route; `GET /docs`: Swagger UI over it, with
//! its assets served from the binary, so that it works offline.

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpResponse};
use clientes_aplicacion::dto::{
    CiudadDTO, CredencialesDTO, DatosClienteDTO, DocumentoDTO, PaisDTO, RegistroUsuarioDTO,
    TipoClienteDTO, TokenDTO, UsuarioDTO,
};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};
use vuelos_aplicacion::dto::{
    AeropuertoDTO, ItinerarioDTO, LegDTO, OdoDTO, ReservaDTO, SegmentoDTO, SolicitudReservaDTO,
    UltimaSolicitudDTO,
};

use crate::{clientes, metricas, salud, vuelos};

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
        metricas::metricas,
        spec,
        docs,
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
        UltimaSolicitudDTO,
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
    modifiers(&EsquemaBearer, &ClaveIdempotencia, &Alias)
)]
pub struct DocumentoApi;

/// The routes that answer as another one (`vuelos::rutas` registers both): the alias, then
/// the documented route.
const ALIAS: [(&str, &str); 3] = [
    ("/vuelos/reserva/{id}", "/vuelos/reserva-query/{id}"),
    ("/vuelos/reserva-comando", "/vuelos/reserva-commando"),
    (
        "/vuelos/reserva-comando/{id}/{accion}",
        "/vuelos/reserva-commando/{id}/{accion}",
    ),
];

/// Documents each route of [`ALIAS`] as a copy of the route it stands for.
struct Alias;

impl Modify for Alias {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (alias, original) in ALIAS {
            let Some(item) = openapi.paths.paths.get(original) else {
                continue;
            };
            let mut copia = item.clone();
            copia.summary = Some(format!("The same as `{original}`"));
            for operacion in operaciones(&mut copia) {
                // Operation ids are unique in a document.
                operacion.operation_id = operacion
                    .operation_id
                    .as_ref()
                    .map(|id| format!("{id}_alias"));
            }
            openapi.paths.paths.insert(alias.to_owned(), copia);
        }
    }
}

fn operaciones(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
        &mut item.query,
    ]
    .into_iter()
    .flatten()
    .chain(item.additional_operations.values_mut())
}

/// Documents `Idempotency-Key` on every POST that creates or changes (all but the log-in;
/// see [`crate::idempotencia`]): the header, a replayed answer's marker, and the 409 and
/// 422 it may answer. Runs before [`Alias`], which copies the documented routes.
struct ClaveIdempotencia;

impl Modify for ClaveIdempotencia {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, RefOr, ResponseBuilder, Type};
        for (ruta, item) in openapi.paths.paths.iter_mut() {
            if ruta == "/clientes/login" {
                continue;
            }
            let Some(operacion) = item.post.as_mut() else {
                continue;
            };
            let cabecera = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "1 to 255 visible ASCII characters. A retry with the same key and request \
                     gets the first answer again (with `Idempotency-Replayed: true`) and \
                     changes nothing",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(crate::idempotencia::LONGITUD_MAXIMA))
                        // Visible ASCII, spaces only inside.
                        .pattern(Some("^[!-~]([ -~]*[!-~])?$")),
                ))
                .build();
            operacion
                .parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(cabecera));
            let error = RefOr::Ref(utoipa::openapi::Ref::from_schema_name("CuerpoError"));
            for (estado, descripcion) in [
                ("409", "A request with this `Idempotency-Key` is still running: retry after `Retry-After`"),
                ("422", "This `Idempotency-Key` was used with another request"),
            ] {
                let respuestas = &mut operacion.responses.responses;
                if !respuestas.contains_key(estado) {
                    let respuesta = ResponseBuilder::new()
                        .description(descripcion)
                        .content("application/json", utoipa::openapi::ContentBuilder::new().schema(Some(error.clone())).build())
                        .build();
                    respuestas.insert(estado.to_owned(), RefOr::T(respuesta));
                }
            }
        }
    }
}

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
    cfg.service(web::resource("/spec").route(web::get().to(spec)))
        .service(web::resource("/docs").route(web::get().to(docs)))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                // No validity badge: Swagger UI would send the document to a public
                // validator, which an offline machine cannot reach.
                .config(Config::new(["/spec"]).validator_url("none")),
        );
}

/// This document.
#[utoipa::path(get, path = "/spec", tag = "documentacion",
    responses((status = 200, description = "The OpenAPI document of every route", body = Object)))]
async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(DocumentoApi::openapi())
}

/// Swagger UI over this document, at `/docs/`.
#[utoipa::path(get, path = "/docs", tag = "documentacion",
    responses((status = 308, description = "Swagger UI is at `/docs/`",
               headers(("Location" = String, description = "/docs/")))))]
async fn docs() -> HttpResponse {
    // The page names its assets relative to its folder; the binary serves them itself (the
    // `vendored` assets of utoipa-swagger-ui), so the page works offline.
    HttpResponse::PermanentRedirect()
        .insert_header((LOCATION, "/docs/"))
        .finish()
}
