//! Delayed delivery (`deliver_at_time`): Shared and Key_Shared subscriptions get a delayed
//! message at its time, not before, while later messages pass it; Exclusive gets it at
//! once, as Apache Pulsar does; the delay survives a restart and a kill -9.

mod common;

use std::{
    net::SocketAddr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use common::*;
use pulsar::{producer, Producer, Pulsar, SubType, TokioExecutor};

/// How long after its time a delayed message may arrive.
const LATENESS: i64 = 1000;
/// Clock slack between the broker's dispatch and the test's reading.
const SLACK: i64 = 5;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after the epoch")
        .as_millis() as i64
}

async fn producer(pulsar: &Pulsar<TokioExecutor>, topic: &str) -> Producer<TokioExecutor> {
    pulsar
        .producer()
        .with_topic(topic)
        .build()
        .await
        .expect("producer created")
}

/// Sends `text`, to be delivered at `at` (ms since the epoch) if given; waits for the
/// receipt.
async fn send(producer: &mut Producer<TokioExecutor>, text: &str, at: Option<i64>) {
    let message = producer::Message {
        payload: text.as_bytes().to_vec(),
        deliver_at_time: at,
        ..Default::default()
    };
    producer
        .send_non_blocking(message)
        .await
        .expect("send queued")
        .await
        .expect("send receipt");
}

/// Receives the message due at `at` and checks it came at its time, not before.
async fn receive_at(
    consumer: &mut pulsar::Consumer<String, TokioExecutor>,
    expected: &str,
    at: i64,
) -> pulsar::consumer::Message<String> {
    let wait = Duration::from_millis((at - now_ms() + 2 * LATENESS).max(0) as u64);
    let message = next(consumer, wait)
        .await
        .unwrap_or_else(|| panic!("{expected} not delivered by its time"));
    let arrived = now_ms();
    assert_eq!(text(&message), expected);
    assert!(
        arrived + SLACK >= at,
        "{expected} arrived {} ms early",
        at - arrived
    );
    assert!(
        arrived <= at + LATENESS,
        "{expected} arrived {} ms late",
        arrived - at
    );
    message
}

/// The subscription's statistics once its backlog is `backlog` (acks travel without a
/// receipt), or after a second.
async fn stats_with_backlog(
    admin: SocketAddr,
    topic: &str,
    sub: &str,
    backlog: u64,
) -> serde_json::Value {
    let name = topic.trim_start_matches("persistent://");
    for _ in 0..20 {
        let (_, stats) = admin_get(admin, &format!("/admin/v2/persistent/{name}/stats")).await;
        let stats = stats["subscriptions"][sub].clone();
        if stats["msgBacklog"] == backlog {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the backlog of {sub} never became {backlog}");
}

async fn later_messages_pass_a_delayed_one(sub_type: SubType, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let topic = topic(name);
    let pulsar = client(broker.address()).await;
    let mut consumer = consumer(&pulsar, &topic, "s", sub_type).await;
    let mut producer = producer(&pulsar, &topic).await;
    let at = now_ms() + 1500;
    send(&mut producer, "late", Some(at)).await;
    for i in 0..3 {
        send(&mut producer, &format!("early-{i}"), None).await;
    }
    for i in 0..3 {
        let message = next(&mut consumer, WAIT).await.expect("early message");
        assert_eq!(text(&message), format!("early-{i}"));
        consumer.ack(&message).await.expect("ack");
    }
    assert!(now_ms() < at, "the early messages took the whole delay");
    let stats = stats_with_backlog(broker.admin_address().unwrap(), &topic, "s", 1).await;
    assert_eq!(stats["msgDelayed"], 1, "{stats}");

    let late = receive_at(&mut consumer, "late", at).await;
    // A negative ack redelivers it at once: its time has passed.
    consumer.nack(&late).await.expect("nack");
    let again = next(&mut consumer, WAIT).await.expect("redelivered");
    assert_eq!(text(&again), "late");
    consumer.ack(&again).await.expect("ack");
    assert!(next(&mut consumer, Duration::from_millis(300))
        .await
        .is_none());
    let stats = stats_with_backlog(broker.admin_address().unwrap(), &topic, "s", 0).await;
    assert_eq!(stats["msgDelayed"], 0, "{stats}");
    broker.shutdown().await;
}

#[tokio::test]
async fn a_shared_subscription_gets_a_delayed_message_at_its_time_after_later_ones() {
    later_messages_pass_a_delayed_one(SubType::Shared, "delayed-shared").await;
}

#[tokio::test]
async fn a_key_shared_subscription_gets_a_delayed_message_at_its_time_after_later_ones() {
    later_messages_pass_a_delayed_one(SubType::KeyShared, "delayed-key-shared").await;
}

#[tokio::test]
async fn an_exclusive_subscription_gets_a_delayed_message_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let topic = topic("delayed-exclusive");
    let pulsar = client(broker.address()).await;
    let mut consumer = consumer(&pulsar, &topic, "s", SubType::Exclusive).await;
    let mut producer = producer(&pulsar, &topic).await;
    let at = now_ms() + 1500;
    send(&mut producer, "late", Some(at)).await;
    send(&mut producer, "early", None).await;
    let first = next(&mut consumer, WAIT).await.expect("delayed message");
    assert_eq!(text(&first), "late");
    assert!(now_ms() < at - 500, "an exclusive subscription waited");
    let second = next(&mut consumer, WAIT).await.expect("plain message");
    assert_eq!(text(&second), "early");
    broker.shutdown().await;
}

/// Subscribes, sends a message due in 2 s, and checks it is not delivered yet; returns
/// its time.
async fn send_delayed_and_check_it_waits(address: SocketAddr, topic: &str) -> i64 {
    let pulsar = client(address).await;
    let mut consumer = consumer(&pulsar, topic, "s", SubType::Shared).await;
    let mut producer = producer(&pulsar, topic).await;
    let at = now_ms() + 2000;
    send(&mut producer, "late", Some(at)).await;
    assert!(next(&mut consumer, Duration::from_millis(300))
        .await
        .is_none());
    assert!(now_ms() < at - 1000, "the setup took most of the delay");
    at
}

async fn receive_after_restart(address: SocketAddr, topic: &str, at: i64) {
    let pulsar = client(address).await;
    let mut consumer = consumer(&pulsar, topic, "s", SubType::Shared).await;
    let late = receive_at(&mut consumer, "late", at).await;
    consumer.ack(&late).await.expect("ack");
    assert!(next(&mut consumer, Duration::from_millis(300))
        .await
        .is_none());
}

#[tokio::test]
async fn a_delayed_message_keeps_its_time_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let topic = topic("delayed-restart");
    let broker = start_broker(dir.path()).await;
    let at = send_delayed_and_check_it_waits(broker.address(), &topic).await;
    broker.shutdown().await;

    let broker = start_broker(dir.path()).await;
    receive_after_restart(broker.address(), &topic, at).await;
    broker.shutdown().await;
}

#[tokio::test]
async fn a_delayed_message_keeps_its_time_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let topic = topic("delayed-killed");
    let broker = Process::start(dir.path());
    let at = send_delayed_and_check_it_waits(broker.1, &topic).await;
    drop(broker);

    let broker = Process::start(dir.path());
    receive_after_restart(broker.1, &topic, at).await;
}
