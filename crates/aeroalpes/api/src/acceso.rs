//! One access line per request (method, route template, status, latency, request id), and
//! the request id answered back to the client as `X-Request-Id`, so a client can quote it
//! and an operator can find every line of that request; and the HTTP metrics (count by
//! route template and status, latency histogram). The request id is the caller's own
//! `X-Request-Id` when it is a plain token (the gateway's, gateway/nginx.conf, which
//! applies the same rule), else one generated here.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The header that carries the request id, from a caller that chose it, and back.
pub const CABECERA_ID_PETICION: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id a caller may choose.
const LARGO_MAXIMO_ID: usize = 64;

/// The id of `peticion`: its `X-Request-Id` when that is 1 to 64 ASCII letters, digits,
/// `-`, `_` or `.` (so the gateway's access line and this service's lines name one id),
/// else the id `TracingLogger` generated. Anything else a caller sends is ignored rather
/// than escaped: the id is quoted in every line of the request, and must not carry spaces,
/// quotes or control characters into them.
fn id_peticion(peticion: &ServiceRequest) -> Option<String> {
    elegir_id(
        peticion.headers().get(CABECERA_ID_PETICION),
        peticion.extensions().get::<RequestId>().copied(),
    )
}

fn elegir_id(propuesto: Option<&HeaderValue>, generado: Option<RequestId>) -> Option<String> {
    propuesto
        .and_then(|valor| valor.to_str().ok())
        .filter(|id| {
            (1..=LARGO_MAXIMO_ID).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .map(str::to_owned)
        .or_else(|| generado.map(|id| id.to_string()))
}

/// The middleware (`actix_web::middleware::from_fn(registrar_acceso)`), inside
/// `TracingLogger`, which generates a request id for [`id_peticion`]. Only the route's
/// template is logged, never the raw path: nothing a client sends can shape the line.
pub async fn registrar_acceso(
    peticion: ServiceRequest,
    siguiente: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let inicio = Instant::now();
    let metodo = peticion.method().clone();
    let id = id_peticion(&peticion);
    let mut respuesta = siguiente.call(peticion).await?;
    let ruta = respuesta
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(sin ruta)".to_owned());
    if let Some(id) = &id {
        if let Ok(valor) = HeaderValue::from_str(id) {
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
        id_peticion = id,
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
        let id = id_peticion(peticion).unwrap_or_default();
        tracing::info_span!("peticion", metodo = %peticion.method(), id_peticion = %id)
    }

    fn on_request_end<B: MessageBody>(_: Span, _: &Result<ServiceResponse<B>, Error>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cabecera(valor: &str) -> HeaderValue {
        HeaderValue::from_str(valor).expect("a header value")
    }

    #[test]
    fn a_plain_request_id_from_the_caller_is_kept() {
        for propio in [
            "4b1e0c2f9a8d7e6f5a4b3c2d1e0f9a8b",
            "pagina-1.a_b",
            &"x".repeat(64),
        ] {
            assert_eq!(
                elegir_id(Some(&cabecera(propio)), None).as_deref(),
                Some(propio)
            );
        }
    }

    /// `RequestId` cannot be made outside `TracingLogger`, so these give none: an odd id is
    /// not kept (tests/api/acceso.rs sees the generated one take its place).
    #[test]
    fn an_odd_request_id_from_the_caller_is_not_kept() {
        for raro in [
            "",
            "con espacio",
            "comillas\"",
            "a\tb",
            "llave{}",
            &"x".repeat(65),
        ] {
            assert_eq!(elegir_id(Some(&cabecera(raro)), None), None, "{raro:?}");
        }
        let no_ascii = HeaderValue::from_bytes("año".as_bytes()).expect("a header value");
        assert_eq!(elegir_id(Some(&no_ascii), None), None);
    }
}
