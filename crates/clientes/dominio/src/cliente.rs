//! The two kinds of client a user can be: a natural person or a company.

use chrono::NaiveDate;
use seedwork_dominio::{validar, ReglaIncumplida};

use crate::documento::{Cedula, Rut};
use crate::reglas::{FechaConstitucionPasada, MayorDeEdad};

/// A person who books for themself, identified by a cédula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClienteNatural {
    cedula: Cedula,
    fecha_nacimiento: NaiveDate,
}

impl ClienteNatural {
    /// Fails with `MayorDeEdad` when the person is under 18 on `hoy`.
    pub fn new(
        cedula: Cedula,
        fecha_nacimiento: NaiveDate,
        hoy: NaiveDate,
    ) -> Result<Self, ReglaIncumplida> {
        validar(&MayorDeEdad {
            fecha_nacimiento,
            hoy,
        })?;
        Ok(Self::reconstruir(cedula, fecha_nacimiento))
    }

    /// Rebuilds a stored client. For repositories only: the age rule was checked when the
    /// client registered and does not depend on the day it is loaded.
    pub fn reconstruir(cedula: Cedula, fecha_nacimiento: NaiveDate) -> Self {
        Self {
            cedula,
            fecha_nacimiento,
        }
    }

    pub fn cedula(&self) -> &Cedula {
        &self.cedula
    }

    pub fn fecha_nacimiento(&self) -> NaiveDate {
        self.fecha_nacimiento
    }
}

/// A company that books for its staff, identified by a RUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClienteEmpresa {
    rut: Rut,
    fecha_constitucion: NaiveDate,
}

impl ClienteEmpresa {
    /// Fails with `FechaConstitucionPasada` unless the company was constituted before `hoy`.
    pub fn new(
        rut: Rut,
        fecha_constitucion: NaiveDate,
        hoy: NaiveDate,
    ) -> Result<Self, ReglaIncumplida> {
        validar(&FechaConstitucionPasada {
            fecha_constitucion,
            hoy,
        })?;
        Ok(Self::reconstruir(rut, fecha_constitucion))
    }

    /// Rebuilds a stored client. For repositories only: the date rule was checked when the
    /// client registered.
    pub fn reconstruir(rut: Rut, fecha_constitucion: NaiveDate) -> Self {
        Self {
            rut,
            fecha_constitucion,
        }
    }

    pub fn rut(&self) -> &Rut {
        &self.rut
    }

    pub fn fecha_constitucion(&self) -> NaiveDate {
        self.fecha_constitucion
    }
}

/// What kind of client a user is, with the data of that kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cliente {
    Natural(ClienteNatural),
    Empresa(ClienteEmpresa),
}

impl Cliente {
    pub fn tipo(&self) -> TipoCliente {
        match self {
            Self::Natural(_) => TipoCliente::Natural,
            Self::Empresa(_) => TipoCliente::Empresa,
        }
    }
}

/// The kind of a client without its data (`natural`, `empresa` in JSON and storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TipoCliente {
    Natural,
    Empresa,
}

impl TipoCliente {
    /// The stable lower-case name used in JSON and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Natural => "natural",
            Self::Empresa => "empresa",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ciudad::Ciudad;
    use crate::documento::{Documento, NumeroDocumento};
    use crate::pais::Pais;

    fn documento<C>() -> Documento<C> {
        let pais = Pais::new("CO", "Colombia").unwrap();
        Documento::new(
            NumeroDocumento::new(80_123_456).unwrap(),
            Ciudad::new("BOG", "Bogotá", pais).unwrap(),
        )
    }

    fn fecha(texto: &str) -> NaiveDate {
        texto.parse().unwrap()
    }

    #[test]
    fn an_adult_becomes_a_natural_client() {
        let cliente =
            ClienteNatural::new(documento(), fecha("1990-05-01"), fecha("2026-06-15")).unwrap();
        assert_eq!(cliente.fecha_nacimiento(), fecha("1990-05-01"));
        assert_eq!(Cliente::Natural(cliente).tipo(), TipoCliente::Natural);
    }

    #[test]
    fn a_minor_cannot_become_a_natural_client() {
        let error =
            ClienteNatural::new(documento(), fecha("2010-01-01"), fecha("2026-06-15")).unwrap_err();
        assert_eq!(error.regla, "MayorDeEdad");
    }

    #[test]
    fn a_company_constituted_in_the_past_becomes_a_company_client() {
        let cliente =
            ClienteEmpresa::new(documento(), fecha("2001-03-20"), fecha("2026-06-15")).unwrap();
        assert_eq!(cliente.rut().numero().valor(), 80_123_456);
        assert_eq!(Cliente::Empresa(cliente).tipo().as_str(), "empresa");
    }

    #[test]
    fn a_company_constituted_in_the_future_cannot_become_a_client() {
        let error =
            ClienteEmpresa::new(documento(), fecha("2027-01-01"), fecha("2026-06-15")).unwrap_err();
        assert_eq!(error.regla, "FechaConstitucionPasada");
    }
}
