//! The JSON shapes of the clientes module: what clients send and what they get back.
//!
//! Requests deserialize into these types and become commands through the mappers in
//! `mapeadores`; answers are built from the aggregate. No shape here ever carries a
//! password hash, and passwords in requests are [`PasswordPlano`]s, which never print.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::password::PasswordPlano;

/// The format of timestamps in answers, as in the rest of the AeroAlpes API.
pub const FORMATO_FECHA_HORA: &str = "%Y-%m-%dT%H:%M:%SZ";

pub(crate) fn formatear(instante: DateTime<Utc>) -> String {
    instante.format(FORMATO_FECHA_HORA).to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaisDTO {
    pub codigo: String,
    pub nombre: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CiudadDTO {
    pub codigo: String,
    pub nombre: String,
    pub pais: PaisDTO,
}

/// A cédula or a RUT: `{"numero": 1020304050, "ciudad": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentoDTO {
    pub numero: u64,
    pub ciudad: CiudadDTO,
}

/// The part of a registration that depends on the kind of client, tagged by `tipo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "tipo", rename_all = "lowercase")]
pub enum DatosClienteDTO {
    Natural {
        cedula: DocumentoDTO,
        /// `YYYY-MM-DD`.
        fecha_nacimiento: NaiveDate,
    },
    Empresa {
        rut: DocumentoDTO,
        /// `YYYY-MM-DD`.
        fecha_constitucion: NaiveDate,
    },
}

/// The body of a registration:
/// `{"tipo": "natural", "nombres", "apellidos", "email", "password", "cedula": {...},
/// "fecha_nacimiento": "YYYY-MM-DD"}`, or with `"tipo": "empresa"`, `"rut"` and
/// `"fecha_constitucion"`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistroUsuarioDTO {
    pub nombres: String,
    pub apellidos: String,
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: PasswordPlano,
    #[serde(flatten)]
    pub cliente: DatosClienteDTO,
}

/// The body of an authentication: `{"email", "password"}`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredencialesDTO {
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    pub password: PasswordPlano,
}

/// The answer to a successful authentication: `{"token", "tipo": "Bearer", "expira"}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenDTO {
    pub token: String,
    pub tipo: String,
    /// [`FORMATO_FECHA_HORA`].
    pub expira: String,
}

impl std::fmt::Debug for TokenDTO {
    /// A token is a credential: it is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenDTO")
            .field("token", &"***")
            .field("tipo", &self.tipo)
            .field("expira", &self.expira)
            .finish()
    }
}

/// The kind of client in answers: `"natural"` or `"empresa"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TipoClienteDTO {
    Natural,
    Empresa,
}

/// A user as queries and commands answer it. `documento` is the cédula of a natural
/// client or the RUT of a company; exactly one of `fecha_nacimiento` (natural) and
/// `fecha_constitucion` (empresa) is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsuarioDTO {
    pub id: Uuid,
    pub tipo: TipoClienteDTO,
    pub nombres: String,
    pub apellidos: String,
    pub email: String,
    pub es_empresarial: bool,
    pub activo: bool,
    pub documento: DocumentoDTO,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_nacimiento: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_constitucion: Option<NaiveDate>,
    /// [`FORMATO_FECHA_HORA`].
    pub fecha_creacion: String,
    /// [`FORMATO_FECHA_HORA`].
    pub fecha_actualizacion: String,
    /// The ids of the user's reservations, oldest first.
    pub reservas: Vec<Uuid>,
}
