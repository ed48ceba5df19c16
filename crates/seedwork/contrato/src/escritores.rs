//! Decoding with the writer's schema: each message is resolved with the schema its
//! producer wrote it with (the broker hands that out by version), each writer schema parsed
//! once into a bounded cache shared by every topic of a process, and a panic of the Avro
//! library on hostile bytes turned into an error, so such a message is dead-lettered
//! instead of taking a consumer down.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

use apache_avro::Schema;

use crate::errores::ErrorAvro;
use crate::MensajeIntegracion;

/// The writer schemas seen so far, parsed.
#[derive(Debug, Default)]
pub struct EsquemasEscritor {
    esquemas: Mutex<HashMap<Arc<str>, Arc<Schema>>>,
}

impl EsquemasEscritor {
    /// More distinct writer schemas than this means something odd is producing: the cache
    /// starts over rather than grow without bound.
    pub const MAXIMO_ESQUEMAS: usize = 64;

    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one record written with `escritor` (its schema text; `None`: the record's
    /// own schema).
    pub fn decodificar<R: MensajeIntegracion>(
        &self,
        carga: &[u8],
        escritor: Option<&str>,
    ) -> Result<R, ErrorAvro> {
        let esquema = self.esquema(escritor, R::ESQUEMA_JSON)?;
        sin_panico(R::TIPO, || R::decodificar(carga, esquema.as_deref()))
    }

    /// The writer's schema when it is not the record's own (`propio`), parsed once.
    pub fn esquema(
        &self,
        escritor: Option<&str>,
        propio: &str,
    ) -> Result<Option<Arc<Schema>>, ErrorAvro> {
        let Some(texto) = escritor.filter(|texto| *texto != propio) else {
            return Ok(None);
        };
        // A panic while the lock was held cannot leave the map half-written: take it anyway.
        let mut esquemas = self.esquemas.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(esquema) = esquemas.get(texto) {
            return Ok(Some(esquema.clone()));
        }
        let esquema = Arc::new(
            Schema::parse_str(texto)
                .map_err(|e| ErrorAvro::EsquemaEscritor { causa: Box::new(e) })?,
        );
        if esquemas.len() >= Self::MAXIMO_ESQUEMAS {
            esquemas.clear();
        }
        esquemas.insert(Arc::from(texto), esquema.clone());
        Ok(Some(esquema))
    }

    /// How many writer schemas are cached (for tests of the bound).
    pub fn en_cache(&self) -> usize {
        self.esquemas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Runs a decoding of record `tipo`, its panic turned into [`ErrorAvro::Panico`].
pub fn sin_panico<T>(
    tipo: &'static str,
    decodificar: impl FnOnce() -> Result<T, ErrorAvro>,
) -> Result<T, ErrorAvro> {
    panic::catch_unwind(AssertUnwindSafe(decodificar)).unwrap_or(Err(ErrorAvro::Panico { tipo }))
}
