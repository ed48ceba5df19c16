//! `Idempotency-Key` on every POST that creates or changes something (all but the log-in):
//! the first request with a key runs and its answer is kept; a retry with the same key and
//! the same request (method, path, body) from the same credentials gets that answer again,
//! marked `Idempotency-Replayed: true`, and runs nothing; the same key with another request
//! is 422; a retry while the first still runs is 409 with `Retry-After`. Only successes are
//! kept: after a refusal (4xx, nothing changed) or a failure of ours (5xx) a retry runs
//! again, and refused callers fill no row. Keys belong to the credentials that send them,
//! or, for anonymous requests, to the client's address.
//!
//! A creation with a key books the reservation under an id derived from the credentials
//! and the key ([`Idempotencia::id_derivado`]): if the process dies after the commit and
//! before answering, the key is taken again once abandoned, and the retry finds that
//! reservation instead of booking a second one.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION, LOCATION, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use sha2::{Digest, Sha256};

use crate::contexto::{Contexto, EstadoIdempotencia, ProxiesConfiables, RespuestaGuardada};
use crate::errores::ErrorApi;

/// The header clients send.
pub const CABECERA: &str = "idempotency-key";
/// The header of a replayed answer.
pub const REPETIDA: &str = "idempotency-replayed";
/// The longest key accepted.
pub const LONGITUD_MAXIMA: usize = 255;

/// The id a creation under an `Idempotency-Key` must use, put in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdIdempotente(pub uuid::Uuid);

/// The middleware (`actix_web::middleware::from_fn(idempotencia::middleware)`).
pub async fn middleware(
    mut solicitud: ServiceRequest,
    siguiente: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let con_clave = solicitud.method() == Method::POST
        && solicitud.path() != "/clientes/login"
        && solicitud.headers().contains_key(CABECERA);
    let contexto = solicitud.app_data::<web::Data<Contexto>>().cloned();
    let (true, Some(contexto)) = (con_clave, contexto) else {
        return siguiente
            .call(solicitud)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let clave = match clave_de(solicitud.headers().get(CABECERA)) {
        Ok(clave) => clave,
        Err(error) => return Ok(solicitud.error_response(error)),
    };
    let cuerpo = match leer(&mut solicitud).await {
        Ok(cuerpo) => cuerpo,
        Err(error) => return Ok(solicitud.error_response(error)),
    };
    let ambito = ambito_de(&solicitud, &contexto.proxies_confiables);
    let huella = {
        let mut huella = Sha256::new();
        huella.update(solicitud.method().as_str());
        huella.update([0]);
        huella.update(solicitud.uri().to_string());
        huella.update([0]);
        huella.update(&cuerpo);
        hex(&huella.finalize())
    };
    let estado = contexto
        .idempotencia
        .tomar(&ambito, &clave, &huella)
        .await
        .map_err(ErrorApi::NoDisponible);
    match estado {
        Err(error) => Ok(solicitud.error_response(error)),
        Ok(EstadoIdempotencia::Respondida(guardada)) => {
            let (solicitud, _) = solicitud.into_parts();
            Ok(ServiceResponse::new(solicitud, repetida(guardada)))
        }
        Ok(EstadoIdempotencia::OtraHuella) => Ok(solicitud.error_response(ErrorApi::NoProcesable(
            "la Idempotency-Key ya se usó con otra petición".to_owned(),
        ))),
        Ok(EstadoIdempotencia::EnCurso) => {
            let respuesta = HttpResponse::Conflict()
                .insert_header((RETRY_AFTER, "1"))
                .json(serde_json::json!({
                    "error": "una petición con esta Idempotency-Key está en curso: reintente en un momento"
                }));
            let (solicitud, _) = solicitud.into_parts();
            Ok(ServiceResponse::new(solicitud, respuesta))
        }
        Ok(EstadoIdempotencia::Nueva) => {
            solicitud.extensions_mut().insert(IdIdempotente(
                contexto.idempotencia.id_derivado(&ambito, &clave),
            ));
            solicitud.set_payload(actix_web::dev::Payload::from(cuerpo));
            let respuesta = siguiente.call(solicitud).await?.map_into_boxed_body();
            guardar(&contexto, &ambito, &clave, respuesta).await
        }
    }
}

/// Keeps the answer (or frees the key after a failure of ours) and gives it back.
async fn guardar(
    contexto: &Contexto,
    ambito: &str,
    clave: &str,
    respuesta: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (solicitud, respuesta) = respuesta.into_parts();
    let (cabeza, cuerpo) = respuesta.into_parts();
    let cuerpo = to_bytes(cuerpo).await.unwrap_or_default();
    let estado = cabeza.status();
    // Only a success is kept. A refusal changed nothing, so running it again is safe and
    // answers what holds then; a failure of ours (5xx) frees the key for the retry.
    let guardado = if !estado.is_success() {
        contexto.idempotencia.liberar(ambito, clave).await
    } else {
        let ubicacion = cabeza
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let guardada = RespuestaGuardada {
            estado: estado.as_u16(),
            cuerpo: cuerpo.to_vec(),
            ubicacion,
        };
        contexto
            .idempotencia
            .responder(ambito, clave, guardada)
            .await
    };
    if let Err(causa) = guardado {
        // The request ran; its answer goes out. A retry finds the key abandoned later
        // and, for a creation, the reservation under its derived id.
        tracing::error!(causa = %seedwork_dominio::ConCausas(causa.as_ref()), "no se pudo guardar la respuesta idempotente");
    }
    Ok(ServiceResponse::new(
        solicitud,
        cabeza.set_body(cuerpo).map_into_boxed_body(),
    ))
}

/// The answer kept for a key, sent again.
fn repetida(guardada: RespuestaGuardada) -> HttpResponse {
    let mut respuesta =
        HttpResponse::build(StatusCode::from_u16(guardada.estado).unwrap_or(StatusCode::OK));
    respuesta.insert_header((HeaderName::from_static(REPETIDA), "true"));
    if let Some(ubicacion) = guardada.ubicacion {
        respuesta.insert_header((LOCATION, ubicacion));
    }
    respuesta
        .content_type("application/json")
        .body(guardada.cuerpo)
}

/// Whose keys a request's are: those of its credentials (the `Authorization` header, so a
/// client's keys are its own), or, without credentials, those of the client's address
/// ([`ProxiesConfiables::direccion_cliente`], as the log-in throttle counts it: behind the
/// gateway, the address the gateway served), so that two anonymous clients that pick the
/// same key never see each other's answers.
fn ambito_de(solicitud: &ServiceRequest, proxies: &ProxiesConfiables) -> String {
    let mut ambito = Sha256::new();
    match solicitud.headers().get(AUTHORIZATION) {
        Some(credenciales) => {
            ambito.update(b"credenciales\0");
            ambito.update(credenciales.as_bytes());
        }
        None => {
            ambito.update(b"anonimo\0");
            if let Some(direccion) = proxies.direccion_cliente(solicitud.request()) {
                ambito.update(direccion.to_string());
            }
        }
    }
    hex(&ambito.finalize())
}

/// A key is 1 to 255 visible ASCII characters.
fn clave_de(valor: Option<&HeaderValue>) -> Result<String, ErrorApi> {
    valor
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|clave| {
            !clave.is_empty()
                && clave.len() <= LONGITUD_MAXIMA
                && clave.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        })
        .map(str::to_owned)
        .ok_or_else(|| {
            ErrorApi::solicitud(format!(
                "Idempotency-Key debe tener de 1 a {LONGITUD_MAXIMA} caracteres ASCII visibles"
            ))
        })
}

/// The whole body, as [`crate::cuerpo::leer`] bounds it.
async fn leer(solicitud: &mut ServiceRequest) -> Result<web::Bytes, ErrorApi> {
    let mut carga = solicitud.take_payload();
    crate::cuerpo::leer(&mut carga).await
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        let valor = |texto: &str| HeaderValue::from_str(texto).unwrap();
        assert_eq!(clave_de(Some(&valor(" pedido-42 "))).unwrap(), "pedido-42");
        for mala in ["", "   ", &"k".repeat(256)] {
            assert!(clave_de(Some(&valor(mala))).is_err(), "{mala:?}");
        }
        assert!(clave_de(Some(&HeaderValue::from_bytes(b"cl\xc3\xa1ve").unwrap())).is_err());
    }
}
