//! The admin HTTP listener: the subset of Apache Pulsar's REST API (v2) that AeroAlpes
//! and its tests use, with Apache's paths, status codes and `{"reason": …}` errors.
//!
//! - `GET /admin/v2/brokers/health`: `ok`
//! - tenants: `GET /admin/v2/tenants`, `GET|PUT|DELETE /admin/v2/tenants/{tenant}`
//! - namespaces: `GET /admin/v2/namespaces/{tenant}`,
//!   `GET|PUT|DELETE /admin/v2/namespaces/{tenant}/{namespace}` (GET: its policies, also
//!   under `…/policies`), `GET …/{namespace}/topics`
//! - topics: `GET /admin/v2/{persistent|non-persistent}/{tenant}/{namespace}` (list),
//!   `PUT|DELETE …/{topic}` (`?force=true` deletes a topic with clients),
//!   `GET …/{topic}/stats`, `GET …/{topic}/lastMessageId`
//! - partitioned topics ([`partitions`]): `PUT|POST|GET|DELETE …/{topic}/partitions`,
//!   `GET …/{namespace}/partitioned`, `GET …/{topic}/partitioned-stats`
//! - `GET /admin/v2/schemas/{tenant}/{namespace}/{topic}/schema[/{version}]`,
//!   `POST|DELETE …/schema` (upload, delete every version), `POST …/compatibility`
//! - subscriptions and internal statistics of a topic: see [`subscriptions`]
//! - policies that take effect: `GET|POST|DELETE /admin/v2/namespaces/{tenant}/{namespace}/deduplication`,
//!   `GET|POST …/{namespace}/schemaCompatibilityStrategy`, `GET|POST|DELETE …/retention`,
//!   `GET|POST|DELETE …/messageTTL`, `GET …/backlogQuotaMap`,
//!   `POST|DELETE …/backlogQuota?backlogQuotaType=…` (see [`crate::retention`]),
//!   `GET|POST|DELETE /admin/v2/{domain}/{tenant}/{namespace}/{topic}/deduplicationEnabled`
//! - `GET /metrics`: Prometheus' text format, under Apache Pulsar's metric names
//!   (`pulsar_in_messages_total`, `pulsar_msg_backlog`…, labelled by topic and subscription)
//!
//! A deliberately small HTTP/1.1 server (one request per connection, bodies by
//! `Content-Length` up to [`MAX_BODY`]): the requests are rare and simple, and it keeps an
//! HTTP framework out of the broker.

mod partitions;
mod policies;
mod subscriptions;

use std::{sync::Arc, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{
    broker::{Broker, DeleteError},
    namespaces::{RegistryError, TenantInfo, CLUSTER},
    schema_registry,
    topic::{Topic, METRIC_FAMILIES},
    topic_name::{decode_component, TopicName},
};

/// Largest request head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// Largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

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

/// One request as the router sees it.
struct Request {
    method: String,
    /// The path's segments, percent-decoded.
    segments: Vec<String>,
    query: String,
    body: Vec<u8>,
    /// The address the client reached the admin listener on.
    local: Option<std::net::SocketAddr>,
}

impl Request {
    /// The (undecoded) value of a query parameter.
    fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    }

    fn flag(&self, name: &str) -> bool {
        self.query
            .split('&')
            .any(|pair| pair == format!("{name}=true") || pair == name)
    }

    /// The body as JSON; `None` (no body) is fine, a body that is not JSON is not.
    fn json(&self) -> Result<Option<serde_json::Value>, Response> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body)
            .map(Some)
            .map_err(|e| Response::error(400, &format!("invalid JSON body: {e}")))
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    /// More header lines (a peeked message's id and properties).
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, value: serde_json::Value) -> Response {
        Response::text(status, "application/json", value.to_string())
    }

    fn text(status: u16, content_type: &'static str, body: String) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }

    fn no_content() -> Response {
        Response::text(204, "text/plain", String::new())
    }

    /// Apache Pulsar's error body.
    fn error(status: u16, reason: &str) -> Response {
        Response::json(status, serde_json::json!({ "reason": reason }))
    }

    fn not_allowed() -> Response {
        Response::error(405, "Method Not Allowed")
    }
}

async fn serve(broker: Arc<Broker>, mut socket: TcpStream) {
    let shutdown = broker.shutdown.clone();
    let request = tokio::select! {
        _ = shutdown.cancelled() => return,
        request = tokio::time::timeout(Duration::from_secs(10), read_request(&mut socket)) => request,
    };
    let response = match request {
        Ok(Ok(request)) => route(&broker, &request).await,
        Ok(Err(refusal)) => refusal,
        Err(_) => Response::error(408, "request timed out"),
    };
    let status = response.status;
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        406 => "Not Acceptable",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nconnection: close\r\ncontent-length: {}\r\n",
        response.body.len()
    );
    if status != 204 {
        out.push_str(&format!("content-type: {}\r\n", response.content_type));
    }
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(&response.body);
    let _ = socket.write_all(&out).await;
    let _ = socket.shutdown().await;
    // Closing with unread input (a refused body) would reset the connection and could
    // destroy the answer before the client reads it: read what is left, briefly.
    let mut sink = [0u8; 4096];
    let drain = async { while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {} };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// Reads the head and the body (by `Content-Length`).
async fn read_request(socket: &mut TcpStream) -> Result<Request, Response> {
    let bad = |reason: &str| Response::error(400, reason);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket
            .read(&mut chunk)
            .await
            .map_err(|_| bad("bad request"))?;
        if n == 0 {
            return Err(bad("incomplete request"));
        }
        if buf.len() + n > MAX_HEAD + MAX_BODY {
            return Err(Response::error(413, "request too large"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() > MAX_HEAD {
            return Err(Response::error(413, "request head too large"));
        }
    };
    let mut body = buf.split_off(head_end + 4);
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| bad("bad request"))?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (method, target) = match (request_line.next(), request_line.next()) {
        (Some(method), Some(target)) if !method.is_empty() => (method.to_string(), target),
        _ => return Err(bad("bad request line")),
    };
    let mut length = 0usize;
    let mut expects_continue = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| bad("bad content-length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Response::error(411, "a content-length is required"));
        } else if name.eq_ignore_ascii_case("expect") {
            expects_continue = value.eq_ignore_ascii_case("100-continue");
        }
    }
    if length > MAX_BODY {
        return Err(Response::error(413, "request body too large"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_component)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("bad path encoding"))?;
    if expects_continue && body.len() < length {
        // curl asks before sending a body over 1 KiB, and waits a second without this.
        socket
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .map_err(|_| bad("bad request"))?;
    }
    while body.len() < length {
        let n = socket
            .read(&mut chunk)
            .await
            .map_err(|_| bad("bad request"))?;
        if n == 0 {
            return Err(bad("incomplete body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(Request {
        method,
        segments,
        query: query.to_string(),
        body,
        local: socket.local_addr().ok(),
    })
}

async fn route(broker: &Broker, request: &Request) -> Response {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    match (segments.as_slice(), method) {
        (["metrics"], "GET") => Response::text(200, METRICS_CONTENT_TYPE, metrics(broker).await),
        (["admin", "v2", "brokers", "health"], "GET") => health(broker),
        (["admin", "v2", "tenants"], "GET") => {
            Response::json(200, broker.namespaces.tenants().into())
        }
        (["admin", "v2", "tenants", tenant], _) => tenant_route(broker, request, tenant).await,
        (["admin", "v2", "namespaces", tenant], "GET") => {
            match broker.namespaces.namespaces(tenant) {
                Ok(list) => Response::json(200, list.into()),
                Err(e) => registry_error(&e),
            }
        }
        (["admin", "v2", "namespaces", tenant, namespace], _) => {
            namespace_route(broker, request, tenant, namespace).await
        }
        (["admin", "v2", "namespaces", tenant, namespace, "policies"], "GET") => {
            policies(broker, tenant, namespace)
        }
        (["admin", "v2", "namespaces", tenant, namespace, "topics"], "GET") => {
            let domains: &[&str] = match request.query_value("mode") {
                Some("ALL") => &["persistent://", "non-persistent://"],
                Some("NON_PERSISTENT") => &["non-persistent://"],
                _ => &["persistent://"],
            };
            topic_list(broker, domains, tenant, namespace).await
        }
        (
            ["lookup", "v2", "topic", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic],
            "GET",
        ) => lookup(broker, request, domain, tenant, namespace, topic),
        (["admin", "v2", "schemas", tenant, namespace, topic, "schema", rest @ ..], "GET") => {
            schema(broker, tenant, namespace, topic, rest).await
        }
        (["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace], "GET") => {
            topic_list(broker, &[&format!("{domain}://")], tenant, namespace).await
        }
        (
            ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, "partitioned"],
            "GET",
        ) => partitions::list(broker, *domain == "persistent", tenant, namespace),
        (
            ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic, what @ ("partitions" | "partitioned-stats")],
            method,
        ) => {
            let Ok(name) = TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}"))
            else {
                return Response::error(412, "Invalid topic name");
            };
            match (*what, method) {
                ("partitions", _) => partitions::route(broker, request, &name).await,
                (_, "GET") => partitions::stats(broker, &name).await,
                _ => Response::not_allowed(),
            }
        }
        (
            ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic],
            _,
        ) => {
            let Ok(name) = TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}"))
            else {
                return Response::error(412, "Invalid topic name");
            };
            topic_route(broker, request, &name).await
        }
        (
            ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic, what @ ("stats" | "lastMessageId")],
            "GET",
        ) => {
            let Ok(name) = TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}"))
            else {
                return Response::error(404, "Topic not found");
            };
            match broker.existing_topic(&name).await {
                Some(topic) if *what == "stats" => Response::json(200, topic.stats()),
                Some(topic) => Response::json(200, last_message_id(&topic)),
                None => Response::error(404, "Topic not found"),
            }
        }
        (
            ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic, what @ ("subscription" | "subscriptions" | "internalStats"), rest @ ..],
            _,
        ) => {
            let Ok(name) = TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}"))
            else {
                return Response::error(412, "Invalid topic name");
            };
            subscriptions::route(broker, request, &name, what, rest).await
        }
        (["admin", "v2", "namespaces", tenant, namespace, "deduplication"], _) => {
            policies::namespace_deduplication(broker, request, tenant, namespace).await
        }
        (["admin", "v2", "namespaces", tenant, namespace, "schemaCompatibilityStrategy"], _) => {
            policies::schema_compatibility_strategy(broker, request, tenant, namespace).await
        }
        (["admin", "v2", "namespaces", tenant, namespace, "retention"], _) => {
            policies::retention(broker, request, tenant, namespace).await
        }
        (["admin", "v2", "namespaces", tenant, namespace, "messageTTL"], _) => {
            policies::message_ttl(broker, request, tenant, namespace).await
        }
        (
            ["admin", "v2", "namespaces", tenant, namespace, what @ ("backlogQuota" | "backlogQuotaMap")],
            _,
        ) => policies::backlog_quota(broker, request, tenant, namespace, what).await,
        (
            ["admin", "v2", domain @ ("persistent" | "non-persistent"), tenant, namespace, topic, "deduplicationEnabled"],
            _,
        ) => {
            let Ok(name) = TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}"))
            else {
                return Response::error(412, "Invalid topic name");
            };
            policies::topic_deduplication(broker, request, &name).await
        }
        (
            ["admin", "v2", "schemas", tenant, namespace, topic, what @ ("schema" | "compatibility")],
            _,
        ) => {
            let Ok(name) = TopicName::parse(&format!("persistent://{tenant}/{namespace}/{topic}"))
            else {
                return Response::error(412, "Invalid topic name");
            };
            policies::schema_change(broker, request, &name, what).await
        }
        (["metrics"] | ["admin", "v2", "brokers", "health"] | ["admin", "v2", "tenants"], _)
        | (["admin", "v2", "namespaces", _], _)
        | (["admin", "v2", "namespaces", _, _, "policies" | "topics"], _)
        | (["admin", "v2", "schemas", _, _, _, "schema", ..], _)
        | (["admin", "v2", "persistent" | "non-persistent", _, _], _)
        | (
            ["admin", "v2", "persistent" | "non-persistent", _, _, _, "stats" | "lastMessageId"],
            _,
        ) => Response::not_allowed(),
        _ => Response::error(404, "Not found"),
    }
}

/// Apache Pulsar answers `ok` once it can serve; here, until shutdown starts.
fn health(broker: &Broker) -> Response {
    if broker.shutdown.is_cancelled() {
        Response::error(503, "broker shutting down")
    } else {
        Response::text(200, "text/plain", "ok".into())
    }
}

async fn tenant_route(broker: &Broker, request: &Request, tenant: &str) -> Response {
    match request.method.as_str() {
        "GET" => match broker.namespaces.tenant(tenant) {
            Some(info) => Response::json(200, info.to_json()),
            None => registry_error(&RegistryError::TenantNotFound),
        },
        "PUT" => {
            let info = match request.json() {
                Err(refusal) => return refusal,
                Ok(None) => TenantInfo::default(),
                Ok(Some(body)) => match TenantInfo::from_json(&body) {
                    Some(info) => info,
                    None => return Response::error(400, "invalid tenant info"),
                },
            };
            let unknown: Vec<&String> = info
                .allowed_clusters
                .iter()
                .filter(|c| *c != CLUSTER)
                .collect();
            if !unknown.is_empty() {
                return Response::error(412, &format!("Clusters {unknown:?} do not exist"));
            }
            match broker.namespaces.create_tenant(tenant, info).await {
                Ok(()) => Response::no_content(),
                Err(e) => registry_error(&e),
            }
        }
        "DELETE" => match broker.namespaces.delete_tenant(tenant).await {
            Ok(()) => Response::no_content(),
            Err(e) => registry_error(&e),
        },
        _ => Response::not_allowed(),
    }
}

async fn namespace_route(
    broker: &Broker,
    request: &Request,
    tenant: &str,
    namespace: &str,
) -> Response {
    match request.method.as_str() {
        "GET" => policies(broker, tenant, namespace),
        "PUT" => {
            // The body (policies) is optional; this broker applies none, but it must be JSON.
            if let Err(refusal) = request.json() {
                return refusal;
            }
            match broker.namespaces.create_namespace(tenant, namespace).await {
                Ok(()) => Response::no_content(),
                Err(e) => registry_error(&e),
            }
        }
        "DELETE" => match broker.delete_namespace(tenant, namespace).await {
            Ok(()) => Response::no_content(),
            Err(e) => delete_error(&e),
        },
        _ => Response::not_allowed(),
    }
}

/// The policies of a namespace: deduplication, the schema compatibility strategy,
/// retention, message TTL and backlog quotas are its own (see [`policies`]), the others
/// the defaults of a standalone cluster.
fn policies(broker: &Broker, tenant: &str, namespace: &str) -> Response {
    let Some(applied) = broker.namespaces.policies(tenant, namespace) else {
        return registry_error(&RegistryError::NamespaceNotFound);
    };
    Response::json(
        200,
        serde_json::json!({
            "auth_policies": {
                "namespace_auth": {},
                "destination_auth": {},
                "subscription_auth_roles": {},
            },
            "replication_clusters": [CLUSTER],
            "bundles": {"boundaries": ["0x00000000", "0xffffffff"], "numBundles": 1},
            "deduplicationEnabled": applied.deduplication,
            "retention_policies": applied.retention.map(crate::retention::RetentionPolicy::to_json),
            "message_ttl_in_seconds": applied.message_ttl_seconds,
            "backlog_quota_map": applied.backlog_quota_map(),
            "deleted": false,
            "schema_auto_update_compatibility_strategy": "Full",
            "schema_compatibility_strategy": applied.schema_compatibility.name(),
            "is_allow_auto_update_schema": true,
        }),
    )
}

/// The topics of a namespace, of the domains given (`persistent://`, `non-persistent://`).
async fn topic_list(broker: &Broker, domains: &[&str], tenant: &str, namespace: &str) -> Response {
    if !broker.namespaces.namespace_exists(tenant, namespace) {
        return registry_error(&RegistryError::NamespaceNotFound);
    }
    let topics: Vec<String> = broker
        .topics_of(tenant, namespace)
        .await
        .into_iter()
        .filter(|name| domains.iter().any(|domain| name.starts_with(domain)))
        .collect();
    Response::json(200, topics.into())
}

/// `GET /lookup/v2/topic/{domain}/{tenant}/{namespace}/{topic}`: the HTTP lookup of
/// clients given an `http://` service URL. The broker is this one, at the address the
/// client reached the admin listener on (or the protocol listener's, if bound to one).
fn lookup(
    broker: &Broker,
    request: &Request,
    domain: &str,
    tenant: &str,
    namespace: &str,
    topic: &str,
) -> Response {
    if TopicName::parse(&format!("{domain}://{tenant}/{namespace}/{topic}")).is_err() {
        return Response::error(412, "Invalid topic name");
    }
    if !broker.namespaces.namespace_exists(tenant, namespace) {
        return registry_error(&RegistryError::NamespaceNotFound);
    }
    let bound = broker.local_address();
    let host = match (bound.ip().is_unspecified(), request.local) {
        (true, Some(local)) => local.ip(),
        _ => bound.ip(),
    };
    let protocol = std::net::SocketAddr::new(host, bound.port());
    let http = request
        .local
        .map_or_else(String::new, |local| format!("http://{local}"));
    Response::json(
        200,
        serde_json::json!({
            "brokerUrl": format!("pulsar://{protocol}"),
            "nativeUrl": format!("pulsar://{protocol}"),
            "httpUrl": http,
            "brokerUrlTls": "",
            "httpUrlTls": "",
        }),
    )
}

async fn topic_route(broker: &Broker, request: &Request, name: &TopicName) -> Response {
    match request.method.as_str() {
        "PUT" => {
            if !broker
                .namespaces
                .namespace_exists(&name.tenant, &name.namespace)
            {
                return registry_error(&RegistryError::NamespaceNotFound);
            }
            if broker.topic_exists(name).await || broker.partitioned.partitions(name) > 0 {
                return Response::error(409, "This topic already exists");
            }
            match broker.topic(name).await {
                Ok(_) => Response::no_content(),
                Err((_, reason)) => Response::error(500, &reason),
            }
        }
        "DELETE" => match broker.delete_topic(name, request.flag("force")).await {
            Ok(()) => {
                policies::forget_topic(broker, name).await;
                Response::no_content()
            }
            Err(e) => delete_error(&e),
        },
        _ => Response::not_allowed(),
    }
}

/// The id of the topic's last message, as Apache Pulsar writes a message id: entry -1
/// when the topic is empty, `batchIndex` when the last entry is a batch.
fn last_message_id(topic: &Topic) -> serde_json::Value {
    let (last, _) = topic.last_message_id("");
    let entry_id = i64::try_from(last.entry_id).unwrap_or(-1);
    let mut id = serde_json::json!({
        "ledgerId": last.ledger_id,
        "entryId": entry_id,
        "partitionIndex": -1,
    });
    if let Some(batch_index) = last.batch_index {
        id["batchIndex"] = batch_index.into();
    }
    id
}

async fn schema(
    broker: &Broker,
    tenant: &str,
    namespace: &str,
    topic: &str,
    rest: &[&str],
) -> Response {
    let not_found = |what: &str| Response::error(404, what);
    let Ok(name) = TopicName::parse(&format!("persistent://{tenant}/{namespace}/{topic}")) else {
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
        Some((version, stored)) => Response::json(
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

fn registry_error(error: &RegistryError) -> Response {
    let status = match error {
        RegistryError::TenantNotFound | RegistryError::NamespaceNotFound => 404,
        RegistryError::TenantExists
        | RegistryError::NamespaceExists
        | RegistryError::TenantNotEmpty => 409,
        RegistryError::InvalidName => 412,
        RegistryError::Storage(source) => {
            tracing::error!(error = %source, "cannot store the namespace registry");
            500
        }
    };
    Response::error(status, &error.to_string())
}

fn delete_error(error: &DeleteError) -> Response {
    let status = match error {
        DeleteError::TopicNotFound => 404,
        DeleteError::TopicBusy => 412,
        DeleteError::NamespaceNotEmpty => 409,
        DeleteError::Registry(inner) => return registry_error(inner),
        DeleteError::Storage(source) => {
            tracing::error!(error = %source, "cannot delete a topic's files");
            500
        }
    };
    Response::error(status, &error.to_string())
}

const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

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
