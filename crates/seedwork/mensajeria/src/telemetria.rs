//! Logging through `tracing`, the same for every binary: one line per event, filtered by
//! `RUST_LOG` (default `info`), without colour codes unless the output is a terminal (logs
//! are grepped: the notification service's mails are lines of its log).
//! `AEROALPES_LOG_FORMAT=json` writes one JSON object per line instead, for machines: the
//! event's fields flattened, and the spans it happened in (request, message) with theirs.
//!
//! The `pulsar` client crate logs every connection retry as a WARN; the services report
//! the broker's state themselves (readiness, the relay's and consumers' own lines), so the
//! crate is filtered to its errors unless `RUST_LOG` names it.

use std::io::IsTerminal;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{fmt, EnvFilter};

/// The variable that chooses the format: `json`, or anything else for plain lines.
pub const VARIABLE_FORMATO: &str = "AEROALPES_LOG_FORMAT";

/// The filter of `RUST_LOG` (default `info`), with the `pulsar` crate at `error` unless
/// the directives name it.
pub fn filtro(rust_log: Option<&str>) -> EnvFilter {
    let directivas = rust_log
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or("info");
    if directivas.contains("pulsar") {
        EnvFilter::new(directivas)
    } else {
        EnvFilter::new(format!("{directivas},pulsar=error"))
    }
}

/// Installs the global subscriber on standard output; later calls (several tests in one
/// process) do nothing.
pub fn inicializar() {
    let filtro = filtro(std::env::var("RUST_LOG").ok().as_deref());
    let json = std::env::var(VARIABLE_FORMATO).is_ok_and(|f| f.trim().eq_ignore_ascii_case("json"));
    let _ = if json {
        fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_env_filter(filtro)
            .with_target(false)
            .try_init()
    } else {
        fmt()
            .with_env_filter(filtro)
            .with_target(false)
            .with_ansi(std::io::stdout().is_terminal())
            .try_init()
    };
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
