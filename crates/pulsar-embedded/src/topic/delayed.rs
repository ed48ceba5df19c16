//! The delivery timer of a persistent topic: dispatches again whenever the delivery time
//! of a held-back entry comes, so that Shared and Key_Shared subscriptions send it then.
//!
//! The times are re-derived from the stored entries' metadata on load, so a delayed
//! message survives a restart (or a crash) and still goes out at its time.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use super::Topic;
use crate::entry::{now_millis, Entry};

/// Runs until `shutdown`.
pub async fn run_delivery_timer(topic: Arc<Topic>, shutdown: CancellationToken) {
    loop {
        let next = topic.deliver_due();
        let wait = next.map(|at| Duration::from_millis(at.saturating_sub(now_millis()).max(1)));
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = topic.wake_delivery.notified() => {}
            _ = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {}
        }
    }
}

impl Topic {
    /// Dispatches if some delivery time came; returns the next one.
    fn deliver_due(&self) -> Option<u64> {
        let mut state = self.lock();
        let now = now_millis();
        let mut due = false;
        while state
            .delivery_times
            .first()
            .is_some_and(|(at, _)| *at <= now)
        {
            state.delivery_times.pop_first();
            due = true;
        }
        if due {
            state.dispatch_all();
        }
        state.delivery_times.first().map(|(at, _)| *at)
    }

    /// Called once entries with a delivery time became visible.
    pub(super) fn wake_delivery_timer(&self) {
        self.wake_delivery.notify_one();
    }
}

/// Notes in `times` when `entry` must be dispatched again, if its delivery time is
/// ahead; returns whether it is.
pub(super) fn schedule(times: &mut BTreeSet<(u64, u64)>, entry: &Entry) -> bool {
    match entry.deliver_at {
        Some(at) if at > now_millis() => times.insert((at, entry.id)),
        _ => false,
    }
}
