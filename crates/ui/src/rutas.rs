//! The HTTP routes of the ui: the page and its assets (bundled into the binary, no CDN),
//! the websocket, the list of recent reservations, the health check and the metrics.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use seedwork_dominio::ConCausas;
use seedwork_mensajeria::metricas;
use serde_json::json;

use crate::aeroalpes::ErrorAeroalpes;
use crate::sesion::{self, Contexto};

const PAGINA: &str = include_str!("../static/index.html");
const GUION: &str = include_str!("../static/app.js");
const ESTILOS: &str = include_str!("../static/estilos.css");

/// How many reservations the page lists when it loads.
pub const LIMITE_RECIENTES: u32 = 20;

/// Every route; the [`Contexto`] must be in the app's data.
pub fn rutas(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pagina))
        .route("/app.js", web::get().to(guion))
        .route("/estilos.css", web::get().to(estilos))
        .route("/ws", web::get().to(websocket))
        .route("/api/reservas", web::get().to(recientes))
        .route("/health", web::get().to(salud))
        .route("/metrics", web::get().to(metricas));
}

/// Prometheus metrics, text format: connections, events sent, the consumer's.
async fn metricas() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(metricas::TIPO_CONTENIDO)
        .body(metricas::exponer())
}

async fn pagina() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(PAGINA)
}

async fn guion() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(GUION)
}

async fn estilos() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(ESTILOS)
}

async fn salud() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "up"}))
}

/// Upgrades to a websocket and serves the session on this worker.
#[tracing::instrument(skip_all)]
async fn websocket(
    peticion: HttpRequest,
    cuerpo: web::Payload,
    contexto: web::Data<Contexto>,
) -> actix_web::Result<HttpResponse> {
    let (respuesta, ws, entrada) = actix_ws::handle(&peticion, cuerpo)?;
    let contexto = contexto.get_ref().clone();
    actix_web::rt::spawn(sesion::atender(ws, entrada, contexto));
    Ok(respuesta)
}

/// `GET /api/reservas`: aeroalpes' newest reservations, as it writes them.
#[tracing::instrument(skip_all)]
async fn recientes(contexto: web::Data<Contexto>) -> HttpResponse {
    match contexto.aeroalpes.recientes(LIMITE_RECIENTES).await {
        Ok(reservas) => HttpResponse::Ok().json(reservas),
        Err(error) => {
            tracing::warn!(error = %ConCausas(&error), "no se pudo listar las reservas");
            let cuerpo = json!({"error": error.to_string()});
            match error {
                ErrorAeroalpes::Rechazada { .. } | ErrorAeroalpes::Inesperada { .. } => {
                    HttpResponse::BadGateway().json(cuerpo)
                }
                ErrorAeroalpes::NoDisponible(_) => HttpResponse::ServiceUnavailable().json(cuerpo),
            }
        }
    }
}
