//! Logging through `tracing`, the same for every binary: one line per event, filtered by
//! `RUST_LOG` (default `info`), without colour codes unless the output is a terminal (logs
//! are grepped: the notification service's mails are lines of its log).

use std::io::IsTerminal;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber on standard output; later calls (several tests in one
/// process) do nothing.
pub fn inicializar() {
    let filtro = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .with_env_filter(filtro)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .try_init();
}

/// Installs the global subscriber writing plain lines to `escritor` at the levels
/// `filtro` names (`RUST_LOG` syntax), so that tests can read what the service logs. Does
/// nothing if a subscriber is installed already.
pub fn inicializar_con<W>(escritor: W, filtro: &str)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let _ = fmt()
        .with_env_filter(EnvFilter::new(filtro))
        .with_target(false)
        .with_ansi(false)
        .with_writer(escritor)
        .try_init();
}
