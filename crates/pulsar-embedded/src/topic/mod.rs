//! A topic: its entries, producers, subscriptions and schemas.
//!
//! All mutable state sits behind one short-held mutex (never held across an await). A
//! persistent topic's entries become visible, and their SEND_RECEIPTs leave, only once
//! the topic's writer (see [`crate::storage::writer`]) made them durable; acks are applied
//! at once and journaled by the same writer.
//!
//! The handling is grouped by role: `load` builds a topic (in memory, or from its
//! directory), `publish` the producers and the deduplicated publish path,
//! `subscriptions` the subscriptions and the dispatch to their consumers, `group_commit`
//! the writer's side of storing, `policies` retention, message TTL and backlog quotas,
//! `window` which entries memory holds and reading older ones back from the log,
//! `delayed` the timer that dispatches delayed entries when
//! their time comes, and `stats` the admin API's statistics.

mod admin_ops;
mod delayed;
mod group_commit;
mod load;
mod policies;
mod publish;
mod stats;
mod subscriptions;
mod window;

use std::{
    collections::{BTreeSet, HashMap, VecDeque},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use pulsar::proto::{BaseCommand, ServerError};
use tokio::sync::{mpsc::UnboundedSender, Notify};

pub use self::{
    admin_ops::{close_consumers, Peeked, Skip, SubscriptionError},
    delayed::run_delivery_timer,
    load::Storage,
    publish::{send_error, AccessMode, Admission, Admitted, NewProducer, Receipt},
    stats::METRIC_FAMILIES,
    subscriptions::{reader_start, StartPosition},
    window::seek_back,
};
use crate::{
    entry::Entry,
    frame::Outbound,
    retention::{SegmentInfo, TopicPolicies},
    schema_registry::SchemaRegistry,
    storage::cursor::CursorRecord,
    subscription::Subscription,
    topic_name::TopicName,
};

/// A refusal sent back to a client: the server error and a message.
pub type Refusal = (ServerError, String);

struct ProducerSlot {
    connection: u64,
    address: String,
    /// The producer's id on its connection and that connection's writer: a fenced
    /// producer is told with a CLOSE_PRODUCER.
    producer_id: u64,
    tx: UnboundedSender<Outbound>,
}

struct TopicState {
    /// The stored entries, from the first segment retention kept (persistent topics), or
    /// those some consumer still needs (non-persistent ones).
    entries: VecDeque<Arc<Entry>>,
    first_id: u64,
    /// Entries below this id are visible (stored).
    end_id: u64,
    /// The id of the next published entry.
    next_id: u64,
    unflushed: Vec<(Entry, Receipt)>,
    journal: Vec<CursorRecord>,
    ack_receipts: Vec<(UnboundedSender<Outbound>, BaseCommand)>,
    /// Acks were applied to durable subscriptions since the writer last took records.
    cursors_changed: bool,
    producers: HashMap<String, ProducerSlot>,
    /// The producer holding exclusive access (Exclusive, WaitForExclusive once admitted,
    /// ExclusiveWithFencing), if any.
    exclusive: Option<String>,
    /// Raised each time an exclusive producer takes the topic: a producer reconnecting
    /// with an older epoch was fenced out in between.
    topic_epoch: u64,
    /// WaitForExclusive producers, in arrival order.
    waiting: VecDeque<publish::Waiter>,
    /// Per producer name, the position (sequence id, chunk) of the last entry stored.
    last_sequence: HashMap<String, (u64, u32)>,
    subscriptions: HashMap<String, Subscription>,
    msg_in: u64,
    bytes_in: u64,
    /// Entries published since the topic was loaded.
    entries_added: u64,
    /// Set once storing failed: the topic refuses sends from then on.
    failed: Option<String>,
    /// (delivery time, entry) of visible entries whose `deliver_at_time` is still ahead:
    /// when the delivery timer dispatches next.
    delivery_times: BTreeSet<(u64, u64)>,
    policies: TopicPolicies,
    /// Entries operations that read back from the log keep in memory until they are done
    /// (see `window`): position to how many pins.
    pins: std::collections::BTreeMap<u64, usize>,
    /// The partition index of a `…-partition-N` topic, carried by its message ids.
    partition: Option<i32>,
    /// The log's segments as the writer last reported them.
    segments: Vec<SegmentInfo>,
}

/// One topic.
pub struct Topic {
    pub name: TopicName,
    full_name: String,
    state: Mutex<TopicState>,
    wake_writer: Notify,
    /// Wakes the delivery timer: an entry with a delivery time became visible.
    wake_delivery: Notify,
    schemas: Arc<Mutex<SchemaRegistry>>,
    /// Whether resent sequence ids are dropped: the topic's policy, else its namespace's,
    /// else the broker's; the admin API changes it at run time.
    deduplication: AtomicBool,
    /// The hand-over delay of Failover subscriptions (a copy of the policies' own, read
    /// while the state is locked).
    failover_delay_ms: AtomicU64,
    /// Where a persistent topic's log is, to read back what memory no longer holds.
    ledger_dir: Option<std::path::PathBuf>,
}

impl Topic {
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    fn lock(&self) -> MutexGuard<'_, TopicState> {
        // A panic while holding the lock would be a broker bug; the state is still the
        // best there is, so keep serving rather than poisoning every later call.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The schema registry (locked briefly; registration does blocking I/O, so callers
    /// run it on a blocking thread).
    pub fn schemas(&self) -> Arc<Mutex<SchemaRegistry>> {
        self.schemas.clone()
    }

    pub fn deduplication(&self) -> bool {
        self.deduplication.load(Ordering::Relaxed)
    }

    /// Takes effect from the next message published; the last sequence id of each
    /// producer is always kept, so turning it on drops resends at once.
    pub fn set_deduplication(&self, enabled: bool) {
        self.deduplication.store(enabled, Ordering::Relaxed);
    }

    fn is_persistent(&self) -> bool {
        self.name.persistent
    }
}
