//! Logging through `tracing`: one line per event on standard output, filtered by
//! `RUST_LOG` (default `info`). The mails the log adapter sends are lines of this log.

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber; a second call does nothing.
pub fn inicializar() {
    let filtro = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .with_env_filter(filtro)
        .with_target(false)
        // Colour codes would break `grep id_reserva=…` on captured logs.
        .with_ansi(std::io::stdout().is_terminal())
        .try_init();
}
