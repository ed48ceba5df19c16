//! Logging through `tracing`, the same for every binary: one line per event, filtered by
//! `RUST_LOG` (default `info`), without colour codes (logs are grepped: the notification
//! service's mails are lines of its log).
//!
//! **No value can forge a line**: every event goes through [`Escapado`], which writes the
//! control characters inside it (newlines, carriage returns, terminal escape codes, Unicode
//! line separators) as visible escapes, so that a newline a client or a message put in a
//! value cannot start a line of its own, and bounds each line to [`LINEA_MAXIMA`] bytes.
//! `AEROALPES_LOG_FORMAT=json` writes one JSON object per line instead, for machines: the
//! event's fields flattened, and the spans it happened in (request, message) with theirs.
//!
//! The `pulsar` client crate logs every connection retry as a WARN; the services report
//! the broker's state themselves (readiness, the relay's and consumers' own lines), so the
//! crate is filtered to its errors unless `RUST_LOG` names it.

use std::io::{self, Write};

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
    let escritor = Escapado(io::stdout);
    let _ = if json {
        fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .with_env_filter(filtro)
            .with_target(false)
            .with_writer(escritor)
            .try_init()
    } else {
        fmt()
            .with_env_filter(filtro)
            .with_target(false)
            .with_ansi(false)
            .with_writer(escritor)
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
        .with_writer(Escapado(escritor))
        .try_init();
}

/// The longest line written; a longer event is cut there, and says how much was cut.
pub const LINEA_MAXIMA: usize = 16 * 1024;

/// A [`MakeWriter`] whose writers escape what could forge a log line (see the module).
#[derive(Debug, Clone)]
pub struct Escapado<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Escapado<M> {
    type Writer = EscritorEscapado<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscritorEscapado(self.0.make_writer())
    }
}

/// Writes each event (one `write` of the whole formatted line) escaped and bounded.
pub struct EscritorEscapado<W>(W);

impl<W: Write> Write for EscritorEscapado<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(escapar_linea(buf).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// One event's text with its inner control characters escaped, cut at [`LINEA_MAXIMA`],
/// and ending in exactly one newline.
pub fn escapar_linea(evento: &[u8]) -> String {
    let texto = String::from_utf8_lossy(evento);
    let cuerpo = texto.strip_suffix('\n').unwrap_or(&texto);
    let mut linea = String::with_capacity(cuerpo.len().min(LINEA_MAXIMA) + 1);
    for (posicion, caracter) in cuerpo.char_indices() {
        if linea.len() >= LINEA_MAXIMA {
            linea.push_str(&format!("… ({} bytes cut)", cuerpo.len() - posicion));
            break;
        }
        match caracter {
            '\n' => linea.push_str("\\n"),
            '\r' => linea.push_str("\\r"),
            '\t' => linea.push('\t'),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                linea.push_str(&c.escape_unicode().to_string())
            }
            c => linea.push(c),
        }
    }
    linea.push('\n');
    linea
}

#[cfg(test)]
mod pruebas_escapado {
    use super::*;

    #[test]
    fn a_newline_or_an_escape_code_inside_an_event_cannot_start_a_line() {
        let forjado = "INFO acceso estado=\n2026-11-29T18:00:00Z ERROR forjado \u{1b}[2J\r fin\n";
        let linea = escapar_linea(forjado.as_bytes());
        assert_eq!(linea.matches('\n').count(), 1, "{linea:?}");
        assert!(linea.ends_with('\n'));
        assert!(
            linea.contains("\\n2026-11-29T18:00:00Z ERROR forjado"),
            "{linea:?}"
        );
        assert!(
            !linea.contains('\u{1b}') && !linea.contains('\r'),
            "{linea:?}"
        );
        assert!(linea.contains("\\u{1b}[2J"), "{linea:?}");
        assert_eq!(escapar_linea(b"sin cambios\n"), "sin cambios\n");
        assert_eq!(
            escapar_linea("separador\u{2028}x".as_bytes()),
            "separador\\u{2028}x\n"
        );
    }

    #[test]
    fn a_long_event_is_cut_and_says_so() {
        let largo = "x".repeat(LINEA_MAXIMA * 2);
        let linea = escapar_linea(largo.as_bytes());
        assert!(linea.len() < LINEA_MAXIMA + 64);
        assert!(
            linea.ends_with(&format!("… ({} bytes cut)\n", LINEA_MAXIMA)),
            "{}",
            &linea[linea.len() - 40..]
        );
    }
}
