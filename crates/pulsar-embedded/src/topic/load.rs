//! Building a topic: in memory only, or loaded from its directory, recovering from a
//! crash if needed.

use std::{
    collections::{BTreeSet, HashMap, VecDeque},
    io,
    path::Path,
    sync::{
        atomic::{AtomicBool, AtomicU64},
        Arc, Mutex,
    },
};

use pulsar::proto::command_subscribe::SubType;
use tokio::sync::Notify;

use super::{delayed, Topic, TopicState};
use crate::{
    entry::Entry,
    retention::TopicPolicies,
    schema_registry::SchemaRegistry,
    storage::{
        cursor::{Cursor, CursorJournal},
        log::{SegmentLimits, SegmentLog},
    },
    subscription::Subscription,
    topic_name::TopicName,
};

/// What loading a persistent topic hands to its writer.
pub struct Storage {
    pub log: SegmentLog,
    pub journal: CursorJournal,
}

impl Topic {
    /// A topic kept in memory only.
    pub fn in_memory(name: TopicName, deduplication: bool) -> Arc<Topic> {
        Arc::new(Topic::build(
            name,
            Vec::new(),
            0,
            HashMap::new(),
            SchemaRegistry::in_memory(),
            deduplication,
        ))
    }

    /// Loads a persistent topic from `dir` (blocking), recovering from a crash if needed.
    /// Every entry the log still holds is readable again, acknowledged or not: retention
    /// decides when it goes.
    pub fn load(
        name: TopicName,
        dir: &Path,
        deduplication: bool,
        limits: SegmentLimits,
        policies: TopicPolicies,
    ) -> io::Result<(Arc<Topic>, Storage)> {
        std::fs::create_dir_all(dir)?;
        let (log, stored) = SegmentLog::open(&dir.join("ledger"), limits)?;
        let (journal, cursors) = CursorJournal::open(&dir.join("cursors"))?;
        let schemas = SchemaRegistry::open(&dir.join("schemas"))?;
        let next_id = log.next_id();
        let entries: Vec<Entry> = stored
            .into_iter()
            .filter_map(|e| {
                let id = e.id;
                let entry = Entry::decode(e.id, e.body, e.crc);
                if entry.is_none() {
                    tracing::warn!(topic = %name, entry = id, "skipping an undecodable entry");
                }
                entry
            })
            .collect();
        let mut topic = Topic::build(name, entries, next_id, cursors, schemas, deduplication);
        topic.ledger_dir = Some(dir.join("ledger"));
        topic.set_policies(policies);
        // A subscription deleted just before a crash may not have its deletion stored
        // while retention already deleted what it held: it starts at what is left.
        topic.storage_changed(log.segments());
        // Memory keeps what the subscriptions need; the rest is read back on demand.
        topic.lock().release(true);
        Ok((Arc::new(topic), Storage { log, journal }))
    }

    fn build(
        name: TopicName,
        entries: Vec<Entry>,
        next_id: u64,
        cursors: HashMap<String, Cursor>,
        schemas: SchemaRegistry,
        deduplication: bool,
    ) -> Topic {
        let mut last_sequence = HashMap::new();
        for entry in &entries {
            last_sequence.insert(
                entry.producer_name.clone(),
                (entry.highest_sequence_id, entry.chunk_id),
            );
        }
        let subscriptions: HashMap<String, Subscription> = cursors
            .into_iter()
            .map(|(sub, cursor)| {
                // The type is not stored: the first consumer to come back sets it.
                let subscription = Subscription::new(sub.clone(), SubType::Shared, true, cursor);
                (sub, subscription)
            })
            .collect();
        let entries: VecDeque<Arc<Entry>> = entries.into_iter().map(Arc::new).collect();
        let first_id = entries.front().map_or(next_id, |e| e.id);
        // Delivery times come back with the stored metadata: the timer starts from them.
        let mut delivery_times = BTreeSet::new();
        for entry in &entries {
            delayed::schedule(&mut delivery_times, entry);
        }
        let state = TopicState {
            entries,
            first_id,
            end_id: next_id,
            next_id,
            unflushed: Vec::new(),
            journal: Vec::new(),
            ack_receipts: Vec::new(),
            cursors_changed: false,
            producers: HashMap::new(),
            exclusive: None,
            topic_epoch: 0,
            waiting: VecDeque::new(),
            last_sequence,
            subscriptions,
            msg_in: 0,
            bytes_in: 0,
            entries_added: 0,
            failed: None,
            delivery_times,
            policies: TopicPolicies::default(),
            pins: Default::default(),
            partition: crate::subscription::failover::partition_index(&name.to_string())
                .and_then(|index| i32::try_from(index).ok()),
            segments: Vec::new(),
        };
        Topic {
            full_name: name.to_string(),
            name,
            state: Mutex::new(state),
            wake_writer: Notify::new(),
            wake_delivery: Notify::new(),
            schemas: Arc::new(Mutex::new(schemas)),
            deduplication: AtomicBool::new(deduplication),
            failover_delay_ms: AtomicU64::new(TopicPolicies::default().failover_delay_ms),
            ledger_dir: None,
        }
    }
}
