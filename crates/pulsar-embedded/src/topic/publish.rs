//! Producers of a topic and the publish path: deduplication by sequence id, entry ids,
//! and the SEND_RECEIPT or SEND_ERROR that answers each send.

use std::sync::Arc;

use pulsar::proto::{
    base_command::Type as CommandType, BaseCommand, CommandCloseProducer, CommandSendError,
    CommandSendReceipt, MessageIdData, ServerError,
};
use tokio::sync::{mpsc::UnboundedSender, oneshot};

use super::{delayed, ProducerSlot, Refusal, Topic, TopicState};
use crate::{
    entry::{Entry, LEDGER_ID},
    frame::Outbound,
};

/// Where to send a SEND_RECEIPT once the entry is stored.
#[derive(Debug)]
pub struct Receipt {
    pub tx: UnboundedSender<Outbound>,
    /// The connection the send came on: only its admitted producer may publish.
    pub connection: u64,
    pub producer_id: u64,
    pub sequence_id: u64,
    pub highest_sequence_id: u64,
}

/// How a producer asked to publish on the topic (`producer_access_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    /// Any number of producers (the default).
    Shared,
    /// The only producer; refused (`ProducerFenced`) while another is connected.
    Exclusive,
    /// The only producer; waits until the others are gone.
    WaitForExclusive,
    /// The only producer; the others are closed and fenced out.
    ExclusiveWithFencing,
}

/// A producer asking to join the topic.
pub struct NewProducer {
    pub name: String,
    pub connection: u64,
    pub address: String,
    pub producer_id: u64,
    pub tx: UnboundedSender<Outbound>,
    pub mode: AccessMode,
    /// The topic epoch the client had, when it reconnects.
    pub topic_epoch: Option<u64>,
}

/// A producer admitted to the topic: the last sequence id stored under its name (-1 if
/// none) and, for an exclusive producer, the topic epoch it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    pub last_sequence_id: i64,
    pub topic_epoch: Option<u64>,
}

/// What became of a producer asking to join.
pub enum Admission {
    Ready(Admitted),
    /// A WaitForExclusive producer behind others: admitted when they are all gone (or
    /// refused if fenced meanwhile).
    Waiting(oneshot::Receiver<Result<Admitted, Refusal>>),
}

/// A WaitForExclusive producer in line.
pub(super) struct Waiter {
    producer: NewProducer,
    admit: oneshot::Sender<Result<Admitted, Refusal>>,
}

impl Topic {
    /// Admits a producer under a name unique on this topic, following its access mode as
    /// Apache Pulsar does: a Shared producer is refused while an exclusive one holds the
    /// topic; an Exclusive one while any other is connected; ExclusiveWithFencing closes
    /// the others (their later sends fail with `ProducerFenced`); WaitForExclusive waits
    /// its turn. A producer reconnecting with an epoch older than the topic's was fenced
    /// out in between and is refused.
    pub fn add_producer(&self, producer: NewProducer) -> Result<Admission, Refusal> {
        let mut state = self.lock();
        if state.producers.contains_key(&producer.name)
            || state
                .waiting
                .iter()
                .any(|w| w.producer.name == producer.name)
        {
            return Err((
                ServerError::ProducerBusy,
                format!(
                    "producer {} is already connected to {}",
                    producer.name, self.full_name
                ),
            ));
        }
        if producer.mode != AccessMode::Shared
            && producer
                .topic_epoch
                .is_some_and(|epoch| epoch < state.topic_epoch)
        {
            return Err((
                ServerError::ProducerFenced,
                format!("a newer exclusive producer took {}", self.full_name),
            ));
        }
        if let Some(refusal) = self.quota_refusal(&state) {
            return Err(refusal);
        }
        match producer.mode {
            AccessMode::Shared if state.exclusive.is_some() || !state.waiting.is_empty() => Err((
                ServerError::ProducerBusy,
                format!("{} has an exclusive producer", self.full_name),
            )),
            AccessMode::Shared => Ok(Admission::Ready(state.admit(producer, false))),
            AccessMode::Exclusive if !state.producers.is_empty() => Err((
                ServerError::ProducerFenced,
                format!("{} has other producers", self.full_name),
            )),
            AccessMode::WaitForExclusive if !state.producers.is_empty() => {
                let (admit, admission) = oneshot::channel();
                state.waiting.push_back(Waiter { producer, admit });
                Ok(Admission::Waiting(admission))
            }
            AccessMode::ExclusiveWithFencing => {
                for (name, slot) in state.producers.drain() {
                    tracing::info!(topic = %self.full_name, producer = %name, "producer fenced out by an exclusive one");
                    let _ = slot
                        .tx
                        .send(Outbound::command(close_producer(slot.producer_id)));
                }
                state.exclusive = None;
                Ok(Admission::Ready(state.admit(producer, true)))
            }
            AccessMode::Exclusive | AccessMode::WaitForExclusive => {
                Ok(Admission::Ready(state.admit(producer, true)))
            }
        }
    }

    /// Removes the producer `name` of `connection`, admitted or waiting; admits the next
    /// WaitForExclusive producer once the topic has none left.
    pub fn remove_producer(&self, name: &str, connection: u64) {
        let mut state = self.lock();
        state
            .waiting
            .retain(|w| !(w.producer.name == name && w.producer.connection == connection));
        if state
            .producers
            .get(name)
            .is_some_and(|slot| slot.connection == connection)
        {
            state.producers.remove(name);
            if state.exclusive.as_deref() == Some(name) {
                state.exclusive = None;
            }
        }
        while state.producers.is_empty() {
            let Some(waiter) = state.waiting.pop_front() else {
                break;
            };
            if waiter.admit.is_closed() {
                continue;
            }
            let admitted = state.admit(waiter.producer, true);
            let _ = waiter.admit.send(Ok(admitted));
        }
    }

    /// Whether `name` is the producer of `connection` on this topic (not closed, fenced
    /// or waiting).
    fn admits(state: &TopicState, name: &str, connection: u64) -> bool {
        state
            .producers
            .get(name)
            .is_some_and(|slot| slot.connection == connection)
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
        if !Topic::admits(&state, producer_name, receipt.connection) {
            send_error(
                &receipt,
                ServerError::ProducerFenced,
                "the producer is not connected to the topic (closed or fenced out)",
            );
            return;
        }
        // Positions compare by sequence id, then chunk: the chunks of one message share
        // its sequence id, and only a chunk already stored is a resend.
        if self.deduplication() {
            if let Some(last) = state.last_sequence.get(producer_name) {
                if (receipt.sequence_id, entry.chunk_id) <= *last {
                    send_receipt(&receipt, None);
                    return;
                }
            }
        }
        let highest = (
            receipt.highest_sequence_id.max(receipt.sequence_id),
            entry.chunk_id,
        );
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
        if !persistent {
            // As in Apache Pulsar, only persistent topics delay delivery.
            entry.deliver_at = None;
        }
        state.msg_in += u64::from(entry.num_messages);
        state.entries_added += 1;
        state.bytes_in += payload_len as u64;
        if persistent {
            state.unflushed.push((entry, receipt));
            drop(state);
            self.wake_writer.notify_one();
        } else {
            state.make_visible(vec![(entry, receipt)]);
            state.dispatch_all();
            state.release(false);
        }
    }
}

impl TopicState {
    /// Closes every producer, admitted or waiting (a forced deletion): clients that
    /// reconnect find the topic anew.
    pub(super) fn close_producers(&mut self, reason: &str) {
        for (_, slot) in self.producers.drain() {
            let _ = slot
                .tx
                .send(Outbound::command(close_producer(slot.producer_id)));
        }
        self.exclusive = None;
        for waiter in self.waiting.drain(..) {
            let _ = waiter
                .admit
                .send(Err((ServerError::TopicNotFound, reason.to_string())));
        }
    }

    /// Appends stored entries and sends their receipts; returns whether some entry has a
    /// delivery time ahead (the delivery timer must then look again).
    pub(super) fn make_visible(&mut self, writes: Vec<(Entry, Receipt)>) -> bool {
        let mut scheduled = false;
        for (entry, receipt) in writes {
            let id = entry.id;
            scheduled |= delayed::schedule(&mut self.delivery_times, &entry);
            if self.entries.is_empty() {
                self.first_id = id;
            }
            self.entries.push_back(Arc::new(entry));
            self.end_id = id + 1;
            send_receipt(&receipt, Some(id));
        }
        scheduled
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

/// CLOSE_PRODUCER from the broker: the client reconnects the producer (and, fenced out,
/// is refused).
pub(super) fn close_producer(producer_id: u64) -> BaseCommand {
    BaseCommand {
        r#type: CommandType::CloseProducer as i32,
        close_producer: Some(CommandCloseProducer {
            producer_id,
            request_id: 0,
        }),
        ..Default::default()
    }
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

impl TopicState {
    /// Registers `producer`; an exclusive one takes the topic and a new epoch (or keeps
    /// its own when it reconnects).
    fn admit(&mut self, producer: NewProducer, exclusive: bool) -> Admitted {
        let topic_epoch = exclusive.then(|| {
            let epoch = match producer.topic_epoch {
                Some(epoch) if epoch == self.topic_epoch => epoch,
                _ => self.topic_epoch + 1,
            };
            self.topic_epoch = epoch;
            self.exclusive = Some(producer.name.clone());
            epoch
        });
        let last_sequence_id = self
            .last_sequence
            .get(&producer.name)
            .map_or(-1, |(seq, _)| *seq as i64);
        self.producers.insert(
            producer.name,
            ProducerSlot {
                connection: producer.connection,
                address: producer.address,
                producer_id: producer.producer_id,
                tx: producer.tx,
            },
        );
        Admitted {
            last_sequence_id,
            topic_epoch,
        }
    }
}
