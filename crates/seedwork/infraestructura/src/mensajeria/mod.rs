//! Messaging over Apache Pulsar (or `pulsar-embedded`): the outbox relay that publishes
//! what units of work wrote, and the consumer loop that hands messages to handlers with
//! acknowledgement after commit, retries with backoff and a dead-letter topic.

pub mod cliente;
pub mod consumidor;
pub mod contexto;
pub mod relevo;

pub use cliente::{conectar, url_desde, Broker};
pub use consumidor::{consumir, Desenlace, ManejadorMensajes, MensajeEntrante, Suscripcion};
pub use contexto::MensajeEnCurso;
pub use relevo::RelevoOutbox;
