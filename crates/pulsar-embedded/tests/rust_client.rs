//! The `pulsar` crate's producers and consumers against the embedded broker.

mod common;

use std::{collections::BTreeSet, time::Duration};

use common::*;
use pulsar::{consumer::DeadLetterPolicy, SubType};

#[tokio::test]
async fn batched_messages_are_consumed_in_order_and_acked() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("in-order");
    let messages = numbered("m", 250);
    let mut consumer = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;
    produce(&pulsar, &topic, &messages, Some(50)).await;
    for expected in &messages {
        let message = next(&mut consumer, WAIT).await.expect("message");
        assert_eq!(&text(&message), expected);
        consumer.ack(&message).await.unwrap();
    }
    let (_, stats) = admin_get(
        broker.admin_address().unwrap(),
        "/admin/v2/persistent/public/default/in-order/stats",
    )
    .await;
    assert_eq!(stats["msgInCounter"], 250);
    assert_eq!(
        stats["subscriptions"]["sub"]["consumers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn the_metrics_route_counts_messages_in_and_out_and_the_backlog_under_pulsars_names() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("medido");
    let mut consumer = consumer(&pulsar, &topic, "lenta", SubType::Exclusive).await;
    produce(&pulsar, &topic, &numbered("m", 10), None).await;
    for _ in 0..4 {
        let message = next(&mut consumer, WAIT).await.expect("message");
        consumer.ack(&message).await.unwrap();
    }
    let admin = broker.admin_address().unwrap();
    let metrics = wait_for_metrics(admin, |text| {
        text.contains(r#"pulsar_msg_backlog{topic="persistent://public/default/medido",subscription="lenta"} 6"#)
    })
    .await;
    let t = r#"{topic="persistent://public/default/medido"}"#;
    assert!(
        metrics.contains(&format!("pulsar_in_messages_total{t} 10")),
        "{metrics}"
    );
    assert!(
        metrics.contains("# TYPE pulsar_msg_backlog gauge"),
        "{metrics}"
    );
    // Each family's samples come together, after its one TYPE line.
    let families: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("# TYPE"))
        .collect();
    let unique: BTreeSet<&&str> = families.iter().collect();
    assert_eq!(families.len(), unique.len(), "{metrics}");
    broker.shutdown().await;
}

/// The admin listener's `/metrics` text once `ready` holds (acks are applied a moment
/// after they are sent), or the last text after 10 s.
async fn wait_for_metrics(admin: std::net::SocketAddr, ready: impl Fn(&str) -> bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut stream = tokio::net::TcpStream::connect(admin).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nhost: test\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("content-type: text/plain"), "{response}");
        let text = response
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        if ready(&text) || tokio::time::Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_consumers_on_a_shared_subscription_receive_disjoint_sets_covering_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("shared");
    let mut a = consumer(&pulsar, &topic, "sub", SubType::Shared).await;
    let mut b = consumer(&pulsar, &topic, "sub", SubType::Shared).await;
    let messages = numbered("m", 200);
    produce(&pulsar, &topic, &messages, None).await;
    let (mut seen_a, mut seen_b) = (BTreeSet::new(), BTreeSet::new());
    while seen_a.len() + seen_b.len() < messages.len() {
        tokio::select! {
            Some(m) = next(&mut a, WAIT) => { a.ack(&m).await.unwrap(); assert!(seen_a.insert(text(&m))); }
            Some(m) = next(&mut b, WAIT) => { b.ack(&m).await.unwrap(); assert!(seen_b.insert(text(&m))); }
            else => panic!("messages missing"),
        }
    }
    assert!(seen_a.is_disjoint(&seen_b));
    assert!(!seen_a.is_empty() && !seen_b.is_empty());
    let all: BTreeSet<String> = seen_a.union(&seen_b).cloned().collect();
    assert_eq!(all, messages.into_iter().collect());
    broker.shutdown().await;
}

#[tokio::test]
async fn an_exclusive_subscription_refuses_a_second_consumer() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("exclusive");
    let _first = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;
    let second = pulsar
        .consumer()
        .with_topic(&topic)
        .with_subscription("sub")
        .with_subscription_type(SubType::Exclusive)
        .build::<String>()
        .await;
    let error = second.err().expect("second consumer refused").to_string();
    assert!(error.contains("ConsumerBusy"), "{error}");
    broker.shutdown().await;
}

#[tokio::test]
async fn a_negatively_acknowledged_message_comes_back_with_a_higher_redelivery_count() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("nack");
    let mut consumer = consumer(&pulsar, &topic, "sub", SubType::Shared).await;
    produce(&pulsar, &topic, &numbered("m", 1), None).await;
    let first = next(&mut consumer, WAIT).await.expect("delivered");
    consumer.nack(&first).await.unwrap();
    let again = next(&mut consumer, WAIT).await.expect("redelivered");
    assert_eq!(text(&again), "m-0000");
    assert_eq!(again.message_id().entry_id, first.message_id().entry_id);
    consumer.ack(&again).await.unwrap();
    assert!(next(&mut consumer, Duration::from_millis(500))
        .await
        .is_none());
    broker.shutdown().await;
}

#[tokio::test]
async fn messages_held_by_a_crashed_consumer_go_to_the_remaining_consumer() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let topic = topic("crash");
    let relay = Relay::start(broker.address()).await;
    let doomed_client = client(relay.address).await;
    let mut doomed = consumer(&doomed_client, &topic, "sub", SubType::Shared).await;
    let pulsar = client(broker.address()).await;
    let messages = numbered("m", 20);
    produce(&pulsar, &topic, &messages, None).await;
    // The doomed consumer takes everything (its permits cover it) and acks nothing.
    let mut held = BTreeSet::new();
    while let Some(m) = next(&mut doomed, Duration::from_secs(2)).await {
        held.insert(text(&m));
        if held.len() == messages.len() {
            break;
        }
    }
    assert!(!held.is_empty());
    let mut survivor = consumer(&pulsar, &topic, "sub", SubType::Shared).await;
    relay.cut();
    let mut received = BTreeSet::new();
    while received.len() < messages.len() {
        let m = next(&mut survivor, WAIT)
            .await
            .expect("redelivered message");
        survivor.ack(&m).await.unwrap();
        received.insert(text(&m));
    }
    assert!(held.is_subset(&received));
    drop(doomed);
    broker.shutdown().await;
}

#[tokio::test]
async fn a_cumulative_ack_acknowledges_every_earlier_message() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("cumulative");
    let messages = numbered("m", 10);
    produce(&pulsar, &topic, &messages, None).await;
    let mut first = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;
    let mut last = None;
    for _ in 0..6 {
        last = next(&mut first, WAIT).await;
    }
    first
        .cumulative_ack(&last.expect("six messages"))
        .await
        .unwrap();
    first.close().await.unwrap();
    let mut second = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;
    for expected in &messages[6..] {
        assert_eq!(
            &text(&next(&mut second, WAIT).await.expect("message")),
            expected
        );
    }
    broker.shutdown().await;
}

#[tokio::test]
async fn a_message_redelivered_too_often_goes_to_the_dead_letter_topic() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("poison");
    let dlq = topic.clone() + "-DLQ";
    let mut dead = consumer(&pulsar, &dlq, "dlq-sub", SubType::Shared).await;
    let mut consumer = pulsar
        .consumer()
        .with_topic(&topic)
        .with_subscription("sub")
        .with_subscription_type(SubType::Shared)
        .with_dead_letter_policy(DeadLetterPolicy {
            max_redeliver_count: 2,
            dead_letter_topic: dlq.clone(),
        })
        .build::<String>()
        .await
        .unwrap();
    produce(&pulsar, &topic, &["poison".to_string()], None).await;
    for _ in 0..2 {
        let m = next(&mut consumer, WAIT).await.expect("delivered");
        consumer.nack(&m).await.unwrap();
    }
    let dead_letter = next(&mut dead, WAIT).await.expect("dead letter");
    assert_eq!(text(&dead_letter), "poison");
    assert!(next(&mut consumer, Duration::from_millis(500))
        .await
        .is_none());
    broker.shutdown().await;
}

#[tokio::test]
async fn a_producer_reconnects_after_the_broker_restarts_on_the_same_port() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let address = broker.address();
    let pulsar = client(address).await;
    let topic = topic("reconnect");
    // The subscription exists first: without one, the default retention keeps nothing
    // past the segment a restart closes (as with Apache Pulsar).
    consumer(&pulsar, &topic, "sub", SubType::Exclusive)
        .await
        .close()
        .await
        .unwrap();
    let mut producer = pulsar.producer().with_topic(&topic).build().await.unwrap();
    producer
        .send_non_blocking("before".to_string())
        .await
        .unwrap()
        .await
        .unwrap();
    broker.shutdown().await;
    let broker = pulsar_embedded::start(pulsar_embedded::Config::new(address, dir.path()))
        .await
        .unwrap();
    let receipt = tokio::time::timeout(WAIT * 3, async {
        producer.send_non_blocking("after".to_string()).await?.await
    })
    .await
    .expect("sent after restart");
    receipt.unwrap();
    let mut consumer = consumer(&pulsar, &topic, "sub", SubType::Exclusive).await;
    let texts = [
        text(&next(&mut consumer, WAIT).await.unwrap()),
        text(&next(&mut consumer, WAIT).await.unwrap()),
    ];
    assert_eq!(texts, ["before", "after"]);
    broker.shutdown().await;
}

#[tokio::test]
async fn an_exclusive_producer_keeps_others_out_until_it_closes() {
    use pulsar::message::proto::ProducerAccessMode;
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let pulsar = client(broker.address()).await;
    let topic = topic("exclusivo");
    let producer = |mode: ProducerAccessMode| {
        pulsar
            .producer()
            .with_topic(&topic)
            .with_options(pulsar::ProducerOptions {
                access_mode: Some(mode as i32),
                ..Default::default()
            })
            .build()
    };
    let mut first = producer(ProducerAccessMode::Exclusive)
        .await
        .expect("the first one");
    assert!(
        producer(ProducerAccessMode::Shared).await.is_err(),
        "a shared one beside it"
    );
    assert!(
        producer(ProducerAccessMode::Exclusive).await.is_err(),
        "a second exclusive one"
    );
    first.close().await.unwrap();
    let mut second = producer(ProducerAccessMode::Shared)
        .await
        .expect("once it is gone");
    second
        .send_non_blocking(pulsar::producer::Message {
            payload: b"libre".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .await
        .unwrap();
    broker.shutdown().await;
}
