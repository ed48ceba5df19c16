//! One long-lived Pulsar client per process (the tutorial opened one per message).

use std::time::Duration;

use pulsar::{ConnectionRetryOptions, OperationRetryOptions, Pulsar, TokioExecutor};

/// The client every producer and consumer of the process shares.
pub type Broker = Pulsar<TokioExecutor>;

/// Connects to the broker at `url` (`pulsar://host:port`), retrying with backoff while it
/// is not reachable yet, so services may start before the broker does. The backoff stops
/// growing at one second: once the broker is back, a backlog waits at most that long for
/// the reconnection (at five, a 30 s outage was followed by up to 5 s of nothing), and a
/// refused connection a second costs nothing.
pub async fn conectar(url: &str) -> Result<Broker, pulsar::Error> {
    Pulsar::builder(url, TokioExecutor)
        .with_connection_retry_options(ConnectionRetryOptions {
            min_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
            max_retries: u32::MAX,
            connection_timeout: Duration::from_secs(5),
            keep_alive: Duration::from_secs(30),
            ..ConnectionRetryOptions::default()
        })
        .with_operation_retry_options(OperationRetryOptions {
            operation_timeout: Duration::from_secs(10),
            retry_delay: Duration::from_millis(500),
            max_retries: None,
        })
        .build()
        .await
}

/// The port Pulsar listens on when an address names only the host.
pub const PUERTO_PULSAR: u16 = 6650;

/// The broker URL the environment configures, in the tutorial's terms: `PULSAR_URL` as a
/// full `pulsar://host:port`, else `PULSAR_ADDRESS` or `BROKER_HOST` (a host, optionally
/// with `:port`). `None` when none is set.
pub fn url_desde(variable: impl Fn(&str) -> Option<String>) -> Option<String> {
    let no_vacia = |nombre: &str| {
        variable(nombre)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(url) = no_vacia("PULSAR_URL") {
        return Some(url);
    }
    let anfitrion = no_vacia("PULSAR_ADDRESS").or_else(|| no_vacia("BROKER_HOST"))?;
    Some(if anfitrion.contains("://") {
        anfitrion
    } else if anfitrion.contains(':') {
        format!("pulsar://{anfitrion}")
    } else {
        format!("pulsar://{anfitrion}:{PUERTO_PULSAR}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(pares: &[(&str, &str)]) -> Option<String> {
        url_desde(|nombre| {
            pares
                .iter()
                .find(|(k, _)| *k == nombre)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn nothing_set_means_no_broker_configured() {
        assert_eq!(url(&[]), None);
        assert_eq!(url(&[("PULSAR_ADDRESS", " ")]), None);
    }

    #[test]
    fn a_bare_host_gets_the_pulsar_scheme_and_port() {
        assert_eq!(
            url(&[("PULSAR_ADDRESS", "broker")]).as_deref(),
            Some("pulsar://broker:6650")
        );
        assert_eq!(
            url(&[("BROKER_HOST", "10.0.0.5:6651")]).as_deref(),
            Some("pulsar://10.0.0.5:6651")
        );
    }

    #[test]
    fn pulsar_url_wins_over_the_tutorial_names() {
        let pares = [
            ("PULSAR_URL", "pulsar://a:1"),
            ("PULSAR_ADDRESS", "b"),
            ("BROKER_HOST", "c"),
        ];
        assert_eq!(url(&pares).as_deref(), Some("pulsar://a:1"));
        assert_eq!(
            url(&[("PULSAR_ADDRESS", "b"), ("BROKER_HOST", "c")]).as_deref(),
            Some("pulsar://b:6650")
        );
    }
}
