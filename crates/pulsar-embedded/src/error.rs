//! Errors of starting a broker.

use std::{net::SocketAddr, path::PathBuf};

/// Why a broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot use the data directory {dir}")]
    DataDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
