//! A subscription: its cursor, its consumers, and the dispatch of entries to them.
//!
//! Dispatch follows the subscription type: Exclusive and Failover send everything to one
//! active consumer (chosen as Apache Pulsar chooses it, see [`failover`]), Shared goes
//! round-robin over the consumers that have permits, and Key_Shared sends every entry of
//! a key to the same consumer. An entry counts against the consumer's permits for every
//! message in it, as the clients count them. Delivered entries stay pending on their
//! consumer until acknowledged; a negative ack or the consumer leaving puts them back in
//! front of the queue with a higher redelivery count.
//!
//! Delayed delivery, as Apache Pulsar does it: Shared and Key_Shared subscriptions hold
//! back an entry whose `deliver_at_time` is still ahead and go on with the entries after
//! it; once its time comes it goes out before new entries, as redeliveries do (the topic's
//! delivery timer dispatches then). Exclusive and Failover subscriptions deliver it at once.
//!
//! When the active consumer of a persistent topic's Failover subscription changes, the
//! subscription waits [`failover::HANDOVER_DELAY_MS`] (nothing is delivered meanwhile),
//! then puts back everything delivered and unacknowledged, tells every consumer whether
//! it is the active one (ACTIVE_CONSUMER_CHANGE) and delivers to the new one. A consumer
//! joining without changing the choice is told at once that it is not active.

pub mod failover;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::Arc,
};

use pulsar::proto::{
    base_command::Type as CommandType, command_ack::AckType, command_subscribe::SubType,
    BaseCommand, CommandAck, CommandActiveConsumerChange, CommandMessage, MessageIdData,
};
use tokio::sync::mpsc::UnboundedSender;

use self::failover::ActiveRule;
use crate::{
    entry::{now_millis, Entry, LEDGER_ID},
    frame::Outbound,
    storage::cursor::{Cursor, CursorRecord},
};

/// Identifies one consumer across all connections.
pub type ConsumerKey = u64;

/// A consumer attached to a subscription.
#[derive(Debug)]
pub struct Consumer {
    pub key: ConsumerKey,
    /// The id the client gave it on its connection.
    pub consumer_id: u64,
    pub name: String,
    pub priority: i32,
    pub address: String,
    pub permits: i64,
    pub tx: UnboundedSender<Outbound>,
}

/// The entries a subscription can read: ids `first_id..end_id`.
pub struct EntriesView<'a> {
    pub entries: &'a VecDeque<Arc<Entry>>,
    pub first_id: u64,
    pub end_id: u64,
    /// The topic's partition index (`…-partition-N`), which message ids carry.
    pub partition: Option<i32>,
}

impl EntriesView<'_> {
    pub fn get(&self, id: u64) -> Option<&Arc<Entry>> {
        let index = usize::try_from(id.checked_sub(self.first_id)?).ok()?;
        self.entries.get(index)
    }
}

/// Why a consumer cannot join.
#[derive(Debug)]
pub struct Busy(pub String);

/// One subscription of a topic.
#[derive(Debug)]
pub struct Subscription {
    pub name: String,
    pub sub_type: SubType,
    /// Durable subscriptions have their cursor in the journal and outlive their consumers.
    pub durable: bool,
    pub cursor: Cursor,
    read_position: u64,
    consumers: Vec<Consumer>,
    /// The consumer Exclusive and Failover subscriptions deliver to.
    active: Option<ConsumerKey>,
    /// When a Failover subscription's pending hand-over to `active` happens (ms since
    /// the epoch); nothing is delivered until then.
    handover_at: Option<u64>,
    /// Delivered, unacknowledged entries and the consumer holding each.
    pending: HashMap<u64, ConsumerKey>,
    /// Entries to deliver again, before new ones.
    redeliver: BTreeSet<u64>,
    redelivery_counts: HashMap<u64, u32>,
    /// Entries held back until their delivery time: (time, entry) to their message count.
    delayed: BTreeMap<(u64, u64), u32>,
    next_shared: usize,
    pub msg_out_counter: u64,
    /// Entries whose acknowledgement changed since the journal last got records (durable
    /// subscriptions only); may hold repeats.
    unjournaled: Vec<u64>,
    /// The mark-delete position as the journal last recorded it.
    journaled_mark: u64,
}

impl Subscription {
    pub fn new(name: String, sub_type: SubType, durable: bool, cursor: Cursor) -> Self {
        // A new subscription's position is journaled by its Create record, a loaded one's
        // is already in the journal.
        let cursor_mark = cursor.mark_delete();
        Subscription {
            name,
            sub_type,
            durable,
            read_position: cursor.mark_delete(),
            cursor,
            consumers: Vec::new(),
            active: None,
            handover_at: None,
            pending: HashMap::new(),
            redeliver: BTreeSet::new(),
            redelivery_counts: HashMap::new(),
            delayed: BTreeMap::new(),
            next_shared: 0,
            msg_out_counter: 0,
            unjournaled: Vec::new(),
            journaled_mark: cursor_mark,
        }
    }

    pub fn consumers(&self) -> &[Consumer] {
        &self.consumers
    }

    /// The active consumer of an Exclusive or Failover subscription.
    pub fn active_consumer(&self) -> Option<&Consumer> {
        let key = self.active?;
        self.consumers.iter().find(|c| c.key == key)
    }

    /// When a pending Failover hand-over happens, if one is pending.
    pub fn handover_at(&self) -> Option<u64> {
        self.handover_at
    }

    /// Attaches a consumer, if the subscription type lets it in, and chooses the active
    /// consumer again by `rule`.
    pub fn add_consumer(
        &mut self,
        sub_type: SubType,
        consumer: Consumer,
        rule: &ActiveRule,
    ) -> Result<(), Busy> {
        if self.consumers.is_empty() {
            // With nobody attached, the subscription takes the type of its new consumer.
            self.sub_type = sub_type;
        } else if self.sub_type != sub_type {
            return Err(Busy(format!(
                "subscription {} is {:?}, not {:?}",
                self.name, self.sub_type, sub_type
            )));
        } else if self.sub_type == SubType::Exclusive {
            return Err(Busy(format!(
                "exclusive subscription {} already has a consumer",
                self.name
            )));
        }
        let key = consumer.key;
        self.consumers.push(consumer);
        if !self.choose_active(rule) {
            // The choice stands: only the newcomer learns who is active (Apache does so
            // whatever the type; only Failover lets a second consumer in).
            if let (Some(active), Some(joined)) =
                (self.active, self.consumers.iter().find(|c| c.key == key))
            {
                notify_active(joined, active == key);
            }
        }
        Ok(())
    }

    /// Detaches a consumer and chooses the active consumer again by `rule`; what it had
    /// not acknowledged goes to the others.
    pub fn remove_consumer(&mut self, key: ConsumerKey, rule: &ActiveRule) -> Option<Consumer> {
        let consumer = self.detach(key)?;
        self.choose_active(rule);
        Some(consumer)
    }

    /// Chooses the active consumer; returns whether it changed. A change on a Failover
    /// subscription of a persistent topic is handed over after the delay (a pending one
    /// keeps its time, as Apache's scheduled read does); otherwise at once.
    fn choose_active(&mut self, rule: &ActiveRule) -> bool {
        let single_active = matches!(self.sub_type, SubType::Exclusive | SubType::Failover);
        let chosen = single_active
            .then(|| rule.pick(&self.consumers))
            .flatten()
            .map(|i| self.consumers[i].key);
        if chosen == self.active {
            return false;
        }
        self.active = chosen;
        if chosen.is_none() {
            self.handover_at = None;
            return true;
        }
        match rule.handover_delay {
            Some(delay) if self.sub_type == SubType::Failover && delay > 0 => {
                self.handover_at.get_or_insert(now_millis() + delay);
            }
            Some(_) => self.hand_over(),
            // Non-persistent: nothing was kept to rewind, and Apache sends no notice.
            None => {}
        }
        true
    }

    /// Apache's rewind on a new active consumer: what any consumer holds unacknowledged
    /// goes out again, to the active one, and every Failover consumer learns whether it
    /// is the active one.
    fn hand_over(&mut self) {
        self.handover_at = None;
        let held: Vec<u64> = self.pending.keys().copied().collect();
        for entry in held {
            self.requeue(entry);
        }
        if self.sub_type == SubType::Failover {
            for consumer in &self.consumers {
                notify_active(consumer, Some(consumer.key) == self.active);
            }
        }
    }

    /// Detaches a consumer; what it had not acknowledged goes to the others.
    fn detach(&mut self, key: ConsumerKey) -> Option<Consumer> {
        let index = self.consumers.iter().position(|c| c.key == key)?;
        let consumer = self.consumers.remove(index);
        let held: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, holder)| **holder == key)
            .map(|(entry, _)| *entry)
            .collect();
        for entry in held {
            self.requeue(entry);
        }
        Some(consumer)
    }

    /// Detaches every consumer and returns them (to be told they were closed).
    pub fn take_consumers(&mut self) -> Vec<Consumer> {
        let keys: Vec<ConsumerKey> = self.consumers.iter().map(|c| c.key).collect();
        self.active = None;
        self.handover_at = None;
        keys.into_iter()
            .filter_map(|key| self.detach(key))
            .collect()
    }

    pub fn flow(&mut self, key: ConsumerKey, permits: u32) {
        if let Some(consumer) = self.consumers.iter_mut().find(|c| c.key == key) {
            consumer.permits += i64::from(permits);
        }
    }

    /// Puts back entries a consumer holds (all of them when `ids` is empty).
    pub fn redeliver(&mut self, key: ConsumerKey, ids: &[MessageIdData]) {
        let entries: Vec<u64> = if ids.is_empty() {
            self.pending
                .iter()
                .filter(|(_, holder)| **holder == key)
                .map(|(entry, _)| *entry)
                .collect()
        } else {
            ids.iter()
                .map(|id| id.entry_id)
                .filter(|entry| self.pending.get(entry) == Some(&key))
                .collect()
        };
        for entry in entries {
            self.requeue(entry);
        }
    }

    fn requeue(&mut self, entry: u64) {
        self.pending.remove(&entry);
        if !self.cursor.is_acked(entry) {
            self.redeliver.insert(entry);
            *self.redelivery_counts.entry(entry).or_default() += 1;
        }
    }

    /// Applies an ACK. What changed is journaled later, by [`Subscription::take_records`].
    pub fn ack(&mut self, ack: &CommandAck, view: &EntriesView) {
        let num_messages = |entry: u64| view.get(entry).map_or(1, |e| e.num_messages);
        if ack.ack_type == AckType::Cumulative as i32 {
            let Some(id) = ack.message_id.first() else {
                return;
            };
            let entry = id.entry_id.min(view.end_id.saturating_sub(1));
            let n = num_messages(entry);
            let index = id.batch_index.unwrap_or(-1);
            if n > 1 && index >= 0 && (index as u32) < n - 1 {
                // Up to a message inside a batch: the batch itself stays partly acked.
                self.cursor.ack_below(entry);
                let upto = index as u32 + 1;
                let bits = bits_below(upto, n);
                self.cursor.ack_batch(entry, n, &bits);
                self.touched(entry);
            } else {
                self.cursor.ack_below(entry + 1);
            }
            let cursor = &self.cursor;
            self.pending.retain(|entry, _| !cursor.is_acked(*entry));
            self.redeliver.retain(|entry| !cursor.is_acked(*entry));
            self.redelivery_counts
                .retain(|entry, _| !cursor.is_acked(*entry));
            return;
        }
        for id in &ack.message_id {
            let entry = id.entry_id;
            if entry >= view.end_id || self.cursor.is_acked(entry) {
                continue;
            }
            let n = num_messages(entry);
            let index = id.batch_index.unwrap_or(-1);
            let complete = if n > 1 && !id.ack_set.is_empty() {
                // ack_set holds the messages still unacknowledged (Java's BitSet words).
                let mut acked: Vec<u64> = id.ack_set.iter().map(|w| !(*w as u64)).collect();
                acked.resize((n as usize).div_ceil(64), u64::MAX);
                self.cursor.ack_batch(entry, n, &acked)
            } else if n > 1 && index >= 0 && (index as u32) < n {
                self.cursor.ack_batch_message(entry, n, index as u32)
            } else {
                self.cursor.ack(entry);
                true
            };
            if complete {
                self.pending.remove(&entry);
                self.redeliver.remove(&entry);
                self.redelivery_counts.remove(&entry);
            }
            self.touched(entry);
        }
    }

    /// Notes that the acknowledgement of `entry` changed and is not journaled yet.
    fn touched(&mut self, entry: u64) {
        // Acks of one batch come in a row: skip the repeats cheaply here, the rest are
        // deduplicated when the records are taken.
        if self.durable && self.unjournaled.last() != Some(&entry) {
            self.unjournaled.push(entry);
        }
    }

    /// The journal records of what changed since the last call: the mark-delete position
    /// if it moved, then the current state of every entry acked since. A group commit
    /// writes one record per touched entry, not one per ACK (a batch of 1000 messages
    /// acked one by one is one record, not 1000 bitmaps).
    pub fn take_records(&mut self, records: &mut Vec<CursorRecord>) {
        let mark = self.cursor.mark_delete();
        if mark != self.journaled_mark {
            records.push(CursorRecord::MarkDelete {
                sub: self.name.clone(),
                mark_delete: mark,
            });
            self.journaled_mark = mark;
        }
        let mut touched = std::mem::take(&mut self.unjournaled);
        touched.sort_unstable();
        touched.dedup();
        for entry in touched.into_iter().filter(|entry| *entry >= mark) {
            if self.cursor.is_acked(entry) {
                records.push(CursorRecord::Ack {
                    sub: self.name.clone(),
                    entry,
                });
            } else if let Some(acked) = self.cursor.batch_acked(entry) {
                records.push(CursorRecord::BatchAck {
                    sub: self.name.clone(),
                    entry,
                    acked: acked.to_vec(),
                });
            }
        }
    }

    /// Forgets what is unjournaled: a snapshot of the whole cursor was taken instead.
    pub fn journaled_by_snapshot(&mut self) {
        self.unjournaled.clear();
        self.journaled_mark = self.cursor.mark_delete();
    }

    /// Moves the cursor to `position`: everything from there on is unacknowledged again.
    pub fn reset(&mut self, position: u64) -> CursorRecord {
        self.cursor = Cursor::at(position);
        // The Create record returned covers whatever was not journaled yet.
        self.unjournaled.clear();
        self.journaled_mark = position;
        self.read_position = position;
        self.pending.clear();
        self.redeliver.clear();
        self.redelivery_counts.clear();
        self.delayed.clear();
        CursorRecord::Create {
            sub: self.name.clone(),
            mark_delete: position,
        }
    }

    /// The mark-delete position of the last journal records taken.
    pub fn journaled_mark(&self) -> u64 {
        self.journaled_mark
    }

    /// The next entry to deliver (not counting redeliveries).
    pub fn read_position(&self) -> u64 {
        self.read_position
    }

    /// Entries not acknowledged yet.
    pub fn backlog(&self, end_id: u64) -> u64 {
        let mark = self.cursor.mark_delete().min(end_id);
        (end_id - mark) - self.cursor.acked_between(mark, end_id)
    }

    /// Entries delivered to `key` and not acknowledged.
    pub fn unacked_of(&self, key: ConsumerKey) -> usize {
        self.pending
            .values()
            .filter(|holder| **holder == key)
            .count()
    }

    /// Messages held back until their delivery time.
    pub fn delayed_messages(&self) -> u64 {
        self.delayed.values().map(|n| u64::from(*n)).sum()
    }

    /// Whether this subscription type honours `deliver_at_time`.
    fn delays_delivery(&self) -> bool {
        matches!(self.sub_type, SubType::Shared | SubType::KeyShared)
    }

    /// Queues the held-back entries whose time came (all of them if the subscription no
    /// longer delays, its type having changed), in time order, before new entries.
    fn release_delayed(&mut self, now: u64) {
        let delays = self.delays_delivery();
        while let Some((&(at, id), _)) = self.delayed.first_key_value() {
            if delays && at > now {
                break;
            }
            self.delayed.pop_first();
            if !self.cursor.is_acked(id) {
                self.redeliver.insert(id);
            }
        }
    }

    /// Sends consumers what their permits allow.
    pub fn dispatch(&mut self, view: &EntriesView) {
        if self.consumers.is_empty() {
            return;
        }
        let now = now_millis();
        if let Some(at) = self.handover_at {
            if at > now {
                return;
            }
            self.hand_over();
        }
        self.release_delayed(now);
        self.read_position = self.read_position.max(self.cursor.mark_delete());
        loop {
            let (id, replay) = match self.redeliver.first() {
                Some(&id) => (id, true),
                None => {
                    while self.read_position < view.end_id
                        && self.cursor.is_acked(self.read_position)
                    {
                        self.read_position += 1;
                    }
                    if self.read_position >= view.end_id {
                        return;
                    }
                    (self.read_position, false)
                }
            };
            let entry = match view.get(id) {
                Some(entry) if !replay || !self.pending.contains_key(&id) => entry,
                // Gone or already out again: nothing to send for this id.
                _ => {
                    if replay {
                        self.redeliver.remove(&id);
                    } else {
                        self.read_position += 1;
                    }
                    continue;
                }
            };
            if !replay && self.delays_delivery() {
                if let Some(at) = entry.deliver_at.filter(|at| *at > now) {
                    // Its time is ahead: hold it back, the entries after it go on.
                    self.delayed.insert((at, id), entry.num_messages);
                    self.read_position += 1;
                    continue;
                }
            }
            let Some(index) = self.pick_consumer(entry) else {
                return;
            };
            if replay {
                self.redeliver.remove(&id);
            } else {
                self.read_position += 1;
            }
            let redelivery_count = self.redelivery_counts.get(&id).copied().unwrap_or(0);
            let ack_set = self
                .cursor
                .batch_acked(id)
                .map(|acked| unacked_words(acked, entry.num_messages))
                .unwrap_or_default();
            let consumer = &mut self.consumers[index];
            consumer.permits -= i64::from(entry.num_messages);
            self.pending.insert(id, consumer.key);
            self.msg_out_counter += u64::from(entry.num_messages);
            let command = BaseCommand {
                r#type: CommandType::Message as i32,
                message: Some(CommandMessage {
                    consumer_id: consumer.consumer_id,
                    message_id: MessageIdData {
                        ledger_id: LEDGER_ID,
                        entry_id: id,
                        partition: view.partition,
                        ..Default::default()
                    },
                    redelivery_count: Some(redelivery_count),
                    ack_set,
                    consumer_epoch: None,
                }),
                ..Default::default()
            };
            // A closed channel means the connection is going away; its consumers are
            // removed (and their entries requeued) when it finishes.
            let _ = consumer.tx.send(Outbound::Message {
                command: Box::new(command),
                entry: entry.clone(),
            });
        }
    }

    fn pick_consumer(&mut self, entry: &Entry) -> Option<usize> {
        let n = self.consumers.len();
        let has_permits = |c: &Consumer| c.permits > 0;
        match self.sub_type {
            SubType::Exclusive | SubType::Failover => {
                let key = self.active?;
                let active = self.consumers.iter().position(|c| c.key == key)?;
                has_permits(&self.consumers[active]).then_some(active)
            }
            SubType::Shared => {
                let found = (0..n)
                    .map(|i| (self.next_shared + i) % n)
                    .find(|i| has_permits(&self.consumers[*i]))?;
                self.next_shared = found + 1;
                Some(found)
            }
            SubType::KeyShared => {
                let target = (entry.key_hash % n as u64) as usize;
                has_permits(&self.consumers[target]).then_some(target)
            }
        }
    }
}

/// Tells a consumer whether it is the active one (ACTIVE_CONSUMER_CHANGE).
fn notify_active(consumer: &Consumer, is_active: bool) {
    let command = BaseCommand {
        r#type: CommandType::ActiveConsumerChange as i32,
        active_consumer_change: Some(CommandActiveConsumerChange {
            consumer_id: consumer.consumer_id,
            is_active: Some(is_active),
        }),
        ..Default::default()
    };
    // A closed channel means the connection is going away.
    let _ = consumer.tx.send(Outbound::command(command));
}

/// Bits `0..upto` set, in words for a batch of `n` messages.
fn bits_below(upto: u32, n: u32) -> Vec<u64> {
    let mut bits = vec![0u64; (n as usize).div_ceil(64)];
    for i in 0..upto as usize {
        bits[i / 64] |= 1 << (i % 64);
    }
    bits
}

/// The wire `ack_set` of a partly acked batch: bits set for messages still to deliver.
fn unacked_words(acked: &[u64], n: u32) -> Vec<i64> {
    let mut words: Vec<i64> = acked.iter().map(|w| !*w as i64).collect();
    let tail = n as usize % 64;
    if tail != 0 {
        if let Some(last) = words.last_mut() {
            *last &= ((1u64 << tail) - 1) as i64;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsar::proto::MessageMetadata;
    use tokio::sync::mpsc;

    fn entries(count: u64, batch: i32) -> VecDeque<Arc<Entry>> {
        (0..count)
            .map(|id| {
                let metadata = MessageMetadata {
                    producer_name: "p".into(),
                    sequence_id: id,
                    num_messages_in_batch: (batch > 1).then_some(batch),
                    ..Default::default()
                };
                Arc::new(Entry::new(id, &metadata, b"x"))
            })
            .collect()
    }

    fn consumer(key: u64, permits: i64) -> (Consumer, mpsc::UnboundedReceiver<Outbound>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let consumer = Consumer {
            key,
            consumer_id: key,
            name: format!("c{key}"),
            priority: 0,
            address: "test".into(),
            permits,
            tx,
        };
        (consumer, rx)
    }

    fn rule() -> ActiveRule {
        ActiveRule::for_topic(
            "persistent://public/default/t",
            true,
            failover::HANDOVER_DELAY_MS,
        )
    }

    fn received(rx: &mut mpsc::UnboundedReceiver<Outbound>) -> Vec<(u64, u32)> {
        let mut ids = Vec::new();
        while let Ok(Outbound::Message { command, .. }) = rx.try_recv() {
            let message = command.message.unwrap();
            ids.push((
                message.message_id.entry_id,
                message.redelivery_count.unwrap(),
            ));
        }
        ids
    }

    fn ack(ids: &[(u64, i32)], cumulative: bool) -> CommandAck {
        CommandAck {
            ack_type: if cumulative {
                AckType::Cumulative
            } else {
                AckType::Individual
            } as i32,
            message_id: ids
                .iter()
                .map(|(entry, index)| MessageIdData {
                    ledger_id: LEDGER_ID,
                    entry_id: *entry,
                    batch_index: (*index >= 0).then_some(*index),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_shared_subscription_spreads_entries_and_respects_permits() {
        let log = entries(5, 1);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 5,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::Shared, true, Cursor::at(0));
        let (a, mut rx_a) = consumer(1, 2);
        let (b, mut rx_b) = consumer(2, 1);
        sub.add_consumer(SubType::Shared, a, &rule()).unwrap();
        sub.add_consumer(SubType::Shared, b, &rule()).unwrap();
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a), vec![(0, 0), (2, 0)]);
        assert_eq!(received(&mut rx_b), vec![(1, 0)]);
        sub.flow(2, 5);
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_b), vec![(3, 0), (4, 0)]);
    }

    #[test]
    fn an_exclusive_subscription_refuses_a_second_consumer() {
        let mut sub = Subscription::new("s".into(), SubType::Exclusive, true, Cursor::at(0));
        sub.add_consumer(SubType::Exclusive, consumer(1, 1).0, &rule())
            .unwrap();
        assert!(sub
            .add_consumer(SubType::Exclusive, consumer(2, 1).0, &rule())
            .is_err());
        assert!(sub
            .add_consumer(SubType::Shared, consumer(3, 1).0, &rule())
            .is_err());
    }

    #[test]
    fn entries_of_a_departed_consumer_go_to_the_others_with_a_higher_redelivery_count() {
        let log = entries(2, 1);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 2,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::Shared, true, Cursor::at(0));
        let (a, mut rx_a) = consumer(1, 10);
        sub.add_consumer(SubType::Shared, a, &rule()).unwrap();
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a).len(), 2);
        sub.ack(&ack(&[(0, -1)], false), &view);
        let (b, mut rx_b) = consumer(2, 10);
        sub.add_consumer(SubType::Shared, b, &rule()).unwrap();
        sub.remove_consumer(1, &rule());
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_b), vec![(1, 1)]);
    }

    #[test]
    fn a_negative_ack_redelivers_only_the_named_entry() {
        let log = entries(3, 1);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 3,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::Shared, true, Cursor::at(0));
        let (a, mut rx_a) = consumer(1, 10);
        sub.add_consumer(SubType::Shared, a, &rule()).unwrap();
        sub.dispatch(&view);
        received(&mut rx_a);
        sub.redeliver(
            1,
            &[MessageIdData {
                ledger_id: LEDGER_ID,
                entry_id: 1,
                ..Default::default()
            }],
        );
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a), vec![(1, 1)]);
    }

    #[test]
    fn a_cumulative_ack_acknowledges_everything_up_to_the_message() {
        let log = entries(4, 1);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 4,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::Exclusive, true, Cursor::at(0));
        sub.ack(&ack(&[(2, -1)], true), &view);
        assert_eq!(sub.cursor.mark_delete(), 3);
        assert_eq!(sub.backlog(4), 1);
    }

    #[test]
    fn a_batch_is_acknowledged_message_by_message() {
        let log = entries(1, 3);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 1,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::Shared, true, Cursor::at(0));
        sub.ack(&ack(&[(0, 0), (0, 2)], false), &view);
        assert_eq!(sub.backlog(1), 1);
        let (a, mut rx_a) = consumer(1, 10);
        sub.add_consumer(SubType::Shared, a, &rule()).unwrap();
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a), vec![(0, 0)]);
        sub.ack(&ack(&[(0, 1)], false), &view);
        assert_eq!(sub.backlog(1), 0);
    }

    #[test]
    fn the_journal_records_taken_after_many_acks_replay_to_the_same_cursor() {
        let log = entries(4, 3);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 4,
            partition: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursors");
        let (mut journal, _) = crate::storage::cursor::CursorJournal::open(&path).unwrap();
        let mut sub = Subscription::new("s".into(), SubType::Shared, true, Cursor::at(0));
        journal
            .append(&[CursorRecord::Create {
                sub: "s".into(),
                mark_delete: 0,
            }])
            .unwrap();
        // Entry 0 completed message by message, entry 2 partly, entry 3 whole.
        for (entry, index) in [(0, 0), (0, 1), (2, 1), (0, 2), (3, -1)] {
            sub.ack(&ack(&[(entry, index)], false), &view);
        }
        let mut records = Vec::new();
        sub.take_records(&mut records);
        assert_eq!(
            records.len(),
            3,
            "mark-delete, entry 2 bits, entry 3: {records:?}"
        );
        journal.append(&records).unwrap();
        // Nothing new: nothing to write.
        let mut again = Vec::new();
        sub.take_records(&mut again);
        assert!(again.is_empty());
        // Then entry 1 completes the prefix, and a cumulative ack reaches into entry 2.
        sub.ack(&ack(&[(1, 0), (1, 1), (1, 2)], false), &view);
        sub.ack(&ack(&[(2, 0)], true), &view);
        let mut records = Vec::new();
        sub.take_records(&mut records);
        journal.append(&records).unwrap();
        journal.sync().unwrap();
        let (_, cursors) = crate::storage::cursor::CursorJournal::open(&path).unwrap();
        assert_eq!(cursors["s"], sub.cursor);
        assert_eq!(sub.cursor.mark_delete(), 2);
        assert_eq!(sub.backlog(4), 1);
    }
    /// Entries due at the given times (ms from now; None: not delayed).
    fn delayed_entries(delays: &[Option<i64>]) -> VecDeque<Arc<Entry>> {
        let now = now_millis() as i64;
        delays
            .iter()
            .enumerate()
            .map(|(id, delay)| {
                let metadata = MessageMetadata {
                    producer_name: "p".into(),
                    sequence_id: id as u64,
                    deliver_at_time: delay.map(|d| now + d),
                    ..Default::default()
                };
                Arc::new(Entry::new(id as u64, &metadata, b"x"))
            })
            .collect()
    }

    #[test]
    fn a_shared_subscription_holds_back_a_delayed_entry_and_sends_the_later_ones() {
        let log = delayed_entries(&[Some(3_600_000), None, Some(-1000)]);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 3,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::Shared, true, Cursor::at(0));
        let (a, mut rx_a) = consumer(1, 10);
        sub.add_consumer(SubType::Shared, a, &rule()).unwrap();
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a), vec![(1, 0), (2, 0)]);
        assert_eq!(sub.delayed_messages(), 1);
        sub.dispatch(&view);
        assert!(received(&mut rx_a).is_empty());
        // Exclusive consumers do not wait: the held entry goes out once one takes over.
        sub.remove_consumer(1, &rule());
        let (b, mut rx_b) = consumer(2, 10);
        sub.add_consumer(SubType::Exclusive, b, &rule()).unwrap();
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_b), vec![(0, 0), (1, 1), (2, 1)]);
        assert_eq!(sub.delayed_messages(), 0);
    }

    #[test]
    fn a_held_back_entry_goes_out_once_its_time_came() {
        let log = delayed_entries(&[Some(30), None]);
        let view = EntriesView {
            entries: &log,
            first_id: 0,
            end_id: 2,
            partition: None,
        };
        let mut sub = Subscription::new("s".into(), SubType::KeyShared, true, Cursor::at(0));
        let (a, mut rx_a) = consumer(1, 10);
        sub.add_consumer(SubType::KeyShared, a, &rule()).unwrap();
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a), vec![(1, 0)]);
        std::thread::sleep(std::time::Duration::from_millis(40));
        sub.dispatch(&view);
        assert_eq!(received(&mut rx_a), vec![(0, 0)]);
    }
}
