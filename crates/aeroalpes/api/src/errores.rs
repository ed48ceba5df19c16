//! The one place where errors become HTTP responses: a status per variant and a JSON body
//! `{"error": …, "regla": …}`. Server faults log their cause and answer a generic body.

use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use clientes_aplicacion::{ErrorClientes, ErrorToken};
use seedwork_dominio::{ErrorPersistencia, ReglaIncumplida};
use serde::Serialize;
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
    /// 413: the body is larger than the API accepts.
    #[error("el cuerpo excede el máximo de {0} bytes")]
    DemasiadoGrande(usize),
    /// 503: a dependency (the database) is unavailable; retrying later may work.
    #[error("servicio no disponible temporalmente")]
    NoDisponible(String),
    /// 500: a fault of ours; the cause is logged, never sent.
    #[error("error interno")]
    Interno(String),
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
            ErrorPersistencia::NoDisponible(causa) => Self::NoDisponible(causa),
            otro => Self::Interno(otro.to_string()),
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
            // A wiring mistake, or a message-handling outcome that no request meets.
            ErrorVuelos::SinManejador(_) | ErrorVuelos::MensajeYaProcesado { .. } => {
                Self::Interno(error.to_string())
            }
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
            ErrorClientes::SinManejador(_)
            | ErrorClientes::Inesperado(_)
            | ErrorClientes::MensajeYaProcesado { .. } => Self::Interno(error.to_string()),
        }
    }
}

impl From<ErrorToken> for ErrorApi {
    /// Says whether the token was invalid or expired: neither tells anything about users.
    fn from(error: ErrorToken) -> Self {
        Self::NoAutenticado(error.to_string())
    }
}

#[derive(Serialize)]
struct Cuerpo<'a> {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    regla: Option<&'a str>,
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
            Self::NoDisponible(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Interno(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::NoDisponible(causa) | Self::Interno(causa) => {
                tracing::error!(causa = %causa, "{self}")
            }
            otro => tracing::info!(error = %otro, "solicitud rechazada"),
        }
        let regla = match self {
            Self::SolicitudInvalida { regla, .. } => *regla,
            _ => None,
        };
        let mut respuesta = HttpResponse::build(self.status_code());
        if let Self::NoAutenticado(_) = self {
            // RFC 6750: a 401 names the scheme the client should authenticate with.
            respuesta.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"aeroalpes\""));
        }
        respuesta.json(Cuerpo {
            error: self.to_string(),
            regla,
        })
    }
}

#[cfg(test)]
mod tests {
    use clientes_dominio::{Email, IdUsuario};
    use seedwork_aplicacion::SinManejador;

    use super::*;

    #[test]
    fn every_clientes_error_answers_the_status_it_documents() {
        let casos = [
            ErrorClientes::Regla(ReglaIncumplida::new("R", "m")),
            ErrorClientes::EmailDuplicado(Email::parse("ana@gmail.com").unwrap()),
            ErrorClientes::CredencialesInvalidas,
            ErrorClientes::NoEncontrado(IdUsuario::nuevo()),
            ErrorPersistencia::Duplicado("x".into()).into(),
            ErrorPersistencia::Conflicto("x".into()).into(),
            ErrorPersistencia::NoDisponible("x".into()).into(),
            ErrorPersistencia::DatosInvalidos("x".into()).into(),
            SinManejador { tipo: "X" }.into(),
            ErrorClientes::Inesperado("x".into()),
        ];
        for error in casos {
            let estado = error.estado_http();
            assert_eq!(
                ErrorApi::from(error.clone()).status_code().as_u16(),
                estado,
                "{error:?}"
            );
        }
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
