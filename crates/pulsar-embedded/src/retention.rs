//! What a persistent topic keeps, and for how long, in Apache Pulsar's terms.
//!
//! - **Retention** keeps data that is in no backlog (acknowledged by every durable
//!   subscription, or published when there was none) for a time and up to a size. Data
//!   is removed a whole segment at a time, and only from closed segments, as Apache Pulsar
//!   removes whole ledgers: the segment being written always stays, so what was just
//!   acknowledged stays readable until the segment rolls over.
//! - **Message TTL** acknowledges, on every durable subscription, messages older than it.
//! - **A backlog quota** bounds the backlog of the slowest subscription, by size or by the
//!   age of its oldest message; past it, new producers are refused
//!   (`producer_request_hold`, `producer_exception`, which also disconnects the connected
//!   ones) or the oldest backlog is dropped (`consumer_backlog_eviction`).
//!
//! Each is set per namespace through the admin API, with the broker's configuration as
//! the default; the broker checks them every `policy_check_interval`.

use serde_json::{json, Value};

/// Apache Pulsar's `RetentionPolicies`. A negative value is no limit; both negative keep
/// everything. Data past either limit is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub time_minutes: i64,
    pub size_mb: i64,
}

impl RetentionPolicy {
    /// Apache Pulsar's default (`defaultRetentionTimeInMinutes=0`,
    /// `defaultRetentionSizeInMB=0`): nothing is kept past its backlogs.
    pub const NONE: RetentionPolicy = RetentionPolicy {
        time_minutes: 0,
        size_mb: 0,
    };

    pub fn is_infinite(&self) -> bool {
        self.time_minutes < 0 && self.size_mb < 0
    }

    pub fn to_json(self) -> Value {
        json!({
            "retentionTimeInMinutes": self.time_minutes,
            "retentionSizeInMB": self.size_mb,
        })
    }

    /// Reads the admin API's body; a missing limit is 0, as Apache Pulsar's default.
    pub fn from_json(value: &Value) -> Option<RetentionPolicy> {
        let field = |name: &str| match value.get(name) {
            None | Some(Value::Null) => Some(0),
            Some(number) => number.as_i64(),
        };
        value.is_object().then_some(())?;
        Some(RetentionPolicy {
            time_minutes: field("retentionTimeInMinutes")?.max(-1),
            size_mb: field("retentionSizeInMB")?.max(-1),
        })
    }
}

/// What happens once a backlog passes its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPolicy {
    ProducerRequestHold,
    ProducerException,
    ConsumerBacklogEviction,
}

impl QuotaPolicy {
    pub fn name(self) -> &'static str {
        match self {
            QuotaPolicy::ProducerRequestHold => "producer_request_hold",
            QuotaPolicy::ProducerException => "producer_exception",
            QuotaPolicy::ConsumerBacklogEviction => "consumer_backlog_eviction",
        }
    }

    pub fn parse(name: &str) -> Option<QuotaPolicy> {
        [
            QuotaPolicy::ProducerRequestHold,
            QuotaPolicy::ProducerException,
            QuotaPolicy::ConsumerBacklogEviction,
        ]
        .into_iter()
        .find(|policy| policy.name().eq_ignore_ascii_case(name))
    }
}

/// Apache Pulsar's `BacklogQuota` of type `destination_storage` (size, bytes) or
/// `message_age` (time, seconds); a negative limit is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacklogQuota {
    pub limit_size: i64,
    pub limit_time: i64,
    pub policy: QuotaPolicy,
}

impl BacklogQuota {
    pub fn to_json(self) -> Value {
        json!({
            "limitSize": self.limit_size,
            "limitTime": self.limit_time,
            "policy": self.policy.name(),
        })
    }

    /// Reads the admin API's body (`limit` is the older name of `limitSize`).
    pub fn from_json(value: &Value) -> Option<BacklogQuota> {
        let number = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| value.get(*name).filter(|v| !v.is_null()))
                .map_or(Some(-1), Value::as_i64)
        };
        value.is_object().then_some(())?;
        let policy = match value.get("policy") {
            None | Some(Value::Null) => QuotaPolicy::ProducerRequestHold,
            Some(name) => QuotaPolicy::parse(name.as_str()?)?,
        };
        Some(BacklogQuota {
            limit_size: number(&["limitSize", "limit"])?.max(-1),
            limit_time: number(&["limitTime"])?.max(-1),
            policy,
        })
    }
}

/// The policies a topic applies now: its namespace's, else the broker's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicPolicies {
    pub retention: RetentionPolicy,
    /// 0: messages never expire.
    pub message_ttl_seconds: u32,
    /// The size quota (`destination_storage`) and the age quota (`message_age`).
    pub backlog_quota: Option<BacklogQuota>,
    pub message_age_quota: Option<BacklogQuota>,
    /// The broker's `activeConsumerFailoverDelayTimeMillis`.
    pub failover_delay_ms: u64,
}

impl Default for TopicPolicies {
    fn default() -> Self {
        TopicPolicies {
            retention: RetentionPolicy::NONE,
            message_ttl_seconds: 0,
            backlog_quota: None,
            message_age_quota: None,
            failover_delay_ms: crate::subscription::failover::HANDOVER_DELAY_MS,
        }
    }
}

/// One segment of a topic's log, as retention sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Its first entry id.
    pub base: u64,
    pub entries: u64,
    pub bytes: u64,
    /// When it was closed (ms since the epoch); `None` for the segment being written.
    pub closed_at: Option<u64>,
}

/// How many of the oldest `segments` retention deletes, as Apache Pulsar trims ledgers:
/// oldest first, only closed segments wholly before `slowest` (the first entry some
/// durable subscription still needs), each one while it is past the time limit or the
/// data left without it is still over the size limit; the first one kept stops the scan.
pub fn segments_to_delete(
    segments: &[SegmentInfo],
    slowest: u64,
    retention: RetentionPolicy,
    now: u64,
) -> usize {
    if retention.is_infinite() {
        return 0;
    }
    let total: u64 = segments.iter().map(|s| s.bytes).sum();
    let size_limit = u64::try_from(retention.size_mb)
        .ok()
        .map(|mb| mb.saturating_mul(1024 * 1024));
    let time_limit = u64::try_from(retention.time_minutes)
        .ok()
        .map(|minutes| minutes.saturating_mul(60_000));
    let mut deleted_bytes = 0;
    let mut count = 0;
    for segment in segments {
        let Some(closed_at) = segment.closed_at else {
            break;
        };
        if segment.base + segment.entries > slowest {
            break;
        }
        let expired = time_limit.is_some_and(|limit| now.saturating_sub(closed_at) > limit);
        let over_size = size_limit.is_some_and(|limit| total - deleted_bytes > limit);
        if !(expired || over_size) {
            break;
        }
        deleted_bytes += segment.bytes;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000;

    fn closed(base: u64, entries: u64, bytes: u64, closed_at: u64) -> SegmentInfo {
        SegmentInfo {
            base,
            entries,
            bytes,
            closed_at: Some(closed_at),
        }
    }

    fn log() -> Vec<SegmentInfo> {
        vec![
            closed(0, 10, 3 * 1024 * 1024, 0),
            closed(10, 10, 3 * 1024 * 1024, 10 * MINUTE),
            SegmentInfo {
                base: 20,
                entries: 5,
                bytes: 1024 * 1024,
                closed_at: None,
            },
        ]
    }

    fn policy(time_minutes: i64, size_mb: i64) -> RetentionPolicy {
        RetentionPolicy {
            time_minutes,
            size_mb,
        }
    }

    #[test]
    fn without_retention_every_consumed_closed_segment_goes_but_never_the_open_one() {
        assert_eq!(segments_to_delete(&log(), 25, RetentionPolicy::NONE, 0), 2);
        assert_eq!(segments_to_delete(&log(), 15, RetentionPolicy::NONE, 0), 1);
        assert_eq!(segments_to_delete(&log(), 9, RetentionPolicy::NONE, 0), 0);
    }

    #[test]
    fn infinite_retention_keeps_everything() {
        assert_eq!(segments_to_delete(&log(), 25, policy(-1, -1), u64::MAX), 0);
    }

    #[test]
    fn the_time_limit_deletes_segments_closed_longer_ago() {
        let now = 15 * MINUTE;
        assert_eq!(segments_to_delete(&log(), 25, policy(10, -1), now), 1);
        assert_eq!(segments_to_delete(&log(), 25, policy(4, -1), now), 2);
        assert_eq!(segments_to_delete(&log(), 25, policy(60, -1), now), 0);
    }

    #[test]
    fn the_size_limit_deletes_oldest_segments_until_the_rest_fits() {
        // 7 MiB stored: 4 MiB is over after the first goes, 1 MiB fits after both.
        assert_eq!(segments_to_delete(&log(), 25, policy(-1, 5), 0), 1);
        assert_eq!(segments_to_delete(&log(), 25, policy(-1, 1), 0), 2);
        assert_eq!(segments_to_delete(&log(), 25, policy(-1, 7), 0), 0);
    }

    #[test]
    fn past_either_limit_is_enough() {
        assert_eq!(segments_to_delete(&log(), 25, policy(60, 1), 0), 2);
        assert_eq!(
            segments_to_delete(&log(), 25, policy(1, 100), 20 * MINUTE),
            2
        );
    }

    #[test]
    fn policies_read_the_admin_api_bodies() {
        let retention = RetentionPolicy::from_json(
            &json!({"retentionTimeInMinutes": -1, "retentionSizeInMB": 20}),
        )
        .unwrap();
        assert_eq!(retention, policy(-1, 20));
        assert_eq!(
            RetentionPolicy::from_json(&retention.to_json()),
            Some(retention)
        );
        assert_eq!(RetentionPolicy::from_json(&json!("ten")), None);

        let quota = BacklogQuota::from_json(
            &json!({"limitSize": 1024, "policy": "consumer_backlog_eviction"}),
        )
        .unwrap();
        assert_eq!(quota.limit_size, 1024);
        assert_eq!(quota.limit_time, -1);
        assert_eq!(quota.policy, QuotaPolicy::ConsumerBacklogEviction);
        assert_eq!(BacklogQuota::from_json(&quota.to_json()), Some(quota));
        assert_eq!(BacklogQuota::from_json(&json!({"policy": "drop"})), None);
    }
}
