//! Bearer tokens on requests: the extractors that tell which user, if any, a request
//! speaks for (`Authorization: Bearer <token>`, checked with the token port).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderValue, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpRequest};
use clientes_dominio::IdUsuario;

use crate::contexto::Contexto;
use crate::errores::ErrorApi;

/// The user a request's bearer token names, if the request carries an `Authorization`
/// header. Without the header there is no user; with one that is not a valid, unexpired
/// bearer token the request is refused with 401, whatever the route: a client that sends
/// credentials means them, and must not be served as someone anonymous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Portador(pub Option<IdUsuario>);

impl Portador {
    pub fn usuario(&self) -> Option<IdUsuario> {
        self.0
    }
}

/// The user a request's bearer token names; a route that takes it needs a token (401
/// without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsuarioAutenticado(pub IdUsuario);

impl UsuarioAutenticado {
    /// Refuses with 403 unless the authenticated user is `id`.
    pub fn exigir_que_sea(&self, id: IdUsuario) -> Result<(), ErrorApi> {
        if self.0 == id {
            Ok(())
        } else {
            Err(ErrorApi::Prohibido(
                "el token no es de este usuario".to_owned(),
            ))
        }
    }
}

impl FromRequest for Portador {
    type Error = ErrorApi;
    type Future = Ready<Result<Self, ErrorApi>>;

    fn from_request(solicitud: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(portador_de(solicitud))
    }
}

impl FromRequest for UsuarioAutenticado {
    type Error = ErrorApi;
    type Future = Ready<Result<Self, ErrorApi>>;

    fn from_request(solicitud: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(portador_de(solicitud).and_then(|portador| {
            portador.usuario().map(UsuarioAutenticado).ok_or_else(|| {
                ErrorApi::NoAutenticado(
                    "se requiere un token: Authorization: Bearer <token>".to_owned(),
                )
            })
        }))
    }
}

fn portador_de(solicitud: &HttpRequest) -> Result<Portador, ErrorApi> {
    let Some(cabecera) = solicitud.headers().get(AUTHORIZATION) else {
        return Ok(Portador(None));
    };
    let token = token_bearer(cabecera)?;
    let contexto = solicitud
        .app_data::<web::Data<Contexto>>()
        .ok_or_else(|| ErrorApi::Interno("la aplicación no tiene contexto".into()))?;
    Ok(Portador(Some(contexto.tokens.verificar(token)?)))
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
    fn only_the_authenticated_user_itself_passes_exigir_que_sea() {
        let (yo, otro) = (IdUsuario::nuevo(), IdUsuario::nuevo());
        assert!(UsuarioAutenticado(yo).exigir_que_sea(yo).is_ok());
        assert!(matches!(
            UsuarioAutenticado(yo).exigir_que_sea(otro),
            Err(ErrorApi::Prohibido(_))
        ));
    }
}
