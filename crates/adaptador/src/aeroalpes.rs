//! The HTTP client of the AeroAlpes API: the two routes the adaptador forwards to, and one
//! error per answer it cannot turn into a reservation.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde::Deserialize;
use tracing::instrument;
use uuid::Uuid;
use vuelos_aplicacion::dto::{ReservaDTO, SolicitudReservaDTO};

/// Why AeroAlpes gave no reservation. Each variant names the gRPC status
/// [`crate::servicio`] maps it to.
#[derive(Debug, thiserror::Error)]
pub enum ErrorAeroalpes {
    /// 400 or 413: the request broke a rule (named when the API names it).
    /// INVALID_ARGUMENT.
    #[error("AeroAlpes refused the request: {error}{}", regla.as_ref().map(|r| format!(" (regla {r})")).unwrap_or_default())]
    Invalida {
        error: String,
        regla: Option<String>,
    },
    /// 404: no such reservation. NOT_FOUND.
    #[error("no such reservation")]
    NoEncontrada,
    /// 409: the reservation's lifecycle forbids it. FAILED_PRECONDITION.
    #[error("conflict: {error}")]
    Conflicto { error: String },
    /// 202: the reservation was asked for asynchronously and is not handled yet; asking
    /// again later may find it. UNAVAILABLE.
    #[error("the reservation is still being processed")]
    EnProceso,
    /// 422: the reservation was asked for asynchronously and refused. FAILED_PRECONDITION.
    #[error("the reservation was refused: {error}")]
    Rechazada { error: String },
    /// AeroAlpes did not answer in time or could not be reached. UNAVAILABLE.
    #[error("AeroAlpes is unreachable")]
    Inalcanzable(#[source] reqwest::Error),
    /// 5xx. UNAVAILABLE.
    #[error("AeroAlpes failed with status {0}")]
    FalloServidor(StatusCode),
    /// Any other status (401, 403…). INTERNAL: the adaptador sends nothing that should
    /// earn it.
    #[error("AeroAlpes answered the unexpected status {0}")]
    EstadoInesperado(StatusCode),
    /// A 200 whose body is not a reservation. INTERNAL.
    #[error("AeroAlpes answered a body that is not a reservation")]
    RespuestaInvalida(#[source] reqwest::Error),
}

/// The body of an error answer: `{"error": "...", "regla": "..."}`.
#[derive(Debug, Default, Deserialize)]
struct CuerpoError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    regla: Option<String>,
}

/// Calls AeroAlpes at a base URL (`http://host:port`); every call is bounded by the
/// client's timeout.
#[derive(Debug, Clone)]
pub struct ClienteAeroalpes {
    http: Client,
    url_base: String,
}

impl ClienteAeroalpes {
    pub fn new(url_base: impl Into<String>, tiempo_espera: Duration) -> reqwest::Result<Self> {
        let http = Client::builder()
            .timeout(tiempo_espera)
            .connect_timeout(tiempo_espera)
            .build()?;
        Ok(ClienteAeroalpes {
            http,
            url_base: url_base.into(),
        })
    }

    pub fn url_base(&self) -> &str {
        &self.url_base
    }

    /// `POST /vuelos/reserva`: creates the reservation now and answers it.
    #[instrument(skip_all, fields(url = %self.url_base))]
    pub async fn crear_reserva(
        &self,
        solicitud: &SolicitudReservaDTO,
    ) -> Result<ReservaDTO, ErrorAeroalpes> {
        let respuesta = self
            .http
            .post(format!("{}/vuelos/reserva", self.url_base))
            .json(solicitud)
            .send()
            .await
            .map_err(ErrorAeroalpes::Inalcanzable)?;
        reserva_de(respuesta).await
    }

    /// `GET /vuelos/reserva-query/{id}`: the reservation with that id.
    #[instrument(skip(self), fields(url = %self.url_base))]
    pub async fn consultar_reserva(&self, id: Uuid) -> Result<ReservaDTO, ErrorAeroalpes> {
        let respuesta = self
            .http
            .get(format!("{}/vuelos/reserva-query/{id}", self.url_base))
            .send()
            .await
            .map_err(ErrorAeroalpes::Inalcanzable)?;
        reserva_de(respuesta).await
    }
}

/// The reservation of a 200, or the error every other status stands for.
async fn reserva_de(respuesta: Response) -> Result<ReservaDTO, ErrorAeroalpes> {
    let estado = respuesta.status();
    match estado {
        StatusCode::OK => respuesta
            .json()
            .await
            .map_err(ErrorAeroalpes::RespuestaInvalida),
        StatusCode::ACCEPTED => Err(ErrorAeroalpes::EnProceso),
        StatusCode::NOT_FOUND => Err(ErrorAeroalpes::NoEncontrada),
        StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => {
            let cuerpo = cuerpo_error(respuesta).await;
            Err(ErrorAeroalpes::Invalida {
                error: cuerpo.error,
                regla: cuerpo.regla,
            })
        }
        StatusCode::CONFLICT => Err(ErrorAeroalpes::Conflicto {
            error: cuerpo_error(respuesta).await.error,
        }),
        StatusCode::UNPROCESSABLE_ENTITY => Err(ErrorAeroalpes::Rechazada {
            error: cuerpo_error(respuesta).await.error,
        }),
        _ if estado.is_server_error() => Err(ErrorAeroalpes::FalloServidor(estado)),
        _ => Err(ErrorAeroalpes::EstadoInesperado(estado)),
    }
}

/// The JSON error body, or its text as the error when it is not that JSON (a proxy's
/// page, an empty body).
async fn cuerpo_error(respuesta: Response) -> CuerpoError {
    let texto = respuesta.text().await.unwrap_or_default();
    serde_json::from_str(&texto).unwrap_or(CuerpoError {
        error: texto,
        regla: None,
    })
}
