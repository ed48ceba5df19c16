//! The name of a user: given names and surnames.

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::reglas::{LongitudMaxima, NombreNoVacio};

/// Longest name (of a person, a city or a country) the module stores, in characters.
pub const LONGITUD_MAXIMA_NOMBRE: usize = 100;

/// The name of a user. Both parts are trimmed, non-empty and at most
/// [`LONGITUD_MAXIMA_NOMBRE`] characters long.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nombre {
    nombres: String,
    apellidos: String,
}

impl ObjetoValor for Nombre {}

impl Nombre {
    /// Fails with `NombreNoVacio` or `LongitudMaxima`, naming the part that is wrong.
    pub fn new(nombres: &str, apellidos: &str) -> Result<Self, ReglaIncumplida> {
        Ok(Self {
            nombres: texto_de_nombre("nombres", nombres)?,
            apellidos: texto_de_nombre("apellidos", apellidos)?,
        })
    }

    pub fn nombres(&self) -> &str {
        &self.nombres
    }

    pub fn apellidos(&self) -> &str {
        &self.apellidos
    }
}

/// Checks a name-like field (`campo` names it in the error) and returns it trimmed.
pub(crate) fn texto_de_nombre(campo: &'static str, valor: &str) -> Result<String, ReglaIncumplida> {
    validar(&NombreNoVacio { campo, valor })?;
    validar(&LongitudMaxima {
        campo,
        valor,
        maximo: LONGITUD_MAXIMA_NOMBRE,
    })?;
    Ok(valor.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_stored_trimmed() {
        let nombre = Nombre::new("  Ana María ", " Pérez Gómez ").unwrap();
        assert_eq!(nombre.nombres(), "Ana María");
        assert_eq!(nombre.apellidos(), "Pérez Gómez");
    }

    #[test]
    fn empty_surnames_are_refused_naming_the_field() {
        let error = Nombre::new("Ana", "").unwrap_err();
        assert_eq!(error.regla, "NombreNoVacio");
        assert!(error.mensaje.contains("apellidos"));
    }

    #[test]
    fn a_name_longer_than_the_maximum_is_refused() {
        let largo = "a".repeat(LONGITUD_MAXIMA_NOMBRE + 1);
        assert_eq!(
            Nombre::new(&largo, "Pérez").unwrap_err().regla,
            "LongitudMaxima"
        );
    }
}
