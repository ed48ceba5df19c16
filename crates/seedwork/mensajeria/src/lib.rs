//! Messaging over Apache Pulsar (or `pulsar-embedded`), for every service: the outbox relay
//! that publishes what units of work wrote, and the consumer loop that hands messages to
//! handlers with acknowledgement after commit, retries with backoff and a dead-letter
//! topic. The tables behind them (outbox, inbox) and the inbox step are
//! `seedwork-persistencia`'s.
//!
//! Also here, because every binary that runs these loops starts with it, [`telemetria`]:
//! the logging setup.
#![forbid(unsafe_code)]

pub mod cliente;
pub mod consumidor;
pub mod relevo;
pub mod telemetria;

pub use cliente::{conectar, url_desde, Broker};
pub use consumidor::{consumir, Desenlace, ManejadorMensajes, MensajeEntrante, Suscripcion};
pub use relevo::RelevoOutbox;
