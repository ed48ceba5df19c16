//! The topic's side of the writer's group commit (see [`crate::storage::writer`]): what
//! to store next, and what follows once it is stored or storing failed.

use std::io;

use pulsar::proto::{BaseCommand, ServerError};
use tokio::sync::mpsc::UnboundedSender;

use super::{send_error, Receipt, Topic};
use crate::{
    entry::Entry, frame::Outbound, retention::RetentionPolicy, storage::cursor::CursorRecord,
};

/// What the writer must do in one group commit.
pub struct WriteBatch {
    pub writes: Vec<(Entry, Receipt)>,
    pub records: Vec<CursorRecord>,
    pub snapshot: Option<Vec<CursorRecord>>,
    pub ack_receipts: Vec<(UnboundedSender<Outbound>, BaseCommand)>,
    pub retention: RetentionPolicy,
}

impl Topic {
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
            retention: state.policies.retention,
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
                let scheduled = state.make_visible(writes);
                for (tx, command) in ack_receipts {
                    let _ = tx.send(Outbound::command(command));
                }
                state.dispatch_all();
                state.release(true);
                if scheduled {
                    self.wake_delivery_timer();
                }
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
}
