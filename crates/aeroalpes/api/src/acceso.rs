//! One access line per request (method, route template, status, latency, request id), and
//! the request id answered back to the client as `X-Request-Id`, so a client can quote it
//! and an operator can find every line of that request; and the HTTP metrics (count by
//! route template and status, latency histogram).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

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
    let duracion = inicio.elapsed();
    let estado = respuesta.status();
    metrics::counter!(
        "aeroalpes_http_requests_total",
        "metodo" => metodo.to_string(),
        "ruta" => ruta.clone(),
        "estado" => estado.as_str().to_owned()
    )
    .increment(1);
    metrics::histogram!(
        "aeroalpes_http_request_duration_seconds",
        "metodo" => metodo.to_string(),
        "ruta" => ruta.clone()
    )
    .record(duracion.as_secs_f64());
    // A refused request's reason goes on its one line, quoted and escaped: it may repeat
    // what the client sent. Server errors log their causes where they are mapped.
    let error = respuesta
        .response()
        .error()
        .filter(|_| estado.is_client_error())
        .map(ToString::to_string);
    tracing::info!(
        metodo = %metodo,
        ruta = %ruta,
        estado = estado.as_u16(),
        ms = u64::try_from(duracion.as_millis()).unwrap_or(u64::MAX),
        id_peticion = id.map(|id| id.to_string()),
        error,
        "petición atendida"
    );
    Ok(respuesta)
}

/// The root span of each request for `TracingLogger`: the method and the request id, no
/// more (every line logged while a request is handled carries it), and no event of its
/// own when the request ends: [`registrar_acceso`] writes the one line per request.
pub struct RaizPeticion;

impl RootSpanBuilder for RaizPeticion {
    fn on_request_start(peticion: &ServiceRequest) -> Span {
        let id = peticion
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        tracing::info_span!("peticion", metodo = %peticion.method(), id_peticion = %id)
    }

    fn on_request_end<B: MessageBody>(_: Span, _: &Result<ServiceResponse<B>, Error>) {}
}
