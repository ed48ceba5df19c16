//! One access line per request (method, route template, status, latency, request id), and
//! the request id answered back to the client as `X-Request-Id`, so a client can quote it
//! and an operator can find every line of that request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing_actix_web::RequestId;

/// The header that carries the request id back.
pub const CABECERA_ID_PETICION: HeaderName = HeaderName::from_static("x-request-id");

/// The middleware (`actix_web::middleware::from_fn(registrar_acceso)`), inside
/// `TracingLogger`, which assigns the request id. Only the route's template is logged,
/// never the raw path: nothing a client sends can shape the line.
pub async fn registrar_acceso(
    peticion: ServiceRequest,
    siguiente: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let inicio = Instant::now();
    let metodo = peticion.method().clone();
    let id = peticion.extensions().get::<RequestId>().copied();
    let mut respuesta = siguiente.call(peticion).await?;
    let ruta = respuesta
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(sin ruta)".to_owned());
    if let Some(id) = id {
        if let Ok(valor) = HeaderValue::from_str(&id.to_string()) {
            respuesta.headers_mut().insert(CABECERA_ID_PETICION, valor);
        }
    }
    tracing::info!(
        metodo = %metodo,
        ruta = %ruta,
        estado = respuesta.status().as_u16(),
        ms = u64::try_from(inicio.elapsed().as_millis()).unwrap_or(u64::MAX),
        id_peticion = ?id.map(|id| id.to_string()),
        "petición atendida"
    );
    Ok(respuesta)
}
