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

pub mod comandos;
pub mod decodificador;
pub mod eventos;
pub mod solicitudes;

// Every record of the contract, so that a new one needs no line here.
pub use comandos::*;
pub use decodificador::Decodificador;
pub use eventos::*;
// What every module's contract shares, under this crate's name for its users.
pub use seedwork_contrato::{
    campos, errores, sobre, topico_dlq, Campos, Contrato, Direccion, ErrorAvro, ErrorConversion,
    MensajeIntegracion, Metadatos, Sobre, NOMBRE_SERVICIO, PROPIEDAD_CAUSACION,
    PROPIEDAD_CORRELACION, SUFIJO_DLQ, SUSCRIPCION_VISTA, TIPO_CONTENIDO, VERSION_ESPECIFICACION,
};
pub use solicitudes::*;

/// The subscription of aeroalpes' command consumer (Shared: replicas split the commands).
pub const SUSCRIPCION_COMANDOS: &str = "aeroalpes-sub-comandos";
/// The subscription of aeroalpes' event consumer.
pub const SUSCRIPCION_EVENTOS: &str = "aeroalpes-sub-eventos";
/// The subscription of the notification service (the tutorial's name).
pub const SUSCRIPCION_NOTIFICACIONES: &str = "sub-notificacion-eventos-reservas";
/// The subscription of the ui's backend-for-frontend.
pub const SUSCRIPCION_BFF: &str = "aeroalpes-bff";

/// The entry of a command record: read by aeroalpes' command consumer.
pub(crate) const fn contrato_de_comando<M: MensajeIntegracion>() -> Contrato {
    Contrato::de::<M>(Direccion::Comando, &[SUSCRIPCION_COMANDOS])
}

/// The entry of an event record: read by every event consumer of this system.
pub(crate) const fn contrato_de_evento<M: MensajeIntegracion>() -> Contrato {
    Contrato::de::<M>(
        Direccion::Evento,
        &[
            SUSCRIPCION_EVENTOS,
            SUSCRIPCION_NOTIFICACIONES,
            SUSCRIPCION_BFF,
        ],
    )
}

/// The entry of a record only the query service's projection reads.
pub(crate) const fn contrato_para_la_vista<M: MensajeIntegracion>() -> Contrato {
    Contrato::de::<M>(Direccion::Evento, &[SUSCRIPCION_VISTA])
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
