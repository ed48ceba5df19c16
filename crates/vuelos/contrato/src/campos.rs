//! Reading the optional fields of a decoded record into domain values, with errors that
//! name the record and the field's path.

use chrono::{DateTime, Utc};
use seedwork_dominio::ReglaIncumplida;
use uuid::Uuid;
use vuelos_dominio::{IdCliente, IdReserva};

use super::errores::ErrorConversion;
use super::MensajeIntegracion;

/// Milliseconds since the epoch, the unit of every date of the contract.
pub(crate) fn milisegundos(fecha: DateTime<Utc>) -> i64 {
    fecha.timestamp_millis()
}

/// The fields of one record type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Campos {
    tipo: &'static str,
}

impl Campos {
    pub(crate) fn de<M: MensajeIntegracion>() -> Self {
        Self { tipo: M::TIPO }
    }

    pub(crate) fn requerido<'a, T>(
        self,
        valor: &'a Option<T>,
        campo: &str,
    ) -> Result<&'a T, ErrorConversion> {
        valor
            .as_ref()
            .ok_or_else(|| ErrorConversion::falta(self.tipo, campo))
    }

    /// Fails naming every one of `campos` (path, is null) that is null.
    pub(crate) fn todos_presentes(self, campos: &[(&str, bool)]) -> Result<(), ErrorConversion> {
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

    pub(crate) fn invalido(self, campo: &str, regla: ReglaIncumplida) -> ErrorConversion {
        ErrorConversion::invalido(self.tipo, campo, regla)
    }

    pub(crate) fn uuid(self, texto: &str, campo: &str) -> Result<Uuid, ErrorConversion> {
        Uuid::parse_str(texto).map_err(|_| {
            self.invalido(
                campo,
                ReglaIncumplida::new(
                    "IdMensajeValido",
                    format!("'{texto}' no es un identificador válido"),
                ),
            )
        })
    }

    pub(crate) fn id_reserva(
        self,
        valor: &Option<String>,
        campo: &str,
    ) -> Result<IdReserva, ErrorConversion> {
        IdReserva::parse(self.requerido(valor, campo)?).map_err(|regla| self.invalido(campo, regla))
    }

    /// A client id is optional: a null one is an anonymous reservation.
    pub(crate) fn id_cliente(
        self,
        valor: &Option<String>,
        campo: &str,
    ) -> Result<Option<IdCliente>, ErrorConversion> {
        valor
            .as_deref()
            .map(|texto| IdCliente::parse(texto).map_err(|regla| self.invalido(campo, regla)))
            .transpose()
    }

    pub(crate) fn fecha(
        self,
        valor: &Option<i64>,
        campo: &str,
    ) -> Result<DateTime<Utc>, ErrorConversion> {
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
