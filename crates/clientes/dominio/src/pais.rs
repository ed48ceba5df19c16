//! Countries, as a code and a name.

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::nombre::texto_de_nombre;
use crate::reglas::CodigoPaisValido;

/// A country: an ISO 3166-1 alpha-2 code, upper-cased (`CO`), and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pais {
    codigo: String,
    nombre: String,
}

impl ObjetoValor for Pais {}

impl Pais {
    /// Fails with `CodigoPaisValido`, `NombreNoVacio` or `LongitudMaxima`.
    pub fn new(codigo: &str, nombre: &str) -> Result<Self, ReglaIncumplida> {
        let codigo = codigo.trim().to_ascii_uppercase();
        validar(&CodigoPaisValido { codigo: &codigo })?;
        Ok(Self {
            codigo,
            nombre: texto_de_nombre("el nombre del país", nombre)?,
        })
    }

    pub fn codigo(&self) -> &str {
        &self.codigo
    }

    pub fn nombre(&self) -> &str {
        &self.nombre
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_country_code_is_upper_cased() {
        let pais = Pais::new(" co ", "Colombia").unwrap();
        assert_eq!(pais.codigo(), "CO");
        assert_eq!(pais.nombre(), "Colombia");
    }

    #[test]
    fn a_country_without_a_name_is_refused() {
        assert_eq!(Pais::new("CO", " ").unwrap_err().regla, "NombreNoVacio");
    }

    proptest! {
        #[test]
        fn any_two_ascii_letters_are_a_country_code(codigo in "[a-zA-Z]{2}") {
            let pais = Pais::new(&codigo, "País").unwrap();
            prop_assert_eq!(pais.codigo(), codigo.to_ascii_uppercase());
        }

        #[test]
        fn codes_of_another_length_or_alphabet_are_refused(
            codigo in "[a-zA-Z]{3,6}|[a-zA-Z]?|[0-9]{2}|[a-z][^a-zA-Z\\s]"
        ) {
            prop_assert_eq!(Pais::new(&codigo, "País").unwrap_err().regla, "CodigoPaisValido");
        }
    }
}
