//! The shutdown signal of the binaries that run the consumer loops: they register it first
//! thing, so a signal that arrives while they wait for the broker stops them too.

use std::future::Future;

use tokio::signal::unix::{signal, SignalKind};

/// Resolves on the first SIGINT or SIGTERM, with the signal's name. The handlers are
/// installed when this is called, not when the future is first polled.
pub fn senal_de_apagado() -> std::io::Result<impl Future<Output = &'static str>> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = sigint.recv() => "SIGINT",
            _ = sigterm.recv() => "SIGTERM",
        }
    })
}
