//! Namespace and topic policies that take effect (deduplication, the schema compatibility
//! strategy) and the admin API's schema changes (upload, delete, compatibility check).

mod common;

use std::net::SocketAddr;

use common::*;
use pulsar::{message::proto, ProducerOptions, SubType};

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

async fn request(admin: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let body = (!body.is_empty()).then_some(body);
    admin_request(admin, method, path, body).await
}

async fn create_namespace(admin: SocketAddr, namespace: &str) {
    let path = format!("/admin/v2/namespaces/public/{namespace}");
    assert_eq!(request(admin, "PUT", &path, "").await.0, 204);
}

/// Sends "first" and "first again" with sequence id 0, then "second" with 1, through a
/// producer created before `between` runs; answers what a subscription from the start
/// reads.
async fn resend_sequence_id_zero<F: std::future::Future<Output = ()>>(
    address: SocketAddr,
    topic: &str,
    between: F,
) -> Vec<String> {
    let mut raw = RawClient::connect(address).await;
    let name = raw.create_producer(topic, 1, None).await;
    between.await;
    for (sequence_id, data) in [(0, &b"first"[..]), (0, b"first again"), (1, b"second")] {
        raw.send_message(RawClient::send_frame(1, &name, sequence_id, data))
            .await;
        let receipt = raw.recv().await.unwrap().command.send_receipt;
        assert_eq!(receipt.expect("receipt").sequence_id, sequence_id);
    }
    let pulsar = client(address).await;
    let mut consumer = consumer(&pulsar, topic, "sub", SubType::Exclusive).await;
    let mut read = Vec::new();
    while let Some(message) = next(&mut consumer, std::time::Duration::from_millis(300)).await {
        read.push(text(&message));
    }
    read
}

const ONCE: [&str; 2] = ["first", "second"];
const TWICE: [&str; 3] = ["first", "first again", "second"];

#[tokio::test]
async fn deduplication_turned_on_for_a_namespace_applies_to_its_loaded_topics_and_survives_a_restart(
) {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    create_namespace(admin, "dedup").await;
    let path = "/admin/v2/namespaces/public/dedup/deduplication";
    assert_eq!(request(admin, "GET", path, "").await.0, 204, "unset");

    // The topic is loaded (its producer exists) before the policy changes.
    let turn_on = async {
        assert_eq!(request(admin, "POST", path, "true").await.0, 204);
    };
    let dedup_topic = "persistent://public/dedup/a";
    assert_eq!(
        resend_sequence_id_zero(broker.address(), dedup_topic, turn_on).await,
        ONCE
    );
    let other = topic("not-dedup");
    assert_eq!(
        resend_sequence_id_zero(broker.address(), &other, async {}).await,
        TWICE
    );
    assert_eq!(request(admin, "GET", path, "").await, (200, "true".into()));
    let (_, policies) = request(
        admin,
        "GET",
        "/admin/v2/namespaces/public/dedup/policies",
        "",
    )
    .await;
    assert_eq!(json(&policies)["deduplicationEnabled"], true);
    let (_, policies) = request(admin, "GET", "/admin/v2/namespaces/public/default", "").await;
    assert_eq!(
        json(&policies)["deduplicationEnabled"],
        serde_json::Value::Null
    );
    broker.shutdown().await;

    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(request(admin, "GET", path, "").await, (200, "true".into()));
    assert_eq!(
        resend_sequence_id_zero(broker.address(), "persistent://public/dedup/b", async {}).await,
        ONCE
    );
    let turn_off = async {
        assert_eq!(request(admin, "POST", path, "false").await.0, 204);
    };
    assert_eq!(
        resend_sequence_id_zero(broker.address(), "persistent://public/dedup/c", turn_off).await,
        TWICE
    );
    assert_eq!(request(admin, "DELETE", path, "").await.0, 204);
    assert_eq!(request(admin, "GET", path, "").await.0, 204);
    broker.shutdown().await;
}

#[tokio::test]
async fn a_topic_deduplication_policy_wins_over_its_namespace_and_is_refused_for_unknown_topics() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let topic = topic("own-policy");
    let path = "/admin/v2/persistent/public/default/own-policy/deduplicationEnabled";
    assert_eq!(
        request(admin, "POST", path, "true").await.0,
        404,
        "no topic yet"
    );
    let own_topic = "/admin/v2/persistent/public/default/own-policy";
    let missing_ns = "/admin/v2/persistent/public/nope/t/deduplicationEnabled";
    assert_eq!(request(admin, "GET", missing_ns, "").await.0, 404);
    assert_eq!(request(admin, "PUT", own_topic, "").await.0, 204);
    assert_eq!(request(admin, "POST", path, "\"yes\"").await.0, 400);
    assert_eq!(request(admin, "GET", path, "").await.0, 204, "unset");
    let applied = format!("{path}?applied=true");
    assert_eq!(
        request(admin, "GET", &applied, "").await,
        (200, "false".into())
    );

    let turn_on = async {
        assert_eq!(request(admin, "POST", path, "true").await.0, 204);
    };
    assert_eq!(
        resend_sequence_id_zero(broker.address(), &topic, turn_on).await,
        ONCE
    );
    assert_eq!(request(admin, "GET", path, "").await, (200, "true".into()));
    assert_eq!(
        request(admin, "GET", &applied, "").await,
        (200, "true".into())
    );

    // The namespace turns deduplication on; the topic's own "false" still wins.
    let ns = "/admin/v2/namespaces/public/default/deduplication";
    assert_eq!(request(admin, "POST", ns, "true").await.0, 204);
    assert_eq!(request(admin, "POST", path, "false").await.0, 204);
    assert_eq!(
        request(admin, "GET", &applied, "").await,
        (200, "false".into())
    );
    assert_eq!(request(admin, "DELETE", path, "").await.0, 204);
    assert_eq!(request(admin, "GET", path, "").await.0, 204);
    assert_eq!(
        request(admin, "GET", &applied, "").await,
        (200, "true".into())
    );

    // A deleted topic's policy goes with it.
    assert_eq!(request(admin, "POST", path, "false").await.0, 204);
    let forced = format!("{own_topic}?force=true");
    assert_eq!(request(admin, "DELETE", &forced, "").await.0, 204);
    assert_eq!(request(admin, "PUT", own_topic, "").await.0, 204);
    assert_eq!(request(admin, "GET", path, "").await.0, 204);
    broker.shutdown().await;
}

const BASE: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#;
/// BASE with a field without default: old data lacks it (not BACKWARD), old readers
/// ignore it (FORWARD).
const WITH_REQUIRED: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"long"}]}"#;
/// BASE with a field with a default: FULL compatible with BASE and WITH_REQUIRED.
const WITH_DEFAULT: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"long","default":0}]}"#;
/// Nothing reads the others' data.
const INCOMPATIBLE: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}"#;

fn avro(definition: &str) -> proto::Schema {
    proto::Schema {
        name: "r".into(),
        schema_data: definition.as_bytes().to_vec(),
        r#type: proto::schema::Type::Avro as i32,
        properties: Vec::new(),
    }
}

/// Whether a producer with the schema is accepted; a refusal must be IncompatibleSchema.
async fn accepted(
    pulsar: &pulsar::Pulsar<pulsar::TokioExecutor>,
    topic: &str,
    definition: &str,
) -> bool {
    let built = pulsar
        .producer()
        .with_topic(topic)
        .with_options(ProducerOptions {
            schema: Some(avro(definition)),
            ..Default::default()
        })
        .build()
        .await;
    match built {
        Ok(mut producer) => {
            let _ = producer.close().await;
            true
        }
        Err(error) => {
            let error = error.to_string();
            assert!(error.contains("IncompatibleSchema"), "{error}");
            false
        }
    }
}

/// A namespace with the strategy, set after its topic was loaded with `first`; answers
/// which of `then` are accepted, in order.
async fn strategy_accepts(
    broker: &pulsar_embedded::BrokerHandle,
    namespace: &str,
    strategy: &str,
    first: &str,
    then: &[&str],
) -> Vec<bool> {
    let admin = broker.admin_address().unwrap();
    create_namespace(admin, namespace).await;
    let pulsar = client(broker.address()).await;
    let topic = format!("persistent://public/{namespace}/t");
    assert!(accepted(&pulsar, &topic, first).await);
    let path = format!("/admin/v2/namespaces/public/{namespace}/schemaCompatibilityStrategy");
    let body = format!("\"{strategy}\"");
    assert_eq!(request(admin, "PUT", &path, &body).await.0, 204);
    assert_eq!(request(admin, "GET", &path, "").await, (200, body));
    let mut answers = Vec::new();
    for definition in then {
        answers.push(accepted(&pulsar, &topic, definition).await);
    }
    answers
}

#[tokio::test]
async fn always_compatible_accepts_anything_and_always_incompatible_no_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let strategy = |s| strategy_accepts(&broker, s, s, BASE, &[INCOMPATIBLE, WITH_DEFAULT, BASE]);
    assert_eq!(strategy("ALWAYS_COMPATIBLE").await, [true, true, true]);
    // An existing version stays usable.
    assert_eq!(strategy("ALWAYS_INCOMPATIBLE").await, [false, false, true]);
    broker.shutdown().await;
}

#[tokio::test]
async fn backward_forward_and_full_check_the_direction_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let shared = &broker;
    let check = |ns, s, first, then| async move {
        strategy_accepts(shared, ns, s, first, &[then]).await[0]
    };
    // A new required field: the new schema cannot read old data, old readers can read new.
    assert!(!check("b1", "BACKWARD", BASE, WITH_REQUIRED).await);
    assert!(check("f1", "FORWARD", BASE, WITH_REQUIRED).await);
    assert!(!check("u1", "FULL", BASE, WITH_REQUIRED).await);
    assert!(
        !check("n1", "UNDEFINED", BASE, WITH_REQUIRED).await,
        "FULL by default"
    );
    // A required field removed: the other way round.
    assert!(check("b2", "BACKWARD", WITH_REQUIRED, BASE).await);
    assert!(!check("f2", "FORWARD", WITH_REQUIRED, BASE).await);
    assert!(!check("u2", "FULL", WITH_REQUIRED, BASE).await);
    assert!(check("u3", "FULL", BASE, WITH_DEFAULT).await);
    broker.shutdown().await;
}

#[tokio::test]
async fn transitive_strategies_check_every_version_not_only_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    // WITH_REQUIRED reads WITH_DEFAULT's data, not BASE's.
    let versions = [WITH_DEFAULT, WITH_REQUIRED];
    assert_eq!(
        strategy_accepts(&broker, "b", "BACKWARD", BASE, &versions).await,
        [true, true]
    );
    assert_eq!(
        strategy_accepts(&broker, "bt", "BACKWARD_TRANSITIVE", BASE, &versions).await,
        [true, false]
    );
    // BASE's readers read WITH_DEFAULT's data, WITH_REQUIRED's readers do not.
    let versions = [WITH_DEFAULT, BASE];
    assert_eq!(
        strategy_accepts(&broker, "f", "FORWARD", WITH_REQUIRED, &versions).await,
        [true, true]
    );
    assert_eq!(
        strategy_accepts(
            &broker,
            "ft",
            "FORWARD_TRANSITIVE",
            WITH_REQUIRED,
            &versions
        )
        .await,
        [true, false]
    );
    assert_eq!(
        strategy_accepts(
            &broker,
            "fullt",
            "FULL_TRANSITIVE",
            WITH_REQUIRED,
            &versions
        )
        .await,
        [true, false]
    );
    broker.shutdown().await;
}

#[tokio::test]
async fn the_compatibility_strategy_is_refused_when_unknown_shown_in_policies_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let path = "/admin/v2/namespaces/public/default/schemaCompatibilityStrategy";
    assert_eq!(
        request(admin, "GET", path, "").await,
        (200, "\"UNDEFINED\"".into())
    );
    assert_eq!(request(admin, "POST", path, "\"SIDEWAYS\"").await.0, 400);
    let missing = "/admin/v2/namespaces/public/nope/schemaCompatibilityStrategy";
    assert_eq!(request(admin, "POST", missing, "\"FULL\"").await.0, 404);
    assert_eq!(request(admin, "POST", path, "\"BACKWARD\"").await.0, 204);
    broker.shutdown().await;
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (_, policies) = request(
        admin,
        "GET",
        "/admin/v2/namespaces/public/default/policies",
        "",
    )
    .await;
    assert_eq!(json(&policies)["schema_compatibility_strategy"], "BACKWARD");
    broker.shutdown().await;
}

#[tokio::test]
async fn schemas_are_uploaded_checked_and_deleted_through_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let path = "/admin/v2/schemas/public/default/uploaded/schema";
    let payload = |definition: &str| {
        serde_json::json!({"type": "AVRO", "schema": definition, "properties": {"k": "v"}})
            .to_string()
    };
    assert_eq!(request(admin, "DELETE", path, "").await.0, 404, "no topic");
    let (status, body) = request(admin, "POST", path, &payload(BASE)).await;
    assert_eq!(
        (status, json(&body)),
        (200, serde_json::json!({"version": {"version": 0}}))
    );
    let (status, body) = request(admin, "GET", path, "").await;
    assert_eq!(status, 200);
    let got = json(&body);
    assert_eq!(
        (got["type"].as_str(), got["data"].as_str()),
        (Some("AVRO"), Some(BASE))
    );
    assert_eq!(got["properties"]["k"], "v");

    let check = "/admin/v2/schemas/public/default/uploaded/compatibility";
    let (status, body) = request(admin, "POST", check, &payload(INCOMPATIBLE)).await;
    assert_eq!(status, 200);
    assert_eq!(
        json(&body),
        serde_json::json!({"isCompatibility": false, "schemaCompatibilityStrategy": "FULL"})
    );
    let (_, body) = request(admin, "POST", check, &payload(WITH_DEFAULT)).await;
    assert_eq!(json(&body)["isCompatibility"], true);
    assert_eq!(
        request(admin, "POST", path, &payload(INCOMPATIBLE)).await.0,
        409
    );
    assert_eq!(
        request(admin, "POST", path, r#"{"type":"SQUARE"}"#).await.0,
        400
    );
    assert_eq!(request(admin, "POST", path, "not json").await.0, 400);
    let (_, body) = request(admin, "POST", path, &payload(WITH_DEFAULT)).await;
    assert_eq!(json(&body)["version"]["version"], 1);

    let (status, body) = request(admin, "DELETE", path, "").await;
    assert_eq!(
        (status, json(&body)),
        (200, serde_json::json!({"version": 1}))
    );
    assert_eq!(request(admin, "GET", path, "").await.0, 404);
    assert_eq!(request(admin, "DELETE", path, "").await.0, 404);
    // With every version gone, any schema is accepted again, also by a producer.
    let pulsar = client(broker.address()).await;
    assert!(accepted(&pulsar, &topic("uploaded"), INCOMPATIBLE).await);
    broker.shutdown().await;
    let broker = start_broker(dir.path()).await;
    let (_, body) = request(broker.admin_address().unwrap(), "GET", path, "").await;
    assert_eq!(json(&body)["data"], INCOMPATIBLE);
    assert_eq!(json(&body)["version"], 0);
    broker.shutdown().await;
}
