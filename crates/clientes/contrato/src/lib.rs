//! `clientes-contrato`: the published language of the clientes module, its events, one
//! record per `.avsc` file of `schema/v1/` (see `seedwork-contrato` for what every contract
//! shares), and [`contratos`], the table of its messages. A query service's read model of
//! users is kept from them alone: the registration carries the whole user (but its
//! password), the deactivation the moment after which its tokens are refused.
#![forbid(unsafe_code)]

use apache_avro::Schema;
use seedwork_contrato::{
    mensaje_integracion, Contrato, Direccion, ErrorAvro, MensajeIntegracion, Sobre,
    SUSCRIPCION_VISTA,
};
use serde::{Deserialize, Serialize};

/// Record `Pais`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaisAvro {
    pub codigo: Option<String>,
    pub nombre: Option<String>,
}

/// Record `Ciudad`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiudadAvro {
    pub codigo: Option<String>,
    pub nombre: Option<String>,
    pub pais: Option<PaisAvro>,
}

/// Record `Documento`: a natural client's cedula or a company's rut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentoAvro {
    pub numero: Option<i64>,
    pub ciudad: Option<CiudadAvro>,
}

/// The payload of `EventoUsuarioRegistrado`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsuarioRegistradoPayload {
    pub id_usuario: Option<String>,
    pub email: Option<String>,
    pub nombres: Option<String>,
    pub apellidos: Option<String>,
    /// `natural` or `empresa`.
    pub tipo: Option<String>,
    pub documento: Option<DocumentoAvro>,
    /// `YYYY-MM-DD`, a natural client's.
    pub fecha_nacimiento: Option<String>,
    /// `YYYY-MM-DD`, a company's.
    pub fecha_constitucion: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha_creacion: Option<i64>,
}

/// The payload of `EventoUsuarioDesactivado`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsuarioDesactivadoPayload {
    pub id_usuario: Option<String>,
    /// Milliseconds since the epoch.
    pub fecha: Option<i64>,
}

/// A user registered, on `eventos-usuario-registrado`.
pub type EventoUsuarioRegistrado = Sobre<UsuarioRegistradoPayload>;
/// A user was deactivated, on `eventos-usuario-desactivado`.
pub type EventoUsuarioDesactivado = Sobre<UsuarioDesactivadoPayload>;

mensaje_integracion!(
    EventoUsuarioRegistrado,
    UsuarioRegistradoPayload,
    "eventos-usuario-registrado",
    id_usuario
);
mensaje_integracion!(
    EventoUsuarioDesactivado,
    UsuarioDesactivadoPayload,
    "eventos-usuario-desactivado",
    id_usuario
);

/// Every event record of clientes, as a closed set.
#[derive(Debug, Clone, PartialEq, Eq)]
// A registration carries the whole user, a deactivation its id only; each value is
// decoded, read once and dropped, never kept in a collection, so the size is no concern.
#[allow(clippy::large_enum_variant)]
pub enum EventoClientes {
    Registrado(EventoUsuarioRegistrado),
    Desactivado(EventoUsuarioDesactivado),
}

impl EventoClientes {
    /// One entry per variant; a query service's projection reads them.
    pub const CONTRATOS: [Contrato; 2] = [
        Contrato::de::<EventoUsuarioRegistrado>(Direccion::Evento, &[SUSCRIPCION_VISTA]),
        Contrato::de::<EventoUsuarioDesactivado>(Direccion::Evento, &[SUSCRIPCION_VISTA]),
    ];

    /// Decodes a message of one of the topics of [`Self::CONTRATOS`]; `None` for any other.
    pub fn decodificar(
        topico: &str,
        carga: &[u8],
        escritor: Option<&Schema>,
    ) -> Option<Result<Self, ErrorAvro>> {
        Some(match topico {
            EventoUsuarioRegistrado::TOPICO => {
                EventoUsuarioRegistrado::decodificar(carga, escritor).map(Self::Registrado)
            }
            EventoUsuarioDesactivado::TOPICO => {
                EventoUsuarioDesactivado::decodificar(carga, escritor).map(Self::Desactivado)
            }
            _ => return None,
        })
    }

    /// The record name (the envelope's `type`).
    pub fn tipo(&self) -> &'static str {
        match self {
            Self::Registrado(_) => EventoUsuarioRegistrado::TIPO,
            Self::Desactivado(_) => EventoUsuarioDesactivado::TIPO,
        }
    }
}

/// Every message of the clientes contract (what schema/README.md lists for it).
pub fn contratos() -> impl Iterator<Item = &'static Contrato> {
    EventoClientes::CONTRATOS.iter()
}
