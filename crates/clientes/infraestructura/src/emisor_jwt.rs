//! The token port implemented with JSON Web Tokens signed with HMAC-SHA256 (HS256).

use chrono::TimeDelta;
use clientes_aplicacion::{EmisorTokens, ErrorEmisionToken, ErrorToken, TokenAcceso};
use clientes_dominio::IdUsuario;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use seedwork_aplicacion::{Reloj, RelojSistema};
use serde::{Deserialize, Serialize};

/// The `iss` claim of every token this module issues; tokens of other issuers are invalid.
pub const EMISOR: &str = "aeroalpes-clientes";
/// Shortest accepted secret: HS256 wants a key at least as long as its 256-bit output.
pub const LONGITUD_MINIMA_SECRETO: usize = 32;

/// The emitter could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorConfiguracionJwt {
    #[error("el secreto de los tokens debe tener al menos {LONGITUD_MINIMA_SECRETO} bytes")]
    SecretoCorto,
    #[error("la vigencia de los tokens debe ser positiva")]
    VigenciaNoPositiva,
}

#[derive(Debug, Serialize, Deserialize)]
struct Reclamos {
    sub: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// Issues HS256 tokens naming the user in `sub`, valid for `vigencia` from issue.
///
/// Expiry is checked against the [`Reloj`] with no leeway; the signature is checked first,
/// so a forged token is `Invalido` whatever its dates.
#[derive(Clone)]
pub struct EmisorTokensJwt<R = RelojSistema> {
    firma: EncodingKey,
    verificacion: DecodingKey,
    vigencia: TimeDelta,
    reloj: R,
}

impl EmisorTokensJwt {
    /// An emitter on the system clock. `secreto` comes from configuration.
    pub fn new(secreto: &[u8], vigencia: TimeDelta) -> Result<Self, ErrorConfiguracionJwt> {
        Self::con_reloj(secreto, vigencia, RelojSistema)
    }
}

impl<R: Reloj> EmisorTokensJwt<R> {
    pub fn con_reloj(
        secreto: &[u8],
        vigencia: TimeDelta,
        reloj: R,
    ) -> Result<Self, ErrorConfiguracionJwt> {
        if secreto.len() < LONGITUD_MINIMA_SECRETO {
            return Err(ErrorConfiguracionJwt::SecretoCorto);
        }
        if vigencia <= TimeDelta::zero() {
            return Err(ErrorConfiguracionJwt::VigenciaNoPositiva);
        }
        Ok(Self {
            firma: EncodingKey::from_secret(secreto),
            verificacion: DecodingKey::from_secret(secreto),
            vigencia,
            reloj,
        })
    }

    fn validacion() -> Validation {
        let mut validacion = Validation::new(Algorithm::HS256);
        // Expiry is checked against our clock below, so that it can be tested.
        validacion.validate_exp = false;
        validacion.leeway = 0;
        validacion.set_required_spec_claims(&["sub", "iss", "exp"]);
        validacion.set_issuer(&[EMISOR]);
        validacion
    }
}

impl<R: Reloj> EmisorTokens for EmisorTokensJwt<R> {
    fn emitir(&self, id_usuario: IdUsuario) -> Result<TokenAcceso, ErrorEmisionToken> {
        let ahora = self.reloj.ahora();
        let expira = ahora + self.vigencia;
        let reclamos = Reclamos {
            sub: id_usuario.to_string(),
            iss: EMISOR.to_owned(),
            iat: ahora.timestamp(),
            exp: expira.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &reclamos, &self.firma)
            .map_err(|error| ErrorEmisionToken(Box::new(error)))?;
        Ok(TokenAcceso { token, expira })
    }

    fn verificar(&self, token: &str) -> Result<IdUsuario, ErrorToken> {
        let datos =
            jsonwebtoken::decode::<Reclamos>(token, &self.verificacion, &Self::validacion())
                .map_err(|_| ErrorToken::Invalido)?;
        if datos.claims.exp <= self.reloj.ahora().timestamp() {
            return Err(ErrorToken::Expirado);
        }
        datos.claims.sub.parse().map_err(|_| ErrorToken::Invalido)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use seedwork_pruebas::RelojFijo;

    use super::*;

    const SECRETO: &[u8] = b"un-secreto-de-prueba-de-32-bytes!";

    fn a_las(hora: u32, minuto: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, hora, minuto, 0).unwrap()
    }

    fn emisor(reloj: &RelojFijo) -> EmisorTokensJwt<RelojFijo> {
        EmisorTokensJwt::con_reloj(SECRETO, TimeDelta::minutes(30), reloj.clone()).unwrap()
    }

    #[test]
    fn a_fresh_token_names_the_user_it_was_issued_to() {
        let reloj = RelojFijo::new(a_las(10, 0));
        let id = IdUsuario::nuevo();
        let token = emisor(&reloj).emitir(id).unwrap();
        assert_eq!(token.expira, a_las(10, 30));
        assert_eq!(emisor(&reloj).verificar(&token.token), Ok(id));
    }

    #[test]
    fn a_token_is_still_valid_one_second_before_it_expires() {
        let reloj = RelojFijo::new(a_las(10, 0));
        let token = emisor(&reloj).emitir(IdUsuario::nuevo()).unwrap();
        reloj.fijar(a_las(10, 30) - TimeDelta::seconds(1));
        assert!(emisor(&reloj).verificar(&token.token).is_ok());
    }

    #[test]
    fn a_token_past_its_expiry_is_expired() {
        let reloj = RelojFijo::new(a_las(10, 0));
        let token = emisor(&reloj).emitir(IdUsuario::nuevo()).unwrap();
        reloj.fijar(a_las(10, 30));
        assert_eq!(
            emisor(&reloj).verificar(&token.token),
            Err(ErrorToken::Expirado)
        );
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let reloj = RelojFijo::new(a_las(10, 0));
        let otro = EmisorTokensJwt::con_reloj(
            b"otro-secreto-distinto-de-32-bytes",
            TimeDelta::minutes(30),
            reloj.clone(),
        )
        .unwrap();
        let token = otro.emitir(IdUsuario::nuevo()).unwrap();
        assert_eq!(
            emisor(&reloj).verificar(&token.token),
            Err(ErrorToken::Invalido)
        );
    }

    #[test]
    fn an_expired_forged_token_is_invalid_rather_than_expired() {
        let reloj = RelojFijo::new(a_las(10, 0));
        let otro = EmisorTokensJwt::con_reloj(
            b"otro-secreto-distinto-de-32-bytes",
            TimeDelta::minutes(1),
            reloj.clone(),
        )
        .unwrap();
        let token = otro.emitir(IdUsuario::nuevo()).unwrap();
        reloj.fijar(a_las(11, 0));
        assert_eq!(
            emisor(&reloj).verificar(&token.token),
            Err(ErrorToken::Invalido)
        );
    }

    #[test]
    fn a_tampered_token_is_invalid() {
        let reloj = RelojFijo::new(a_las(10, 0));
        let token = emisor(&reloj).emitir(IdUsuario::nuevo()).unwrap().token;
        let mut partes: Vec<String> = token.split('.').map(str::to_owned).collect();
        let otro = emisor(&reloj).emitir(IdUsuario::nuevo()).unwrap().token;
        partes[1] = otro.split('.').nth(1).unwrap().to_owned();
        assert_eq!(
            emisor(&reloj).verificar(&partes.join(".")),
            Err(ErrorToken::Invalido)
        );
    }

    #[test]
    fn garbage_is_an_invalid_token() {
        let reloj = RelojFijo::new(a_las(10, 0));
        for basura in ["", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
            assert_eq!(
                emisor(&reloj).verificar(basura),
                Err(ErrorToken::Invalido),
                "{basura}"
            );
        }
    }

    #[test]
    fn a_short_secret_or_a_non_positive_lifetime_is_refused() {
        assert_eq!(
            EmisorTokensJwt::new(b"corto", TimeDelta::minutes(5)).err(),
            Some(ErrorConfiguracionJwt::SecretoCorto)
        );
        assert_eq!(
            EmisorTokensJwt::new(SECRETO, TimeDelta::zero()).err(),
            Some(ErrorConfiguracionJwt::VigenciaNoPositiva)
        );
    }
}
