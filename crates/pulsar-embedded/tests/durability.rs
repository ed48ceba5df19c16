//! Persistent topics and cursors survive a restart, graceful or kill -9.

mod common;

use std::{collections::BTreeSet, net::SocketAddr, time::Duration};

use common::*;
use pulsar::SubType;

/// Acks every other message of `count`, and returns the ones left unacknowledged.
async fn consume_half(address: SocketAddr, topic: &str, count: usize) -> BTreeSet<String> {
    let pulsar = client(address).await;
    let mut consumer = consumer(&pulsar, topic, "sub", SubType::Shared).await;
    let mut unacked = BTreeSet::new();
    for i in 0..count {
        let message = next(&mut consumer, WAIT).await.expect("message");
        if i % 2 == 0 {
            consumer.ack(&message).await.unwrap();
        } else {
            unacked.insert(text(&message));
        }
    }
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
