//! Broker configuration.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use crate::retention::{BacklogQuota, RetentionPolicy};
pub use crate::storage::log::SegmentLimits;

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
    /// What namespaces without a retention policy keep of acknowledged data; Apache
    /// Pulsar's default keeps nothing past the segment being written.
    pub retention: RetentionPolicy,
    /// Message TTL of namespaces without one; 0 is none, Apache Pulsar's default.
    pub message_ttl_seconds: u32,
    /// Backlog quota (`destination_storage`) of namespaces without one; none by default.
    pub backlog_quota: Option<BacklogQuota>,
    /// A topic's log segment is closed, and retention may delete it, once it holds this
    /// many bytes or was started this long ago.
    pub segment_limits: SegmentLimits,
    /// How often each persistent topic applies retention, message TTL and backlog quotas
    /// (Apache Pulsar checks each on its own interval, 1 to 5 minutes).
    pub policy_check_interval: Duration,
    /// How long a persistent topic's Failover subscription waits after its active
    /// consumer changed before delivering to the new one (Apache Pulsar's
    /// `activeConsumerFailoverDelayTimeMillis`, 1 s).
    pub failover_delay: Duration,
    /// Apache Pulsar's `advertisedListeners`: (name, `pulsar://host:port`). A lookup that
    /// names a listener gets its URL; one naming a listener not here is refused.
    pub advertised_listeners: Vec<(String, String)>,
}

impl Config {
    /// Listens on `bind`, keeps data in `data_dir`, no admin listener, Apache Pulsar's
    /// defaults otherwise (5 MiB messages, 30 s keepalive, deduplication off, no retention
    /// past the segment being written, no TTL, no backlog quota), fsync on, 64 MiB log
    /// segments rolled after 4 hours, policies checked every minute.
    pub fn new(bind: SocketAddr, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            bind,
            data_dir: data_dir.into(),
            admin_bind: None,
            max_message_size: 5 * 1024 * 1024,
            keepalive: Duration::from_secs(30),
            fsync: true,
            deduplication: false,
            retention: RetentionPolicy::NONE,
            message_ttl_seconds: 0,
            backlog_quota: None,
            segment_limits: SegmentLimits {
                bytes: 64 * 1024 * 1024,
                // Apache Pulsar's managedLedgerMaxLedgerRolloverTimeMinutes.
                age_ms: 4 * 60 * 60 * 1000,
            },
            policy_check_interval: Duration::from_secs(60),
            failover_delay: Duration::from_secs(1),
            advertised_listeners: Vec::new(),
        }
    }

    /// A broker on a free port of 127.0.0.1, for tests and in-process use.
    pub fn local(data_dir: impl Into<PathBuf>) -> Config {
        Config::new(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), data_dir)
    }
}
