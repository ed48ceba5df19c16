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
    /// ISO 3166-1 alpha-2: two letters.
    #[cfg_attr(feature = "openapi", schema(example = "CO", pattern = "^[A-Za-z]{2}$"))]
    pub codigo: String,
    /// Not blank, without control characters, at most 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Colombia",
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub nombre: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CiudadDTO {
    /// Two to ten letters or digits.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "BOG", pattern = "^[A-Za-z0-9]{2,10}$")
    )]
    pub codigo: String,
    /// Not blank, without control characters, at most 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Bogotá",
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub nombre: String,
    pub pais: PaisDTO,
}

/// A cédula or a RUT: `{"numero": 1020304050, "ciudad": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentoDTO {
    /// One to twelve digits, not zero.
    #[cfg_attr(
        feature = "openapi",
        schema(example = 1020304050, minimum = 1, maximum = 999_999_999_999u64)
    )]
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
        /// `YYYY-MM-DD`, from 1900 on, at least 18 years ago.
        #[cfg_attr(
            feature = "openapi",
            schema(
                example = "1990-05-01",
                pattern = "^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
            )
        )]
        fecha_nacimiento: NaiveDate,
    },
    Empresa {
        rut: DocumentoDTO,
        /// `YYYY-MM-DD`, from 1800 on, not in the future.
        #[cfg_attr(
            feature = "openapi",
            schema(
                example = "2001-03-20",
                pattern = "^(1[89][0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
            )
        )]
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
    /// Not blank, without control characters, at most 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Ana María",
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub nombres: String,
    /// Not blank, without control characters, at most 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "Pérez",
            max_length = 100,
            pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$"
        )
    )]
    pub apellidos: String,
    /// `local@dominio.tld`, at most 254 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "ana@example.com",
            max_length = 254,
            pattern = "^[^@]+@[^@]+$"
        )
    )]
    pub email: String,
    /// 8 to 128 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, format = Password, min_length = 8, max_length = 128)
    )]
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
