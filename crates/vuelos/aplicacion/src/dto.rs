//! Data transfer objects of the vuelos module, in the JSON shape of the tutorial.
//!
//! Dates travel as text in `%Y-%m-%dT%H:%M:%SZ`; the mappers turn DTOs into domain values
//! and fail with a rule error when the text is not a valid value.

use serde::{Deserialize, Serialize};

/// The date format of every date in the JSON of a reservation.
pub const FORMATO_FECHA: &str = "%Y-%m-%dT%H:%M:%SZ";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AeropuertoDTO {
    /// Three-letter IATA code.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "BOG", pattern = "^[A-Za-z]{3}$")
    )]
    pub codigo: String,
    /// Not blank, without control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Aeropuerto Internacional El Dorado",
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub nombre: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegDTO {
    /// `AAAA-MM-DDTHH:MM:SSZ`, years 2000–2100, no leap second.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "2027-03-10T22:05:00Z",
            pattern = "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]Z$"
        )
    )]
    pub fecha_salida: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "2027-03-11T14:40:00Z",
            pattern = "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]Z$"
        )
    )]
    pub fecha_llegada: String,
    pub origen: AeropuertoDTO,
    pub destino: AeropuertoDTO,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentoDTO {
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub legs: Vec<LegDTO>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OdoDTO {
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub segmentos: Vec<SegmentoDTO>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItinerarioDTO {
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub odos: Vec<OdoDTO>,
}

/// The body that asks for a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SolicitudReservaDTO {
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub itinerarios: Vec<ItinerarioDTO>,
    /// The client the reservation is for, when no bearer token says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_cliente: Option<String>,
}

/// A reservation as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReservaDTO {
    pub id: String,
    pub id_cliente: Option<String>,
    /// Pendiente, Aprobada, Pagada or Cancelada.
    pub estado: String,
    pub fecha_creacion: String,
    pub fecha_actualizacion: String,
    pub itinerarios: Vec<ItinerarioDTO>,
    /// The latest lifecycle command asked for asynchronously on this reservation and what
    /// became of it; only the query answers it, and only when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ultima_solicitud: Option<Box<UltimaSolicitudDTO>>,
}

/// What became of the latest asynchronous lifecycle command on a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UltimaSolicitudDTO {
    /// aprobar, cancelar or pagar.
    pub accion: String,
    /// EnProceso, Aplicada or Rechazada.
    pub estado: String,
    /// Why it was refused (`Rechazada` only).
    pub error: Option<String>,
    pub fecha: String,
}
