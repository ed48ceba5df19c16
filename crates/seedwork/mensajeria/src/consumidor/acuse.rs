//! What the consumer loop tells the broker about a message once its handler has answered:
//! acknowledge it, ask for it again after a backoff that grows with its retries, or move it
//! to the dead-letter topic. Decisions only, so they are tested without a broker; the loop
//! carries them out.

use std::collections::HashMap;
use std::time::Duration;

use super::{Desenlace, ESPERA_MAXIMA, ESPERA_MINIMA};

/// Unfinished messages whose retries are counted before the counts start over: entries of
/// messages another consumer of the subscription finished are never removed otherwise.
const MENSAJES_CONTADOS: usize = 10_000;

/// What becomes of a message, as the broker is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Acuse {
    /// Handled, or handled before: acknowledge it.
    Confirmar,
    /// Could not be handled now: wait `espera`, so an outage is not hammered, then
    /// negatively acknowledge it so that the broker redelivers it.
    Reintentar { razon: String, espera: Duration },
    /// Can never be handled: publish it to the dead-letter topic with `razon`, then
    /// acknowledge it. If that publication fails, it is negatively acknowledged instead
    /// and comes back.
    AColaDeMuertos { razon: String },
}

impl Acuse {
    /// The answer to the broker for `desenlace`, for a message whose redelivery this
    /// consumer has asked for `reintentos` times before.
    pub(super) fn de(desenlace: Desenlace, reintentos: u32) -> Self {
        match desenlace {
            Desenlace::Procesado => Acuse::Confirmar,
            Desenlace::Reintentar(razon) => Acuse::Reintentar {
                razon,
                espera: ESPERA_MINIMA
                    .saturating_mul(2u32.saturating_pow(reintentos.min(6)))
                    .min(ESPERA_MAXIMA),
            },
            Desenlace::Rechazado(razon) => Acuse::AColaDeMuertos { razon },
        }
    }
}

/// How many times this consumer asked for each message to be redelivered (the `pulsar`
/// crate does not expose the broker's redelivery count), by broker id.
#[derive(Debug, Default)]
pub(super) struct Reintentos(HashMap<String, u32>);

impl Reintentos {
    pub(super) fn de(&self, id_broker: &str) -> u32 {
        self.0.get(id_broker).copied().unwrap_or(0)
    }

    /// Counts one more retry of a message to redeliver; forgets a finished one.
    pub(super) fn anotar(&mut self, id_broker: &str, desenlace: &Desenlace) {
        if let Desenlace::Reintentar(_) = desenlace {
            if self.0.len() > MENSAJES_CONTADOS {
                self.0.clear();
            }
            *self.0.entry(id_broker.to_owned()).or_default() += 1;
        } else {
            self.0.remove(id_broker);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reintentar() -> Desenlace {
        Desenlace::Reintentar("base de datos caída".into())
    }

    fn espera(reintentos: u32) -> Duration {
        match Acuse::de(reintentar(), reintentos) {
            Acuse::Reintentar { espera, .. } => espera,
            otro => panic!("a message to retry was answered {otro:?}"),
        }
    }

    #[test]
    fn a_handled_message_is_acknowledged() {
        assert_eq!(Acuse::de(Desenlace::Procesado, 3), Acuse::Confirmar);
    }

    #[test]
    fn a_message_to_retry_is_redelivered_with_its_reason() {
        assert!(matches!(
            Acuse::de(reintentar(), 0),
            Acuse::Reintentar { razon, .. } if razon == "base de datos caída"
        ));
    }

    #[test]
    fn the_wait_before_a_redelivery_doubles_with_each_retry_up_to_five_seconds() {
        let esperas: Vec<u64> = (0..9).map(|n| espera(n).as_millis() as u64).collect();
        assert_eq!(esperas, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        assert_eq!(espera(u32::MAX), ESPERA_MAXIMA);
    }

    #[test]
    fn a_message_that_can_never_be_handled_goes_to_the_dead_letter_topic_with_its_reason() {
        assert_eq!(
            Acuse::de(Desenlace::Rechazado("no es avro".into()), 0),
            Acuse::AColaDeMuertos {
                razon: "no es avro".into()
            }
        );
    }

    #[test]
    fn each_retry_of_a_message_is_counted_until_it_is_finished() {
        let mut reintentos = Reintentos::default();
        reintentos.anotar("1:0:-1", &reintentar());
        reintentos.anotar("1:0:-1", &reintentar());
        reintentos.anotar("1:1:-1", &reintentar());
        assert_eq!((reintentos.de("1:0:-1"), reintentos.de("1:1:-1")), (2, 1));

        reintentos.anotar("1:0:-1", &Desenlace::Procesado);
        reintentos.anotar("1:1:-1", &Desenlace::Rechazado("regla".into()));
        assert_eq!((reintentos.de("1:0:-1"), reintentos.de("1:1:-1")), (0, 0));
    }

    #[test]
    fn past_ten_thousand_unfinished_messages_the_counts_start_over() {
        let mut reintentos = Reintentos::default();
        for n in 0..=MENSAJES_CONTADOS {
            reintentos.anotar(&format!("1:{n}:-1"), &reintentar());
        }
        assert_eq!(reintentos.de("1:0:-1"), 1);

        reintentos.anotar("2:0:-1", &reintentar());

        assert_eq!(reintentos.de("1:0:-1"), 0);
        assert_eq!(reintentos.de("2:0:-1"), 1);
    }
}
