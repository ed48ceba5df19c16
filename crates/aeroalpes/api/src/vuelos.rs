//! The routes of the vuelos module, as the tutorial names them.

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::Utc;
use seedwork_dominio::ErrorPersistencia;
use serde::Deserialize;
use serde_json::json;
use tracing_actix_web::RequestId;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};
use vuelos_aplicacion::comandos::{ComandoReserva, CrearReserva};
use vuelos_aplicacion::dto::{ReservaDTO, SolicitudReservaDTO};
use vuelos_aplicacion::mapeadores::itinerarios_de;
use vuelos_aplicacion::{ConsultaReserva, Conversacion, ErrorVuelos};
use vuelos_dominio::{AccionReserva, EstadoReserva, FiltroReservas, IdReserva, Pagina};

use crate::autenticacion::Portador;
use crate::contexto::Contexto;
use crate::cuerpo;
use crate::errores::{CuerpoError, ErrorApi};
use crate::idempotencia::IdIdempotente;

/// The query routes (`GET`): what a query service serves, from its read model.
pub fn rutas_consultas(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/vuelos/reserva/{id}").route(web::get().to(obtener_reserva)))
        .service(web::resource("/vuelos/reserva-query/{id}").route(web::get().to(obtener_reserva)))
        .service(web::resource("/vuelos/reserva-query").route(web::get().to(listar_reservas)));
}

/// The command routes (`POST`), synchronous and asynchronous: what a command service serves.
pub fn rutas_comandos(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/vuelos/reserva").route(web::post().to(crear_reserva)))
        .service(
            web::resource("/vuelos/reserva/{id}/{accion}").route(web::post().to(cambiar_estado)),
        )
        // The tutorial spells it "commando"; the Spanish spelling is accepted too.
        .service(
            web::resource(["/vuelos/reserva-commando", "/vuelos/reserva-comando"])
                .route(web::post().to(crear_reserva_asincrona)),
        )
        .service(
            web::resource([
                "/vuelos/reserva-commando/{id}/{accion}",
                "/vuelos/reserva-comando/{id}/{accion}",
            ])
            .route(web::post().to(cambiar_estado_asincrono)),
        );
}

/// The `{accion}` of a lifecycle route: one of [`AccionReserva::TODAS`], in lower case.
pub struct AccionRuta;

impl PartialSchema for AccionRuta {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(AccionReserva::TODAS.map(|accion| accion.to_string())))
            .into()
    }
}

impl ToSchema for AccionRuta {}

/// The answer of an asynchronous command: the id of its reservation, whose state
/// `Location` (`/vuelos/reserva-query/{id}`) answers.
#[derive(ToSchema)]
pub struct ReservaAceptada {
    #[schema(format = Uuid)]
    pub id: String,
}

/// A reservation asked for asynchronously whose command is not handled yet.
#[derive(ToSchema)]
pub struct ReservaEnProceso {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(inline)]
    pub estado: EstadoEnProceso,
}

#[derive(ToSchema)]
pub enum EstadoEnProceso {
    EnProceso,
}

/// A reservation asked for asynchronously whose command was refused: `error` says why.
#[derive(ToSchema)]
pub struct ReservaRechazada {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(inline)]
    pub estado: EstadoRechazada,
    pub error: String,
}

#[derive(ToSchema)]
pub enum EstadoRechazada {
    Rechazada,
}

/// The creation command of a request body: the synchronous and the asynchronous routes
/// refuse the same bodies with the same errors (the application checks the aggregate's
/// rules on both).
async fn comando_de_creacion(
    portador: Portador,
    id: IdReserva,
    payload: web::Payload,
) -> Result<ComandoReserva, ErrorApi> {
    let solicitud: SolicitudReservaDTO = cuerpo::json(payload).await?;
    Ok(ComandoReserva::Crear(CrearReserva {
        id,
        id_cliente: portador.cliente_de_reserva(solicitud.id_cliente.as_deref())?,
        itinerarios: itinerarios_de(&solicitud.itinerarios)?,
        fecha_creacion: Utc::now(),
    }))
}

/// The lifecycle command of a route's `{id}/{accion}`.
fn comando_de_ruta(ruta: web::Path<(String, String)>) -> Result<ComandoReserva, ErrorApi> {
    let (id, accion) = ruta.into_inner();
    let id = IdReserva::parse(&id)?;
    ComandoReserva::de_accion(&accion, id).ok_or_else(|| accion_desconocida(&accion))
}

fn aceptado(id: IdReserva) -> HttpResponse {
    HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/vuelos/reserva-query/{id}")))
        .json(json!({ "id": id.to_string() }))
}

fn accion_desconocida(accion: &str) -> ErrorApi {
    let conocidas: Vec<String> = AccionReserva::TODAS
        .iter()
        .map(ToString::to_string)
        .collect();
    ErrorApi::NoEncontrado(format!(
        "acción desconocida '{accion}': use {}",
        conocidas.join(", ")
    ))
}

/// Checks that the request may change reservation `id`, whose client is read first. One
/// still in process has no client to check yet: only staff may act on it (others get 409
/// and may retry). An unknown or refused one is left to the command, which answers 404.
async fn exigir_cambio(
    portador: &Portador,
    contexto: &Contexto,
    id: IdReserva,
) -> Result<(), ErrorApi> {
    // The command service's own write model: a change is checked against what it changes.
    match contexto.comandos_vuelos()?.consultar(id).await {
        Ok(ConsultaReserva::Existe(reserva)) => {
            portador.exigir_reserva(reserva.id_cliente.as_deref())
        }
        Ok(ConsultaReserva::EnProceso) if portador.es_personal() => Ok(()),
        Ok(ConsultaReserva::EnProceso) => Err(ErrorApi::Conflicto(
            "la reserva aún está en proceso: inténtelo de nuevo en un momento".to_owned(),
        )),
        Ok(ConsultaReserva::Rechazada { .. }) | Err(ErrorVuelos::NoEncontrada(_)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Create a reservation and answer it. Its client is the user of a client's bearer token,
/// the body's `id_cliente` for staff, or none (anonymous); booking in a client's name
/// needs that client's token. A client that does not exist or is deactivated refuses the
/// reservation.
#[utoipa::path(post, path = "/vuelos/reserva", tag = "vuelos", request_body = SolicitudReservaDTO,
    security((), ("bearer" = [])),
    responses((status = 200, description = "The reservation, created", body = ReservaDTO),
              (status = 400, description = "Malformed JSON or a broken rule, named in `regla` \
                (`UsuarioExiste`, `UsuarioActivo` for the client)", body = CuerpoError),
              (status = 401, description = "An invalid or expired token, a deactivated user's, or an \
                `id_cliente` without a token", body = CuerpoError),
              (status = 403, description = "`id_cliente` is not the user of the token", body = CuerpoError),
              (status = 413, description = "Body over 256 KiB", body = CuerpoError)))]
pub async fn crear_reserva(
    solicitud: HttpRequest,
    portador: Portador,
    contexto: web::Data<Contexto>,
    payload: web::Payload,
) -> Result<HttpResponse, ErrorApi> {
    let (id, idempotente) = id_de_creacion(&solicitud);
    let comando = comando_de_creacion(portador, id, payload).await?;
    match contexto.comandos_vuelos()?.ejecutar(comando).await {
        Ok(reserva) => Ok(HttpResponse::Ok().json(reserva)),
        // A retry of a creation that committed and was never answered.
        Err(error) if idempotente && es_duplicado(&error) => {
            match contexto.comandos_vuelos()?.consultar(id).await? {
                ConsultaReserva::Existe(reserva) => Ok(HttpResponse::Ok().json(reserva)),
                _ => Err(error.into()),
            }
        }
        Err(error) => Err(error.into()),
    }
}

/// The id of a new reservation: derived from the request's `Idempotency-Key` if it has
/// one (see [`crate::idempotencia`]), else a fresh one; and whether it was derived.
fn id_de_creacion(solicitud: &HttpRequest) -> (IdReserva, bool) {
    match solicitud.extensions().get::<IdIdempotente>() {
        Some(derivado) => (IdReserva::from(derivado.0), true),
        None => (IdReserva::nuevo(), false),
    }
}

fn es_duplicado(error: &ErrorVuelos) -> bool {
    matches!(
        error,
        ErrorVuelos::Persistencia(ErrorPersistencia::Duplicado(_))
    )
}

/// One reservation (`/vuelos/reserva/{id}` answers the same).
#[utoipa::path(get, path = "/vuelos/reserva-query/{id}", tag = "vuelos",
    params(("id" = String, Path, description = "The reservation id")),
    responses((status = 200, description = "The reservation", body = ReservaDTO),
              (status = 202, description = "Asked for asynchronously and not yet handled", body = ReservaEnProceso),
              (status = 400, description = "Not a valid id", body = CuerpoError),
              (status = 401, description = "The reservation is a client's and no valid token was sent",
               body = CuerpoError),
              (status = 403, description = "The reservation is another client's", body = CuerpoError),
              (status = 404, description = "No such reservation, and none asked for", body = CuerpoError),
              (status = 422, description = "Asked for asynchronously and refused", body = ReservaRechazada)),
    security((), ("bearer" = [])))]
pub async fn obtener_reserva(
    portador: Portador,
    contexto: web::Data<Contexto>,
    id: web::Path<String>,
) -> Result<HttpResponse, ErrorApi> {
    let id = IdReserva::parse(&id)?;
    Ok(match contexto.consultas.consultar(id).await? {
        ConsultaReserva::Existe(reserva) => {
            portador.exigir_reserva(reserva.id_cliente.as_deref())?;
            HttpResponse::Ok().json(reserva)
        }
        ConsultaReserva::EnProceso => {
            HttpResponse::Accepted().json(json!({ "id": id.to_string(), "estado": "EnProceso" }))
        }
        ConsultaReserva::Rechazada { razon } => HttpResponse::UnprocessableEntity()
            .json(json!({ "id": id.to_string(), "estado": "Rechazada", "error": razon })),
    })
}

/// Filters of the reservation listing.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FiltroListado {
    /// Only reservations in this state (Pendiente, Aprobada, Pagada, Cancelada; the case
    /// of the letters does not matter).
    #[param(
        pattern = "^([Pp][Ee][Nn][Dd][Ii][Ee][Nn][Tt][Ee]|[Aa][Pp][Rr][Oo][Bb][Aa][Dd][Aa]|[Pp][Aa][Gg][Aa][Dd][Aa]|[Cc][Aa][Nn][Cc][Ee][Ll][Aa][Dd][Aa])$"
    )]
    pub estado: Option<String>,
    /// Only reservations not yet paid and still alive.
    pub no_pagadas: Option<bool>,
    /// Page size, at most 1000 (default 100; a larger one counts as 1000).
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limite: Option<u32>,
    /// How many to skip (default 0).
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub desplazamiento: Option<u32>,
}

/// List reservations, newest first; staff only (a client reads its own reservations with
/// its user, `GET /clientes/usuarios/{id}`).
#[utoipa::path(get, path = "/vuelos/reserva-query", tag = "vuelos", params(FiltroListado),
    security(("bearer" = [])),
    responses((status = 200, description = "One page of reservations", body = [ReservaDTO]),
              (status = 400, description = "Unknown state, contradictory filters or a malformed number",
               body = CuerpoError),
              (status = 401, description = "No valid token", body = CuerpoError),
              (status = 403, description = "Not staff", body = CuerpoError)))]
pub async fn listar_reservas(
    portador: Portador,
    contexto: web::Data<Contexto>,
    filtro: web::Query<FiltroListado>,
) -> Result<HttpResponse, ErrorApi> {
    portador.exigir_personal()?;
    let pagina = Pagina {
        limite: filtro
            .limite
            .unwrap_or(Pagina::default().limite)
            .min(Pagina::LIMITE_MAXIMO),
        desplazamiento: filtro.desplazamiento.unwrap_or(0),
    };
    let estado = filtro
        .estado
        .as_deref()
        .map(str::parse::<EstadoReserva>)
        .transpose()?;
    let filtro = match (estado, filtro.no_pagadas.unwrap_or(false)) {
        (Some(_), true) => {
            return Err(ErrorApi::solicitud("use `estado` o `no_pagadas`, no ambos"))
        }
        (None, true) => FiltroReservas::NoPagadas,
        (Some(estado), false) => FiltroReservas::ConEstado(estado),
        (None, false) => FiltroReservas::Todas,
    };
    let reservas = contexto.consultas.listar(filtro, pagina).await?;
    Ok(HttpResponse::Ok().json(reservas))
}

/// Approve, cancel or pay a reservation and answer it.
#[utoipa::path(post, path = "/vuelos/reserva/{id}/{accion}", tag = "vuelos",
    params(("id" = String, Path, description = "The reservation id"),
           ("accion" = inline(AccionRuta), Path, description = "An action of the lifecycle")),
    responses((status = 200, description = "The reservation, updated", body = ReservaDTO),
              (status = 400, description = "Not a valid id", body = CuerpoError),
              (status = 401, description = "The reservation is a client's and no valid token was sent",
               body = CuerpoError),
              (status = 403, description = "The reservation is another client's", body = CuerpoError),
              (status = 404, description = "No such reservation or action", body = CuerpoError),
              (status = 409, description = "The lifecycle forbids the action in the current state, or \
                the reservation is still in process", body = CuerpoError)),
    security((), ("bearer" = [])))]
pub async fn cambiar_estado(
    portador: Portador,
    contexto: web::Data<Contexto>,
    ruta: web::Path<(String, String)>,
) -> Result<HttpResponse, ErrorApi> {
    let comando = comando_de_ruta(ruta)?;
    exigir_cambio(&portador, &contexto, comando.id_reserva()).await?;
    let reserva = contexto.comandos_vuelos()?.ejecutar(comando).await?;
    Ok(HttpResponse::Ok().json(reserva))
}

/// Ask for a reservation asynchronously: the command is stored durably (outbox) and
/// travels over Pulsar to the command consumer. Poll the `Location` for the result.
#[utoipa::path(post, path = "/vuelos/reserva-commando", tag = "vuelos", request_body = SolicitudReservaDTO,
    security((), ("bearer" = [])),
    responses((status = 202, description = "Accepted: the command is stored and will be handled",
               body = ReservaAceptada, headers(("Location" = String, description = "/vuelos/reserva-query/{id}, to poll"))),
              (status = 400, description = "Malformed JSON or a broken rule, named in `regla`", body = CuerpoError),
              (status = 401, description = "An invalid or expired token, a deactivated user's, or an \
                `id_cliente` without a token", body = CuerpoError),
              (status = 403, description = "`id_cliente` is not the user of the token", body = CuerpoError),
              (status = 413, description = "Body over 256 KiB", body = CuerpoError)))]
pub async fn crear_reserva_asincrona(
    solicitud: HttpRequest,
    portador: Portador,
    contexto: web::Data<Contexto>,
    peticion: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ErrorApi> {
    let (id, idempotente) = id_de_creacion(&solicitud);
    let comando = comando_de_creacion(portador, id, payload).await?;
    let conversacion = Conversacion::correlacionada(peticion.to_string());
    match contexto
        .comandos_vuelos()?
        .enviar(comando, conversacion)
        .await
    {
        Ok(id) => Ok(aceptado(id)),
        // A retry of an acceptance that committed and was never answered.
        Err(error) if idempotente && es_duplicado(&error) => Ok(aceptado(id)),
        Err(error) => Err(error.into()),
    }
}

/// Approve, cancel or pay a reservation asynchronously (202; poll the `Location`).
#[utoipa::path(post, path = "/vuelos/reserva-commando/{id}/{accion}", tag = "vuelos",
    params(("id" = String, Path, description = "The reservation id"),
           ("accion" = inline(AccionRuta), Path, description = "An action of the lifecycle")),
    responses((status = 202, description = "Accepted: the command is stored and will be handled",
               body = ReservaAceptada, headers(("Location" = String, description = "/vuelos/reserva-query/{id}, to poll"))),
              (status = 400, description = "Not a valid id", body = CuerpoError),
              (status = 401, description = "The reservation is a client's and no valid token was sent",
               body = CuerpoError),
              (status = 403, description = "The reservation is another client's", body = CuerpoError),
              (status = 404, description = "No such reservation (nor one in process), or no such action",
               body = CuerpoError),
              (status = 409, description = "The reservation is still in process (staff excepted)",
               body = CuerpoError)),
    security((), ("bearer" = [])))]
pub async fn cambiar_estado_asincrono(
    portador: Portador,
    contexto: web::Data<Contexto>,
    peticion: RequestId,
    ruta: web::Path<(String, String)>,
) -> Result<HttpResponse, ErrorApi> {
    let comando = comando_de_ruta(ruta)?;
    exigir_cambio(&portador, &contexto, comando.id_reserva()).await?;
    let conversacion = Conversacion::correlacionada(peticion.to_string());
    let id = contexto
        .comandos_vuelos()?
        .enviar(comando, conversacion)
        .await?;
    Ok(aceptado(id))
}
