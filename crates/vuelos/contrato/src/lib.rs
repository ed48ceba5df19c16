//! `vuelos-contrato`: the published language of the vuelos module. One Rust record per
//! `.avsc` file in `schema/v1/` (loaded at compile time), encoded as a plain Avro datum —
//! what Python's pulsar-client writes and reads: no container header, no single-object
//! marker — with its topic, the subscriptions that read it, the envelope, one decoder with
//! one bounded cache of writer schemas, and [`contratos`], the table of every message.
//!
//! Everything that talks to vuelos over the broker (its own adapters, notificaciones, the
//! ui, the tests) depends on this crate and on nothing else of vuelos: it names no domain
//! type, no database and no broker client. Translating records to and from the module's
//! commands and events is the module's own adapters' job (`vuelos-infraestructura`).
//!
//! schema/README.md lists every topic with its record and payload.
#![forbid(unsafe_code)]

pub mod campos;
pub mod comandos;
pub mod decodificador;
pub mod errores;
pub mod eventos;
pub mod sobre;
pub mod solicitudes;
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::{from_value, Schema};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use campos::Campos;
// Every record of the contract, so that a new one needs no line here.
pub use comandos::*;
pub use decodificador::Decodificador;
pub use errores::{ErrorAvro, ErrorConversion};
pub use eventos::*;
pub use sobre::{Metadatos, Sobre, PROPIEDAD_CAUSACION, PROPIEDAD_CORRELACION};
pub use solicitudes::*;

/// The version of the contract these records implement (`specversion`).
pub const VERSION_ESPECIFICACION: &str = "v1";
/// The `datacontenttype` of every record.
pub const TIPO_CONTENIDO: &str = "AVRO";
/// The `service_name` of every record this service writes.
pub const NOMBRE_SERVICIO: &str = "aeroalpes";
/// What a topic's dead-letter topic appends to its name.
pub const SUFIJO_DLQ: &str = "-DLQ";

/// The dead-letter topic of `topico`: where a consumer puts what it can never handle.
pub fn topico_dlq(topico: &str) -> String {
    format!("{topico}{SUFIJO_DLQ}")
}

/// The subscription of aeroalpes' command consumer (Shared: replicas split the commands).
pub const SUSCRIPCION_COMANDOS: &str = "aeroalpes-sub-comandos";
/// The subscription of aeroalpes' event consumer.
pub const SUSCRIPCION_EVENTOS: &str = "aeroalpes-sub-eventos";
/// The subscription of the notification service (the tutorial's name).
pub const SUSCRIPCION_NOTIFICACIONES: &str = "sub-notificacion-eventos-reservas";
/// The subscription of the ui's backend-for-frontend.
pub const SUSCRIPCION_BFF: &str = "aeroalpes-bff";
/// The subscriptions of the query service's projection start with this name: each replica
/// keeps its own read model, so each has its own subscription (Exclusive in spirit, one
/// reader each), named `aeroalpes-vista-<generation of its database>`.
pub const SUSCRIPCION_VISTA: &str = "aeroalpes-vista";

/// A message of the integration contract: a record of `schema/v1` with its topic.
pub trait MensajeIntegracion: Serialize + DeserializeOwned + Sized {
    /// The record name, e.g. `EventoReservaCreada` (also the envelope's `type`).
    const TIPO: &'static str;
    /// The full topic the record travels on.
    const TOPICO: &'static str;
    /// The `.avsc` text, as the Pulsar producer declares it.
    const ESQUEMA_JSON: &'static str;

    /// The parsed schema (parsed once).
    fn esquema() -> &'static Schema;

    /// The `.avsc` text, for the Pulsar producer's schema.
    fn esquema_json() -> &'static str {
        Self::ESQUEMA_JSON
    }

    /// The dead-letter topic of [`Self::TOPICO`].
    fn topico_dlq() -> String {
        topico_dlq(Self::TOPICO)
    }

    /// The partition / ordering key: the reservation the message is about.
    fn clave(&self) -> Option<&str>;

    /// The envelope's `id` (the message id consumers record in their inbox), when present:
    /// records written with the tutorial's schemas have none.
    fn id_mensaje(&self) -> Option<&str>;

    /// The envelope's `correlation_id`, when present.
    fn correlation_id(&self) -> Option<&str>;

    /// Encodes the record as a plain Avro datum with its own schema.
    fn codificar(&self) -> Result<Vec<u8>, ErrorAvro> {
        GenericDatumWriter::builder(Self::esquema())
            .build()
            .and_then(|escritor| escritor.write_ser_to_vec(self))
            .map_err(|e| ErrorAvro::Codificacion {
                tipo: Self::TIPO,
                causa: Box::new(e),
            })
    }

    /// Decodes a plain Avro datum. `esquema_escritor` is the schema the producer wrote with
    /// (the broker hands it out by version); `None` means this record's own schema. The
    /// writer's data is resolved into this record's schema: fields it lacks read as `None`.
    fn decodificar(bytes: &[u8], esquema_escritor: Option<&Schema>) -> Result<Self, ErrorAvro> {
        let error = |e: apache_avro::Error| ErrorAvro::Decodificacion {
            tipo: Self::TIPO,
            causa: Box::new(e),
        };
        let lector = Self::esquema();
        let mut resto = bytes;
        let valor = match esquema_escritor {
            Some(escritor) => GenericDatumReader::builder(escritor)
                .reader_schema(lector)
                .build()
                .and_then(|r| r.read_value(&mut resto)),
            None => GenericDatumReader::builder(lector)
                .build()
                .and_then(|r| r.read_value(&mut resto)),
        }
        .map_err(error)?;
        if !resto.is_empty() {
            return Err(ErrorAvro::BytesSobrantes {
                tipo: Self::TIPO,
                sobrantes: resto.len(),
            });
        }
        from_value(&valor).map_err(error)
    }
}

/// Which way a message travels: a command asks vuelos to do something, an event tells
/// the world what vuelos did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direccion {
    Comando,
    Evento,
}

/// A topic and the record that travels on it, with the record's schema text, its direction
/// and the subscriptions of this system that read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contrato {
    pub topico: &'static str,
    pub tipo: &'static str,
    pub esquema_json: &'static str,
    pub direccion: Direccion,
    pub suscripciones: &'static [&'static str],
}

impl Contrato {
    pub(crate) const fn comando<M: MensajeIntegracion>() -> Self {
        Self {
            topico: M::TOPICO,
            tipo: M::TIPO,
            esquema_json: M::ESQUEMA_JSON,
            direccion: Direccion::Comando,
            suscripciones: &[SUSCRIPCION_COMANDOS],
        }
    }

    /// A record only the query service's projection reads.
    pub(crate) const fn para_la_vista<M: MensajeIntegracion>() -> Self {
        Self {
            topico: M::TOPICO,
            tipo: M::TIPO,
            esquema_json: M::ESQUEMA_JSON,
            direccion: Direccion::Evento,
            suscripciones: &[SUSCRIPCION_VISTA],
        }
    }

    pub(crate) const fn evento<M: MensajeIntegracion>() -> Self {
        Self {
            topico: M::TOPICO,
            tipo: M::TIPO,
            esquema_json: M::ESQUEMA_JSON,
            direccion: Direccion::Evento,
            suscripciones: &[
                SUSCRIPCION_EVENTOS,
                SUSCRIPCION_NOTIFICACIONES,
                SUSCRIPCION_BFF,
            ],
        }
    }
}

/// Every message of the contract (what schema/README.md lists), commands first: the
/// tables of [`ComandoVuelos`] and [`EventoVuelos`], each beside its closed set. The relay
/// declares each producer's schema from it, consumers subscribe to its topics, and the
/// tests iterate it; a record missing here fails the tests that compare it with schema/v1.
pub fn contratos() -> impl Iterator<Item = &'static Contrato> {
    ComandoVuelos::CONTRATOS
        .iter()
        .chain(EventoVuelos::CONTRATOS.iter())
        .chain(SolicitudVuelos::CONTRATOS.iter())
}

/// Implements [`MensajeIntegracion`] for the envelope `$registro` (a `Sobre` of its
/// payload) whose schema is `schema/v1/<record>.avsc`. Every payload has an `id_reserva`,
/// the message key.
macro_rules! mensaje_integracion {
    ($registro:ident, $topico:literal) => {
        impl $crate::MensajeIntegracion for $registro {
            const TIPO: &'static str = stringify!($registro);
            const TOPICO: &'static str = concat!("persistent://public/default/", $topico);
            const ESQUEMA_JSON: &'static str = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../schema/v1/",
                stringify!($registro),
                ".avsc"
            ));

            fn esquema() -> &'static ::apache_avro::Schema {
                static ESQUEMA: ::std::sync::LazyLock<::apache_avro::Schema> =
                    ::std::sync::LazyLock::new(|| {
                        // The text is compiled in, and the test `every_schema_file_parses`
                        // parses every file of schema/: this cannot fail in a tested build.
                        ::apache_avro::Schema::parse_str(
                            <$registro as $crate::MensajeIntegracion>::ESQUEMA_JSON,
                        )
                        .expect(concat!(
                            "schema/v1/",
                            stringify!($registro),
                            ".avsc parses"
                        ))
                    });
                &ESQUEMA
            }

            fn clave(&self) -> Option<&str> {
                self.data
                    .as_ref()
                    .and_then(|carga| carga.id_reserva.as_deref())
            }

            fn id_mensaje(&self) -> Option<&str> {
                self.id.as_deref()
            }

            fn correlation_id(&self) -> Option<&str> {
                self.correlation_id.as_deref()
            }
        }
    };
}
pub(crate) use mensaje_integracion;
