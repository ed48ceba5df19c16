//! The clock port: handlers ask it for "now", so that tests can fix the date.

use chrono::{DateTime, Utc};

/// Tells the current instant. Rules that depend on the date (age, constitution date) and
/// timestamps of events and tokens read it here.
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
