//! An airport: where a leg starts or ends.

use seedwork_dominio::{ObjetoValor, ReglaIncumplida};

use crate::codigo_iata::CodigoIata;

/// An airport, identified by its IATA code; the name is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aeropuerto {
    codigo: CodigoIata,
    nombre: String,
}

impl Aeropuerto {
    pub fn new(codigo: CodigoIata, nombre: impl Into<String>) -> Self {
        Self {
            codigo,
            nombre: nombre.into(),
        }
    }

    /// Parses the code; the name is free text, but not blank and without control
    /// characters.
    pub fn parse(codigo: &str, nombre: &str) -> Result<Self, ReglaIncumplida> {
        if nombre.trim().is_empty() || nombre.chars().any(char::is_control) {
            return Err(ReglaIncumplida::new(
                "NombreAeropuerto",
                "el nombre del aeropuerto no puede estar vacío ni tener caracteres de control",
            ));
        }
        Ok(Self::new(CodigoIata::parse(codigo)?, nombre.trim()))
    }

    pub fn codigo(&self) -> &CodigoIata {
        &self.codigo
    }

    pub fn nombre(&self) -> &str {
        &self.nombre
    }
}

impl ObjetoValor for Aeropuerto {}
