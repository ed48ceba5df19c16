//! The admin REST API (v2): health, tenants, namespaces and topics, with Apache Pulsar's
//! status codes and error bodies, kept across restarts; and the binary protocol refusing
//! topics of namespaces that do not exist.

mod common;

use std::net::SocketAddr;

use common::*;
use pulsar::message::proto;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

/// The `reason` of an error body.
fn reason(body: &str) -> String {
    json(body)["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("no reason in {body:?}"))
        .to_string()
}

async fn get(admin: SocketAddr, path: &str) -> (u16, String) {
    admin_request(admin, "GET", path, None).await
}

async fn put(admin: SocketAddr, path: &str, body: Option<&str>) -> u16 {
    admin_request(admin, "PUT", path, body).await.0
}

async fn delete(admin: SocketAddr, path: &str) -> (u16, String) {
    admin_request(admin, "DELETE", path, None).await
}

#[tokio::test]
async fn the_health_check_answers_ok_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(
        get(admin, "/admin/v2/brokers/health").await,
        (200, "ok".to_string())
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn public_default_and_standalone_namespaces_exist_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (status, tenants) = get(admin, "/admin/v2/tenants").await;
    assert_eq!(status, 200);
    assert_eq!(json(&tenants), serde_json::json!(["public", "pulsar"]));
    let (status, namespaces) = get(admin, "/admin/v2/namespaces/public").await;
    assert_eq!(status, 200);
    assert!(json(&namespaces)
        .as_array()
        .unwrap()
        .contains(&"public/default".into()));
    let (status, policies) = get(admin, "/admin/v2/namespaces/public/default/policies").await;
    assert_eq!(status, 200);
    assert!(json(&policies).is_object(), "{policies}");
    broker.shutdown().await;
}

#[tokio::test]
async fn tenants_are_created_read_listed_and_deleted_with_apaches_status_codes() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let body = r#"{"adminRoles":["ops"],"allowedClusters":["standalone"]}"#;
    assert_eq!(put(admin, "/admin/v2/tenants/acme", Some(body)).await, 204);
    let (status, again) = admin_request(admin, "PUT", "/admin/v2/tenants/acme", Some(body)).await;
    assert_eq!(status, 409);
    assert_eq!(reason(&again), "Tenant already exists");
    // Without a body: Apache's defaults.
    assert_eq!(put(admin, "/admin/v2/tenants/bare", None).await, 204);

    let (status, info) = get(admin, "/admin/v2/tenants/acme").await;
    assert_eq!(status, 200);
    assert_eq!(json(&info), json(body));
    let (_, bare) = get(admin, "/admin/v2/tenants/bare").await;
    assert_eq!(
        json(&bare),
        serde_json::json!({"adminRoles": [], "allowedClusters": ["standalone"]})
    );
    let (_, tenants) = get(admin, "/admin/v2/tenants").await;
    assert_eq!(
        json(&tenants),
        serde_json::json!(["acme", "bare", "public", "pulsar"])
    );

    let (status, missing) = get(admin, "/admin/v2/tenants/nobody").await;
    assert_eq!(
        (status, reason(&missing).as_str()),
        (404, "Tenant does not exist")
    );
    let (status, _) = admin_request(admin, "PUT", "/admin/v2/tenants/x", Some("{not json")).await;
    assert_eq!(status, 400);
    let (status, _) = admin_request(
        admin,
        "PUT",
        "/admin/v2/tenants/x",
        Some(r#"{"allowedClusters":["elsewhere"]}"#),
    )
    .await;
    assert_eq!(status, 412);
    assert_eq!(put(admin, "/admin/v2/tenants/bad%20name", None).await, 412);

    // A tenant with namespaces stays.
    assert_eq!(
        put(admin, "/admin/v2/namespaces/acme/pedidos", None).await,
        204
    );
    let (status, busy) = delete(admin, "/admin/v2/tenants/acme").await;
    assert_eq!(
        (status, reason(&busy).as_str()),
        (409, "The tenant still has active namespaces")
    );
    assert_eq!(
        delete(admin, "/admin/v2/namespaces/acme/pedidos").await.0,
        204
    );
    assert_eq!(delete(admin, "/admin/v2/tenants/acme").await.0, 204);
    assert_eq!(get(admin, "/admin/v2/tenants/acme").await.0, 404);
    assert_eq!(delete(admin, "/admin/v2/tenants/acme").await.0, 404);
    broker.shutdown().await;
}

#[tokio::test]
async fn namespaces_are_created_listed_and_deleted_with_apaches_status_codes() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (status, missing_tenant) =
        admin_request(admin, "PUT", "/admin/v2/namespaces/acme/ns", None).await;
    assert_eq!(
        (status, reason(&missing_tenant).as_str()),
        (404, "Tenant does not exist")
    );
    assert_eq!(get(admin, "/admin/v2/namespaces/acme").await.0, 404);

    assert_eq!(put(admin, "/admin/v2/tenants/acme", None).await, 204);
    assert_eq!(put(admin, "/admin/v2/namespaces/acme/ns", None).await, 204);
    // Policies in the body are accepted (and not applied).
    assert_eq!(
        put(
            admin,
            "/admin/v2/namespaces/acme/other",
            Some(r#"{"replication_clusters":["standalone"]}"#)
        )
        .await,
        204
    );
    let (status, exists) = admin_request(admin, "PUT", "/admin/v2/namespaces/acme/ns", None).await;
    assert_eq!(
        (status, reason(&exists).as_str()),
        (409, "Namespace already exists")
    );

    let (status, list) = get(admin, "/admin/v2/namespaces/acme").await;
    assert_eq!(status, 200);
    assert_eq!(json(&list), serde_json::json!(["acme/ns", "acme/other"]));
    for path in [
        "/admin/v2/namespaces/acme/ns",
        "/admin/v2/namespaces/acme/ns/policies",
    ] {
        let (status, policies) = get(admin, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            json(&policies)["replication_clusters"],
            serde_json::json!(["standalone"])
        );
    }
    let (status, topics) = get(admin, "/admin/v2/namespaces/acme/ns/topics").await;
    assert_eq!((status, json(&topics)), (200, serde_json::json!([])));

    let (status, gone) = get(admin, "/admin/v2/namespaces/acme/nothere/policies").await;
    assert_eq!(
        (status, reason(&gone).as_str()),
        (404, "Namespace does not exist")
    );
    assert_eq!(
        get(admin, "/admin/v2/namespaces/acme/nothere/topics")
            .await
            .0,
        404
    );

    assert_eq!(delete(admin, "/admin/v2/namespaces/acme/ns").await.0, 204);
    assert_eq!(delete(admin, "/admin/v2/namespaces/acme/ns").await.0, 404);
    let (_, list) = get(admin, "/admin/v2/namespaces/acme").await;
    assert_eq!(json(&list), serde_json::json!(["acme/other"]));
    broker.shutdown().await;
}

#[tokio::test]
async fn topics_are_created_listed_and_deleted_through_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(put(admin, "/admin/v2/tenants/acme", None).await, 204);
    assert_eq!(put(admin, "/admin/v2/namespaces/acme/ns", None).await, 204);

    assert_eq!(
        put(admin, "/admin/v2/persistent/acme/ns/pedidos", None).await,
        204
    );
    let (status, exists) =
        admin_request(admin, "PUT", "/admin/v2/persistent/acme/ns/pedidos", None).await;
    assert_eq!(
        (status, reason(&exists).as_str()),
        (409, "This topic already exists")
    );
    assert_eq!(
        put(admin, "/admin/v2/persistent/acme/nothere/t", None).await,
        404
    );
    assert_eq!(
        put(admin, "/admin/v2/persistent/acme/ns/libre", None).await,
        204
    );

    let expected =
        serde_json::json!(["persistent://acme/ns/libre", "persistent://acme/ns/pedidos"]);
    let (status, list) = get(admin, "/admin/v2/persistent/acme/ns").await;
    assert_eq!((status, json(&list)), (200, expected.clone()));
    let (_, list) = get(admin, "/admin/v2/namespaces/acme/ns/topics").await;
    assert_eq!(json(&list), expected);
    assert_eq!(get(admin, "/admin/v2/persistent/acme/nothere").await.0, 404);

    // A namespace with topics stays.
    let (status, busy) = delete(admin, "/admin/v2/namespaces/acme/ns").await;
    assert_eq!(
        (status, reason(&busy).as_str()),
        (409, "Cannot delete non empty namespace")
    );

    // A topic with a producer is deleted only by force.
    let mut raw = RawClient::connect(broker.address()).await;
    raw.create_producer("persistent://acme/ns/pedidos", 1, None)
        .await;
    let (status, busy) = delete(admin, "/admin/v2/persistent/acme/ns/pedidos").await;
    assert_eq!(
        (status, reason(&busy).as_str()),
        (412, "Topic has active producers/subscriptions")
    );
    assert_eq!(
        delete(admin, "/admin/v2/persistent/acme/ns/pedidos?force=true")
            .await
            .0,
        204
    );
    // The producer is told it is closed, and a send without reconnecting fails instead
    // of vanishing.
    let closed = raw.recv().await.expect("a CLOSE_PRODUCER");
    assert_eq!(
        closed.command.close_producer.map(|c| c.producer_id),
        Some(1),
        "{:?}",
        closed.command
    );
    raw.send_message(RawClient::send_frame(1, "p", 0, b"late"))
        .await;
    let reply = raw.recv().await.expect("an answer to the send");
    assert!(reply.command.send_error.is_some(), "{:?}", reply.command);

    let (status, empty) = get(admin, "/admin/v2/persistent/acme/ns/libre/lastMessageId").await;
    assert_eq!(status, 200);
    assert_eq!(json(&empty)["entryId"], -1);
    let pulsar = client(broker.address()).await;
    produce(
        &pulsar,
        "persistent://acme/ns/libre",
        &numbered("m", 3),
        None,
    )
    .await;
    let (_, last) = get(admin, "/admin/v2/persistent/acme/ns/libre/lastMessageId").await;
    assert_eq!(json(&last)["entryId"], 2, "{last}");
    assert_eq!(
        get(admin, "/admin/v2/persistent/acme/ns/nada/lastMessageId")
            .await
            .0,
        404
    );
    assert_eq!(
        delete(admin, "/admin/v2/persistent/acme/ns/libre").await.0,
        204
    );
    assert_eq!(
        delete(admin, "/admin/v2/persistent/acme/ns/libre").await.0,
        404
    );
    assert!(!dir.path().join("topics/acme/ns/libre").exists());
    let (_, list) = get(admin, "/admin/v2/persistent/acme/ns").await;
    assert_eq!(json(&list), serde_json::json!([]));
    assert_eq!(delete(admin, "/admin/v2/namespaces/acme/ns").await.0, 204);
    broker.shutdown().await;
}

#[tokio::test]
async fn unsupported_methods_unknown_paths_and_oversized_bodies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (status, body) = admin_request(admin, "POST", "/admin/v2/tenants", None).await;
    assert_eq!(status, 405);
    assert!(json(&body)["reason"].is_string());
    assert_eq!(
        admin_request(admin, "PATCH", "/admin/v2/tenants/public", None)
            .await
            .0,
        405
    );
    assert_eq!(
        admin_request(admin, "DELETE", "/metrics", None).await.0,
        405
    );
    let (status, body) = get(admin, "/admin/v2/nothing/here").await;
    assert_eq!(status, 404);
    assert!(json(&body)["reason"].is_string());
    let huge = format!(r#"{{"adminRoles":["{}"]}}"#, "x".repeat(2 * 1024 * 1024));
    assert_eq!(put(admin, "/admin/v2/tenants/big", Some(&huge)).await, 413);
    assert_eq!(get(admin, "/admin/v2/tenants/big").await.0, 404);
    broker.shutdown().await;
}

#[tokio::test]
async fn tenants_namespaces_and_stored_topics_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(
        put(
            admin,
            "/admin/v2/tenants/acme",
            Some(r#"{"adminRoles":["ops"]}"#)
        )
        .await,
        204
    );
    assert_eq!(put(admin, "/admin/v2/namespaces/acme/ns", None).await, 204);
    assert_eq!(
        delete(admin, "/admin/v2/namespaces/public/functions")
            .await
            .0,
        204
    );
    let pulsar = client(broker.address()).await;
    produce(
        &pulsar,
        "persistent://acme/ns/guardado",
        &numbered("m", 3),
        None,
    )
    .await;
    drop(pulsar);
    broker.shutdown().await;

    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (_, info) = get(admin, "/admin/v2/tenants/acme").await;
    assert_eq!(json(&info)["adminRoles"], serde_json::json!(["ops"]));
    let (_, namespaces) = get(admin, "/admin/v2/namespaces/acme").await;
    assert_eq!(json(&namespaces), serde_json::json!(["acme/ns"]));
    let (_, public) = get(admin, "/admin/v2/namespaces/public").await;
    assert_eq!(json(&public), serde_json::json!(["public/default"]));
    // Listed from disk: nothing loaded it since the restart.
    let (_, topics) = get(admin, "/admin/v2/namespaces/acme/ns/topics").await;
    assert_eq!(
        json(&topics),
        serde_json::json!(["persistent://acme/ns/guardado"])
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn the_protocol_refuses_unknown_namespaces_until_the_admin_api_creates_them() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let unknown = "persistent://acme/ns/pedidos";

    // LOOKUP: Apache's answer for a namespace without policies.
    let mut raw = RawClient::connect(broker.address()).await;
    raw.send(command(proto::base_command::Type::Lookup, |c| {
        c.lookup_topic = Some(proto::CommandLookupTopic {
            topic: unknown.into(),
            request_id: 1,
            ..Default::default()
        })
    }))
    .await;
    let lookup = raw
        .recv()
        .await
        .unwrap()
        .command
        .lookup_topic_response
        .unwrap();
    assert_eq!(
        lookup.response,
        Some(proto::command_lookup_topic_response::LookupType::Failed as i32)
    );
    assert_eq!(lookup.error, Some(proto::ServerError::MetadataError as i32));
    assert_eq!(lookup.message.as_deref(), Some("Namespace not found"));

    // PARTITIONED_METADATA, which clients ask first: an error they do not retry.
    raw.send(command(
        proto::base_command::Type::PartitionedMetadata,
        |c| {
            c.partition_metadata = Some(proto::CommandPartitionedTopicMetadata {
                topic: unknown.into(),
                request_id: 4,
                ..Default::default()
            })
        },
    ))
    .await;
    let metadata = raw
        .recv()
        .await
        .unwrap()
        .command
        .partition_metadata_response
        .unwrap();
    assert_eq!(
        metadata.error,
        Some(proto::ServerError::TopicNotFound as i32)
    );
    assert_eq!(metadata.message.as_deref(), Some("Namespace not found"));

    // PRODUCER and SUBSCRIBE sent without a lookup.
    raw.send(command(proto::base_command::Type::Producer, |c| {
        c.producer = Some(proto::CommandProducer {
            topic: unknown.into(),
            producer_id: 1,
            request_id: 2,
            ..Default::default()
        })
    }))
    .await;
    let error = raw.recv().await.unwrap().command.error.expect("an ERROR");
    assert_eq!(error.error, proto::ServerError::TopicNotFound as i32);
    raw.send(command(proto::base_command::Type::Subscribe, |c| {
        c.subscribe = Some(proto::CommandSubscribe {
            topic: unknown.into(),
            subscription: "s".into(),
            consumer_id: 1,
            request_id: 3,
            ..Default::default()
        })
    }))
    .await;
    let error = raw.recv().await.unwrap().command.error.expect("an ERROR");
    assert_eq!(error.error, proto::ServerError::TopicNotFound as i32);
    assert!(!dir.path().join("topics/acme").exists());

    // The Rust client gives up on it, while public/default works as always.
    let pulsar = client(broker.address()).await;
    let refused = tokio::time::timeout(WAIT, pulsar.producer().with_topic(unknown).build()).await;
    assert!(matches!(refused, Ok(Err(_))), "producer not refused");
    produce(&pulsar, &topic("siempre"), &numbered("m", 2), None).await;

    // Once created, the namespace serves.
    assert_eq!(put(admin, "/admin/v2/tenants/acme", None).await, 204);
    assert_eq!(put(admin, "/admin/v2/namespaces/acme/ns", None).await, 204);
    produce(&pulsar, unknown, &numbered("m", 2), None).await;
    let mut consumer = consumer(&pulsar, unknown, "s", pulsar::SubType::Exclusive).await;
    let first = next(&mut consumer, WAIT).await.expect("a message");
    assert_eq!(text(&first), "m-0000");
    broker.shutdown().await;
}

/// As Apache Pulsar's forced deletion: producers and consumers are closed, their clients
/// reconnect and go on with a new, empty topic of the same name.
#[tokio::test]
async fn a_forced_deletion_disconnects_clients_which_go_on_with_a_new_topic() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    let topic = topic("forced");
    let mut consumer = consumer(&pulsar, &topic, "sub", pulsar::SubType::Shared).await;
    let mut producer = pulsar.producer().with_topic(&topic).build().await.unwrap();
    producer
        .send_non_blocking("before".to_string())
        .await
        .unwrap()
        .await
        .unwrap();
    let before = next(&mut consumer, WAIT).await.expect("before");
    consumer.ack(&before).await.unwrap();
    producer
        .send_non_blocking("unread".to_string())
        .await
        .unwrap()
        .await
        .unwrap();

    let (status, _) = delete(
        admin,
        "/admin/v2/persistent/public/default/forced?force=true",
    )
    .await;
    assert_eq!(status, 204);
    // Both reconnect; the new topic holds only what is sent from now on.
    let receipt = producer
        .send_non_blocking("after".to_string())
        .await
        .expect("queued")
        .await
        .expect("the reconnected producer sends to the new topic");
    assert_eq!(receipt.message_id.map(|id| id.entry_id), Some(0));
    let mut received = Vec::new();
    while let Some(message) = next(&mut consumer, std::time::Duration::from_secs(3)).await {
        consumer.ack(&message).await.unwrap();
        received.push(text(&message));
    }
    assert!(
        received.iter().all(|t| t != "before") && received.contains(&"after".to_string()),
        "{received:?}"
    );
    broker.shutdown().await;
}
