//! Broker configuration.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

/// How to run a broker. Build it with [`Config::new`] and adjust the public fields.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the Pulsar protocol listener; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Where persistent topics, cursors and schemas are kept.
    pub data_dir: PathBuf,
    /// Address of the admin HTTP listener, if any; port 0 picks a free port.
    pub admin_bind: Option<SocketAddr>,
    /// Largest message (metadata and payload) a producer may send, announced in CONNECTED.
    pub max_message_size: usize,
    /// Interval of the broker's PINGs; a connection silent for two intervals is closed.
    pub keepalive: Duration,
    /// fsync the log and the cursor journal before answering. Off only for throwaway data:
    /// a crash may then lose acknowledged sends and acks.
    pub fsync: bool,
    /// Drop a SEND whose sequence id is not above the last one stored for its producer
    /// name (a producer resending after a reconnect). Off by default, as in Apache Pulsar
    /// (`brokerDeduplicationEnabled=false`); the binary's `--deduplication` turns it on.
    pub deduplication: bool,
}

impl Config {
    /// Listens on `bind`, keeps data in `data_dir`, no admin listener, Apache Pulsar's
    /// defaults otherwise (5 MiB messages, 30 s keepalive, deduplication off), fsync on.
    pub fn new(bind: SocketAddr, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            bind,
            data_dir: data_dir.into(),
            admin_bind: None,
            max_message_size: 5 * 1024 * 1024,
            keepalive: Duration::from_secs(30),
            fsync: true,
            deduplication: false,
        }
    }

    /// A broker on a free port of 127.0.0.1, for tests and in-process use.
    pub fn local(data_dir: impl Into<PathBuf>) -> Config {
        Config::new(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), data_dir)
    }
}
