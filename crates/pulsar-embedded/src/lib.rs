//! A broker that speaks Apache Pulsar's binary protocol, for local runs and tests.
//!
//! Real Pulsar clients (the `pulsar` crate, the official C++/Python/Java clients) produce
//! and consume through it unchanged. Layout:
//!
//! - [`config`]: [`Config`]; [`start`] returns a [`BrokerHandle`] once listening.
//! - `server` accepts connections; `connection` runs the protocol of one client over
//!   `frame` (Pulsar's framing with the `pulsar` crate's protobuf types, guarded against
//!   hostile input).
//! - `broker` holds the loaded topics; `topic` a topic's entries, producers and
//!   subscriptions; `subscription` a cursor and the dispatch to its consumers;
//!   `schema_registry` the versions of a topic's schema.
//! - `storage`: the per-topic segment log, the cursor journal, and the writer task that
//!   group-commits both (a SEND_RECEIPT means the entry was fsynced).
//! - `namespaces`: the tenants and namespaces topics must live in, and the policies
//!   applied (deduplication, schema compatibility strategy, retention, message TTL,
//!   backlog quota); [`retention`] what those last three keep; `partitions` the
//!   partitioned topics' metadata.
//! - `admin`: the admin HTTP subset (health, tenants, namespaces and their policies,
//!   topics, subscriptions, schemas, stats, metrics).
//!
//! Every long-running loop stops on the broker's shutdown signal; [`BrokerHandle::shutdown`]
//! waits for all of them, so the data directory can be reopened right after.
#![forbid(unsafe_code)]

mod admin;
mod broker;
pub mod config;
mod connection;
mod entry;
mod error;
mod frame;
mod namespaces;
mod partitions;
pub mod retention;
mod schema_registry;
mod server;
mod storage;
mod subscription;
mod topic;
mod topic_name;

use std::{net::SocketAddr, sync::Arc};

use tokio::net::TcpListener;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

pub use config::Config;
pub use error::Error;

/// A running broker.
#[derive(Debug)]
pub struct BrokerHandle {
    address: SocketAddr,
    admin_address: Option<SocketAddr>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

/// Starts a broker on the current tokio runtime; returns once it is listening.
pub async fn start(config: Config) -> Result<BrokerHandle, Error> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| Error::DataDir {
        dir: config.data_dir.clone(),
        source,
    })?;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| Error::Bind {
            addr: config.bind,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| Error::Bind {
        addr: config.bind,
        source,
    })?;
    let admin = match config.admin_bind {
        Some(addr) => {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| Error::Bind { addr, source })?;
            let bound = listener
                .local_addr()
                .map_err(|source| Error::Bind { addr, source })?;
            Some((listener, bound))
        }
        None => None,
    };
    // From here on the configuration names the port actually bound.
    let mut config = config;
    config.bind = address;
    let registry =
        namespaces::Registry::open(&config.data_dir).map_err(|source| Error::DataDir {
            dir: config.data_dir.clone(),
            source,
        })?;
    let partitioned =
        partitions::PartitionedTopics::open(&config.data_dir).map_err(|source| Error::DataDir {
            dir: config.data_dir.clone(),
            source,
        })?;
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let broker = Arc::new(broker::Broker::new(
        config,
        registry,
        partitioned,
        shutdown.clone(),
        tracker.clone(),
    ));
    tracker.spawn(server::run(broker.clone(), listener));
    let admin_address = admin.map(|(listener, bound)| {
        tracker.spawn(admin::run(broker.clone(), listener));
        bound
    });
    tracing::info!(%address, ?admin_address, "pulsar-embedded listening");
    Ok(BrokerHandle {
        address,
        admin_address,
        shutdown,
        tracker,
    })
}

impl BrokerHandle {
    /// The address of the Pulsar protocol listener (`pulsar://{address}`).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The address of the admin HTTP listener, if one was configured.
    pub fn admin_address(&self) -> Option<SocketAddr> {
        self.admin_address
    }

    /// Stops accepting, closes every connection, stores what is queued, and returns once
    /// every task of the broker has finished.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}
