//! Producers of a topic and the publish path: deduplication by sequence id, entry ids,
//! and the SEND_RECEIPT or SEND_ERROR that answers each send.

use std::sync::Arc;

use pulsar::proto::{
    base_command::Type as CommandType, BaseCommand, CommandSendError, CommandSendReceipt,
    MessageIdData, ServerError,
};
use tokio::sync::mpsc::UnboundedSender;

use super::{ProducerSlot, Refusal, Topic, TopicState};
use crate::{
    entry::{Entry, LEDGER_ID},
    frame::Outbound,
};

/// Where to send a SEND_RECEIPT once the entry is stored.
#[derive(Debug)]
pub struct Receipt {
    pub tx: UnboundedSender<Outbound>,
    pub producer_id: u64,
    pub sequence_id: u64,
    pub highest_sequence_id: u64,
}

impl Topic {
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
}

impl TopicState {
    pub(super) fn make_visible(&mut self, writes: Vec<(Entry, Receipt)>) {
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
