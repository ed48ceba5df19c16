//! The IATA code of an airport: three letters.

use std::fmt;

use seedwork_dominio::{ObjetoValor, ReglaIncumplida};

/// A three-letter IATA airport code, kept in upper case (`BOG`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodigoIata(String);

impl CodigoIata {
    pub const REGLA: &'static str = "CodigoIataValido";

    /// Accepts exactly three ASCII letters, in either case.
    pub fn parse(texto: &str) -> Result<Self, ReglaIncumplida> {
        if texto.len() == 3 && texto.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(texto.to_ascii_uppercase()))
        } else {
            Err(ReglaIncumplida::new(
                Self::REGLA,
                format!("'{texto}' no es un código IATA: se esperan tres letras"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ObjetoValor for CodigoIata {}

impl fmt::Display for CodigoIata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_lower_case_code_is_kept_in_upper_case() {
        assert_eq!(CodigoIata::parse("bog").unwrap().as_str(), "BOG");
    }

    proptest! {
        #[test]
        fn any_three_ascii_letters_are_a_code(codigo in "[a-zA-Z]{3}") {
            let parsed = CodigoIata::parse(&codigo).unwrap();
            prop_assert_eq!(parsed.as_str(), codigo.to_ascii_uppercase());
        }

        #[test]
        fn anything_but_three_letters_is_refused(texto in "\\PC*") {
            prop_assume!(!(texto.len() == 3 && texto.bytes().all(|b| b.is_ascii_alphabetic())));
            prop_assert_eq!(CodigoIata::parse(&texto).unwrap_err().regla, CodigoIata::REGLA);
        }
    }
}
