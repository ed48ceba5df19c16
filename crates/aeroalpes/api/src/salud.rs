//! `GET /health/live`, `GET /health/ready` and `GET /health`: whether the process serves,
//! and whether what it needs (database, broker, a short outbox) answers.

use actix_web::{web, HttpResponse};
use seedwork_dominio::{Causa, ConCausas};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::contexto::{Contexto, InformeSalud};

pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").route(web::get().to(salud)))
        .service(web::resource("/health/live").route(web::get().to(vivo)))
        .service(web::resource("/health/ready").route(web::get().to(listo)));
}

/// Whether the service, or one thing it needs, is up.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EstadoSalud {
    Up,
    Down,
}

/// The answer of `/health` and `/health/live`: `checks` only when something is down.
#[derive(Serialize, ToSchema)]
pub struct CuerpoSalud {
    pub status: EstadoSalud,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Comprobaciones>,
}

/// The answer of `/health/ready`.
#[derive(Serialize, ToSchema)]
pub struct CuerpoListo {
    pub status: EstadoSalud,
    pub checks: Comprobaciones,
}

/// The state of each thing the service needs.
#[derive(Serialize, ToSchema)]
pub struct Comprobaciones {
    /// The database answers.
    pub base_datos: EstadoSalud,
    /// The relay publishes to the broker.
    pub broker: EstadoSalud,
    pub outbox: ComprobacionOutbox,
}

/// The outbox's backlog, or `"down"` when it cannot be read.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ComprobacionOutbox {
    Leida(BacklogLeido),
    NoLeida(EstadoSalud),
}

/// The backlog of unpublished messages against its threshold.
#[derive(Serialize, ToSchema)]
pub struct BacklogLeido {
    /// Up while `pendientes` is under `maximo`.
    pub status: EstadoSalud,
    pub pendientes: u64,
    /// Age of the oldest pending message; 0 when none waits.
    pub mas_antiguo_segundos: u64,
    /// `AEROALPES_OUTBOX_MAX_PENDIENTES`.
    pub maximo: u64,
}

/// Liveness: the process serves requests. It checks nothing else.
#[utoipa::path(get, path = "/health/live", tag = "salud",
    responses((status = 200, description = "The process serves requests", body = CuerpoSalud,
               example = json!({"status": "up"}))))]
pub async fn vivo() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "up" }))
}

/// Readiness: the database answers, the broker connection is up and the outbox backlog is
/// under `AEROALPES_OUTBOX_MAX_PENDIENTES`. The body names the state of each check.
#[utoipa::path(get, path = "/health/ready", tag = "salud",
    responses((status = 200, description = "Every check passes", body = CuerpoListo, example = json!({"status": "up", "checks": {"base_datos": "up", "broker": "up", "outbox": {"status": "up", "pendientes": 0, "mas_antiguo_segundos": 0, "maximo": 10000}}})),
              (status = 503, description = "A check fails: the database does not answer, the broker is disconnected, or the outbox backlog reached its threshold (or could not be read, `\"outbox\": \"down\"`)",
               body = CuerpoListo, example = json!({"status": "down", "checks": {"base_datos": "up", "broker": "down", "outbox": {"status": "up", "pendientes": 3, "mas_antiguo_segundos": 42, "maximo": 10000}}}))))]
pub async fn listo(contexto: web::Data<Contexto>) -> HttpResponse {
    let informe = informe(&contexto).await;
    let cuerpo = json!({ "status": estado(informe.listo()), "checks": comprobaciones(&informe) });
    if informe.listo() {
        HttpResponse::Ok().json(cuerpo)
    } else {
        no_disponible().json(cuerpo)
    }
}

/// Health of the service: `{"status":"up"}` when it is ready, otherwise what
/// `/health/ready` answers.
#[utoipa::path(get, path = "/health", tag = "salud",
    responses((status = 200, description = "The service is ready (every check of `/health/ready` passes)",
               body = CuerpoSalud, example = json!({"status": "up"})),
              (status = 503, description = "A check fails; the body names each check as `/health/ready` does",
               body = CuerpoSalud, example = json!({"status": "down", "checks": {"base_datos": "down", "broker": "up", "outbox": "down"}}))))]
pub async fn salud(contexto: web::Data<Contexto>) -> HttpResponse {
    let informe = informe(&contexto).await;
    if informe.listo() {
        HttpResponse::Ok().json(json!({ "status": "up" }))
    } else {
        no_disponible().json(json!({ "status": "down", "checks": comprobaciones(&informe) }))
    }
}

/// A 503 that tells a client (a load balancer, a retrying caller) when to ask again.
fn no_disponible() -> actix_web::HttpResponseBuilder {
    let mut respuesta = HttpResponse::ServiceUnavailable();
    respuesta.insert_header((actix_web::http::header::RETRY_AFTER, "1"));
    respuesta
}

/// How long the checks may take together: a database that stops answering on an open
/// connection (where the pool's timeout does not apply) makes them fail, not hang.
pub const PLAZO_COMPROBACIONES: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs the checks on a blocking thread, within [`PLAZO_COMPROBACIONES`], and logs what
/// fails.
async fn informe(contexto: &Contexto) -> InformeSalud {
    let salud = contexto.salud.clone();
    let comprobacion =
        tokio::time::timeout(PLAZO_COMPROBACIONES, web::block(move || salud.verificar()));
    let informe = match comprobacion.await {
        Ok(Ok(informe)) => informe,
        resultado => {
            let error = match resultado {
                Ok(Err(error)) => error.to_string(),
                _ => format!("más de {} s", PLAZO_COMPROBACIONES.as_secs()),
            };
            let fallo =
                |que: &str| Causa::from(format!("la comprobación {que} no terminó: {error}"));
            InformeSalud {
                base_datos: Err(fallo("de la base de datos")),
                broker: false,
                outbox: Err(fallo("del outbox")),
            }
        }
    };
    if let Err(causa) = &informe.base_datos {
        tracing::warn!(causa = %ConCausas(&**causa), "la base de datos no responde");
    }
    if let Err(causa) = &informe.outbox {
        tracing::warn!(causa = %ConCausas(&**causa), "no se pudo leer el outbox");
    }
    if !informe.broker {
        // Normal while the service starts; the body and the metrics tell it too.
        tracing::info!("el broker no está conectado");
    }
    informe
}

fn estado(bien: bool) -> &'static str {
    if bien {
        "up"
    } else {
        "down"
    }
}

fn comprobaciones(informe: &InformeSalud) -> Value {
    let outbox = match &informe.outbox {
        Ok(backlog) => json!({
            "status": estado(backlog.aceptable()),
            "pendientes": backlog.pendientes,
            "mas_antiguo_segundos": backlog.mas_antiguo_segundos,
            "maximo": backlog.maximo,
        }),
        Err(_) => json!("down"),
    };
    json!({
        "base_datos": estado(informe.base_datos.is_ok()),
        "broker": estado(informe.broker),
        "outbox": outbox,
    })
}
