//! The admin HTTP listener: the subset of Apache Pulsar's REST API that AeroAlpes uses.
//!
//! - `GET /admin/v2/schemas/{tenant}/{namespace}/{topic}/schema[/{version}]`
//! - `GET /admin/v2/{persistent|non-persistent}/{tenant}/{namespace}/{topic}/stats`
//! - `GET /metrics`: Prometheus' text format, under Apache Pulsar's metric names
//!   (`pulsar_in_messages_total`, `pulsar_msg_backlog`…, labelled by topic and subscription)
//!
//! A deliberately small HTTP/1.1 server (GET only, one request per connection): the
//! requests are rare and simple, and it keeps an HTTP framework out of the broker.

use std::{sync::Arc, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{broker::Broker, schema_registry, topic::METRIC_FAMILIES, topic_name::TopicName};

/// Largest request head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// Serves admin requests until shutdown.
pub async fn run(broker: Arc<Broker>, listener: TcpListener) {
    let shutdown = broker.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((socket, _)) => {
                broker.tracker.spawn(serve(broker.clone(), socket));
            }
            Err(error) => {
                tracing::error!(%error, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn serve(broker: Arc<Broker>, mut socket: TcpStream) {
    let shutdown = broker.shutdown.clone();
    let head = tokio::select! {
        _ = shutdown.cancelled() => return,
        head = tokio::time::timeout(Duration::from_secs(10), read_head(&mut socket)) => head,
    };
    let (status, content_type, body) = match head {
        Ok(Some(head)) if is_metrics(&head) => (200, METRICS_CONTENT_TYPE, metrics(&broker).await),
        Ok(Some(head)) => {
            let (status, body) = answer(&broker, &head).await;
            (status, "application/json", body.to_string())
        }
        _ => (
            400,
            "application/json",
            serde_json::json!({"reason": "bad request"}).to_string(),
        ),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Bad Request",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn is_metrics(head: &str) -> bool {
    let mut request_line = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (request_line.next(), request_line.next().unwrap_or_default());
    method == Some("GET") && target.split('?').next() == Some("/metrics")
}

/// Every loaded topic's samples, grouped by family as the text format requires.
async fn metrics(broker: &Broker) -> String {
    use std::fmt::Write;
    let mut samples = Vec::new();
    for topic in broker.loaded_topics().await {
        samples.extend(topic.metric_samples());
    }
    let mut out = String::new();
    for (family, kind) in METRIC_FAMILIES {
        let _ = writeln!(out, "# TYPE {family} {kind}");
        for (_, labels, value) in samples.iter().filter(|(f, _, _)| *f == family) {
            let _ = writeln!(out, "{family}{{{labels}}} {value}");
        }
    }
    out
}

async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).ok()
}

async fn answer(broker: &Broker, head: &str) -> (u16, serde_json::Value) {
    let mut request_line = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (request_line.next(), request_line.next().unwrap_or_default());
    if method != Some("GET") {
        return (405, serde_json::json!({"reason": "only GET is served"}));
    }
    let path = target.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let not_found = |what: &str| (404, serde_json::json!({ "reason": what }));
    match parts.as_slice() {
        ["admin", "v2", "schemas", tenant, namespace, topic, "schema", rest @ ..] => {
            let Ok(name) = TopicName::parse(&format!("persistent://{tenant}/{namespace}/{topic}"))
            else {
                return not_found("Topic not found");
            };
            let Some(topic) = broker.existing_topic(&name).await else {
                return not_found("Topic not found");
            };
            let schemas = topic.schemas();
            let registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
            let found = match rest {
                [] => registry.latest(),
                [version] => version
                    .parse()
                    .ok()
                    .and_then(|v| registry.get(v).map(|s| (v, s))),
                _ => None,
            };
            match found {
                Some((version, stored)) => (
                    200,
                    serde_json::json!({
                        "version": version,
                        "type": schema_registry::type_name(stored.schema.r#type),
                        "timestamp": stored.timestamp,
                        "data": String::from_utf8_lossy(&stored.schema.schema_data),
                        "properties": stored.schema.properties.iter()
                            .map(|kv| (kv.key.clone(), serde_json::Value::from(kv.value.clone())))
                            .collect::<serde_json::Map<_, _>>(),
                    }),
                ),
                None => not_found("Schema not found"),
            }
        }
        ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic, "stats"] =>
        {
            let Ok(name) = TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}"))
            else {
                return not_found("Topic not found");
            };
            match broker.existing_topic(&name).await {
                Some(topic) => (200, topic.stats()),
                None => not_found("Topic not found"),
            }
        }
        _ => not_found("Not found"),
    }
}
