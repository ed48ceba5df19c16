//! The clock port: handlers ask it for "now", so that tests can fix the date.

use chrono::{DateTime, Utc};

/// Tells the current instant. Handlers of every module read "now" here: to check rules
/// that depend on the date, and to stamp what they change and the events they raise.
pub trait Reloj: Clone + Send + Sync + 'static {
    fn ahora(&self) -> DateTime<Utc>;
}

/// The system clock, for production.
#[derive(Debug, Clone, Copy, Default)]
pub struct RelojSistema;

impl Reloj for RelojSistema {
    fn ahora(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
