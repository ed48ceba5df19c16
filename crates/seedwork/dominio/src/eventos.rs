//! Domain events: facts that happened inside a module, raised by aggregates.

use std::any::Any;
use std::fmt::Debug;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Something that happened in the domain and that other parts of the system may react to.
///
/// Handlers are registered per concrete event type; [`EventoDominio::como_any`] lets the
/// dispatcher hand each handler the type it asked for.
pub trait EventoDominio: Any + Send + Sync + Debug {
    /// The event's name in the ubiquitous language, e.g. `ReservaCreada`.
    fn nombre(&self) -> &'static str;
    fn id_evento(&self) -> Uuid;
    fn fecha_evento(&self) -> DateTime<Utc>;
    fn como_any(&self) -> &dyn Any;
}

/// Implements [`EventoDominio`] for a struct with `id_evento: Uuid` and
/// `fecha_evento: DateTime<Utc>` fields; the event's name is the struct's name.
#[macro_export]
macro_rules! evento_dominio {
    ($tipo:ident) => {
        impl $crate::EventoDominio for $tipo {
            fn nombre(&self) -> &'static str {
                stringify!($tipo)
            }
            fn id_evento(&self) -> ::uuid::Uuid {
                self.id_evento
            }
            fn fecha_evento(&self) -> ::chrono::DateTime<::chrono::Utc> {
                self.fecha_evento
            }
            fn como_any(&self) -> &dyn ::std::any::Any {
                self
            }
        }
    };
}
