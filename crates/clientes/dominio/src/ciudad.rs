//! Cities, as a code, a name and the country they are in.

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::nombre::texto_de_nombre;
use crate::pais::Pais;
use crate::reglas::CodigoCiudadValido;

/// A city: a code of 2 to 10 letters or digits, upper-cased (`BOG`), its name and country.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ciudad {
    codigo: String,
    nombre: String,
    pais: Pais,
}

impl ObjetoValor for Ciudad {}

impl Ciudad {
    /// Fails with `CodigoCiudadValido`, `NombreNoVacio` or `LongitudMaxima`.
    pub fn new(codigo: &str, nombre: &str, pais: Pais) -> Result<Self, ReglaIncumplida> {
        let codigo = codigo.trim().to_ascii_uppercase();
        validar(&CodigoCiudadValido { codigo: &codigo })?;
        Ok(Self {
            codigo,
            nombre: texto_de_nombre("el nombre de la ciudad", nombre)?,
            pais,
        })
    }

    pub fn codigo(&self) -> &str {
        &self.codigo
    }

    pub fn nombre(&self) -> &str {
        &self.nombre
    }

    pub fn pais(&self) -> &Pais {
        &self.pais
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn colombia() -> Pais {
        Pais::new("CO", "Colombia").unwrap()
    }

    #[test]
    fn a_city_keeps_its_upper_cased_code_name_and_country() {
        let ciudad = Ciudad::new("bog", " Bogotá ", colombia()).unwrap();
        assert_eq!(ciudad.codigo(), "BOG");
        assert_eq!(ciudad.nombre(), "Bogotá");
        assert_eq!(ciudad.pais(), &colombia());
    }

    #[test]
    fn a_city_without_a_name_is_refused() {
        assert_eq!(
            Ciudad::new("BOG", "", colombia()).unwrap_err().regla,
            "NombreNoVacio"
        );
    }

    proptest! {
        #[test]
        fn two_to_ten_letters_or_digits_are_a_city_code(codigo in "[a-zA-Z0-9]{2,10}") {
            let ciudad = Ciudad::new(&codigo, "Ciudad", colombia()).unwrap();
            prop_assert_eq!(ciudad.codigo(), codigo.to_ascii_uppercase());
        }

        #[test]
        fn other_city_codes_are_refused(
            codigo in "[a-zA-Z0-9]{11,20}|[a-zA-Z0-9]?|[a-z]+[-_./][a-z0-9]+"
        ) {
            prop_assert_eq!(
                Ciudad::new(&codigo, "Ciudad", colombia()).unwrap_err().regla,
                "CodigoCiudadValido"
            );
        }
    }
}
