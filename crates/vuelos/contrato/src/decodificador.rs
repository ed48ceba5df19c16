//! The one decoder of vuelos' messages: each closed set of records (commands, events,
//! requests) decoded by topic, with the writer's schema (see
//! [`seedwork_contrato::EsquemasEscritor`]).

use apache_avro::Schema;
use seedwork_contrato::escritores::sin_panico;
use seedwork_contrato::EsquemasEscritor;

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
    esquemas: EsquemasEscritor,
}

impl Decodificador {
    /// See [`EsquemasEscritor::MAXIMO_ESQUEMAS`].
    pub const MAXIMO_ESQUEMAS: usize = EsquemasEscritor::MAXIMO_ESQUEMAS;

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
        self.esquemas.decodificar(carga, escritor)
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
        let esquema = match self.esquemas.esquema(escritor, propio) {
            Ok(esquema) => esquema,
            Err(error) => return Some(Err(error)),
        };
        sin_panico(tipo, || Ok(decodificar(topico, carga, esquema.as_deref())))
            .unwrap_or_else(|panico| Some(Err(panico)))
    }

    /// How many writer schemas are cached (for tests of the bound).
    pub fn esquemas_en_cache(&self) -> usize {
        self.esquemas.en_cache()
    }
}

/// The record name and own schema of the record on `topico`, from the contract table.
fn propio_de(topico: &str) -> Option<(&'static str, &'static str)> {
    contratos()
        .find(|c| c.topico == topico)
        .map(|c| (c.tipo, c.esquema_json))
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
