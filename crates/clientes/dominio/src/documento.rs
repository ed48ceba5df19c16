//! Identity documents: a natural client's cédula and a company's RUT, each a number
//! issued in a city.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use seedwork_dominio::{validar, ObjetoValor, ReglaIncumplida};

use crate::ciudad::Ciudad;
use crate::reglas::NumeroDocumentoValido;

/// The number of an identity document: a positive integer of at most 12 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumeroDocumento(u64);

impl ObjetoValor for NumeroDocumento {}

impl NumeroDocumento {
    /// Fails with `NumeroDocumentoValido`.
    pub fn new(numero: u64) -> Result<Self, ReglaIncumplida> {
        validar(&NumeroDocumentoValido {
            numero: Some(numero),
        })?;
        Ok(Self(numero))
    }

    /// Parses decimal digits only (no sign, separators or blanks inside); fails with
    /// `NumeroDocumentoValido`.
    pub fn parse(texto: &str) -> Result<Self, ReglaIncumplida> {
        let texto = texto.trim();
        let numero = if texto.bytes().all(|b| b.is_ascii_digit()) {
            texto.parse().ok()
        } else {
            None
        };
        validar(&NumeroDocumentoValido { numero })?;
        Self::new(numero.unwrap_or_default())
    }

    pub fn valor(&self) -> u64 {
        self.0
    }
}

impl FromStr for NumeroDocumento {
    type Err = ReglaIncumplida;

    fn from_str(texto: &str) -> Result<Self, Self::Err> {
        Self::parse(texto)
    }
}

impl fmt::Display for NumeroDocumento {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Marks a [`Documento`] as a natural person's cédula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeCedula {}

/// Marks a [`Documento`] as a company's RUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeRut {}

/// An identity document of the kind `C`: its number and the city that issued it. The kind
/// is a type, so a cédula can never be passed where a RUT is expected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Documento<C> {
    numero: NumeroDocumento,
    ciudad: Ciudad,
    clase: PhantomData<C>,
}

impl<C: Clone + PartialEq + fmt::Debug> ObjetoValor for Documento<C> {}

/// A natural person's identity card.
pub type Cedula = Documento<DeCedula>;
/// A company's tax registration.
pub type Rut = Documento<DeRut>;

impl<C> Documento<C> {
    pub fn new(numero: NumeroDocumento, ciudad: Ciudad) -> Self {
        Self {
            numero,
            ciudad,
            clase: PhantomData,
        }
    }

    pub fn numero(&self) -> NumeroDocumento {
        self.numero
    }

    pub fn ciudad(&self) -> &Ciudad {
        &self.ciudad
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::pais::Pais;

    #[test]
    fn a_cedula_keeps_its_number_and_city() {
        let bogota = Ciudad::new("BOG", "Bogotá", Pais::new("CO", "Colombia").unwrap()).unwrap();
        let cedula = Cedula::new(NumeroDocumento::new(1_020_304_050).unwrap(), bogota.clone());
        assert_eq!(cedula.numero().valor(), 1_020_304_050);
        assert_eq!(cedula.ciudad(), &bogota);
    }

    #[test]
    fn zero_is_not_a_document_number() {
        assert_eq!(
            NumeroDocumento::new(0).unwrap_err().regla,
            "NumeroDocumentoValido"
        );
    }

    proptest! {
        #[test]
        fn every_number_of_one_to_twelve_digits_round_trips_through_text(
            numero in 1..=NumeroDocumentoValido::MAXIMO
        ) {
            let documento = NumeroDocumento::new(numero).unwrap();
            prop_assert_eq!(documento.to_string().parse::<NumeroDocumento>(), Ok(documento));
        }

        #[test]
        fn numbers_of_thirteen_digits_or_more_are_refused(
            numero in (NumeroDocumentoValido::MAXIMO + 1)..
        ) {
            prop_assert!(NumeroDocumento::new(numero).is_err());
        }

        #[test]
        fn text_with_anything_but_digits_is_refused(
            texto in "[0-9]{0,5}[^0-9\\s][0-9]{0,5}"
        ) {
            prop_assert_eq!(
                NumeroDocumento::parse(&texto).unwrap_err().regla,
                "NumeroDocumentoValido"
            );
        }
    }
}
