//! The one decoder of vuelos' messages: it resolves each message with the schema its
//! producer wrote it with (the broker hands that out by version), parsing each writer
//! schema once into a bounded cache, and turns a panic of the Avro library on hostile bytes
//! into an error, so such a message is dead-lettered instead of taking a consumer down.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

use apache_avro::Schema;

use crate::comandos::ComandoVuelos;
use crate::errores::ErrorAvro;
use crate::eventos::EventoVuelos;
use crate::solicitudes::SolicitudVuelos;
use crate::{contratos, MensajeIntegracion};

/// The `decodificar` of a closed set of records: by topic, `None` for a topic outside it.
type DecodificadorDeConjunto<T> = fn(&str, &[u8], Option<&Schema>) -> Option<Result<T, ErrorAvro>>;

/// Decodes records, sharing parsed writer schemas between every topic of a process.
#[derive(Debug, Default)]
pub struct Decodificador {
    esquemas: Mutex<HashMap<Arc<str>, Arc<Schema>>>,
}

impl Decodificador {
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
        let esquema = self.esquema_escritor(escritor, R::ESQUEMA_JSON)?;
        sin_panico(R::TIPO, || R::decodificar(carga, esquema.as_deref()))
    }

    /// Decodes a command of a topic of [`ComandoVuelos::CONTRATOS`]; `None` for another.
    pub fn comando(
        &self,
        topico: &str,
        carga: &[u8],
        escritor: Option<&str>,
    ) -> Option<Result<ComandoVuelos, ErrorAvro>> {
        self.del_conjunto(topico, carga, escritor, ComandoVuelos::decodificar)
    }

    /// Decodes an event of a topic of [`EventoVuelos::CONTRATOS`]; `None` for another.
    pub fn evento(
        &self,
        topico: &str,
        carga: &[u8],
        escritor: Option<&str>,
    ) -> Option<Result<EventoVuelos, ErrorAvro>> {
        self.del_conjunto(topico, carga, escritor, EventoVuelos::decodificar)
    }

    /// Decodes a record of a topic of [`SolicitudVuelos::CONTRATOS`]; `None` for another.
    pub fn solicitud(
        &self,
        topico: &str,
        carga: &[u8],
        escritor: Option<&str>,
    ) -> Option<Result<SolicitudVuelos, ErrorAvro>> {
        self.del_conjunto(topico, carga, escritor, SolicitudVuelos::decodificar)
    }

    /// Decodes a record of one closed set with that set's `decodificar`, resolving the
    /// writer's schema through the cache; `None` for a topic outside the contract or the set.
    fn del_conjunto<T>(
        &self,
        topico: &str,
        carga: &[u8],
        escritor: Option<&str>,
        decodificar: DecodificadorDeConjunto<T>,
    ) -> Option<Result<T, ErrorAvro>> {
        let (tipo, propio) = propio_de(topico)?;
        let esquema = match self.esquema_escritor(escritor, propio) {
            Ok(esquema) => esquema,
            Err(error) => return Some(Err(error)),
        };
        sin_panico(tipo, || Ok(decodificar(topico, carga, esquema.as_deref())))
            .unwrap_or_else(|panico| Some(Err(panico)))
    }

    /// The writer's schema when it is not the record's own (`propio`), parsed once.
    fn esquema_escritor(
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
    pub fn esquemas_en_cache(&self) -> usize {
        self.esquemas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The record name and own schema of the record on `topico`, from the contract table.
fn propio_de(topico: &str) -> Option<(&'static str, &'static str)> {
    contratos()
        .find(|c| c.topico == topico)
        .map(|c| (c.tipo, c.esquema_json))
}

fn sin_panico<T>(
    tipo: &'static str,
    decodificar: impl FnOnce() -> Result<T, ErrorAvro>,
) -> Result<T, ErrorAvro> {
    panic::catch_unwind(AssertUnwindSafe(decodificar)).unwrap_or(Err(ErrorAvro::Panico { tipo }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ComandoAprobarReserva, ComandoAprobarReservaPayload, Metadatos, Sobre};

    fn aprobar() -> ComandoAprobarReserva {
        let carga = ComandoAprobarReservaPayload {
            id_reserva: Some(uuid::Uuid::now_v7().to_string()),
        };
        Sobre::envolver(carga, &Metadatos::nuevos(), chrono::Utc::now())
    }

    #[test]
    fn a_command_decodes_into_the_variant_of_its_topic() {
        let registro = aprobar();
        let bytes = registro.codificar().unwrap();
        let decodificado = Decodificador::new()
            .comando(ComandoAprobarReserva::TOPICO, &bytes, None)
            .unwrap()
            .unwrap();
        assert_eq!(decodificado, ComandoVuelos::Aprobar(registro));
    }

    #[test]
    fn a_topic_outside_the_set_is_not_decoded() {
        let decodificador = Decodificador::new();
        assert!(decodificador
            .comando("persistent://public/default/otro", &[], None)
            .is_none());
        assert!(decodificador
            .evento(ComandoAprobarReserva::TOPICO, &[], None)
            .is_none());
    }

    #[test]
    fn a_writer_schema_that_is_not_avro_is_an_error_not_a_panic() {
        let error = Decodificador::new()
            .comando(ComandoAprobarReserva::TOPICO, &[0], Some("{no es avro"))
            .unwrap()
            .unwrap_err();
        assert!(matches!(error, ErrorAvro::EsquemaEscritor { .. }));
    }

    #[test]
    fn the_writer_schema_cache_stays_bounded() {
        let decodificador = Decodificador::new();
        let bytes = aprobar().codificar().unwrap();
        for i in 0..(Decodificador::MAXIMO_ESQUEMAS + 10) {
            // Same fields, a different doc: a distinct text that still resolves.
            let texto = ComandoAprobarReserva::ESQUEMA_JSON.replacen(
                '{',
                &format!("{{\"doc\": \"v{i}\", "),
                1,
            );
            let _ = decodificador.decodificar::<ComandoAprobarReserva>(&bytes, Some(&texto));
            assert!(decodificador.esquemas_en_cache() <= Decodificador::MAXIMO_ESQUEMAS);
        }
        assert!(decodificador.esquemas_en_cache() > 0);
    }
}
