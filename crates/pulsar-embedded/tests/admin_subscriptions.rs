//! The admin API's subscription operations (create, list, delete, reset, skip, expire,
//! peek) and internal statistics, with Apache Pulsar's paths, bodies and status codes.

mod common;

use std::net::SocketAddr;

use common::*;
use pulsar::{message::proto, SubType};

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

async fn request(admin: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let body = (!body.is_empty()).then_some(body);
    admin_request(admin, method, path, body).await
}

/// A subscription's backlog, from the topic statistics.
async fn backlog(admin: SocketAddr, topic: &str, sub: &str) -> u64 {
    let (status, body) = request(admin, "GET", &format!("{topic}/stats"), "").await;
    assert_eq!(status, 200, "{body}");
    json(&body)["subscriptions"][sub]["msgBacklog"]
        .as_u64()
        .unwrap_or_else(|| panic!("no backlog of {sub} in {body}"))
}

/// The status, head and body of a request, for answers with headers.
async fn raw_request(admin: SocketAddr, method: &str, path: &str) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(admin).await.unwrap();
    let head = format!("{method} {path} HTTP/1.1\r\nhost: test\r\ncontent-length: 0\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .expect("response within WAIT")
        .unwrap();
    let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(response[..at].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head, response[at + 4..].to_vec())
}

#[tokio::test]
async fn subscriptions_are_created_at_a_position_listed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let base = "/admin/v2/persistent/public/default/subs";
    assert_eq!(
        request(admin, "GET", &format!("{base}/subscriptions"), "")
            .await
            .0,
        404
    );
    let pulsar = client(broker.address()).await;
    produce(&pulsar, &topic("subs"), &numbered("m", 3), None).await;

    let sub = |name: &str| format!("{base}/subscription/{name}");
    assert_eq!(request(admin, "PUT", &sub("latest"), "").await.0, 204);
    assert_eq!(request(admin, "PUT", &sub("latest"), "").await.0, 409);
    let earliest = r#"{"ledgerId":-1,"entryId":-1,"partitionIndex":-1}"#;
    assert_eq!(
        request(admin, "PUT", &sub("earliest"), earliest).await.0,
        204
    );
    let at_one = r#"{"ledgerId":1,"entryId":1}"#;
    assert_eq!(request(admin, "PUT", &sub("at-one"), at_one).await.0, 204);
    assert_eq!(request(admin, "PUT", &sub("bad"), "{").await.0, 400);
    let (status, list) = request(admin, "GET", &format!("{base}/subscriptions"), "").await;
    assert_eq!(status, 200);
    assert_eq!(
        json(&list),
        serde_json::json!(["at-one", "earliest", "latest"])
    );
    assert_eq!(backlog(admin, base, "latest").await, 0);
    assert_eq!(backlog(admin, base, "earliest").await, 3);
    assert_eq!(backlog(admin, base, "at-one").await, 2);

    // A consumer of the created subscription starts where it was put.
    let mut consumer = consumer(&pulsar, &topic("subs"), "at-one", SubType::Shared).await;
    let first = next(&mut consumer, WAIT).await.expect("a message");
    assert_eq!(text(&first), "m-0001");
    consumer.close().await.unwrap();

    // A forced deletion closes the consumers (a raw one, which does not come back).
    let mut raw = RawClient::connect(broker.address()).await;
    raw.send(command(proto::base_command::Type::Subscribe, |c| {
        c.subscribe = Some(proto::CommandSubscribe {
            topic: topic("subs"),
            subscription: "at-one".into(),
            sub_type: proto::command_subscribe::SubType::Shared as i32,
            consumer_id: 7,
            request_id: 1,
            ..Default::default()
        })
    }))
    .await;
    assert!(raw.recv().await.unwrap().command.success.is_some());
    assert_eq!(request(admin, "DELETE", &sub("at-one"), "").await.0, 412);
    let (status, _) = request(
        admin,
        "DELETE",
        &format!("{}?force=true", sub("at-one")),
        "",
    )
    .await;
    assert_eq!(status, 204);
    let closed = raw.recv().await.unwrap().command.close_consumer;
    assert_eq!(closed.expect("CLOSE_CONSUMER").consumer_id, 7);
    assert_eq!(request(admin, "DELETE", &sub("at-one"), "").await.0, 404);
    assert_eq!(request(admin, "DELETE", &sub("latest"), "").await.0, 204);
    let (_, list) = request(admin, "GET", &format!("{base}/subscriptions"), "").await;
    assert_eq!(json(&list), serde_json::json!(["earliest"]));

    // As Apache Pulsar, a subscription without consumers is for persistent topics only.
    let volatile = "/admin/v2/non-persistent/public/default/volatile";
    assert_eq!(request(admin, "PUT", volatile, "").await.0, 204);
    let (status, _) = request(admin, "PUT", &format!("{volatile}/subscription/s"), "").await;
    assert_eq!(status, 400);

    // Created subscriptions are durable.
    broker.shutdown().await;
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let (_, list) = request(admin, "GET", &format!("{base}/subscriptions"), "").await;
    assert_eq!(json(&list), serde_json::json!(["earliest"]));
    assert_eq!(backlog(admin, base, "earliest").await, 3);
    broker.shutdown().await;
}

/// Publishes `m0`…`m4` through a raw producer: `m0` and `m1` published long ago (time 1),
/// the others now, each with the property `n` = its index.
async fn publish_five(address: SocketAddr, topic: &str) {
    let mut raw = RawClient::connect(address).await;
    let name = raw.create_producer(topic, 1, None).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    for i in 0..5u64 {
        let mut frame = RawClient::send_frame(1, &name, i, format!("m{i}").as_bytes());
        let payload = frame.payload.as_mut().unwrap();
        payload.metadata.publish_time = if i < 2 { 1 } else { now };
        payload.metadata.properties = vec![proto::KeyValue {
            key: "n".into(),
            value: i.to_string(),
        }];
        raw.send_message(frame).await;
        let receipt = raw.recv().await.unwrap().command.send_receipt;
        assert!(receipt.is_some());
    }
}

#[tokio::test]
async fn skip_expire_reset_and_peek_move_and_show_a_subscriptions_backlog() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let base = "/admin/v2/persistent/public/default/cursor";
    let sub = format!("{base}/subscription/s");
    assert_eq!(request(admin, "PUT", base, "").await.0, 204);
    let earliest = r#"{"ledgerId":-1,"entryId":-1}"#;
    assert_eq!(request(admin, "PUT", &sub, earliest).await.0, 204);
    // Holds every entry: this broker keeps no entry all subscriptions acknowledged, so
    // without it a reset could not go back.
    let keep = format!("{base}/subscription/keep");
    assert_eq!(request(admin, "PUT", &keep, earliest).await.0, 204);
    publish_five(broker.address(), &topic("cursor")).await;
    assert_eq!(backlog(admin, base, "s").await, 5);

    let (status, head, body) = raw_request(admin, "GET", &format!("{sub}/position/1")).await;
    assert_eq!((status, body.as_slice()), (200, &b"m0"[..]), "{head}");
    let has = |line: &str| head.lines().any(|l| l.eq_ignore_ascii_case(line));
    assert!(has("X-Pulsar-Message-ID: 1:0"), "{head}");
    assert!(has("X-Pulsar-PROPERTY-n: 0"), "{head}");
    let (_, head, body) = raw_request(admin, "GET", &format!("{sub}/position/3")).await;
    assert_eq!(body, b"m2");
    assert!(head.contains("X-Pulsar-Message-ID: 1:2"), "{head}");
    assert_eq!(
        raw_request(admin, "GET", &format!("{sub}/position/6"))
            .await
            .0,
        404
    );
    assert_eq!(
        raw_request(admin, "GET", &format!("{sub}/position/x"))
            .await
            .0,
        400
    );
    let missing = format!("{base}/subscription/nope/position/1");
    assert_eq!(raw_request(admin, "GET", &missing).await.0, 404);

    assert_eq!(
        request(admin, "POST", &format!("{sub}/skip/1"), "").await.0,
        204
    );
    assert_eq!(backlog(admin, base, "s").await, 4);
    assert_eq!(
        raw_request(admin, "GET", &format!("{sub}/position/1"))
            .await
            .2,
        b"m1"
    );
    // Only m0 and m1 are older than a minute.
    let expire = format!("{sub}/expireMessages/60");
    assert_eq!(request(admin, "POST", &expire, "").await.0, 204);
    assert_eq!(backlog(admin, base, "s").await, 3);
    assert_eq!(
        request(admin, "POST", &format!("{sub}/skip_all"), "")
            .await
            .0,
        204
    );
    assert_eq!(backlog(admin, base, "s").await, 0);
    assert_eq!(
        raw_request(admin, "GET", &format!("{sub}/position/1"))
            .await
            .0,
        404
    );

    // Back by time: the first message published at or after it.
    assert_eq!(
        request(admin, "POST", &format!("{sub}/resetcursor/2"), "")
            .await
            .0,
        204
    );
    assert_eq!(backlog(admin, base, "s").await, 3);
    let reset = format!("{sub}/resetcursor");
    let at_one = r#"{"ledgerId":1,"entryId":1}"#;
    assert_eq!(request(admin, "POST", &reset, at_one).await.0, 204);
    assert_eq!(backlog(admin, base, "s").await, 4);
    let after_one = r#"{"ledgerId":1,"entryId":1,"isExcluded":true}"#;
    assert_eq!(request(admin, "POST", &reset, after_one).await.0, 204);
    assert_eq!(backlog(admin, base, "s").await, 3);
    assert_eq!(request(admin, "POST", &reset, r#"{"x":1}"#).await.0, 400);
    let bad_time = format!("{sub}/resetcursor/yesterday");
    assert_eq!(request(admin, "POST", &bad_time, "").await.0, 400);
    let missing = format!("{base}/subscription/nope/skip_all");
    assert_eq!(request(admin, "POST", &missing, "").await.0, 404);
    assert_eq!(
        request(admin, "GET", &format!("{sub}/skip_all"), "")
            .await
            .0,
        405
    );

    let (status, stats) = request(admin, "GET", &format!("{base}/internalStats"), "").await;
    assert_eq!(status, 200);
    let stats = json(&stats);
    assert_eq!(stats["entriesAddedCounter"], 5);
    assert_eq!(stats["numberOfEntries"], 5);
    assert!(stats["totalSize"].as_u64().unwrap() > 10, "{stats}");
    assert_eq!(stats["lastConfirmedEntry"], "1:4");
    assert_eq!(stats["cursors"]["s"]["markDeletePosition"], "1:1");
    assert_eq!(stats["cursors"]["s"]["readPosition"], "1:2");
    assert_eq!(stats["cursors"]["s"]["messagesConsumedCounter"], 0);

    // Skips are durable.
    assert_eq!(
        request(admin, "POST", &format!("{sub}/skip/2"), "").await.0,
        204
    );
    broker.shutdown().await;
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    assert_eq!(backlog(admin, base, "s").await, 1);
    let (_, stats) = request(admin, "GET", &format!("{base}/internalStats"), "").await;
    assert_eq!(json(&stats)["cursors"]["s"]["markDeletePosition"], "1:3");
    let missing = "/admin/v2/persistent/public/default/nothing/internalStats";
    assert_eq!(request(admin, "GET", missing, "").await.0, 404);
    broker.shutdown().await;
}

#[tokio::test]
async fn internal_stats_count_what_consumers_received() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let admin = broker.admin_address().unwrap();
    let pulsar = client(broker.address()).await;
    let mut consumer = consumer(&pulsar, &topic("counted"), "c", SubType::Exclusive).await;
    produce(&pulsar, &topic("counted"), &numbered("m", 2), None).await;
    for _ in 0..2 {
        let message = next(&mut consumer, WAIT).await.expect("a message");
        consumer.ack(&message).await.unwrap();
    }
    let path = "/admin/v2/persistent/public/default/counted/internalStats";
    let stats = tokio::time::timeout(WAIT, async {
        loop {
            let stats = json(&request(admin, "GET", path, "").await.1);
            if stats["cursors"]["c"]["markDeletePosition"] == "1:1" {
                return stats;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("acks applied within WAIT");
    assert_eq!(stats["cursors"]["c"]["messagesConsumedCounter"], 2);
    assert_eq!(stats["cursors"]["c"]["readPosition"], "1:2");
    broker.shutdown().await;
}
