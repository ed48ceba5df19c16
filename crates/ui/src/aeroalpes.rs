//! The HTTP client of aeroalpes: its asynchronous command routes and its list of
//! reservations, each call bounded in time. The page's correlation id travels as
//! `X-Request-Id`.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde::Deserialize;
use uuid::Uuid;

use crate::protocolo::Accion;

/// The header that carries the page's correlation id to aeroalpes.
pub const CABECERA_CORRELACION: &str = "x-request-id";

/// Why aeroalpes did not accept a call.
#[derive(Debug, thiserror::Error)]
pub enum ErrorAeroalpes {
    /// A 4xx: the order is wrong (a broken rule, an unknown id); shown to the user as is.
    #[error("{error}")]
    Rechazada {
        estado: u16,
        error: String,
        regla: Option<String>,
    },
    /// aeroalpes could not be reached or did not answer in time.
    #[error("aeroalpes no responde")]
    NoDisponible(#[source] reqwest::Error),
    /// A 5xx, or an answer that is not what the route documents.
    #[error("aeroalpes respondió {estado} de forma inesperada")]
    Inesperada { estado: u16 },
}

/// The error body of aeroalpes: `{"error", "regla"}`.
#[derive(Debug, Deserialize)]
struct CuerpoError {
    error: String,
    #[serde(default)]
    regla: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CuerpoAceptado {
    id: Uuid,
}

/// Calls one aeroalpes (cheap to clone: the connection pool is shared).
#[derive(Debug, Clone)]
pub struct ClienteAeroalpes {
    http: Client,
    base: String,
}

impl ClienteAeroalpes {
    /// How long one call may take, connecting included.
    pub const PLAZO: Duration = Duration::from_secs(10);
    pub const PLAZO_CONEXION: Duration = Duration::from_secs(3);

    /// A client of the aeroalpes at `base` (`http://host:port`), sending `token` (the
    /// service token) as its bearer token if given.
    pub fn new(base: impl Into<String>, token: Option<&str>) -> Result<Self, reqwest::Error> {
        let mut cabeceras = reqwest::header::HeaderMap::new();
        if let Some(token) = token {
            if let Ok(mut valor) =
                reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            {
                valor.set_sensitive(true);
                cabeceras.insert(reqwest::header::AUTHORIZATION, valor);
            }
        }
        let http = Client::builder()
            .default_headers(cabeceras)
            .timeout(Self::PLAZO)
            .connect_timeout(Self::PLAZO_CONEXION)
            .build()?;
        Ok(Self {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `POST /vuelos/reserva-commando`: the id of the accepted reservation.
    #[tracing::instrument(skip(self, reserva))]
    pub async fn crear(
        &self,
        reserva: &serde_json::Value,
        correlacion: &str,
    ) -> Result<Uuid, ErrorAeroalpes> {
        let respuesta = self
            .http
            .post(format!("{}/vuelos/reserva-commando", self.base))
            .header(CABECERA_CORRELACION, correlacion)
            .json(reserva)
            .send()
            .await
            .map_err(ErrorAeroalpes::NoDisponible)?;
        let respuesta = aceptada(respuesta).await?;
        let cuerpo: CuerpoAceptado =
            respuesta
                .json()
                .await
                .map_err(|_| ErrorAeroalpes::Inesperada {
                    estado: StatusCode::ACCEPTED.as_u16(),
                })?;
        Ok(cuerpo.id)
    }

    /// `POST /vuelos/reserva-commando/{id}/{accion}`.
    #[tracing::instrument(skip(self))]
    pub async fn ordenar(
        &self,
        id: Uuid,
        accion: Accion,
        correlacion: &str,
    ) -> Result<(), ErrorAeroalpes> {
        let respuesta = self
            .http
            .post(format!(
                "{}/vuelos/reserva-commando/{id}/{}",
                self.base,
                accion.as_str()
            ))
            .header(CABECERA_CORRELACION, correlacion)
            .send()
            .await
            .map_err(ErrorAeroalpes::NoDisponible)?;
        aceptada(respuesta).await.map(drop)
    }

    /// `GET /vuelos/reserva-query?limite=`: the newest reservations, as aeroalpes writes
    /// them.
    #[tracing::instrument(skip(self))]
    pub async fn recientes(&self, limite: u32) -> Result<serde_json::Value, ErrorAeroalpes> {
        let respuesta = self
            .http
            .get(format!("{}/vuelos/reserva-query", self.base))
            .query(&[("limite", limite)])
            .send()
            .await
            .map_err(ErrorAeroalpes::NoDisponible)?;
        let estado = respuesta.status();
        if !estado.is_success() {
            return Err(rechazo(respuesta).await);
        }
        respuesta
            .json()
            .await
            .map_err(|_| ErrorAeroalpes::Inesperada {
                estado: estado.as_u16(),
            })
    }
}

/// The response if it is the 202 of an accepted command, else the error it tells.
async fn aceptada(respuesta: Response) -> Result<Response, ErrorAeroalpes> {
    if respuesta.status() == StatusCode::ACCEPTED {
        Ok(respuesta)
    } else {
        Err(rechazo(respuesta).await)
    }
}

async fn rechazo(respuesta: Response) -> ErrorAeroalpes {
    let estado = respuesta.status();
    if !estado.is_client_error() {
        return ErrorAeroalpes::Inesperada {
            estado: estado.as_u16(),
        };
    }
    match respuesta.json::<CuerpoError>().await {
        Ok(cuerpo) => ErrorAeroalpes::Rechazada {
            estado: estado.as_u16(),
            error: cuerpo.error,
            regla: cuerpo.regla,
        },
        Err(_) => ErrorAeroalpes::Rechazada {
            estado: estado.as_u16(),
            error: format!("aeroalpes rechazó la orden ({estado})"),
            regla: None,
        },
    }
}
