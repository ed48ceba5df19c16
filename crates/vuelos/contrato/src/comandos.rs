//! The command records (`ComandoCrearReserva`, `ComandoAprobarReserva`,
//! `ComandoCancelarReserva`, `ComandoPagarReserva`) and [`ComandoVuelos`], the closed set of
//! them that a command consumer decodes into.

use apache_avro::Schema;
use serde::{Deserialize, Serialize};

use crate::errores::ErrorAvro;
use crate::sobre::Sobre;
use crate::{contrato_de_comando, Contrato, MensajeIntegracion};

/// Record `Aeropuerto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AeropuertoAvro {
    pub codigo: Option<String>,
    pub nombre: Option<String>,
}

/// Record `Leg`; dates in milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegAvro {
    pub fecha_salida: Option<i64>,
    pub fecha_llegada: Option<i64>,
    pub origen: Option<AeropuertoAvro>,
    pub destino: Option<AeropuertoAvro>,
}

/// Record `Segmento`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentoAvro {
    pub legs: Option<Vec<LegAvro>>,
}

/// Record `Odo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdoAvro {
    pub segmentos: Option<Vec<SegmentoAvro>>,
}

/// Record `Itinerario`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItinerarioAvro {
    pub odos: Option<Vec<OdoAvro>>,
}

/// The payload of `ComandoCrearReserva`: the whole reservation. The tutorial's payload has
/// `id_usuario` only; its other fields are what the tutorial left as a TODO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComandoCrearReservaPayload {
    pub id_reserva: Option<String>,
    /// The client (`id_cliente` of the command).
    pub id_usuario: Option<String>,
    pub fecha_creacion: Option<i64>,
    pub itinerarios: Option<Vec<ItinerarioAvro>>,
}

/// The payload of `ComandoAprobarReserva`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComandoAprobarReservaPayload {
    pub id_reserva: Option<String>,
}

/// The payload of `ComandoCancelarReserva`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComandoCancelarReservaPayload {
    pub id_reserva: Option<String>,
}

/// The payload of `ComandoPagarReserva`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComandoPagarReservaPayload {
    pub id_reserva: Option<String>,
}

/// Create a reservation, on `comandos-reserva` (the tutorial's topic).
pub type ComandoCrearReserva = Sobre<ComandoCrearReservaPayload>;
/// Approve a pending reservation, on `comandos-aprobar-reserva`.
pub type ComandoAprobarReserva = Sobre<ComandoAprobarReservaPayload>;
/// Cancel a pending or approved reservation, on `comandos-cancelar-reserva`.
pub type ComandoCancelarReserva = Sobre<ComandoCancelarReservaPayload>;
/// Pay an approved reservation, on `comandos-pagar-reserva`.
pub type ComandoPagarReserva = Sobre<ComandoPagarReservaPayload>;

seedwork_contrato::mensaje_integracion!(
    ComandoCrearReserva,
    ComandoCrearReservaPayload,
    "comandos-reserva",
    id_reserva
);
seedwork_contrato::mensaje_integracion!(
    ComandoAprobarReserva,
    ComandoAprobarReservaPayload,
    "comandos-aprobar-reserva",
    id_reserva
);
seedwork_contrato::mensaje_integracion!(
    ComandoCancelarReserva,
    ComandoCancelarReservaPayload,
    "comandos-cancelar-reserva",
    id_reserva
);
seedwork_contrato::mensaje_integracion!(
    ComandoPagarReserva,
    ComandoPagarReservaPayload,
    "comandos-pagar-reserva",
    id_reserva
);

/// Every command record of vuelos, as a closed set: a consumer decodes a message into one
/// of these and handles each with an exhaustive `match`, so a record added here and not
/// handled there does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComandoVuelos {
    Crear(ComandoCrearReserva),
    Aprobar(ComandoAprobarReserva),
    Cancelar(ComandoCancelarReserva),
    Pagar(ComandoPagarReserva),
}

impl ComandoVuelos {
    /// One entry per variant: the topics the command consumer subscribes to.
    pub const CONTRATOS: [Contrato; 4] = [
        contrato_de_comando::<ComandoCrearReserva>(),
        contrato_de_comando::<ComandoAprobarReserva>(),
        contrato_de_comando::<ComandoCancelarReserva>(),
        contrato_de_comando::<ComandoPagarReserva>(),
    ];

    /// Decodes a message of one of the topics of [`Self::CONTRATOS`]; `None` for any other.
    pub fn decodificar(
        topico: &str,
        carga: &[u8],
        escritor: Option<&Schema>,
    ) -> Option<Result<Self, ErrorAvro>> {
        Some(match topico {
            ComandoCrearReserva::TOPICO => {
                ComandoCrearReserva::decodificar(carga, escritor).map(Self::Crear)
            }
            ComandoAprobarReserva::TOPICO => {
                ComandoAprobarReserva::decodificar(carga, escritor).map(Self::Aprobar)
            }
            ComandoCancelarReserva::TOPICO => {
                ComandoCancelarReserva::decodificar(carga, escritor).map(Self::Cancelar)
            }
            ComandoPagarReserva::TOPICO => {
                ComandoPagarReserva::decodificar(carga, escritor).map(Self::Pagar)
            }
            _ => return None,
        })
    }

    /// The record name (the envelope's `type`).
    pub fn tipo(&self) -> &'static str {
        match self {
            Self::Crear(_) => ComandoCrearReserva::TIPO,
            Self::Aprobar(_) => ComandoAprobarReserva::TIPO,
            Self::Cancelar(_) => ComandoCancelarReserva::TIPO,
            Self::Pagar(_) => ComandoPagarReserva::TIPO,
        }
    }

    /// The reservation the command is about (the message key), when present.
    pub fn clave(&self) -> Option<&str> {
        match self {
            Self::Crear(r) => r.clave(),
            Self::Aprobar(r) => r.clave(),
            Self::Cancelar(r) => r.clave(),
            Self::Pagar(r) => r.clave(),
        }
    }

    /// The envelope's `id`, when present (the tutorial's producers write none).
    pub fn id_mensaje(&self) -> Option<&str> {
        match self {
            Self::Crear(r) => r.id_mensaje(),
            Self::Aprobar(r) => r.id_mensaje(),
            Self::Cancelar(r) => r.id_mensaje(),
            Self::Pagar(r) => r.id_mensaje(),
        }
    }

    /// The envelope's `correlation_id`, when present.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::Crear(r) => r.correlation_id(),
            Self::Aprobar(r) => r.correlation_id(),
            Self::Cancelar(r) => r.correlation_id(),
            Self::Pagar(r) => r.correlation_id(),
        }
    }

    /// The envelope's `time`: when the command was issued (ms since the epoch), when present.
    pub fn time(&self) -> Option<i64> {
        match self {
            Self::Crear(r) => r.time,
            Self::Aprobar(r) => r.time,
            Self::Cancelar(r) => r.time,
            Self::Pagar(r) => r.time,
        }
    }
}
