//! The gRPC service `vuelos.Vuelos`: each call forwards to AeroAlpes; every failure
//! becomes a gRPC status here, in [`estado_de`], and nowhere else.

use seedwork_dominio::ConCausas;
use tonic::{Request, Response, Status};
use tracing::instrument;
use uuid::Uuid;
use vuelos_aplicacion::dto::ReservaDTO;

use crate::aeroalpes::{ClienteAeroalpes, ErrorAeroalpes};
use crate::proto::vuelos_server::Vuelos;
use crate::proto::{QueryReserva, Reserva, RespuestaReserva};
use crate::traduccion::{reserva_de_dto, solicitud_de_reserva, CampoInvalido};

/// The message of every successful answer, as in the tutorial.
pub const MENSAJE_OK: &str = "OK";

/// Serves `vuelos.Vuelos` by calling AeroAlpes over HTTP.
#[derive(Debug, Clone)]
pub struct ServicioVuelos {
    aeroalpes: ClienteAeroalpes,
}

impl ServicioVuelos {
    pub fn new(aeroalpes: ClienteAeroalpes) -> Self {
        ServicioVuelos { aeroalpes }
    }
}

#[tonic::async_trait]
impl Vuelos for ServicioVuelos {
    #[instrument(skip_all)]
    async fn crear_reserva(
        &self,
        request: Request<Reserva>,
    ) -> Result<Response<RespuestaReserva>, Status> {
        let solicitud = solicitud_de_reserva(request.into_inner())
            .map_err(|error| Status::invalid_argument(error.to_string()))?;
        let reserva = self
            .aeroalpes
            .crear_reserva(&solicitud)
            .await
            .map_err(estado_de)?;
        tracing::info!(id = %reserva.id, "reserva creada");
        respuesta(reserva)
            .map(Response::new)
            .map_err(reserva_invalida)
    }

    // The id is recorded once parsed: a client's raw text never reaches a log line.
    #[instrument(skip_all, fields(id = tracing::field::Empty))]
    async fn consultar_reserva(
        &self,
        request: Request<QueryReserva>,
    ) -> Result<Response<RespuestaReserva>, Status> {
        let id = Uuid::parse_str(request.get_ref().id.trim())
            .map_err(|_| Status::invalid_argument("id is not a valid reservation id"))?;
        tracing::Span::current().record("id", tracing::field::display(id));
        let reserva = self
            .aeroalpes
            .consultar_reserva(id)
            .await
            .map_err(estado_de)?;
        respuesta(reserva)
            .map(Response::new)
            .map_err(reserva_invalida)
    }
}

/// The answer of a call that got `reserva` from AeroAlpes.
fn respuesta(reserva: ReservaDTO) -> Result<RespuestaReserva, CampoInvalido> {
    Ok(RespuestaReserva {
        mensaje: MENSAJE_OK.to_owned(),
        reserva: Some(reserva_de_dto(reserva)?),
    })
}

/// A reservation of AeroAlpes that is not a valid message: AeroAlpes' fault, not the
/// caller's.
fn reserva_invalida(error: CampoInvalido) -> Status {
    tracing::error!(error = %error, "AeroAlpes answered a reservation with a bad field");
    Status::internal("AeroAlpes answered an invalid reservation")
}

/// The gRPC status of each failure of AeroAlpes. A reservation still in process is
/// UNAVAILABLE: the same call, repeated later, may succeed, which is what that code
/// tells gRPC clients (FAILED_PRECONDITION would tell them not to retry).
pub fn estado_de(error: ErrorAeroalpes) -> Status {
    match &error {
        ErrorAeroalpes::Invalida { .. } => Status::invalid_argument(error.to_string()),
        ErrorAeroalpes::NoEncontrada => Status::not_found(error.to_string()),
        ErrorAeroalpes::Conflicto { .. } | ErrorAeroalpes::Rechazada { .. } => {
            Status::failed_precondition(error.to_string())
        }
        ErrorAeroalpes::EnProceso => Status::unavailable(error.to_string()),
        ErrorAeroalpes::Inalcanzable(_) | ErrorAeroalpes::FalloServidor(_) => {
            tracing::warn!(error = %ConCausas(&error), "AeroAlpes unavailable");
            Status::unavailable(error.to_string())
        }
        ErrorAeroalpes::EstadoInesperado(_) | ErrorAeroalpes::RespuestaInvalida(_) => {
            tracing::error!(error = %ConCausas(&error), "unexpected answer of AeroAlpes");
            Status::internal("unexpected answer of AeroAlpes")
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use tonic::Code;

    use super::*;

    #[test]
    fn every_error_of_aeroalpes_maps_to_its_documented_status() {
        let casos = [
            (
                ErrorAeroalpes::Invalida {
                    error: "e".into(),
                    regla: Some("LegsConectados".into()),
                },
                Code::InvalidArgument,
            ),
            (ErrorAeroalpes::NoEncontrada, Code::NotFound),
            (
                ErrorAeroalpes::Conflicto { error: "e".into() },
                Code::FailedPrecondition,
            ),
            (
                ErrorAeroalpes::Rechazada { error: "e".into() },
                Code::FailedPrecondition,
            ),
            (ErrorAeroalpes::EnProceso, Code::Unavailable),
            (
                ErrorAeroalpes::FalloServidor(StatusCode::BAD_GATEWAY),
                Code::Unavailable,
            ),
            (
                ErrorAeroalpes::EstadoInesperado(StatusCode::UNAUTHORIZED),
                Code::Internal,
            ),
        ];
        for (error, codigo) in casos {
            let descripcion = error.to_string();
            assert_eq!(estado_de(error).code(), codigo, "{descripcion}");
        }
    }

    #[test]
    fn an_invalid_request_names_the_broken_rule() {
        let estado = estado_de(ErrorAeroalpes::Invalida {
            error: "the leg lands before it leaves".into(),
            regla: Some("LlegadaDespuesDeSalida".into()),
        });
        assert!(estado.message().contains("LlegadaDespuesDeSalida"));
    }
}
