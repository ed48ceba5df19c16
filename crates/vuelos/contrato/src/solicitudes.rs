//! The outcome of asynchronous requests that the reservation events do not tell:
//! `EventoSolicitudRechazada`, written by the command service when its handler refuses a
//! command it had accepted with a 202, so that a query service that keeps its own read
//! model can answer the refusal (and a client learns what became of its 202).

use apache_avro::Schema;
use serde::{Deserialize, Serialize};

use crate::errores::ErrorAvro;
use crate::sobre::Sobre;
use crate::{contrato_para_la_vista, Contrato, MensajeIntegracion};

/// The payload of `EventoSolicitudRechazada`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolicitudRechazadaPayload {
    pub id_reserva: Option<String>,
    /// `aprobar`, `cancelar` or `pagar`; `None` for a creation.
    pub accion: Option<String>,
    pub razon: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha: Option<i64>,
}

/// A command accepted asynchronously was refused, on `eventos-solicitud-rechazada`. Its
/// `causation_id` is the id of the refused command's message.
pub type EventoSolicitudRechazada = Sobre<SolicitudRechazadaPayload>;

seedwork_contrato::mensaje_integracion!(
    EventoSolicitudRechazada,
    SolicitudRechazadaPayload,
    "eventos-solicitud-rechazada",
    id_reserva
);

/// The records about requests, as a closed set (one today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SolicitudVuelos {
    Rechazada(EventoSolicitudRechazada),
}

impl SolicitudVuelos {
    /// One entry per variant.
    pub const CONTRATOS: [Contrato; 1] = [contrato_para_la_vista::<EventoSolicitudRechazada>()];

    /// Decodes a message of one of the topics of [`Self::CONTRATOS`]; `None` for any other.
    pub fn decodificar(
        topico: &str,
        carga: &[u8],
        escritor: Option<&Schema>,
    ) -> Option<Result<Self, ErrorAvro>> {
        Some(match topico {
            EventoSolicitudRechazada::TOPICO => {
                EventoSolicitudRechazada::decodificar(carga, escritor).map(Self::Rechazada)
            }
            _ => return None,
        })
    }

    /// The record name (the envelope's `type`).
    pub fn tipo(&self) -> &'static str {
        match self {
            Self::Rechazada(_) => EventoSolicitudRechazada::TIPO,
        }
    }
}
