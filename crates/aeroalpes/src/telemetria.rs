//! Logging through `tracing`: one line per event, filtered by `RUST_LOG` (default `info`).

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber; later calls (several tests in one process) do nothing.
pub fn inicializar() {
    let filtro = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .with_env_filter(filtro)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .try_init();
}
