//! Reading the optional fields of a decoded record, with errors that name the record and
//! the field's path. Translators of other crates use it to turn records into their own types.

use chrono::{DateTime, Utc};
use seedwork_dominio::ReglaIncumplida;
use uuid::Uuid;

use super::errores::ErrorConversion;
use super::MensajeIntegracion;

/// Milliseconds since the epoch, the unit of every date of the contract.
pub fn milisegundos(fecha: DateTime<Utc>) -> i64 {
    fecha.timestamp_millis()
}

/// The fields of one record type.
#[derive(Debug, Clone, Copy)]
pub struct Campos {
    tipo: &'static str,
}

impl Campos {
    pub fn de<M: MensajeIntegracion>() -> Self {
        Self { tipo: M::TIPO }
    }

    pub fn requerido<'a, T>(
        self,
        valor: &'a Option<T>,
        campo: &str,
    ) -> Result<&'a T, ErrorConversion> {
        valor
            .as_ref()
            .ok_or_else(|| ErrorConversion::falta(self.tipo, campo))
    }

    /// Fails naming every one of `campos` (path, is null) that is null.
    pub fn todos_presentes(self, campos: &[(&str, bool)]) -> Result<(), ErrorConversion> {
        let faltan: Vec<String> = campos
            .iter()
            .filter(|(_, nulo)| *nulo)
            .map(|(campo, _)| (*campo).to_owned())
            .collect();
        if faltan.is_empty() {
            Ok(())
        } else {
            Err(ErrorConversion::Falta {
                tipo: self.tipo,
                campos: faltan,
            })
        }
    }

    pub fn invalido(self, campo: &str, regla: ReglaIncumplida) -> ErrorConversion {
        ErrorConversion::invalido(self.tipo, campo, regla)
    }

    /// The envelope's message id.
    pub fn uuid(self, texto: &str, campo: &str) -> Result<Uuid, ErrorConversion> {
        self.identificador(texto, campo, "IdMensajeValido")
    }

    /// A UUID that identifies something, refused under the rule `regla` when malformed.
    pub fn identificador(
        self,
        texto: &str,
        campo: &str,
        regla: &'static str,
    ) -> Result<Uuid, ErrorConversion> {
        Uuid::parse_str(texto).map_err(|_| {
            self.invalido(
                campo,
                ReglaIncumplida::new(regla, format!("'{texto}' no es un identificador válido")),
            )
        })
    }

    pub fn fecha(self, valor: &Option<i64>, campo: &str) -> Result<DateTime<Utc>, ErrorConversion> {
        let ms = *self.requerido(valor, campo)?;
        DateTime::from_timestamp_millis(ms).ok_or_else(|| {
            self.invalido(
                campo,
                ReglaIncumplida::new(
                    "FechaValida",
                    format!("{ms} ms desde 1970 no es una fecha representable"),
                ),
            )
        })
    }
}
