//! Persistent topics and cursors survive a restart, graceful or kill -9.

mod common;

use std::{collections::BTreeSet, net::SocketAddr, time::Duration};

use common::*;
use pulsar::SubType;

/// Receives `count` messages and acks every other one; returns those left unacknowledged.
async fn ack_every_other(
    consumer: &mut pulsar::Consumer<String, pulsar::TokioExecutor>,
    count: usize,
) -> BTreeSet<String> {
    let mut unacked = BTreeSet::new();
    for i in 0..count {
        let message = next(consumer, WAIT).await.expect("message");
        if i % 2 == 0 {
            consumer.ack(&message).await.unwrap();
        } else {
            unacked.insert(text(&message));
        }
    }
    unacked
}

/// Acks every other message of `count` on subscription "sub", and returns the ones left
/// unacknowledged.
async fn consume_half(address: SocketAddr, topic: &str, count: usize) -> BTreeSet<String> {
    let pulsar = client(address).await;
    let mut consumer = consumer(&pulsar, topic, "sub", SubType::Shared).await;
    let unacked = ack_every_other(&mut consumer, count).await;
    // The client sends acks in the background: give them time to leave before closing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    consumer.close().await.unwrap();
    unacked
}

async fn receive_all(address: SocketAddr, topic: &str) -> BTreeSet<String> {
    let pulsar = client(address).await;
    let mut consumer = consumer(&pulsar, topic, "sub", SubType::Shared).await;
    let mut received = BTreeSet::new();
    while let Some(message) = next(&mut consumer, Duration::from_secs(2)).await {
        assert!(received.insert(text(&message)), "delivered twice");
    }
    received
}

#[tokio::test]
async fn after_a_restart_exactly_the_unacknowledged_messages_are_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let topic = topic("durable");
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    produce(&pulsar, &topic, &numbered("m", 40), None).await;
    let unacked = consume_half(broker.address(), &topic, 40).await;
    broker.shutdown().await;

    let broker = start_broker(dir.path()).await;
    assert_eq!(receive_all(broker.address(), &topic).await, unacked);
    broker.shutdown().await;
}

#[tokio::test]
async fn after_kill_9_exactly_the_unacknowledged_messages_are_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let topic = topic("killed");
    let broker = Process::start(dir.path());
    let pulsar = client(broker.1).await;
    // A receipt means the message is on disk.
    produce(&pulsar, &topic, &numbered("m", 40), None).await;
    let unacked = consume_half(broker.1, &topic, 40).await;
    // Acks carry no receipt with this client: give the group commit a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(broker);

    let broker = Process::start(dir.path());
    let received = receive_all(broker.1, &topic).await;
    assert_eq!(received, unacked);
}

/// kill -9 with retained (acknowledged) data, delayed messages and a partitioned topic in
/// flight: after the restart every subscription resumes exactly where it acknowledged,
/// the retained data is still readable, and the delayed messages come at their time.
#[tokio::test]
async fn after_kill_9_retained_delayed_and_partitioned_data_resume_where_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--admin-port", "0"];
    let (broker, admin) = Process::start_with(dir.path(), &args);
    let admin = admin.expect("admin address");
    let partitioned = topic("killed-partitioned");
    let path = "/admin/v2/persistent/public/default/killed-partitioned/partitions";
    assert_eq!(admin_request(admin, "PUT", path, Some("3")).await.0, 204);
    let plain = topic("killed-retained");
    let delayed = topic("killed-delayed");
    let pulsar = client(broker.1).await;

    // Retained: all 30 acknowledged on one subscription, the first 10 on another.
    let sent = numbered("r", 30);
    let mut other = consumer(&pulsar, &plain, "other", SubType::Exclusive).await;
    produce(&pulsar, &plain, &sent, None).await;
    let mut all = consumer(&pulsar, &plain, "all", SubType::Exclusive).await;
    for _ in 0..30 {
        let message = next(&mut all, WAIT).await.expect("message");
        all.ack(&message).await.unwrap();
    }
    for _ in 0..10 {
        let message = next(&mut other, WAIT).await.expect("message");
        other.ack(&message).await.unwrap();
    }
    // Partitioned: every other message acknowledged.
    let unacked_partitioned = consume_half_after(&pulsar, &partitioned, 30).await;
    // Delayed: two due in 3 s, one at once and acknowledged.
    let mut shared = consumer(&pulsar, &delayed, "s", SubType::Shared).await;
    let mut producer = pulsar
        .producer()
        .with_topic(&delayed)
        .build()
        .await
        .unwrap();
    let at = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 3000) as i64;
    for (text, at) in [("late-1", Some(at)), ("now", None), ("late-2", Some(at))] {
        let message = pulsar::producer::Message {
            payload: text.as_bytes().to_vec(),
            deliver_at_time: at,
            ..Default::default()
        };
        producer
            .send_non_blocking(message)
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let now = next(&mut shared, WAIT).await.expect("the message due now");
    assert_eq!(text(&now), "now");
    shared.ack(&now).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(broker);

    let (broker, _) = Process::start_with(dir.path(), &args);
    let pulsar = client(broker.1).await;
    let mut all = consumer(&pulsar, &plain, "all", SubType::Exclusive).await;
    assert_eq!(rest(&mut all).await, Vec::<String>::new());
    let mut other = consumer(&pulsar, &plain, "other", SubType::Exclusive).await;
    assert_eq!(rest(&mut other).await, sent[10..]);
    let mut late = consumer(&pulsar, &plain, "late", SubType::Exclusive).await;
    assert_eq!(rest(&mut late).await, sent, "retained data is readable");

    let mut partitions = consumer(&pulsar, &partitioned, "half", SubType::Shared).await;
    let got: BTreeSet<String> = rest(&mut partitions).await.into_iter().collect();
    assert_eq!(got, unacked_partitioned);

    let mut shared = consumer(&pulsar, &delayed, "s", SubType::Shared).await;
    let mut late_ones = BTreeSet::new();
    while let Some(message) = next(&mut shared, Duration::from_secs(5)).await {
        let arrived = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!(
            arrived >= at,
            "{} came {} ms early",
            text(&message),
            at - arrived
        );
        late_ones.insert(text(&message));
        shared.ack(&message).await.unwrap();
    }
    assert_eq!(
        late_ones,
        BTreeSet::from(["late-1".to_string(), "late-2".to_string()])
    );
}

/// Produces `count` messages to `topic` and acks every other one on a Shared
/// subscription "half"; returns the ones left unacknowledged.
async fn consume_half_after(
    pulsar: &pulsar::Pulsar<pulsar::TokioExecutor>,
    topic: &str,
    count: usize,
) -> BTreeSet<String> {
    let mut consumer = consumer(pulsar, topic, "half", SubType::Shared).await;
    produce(pulsar, topic, &numbered("p", count), None).await;
    ack_every_other(&mut consumer, count).await
}

/// What a consumer receives until nothing comes for 1.5 s.
async fn rest(consumer: &mut pulsar::Consumer<String, pulsar::TokioExecutor>) -> Vec<String> {
    let mut got = Vec::new();
    while let Some(message) = next(consumer, Duration::from_millis(1500)).await {
        got.push(text(&message));
    }
    got
}
