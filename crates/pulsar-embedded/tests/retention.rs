//! Retention, message TTL and backlog quotas, as Apache Pulsar applies them: what stays
//! readable after every subscription acknowledged it, what is reclaimed (whole closed
//! segments), and what the admin API sets.

mod common;

use std::{net::SocketAddr, path::Path, time::Duration};

use common::*;
use pulsar::{consumer::InitialPosition, ConsumerOptions, Pulsar, SubType, TokioExecutor};
use pulsar_embedded::{BrokerHandle, Config};

/// A broker whose segments close every `segment_bytes` and whose policies are checked
/// every 100 ms.
async fn broker(dir: &Path, segment_bytes: u64, change: impl FnOnce(&mut Config)) -> BrokerHandle {
    start_broker_with(dir, |config| {
        config.segment_limits.bytes = segment_bytes;
        config.policy_check_interval = Duration::from_millis(100);
        change(config);
    })
    .await
}

async fn set(admin: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let body = (!body.is_empty()).then_some(body);
    admin_request(admin, method, path, body).await
}

async fn create_namespace(admin: SocketAddr, namespace: &str) {
    let path = format!("/admin/v2/namespaces/public/{namespace}");
    assert_eq!(set(admin, "PUT", &path, "").await.0, 204);
}

/// Subscribes `subscription` at Earliest, receives everything there is and acks it;
/// returns what it received.
async fn drain(pulsar: &Pulsar<TokioExecutor>, topic: &str, subscription: &str) -> Vec<String> {
    let mut consumer = consumer(pulsar, topic, subscription, SubType::Exclusive).await;
    let mut received = Vec::new();
    while let Some(message) = next(&mut consumer, Duration::from_millis(1500)).await {
        consumer.ack(&message).await.expect("ack");
        received.push(text(&message));
    }
    // Acks leave in the background: let them reach the broker before closing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    consumer.close().await.expect("consumer closed");
    received
}

/// What an Earliest subscription of a new name finds; it then unsubscribes, so that it
/// holds nothing.
async fn readable(pulsar: &Pulsar<TokioExecutor>, topic: &str, subscription: &str) -> Vec<String> {
    let mut consumer = consumer(pulsar, topic, subscription, SubType::Exclusive).await;
    let mut received = Vec::new();
    while let Some(message) = next(&mut consumer, Duration::from_millis(1500)).await {
        received.push(text(&message));
    }
    consumer.unsubscribe().await.expect("unsubscribed");
    received
}

async fn internal_stats(admin: SocketAddr, topic: &str) -> serde_json::Value {
    let path = format!(
        "/admin/v2/persistent/{}/internalStats",
        topic.trim_start_matches("persistent://")
    );
    let (status, stats) = admin_get(admin, &path).await;
    assert_eq!(status, 200, "{stats}");
    stats
}

/// Waits until the topic's log holds exactly `segments` segments.
async fn wait_for_segments(admin: SocketAddr, topic: &str, segments: usize) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = internal_stats(admin, topic).await;
        if stats["ledgers"].as_array().map(Vec::len) == Some(segments) {
            return stats;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {segments} segments: {stats}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn segment_files(dir: &Path, topic: &str) -> usize {
    let name = topic.trim_start_matches("persistent://");
    let mut ledger = dir.join("topics");
    for part in name.split('/') {
        ledger.push(part);
    }
    ledger.push("ledger");
    std::fs::read_dir(&ledger)
        .unwrap_or_else(|e| panic!("{}: {e}", ledger.display()))
        .count()
}

#[tokio::test]
async fn acknowledged_messages_stay_readable_by_earliest_subscriptions_readers_and_seeks() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("kept-after-acks");
    let sent = numbered("m", 100);
    produce(&pulsar, &topic, &sent, None).await;
    assert_eq!(drain(&pulsar, &topic, "first").await, sent);

    // Every durable subscription acknowledged everything: it stays readable anyway, by a
    // new subscription at Earliest and by a reader from the start.
    assert_eq!(readable(&pulsar, &topic, "second").await, sent);
    let mut reader = pulsar
        .reader()
        .with_topic(&topic)
        .with_subscription("reader")
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .into_reader::<String>()
        .await
        .expect("reader");
    for expected in &sent {
        let message = tokio::time::timeout(WAIT, futures::StreamExt::next(&mut reader))
            .await
            .expect("reader message in time")
            .expect("reader open")
            .expect("reader message");
        assert_eq!(
            &String::from_utf8(message.payload.data.clone()).unwrap(),
            expected
        );
    }

    // A seek back over acknowledged messages rewinds over all of them.
    let mut first = consumer(&pulsar, &topic, "first", SubType::Exclusive).await;
    assert!(next(&mut first, Duration::from_millis(500)).await.is_none());
    first
        .seek(None, None, Some(0), pulsar.clone())
        .await
        .expect("seek to time 0");
    let mut again = Vec::new();
    while let Some(message) = next(&mut first, Duration::from_millis(1500)).await {
        again.push(text(&message));
    }
    assert_eq!(again, sent);

    // And after a restart, too.
    drop(first);
    broker.shutdown().await;
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    assert_eq!(readable(&pulsar, &topic, "after-restart").await, sent);
}

#[tokio::test]
async fn without_retention_whole_consumed_segments_go_and_the_one_being_written_stays() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(dir.path(), 2048, |_| {}).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    let topic = topic("reclaimed");
    // ~150 bytes per stored entry: a segment closes after ~14 entries.
    let sent: Vec<String> = (0..60)
        .map(|i| format!("{i:04}-{}", "x".repeat(100)))
        .collect();
    let mut sub = consumer(&pulsar, &topic, "slow", SubType::Exclusive).await;
    produce(&pulsar, &topic, &sent, None).await;
    let before = internal_stats(admin, &topic).await["ledgers"]
        .as_array()
        .unwrap()
        .len();
    assert!(before >= 4, "several segments: {before}");

    // Acknowledging the first 20 frees only the segments wholly before the 21st.
    for _ in 0..20 {
        let message = next(&mut sub, WAIT).await.expect("message");
        sub.ack(&message).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    let stats = loop {
        let stats = internal_stats(admin, &topic).await;
        if stats["ledgers"].as_array().unwrap().len() < before {
            break stats;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing reclaimed: {stats}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let first_kept = stats["ledgers"][0]["ledgerId"].as_u64().unwrap();
    assert!(first_kept > 0 && first_kept <= 20, "{stats}");
    // What is left is readable from its first entry, acknowledged or not.
    let left = readable(&pulsar, &topic, "late").await;
    assert_eq!(left, sent[first_kept as usize..]);

    // Once everything is acknowledged, only the segment being written remains, on disk too.
    while let Some(message) = next(&mut sub, Duration::from_millis(1000)).await {
        sub.ack(&message).await.unwrap();
    }
    let stats = wait_for_segments(admin, &topic, 1).await;
    assert_eq!(segment_files(dir.path(), &topic), 1, "{stats}");
    assert_eq!(stats["cursors"]["slow"]["markDeletePosition"], "1:59");
}

#[tokio::test]
async fn a_topic_without_subscriptions_keeps_only_what_retention_says() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(dir.path(), 2048, |_| {}).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    create_namespace(admin, "kept").await;
    assert_eq!(
        set(
            admin,
            "POST",
            "/admin/v2/namespaces/public/kept/retention",
            r#"{"retentionTimeInMinutes": -1, "retentionSizeInMB": -1}"#
        )
        .await
        .0,
        204
    );
    let sent: Vec<String> = (0..60)
        .map(|i| format!("{i:04}-{}", "y".repeat(100)))
        .collect();
    let kept = "persistent://public/kept/no-subscription";
    let dropped = topic("no-subscription");
    produce(&pulsar, kept, &sent, None).await;
    produce(&pulsar, &dropped, &sent, None).await;

    // The default namespace keeps nothing past the segment being written.
    let stats = wait_for_segments(admin, &dropped, 1).await;
    let first = stats["ledgers"][0]["ledgerId"].as_u64().unwrap() as usize;
    assert_eq!(readable(&pulsar, &dropped, "late").await, sent[first..]);
    // Infinite retention keeps every segment.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        internal_stats(admin, kept).await["ledgers"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
    assert_eq!(readable(&pulsar, kept, "late").await, sent);
}

#[tokio::test]
async fn the_size_limit_keeps_the_newest_segments_that_fit() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(dir.path(), 256 * 1024, |config| {
        config.retention = pulsar_embedded::retention::RetentionPolicy {
            time_minutes: -1,
            size_mb: 1,
        };
    })
    .await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    let topic = topic("size-limit");
    // 48 messages of 64 KiB: 3 MiB in segments of ~256 KiB.
    let sent: Vec<String> = (0..48)
        .map(|i| format!("{i:04}-{}", "z".repeat(64 * 1024)))
        .collect();
    produce(&pulsar, &topic, &sent, None).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = internal_stats(admin, &topic).await;
        let total = stats["totalSize"].as_u64().unwrap();
        if total <= 1024 * 1024 + 300 * 1024 {
            let first = stats["ledgers"][0]["ledgerId"].as_u64().unwrap() as usize;
            assert!(first > 0, "{stats}");
            assert_eq!(readable(&pulsar, &topic, "late").await, sent[first..]);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never trimmed to 1 MiB: {stats}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn message_ttl_acknowledges_old_messages_on_every_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(dir.path(), 64 * 1024 * 1024, |_| {}).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    create_namespace(admin, "ttl").await;
    let path = "/admin/v2/namespaces/public/ttl/messageTTL";
    assert_eq!(set(admin, "GET", path, "").await.0, 204, "unset");
    assert_eq!(set(admin, "POST", path, "ten").await.0, 400);
    assert_eq!(set(admin, "POST", path, "1").await.0, 204);
    assert_eq!(set(admin, "GET", path, "").await, (200, "1".into()));

    let topic = "persistent://public/ttl/expiring";
    let mut sub = consumer(&pulsar, topic, "idle", SubType::Shared).await;
    sub.close().await.unwrap();
    produce(&pulsar, topic, &numbered("old", 10), None).await;
    let stats_path = "/admin/v2/persistent/public/ttl/expiring/stats";
    assert_eq!(
        admin_get(admin, stats_path).await.1["subscriptions"]["idle"]["msgBacklog"],
        10
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while admin_get(admin, stats_path).await.1["subscriptions"]["idle"]["msgBacklog"] != 0 {
        assert!(tokio::time::Instant::now() < deadline, "never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    produce(&pulsar, topic, &["new".to_string()], None).await;
    let mut sub = consumer(&pulsar, topic, "idle", SubType::Shared).await;
    let message = next(&mut sub, WAIT).await.expect("the new message");
    assert_eq!(text(&message), "new");
    assert_eq!(set(admin, "DELETE", path, "").await.0, 204);
    assert_eq!(set(admin, "GET", path, "").await.0, 204);
}

#[tokio::test]
async fn a_backlog_over_its_quota_refuses_or_disconnects_producers_or_is_evicted() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(dir.path(), 64 * 1024 * 1024, |_| {}).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    for namespace in ["hold", "exception", "eviction"] {
        create_namespace(admin, namespace).await;
    }
    // 40 messages of ~200 bytes: 8 KiB of backlog on an idle subscription.
    let sent: Vec<String> = (0..40)
        .map(|i| format!("{i:04}-{}", "q".repeat(200)))
        .collect();
    let mut producers = Vec::new();
    for namespace in ["hold", "exception", "eviction"] {
        let topic = format!("persistent://public/{namespace}/quota");
        let mut sub = consumer(&pulsar, &topic, "idle", SubType::Shared).await;
        sub.close().await.unwrap();
        let mut producer = pulsar
            .producer()
            .with_topic(&topic)
            .build()
            .await
            .expect("producer");
        for message in &sent {
            producer
                .send_non_blocking(message.clone())
                .await
                .unwrap()
                .await
                .unwrap();
        }
        producers.push(producer);
    }
    // The quotas come once the backlogs are there: set before, a policy check (every
    // 100 ms here) could disconnect the "exception" producer halfway through its sends on a
    // slow machine.
    for namespace in ["hold", "exception", "eviction"] {
        let quota = format!(
            r#"{{"limitSize": 4096, "limitTime": -1, "policy": "{}"}}"#,
            match namespace {
                "hold" => "producer_request_hold",
                "exception" => "producer_exception",
                _ => "consumer_backlog_eviction",
            }
        );
        let path = format!("/admin/v2/namespaces/public/{namespace}/backlogQuota");
        assert_eq!(set(admin, "POST", &path, &quota).await.0, 204);
        let (status, map) = admin_get(
            admin,
            &format!("/admin/v2/namespaces/public/{namespace}/backlogQuotaMap"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(map["destination_storage"]["limitSize"], 4096, "{map}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Past the quota, a new producer is refused with Pulsar's error, per policy.
    for (namespace, error) in [
        ("hold", "ProducerBlockedQuotaExceededError"),
        ("exception", "ProducerBlockedQuotaExceededException"),
    ] {
        let topic = format!("persistent://public/{namespace}/quota");
        let refused = pulsar.producer().with_topic(&topic).build().await;
        let reason = format!("{:?}", refused.err().expect("refused"));
        assert!(reason.contains(error), "{namespace}: {reason}");
    }
    // producer_exception also disconnected the producer that was connected: its client
    // reconnects, is refused, and the send fails.
    let sent_after = match producers[1].send_non_blocking("after".to_string()).await {
        Ok(receipt) => tokio::time::timeout(WAIT, receipt)
            .await
            .expect("an answer in time"),
        Err(error) => Err(error),
    };
    assert!(sent_after.is_err(), "a disconnected producer cannot send");
    // producer_request_hold leaves it connected.
    producers[0]
        .send_non_blocking("held".to_string())
        .await
        .expect("queued")
        .await
        .expect("a connected producer still sends under hold");

    // Eviction dropped the oldest backlog until the rest fits in 4 KiB.
    let stats = admin_get(admin, "/admin/v2/persistent/public/eviction/quota/stats")
        .await
        .1;
    let backlog = stats["subscriptions"]["idle"]["msgBacklog"]
        .as_u64()
        .unwrap();
    assert!(backlog > 0 && backlog < 40, "{stats}");
    let mut sub = consumer(
        &pulsar,
        "persistent://public/eviction/quota",
        "idle",
        SubType::Shared,
    )
    .await;
    let mut left = Vec::new();
    while let Some(message) = next(&mut sub, Duration::from_millis(1000)).await {
        left.push(text(&message));
    }
    assert_eq!(left, sent[40 - backlog as usize..]);
    let producer = pulsar
        .producer()
        .with_topic("persistent://public/eviction/quota")
        .build()
        .await;
    assert!(producer.is_ok(), "eviction never refuses producers");

    // Once the backlog is acknowledged, producers are admitted again.
    let mut sub = consumer(
        &pulsar,
        "persistent://public/hold/quota",
        "idle",
        SubType::Shared,
    )
    .await;
    while let Some(message) = next(&mut sub, Duration::from_millis(1000)).await {
        sub.ack(&message).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let producer = pulsar
        .producer()
        .with_topic("persistent://public/hold/quota")
        .build()
        .await;
    assert!(producer.is_ok(), "{:?}", producer.err());
}

#[tokio::test]
async fn the_message_age_quota_evicts_messages_older_than_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(dir.path(), 64 * 1024 * 1024, |_| {}).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    create_namespace(admin, "aged").await;
    let path = "/admin/v2/namespaces/public/aged/backlogQuota?backlogQuotaType=message_age";
    let quota = r#"{"limitTime": 1, "policy": "consumer_backlog_eviction"}"#;
    assert_eq!(set(admin, "POST", path, quota).await.0, 204);
    let topic = "persistent://public/aged/t";
    let mut sub = consumer(&pulsar, topic, "idle", SubType::Shared).await;
    sub.close().await.unwrap();
    produce(&pulsar, topic, &numbered("m", 5), None).await;
    let stats_path = "/admin/v2/persistent/public/aged/t/stats";
    let deadline = tokio::time::Instant::now() + WAIT;
    while admin_get(admin, stats_path).await.1["subscriptions"]["idle"]["msgBacklog"] != 0 {
        assert!(tokio::time::Instant::now() < deadline, "never evicted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(set(admin, "DELETE", path, "").await.0, 204);
    let (_, map) = admin_get(admin, "/admin/v2/namespaces/public/aged/backlogQuotaMap").await;
    assert_eq!(map, serde_json::json!({}));
}

#[tokio::test]
async fn retention_policies_are_set_read_refused_when_invalid_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    create_namespace(admin, "kept").await;
    let path = "/admin/v2/namespaces/public/kept/retention";
    assert_eq!(set(admin, "GET", path, "").await.0, 204, "unset");
    assert_eq!(set(admin, "POST", path, "[1]").await.0, 400);
    assert_eq!(
        set(
            admin,
            "GET",
            "/admin/v2/namespaces/public/nope/retention",
            ""
        )
        .await
        .0,
        404
    );
    let policy = r#"{"retentionTimeInMinutes": 60, "retentionSizeInMB": 2}"#;
    assert_eq!(set(admin, "POST", path, policy).await.0, 204);
    // A backlog quota the retention could not hold is refused, as Apache Pulsar does.
    let quota = r#"{"limitSize": 4194304, "policy": "producer_request_hold"}"#;
    let (status, _) = set(
        admin,
        "POST",
        "/admin/v2/namespaces/public/kept/backlogQuota",
        quota,
    )
    .await;
    assert_eq!(status, 412);
    assert_eq!(
        set(
            admin,
            "POST",
            "/admin/v2/namespaces/public/kept/messageTTL",
            "30"
        )
        .await
        .0,
        204
    );
    broker.shutdown().await;

    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (status, body) = set(admin, "GET", path, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"retentionTimeInMinutes": 60, "retentionSizeInMB": 2})
    );
    let (_, policies) = admin_get(admin, "/admin/v2/namespaces/public/kept").await;
    assert_eq!(policies["retention_policies"]["retentionSizeInMB"], 2);
    assert_eq!(policies["message_ttl_in_seconds"], 30);
    assert_eq!(set(admin, "DELETE", path, "").await.0, 204);
    assert_eq!(set(admin, "GET", path, "").await.0, 204);
}

/// The bytes the topic keeps in memory, from the broker's `/metrics`.
async fn memory_bytes(admin: SocketAddr, topic: &str) -> u64 {
    let (status, text) = admin_request(admin, "GET", "/metrics", None).await;
    assert_eq!(status, 200);
    let prefix = format!("pulsar_embedded_topic_memory_bytes{{topic=\"{topic}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no memory sample for {topic} in\n{text}")) as u64
}

/// Memory follows the backlogs, not what retention keeps: once drained, a topic gives its
/// entries back, and a later Earliest subscription reads them back from the log.
#[tokio::test]
async fn memory_holds_the_backlogs_and_retained_entries_are_read_back_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    let topic = topic("memory-window");
    let sent: Vec<String> = (0..2000)
        .map(|i| format!("{i:05}-{}", "m".repeat(1000)))
        .collect();
    let mut first = consumer(&pulsar, &topic, "first", SubType::Exclusive).await;
    produce(&pulsar, &topic, &sent, Some(100)).await;
    assert!(
        memory_bytes(admin, &topic).await > 1_900_000,
        "the backlog is in memory"
    );

    for _ in &sent {
        let message = next(&mut first, WAIT).await.expect("message");
        first.ack(&message).await.unwrap();
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while memory_bytes(admin, &topic).await > 200_000 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "memory never given back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = internal_stats(admin, &topic).await["totalSize"]
        .as_u64()
        .unwrap();
    assert!(stored > 1_900_000, "the log still holds them: {stored}");

    // Read back for a new subscription, then given back again once it is drained.
    assert_eq!(drain(&pulsar, &topic, "second").await, sent);
    let deadline = tokio::time::Instant::now() + WAIT;
    while memory_bytes(admin, &topic).await > 200_000 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "memory never given back after the read-back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
