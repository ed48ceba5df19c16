//! Bearer tokens on requests: the extractors that tell which user, if any, a request
//! speaks for (`Authorization: Bearer <token>`, checked with the token port).

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderValue, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpRequest};
use clientes_aplicacion::{Acceso, ObtenerAcceso};
use clientes_dominio::IdUsuario;
use futures::future::LocalBoxFuture;

use crate::contexto::Contexto;
use crate::errores::ErrorApi;

/// Who a request speaks for, once its credentials are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A client, by its user's token: its own data and reservations.
    Cliente(IdUsuario),
    /// A staff user (its e-mail is in `AEROALPES_PERSONAL`), by its user's token.
    Personal(IdUsuario),
    /// An internal service (the ui), by the configured service token
    /// (`AEROALPES_TOKEN_SERVICIO`): staff rights, no user.
    Servicio,
}

/// Who a request speaks for, if it carries an `Authorization` header. Without the header
/// it speaks for nobody (anonymous); with one that is not a valid, unexpired bearer token
/// of an existing, active user (or the service token) it is refused with 401, whatever
/// the route: a client that sends credentials means them. A deactivated user's tokens are
/// refused from the moment of the deactivation: the user is read on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Portador(pub Option<Principal>);

impl Portador {
    /// The user of the token, client or staff.
    pub fn usuario(&self) -> Option<IdUsuario> {
        match self.0 {
            Some(Principal::Cliente(id) | Principal::Personal(id)) => Some(id),
            _ => None,
        }
    }

    /// Staff rights: a staff user or the service.
    pub fn es_personal(&self) -> bool {
        matches!(self.0, Some(Principal::Personal(_) | Principal::Servicio))
    }
}

/// Who a request speaks for; a route that takes it needs credentials (401 without).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsuarioAutenticado(pub Principal);

impl FromRequest for Portador {
    type Error = ErrorApi;
    type Future = LocalBoxFuture<'static, Result<Self, ErrorApi>>;

    fn from_request(solicitud: &HttpRequest, _: &mut Payload) -> Self::Future {
        let solicitud = solicitud.clone();
        Box::pin(async move { portador_de(&solicitud).await })
    }
}

impl FromRequest for UsuarioAutenticado {
    type Error = ErrorApi;
    type Future = LocalBoxFuture<'static, Result<Self, ErrorApi>>;

    fn from_request(solicitud: &HttpRequest, _: &mut Payload) -> Self::Future {
        let solicitud = solicitud.clone();
        Box::pin(async move {
            portador_de(&solicitud)
                .await?
                .0
                .map(UsuarioAutenticado)
                .ok_or_else(sin_credenciales)
        })
    }
}

/// The 401 of a route that needs credentials and got none.
pub fn sin_credenciales() -> ErrorApi {
    ErrorApi::NoAutenticado("se requiere un token: Authorization: Bearer <token>".to_owned())
}

async fn portador_de(solicitud: &HttpRequest) -> Result<Portador, ErrorApi> {
    let Some(cabecera) = solicitud.headers().get(AUTHORIZATION) else {
        return Ok(Portador(None));
    };
    let token = token_bearer(cabecera)?;
    let contexto = solicitud
        .app_data::<web::Data<Contexto>>()
        .ok_or_else(|| ErrorApi::Interno("la aplicación no tiene contexto".into()))?;
    if contexto
        .token_servicio
        .as_deref()
        .is_some_and(|servicio| iguales(servicio.as_bytes(), token.as_bytes()))
    {
        return Ok(Portador(Some(Principal::Servicio)));
    }
    let id = contexto.tokens.verificar(token)?;
    match contexto
        .consultas_clientes
        .acceso(ObtenerAcceso { id })
        .await?
    {
        Acceso::Cliente => Ok(Portador(Some(Principal::Cliente(id)))),
        Acceso::Personal => Ok(Portador(Some(Principal::Personal(id)))),
        Acceso::Ninguno => Err(ErrorApi::NoAutenticado(
            "el usuario del token no existe o está desactivado".to_owned(),
        )),
    }
}

/// Compares a secret without stopping at the first difference, so that the time taken
/// does not tell how much of a guess was right.
fn iguales(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .fold(0u8, |diferencia, (x, y)| diferencia | (x ^ y))
            == 0
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn token_bearer(cabecera: &HeaderValue) -> Result<&str, ErrorApi> {
    let malformada = || {
        ErrorApi::NoAutenticado("la cabecera Authorization debe ser 'Bearer <token>'".to_owned())
    };
    let texto = cabecera.to_str().map_err(|_| malformada())?;
    let (esquema, token) = texto.trim().split_once(' ').ok_or_else(malformada)?;
    let token = token.trim();
    if !esquema.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformada());
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(cabecera: &str) -> Result<String, ErrorApi> {
        token_bearer(&HeaderValue::from_str(cabecera).unwrap()).map(str::to_owned)
    }

    #[test]
    fn the_token_of_a_bearer_header_is_read_whatever_the_case_of_the_scheme() {
        assert_eq!(
            token("Bearer abc.def.ghi").ok().as_deref(),
            Some("abc.def.ghi")
        );
        assert_eq!(token("bearer  abc ").ok().as_deref(), Some("abc"));
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_refused_with_401() {
        for cabecera in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "abc", ""] {
            assert!(
                matches!(token(cabecera), Err(ErrorApi::NoAutenticado(_))),
                "{cabecera}"
            );
        }
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(iguales(b"secreto-de-servicio", b"secreto-de-servicio"));
        assert!(!iguales(b"secreto-de-servicio", b"secreto-de-servicia"));
        assert!(!iguales(b"secreto", b"secreto-de-servicio"));
        assert!(!iguales(b"", b"x"));
    }
}
