//! Failover subscriptions and regex subscription modes as Apache Pulsar serves them.
//!
//! The active consumer of a non-partitioned topic comes from Apache's consistent hash
//! ring over the consumers' names, not from name order: for the topics used here
//! (worked out with an independent implementation of Apache's rule), with consumers
//! `consumer-b` and `consumer-c` on `failover-0` and on `failover-1` `consumer-b` is
//! active; `consumer-a` joining takes over on `failover-1` and does not on
//! `failover-0`, where it becomes active once `consumer-b` leaves. A change is handed
//! over after Apache's default `activeConsumerFailoverDelayTimeMillis` (1 s).

mod common;

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    time::{Duration, Instant},
};

use common::*;
use futures::StreamExt;
use pulsar::{
    consumer::InitialPosition,
    message::proto::{self, command_get_topics_of_namespace::Mode},
    ConsumerOptions, SubType,
};

/// Apache's default hand-over delay, less a margin for clock granularity.
const HANDOVER: Duration = Duration::from_millis(950);

/// How long "nothing arrives" is watched for.
const QUIET: Duration = Duration::from_millis(1500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_topics_of_namespace_lists_the_domains_each_mode_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let persistent = ["rx-p1", "rx-p2"].map(topic);
    let non_persistent = ["rx-n1", "rx-n2"].map(|n| format!("non-persistent://public/default/{n}"));
    for name in persistent.iter().chain(&non_persistent) {
        produce(&pulsar, name, &numbered("m", 1), None).await;
    }
    let listed = |mode: Mode| {
        let pulsar = pulsar.clone();
        async move {
            pulsar
                .get_topics_of_namespace("public/default".into(), mode)
                .await
                .expect("topics listed")
                .into_iter()
                .collect::<BTreeSet<String>>()
        }
    };
    let set = |names: &[String]| names.iter().cloned().collect::<BTreeSet<String>>();
    assert_eq!(listed(Mode::Persistent).await, set(&persistent));
    assert_eq!(listed(Mode::NonPersistent).await, set(&non_persistent));
    let all: Vec<String> = persistent.iter().chain(&non_persistent).cloned().collect();
    assert_eq!(listed(Mode::All).await, set(&all));
    broker.shutdown().await;
}

/// A raw connection with one Failover consumer (id 1) on `topic`.
async fn raw_consumer(address: SocketAddr, topic: &str, name: &str) -> RawClient {
    let mut raw = RawClient::connect(address).await;
    raw.send(command(proto::base_command::Type::Subscribe, |c| {
        c.subscribe = Some(proto::CommandSubscribe {
            topic: topic.into(),
            subscription: "sub".into(),
            sub_type: proto::command_subscribe::SubType::Failover as i32,
            consumer_id: 1,
            request_id: 1,
            consumer_name: Some(name.into()),
            ..Default::default()
        })
    }))
    .await;
    raw
}

/// The next frame within `wait` that is neither a PING nor a PONG.
async fn frame_within(raw: &mut RawClient, wait: Duration) -> Option<proto::BaseCommand> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, raw.framed.next()).await {
            Ok(Some(Ok(m))) if m.command.ping.is_some() || m.command.pong.is_some() => continue,
            Ok(Some(Ok(m))) => return Some(m.command),
            Ok(other) => panic!("connection ended: {other:?}"),
            Err(_) => return None,
        }
    }
}

/// The `is_active` of the next ACTIVE_CONSUMER_CHANGE, skipping a SUCCESS.
async fn active_change(raw: &mut RawClient, what: &str) -> bool {
    loop {
        let command = frame_within(raw, WAIT)
            .await
            .unwrap_or_else(|| panic!("{what}: no ACTIVE_CONSUMER_CHANGE"));
        if command.success.is_some() {
            continue;
        }
        let change = command
            .active_consumer_change
            .unwrap_or_else(|| panic!("{what}: unexpected {command:?}"));
        assert_eq!(change.consumer_id, 1, "{what}");
        return change.is_active.unwrap_or(false);
    }
}

async fn assert_no_change(raw: &mut RawClient, what: &str) {
    if let Some(command) = frame_within(raw, QUIET).await {
        assert!(
            command.active_consumer_change.is_none(),
            "{what}: unexpected {command:?}"
        );
    }
}

/// `Config::failover_delay` (`--failover-delay-ms`) sets the wait: 3 s, then none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handover_delay_is_the_configured_one() {
    for (delay, at_least, at_most) in [
        (Duration::from_secs(3), Duration::from_millis(2950), WAIT),
        (Duration::ZERO, Duration::ZERO, Duration::from_millis(700)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let broker = start_broker_with(dir.path(), |c| c.failover_delay = delay).await;
        let started = Instant::now();
        let mut b = raw_consumer(broker.address(), &topic("failover-delay"), "consumer-b").await;
        assert!(active_change(&mut b, "b alone").await, "b alone is active");
        let took = started.elapsed();
        assert!(
            took >= at_least && took <= at_most,
            "{delay:?}: told after {took:?}"
        );
        broker.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_consumer_is_told_whether_it_is_active_once_the_handover_delay_passed() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let topic = topic("failover-1");

    let started = Instant::now();
    let mut b = raw_consumer(broker.address(), &topic, "consumer-b").await;
    assert!(active_change(&mut b, "b alone").await, "b alone is active");
    assert!(started.elapsed() >= HANDOVER, "told after the delay");

    // c does not change the choice: it is told at once that it is not active.
    let mut c = raw_consumer(broker.address(), &topic, "consumer-c").await;
    assert!(!active_change(&mut c, "c joins").await);
    assert_no_change(&mut b, "b while c joins").await;

    // a takes the topic on Apache's ring: after the delay, everyone hears of it.
    let started = Instant::now();
    let mut a = raw_consumer(broker.address(), &topic, "consumer-a").await;
    assert!(active_change(&mut a, "a joins").await, "a is active");
    assert!(started.elapsed() >= HANDOVER, "handed over after the delay");
    assert!(!active_change(&mut b, "b after a joined").await);
    assert!(!active_change(&mut c, "c after a joined").await);

    // a leaves: b is active again.
    a.send(command(proto::base_command::Type::CloseConsumer, |cmd| {
        cmd.close_consumer = Some(proto::CommandCloseConsumer {
            consumer_id: 1,
            request_id: 2,
        })
    }))
    .await;
    assert!(active_change(&mut b, "b after a left").await);
    assert!(!active_change(&mut c, "c after a left").await);
    broker.shutdown().await;
}

async fn failover_consumer(
    pulsar: &pulsar::Pulsar<pulsar::TokioExecutor>,
    topic: &str,
    name: &str,
) -> pulsar::Consumer<String, pulsar::TokioExecutor> {
    pulsar
        .consumer()
        .with_topic(topic)
        .with_subscription("sub")
        .with_subscription_type(SubType::Failover)
        .with_consumer_name(name)
        .with_options(ConsumerOptions::default().with_initial_position(InitialPosition::Earliest))
        .build()
        .await
        .expect("consumer subscribes")
}

/// Receives `count` messages.
async fn receive(
    consumer: &mut pulsar::Consumer<String, pulsar::TokioExecutor>,
    count: usize,
) -> Vec<pulsar::consumer::Message<String>> {
    let mut messages = Vec::new();
    for _ in 0..count {
        let message = next(consumer, WAIT).await.unwrap_or_else(|| {
            let texts: Vec<String> = messages.iter().map(text).collect();
            panic!("only {texts:?} arrived")
        });
        messages.push(message);
    }
    messages
}

/// Receives and acknowledges `count` messages; returns their texts.
async fn receive_and_ack(
    consumer: &mut pulsar::Consumer<String, pulsar::TokioExecutor>,
    count: usize,
) -> Vec<String> {
    let messages = receive(consumer, count).await;
    for message in &messages {
        consumer.ack(message).await.expect("ack");
    }
    messages.iter().map(text).collect()
}

async fn assert_quiet(consumer: &mut pulsar::Consumer<String, pulsar::TokioExecutor>, who: &str) {
    if let Some(message) = next(consumer, QUIET).await {
        panic!("{who}: unexpected {}", text(&message));
    }
}

/// The subscription's `activeConsumerName` in the admin API's topic stats.
async fn active_consumer_name(admin: SocketAddr, topic: &str) -> serde_json::Value {
    let path = topic.replace("persistent://", "/admin/v2/persistent/");
    let (status, stats) = admin_get(admin, &format!("{path}/stats")).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = stats["subscriptions"]["sub"]["consumers"]
        .as_array()
        .expect("consumers")
        .iter()
        .filter_map(|c| c["consumerName"].as_str())
        .collect();
    assert!(!names.is_empty(), "consumers listed: {stats}");
    stats["subscriptions"]["sub"]["activeConsumerName"].clone()
}

/// Waits until the subscription's backlog is `expected`: the crate sends acks through
/// its consumer task and a CLOSE_CONSUMER straight away, so one could overtake the other.
async fn wait_backlog(admin: SocketAddr, topic: &str, expected: u64) {
    let path = topic.replace("persistent://", "/admin/v2/persistent/");
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, stats) = admin_get(admin, &format!("{path}/stats")).await;
        if stats["subscriptions"]["sub"]["msgBacklog"] == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "backlog never {expected}: {stats}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_the_ring_does_not_favour_waits_and_takes_the_unacked_messages_when_the_active_leaves(
) {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().expect("admin listener");
    let pulsar = client(broker.address()).await;
    let topic = topic("failover-0");
    let mut b = failover_consumer(&pulsar, &topic, "consumer-b").await;
    let mut c = failover_consumer(&pulsar, &topic, "consumer-c").await;
    produce(&pulsar, &topic, &numbered("first", 10), None).await;
    assert_eq!(receive_and_ack(&mut b, 10).await, numbered("first", 10));
    assert_quiet(&mut c, "c").await;
    assert_eq!(active_consumer_name(admin, &topic).await, "consumer-b");

    // a sorts first by name, but the ring keeps the topic on b.
    let mut a = failover_consumer(&pulsar, &topic, "consumer-a").await;
    produce(&pulsar, &topic, &numbered("second", 10), None).await;
    let second = receive(&mut b, 10).await;
    let texts: Vec<String> = second.iter().map(text).collect();
    assert_eq!(texts, numbered("second", 10));
    assert_quiet(&mut a, "a while b is active").await;
    assert_quiet(&mut c, "c while b is active").await;
    assert_eq!(active_consumer_name(admin, &topic).await, "consumer-b");

    // b acknowledges the first half and leaves: a (the ring's next) gets exactly the
    // other half, nothing twice, then what comes next.
    for message in &second[..5] {
        b.ack(message).await.expect("ack");
    }
    wait_backlog(admin, &topic, 5).await;
    b.close().await.expect("b closes");
    drop(b);
    assert_eq!(
        receive_and_ack(&mut a, 5).await,
        numbered("second", 10)[5..]
    );
    produce(&pulsar, &topic, &numbered("third", 3), None).await;
    assert_eq!(receive_and_ack(&mut a, 3).await, numbered("third", 3));
    assert_quiet(&mut a, "a after everything").await;
    assert_quiet(&mut c, "c after b left").await;
    assert_eq!(active_consumer_name(admin, &topic).await, "consumer-a");
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_the_ring_favours_takes_over_and_gets_what_the_previous_one_left_unacked() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().expect("admin listener");
    let pulsar = client(broker.address()).await;
    let topic = topic("failover-1");
    let mut b = failover_consumer(&pulsar, &topic, "consumer-b").await;
    let mut c = failover_consumer(&pulsar, &topic, "consumer-c").await;
    produce(&pulsar, &topic, &numbered("first", 10), None).await;
    let first = receive(&mut b, 10).await;
    for message in &first[..4] {
        b.ack(message).await.expect("ack");
    }
    wait_backlog(admin, &topic, 6).await;
    assert_quiet(&mut c, "c").await;
    assert_eq!(active_consumer_name(admin, &topic).await, "consumer-b");

    // a takes over while b stays: what b left unacknowledged goes to a, then new ones.
    let mut a = failover_consumer(&pulsar, &topic, "consumer-a").await;
    assert_eq!(receive_and_ack(&mut a, 6).await, numbered("first", 10)[4..]);
    produce(&pulsar, &topic, &numbered("second", 5), None).await;
    assert_eq!(receive_and_ack(&mut a, 5).await, numbered("second", 5));
    assert_quiet(&mut a, "a after everything").await;
    assert_quiet(&mut b, "b once a took over").await;
    assert_quiet(&mut c, "c").await;
    assert_eq!(active_consumer_name(admin, &topic).await, "consumer-a");
    broker.shutdown().await;
}
