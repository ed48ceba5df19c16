//! `seedwork-contrato`: what the published language of every module shares. A module's
//! contract crate (`vuelos-contrato`, `clientes-contrato`) holds its records, one per
//! `.avsc` file of `schema/v1/` (loaded at compile time), and its table of messages; this
//! crate holds the envelope ([`Sobre`]), the trait of a record with its topic and schema
//! ([`MensajeIntegracion`], implemented by [`mensaje_integracion!`]), the entry of a table
//! ([`Contrato`]), the reading of fields ([`Campos`]) and the cache of writer schemas
//! ([`EsquemasEscritor`]). Records are encoded as plain Avro datums, what Python's
//! pulsar-client writes and reads: no container header, no single-object marker.
#![forbid(unsafe_code)]

pub mod campos;
pub mod errores;
pub mod escritores;
pub mod sobre;

// The macro names the Avro library through this crate, so its users need not depend on it.
pub use apache_avro;
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::{from_value, Schema};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use campos::Campos;
pub use errores::{ErrorAvro, ErrorConversion};
pub use escritores::EsquemasEscritor;
pub use sobre::{Metadatos, Sobre, PROPIEDAD_CAUSACION, PROPIEDAD_CORRELACION};

/// The version of the contract these records implement (`specversion`).
pub const VERSION_ESPECIFICACION: &str = "v1";
/// The `datacontenttype` of every record.
pub const TIPO_CONTENIDO: &str = "AVRO";
/// The `service_name` of every record this service writes.
pub const NOMBRE_SERVICIO: &str = "aeroalpes";
/// What a topic's dead-letter topic appends to its name.
pub const SUFIJO_DLQ: &str = "-DLQ";

/// The subscriptions of a query service's projection start with this name: each replica
/// keeps its own read model, so each has its own subscriptions, named
/// `aeroalpes-vista-<generation of its database>`, on the topics of every module.
pub const SUSCRIPCION_VISTA: &str = "aeroalpes-vista";

/// The dead-letter topic of `topico`: where a consumer puts what it can never handle.
pub fn topico_dlq(topico: &str) -> String {
    format!("{topico}{SUFIJO_DLQ}")
}

/// A message of an integration contract: a record of `schema/v1` with its topic.
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

    /// The partition / ordering key: the aggregate the message is about (its reservation,
    /// its user).
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
    /// The entry of record `M`, travelling `direccion`, read by `suscripciones`.
    pub const fn de<M: MensajeIntegracion>(
        direccion: Direccion,
        suscripciones: &'static [&'static str],
    ) -> Self {
        Self {
            topico: M::TOPICO,
            tipo: M::TIPO,
            esquema_json: M::ESQUEMA_JSON,
            direccion,
            suscripciones,
        }
    }
}

/// The payload of an integration record: what makes its envelope, `Sobre<Self>`, a
/// [`MensajeIntegracion`] (a module implements it for its payloads, which are its own
/// types, with [`mensaje_integracion!`]).
pub trait CargaIntegracion: Serialize + DeserializeOwned + Sized {
    /// The record name of the envelope, e.g. `EventoReservaCreada`.
    const TIPO: &'static str;
    /// The full topic the record travels on.
    const TOPICO: &'static str;
    /// The record's `.avsc` text.
    const ESQUEMA_JSON: &'static str;

    /// The record's parsed schema (parsed once).
    fn esquema() -> &'static Schema;

    /// The partition / ordering key this payload names.
    fn clave(&self) -> Option<&str>;
}

impl<P: CargaIntegracion> MensajeIntegracion for Sobre<P> {
    const TIPO: &'static str = P::TIPO;
    const TOPICO: &'static str = P::TOPICO;
    const ESQUEMA_JSON: &'static str = P::ESQUEMA_JSON;

    fn esquema() -> &'static Schema {
        P::esquema()
    }

    fn clave(&self) -> Option<&str> {
        self.data.as_ref().and_then(P::clave)
    }

    fn id_mensaje(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }
}

/// Makes `$registro`, the envelope `Sobre<$carga>`, a [`MensajeIntegracion`]: its schema is
/// `schema/v1/$registro.avsc` (three directories above the calling crate's manifest, where
/// every module's contract crate sits), it travels on `persistent://public/default/$topico`,
/// keyed by the payload's field `$clave`.
#[macro_export]
macro_rules! mensaje_integracion {
    ($registro:ident, $carga:ident, $topico:literal, $clave:ident) => {
        impl $crate::CargaIntegracion for $carga {
            const TIPO: &'static str = stringify!($registro);
            const TOPICO: &'static str = concat!("persistent://public/default/", $topico);
            const ESQUEMA_JSON: &'static str = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../schema/v1/",
                stringify!($registro),
                ".avsc"
            ));

            fn esquema() -> &'static $crate::apache_avro::Schema {
                static ESQUEMA: ::std::sync::LazyLock<$crate::apache_avro::Schema> =
                    ::std::sync::LazyLock::new(|| {
                        // The text is compiled in, and the schema tests parse every file of
                        // schema/: this cannot fail in a tested build.
                        $crate::apache_avro::Schema::parse_str(
                            <$carga as $crate::CargaIntegracion>::ESQUEMA_JSON,
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
                self.$clave.as_deref()
            }
        }
    };
}
