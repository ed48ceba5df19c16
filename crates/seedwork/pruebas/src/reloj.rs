//! A clock for tests: it tells the instant it was set to, until it is set again.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use seedwork_aplicacion::Reloj;

/// A clock that tells the instant it was set to; clones share it, so a test can move the
/// time of a handler it has already built.
#[derive(Debug, Clone)]
pub struct RelojFijo(Arc<Mutex<DateTime<Utc>>>);

impl RelojFijo {
    pub fn new(instante: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(instante)))
    }

    pub fn fijar(&self, instante: DateTime<Utc>) {
        // A test that panicked while holding the lock has failed already.
        *self.0.lock().unwrap() = instante;
    }
}

impl Reloj for RelojFijo {
    fn ahora(&self) -> DateTime<Utc> {
        // As in `fijar`: a poisoned lock means a test has failed already.
        *self.0.lock().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn a_fixed_clock_tells_its_instant_until_set_again_in_every_clone() {
        let instante = DateTime::UNIX_EPOCH + TimeDelta::days(20_000);
        let reloj = RelojFijo::new(instante);
        let clon = reloj.clone();
        assert_eq!(clon.ahora(), instante);

        reloj.fijar(instante + TimeDelta::hours(1));

        assert_eq!(clon.ahora(), instante + TimeDelta::hours(1));
    }
}
