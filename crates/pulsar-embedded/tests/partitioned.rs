//! Partitioned topics: the admin API, PARTITIONED_METADATA, and the `pulsar` crate producing
//! to and consuming from every partition through the partitioned name.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    net::SocketAddr,
    time::Duration,
};

use common::*;
use pulsar::{message::proto, routing_policy::RoutingPolicy, ProducerOptions, SubType};

const BASE: &str = "/admin/v2/persistent/public/default";

/// The partition count PARTITIONED_METADATA answers for `topic`.
async fn partitioned_metadata(address: SocketAddr, topic: &str) -> u32 {
    let mut raw = RawClient::connect(address).await;
    raw.send(command(
        proto::base_command::Type::PartitionedMetadata,
        |c| {
            c.partition_metadata = Some(proto::CommandPartitionedTopicMetadata {
                topic: topic.into(),
                request_id: 1,
                ..Default::default()
            })
        },
    ))
    .await;
    let response = raw
        .recv()
        .await
        .expect("PARTITIONED_METADATA_RESPONSE")
        .command
        .partition_metadata_response
        .expect("a partitioned metadata response");
    assert_eq!(
        response.response,
        Some(proto::command_partitioned_topic_metadata_response::LookupType::Success as i32)
    );
    response.partitions.expect("a partition count")
}

async fn partitions_of(admin: SocketAddr, local: &str) -> (u16, serde_json::Value) {
    admin_get(admin, &format!("{BASE}/{local}/partitions")).await
}

async fn topic_list(admin: SocketAddr) -> Vec<String> {
    let (status, list) = admin_get(admin, BASE).await;
    assert_eq!(status, 200);
    serde_json::from_value(list).expect("a list of names")
}

#[tokio::test]
async fn partitioned_topics_are_created_updated_listed_and_deleted_through_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let path = format!("{BASE}/pedidos/partitions");

    // Create: 204, then 409 for the same name; refusals for bad counts and names.
    assert_eq!(admin_request(admin, "PUT", &path, Some("3")).await.0, 204);
    assert_eq!(admin_request(admin, "PUT", &path, Some("3")).await.0, 409);
    for (body, status) in [("0", 406), ("-2", 406), ("100000", 406), ("\"x\"", 400)] {
        let other = format!("{BASE}/otro/partitions");
        let (got, reason) = admin_request(admin, "PUT", &other, Some(body)).await;
        assert_eq!(got, status, "body {body}: {reason}");
    }
    let (status, _) = admin_request(
        admin,
        "PUT",
        &format!("{BASE}/x-partition-1/partitions"),
        Some("2"),
    )
    .await;
    assert_eq!(status, 412);
    let (status, _) = admin_request(
        admin,
        "PUT",
        "/admin/v2/persistent/public/nadie/t/partitions",
        Some("2"),
    )
    .await;
    assert_eq!(status, 404);
    // A non-partitioned topic's name is taken, and a partitioned one's cannot be made plain.
    assert_eq!(
        admin_request(admin, "PUT", &format!("{BASE}/plano"), None)
            .await
            .0,
        204
    );
    let plain_partitions = format!("{BASE}/plano/partitions");
    assert_eq!(
        admin_request(admin, "PUT", &plain_partitions, Some("2"))
            .await
            .0,
        409
    );
    assert_eq!(
        admin_request(admin, "PUT", &format!("{BASE}/pedidos"), None)
            .await
            .0,
        409
    );

    // Get and list; the partitions are created with the topic.
    assert_eq!(
        partitions_of(admin, "pedidos").await,
        (200, serde_json::json!({"partitions": 3}))
    );
    assert_eq!(partitions_of(admin, "plano").await.1["partitions"], 0);
    let (status, partitioned) = admin_get(admin, &format!("{BASE}/partitioned")).await;
    assert_eq!(status, 200);
    assert_eq!(
        partitioned,
        serde_json::json!(["persistent://public/default/pedidos"])
    );
    let topics = topic_list(admin).await;
    for i in 0..3 {
        assert!(
            topics.contains(&topic(&format!("pedidos-partition-{i}"))),
            "{topics:?}"
        );
    }

    // Update: only upwards; not on a plain or unknown topic.
    assert_eq!(admin_request(admin, "POST", &path, Some("2")).await.0, 409);
    assert_eq!(admin_request(admin, "POST", &path, Some("3")).await.0, 409);
    assert_eq!(admin_request(admin, "POST", &path, Some("5")).await.0, 204);
    assert_eq!(partitions_of(admin, "pedidos").await.1["partitions"], 5);
    assert!(topic_list(admin)
        .await
        .contains(&topic("pedidos-partition-4")));
    assert_eq!(
        admin_request(admin, "POST", &plain_partitions, Some("4"))
            .await
            .0,
        409
    );
    assert_eq!(
        admin_request(admin, "POST", &format!("{BASE}/nada/partitions"), Some("4"))
            .await
            .0,
        404
    );

    // Delete: refused while a partition has a producer, then forced.
    let mut raw = RawClient::connect(broker.address()).await;
    raw.create_producer(&topic("pedidos-partition-1"), 1, None)
        .await;
    let (status, reason) = admin_request(admin, "DELETE", &path, None).await;
    assert_eq!(status, 412, "{reason}");
    assert_eq!(partitions_of(admin, "pedidos").await.1["partitions"], 5);
    assert_eq!(
        admin_request(admin, "DELETE", &format!("{path}?force=true"), None)
            .await
            .0,
        204
    );
    drop(raw);
    assert_eq!(partitions_of(admin, "pedidos").await.1["partitions"], 0);
    assert_eq!(
        admin_get(admin, &format!("{BASE}/partitioned")).await.1,
        serde_json::json!([])
    );
    assert!(!topic_list(admin)
        .await
        .iter()
        .any(|t| t.contains("pedidos")));
    assert_eq!(admin_request(admin, "DELETE", &path, None).await.0, 404);
    broker.shutdown().await;
}

#[tokio::test]
async fn partitioned_metadata_is_stored_durably_and_answered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(
        admin_request(
            admin,
            "PUT",
            &format!("{BASE}/vuelos/partitions"),
            Some("4")
        )
        .await
        .0,
        204
    );
    assert_eq!(
        partitioned_metadata(broker.address(), &topic("vuelos")).await,
        4
    );
    // A name never created, and a partition itself, are not partitioned.
    assert_eq!(partitioned_metadata(broker.address(), "nuevo").await, 0);
    assert_eq!(
        partitioned_metadata(broker.address(), &topic("vuelos-partition-0")).await,
        0
    );
    broker.shutdown().await;

    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(partitioned_metadata(broker.address(), "vuelos").await, 4);
    assert_eq!(partitions_of(admin, "vuelos").await.1["partitions"], 4);
    assert_eq!(
        admin_get(admin, &format!("{BASE}/partitioned")).await.1,
        serde_json::json!(["persistent://public/default/vuelos"])
    );
    broker.shutdown().await;
}

/// Sends `per_key` messages for each of `keys` keys (`k{key}:{seq}`), interleaved, plus
/// `unkeyed` messages without a key (round-robin).
async fn produce_keyed(
    pulsar: &pulsar::Pulsar<pulsar::TokioExecutor>,
    topic: &str,
    keys: usize,
    per_key: usize,
    unkeyed: usize,
) {
    let mut producer = pulsar
        .producer()
        .with_topic(topic)
        .with_options(ProducerOptions {
            // Hash the key to pick the partition (the crate's default ignores keys).
            routing_policy: Some(RoutingPolicy::RoundRobin),
            // Many sends in flight outrun the client's queue under load: wait for room
            // rather than fail with SlowDown.
            block_queue_if_full: true,
            ..Default::default()
        })
        .build()
        .await
        .expect("partitioned producer created");
    let mut receipts = Vec::new();
    for seq in 0..per_key {
        for key in 0..keys {
            receipts.push(
                producer
                    .create_message()
                    .with_key(format!("k{key}"))
                    .with_content(format!("k{key}:{seq:04}"))
                    .send_non_blocking()
                    .await
                    .expect("send queued"),
            );
        }
    }
    for i in 0..unkeyed {
        receipts.push(
            producer
                .send_non_blocking(format!("sin-clave:{i:04}"))
                .await
                .expect("send queued"),
        );
    }
    for receipt in receipts {
        receipt.await.expect("send receipt");
    }
    producer.close().await.expect("producer closed");
}

/// Checks that every keyed message of one key came in sequence order.
fn assert_per_key_order(received: &[String]) {
    let mut last: BTreeMap<&str, &str> = BTreeMap::new();
    for message in received {
        let (key, seq) = message.split_once(':').expect("key:seq");
        if key == "sin-clave" {
            continue;
        }
        if let Some(previous) = last.insert(key, seq) {
            assert!(previous < seq, "{key}: {seq} after {previous}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_client_produces_by_key_to_every_partition_and_consumes_them_all_once_in_key_order(
) {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(
        admin_request(
            admin,
            "PUT",
            &format!("{BASE}/reservas/partitions"),
            Some("3")
        )
        .await
        .0,
        204
    );
    let name = topic("reservas");
    let pulsar = client(broker.address()).await;
    let mut consumer = consumer(&pulsar, &name, "sub", SubType::Exclusive).await;
    assert_eq!(consumer.topics().len(), 3, "{:?}", consumer.topics());
    produce_keyed(&pulsar, &name, 6, 25, 30).await;

    let mut received = Vec::new();
    let mut partition_of_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while received.len() < 180 {
        let message = next(&mut consumer, WAIT).await.expect("message");
        consumer.ack(&message).await.unwrap();
        if let Some(key) = message.key() {
            partition_of_key
                .entry(key)
                .or_default()
                .insert(message.topic.clone());
        }
        received.push(text(&message));
    }
    assert!(next(&mut consumer, Duration::from_millis(500))
        .await
        .is_none());
    let unique: BTreeSet<&String> = received.iter().collect();
    assert_eq!(unique.len(), 180, "a message was delivered twice");
    assert_per_key_order(&received);
    assert!(
        partition_of_key.values().all(|topics| topics.len() == 1),
        "a key went to several partitions: {partition_of_key:?}"
    );

    let (status, stats) = admin_get(admin, &format!("{BASE}/reservas/partitioned-stats")).await;
    assert_eq!(status, 200);
    assert_eq!(stats["metadata"]["partitions"], 3);
    assert_eq!(stats["msgInCounter"], 180);
    for i in 0..3 {
        let partition = &stats["partitions"][topic(&format!("reservas-partition-{i}"))];
        // Round-robin spreads the unkeyed messages over every partition.
        assert!(
            partition["msgInCounter"].as_u64().unwrap() >= 10,
            "{partition}"
        );
    }
    // Each partition keeps its own stats.
    let (_, one) = admin_get(admin, &format!("{BASE}/reservas-partition-0/stats")).await;
    assert_eq!(
        one["msgInCounter"],
        stats["partitions"][topic("reservas-partition-0")]["msgInCounter"]
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_a_partitioned_subscription_resumes_where_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    // The metadata is made through the admin API of an in-process broker, then served
    // by the binary from the same data directory.
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(
        admin_request(admin, "PUT", &format!("{BASE}/pagos/partitions"), Some("3"))
            .await
            .0,
        204
    );
    broker.shutdown().await;

    let name = topic("pagos");
    let broker = Process::start(dir.path());
    let pulsar = client(broker.1).await;
    produce_keyed(&pulsar, &name, 4, 15, 0).await;
    let mut subscriber = consumer(&pulsar, &name, "sub", SubType::Shared).await;
    let mut unacked = BTreeSet::new();
    for i in 0..60 {
        let message = next(&mut subscriber, WAIT).await.expect("message");
        if i % 2 == 0 {
            subscriber.ack(&message).await.unwrap();
        } else {
            unacked.insert(text(&message));
        }
    }
    // Acks carry no receipt with this client: give the group commit a moment, then kill
    // the broker with the consumer still attached.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(broker);
    drop(subscriber);
    drop(pulsar);

    let broker = Process::start(dir.path());
    assert_eq!(partitioned_metadata(broker.1, &name).await, 3);
    let pulsar = client(broker.1).await;
    let mut consumer = consumer(&pulsar, &name, "sub", SubType::Shared).await;
    let mut received = BTreeSet::new();
    while let Some(message) = next(&mut consumer, Duration::from_secs(2)).await {
        assert!(received.insert(text(&message)), "delivered twice");
    }
    assert_eq!(received, unacked);
}
