//! Subscriptions of a topic: attaching and detaching consumers, flow, acks,
//! redelivery, seeks, the dispatch of entries to consumers, and trimming what every
//! subscription acknowledged.

use pulsar::proto::{
    command_subscribe::SubType, BaseCommand, CommandAck, MessageIdData, ServerError,
};
use tokio::sync::mpsc::UnboundedSender;

use super::{Refusal, Topic, TopicState};
use crate::{
    entry::LEDGER_ID,
    frame::Outbound,
    storage::cursor::{Cursor, CursorRecord},
    subscription::{failover::ActiveRule, Consumer, ConsumerKey, EntriesView, Subscription},
};

/// How a new subscription is positioned.
#[derive(Debug, Clone, Copy)]
pub enum StartPosition {
    Earliest,
    Latest,
    /// A reader's start message id.
    At(u64),
}

impl Topic {
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
                StartPosition::Earliest => state.first_available(),
                StartPosition::Latest => state.end_id,
                StartPosition::At(id) => id.clamp(state.first_available(), state.end_id),
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
            partition: state.partition,
        };
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return Err((ServerError::UnknownError, "subscription vanished".into()));
        };
        sub.add_consumer(sub_type, consumer, &self.active_rule())
            .map_err(|busy| (ServerError::ConsumerBusy, busy.0))?;
        sub.dispatch(&view);
        let handover = sub.handover_at();
        self.schedule_handover(&mut state.delivery_times, handover);
        Ok(())
    }

    /// How this topic's Exclusive and Failover subscriptions choose their active consumer.
    fn active_rule(&self) -> ActiveRule {
        ActiveRule::for_topic(
            self.full_name(),
            self.is_persistent(),
            self.failover_delay_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Has the delivery timer dispatch when a pending Failover hand-over is due.
    fn schedule_handover(
        &self,
        delivery_times: &mut std::collections::BTreeSet<(u64, u64)>,
        at: Option<u64>,
    ) {
        if let Some(at) = at {
            // u64::MAX is no entry id: the dispatch at that time is all it asks for.
            if delivery_times.insert((at, u64::MAX)) {
                self.wake_delivery_timer();
            }
        }
    }

    /// Detaches a consumer (closed, or its connection ended); its unacknowledged entries
    /// go to the subscription's other consumers.
    pub fn remove_consumer(&self, subscription: &str, key: ConsumerKey) {
        let mut state = self.lock();
        let state = &mut *state;
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return;
        };
        // A consumer a seek already detached is not there any more: its reader's
        // subscription, reset and waiting for it to reconnect, must not end now.
        if sub.remove_consumer(key, &self.active_rule()).is_none() {
            return;
        }
        let handover = sub.handover_at();
        if !sub.durable && sub.consumers().is_empty() {
            state.subscriptions.remove(subscription);
            state.release(self.is_persistent());
        } else {
            state.dispatch_one(subscription);
            self.schedule_handover(&mut state.delivery_times, handover);
        }
    }

    pub fn flow(&self, subscription: &str, key: ConsumerKey, permits: u32) {
        let mut state = self.lock();
        if let Some(sub) = state.subscriptions.get_mut(subscription) {
            sub.flow(key, permits);
        }
        state.dispatch_one(subscription);
    }

    /// Applies an ACK of consumer `key`. With `response`, the ACK_RESPONSE leaves once the
    /// ack is durable.
    ///
    /// The ack of a consumer that is no longer attached is refused and changes nothing: a
    /// seek detached it, so the ack is about a delivery from before the reset (clients
    /// group acks and flush them when the seek completes), and applying it would undo
    /// the seek. A seek is therefore atomic with respect to acks in flight: the consumer
    /// that reconnects gets a new key, and only its acks count.
    pub fn ack(
        &self,
        subscription: &str,
        key: ConsumerKey,
        ack: &CommandAck,
        response: Option<(UnboundedSender<Outbound>, BaseCommand)>,
    ) -> Result<(), Refusal> {
        let mut state = self.lock();
        let state = &mut *state;
        let view = EntriesView {
            entries: &state.entries,
            first_id: state.first_id,
            end_id: state.end_id,
            partition: state.partition,
        };
        let sub = state
            .subscriptions
            .get_mut(subscription)
            .filter(|sub| sub.consumers().iter().any(|c| c.key == key))
            .ok_or_else(|| {
                (
                    ServerError::ConsumerNotFound,
                    format!("consumer detached from {subscription} (seek or close); ack ignored"),
                )
            })?;
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
            state.release(self.is_persistent());
        }
        if journaled {
            state.cursors_changed = true;
            self.wake_writer.notify_one();
        }
        Ok(())
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
        self.drop_subscription(&mut state, subscription);
        Ok(())
    }

    /// Removes `subscription` from the topic: its cursor is journaled as deleted (durable
    /// ones of a persistent topic) and the entries only it held are released. The caller
    /// has dealt with its consumers.
    pub(super) fn drop_subscription(&self, state: &mut TopicState, subscription: &str) {
        let durable = state
            .subscriptions
            .remove(subscription)
            .is_some_and(|sub| sub.durable);
        if durable && self.is_persistent() {
            state.journal.push(CursorRecord::Delete {
                sub: subscription.to_string(),
            });
            self.wake_writer.notify_one();
        }
        state.release(self.is_persistent());
    }

    /// Moves a subscription's cursor to a message id or a publish time. Its consumers are
    /// detached and returned, to be told to reconnect, as Apache Pulsar does.
    ///
    /// As Apache Pulsar, a message id puts the cursor at that entry (the C++ and Java
    /// clients then skip the message itself unless inclusive, the `pulsar` crate gets it
    /// again) and a time at the first entry published at or after it. Acks still in
    /// flight from the detached consumers are refused (see [`Topic::ack`]).
    pub fn seek(
        &self,
        subscription: &str,
        message_id: Option<&MessageIdData>,
        publish_time: Option<u64>,
    ) -> Result<Vec<Consumer>, Refusal> {
        let mut state = self.lock();
        let state = &mut *state;
        let position = match (message_id, publish_time) {
            (Some(id), _) if is_earliest(id) => state.first_available(),
            (Some(id), _) if is_latest(id) => state.end_id,
            (Some(id), _) => id.entry_id.clamp(state.first_available(), state.end_id),
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
                    partition: state.partition,
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
}

impl TopicState {
    pub(super) fn dispatch_all(&mut self) {
        let view = EntriesView {
            entries: &self.entries,
            first_id: self.first_id,
            end_id: self.end_id,
            partition: self.partition,
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
            partition: self.partition,
        };
        if let Some(sub) = self.subscriptions.get_mut(subscription) {
            sub.dispatch(&view);
        }
    }
}

fn is_earliest(id: &MessageIdData) -> bool {
    id.ledger_id == u64::MAX && id.entry_id == u64::MAX
}

fn is_latest(id: &MessageIdData) -> bool {
    id.ledger_id == i64::MAX as u64
}

/// Where a reader's start message id puts a new subscription, as Apache Pulsar's broker
/// reads it: at the entry of the id itself, batch index or not. The client then drops what
/// comes before its start: the start message too unless the reader is inclusive (C++,
/// Java), earlier messages of a batch by their index. A client that does not filter (the
/// `pulsar` crate) gets the start message first, as it does from Apache Pulsar.
pub fn reader_start(id: &MessageIdData) -> StartPosition {
    if is_earliest(id) {
        StartPosition::Earliest
    } else if is_latest(id) {
        StartPosition::Latest
    } else {
        StartPosition::At(id.entry_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(entry_id: u64, batch_index: Option<i32>) -> MessageIdData {
        MessageIdData {
            ledger_id: LEDGER_ID,
            entry_id,
            batch_index,
            ..Default::default()
        }
    }

    #[test]
    fn a_start_message_id_puts_a_reader_at_its_own_entry_batch_index_or_not() {
        assert!(matches!(reader_start(&id(7, None)), StartPosition::At(7)));
        assert!(matches!(
            reader_start(&id(7, Some(-1))),
            StartPosition::At(7)
        ));
        assert!(matches!(
            reader_start(&id(7, Some(3))),
            StartPosition::At(7)
        ));
    }

    #[test]
    fn the_earliest_and_latest_ids_start_a_reader_at_either_end() {
        let earliest = MessageIdData {
            ledger_id: u64::MAX,
            entry_id: u64::MAX,
            ..Default::default()
        };
        let latest = MessageIdData {
            ledger_id: i64::MAX as u64,
            entry_id: i64::MAX as u64,
            ..Default::default()
        };
        assert!(matches!(reader_start(&earliest), StartPosition::Earliest));
        assert!(matches!(reader_start(&latest), StartPosition::Latest));
    }
}
