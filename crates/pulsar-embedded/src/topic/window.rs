//! What of a persistent topic is kept in memory: the window of entries some subscription
//! still needs (from the slowest cursor, durable or not, to the end). Older entries that
//! retention keeps stay on disk only; a subscription, reader, seek or cursor reset that
//! goes back before the window has them read back from the log first, and pins them
//! until it is in place. So memory follows the backlogs, not what retention keeps, and is
//! given back as soon as a backlog drains.

use std::sync::Arc;

use super::{StartPosition, Topic, TopicState};
use crate::{entry::Entry, storage::log};

/// Keeps entries from `at` on in memory while it lives.
pub struct Pin {
    topic: Arc<Topic>,
    at: u64,
}

impl Drop for Pin {
    fn drop(&mut self) {
        let mut state = self.topic.lock();
        if let Some(count) = state.pins.get_mut(&self.at) {
            *count -= 1;
            if *count == 0 {
                state.pins.remove(&self.at);
            }
        }
        state.release(self.topic.is_persistent());
    }
}

/// How far back an operation reads.
#[derive(Debug, Clone, Copy)]
pub enum Back {
    /// From this entry on.
    From(u64),
    /// Everything stored (a seek by time searches it).
    All,
}

impl Topic {
    /// Reads back from the log what `back` needs and is no longer in memory, and pins it
    /// there until the returned [`Pin`] is dropped. `None` when memory holds it already
    /// (or the topic is not persistent).
    pub async fn read_back(self: &Arc<Self>, back: Back) -> Option<Pin> {
        let dir = self.ledger_dir.clone()?;
        let (from, to, segments) = {
            let mut state = self.lock();
            let first_stored = state.first_available();
            let from = match back {
                Back::From(id) => id.max(first_stored),
                Back::All => first_stored,
            };
            if from >= state.first_id {
                return None;
            }
            // Pinned before reading, so that nothing read is released before it is used.
            *state.pins.entry(from).or_default() += 1;
            (from, state.first_id, state.segments.clone())
        };
        let pin = Pin {
            topic: self.clone(),
            at: from,
        };
        let name = self.full_name.clone();
        let read =
            tokio::task::spawn_blocking(move || log::read_range(&dir, &segments, from, to)).await;
        let stored = match read {
            Ok(Ok(stored)) => stored,
            Ok(Err(error)) => {
                tracing::error!(topic = %name, %error, "cannot read back retained entries");
                return Some(pin);
            }
            Err(error) => {
                tracing::error!(topic = %name, %error, "reading back retained entries failed");
                return Some(pin);
            }
        };
        let mut state = self.lock();
        // Prepended newest first, each only if it is the entry just before the window
        // (what arrived or left meanwhile keeps the window contiguous).
        for stored in stored.into_iter().rev() {
            if stored.id.checked_add(1) != Some(state.first_id) {
                continue;
            }
            let Some(entry) = Entry::decode(stored.id, stored.body, stored.crc) else {
                break;
            };
            state.entries.push_front(Arc::new(entry));
            state.first_id = stored.id;
        }
        Some(pin)
    }

    /// [`Topic::read_back`] for a subscription that does not exist yet and will start at
    /// `start`.
    pub async fn read_back_for_new(
        self: &Arc<Self>,
        subscription: &str,
        start: StartPosition,
    ) -> Option<Pin> {
        if self.lock().subscriptions.contains_key(subscription) {
            return None;
        }
        match start {
            StartPosition::Earliest => self.read_back(Back::All).await,
            StartPosition::At(id) => self.read_back(Back::From(id)).await,
            StartPosition::Latest => None,
        }
    }
}

/// How far back a seek to `message_id` or `publish_time` reads: from the entry sought,
/// everything for the earliest id or a time (the search needs every publish time), and
/// nothing for the latest id.
pub fn seek_back(
    message_id: Option<&pulsar::proto::MessageIdData>,
    publish_time: Option<u64>,
) -> Option<Back> {
    match (message_id.map(super::reader_start), publish_time) {
        (Some(StartPosition::At(id)), _) => Some(Back::From(id)),
        (Some(StartPosition::Earliest), _) | (None, Some(_)) => Some(Back::All),
        (Some(StartPosition::Latest), _) | (None, None) => None,
    }
}

impl TopicState {
    /// The first entry a subscription can read: the first one stored (persistent topics
    /// keep more on disk than in memory), else the first one in memory.
    pub(super) fn first_available(&self) -> u64 {
        self.segments
            .first()
            .map_or(self.first_id, |segment| segment.base.min(self.first_id))
    }

    /// The bytes a topic stores: its log's segments, or what memory holds of a
    /// non-persistent topic.
    pub(super) fn stored_bytes(&self) -> u64 {
        if self.segments.is_empty() {
            self.entries.iter().map(|e| e.body.len() as u64).sum()
        } else {
            self.segments.iter().map(|s| s.bytes).sum()
        }
    }

    /// Drops from memory the entries no subscription needs: below every cursor (durable
    /// or not) and every pin. A persistent topic keeps them on disk, as retention says,
    /// and keeps its last entry in memory (its id and batch size answer GET_LAST_MESSAGE_ID);
    /// a non-persistent one only ever serves the consumers present.
    pub(super) fn release(&mut self, persistent: bool) {
        let needed = self
            .subscriptions
            .values()
            .map(|s| s.cursor.mark_delete())
            .chain(self.pins.keys().copied())
            .min()
            .unwrap_or(self.end_id);
        let keep = usize::from(persistent);
        while self.entries.len() > keep && self.entries.front().is_some_and(|e| e.id < needed) {
            self.entries.pop_front();
        }
        self.first_id = self.entries.front().map_or(self.end_id, |e| e.id);
        if self.entries.capacity() > 64 && self.entries.len() < self.entries.capacity() / 4 {
            self.entries.shrink_to(self.entries.len() * 2);
        }
    }
}
