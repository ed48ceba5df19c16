//! A topic: its entries, producers, subscriptions and schemas.
//!
//! All mutable state sits behind one short-held mutex (never held across an await). A
//! persistent topic's entries become visible, and their SEND_RECEIPTs leave, only once
//! the topic's writer (see [`crate::storage::writer`]) made them durable; acks are applied
//! at once and journaled by the same writer.

use std::{
    collections::{HashMap, VecDeque},
    io,
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};

use pulsar::proto::{
    base_command::Type as CommandType, command_subscribe::SubType, BaseCommand, CommandAck,
    CommandSendError, CommandSendReceipt, MessageIdData, ServerError,
};
use tokio::sync::{mpsc::UnboundedSender, Notify};

use crate::{
    entry::{Entry, LEDGER_ID},
    frame::Outbound,
    schema_registry::SchemaRegistry,
    storage::{
        cursor::{Cursor, CursorJournal, CursorRecord},
        log::SegmentLog,
    },
    subscription::{Consumer, ConsumerKey, EntriesView, Subscription},
    topic_name::TopicName,
};

/// A refusal sent back to a client: the server error and a message.
pub type Refusal = (ServerError, String);

/// Where to send a SEND_RECEIPT once the entry is stored.
#[derive(Debug)]
pub struct Receipt {
    pub tx: UnboundedSender<Outbound>,
    pub producer_id: u64,
    pub sequence_id: u64,
    pub highest_sequence_id: u64,
}

/// How a new subscription is positioned.
#[derive(Debug, Clone, Copy)]
pub enum StartPosition {
    Earliest,
    Latest,
    /// A reader's start message id.
    At(u64),
}

/// What the writer must do in one group commit.
pub struct WriteBatch {
    pub writes: Vec<(Entry, Receipt)>,
    pub records: Vec<CursorRecord>,
    pub snapshot: Option<Vec<CursorRecord>>,
    pub ack_receipts: Vec<(UnboundedSender<Outbound>, BaseCommand)>,
    pub trim_to: u64,
}

struct ProducerSlot {
    connection: u64,
    address: String,
}

struct TopicState {
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
    last_sequence: HashMap<String, u64>,
    subscriptions: HashMap<String, Subscription>,
    msg_in: u64,
    bytes_in: u64,
    /// Set once storing failed: the topic refuses sends from then on.
    failed: Option<String>,
}

/// One topic.
pub struct Topic {
    pub name: TopicName,
    full_name: String,
    state: Mutex<TopicState>,
    wake_writer: Notify,
    schemas: Arc<Mutex<SchemaRegistry>>,
    deduplication: bool,
}

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
    pub fn load(
        name: TopicName,
        dir: &Path,
        deduplication: bool,
    ) -> io::Result<(Arc<Topic>, Storage)> {
        std::fs::create_dir_all(dir)?;
        let (log, stored) = SegmentLog::open(&dir.join("ledger"))?;
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
        let topic = Topic::build(name, entries, next_id, cursors, schemas, deduplication);
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
            last_sequence.insert(entry.producer_name.clone(), entry.highest_sequence_id);
        }
        let subscriptions: HashMap<String, Subscription> = cursors
            .into_iter()
            .map(|(sub, cursor)| {
                // The type is not stored: the first consumer to come back sets it.
                let subscription = Subscription::new(sub.clone(), SubType::Shared, true, cursor);
                (sub, subscription)
            })
            .collect();
        let keep_from = subscriptions
            .values()
            .map(|s| s.cursor.mark_delete())
            .min()
            .unwrap_or(0);
        let entries: VecDeque<Arc<Entry>> = entries
            .into_iter()
            .filter(|e| e.id >= keep_from)
            .map(Arc::new)
            .collect();
        let first_id = entries.front().map_or(next_id, |e| e.id);
        Topic {
            full_name: name.to_string(),
            name,
            state: Mutex::new(TopicState {
                entries,
                first_id,
                end_id: next_id,
                next_id,
                unflushed: Vec::new(),
                journal: Vec::new(),
                ack_receipts: Vec::new(),
                cursors_changed: false,
                producers: HashMap::new(),
                last_sequence,
                subscriptions,
                msg_in: 0,
                bytes_in: 0,
                failed: None,
            }),
            wake_writer: Notify::new(),
            schemas: Arc::new(Mutex::new(schemas)),
            deduplication,
        }
    }

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

    /// Registers a producer under a name unique on this topic; returns the last sequence
    /// id stored for that name (-1 if none).
    pub fn add_producer(&self, name: &str, connection: u64, address: &str) -> Result<i64, Refusal> {
        let mut state = self.lock();
        if state.producers.contains_key(name) {
            return Err((
                ServerError::ProducerBusy,
                format!("producer {name} is already connected to {}", self.full_name),
            ));
        }
        state.producers.insert(
            name.to_string(),
            ProducerSlot {
                connection,
                address: address.to_string(),
            },
        );
        Ok(state.last_sequence.get(name).map_or(-1, |seq| *seq as i64))
    }

    pub fn remove_producer(&self, name: &str, connection: u64) {
        let mut state = self.lock();
        if state
            .producers
            .get(name)
            .is_some_and(|slot| slot.connection == connection)
        {
            state.producers.remove(name);
        }
    }

    /// Stores a published message (a whole batch for batched sends). The receipt leaves
    /// once it is durable; a duplicate of a stored sequence id is answered at once; a
    /// failure is answered with a SEND_ERROR.
    pub fn publish(
        &self,
        producer_name: &str,
        mut entry: Entry,
        payload_len: usize,
        persistent: bool,
        receipt: Receipt,
    ) {
        let mut state = self.lock();
        if let Some(reason) = &state.failed {
            send_error(&receipt, ServerError::PersistenceError, reason);
            return;
        }
        if self.deduplication {
            if let Some(last) = state.last_sequence.get(producer_name) {
                if receipt.sequence_id <= *last {
                    send_receipt(&receipt, None);
                    return;
                }
            }
        }
        let highest = receipt.highest_sequence_id.max(receipt.sequence_id);
        match state.last_sequence.get_mut(producer_name) {
            Some(last) => *last = highest,
            None => {
                state
                    .last_sequence
                    .insert(producer_name.to_string(), highest);
            }
        }
        entry.id = state.next_id;
        state.next_id += 1;
        state.msg_in += u64::from(entry.num_messages);
        state.bytes_in += payload_len as u64;
        if persistent {
            state.unflushed.push((entry, receipt));
            drop(state);
            self.wake_writer.notify_one();
        } else {
            state.make_visible(vec![(entry, receipt)]);
            state.dispatch_all();
            state.trim(false);
        }
    }

    /// Attaches a consumer, creating the subscription if needed. Subscriptions of a
    /// non-persistent topic are never durable: they end with their last consumer.
    pub fn subscribe(
        &self,
        subscription: &str,
        sub_type: SubType,
        durable: bool,
        start: StartPosition,
        consumer: Consumer,
    ) -> Result<(), Refusal> {
        let durable = durable && self.is_persistent();
        let mut state = self.lock();
        let state = &mut *state;
        if !state.subscriptions.contains_key(subscription) {
            let position = match start {
                StartPosition::Earliest => state.first_id,
                StartPosition::Latest => state.end_id,
                StartPosition::At(id) => id.clamp(state.first_id, state.end_id),
            };
            let sub = Subscription::new(
                subscription.to_string(),
                sub_type,
                durable,
                Cursor::at(position),
            );
            if durable {
                state.journal.push(CursorRecord::Create {
                    sub: subscription.to_string(),
                    mark_delete: position,
                });
                self.wake_writer.notify_one();
            }
            state.subscriptions.insert(subscription.to_string(), sub);
        }
        let view = EntriesView {
            entries: &state.entries,
            first_id: state.first_id,
            end_id: state.end_id,
        };
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return Err((ServerError::UnknownError, "subscription vanished".into()));
        };
        sub.add_consumer(sub_type, consumer)
            .map_err(|busy| (ServerError::ConsumerBusy, busy.0))?;
        sub.dispatch(&view);
        Ok(())
    }

    /// Detaches a consumer (closed, or its connection ended); its unacknowledged entries
    /// go to the subscription's other consumers.
    pub fn remove_consumer(&self, subscription: &str, key: ConsumerKey) {
        let mut state = self.lock();
        let state = &mut *state;
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return;
        };
        sub.remove_consumer(key);
        if !sub.durable && sub.consumers().is_empty() {
            state.subscriptions.remove(subscription);
            state.trim(self.is_persistent());
        } else {
            state.dispatch_one(subscription);
        }
    }

    pub fn flow(&self, subscription: &str, key: ConsumerKey, permits: u32) {
        let mut state = self.lock();
        if let Some(sub) = state.subscriptions.get_mut(subscription) {
            sub.flow(key, permits);
        }
        state.dispatch_one(subscription);
    }

    /// Applies an ACK. With `response`, the ACK_RESPONSE leaves once the ack is durable.
    pub fn ack(
        &self,
        subscription: &str,
        ack: &CommandAck,
        response: Option<(UnboundedSender<Outbound>, BaseCommand)>,
    ) {
        let mut state = self.lock();
        let state = &mut *state;
        let view = EntriesView {
            entries: &state.entries,
            first_id: state.first_id,
            end_id: state.end_id,
        };
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return;
        };
        let mark_before = sub.cursor.mark_delete();
        sub.ack(ack, &view);
        let moved = sub.cursor.mark_delete() != mark_before;
        let journaled = sub.durable && self.is_persistent();
        match response {
            Some(response) if journaled => state.ack_receipts.push(response),
            Some((tx, command)) => {
                let _ = tx.send(Outbound::command(command));
            }
            None => {}
        }
        // Only a moved mark-delete position can free entries.
        if moved {
            state.trim(self.is_persistent());
        }
        if journaled {
            state.cursors_changed = true;
            self.wake_writer.notify_one();
        }
    }

    /// Negative acks: the named entries (all the consumer holds if none) are redelivered.
    pub fn redeliver(&self, subscription: &str, key: ConsumerKey, ids: &[MessageIdData]) {
        let mut state = self.lock();
        if let Some(sub) = state.subscriptions.get_mut(subscription) {
            sub.redeliver(key, ids);
        }
        state.dispatch_one(subscription);
    }

    /// Removes a subscription on behalf of its only consumer.
    pub fn unsubscribe(&self, subscription: &str, key: ConsumerKey) -> Result<(), Refusal> {
        let mut state = self.lock();
        let Some(sub) = state.subscriptions.get(subscription) else {
            return Ok(());
        };
        if sub.consumers().iter().any(|c| c.key != key) {
            return Err((
                ServerError::ConsumerBusy,
                format!("subscription {subscription} has other consumers"),
            ));
        }
        let durable = sub.durable;
        state.subscriptions.remove(subscription);
        if durable && self.is_persistent() {
            state.journal.push(CursorRecord::Delete {
                sub: subscription.to_string(),
            });
            self.wake_writer.notify_one();
        }
        state.trim(self.is_persistent());
        Ok(())
    }

    /// Moves a subscription's cursor to a message id or a publish time. Its consumers are
    /// detached and returned, to be told to reconnect, as Apache Pulsar does.
    pub fn seek(
        &self,
        subscription: &str,
        message_id: Option<&MessageIdData>,
        publish_time: Option<u64>,
    ) -> Result<Vec<Consumer>, Refusal> {
        let mut state = self.lock();
        let state = &mut *state;
        let position = match (message_id, publish_time) {
            (Some(id), _) if is_earliest(id) => state.first_id,
            (Some(id), _) if is_latest(id) => state.end_id,
            (Some(id), _) => id.entry_id.clamp(state.first_id, state.end_id),
            (None, Some(time)) => state
                .entries
                .iter()
                .find(|e| e.publish_time >= time)
                .map_or(state.end_id, |e| e.id),
            (None, None) => {
                return Err((
                    ServerError::UnknownError,
                    "seek needs a message id or a time".into(),
                ))
            }
        };
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return Err((
                ServerError::SubscriptionNotFound,
                format!("no subscription {subscription}"),
            ));
        };
        let consumers = sub.take_consumers();
        let record = sub.reset(position);
        if sub.durable && self.is_persistent() {
            state.journal.push(record);
            self.wake_writer.notify_one();
        }
        Ok(consumers)
    }

    /// The id of the last stored message, and the subscription's mark-delete position.
    pub fn last_message_id(&self, subscription: &str) -> (MessageIdData, MessageIdData) {
        let state = self.lock();
        let last = match state.end_id.checked_sub(1) {
            None => MessageIdData {
                ledger_id: LEDGER_ID,
                entry_id: u64::MAX,
                ..Default::default()
            },
            Some(id) => {
                let batch = state
                    .entries
                    .back()
                    .filter(|e| e.id == id && e.num_messages > 1)
                    .map(|e| e.num_messages as i32 - 1);
                MessageIdData {
                    ledger_id: LEDGER_ID,
                    entry_id: id,
                    batch_index: batch,
                    ..Default::default()
                }
            }
        };
        let mark = state
            .subscriptions
            .get(subscription)
            .map_or(0, |s| s.cursor.mark_delete());
        let mark_delete = MessageIdData {
            ledger_id: LEDGER_ID,
            entry_id: mark.checked_sub(1).unwrap_or(u64::MAX),
            ..Default::default()
        };
        (last, mark_delete)
    }

    fn is_persistent(&self) -> bool {
        self.name.persistent
    }

    /// Waits until there is something for the writer.
    pub async fn writer_wakeup(&self) {
        self.wake_writer.notified().await;
    }

    /// Takes what the writer must store next, if anything.
    pub fn take_batch(&self, wants_snapshot: bool) -> Option<WriteBatch> {
        let mut state = self.lock();
        let state = &mut *state;
        if state.unflushed.is_empty()
            && state.journal.is_empty()
            && state.ack_receipts.is_empty()
            && !state.cursors_changed
        {
            return None;
        }
        state.cursors_changed = false;
        let mut records = std::mem::take(&mut state.journal);
        // The snapshot reflects every record taken with it, so it replaces them.
        let snapshot = if wants_snapshot {
            let mut snapshot = Vec::new();
            for sub in state.subscriptions.values_mut().filter(|s| s.durable) {
                snapshot.extend(sub.cursor.snapshot(&sub.name));
                sub.journaled_by_snapshot();
            }
            Some(snapshot)
        } else {
            // After the explicit records (creations, resets, deletions), which the acks
            // they precede never outlive.
            for sub in state.subscriptions.values_mut().filter(|s| s.durable) {
                sub.take_records(&mut records);
            }
            None
        };
        Some(WriteBatch {
            writes: std::mem::take(&mut state.unflushed),
            records,
            snapshot,
            ack_receipts: std::mem::take(&mut state.ack_receipts),
            trim_to: state.first_id,
        })
    }

    /// Finishes a group commit: entries become visible and receipts leave, or, if storing
    /// failed, the sends fail and the topic refuses further sends.
    pub fn complete_batch(
        &self,
        writes: Vec<(Entry, Receipt)>,
        ack_receipts: Vec<(UnboundedSender<Outbound>, BaseCommand)>,
        result: io::Result<()>,
    ) {
        let mut state = self.lock();
        match result {
            Ok(()) => {
                state.make_visible(writes);
                for (tx, command) in ack_receipts {
                    let _ = tx.send(Outbound::command(command));
                }
                state.dispatch_all();
            }
            Err(error) => {
                let reason = format!("cannot store entries of {}: {error}", self.full_name);
                tracing::error!(topic = %self.full_name, %error, "storing failed; the topic refuses sends until restarted");
                for (_, receipt) in writes {
                    send_error(&receipt, ServerError::PersistenceError, &reason);
                }
                state.failed = Some(reason);
            }
        }
    }

    /// The admin API's topic statistics.
    pub fn stats(&self) -> serde_json::Value {
        let state = self.lock();
        let subscriptions: serde_json::Map<String, serde_json::Value> = state
            .subscriptions
            .values()
            .map(|sub| {
                let consumers: Vec<serde_json::Value> = sub
                    .consumers()
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "consumerName": c.name,
                            "availablePermits": c.permits,
                            "unackedMessages": sub.unacked_of(c.key),
                            "address": c.address,
                        })
                    })
                    .collect();
                (
                    sub.name.clone(),
                    serde_json::json!({
                        "msgBacklog": sub.backlog(state.end_id),
                        "msgOutCounter": sub.msg_out_counter,
                        "type": sub_type_name(sub.sub_type),
                        "isDurable": sub.durable,
                        "consumers": consumers,
                    }),
                )
            })
            .collect();
        let publishers: Vec<serde_json::Value> = state
            .producers
            .iter()
            .map(|(name, slot)| serde_json::json!({"producerName": name, "address": slot.address}))
            .collect();
        serde_json::json!({
            "msgInCounter": state.msg_in,
            "bytesInCounter": state.bytes_in,
            "publishers": publishers,
            "subscriptions": subscriptions,
        })
    }
}

impl TopicState {
    fn make_visible(&mut self, writes: Vec<(Entry, Receipt)>) {
        for (entry, receipt) in writes {
            let id = entry.id;
            if self.entries.is_empty() {
                self.first_id = id;
            }
            self.entries.push_back(Arc::new(entry));
            self.end_id = id + 1;
            send_receipt(&receipt, Some(id));
        }
    }

    fn dispatch_all(&mut self) {
        let view = EntriesView {
            entries: &self.entries,
            first_id: self.first_id,
            end_id: self.end_id,
        };
        for sub in self.subscriptions.values_mut() {
            sub.dispatch(&view);
        }
    }

    fn dispatch_one(&mut self, subscription: &str) {
        let view = EntriesView {
            entries: &self.entries,
            first_id: self.first_id,
            end_id: self.end_id,
        };
        if let Some(sub) = self.subscriptions.get_mut(subscription) {
            sub.dispatch(&view);
        }
    }

    /// Drops entries every subscription acknowledged. A persistent topic without
    /// subscriptions keeps everything (a later Earliest subscription reads it); a
    /// non-persistent one only serves the consumers present.
    fn trim(&mut self, persistent: bool) {
        let needed = self
            .subscriptions
            .values()
            .map(|s| s.cursor.mark_delete())
            .min();
        let needed = match needed {
            Some(needed) => needed,
            None if persistent => return,
            None => self.end_id,
        };
        while self.entries.front().is_some_and(|e| e.id < needed) {
            self.entries.pop_front();
        }
        self.first_id = self.entries.front().map_or(self.end_id, |e| e.id);
    }
}

fn send_receipt(receipt: &Receipt, entry_id: Option<u64>) {
    // A duplicate is acknowledged with the id (-1, -1), as Apache Pulsar does.
    let message_id = MessageIdData {
        ledger_id: entry_id.map_or(u64::MAX, |_| LEDGER_ID),
        entry_id: entry_id.unwrap_or(u64::MAX),
        ..Default::default()
    };
    let command = BaseCommand {
        r#type: CommandType::SendReceipt as i32,
        send_receipt: Some(CommandSendReceipt {
            producer_id: receipt.producer_id,
            sequence_id: receipt.sequence_id,
            message_id: Some(message_id),
            highest_sequence_id: Some(receipt.highest_sequence_id),
        }),
        ..Default::default()
    };
    let _ = receipt.tx.send(Outbound::command(command));
}

/// Fails one send.
pub fn send_error(receipt: &Receipt, error: ServerError, message: &str) {
    let command = BaseCommand {
        r#type: CommandType::SendError as i32,
        send_error: Some(CommandSendError {
            producer_id: receipt.producer_id,
            sequence_id: receipt.sequence_id,
            error: error as i32,
            message: message.to_string(),
        }),
        ..Default::default()
    };
    let _ = receipt.tx.send(Outbound::command(command));
}

fn is_earliest(id: &MessageIdData) -> bool {
    id.ledger_id == u64::MAX && id.entry_id == u64::MAX
}

fn is_latest(id: &MessageIdData) -> bool {
    id.ledger_id == i64::MAX as u64
}

/// Where a reader's start message id puts a new subscription, as Apache Pulsar reads it:
/// a batch message id starts at its entry (the client skips what it already saw), a plain
/// one just after it.
pub fn reader_start(id: &MessageIdData) -> StartPosition {
    if is_earliest(id) {
        StartPosition::Earliest
    } else if is_latest(id) {
        StartPosition::Latest
    } else if id.batch_index.unwrap_or(-1) >= 0 {
        StartPosition::At(id.entry_id)
    } else {
        StartPosition::At(id.entry_id.saturating_add(1))
    }
}

pub fn sub_type_name(sub_type: SubType) -> &'static str {
    match sub_type {
        SubType::Exclusive => "Exclusive",
        SubType::Shared => "Shared",
        SubType::Failover => "Failover",
        SubType::KeyShared => "Key_Shared",
    }
}
