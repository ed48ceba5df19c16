//! Clear passwords as they arrive from a client: kept in types that never print them.

use std::fmt;

use seedwork_dominio::{validar, ReglaIncumplida, ReglaNegocio};
use serde::Deserialize;

/// Shortest password accepted at registration, in characters.
pub const LONGITUD_MINIMA_PASSWORD: usize = 8;
/// Longest password accepted at registration, in characters (bounds hashing work).
pub const LONGITUD_MAXIMA_PASSWORD: usize = 128;

/// A password in clear, as typed by a user. It is hashed and dropped, never stored,
/// serialized or logged: `Debug` prints `***` and there is no `Display` nor `Serialize`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct PasswordPlano(String);

impl PasswordPlano {
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The clear text, for the hasher only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordPlano {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A password chosen at registration: a [`PasswordPlano`] that meets the rule
/// `PasswordSegura`.
#[derive(Clone)]
pub struct PasswordNueva(PasswordPlano);

impl PasswordNueva {
    /// Fails with `PasswordSegura`.
    pub fn parse(password: PasswordPlano) -> Result<Self, ReglaIncumplida> {
        validar(&PasswordSegura {
            password: password.as_str(),
        })?;
        Ok(Self(password))
    }

    pub fn como_plano(&self) -> &PasswordPlano {
        &self.0
    }
}

impl fmt::Debug for PasswordNueva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A new password has between [`LONGITUD_MINIMA_PASSWORD`] and
/// [`LONGITUD_MAXIMA_PASSWORD`] characters. Length is the whole policy: composition rules
/// add little (NIST SP 800-63B).
#[derive(Clone, Copy)]
pub struct PasswordSegura<'a> {
    pub password: &'a str,
}

impl PasswordSegura<'_> {
    pub const NOMBRE: &'static str = "PasswordSegura";
}

impl ReglaNegocio for PasswordSegura<'_> {
    fn nombre(&self) -> &'static str {
        Self::NOMBRE
    }
    fn es_valida(&self) -> bool {
        (LONGITUD_MINIMA_PASSWORD..=LONGITUD_MAXIMA_PASSWORD)
            .contains(&self.password.chars().count())
    }
    fn mensaje(&self) -> String {
        format!(
            "la contraseña debe tener entre {LONGITUD_MINIMA_PASSWORD} y \
             {LONGITUD_MAXIMA_PASSWORD} caracteres"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_password_never_shows_in_debug_output() {
        let plano = PasswordPlano::new("s3creto-largo");
        let nueva = PasswordNueva::parse(plano.clone()).unwrap();
        assert_eq!(format!("{plano:?}"), "***");
        assert_eq!(format!("{nueva:?}"), "***");
        assert_eq!(nueva.como_plano().as_str(), "s3creto-largo");
    }

    #[test]
    fn a_password_shorter_than_eight_characters_breaks_password_segura() {
        let error = PasswordNueva::parse(PasswordPlano::new("corta12")).unwrap_err();
        assert_eq!(error.regla, "PasswordSegura");
        assert!(!error.mensaje.contains("corta12"));
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(PasswordNueva::parse(PasswordPlano::new("ñañañaña")).is_ok());
    }

    #[test]
    fn a_password_longer_than_128_characters_breaks_password_segura() {
        let larga = PasswordPlano::new("x".repeat(LONGITUD_MAXIMA_PASSWORD + 1));
        assert!(PasswordNueva::parse(larga).is_err());
    }
}
