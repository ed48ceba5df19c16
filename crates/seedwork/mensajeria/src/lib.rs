//! Messaging over Apache Pulsar (or `pulsar-embedded`), for every service: the outbox relay
//! that publishes what units of work wrote, and the consumer loop that hands messages to
//! handlers with acknowledgement after commit, retries with backoff and a dead-letter
//! topic. The tables behind them (outbox, inbox) and the inbox step are
//! `seedwork-persistencia`'s; the relay is the feature `relevo` (on by default), without
//! which the crate links no database driver.
//!
//! Also here, because every binary that runs these loops starts with them, [`telemetria`]:
//! the logging setup, [`metricas`]: the Prometheus registry, and [`senales`]: the shutdown
//! signal.
#![forbid(unsafe_code)]

pub mod barrendero;
pub mod cliente;
pub mod consumidor;
pub mod metricas;
#[cfg(feature = "relevo")]
pub mod relevo;
pub mod senales;
pub mod telemetria;

pub use cliente::{conectar, url_desde, Broker};
pub use consumidor::{
    anotar_mensaje, consumir, Desenlace, ManejadorMensajes, MensajeEntrante, Suscripcion,
};
#[cfg(feature = "relevo")]
pub use relevo::RelevoOutbox;
