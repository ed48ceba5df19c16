//! How an integration message fails: as bytes (Avro) or as content (conversion to a
//! command or a read model). Both name the record; neither exposes an apache-avro type.

use seedwork_dominio::ReglaIncumplida;

/// Encoding or decoding a record failed. A message that cannot be decoded goes to its
/// topic's dead-letter topic: retrying it cannot help. The Avro library's error is kept as
/// the source; a dead-letter reason writes the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum ErrorAvro {
    /// The record does not fit its own schema: a bug in this crate.
    #[error("no se pudo codificar {tipo} en Avro")]
    Codificacion {
        tipo: &'static str,
        #[source]
        causa: Box<apache_avro::Error>,
    },
    /// The bytes are not a datum of the writer schema, or it does not resolve into ours.
    #[error("no se pudo decodificar {tipo} de Avro")]
    Decodificacion {
        tipo: &'static str,
        #[source]
        causa: Box<apache_avro::Error>,
    },
    /// The schema the producer says it wrote with is not valid Avro.
    #[error("el esquema con que se escribió el mensaje no es Avro válido")]
    EsquemaEscritor {
        #[source]
        causa: Box<apache_avro::Error>,
    },
    /// The decoder panicked on these bytes (a bug of the Avro library on hostile input).
    #[error("{tipo} no se pudo decodificar")]
    Panico { tipo: &'static str },
    /// A datum was read but bytes remain: the writer schema is not the one used.
    #[error("sobran {sobrantes} bytes tras decodificar {tipo}: el mensaje no se escribió con ese esquema")]
    BytesSobrantes {
        tipo: &'static str,
        sobrantes: usize,
    },
}

/// A decoded record lacks what the command or read model needs, or carries a value the
/// domain refuses. Such a message goes to the dead-letter topic with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorConversion {
    /// Required fields are null, named by their path (`data.id_reserva`).
    #[error("al mensaje {tipo} le falta {}", campos.join(", "))]
    Falta {
        tipo: &'static str,
        campos: Vec<String>,
    },
    /// A field holds a value the domain refuses.
    #[error("el campo {campo} del mensaje {tipo} no es válido: {regla}")]
    Invalido {
        tipo: &'static str,
        campo: String,
        regla: ReglaIncumplida,
    },
}

impl ErrorConversion {
    pub fn falta(tipo: &'static str, campo: impl Into<String>) -> Self {
        Self::Falta {
            tipo,
            campos: vec![campo.into()],
        }
    }

    pub fn invalido(tipo: &'static str, campo: impl Into<String>, regla: ReglaIncumplida) -> Self {
        Self::Invalido {
            tipo,
            campo: campo.into(),
            regla,
        }
    }
}
