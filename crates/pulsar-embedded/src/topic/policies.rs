//! The topic's side of retention, message TTL and backlog quotas (see
//! [`crate::retention`]): the policies in force, what the writer may reclaim, and what
//! happens once segments are gone.

use pulsar::proto::ServerError;

use super::{admin_ops::Skip, publish::close_producer, Refusal, Topic, TopicState};
use crate::{
    entry::now_millis,
    frame::Outbound,
    retention::{QuotaPolicy, SegmentInfo, TopicPolicies},
};

impl Topic {
    /// The policies in force.
    pub fn policies(&self) -> TopicPolicies {
        self.lock().policies
    }

    /// Takes effect at the next check of the writer.
    pub fn set_policies(&self, policies: TopicPolicies) {
        self.failover_delay_ms.store(
            policies.failover_delay_ms,
            std::sync::atomic::Ordering::Relaxed,
        );
        self.lock().policies = policies;
    }

    /// The periodic check: expires what the message TTL says on every durable
    /// subscription and applies the backlog quotas.
    pub fn check_policies(&self) {
        let mut state = self.lock();
        let state = &mut *state;
        let policies = state.policies;
        let durable: Vec<String> = state
            .subscriptions
            .values()
            .filter(|sub| sub.durable)
            .map(|sub| sub.name.clone())
            .collect();
        let mut expired = 0;
        if policies.message_ttl_seconds > 0 {
            let age = u64::from(policies.message_ttl_seconds) * 1000;
            for name in &durable {
                expired += u32::from(self.skip_locked(state, name, Skip::OlderThan(age)));
            }
        }
        let exceeded = state.quota_exceeded();
        if let Some(policy) = exceeded {
            match policy {
                QuotaPolicy::ConsumerBacklogEviction => {
                    for name in &durable {
                        if let Some(quota) = policies.backlog_quota {
                            if let Ok(limit) = u64::try_from(quota.limit_size) {
                                self.skip_locked(state, name, Skip::DownToBytes(limit));
                            }
                        }
                        if let Some(quota) = policies.message_age_quota {
                            if let Ok(seconds) = u64::try_from(quota.limit_time) {
                                let age = seconds.saturating_mul(1000);
                                self.skip_locked(state, name, Skip::OlderThan(age));
                            }
                        }
                    }
                    tracing::info!(topic = %self.full_name, "backlog quota exceeded: oldest backlog evicted");
                }
                QuotaPolicy::ProducerException => {
                    // Their clients reconnect, and are refused while the quota is exceeded.
                    for (name, slot) in state.producers.drain() {
                        tracing::info!(topic = %self.full_name, producer = %name, "backlog quota exceeded: producer disconnected");
                        let _ = slot
                            .tx
                            .send(Outbound::command(close_producer(slot.producer_id)));
                    }
                    state.exclusive = None;
                }
                QuotaPolicy::ProducerRequestHold => {}
            }
        }
        if expired > 0 {
            tracing::debug!(topic = %self.full_name, subscriptions = expired, "messages expired by TTL");
        }
    }

    /// Whether the backlog quota refuses a new producer now, with Apache Pulsar's error.
    pub(super) fn quota_refusal(&self, state: &TopicState) -> Option<Refusal> {
        let error = match state.quota_exceeded()? {
            QuotaPolicy::ProducerRequestHold => ServerError::ProducerBlockedQuotaExceededError,
            QuotaPolicy::ProducerException => ServerError::ProducerBlockedQuotaExceededException,
            QuotaPolicy::ConsumerBacklogEviction => return None,
        };
        Some((
            error,
            format!(
                "Cannot create producer on topic with backlog quota exceeded: {}",
                self.full_name
            ),
        ))
    }

    /// The first entry a durable subscription needs, as the journal records it (the end
    /// of the topic when there is none): a seek back lowers it at once, acks raise it when
    /// the writer takes them.
    pub fn slowest_journaled(&self) -> u64 {
        let state = self.lock();
        state
            .subscriptions
            .values()
            .filter(|sub| sub.durable)
            .map(|sub| sub.journaled_mark())
            .min()
            .unwrap_or(state.end_id)
            .min(state.end_id)
    }

    /// After the writer rolled or deleted segments: `segments` is what the log holds now,
    /// and entries before the first one leave memory. A subscription left before them
    /// (a reader, or a seek that raced the deletion) moves to the first entry stored.
    pub fn storage_changed(&self, segments: &[SegmentInfo]) {
        let mut state = self.lock();
        let state = &mut *state;
        let antes = state.segments.first().map(|s| s.base);
        state.segments = segments.to_vec();
        let Some(first) = segments.first().map(|s| s.base) else {
            return;
        };
        // After most groups only the segment being written grew: nothing to release.
        if antes == Some(first) {
            return;
        }
        if first > state.first_id {
            while state.entries.front().is_some_and(|e| e.id < first) {
                state.entries.pop_front();
            }
            state.first_id = state.entries.front().map_or(state.end_id, |e| e.id);
        }
        let mut moved = false;
        for sub in state.subscriptions.values_mut() {
            if sub.cursor.ack_below(first) && sub.durable {
                moved = true;
            }
        }
        if moved {
            state.cursors_changed = true;
            self.wake_writer.notify_one();
        }
    }
}

impl TopicState {
    /// The policy of the first backlog quota exceeded, if one is: by the bytes of the
    /// largest backlog of a durable subscription, or by the age of its oldest message.
    fn quota_exceeded(&self) -> Option<QuotaPolicy> {
        let size = self
            .policies
            .backlog_quota
            .filter(|quota| quota.limit_size >= 0);
        let age = self
            .policies
            .message_age_quota
            .filter(|quota| quota.limit_time >= 0);
        if size.is_none() && age.is_none() {
            return None;
        }
        let now = now_millis();
        for sub in self.subscriptions.values().filter(|sub| sub.durable) {
            let mark = sub.cursor.mark_delete();
            let mut unacked = self
                .entries
                .iter()
                .filter(|e| e.id >= mark && !sub.cursor.is_acked(e.id));
            if let Some(quota) = age {
                let limit = (quota.limit_time as u64).saturating_mul(1000);
                let oldest = unacked.clone().next().map(|e| e.publish_time);
                if oldest.is_some_and(|time| now.saturating_sub(time) > limit) {
                    return Some(quota.policy);
                }
            }
            if let Some(quota) = size {
                let bytes: u64 = unacked.by_ref().map(|e| e.body.len() as u64).sum();
                if bytes > quota.limit_size as u64 {
                    return Some(quota.policy);
                }
            }
        }
        None
    }
}
