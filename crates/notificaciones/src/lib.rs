//! The notification service: consumes the reservation events AeroAlpes publishes on Apache
//! Pulsar and sends the client one mail per event — once per message, however often the
//! broker delivers it.
//!
//! Layout, from the inside out:
//!
//! - [`dominio`]: a [`Notificacion`] — who is told what about which reservation.
//! - [`notificador`]: the outbound port that sends one; [`notificador_log`] its adapter
//!   that writes the mail to the log.
//! - [`consumidor`]: the handler of the event topics — decodes a record with its writer's
//!   schema, turns it into a notification and sends it inside the inbox transaction.
//! - [`configuracion`] (read once from the environment; logging is the seedwork's), and
//!   [`startup`], the composition root: the one place that wires the database, the broker
//!   and the handlers, and runs one consumer loop per topic until shut down.
#![forbid(unsafe_code)]

pub mod configuracion;
pub mod consumidor;
pub mod dominio;
pub mod notificador;
pub mod notificador_log;
pub mod startup;

pub use configuracion::Configuracion;
pub use dominio::{Destinatario, MotivoNotificacion, Notificacion};
pub use notificador::{ErrorNotificador, Notificador};
pub use notificador_log::NotificadorLog;
