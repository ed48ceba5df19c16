//! What the admin API does to a topic's subscriptions (create, delete, list, skip,
//! expire, peek) and its internal statistics, in Apache Pulsar's terms.

use bytes::Bytes;
use prost::Message as _;
use pulsar::proto::{
    base_command::Type as CommandType, command_subscribe::SubType, BaseCommand,
    CommandCloseConsumer, MessageMetadata,
};

use super::{StartPosition, Topic, TopicState};
use crate::{
    entry::{now_millis, LEDGER_ID},
    frame::Outbound,
    storage::cursor::{Cursor, CursorRecord},
    subscription::{Consumer, Subscription},
};

/// Why an admin operation on a subscription was refused; each maps to a status.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// 404
    #[error("Subscription not found")]
    NotFound,
    /// 409
    #[error("Subscription already exists for topic")]
    Exists,
    /// 412
    #[error("Subscription has active connected consumers")]
    HasConsumers,
    /// 400
    #[error("Create subscription on non-persistent topic is not supported")]
    NotPersistent,
}

/// How far an admin skip goes.
#[derive(Debug, Clone, Copy)]
pub enum Skip {
    /// This many unacknowledged entries.
    Entries(u64),
    /// Everything published more than this many milliseconds ago.
    OlderThan(u64),
    /// The whole backlog.
    All,
    /// The oldest unacknowledged entries, until the rest holds at most this many bytes.
    DownToBytes(u64),
}

/// One entry of a subscription's backlog, as the admin API's peek shows it.
pub struct Peeked {
    pub id: u64,
    pub metadata: MessageMetadata,
    pub payload: Bytes,
}

impl Topic {
    /// The names of the subscriptions, sorted.
    pub fn subscription_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().subscriptions.keys().cloned().collect();
        names.sort();
        names
    }

    /// Creates a durable subscription without consumers at `start`.
    pub fn create_subscription(
        &self,
        subscription: &str,
        start: StartPosition,
    ) -> Result<(), SubscriptionError> {
        if !self.is_persistent() {
            return Err(SubscriptionError::NotPersistent);
        }
        let mut state = self.lock();
        if state.subscriptions.contains_key(subscription) {
            return Err(SubscriptionError::Exists);
        }
        let position = match start {
            StartPosition::Earliest => state.first_available(),
            StartPosition::Latest => state.end_id,
            StartPosition::At(id) => id.clamp(state.first_available(), state.end_id),
        };
        // The type is not known until a consumer comes, which sets it (as after a restart).
        let sub = Subscription::new(
            subscription.to_string(),
            SubType::Shared,
            true,
            Cursor::at(position),
        );
        state.subscriptions.insert(subscription.to_string(), sub);
        state.journal.push(CursorRecord::Create {
            sub: subscription.to_string(),
            mark_delete: position,
        });
        self.wake_writer.notify_one();
        Ok(())
    }

    /// Deletes a subscription; with consumers only if `force`, and they are closed.
    pub fn delete_subscription(
        &self,
        subscription: &str,
        force: bool,
    ) -> Result<(), SubscriptionError> {
        let mut state = self.lock();
        let sub = state
            .subscriptions
            .get_mut(subscription)
            .ok_or(SubscriptionError::NotFound)?;
        if !sub.consumers().is_empty() && !force {
            return Err(SubscriptionError::HasConsumers);
        }
        close_consumers(sub.take_consumers());
        self.drop_subscription(&mut state, subscription);
        Ok(())
    }

    /// Closes every producer and consumer, as Apache Pulsar's forced deletion does: their
    /// clients reconnect and find a new topic of the same name.
    pub fn disconnect_clients(&self) {
        let mut state = self.lock();
        state.close_producers(&format!("{} was deleted", self.full_name));
        for sub in state.subscriptions.values_mut() {
            close_consumers(sub.take_consumers());
        }
    }

    /// Acknowledges the start of a subscription's backlog, as far as `skip` says.
    pub fn skip(&self, subscription: &str, skip: Skip) -> Result<(), SubscriptionError> {
        let mut state = self.lock();
        if !state.subscriptions.contains_key(subscription) {
            return Err(SubscriptionError::NotFound);
        }
        self.skip_locked(&mut state, subscription, skip);
        Ok(())
    }

    /// [`Topic::skip`] with the state already locked; returns whether the cursor moved.
    pub(super) fn skip_locked(
        &self,
        state: &mut TopicState,
        subscription: &str,
        skip: Skip,
    ) -> bool {
        let Some(sub) = state.subscriptions.get_mut(subscription) else {
            return false;
        };
        let mark = sub.cursor.mark_delete();
        let mut unacked = state
            .entries
            .iter()
            .filter(|e| e.id >= mark && !sub.cursor.is_acked(e.id));
        let position = match skip {
            Skip::All => state.end_id,
            Skip::Entries(count) => unacked
                .nth(usize::try_from(count).unwrap_or(usize::MAX))
                .map_or(state.end_id, |e| e.id),
            Skip::OlderThan(age) => {
                let before = now_millis().saturating_sub(age);
                state
                    .entries
                    .iter()
                    .find(|e| e.publish_time > before)
                    .map_or(state.end_id, |e| e.id)
            }
            Skip::DownToBytes(limit) => {
                let mut backlog: u64 = unacked.clone().map(|e| e.body.len() as u64).sum();
                unacked
                    .find(|e| {
                        let over = backlog > limit;
                        backlog -= e.body.len() as u64;
                        !over
                    })
                    .map_or(state.end_id, |e| e.id)
            }
        };
        if !sub.cursor.ack_below(position.min(state.end_id)) {
            return false;
        }
        if sub.durable && self.is_persistent() {
            state.cursors_changed = true;
            self.wake_writer.notify_one();
        }
        state.release(self.is_persistent());
        true
    }

    /// The `position`-th (from 1) unacknowledged entry of a subscription's backlog.
    pub fn peek(
        &self,
        subscription: &str,
        position: u64,
    ) -> Result<Option<Peeked>, SubscriptionError> {
        let state = self.lock();
        let sub = state
            .subscriptions
            .get(subscription)
            .ok_or(SubscriptionError::NotFound)?;
        let mark = sub.cursor.mark_delete();
        let Some(index) = position
            .checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
        else {
            return Ok(None);
        };
        let found = state
            .entries
            .iter()
            .filter(|e| e.id >= mark && e.id < state.end_id && !sub.cursor.is_acked(e.id))
            .nth(index);
        Ok(found.and_then(|entry| {
            let len = u32::from_be_bytes(entry.body.get(..4)?.try_into().ok()?) as usize;
            let metadata = MessageMetadata::decode(entry.body.get(4..4 + len)?).ok()?;
            Some(Peeked {
                id: entry.id,
                metadata,
                payload: entry.body.slice(4 + len..),
            })
        }))
    }

    /// Apache Pulsar's internal statistics (of its managed ledger), as far as they apply:
    /// positions are `ledger:entry`.
    pub fn internal_stats(&self) -> serde_json::Value {
        let state = self.lock();
        let position = |entry: u64| format!("{LEDGER_ID}:{}", entry as i64);
        let before = |entry: u64| {
            entry
                .checked_sub(1)
                .map_or(format!("{LEDGER_ID}:-1"), position)
        };
        let cursors: serde_json::Map<String, serde_json::Value> = state
            .subscriptions
            .values()
            .map(|sub| {
                (
                    sub.name.clone(),
                    serde_json::json!({
                        "markDeletePosition": before(sub.cursor.mark_delete()),
                        "readPosition":
                            position(sub.read_position().max(sub.cursor.mark_delete())),
                        "messagesConsumedCounter": sub.msg_out_counter,
                        "active": !sub.consumers().is_empty(),
                        "state": "Open",
                    }),
                )
            })
            .collect();
        // Segments show as ledgers, each named by its first entry id; a non-persistent
        // topic has none, and only what memory holds.
        let in_memory: u64 = state.entries.iter().map(|e| e.body.len() as u64).sum();
        let total_size = state.stored_bytes();
        let ledgers: Vec<serde_json::Value> = state
            .segments
            .iter()
            .map(|s| {
                serde_json::json!({"ledgerId": s.base, "entries": s.entries, "size": s.bytes,
                                   "offloaded": false, "timestamp": s.closed_at})
            })
            .collect();
        let (current_entries, current_size) = state
            .segments
            .last()
            .map_or((state.end_id - state.first_id, in_memory), |s| {
                (s.entries, s.bytes)
            });
        serde_json::json!({
            "entriesAddedCounter": state.entries_added,
            "numberOfEntries": state.end_id - state.first_available(),
            "totalSize": total_size,
            "currentLedgerEntries": current_entries,
            "currentLedgerSize": current_size,
            "lastConfirmedEntry": before(state.end_id),
            "state": "LedgerOpened",
            "ledgers": ledgers,
            "cursors": cursors,
        })
    }
}

/// Tells detached consumers their consumer is closed, so that clients reconnect.
pub fn close_consumers(consumers: Vec<Consumer>) {
    for consumer in consumers {
        let close = BaseCommand {
            r#type: CommandType::CloseConsumer as i32,
            close_consumer: Some(CommandCloseConsumer {
                consumer_id: consumer.consumer_id,
                request_id: u64::MAX,
            }),
            ..Default::default()
        };
        let _ = consumer.tx.send(Outbound::command(close));
    }
}
