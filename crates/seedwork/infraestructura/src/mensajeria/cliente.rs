//! One long-lived Pulsar client per process (the tutorial opened one per message).

use std::time::Duration;

use pulsar::{ConnectionRetryOptions, OperationRetryOptions, Pulsar, TokioExecutor};

/// The client every producer and consumer of the process shares.
pub type Broker = Pulsar<TokioExecutor>;

/// Connects to the broker at `url` (`pulsar://host:port`), retrying with backoff while it
/// is not reachable yet, so services may start before the broker does.
pub async fn conectar(url: &str) -> Result<Broker, pulsar::Error> {
    Pulsar::builder(url, TokioExecutor)
        .with_connection_retry_options(ConnectionRetryOptions {
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
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
