//! The accept loop of the Pulsar protocol listener.

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::{broker::Broker, connection};

/// Accepts clients until shutdown; each connection runs in its own task.
pub async fn run(broker: Arc<Broker>, listener: TcpListener) {
    let shutdown = broker.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((socket, peer)) => {
                broker
                    .tracker
                    .spawn(connection::serve(broker.clone(), socket, peer));
            }
            Err(error) => {
                // Typically out of file descriptors: back off instead of spinning.
                tracing::error!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}
