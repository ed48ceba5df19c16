//! The one place where errors become HTTP responses: a status per variant and a JSON body
//! `{"error": …, "regla": …}`. Server faults log their whole chain of causes and answer a
//! generic body.

use actix_web::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use clientes_aplicacion::{ErrorClientes, ErrorToken};
use seedwork_dominio::{Causa, ConCausas, ErrorPersistencia, ReglaIncumplida};
use serde::Serialize;
use utoipa::ToSchema;
use vuelos_aplicacion::ErrorVuelos;

#[derive(Debug, thiserror::Error)]
pub enum ErrorApi {
    /// 400: the request is malformed or breaks a business rule (then named in `regla`).
    #[error("{mensaje}")]
    SolicitudInvalida {
        mensaje: String,
        regla: Option<&'static str>,
    },
    /// 401: no credentials, or credentials that are wrong, malformed, forged or expired.
    #[error("{0}")]
    NoAutenticado(String),
    /// 403: authenticated, but the resource belongs to someone else.
    #[error("{0}")]
    Prohibido(String),
    /// 404: no such resource.
    #[error("{0}")]
    NoEncontrado(String),
    /// 409: the resource's state forbids the change, or it changed meanwhile.
    #[error("{0}")]
    Conflicto(String),
    /// 429: too many attempts (failed log-ins) from this e-mail or address; retry after
    /// this many seconds.
    #[error("{mensaje}")]
    DemasiadasSolicitudes { mensaje: String, reintentar: u64 },
    /// 503 at once: a bounded resource (password hashing) is saturated; retry after a
    /// second.
    #[error("{0}")]
    Saturado(String),
    /// 422: the request is well formed but cannot be taken (an `Idempotency-Key` used
    /// with another request).
    #[error("{0}")]
    NoProcesable(String),
    /// 408: the body did not arrive within [`crate::cuerpo::PLAZO_CUERPO`].
    #[error("el cuerpo no llegó a tiempo")]
    TiempoAgotado,
    /// 413: the body is larger than the API accepts.
    #[error("el cuerpo excede el máximo de {0} bytes")]
    DemasiadoGrande(usize),
    /// 503: a dependency (the database) is unavailable; retrying later may work.
    #[error("servicio no disponible temporalmente")]
    NoDisponible(#[source] Causa),
    /// 500: a fault of ours; the cause is logged, never sent.
    #[error("error interno")]
    Interno(#[source] Causa),
}

impl ErrorApi {
    pub fn solicitud(mensaje: impl Into<String>) -> Self {
        Self::SolicitudInvalida {
            mensaje: mensaje.into(),
            regla: None,
        }
    }
}

impl From<ReglaIncumplida> for ErrorApi {
    fn from(regla: ReglaIncumplida) -> Self {
        Self::SolicitudInvalida {
            mensaje: regla.mensaje,
            regla: Some(regla.regla),
        }
    }
}

impl From<ErrorPersistencia> for ErrorApi {
    fn from(error: ErrorPersistencia) -> Self {
        match error {
            ErrorPersistencia::Duplicado(_) | ErrorPersistencia::Conflicto(_) => {
                Self::Conflicto(error.to_string())
            }
            ErrorPersistencia::NoDisponible(_) => Self::NoDisponible(Box::new(error)),
            otro => Self::Interno(Box::new(otro)),
        }
    }
}

impl From<ErrorVuelos> for ErrorApi {
    fn from(error: ErrorVuelos) -> Self {
        match error {
            ErrorVuelos::Regla(regla) => regla.into(),
            ErrorVuelos::NoEncontrada(_) => Self::NoEncontrado(error.to_string()),
            ErrorVuelos::TransicionInvalida { .. } => Self::Conflicto(error.to_string()),
            ErrorVuelos::Persistencia(persistencia) => persistencia.into(),
            // A message-handling outcome that no request meets.
            ErrorVuelos::MensajeYaProcesado { .. } => Self::Interno(Box::new(error)),
        }
    }
}

impl From<ErrorClientes> for ErrorApi {
    fn from(error: ErrorClientes) -> Self {
        match error {
            ErrorClientes::Regla(regla) => regla.into(),
            ErrorClientes::EmailDuplicado(_) => Self::Conflicto(error.to_string()),
            ErrorClientes::CredencialesInvalidas => Self::NoAutenticado(error.to_string()),
            ErrorClientes::NoEncontrado(_) => Self::NoEncontrado(error.to_string()),
            ErrorClientes::Persistencia(persistencia) => persistencia.into(),
            ErrorClientes::Inesperado(_) | ErrorClientes::MensajeYaProcesado { .. } => {
                Self::Interno(Box::new(error))
            }
        }
    }
}

impl From<ErrorToken> for ErrorApi {
    /// Says whether the token was invalid or expired: neither tells anything about users.
    fn from(error: ErrorToken) -> Self {
        Self::NoAutenticado(error.to_string())
    }
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "error": "cada leg de un segmento debe salir del aeropuerto donde llegó el anterior",
    "regla": "LegsConectados"
}))]
pub struct CuerpoError {
    /// What went wrong, in Spanish; a generic text for a fault of the server.
    error: String,
    /// The business rule the request broke, when it broke one.
    #[serde(skip_serializing_if = "Option::is_none")]
    regla: Option<&'static str>,
}

impl ResponseError for ErrorApi {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SolicitudInvalida { .. } => StatusCode::BAD_REQUEST,
            Self::NoAutenticado(_) => StatusCode::UNAUTHORIZED,
            Self::Prohibido(_) => StatusCode::FORBIDDEN,
            Self::NoEncontrado(_) => StatusCode::NOT_FOUND,
            Self::Conflicto(_) => StatusCode::CONFLICT,
            Self::DemasiadoGrande(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NoProcesable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TiempoAgotado => StatusCode::REQUEST_TIMEOUT,
            Self::DemasiadasSolicitudes { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NoDisponible(_) | Self::Saturado(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Interno(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // A refusal is logged once, on the access line (`acceso`); a server error here,
        // with its causes.
        if let Self::NoDisponible(_) | Self::Interno(_) = self {
            tracing::error!(causa = %ConCausas(self), "{self}")
        }
        let regla = match self {
            Self::SolicitudInvalida { regla, .. } => *regla,
            _ => None,
        };
        let mut respuesta = HttpResponse::build(self.status_code());
        match self {
            // RFC 6750: a 401 names the scheme the client should authenticate with.
            Self::NoAutenticado(_) => {
                respuesta.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"aeroalpes\""));
            }
            Self::DemasiadasSolicitudes { reintentar, .. } => {
                respuesta.insert_header((RETRY_AFTER, reintentar.to_string()));
            }
            Self::Saturado(_) | Self::NoDisponible(_) => {
                respuesta.insert_header((RETRY_AFTER, "1"));
            }
            _ => {}
        }
        respuesta.json(CuerpoError {
            error: self.to_string(),
            regla,
        })
    }
}

/// Gives actix's empty 405 (a known path asked with a method it does not serve) a JSON
/// `error` like every other refusal, keeping its `Allow` header. Wrapped around the whole
/// application by the composition root.
pub fn metodo_no_permitido<B: actix_web::body::MessageBody + 'static>(
) -> actix_web::middleware::ErrorHandlers<B> {
    actix_web::middleware::ErrorHandlers::new()
        .handler(StatusCode::METHOD_NOT_ALLOWED, cuerpo_de_405)
}

fn cuerpo_de_405<B>(
    respuesta: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::http::header::ALLOW;
    let (solicitud, respuesta) = respuesta.into_parts();
    let mut nueva = HttpResponse::MethodNotAllowed();
    if let Some(permitidos) = respuesta.headers().get(ALLOW) {
        nueva.insert_header((ALLOW, permitidos.clone()));
    }
    let nueva = nueva.json(serde_json::json!({
        "error": format!("método {} no permitido en esta ruta", solicitud.method())
    }));
    Ok(actix_web::middleware::ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(solicitud, nueva).map_into_right_body(),
    ))
}

#[cfg(test)]
mod tests {
    use clientes_dominio::{Email, IdUsuario};

    use super::*;

    /// Each error answers the status beside it.
    fn responde_lo_documentado<E: Into<ErrorApi> + std::fmt::Debug>(
        casos: impl IntoIterator<Item = (E, u16)>,
    ) {
        for (error, esperado) in casos {
            let texto = format!("{error:?}");
            let estado = error.into().status_code().as_u16();
            assert_eq!(estado, esperado, "{texto}");
        }
    }

    #[test]
    fn every_clientes_error_answers_the_status_it_documents() {
        let casos: [(ErrorClientes, u16); 11] = [
            (ErrorClientes::Regla(ReglaIncumplida::new("R", "m")), 400),
            (ErrorClientes::CredencialesInvalidas, 401),
            (ErrorClientes::NoEncontrado(IdUsuario::nuevo()), 404),
            (
                ErrorClientes::EmailDuplicado(Email::parse("ana@gmail.com").unwrap()),
                409,
            ),
            (ErrorPersistencia::Duplicado("x".into()).into(), 409),
            (ErrorPersistencia::Conflicto("x".into()).into(), 409),
            (ErrorPersistencia::no_disponible("x").into(), 503),
            (ErrorPersistencia::datos_invalidos("x", "y").into(), 500),
            (ErrorPersistencia::inesperado("x").into(), 500),
            (ErrorClientes::Inesperado("x".into()), 500),
            (
                ErrorClientes::MensajeYaProcesado {
                    id_mensaje: "m-1".into(),
                },
                500,
            ),
        ];
        responde_lo_documentado(casos);
    }

    #[test]
    fn every_vuelos_error_answers_the_status_it_documents() {
        let id = vuelos_dominio::IdReserva::nuevo();
        let casos: [(ErrorVuelos, u16); 7] = [
            (ErrorVuelos::Regla(ReglaIncumplida::new("R", "m")), 400),
            (ErrorVuelos::NoEncontrada(id), 404),
            (
                ErrorVuelos::TransicionInvalida {
                    estado: vuelos_dominio::EstadoReserva::Pendiente,
                    accion: vuelos_dominio::AccionReserva::Pagar,
                },
                409,
            ),
            (ErrorPersistencia::Conflicto("x".into()).into(), 409),
            (ErrorPersistencia::no_disponible("x").into(), 503),
            (ErrorPersistencia::inesperado("x").into(), 500),
            (
                ErrorVuelos::MensajeYaProcesado {
                    id_mensaje: "m-1".into(),
                },
                500,
            ),
        ];
        responde_lo_documentado(casos);
    }

    #[test]
    fn a_server_fault_keeps_its_causes_for_the_log_and_answers_a_generic_body() {
        let error = ErrorApi::from(ErrorVuelos::Persistencia(ErrorPersistencia::inesperado(
            "la tabla reservas no existe",
        )));
        assert_eq!(error.to_string(), "error interno");
        assert_eq!(
            ConCausas(&error).to_string(),
            "error interno: error de almacenamiento: la tabla reservas no existe"
        );
    }

    #[test]
    fn a_refused_token_answers_401_naming_the_bearer_scheme() {
        for error in [ErrorToken::Invalido, ErrorToken::Expirado] {
            let respuesta = ErrorApi::from(error).error_response();
            assert_eq!(respuesta.status(), StatusCode::UNAUTHORIZED);
            assert!(respuesta
                .headers()
                .get(WWW_AUTHENTICATE)
                .is_some_and(|v| v.as_bytes().starts_with(b"Bearer")));
        }
    }
}
