//! The routes of the vuelos module, as the tutorial names them.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use vuelos_aplicacion::comandos::{AprobarReserva, CancelarReserva, CrearReserva, PagarReserva};
use vuelos_aplicacion::dto::{ReservaDTO, SolicitudReservaDTO};
use vuelos_aplicacion::mapeadores::itinerarios_de;
use vuelos_aplicacion::queries::{
    ObtenerReserva, ObtenerReservasCanceladas, ObtenerReservasNoPagadas, ObtenerReservasPorEstado,
    ObtenerTodasReservas,
};
use vuelos_dominio::{EstadoReserva, IdCliente, IdReserva, Pagina};

use crate::api::cuerpo;
use crate::api::errores::ErrorApi;
use crate::startup::Contexto;

pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/vuelos/reserva").route(web::post().to(crear_reserva)))
        .service(web::resource("/vuelos/reserva/{id}").route(web::get().to(obtener_reserva)))
        .service(web::resource("/vuelos/reserva-query/{id}").route(web::get().to(obtener_reserva)))
        .service(web::resource("/vuelos/reserva-query").route(web::get().to(listar_reservas)))
        .service(
            web::resource("/vuelos/reserva/{id}/{accion}").route(web::post().to(cambiar_estado)),
        );
}

/// Create a reservation and answer it.
#[utoipa::path(post, path = "/vuelos/reserva", tag = "vuelos", request_body = SolicitudReservaDTO,
    responses((status = 200, description = "The reservation, created", body = ReservaDTO),
              (status = 400, description = "Malformed JSON or a broken rule, named in `regla`"),
              (status = 413, description = "Body over 256 KiB")))]
pub async fn crear_reserva(
    contexto: web::Data<Contexto>,
    payload: web::Payload,
) -> Result<HttpResponse, ErrorApi> {
    let solicitud: SolicitudReservaDTO = cuerpo::json(payload).await?;
    let comando = CrearReserva {
        id: IdReserva::nuevo(),
        id_cliente: solicitud
            .id_cliente
            .as_deref()
            .map(IdCliente::parse)
            .transpose()?,
        itinerarios: itinerarios_de(&solicitud.itinerarios)?,
        fecha_creacion: Utc::now(),
    };
    let reserva = contexto.comandos.despachar(comando).await?;
    Ok(HttpResponse::Ok().json(reserva))
}

/// One reservation (`/vuelos/reserva/{id}` answers the same).
#[utoipa::path(get, path = "/vuelos/reserva-query/{id}", tag = "vuelos",
    params(("id" = String, Path, description = "The reservation id")),
    responses((status = 200, body = ReservaDTO), (status = 400, description = "Not a valid id"), (status = 404, description = "No such reservation")))]
pub async fn obtener_reserva(
    contexto: web::Data<Contexto>,
    id: web::Path<String>,
) -> Result<HttpResponse, ErrorApi> {
    let id = IdReserva::parse(&id)?;
    let reserva = contexto.queries.despachar(ObtenerReserva { id }).await?;
    Ok(HttpResponse::Ok().json(reserva))
}

/// Filters of the reservation listing.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FiltroListado {
    /// Only reservations in this state (Pendiente, Aprobada, Pagada, Cancelada).
    pub estado: Option<String>,
    /// Only reservations not yet paid and still alive.
    pub no_pagadas: Option<bool>,
    /// Page size, at most 1000 (default 100).
    pub limite: Option<u32>,
    /// How many to skip (default 0).
    pub desplazamiento: Option<u32>,
}

/// List reservations, newest first.
#[utoipa::path(get, path = "/vuelos/reserva-query", tag = "vuelos", params(FiltroListado),
    responses((status = 200, body = [ReservaDTO]), (status = 400, description = "Unknown state or contradictory filters")))]
pub async fn listar_reservas(
    contexto: web::Data<Contexto>,
    filtro: web::Query<FiltroListado>,
) -> Result<HttpResponse, ErrorApi> {
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
    let queries = &contexto.queries;
    let reservas = match (estado, filtro.no_pagadas.unwrap_or(false)) {
        (Some(_), true) => {
            return Err(ErrorApi::solicitud("use `estado` o `no_pagadas`, no ambos"))
        }
        (None, true) => {
            queries
                .despachar(ObtenerReservasNoPagadas { pagina })
                .await?
        }
        (Some(EstadoReserva::Cancelada), false) => {
            queries
                .despachar(ObtenerReservasCanceladas { pagina })
                .await?
        }
        (Some(estado), false) => {
            queries
                .despachar(ObtenerReservasPorEstado { estado, pagina })
                .await?
        }
        (None, false) => queries.despachar(ObtenerTodasReservas { pagina }).await?,
    };
    Ok(HttpResponse::Ok().json(reservas))
}

/// Approve, cancel or pay a reservation and answer it.
#[utoipa::path(post, path = "/vuelos/reserva/{id}/{accion}", tag = "vuelos",
    params(("id" = String, Path, description = "The reservation id"),
           ("accion" = String, Path, description = "aprobar, cancelar or pagar")),
    responses((status = 200, body = ReservaDTO), (status = 404, description = "No such reservation or action"),
              (status = 409, description = "The lifecycle forbids the action in the current state")))]
pub async fn cambiar_estado(
    contexto: web::Data<Contexto>,
    ruta: web::Path<(String, String)>,
) -> Result<HttpResponse, ErrorApi> {
    let (id, accion) = ruta.into_inner();
    let id = IdReserva::parse(&id)?;
    let comandos = &contexto.comandos;
    let reserva = match accion.as_str() {
        "aprobar" => comandos.despachar(AprobarReserva { id }).await?,
        "cancelar" => comandos.despachar(CancelarReserva { id }).await?,
        "pagar" => comandos.despachar(PagarReserva { id }).await?,
        otra => {
            return Err(ErrorApi::NoEncontrado(format!(
                "acción desconocida '{otra}': use aprobar, cancelar o pagar"
            )))
        }
    };
    Ok(HttpResponse::Ok().json(reserva))
}
