//! The namespace and topic policies this broker applies, and the admin API's schema
//! changes: deduplication (namespace and topic), the schema compatibility strategy,
//! retention, message TTL, backlog quotas, schema upload, deletion and compatibility
//! check.

use pulsar::proto::{schema::Type as SchemaType, KeyValue, Schema};

use super::{registry_error, Request, Response};
use crate::{
    broker::Broker,
    namespaces::{NamespacePolicies, RegistryError, QUOTA_TYPES},
    retention::{BacklogQuota, RetentionPolicy},
    schema_registry::{CompatibilityStrategy, SchemaError},
    topic_name::TopicName,
};

/// `GET|POST|DELETE /admin/v2/namespaces/{tenant}/{namespace}/deduplication`: the body of
/// POST is `true` or `false`; GET answers it, or 204 when unset, as Apache Pulsar does.
pub async fn namespace_deduplication(
    broker: &Broker,
    request: &Request,
    tenant: &str,
    namespace: &str,
) -> Response {
    let campo: fn(&mut NamespacePolicies) -> &mut Option<_> = |p| &mut p.deduplication;
    namespace_policy(
        broker,
        request,
        (tenant, namespace),
        campo,
        Into::into,
        boolean,
    )
    .await
}

/// `GET|POST|PUT /admin/v2/namespaces/{tenant}/{namespace}/schemaCompatibilityStrategy`:
/// the body is the strategy's name, as a JSON string (or bare).
pub async fn schema_compatibility_strategy(
    broker: &Broker,
    request: &Request,
    tenant: &str,
    namespace: &str,
) -> Response {
    let Some(policies) = broker.namespaces.policies(tenant, namespace) else {
        return registry_error(&RegistryError::NamespaceNotFound);
    };
    match request.method.as_str() {
        "GET" => Response::json(200, policies.schema_compatibility.name().into()),
        "POST" | "PUT" => {
            let text = String::from_utf8_lossy(&request.body);
            let name =
                serde_json::from_str::<String>(&text).unwrap_or_else(|_| text.trim().to_string());
            let Some(strategy) = CompatibilityStrategy::parse(&name) else {
                return Response::error(400, &format!("unknown compatibility strategy {name:?}"));
            };
            change(broker, tenant, namespace, |p| {
                p.schema_compatibility = strategy
            })
            .await
        }
        _ => Response::not_allowed(),
    }
}

/// `GET|POST|DELETE /admin/v2/namespaces/{tenant}/{namespace}/retention`: the body of POST
/// is `{"retentionTimeInMinutes", "retentionSizeInMB"}`; GET answers it, or 204 when
/// unset (the broker's default then applies).
pub async fn retention(
    broker: &Broker,
    request: &Request,
    tenant: &str,
    namespace: &str,
) -> Response {
    let parse = |body: Option<&serde_json::Value>| {
        body.and_then(RetentionPolicy::from_json)
            .ok_or_else(|| Response::error(400, "invalid retention policies"))
    };
    let campo: fn(&mut NamespacePolicies) -> &mut Option<_> = |p| &mut p.retention;
    let show = RetentionPolicy::to_json;
    namespace_policy(broker, request, (tenant, namespace), campo, show, parse).await
}

/// `GET|POST|DELETE /admin/v2/namespaces/{tenant}/{namespace}/messageTTL`: the body of
/// POST is the TTL in seconds (0 is none); GET answers it, or 204 when unset.
pub async fn message_ttl(
    broker: &Broker,
    request: &Request,
    tenant: &str,
    namespace: &str,
) -> Response {
    let parse = |body: Option<&serde_json::Value>| {
        body.and_then(serde_json::Value::as_u64)
            .and_then(|ttl| u32::try_from(ttl).ok())
            .ok_or_else(|| {
                Response::error(
                    412,
                    "Invalid value for message TTL: not a number of seconds",
                )
            })
    };
    let campo: fn(&mut NamespacePolicies) -> &mut Option<_> = |p| &mut p.message_ttl_seconds;
    namespace_policy(
        broker,
        request,
        (tenant, namespace),
        campo,
        Into::into,
        parse,
    )
    .await
}

/// An optional policy of a namespace, the field `campo` gives, through
/// [`optional_policy`]; a change that would leave a backlog quota over the retention is
/// refused (see [`quota_over_retention`]).
async fn namespace_policy<T: Copy>(
    broker: &Broker,
    request: &Request,
    (tenant, namespace): (&str, &str),
    campo: fn(&mut NamespacePolicies) -> &mut Option<T>,
    show: impl Fn(T) -> serde_json::Value,
    parse: impl Fn(Option<&serde_json::Value>) -> Result<T, Response>,
) -> Response {
    let Some(mut policies) = broker.namespaces.policies(tenant, namespace) else {
        return registry_error(&RegistryError::NamespaceNotFound);
    };
    let value = match optional_policy(request, *campo(&mut policies), show, parse) {
        Ok(value) => value,
        Err(answer) => return answer,
    };
    *campo(&mut policies) = value;
    if let Some(refusal) = quota_over_retention(broker, &policies) {
        return refusal;
    }
    change(broker, tenant, namespace, |p| *campo(p) = value).await
}

/// `GET /admin/v2/namespaces/{tenant}/{namespace}/backlogQuotaMap` and
/// `POST|DELETE …/backlogQuota?backlogQuotaType=destination_storage|message_age` (the
/// type defaults to `destination_storage`); the body of POST is
/// `{"limitSize", "limitTime", "policy"}`.
pub async fn backlog_quota(
    broker: &Broker,
    request: &Request,
    tenant: &str,
    namespace: &str,
    what: &str,
) -> Response {
    let Some(policies) = broker.namespaces.policies(tenant, namespace) else {
        return registry_error(&RegistryError::NamespaceNotFound);
    };
    if what == "backlogQuotaMap" {
        return match request.method.as_str() {
            "GET" => Response::json(200, policies.backlog_quota_map()),
            _ => Response::not_allowed(),
        };
    }
    let kind = request
        .query_value("backlogQuotaType")
        .unwrap_or(QUOTA_TYPES[0])
        .to_string();
    if !QUOTA_TYPES.contains(&kind.as_str()) {
        return Response::error(400, &format!("unknown backlogQuotaType {kind:?}"));
    }
    let quota = match request.method.as_str() {
        "DELETE" => None,
        "POST" | "PUT" => match request.json() {
            Err(refusal) => return refusal,
            Ok(body) => match body.as_ref().and_then(BacklogQuota::from_json) {
                Some(quota) => Some(quota),
                None => return Response::error(400, "invalid backlog quota"),
            },
        },
        _ => return Response::not_allowed(),
    };
    let mut changed = policies.clone();
    match quota {
        Some(quota) => changed.backlog_quotas.insert(kind.clone(), quota),
        None => changed.backlog_quotas.remove(&kind),
    };
    if let Some(refusal) = quota_over_retention(broker, &changed) {
        return refusal;
    }
    change(broker, tenant, namespace, |p| {
        p.backlog_quotas = changed.backlog_quotas
    })
    .await
}

/// As Apache Pulsar, a backlog quota larger than the retention it comes with is refused:
/// retention would delete the backlog before the quota is reached.
fn quota_over_retention(broker: &Broker, policies: &NamespacePolicies) -> Option<Response> {
    let retention = policies.retention.unwrap_or(broker.config.retention);
    let quota = policies.backlog_quotas.get(QUOTA_TYPES[0])?;
    let limit = u64::try_from(retention.size_mb)
        .ok()?
        .saturating_mul(1024 * 1024);
    let quota = u64::try_from(quota.limit_size).ok()?;
    // A retention of 0 keeps nothing acknowledged: it bounds no backlog.
    (limit > 0 && quota >= limit).then(|| {
        Response::error(
            412,
            "Backlog Quota exceeds configured retention quota for namespace. Please increase retention quota and retry",
        )
    })
}

/// `GET|POST|DELETE /admin/v2/{domain}/{tenant}/{namespace}/{topic}/deduplicationEnabled`:
/// the topic's own policy, which wins over its namespace's. GET answers the policy (204
/// when unset), or with `?applied=true` the decision in effect.
pub async fn topic_deduplication(broker: &Broker, request: &Request, name: &TopicName) -> Response {
    if !broker
        .namespaces
        .namespace_exists(&name.tenant, &name.namespace)
    {
        return registry_error(&RegistryError::NamespaceNotFound);
    }
    if !broker.topic_exists(name).await {
        return Response::error(404, "Topic not found");
    }
    let key = name.to_string();
    if request.method == "GET" && request.flag("applied") {
        return Response::json(200, broker.deduplication_of(name).into());
    }
    let policies = broker
        .namespaces
        .policies(&name.tenant, &name.namespace)
        .unwrap_or_default();
    let current = policies.topic_deduplication.get(&key).copied();
    let enabled = match optional_policy(request, current, Into::into, boolean) {
        Ok(enabled) => enabled,
        Err(answer) => return answer,
    };
    change(broker, &name.tenant, &name.namespace, |p| match enabled {
        Some(enabled) => {
            p.topic_deduplication.insert(key, enabled);
        }
        None => {
            p.topic_deduplication.remove(&key);
        }
    })
    .await
}

/// Forgets the policies of a deleted topic, so that a new topic of that name starts
/// without them.
pub async fn forget_topic(broker: &Broker, name: &TopicName) {
    let key = name.to_string();
    let has_policy = broker
        .namespaces
        .policies(&name.tenant, &name.namespace)
        .is_some_and(|p| p.topic_deduplication.contains_key(&key));
    if has_policy {
        let forgotten = broker
            .namespaces
            .change_policies(&name.tenant, &name.namespace, |p| {
                p.topic_deduplication.remove(&key);
            })
            .await;
        if let Err(error) = forgotten {
            tracing::error!(topic = %name, %error, "cannot forget a deleted topic's policies");
        }
    }
}

/// Stores a change of a namespace's policies and applies it to its loaded topics.
async fn change(
    broker: &Broker,
    tenant: &str,
    namespace: &str,
    change: impl FnOnce(&mut crate::namespaces::NamespacePolicies),
) -> Response {
    if let Err(e) = broker
        .namespaces
        .change_policies(tenant, namespace, change)
        .await
    {
        return registry_error(&e);
    }
    broker.apply_policies(tenant, namespace).await;
    tracing::info!(tenant, namespace, "namespace policies changed");
    Response::no_content()
}

/// `POST|DELETE /admin/v2/schemas/{tenant}/{namespace}/{topic}/schema` and
/// `POST …/compatibility`. An upload loads (creating if needed) the topic, whose
/// directory holds its schemas; a deletion removes every version.
pub async fn schema_change(
    broker: &Broker,
    request: &Request,
    name: &TopicName,
    what: &str,
) -> Response {
    if !broker
        .namespaces
        .namespace_exists(&name.tenant, &name.namespace)
    {
        return registry_error(&RegistryError::NamespaceNotFound);
    }
    let topic = match (what, request.method.as_str()) {
        ("schema", "DELETE") | ("compatibility", "POST") => broker.existing_topic(name).await,
        ("schema", "POST") => broker.topic(name).await.ok(),
        _ => return Response::not_allowed(),
    };
    let Some(topic) = topic else {
        return Response::error(404, "Topic not found");
    };
    let schemas = topic.schemas();
    let payload = if request.method == "POST" {
        match request
            .json()
            .map(|body| body.as_ref().and_then(|b| schema_payload(name, b)))
        {
            Err(refusal) => return refusal,
            Ok(None) => return Response::error(400, "invalid schema payload"),
            Ok(Some(schema)) => Some(schema),
        }
    } else {
        None
    };
    let what = what.to_string();
    // Registration and deletion write and fsync the schema file.
    let outcome = tokio::task::spawn_blocking(move || {
        let mut registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
        match (what.as_str(), payload) {
            ("compatibility", Some(schema)) => {
                let strategy = registry.strategy().applied().name();
                let compatible = registry.check(&schema).is_ok();
                Ok(Some(serde_json::json!({
                    "isCompatibility": compatible,
                    "schemaCompatibilityStrategy": strategy,
                })))
            }
            (_, Some(schema)) => registry
                .register(&schema)
                .map(|version| Some(serde_json::json!({ "version": { "version": version } }))),
            (_, None) => match registry.latest() {
                None => Ok(None),
                Some((latest, _)) => registry
                    .delete_all()
                    .map(|()| Some(serde_json::json!({ "version": latest }))),
            },
        }
    })
    .await;
    match outcome {
        Ok(Ok(Some(body))) => Response::json(200, body),
        Ok(Ok(None)) => Response::error(404, "Schema not found"),
        Ok(Err(SchemaError::Incompatible(reason))) => Response::error(409, &reason),
        Ok(Err(SchemaError::Io(error))) => {
            tracing::error!(topic = %name, %error, "cannot store the schema");
            Response::error(500, "cannot store the schema")
        }
        Err(error) => {
            tracing::error!(topic = %name, %error, "schema change failed");
            Response::error(500, "schema change failed")
        }
    }
}

/// The schema of Apache Pulsar's `PostSchemaPayload` (`{"type","schema","properties"}`).
fn schema_payload(name: &TopicName, body: &serde_json::Value) -> Option<Schema> {
    let type_name = body.get("type")?.as_str()?;
    let r#type = match type_name {
        "BYTES" | "NONE" => SchemaType::None,
        "STRING" => SchemaType::String,
        "JSON" => SchemaType::Json,
        "AVRO" => SchemaType::Avro,
        "PROTOBUF" => SchemaType::Protobuf,
        "PROTOBUF_NATIVE" => SchemaType::ProtobufNative,
        "KEY_VALUE" => SchemaType::KeyValue,
        other => SchemaType::from_str_name(other)?,
    } as i32;
    let definition = match body.get("schema") {
        None | Some(serde_json::Value::Null) => "",
        Some(text) => text.as_str()?,
    };
    let properties = match body.get("properties") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(map) => map
            .as_object()?
            .iter()
            .map(|(key, value)| {
                Some(KeyValue {
                    key: key.clone(),
                    value: value.as_str()?.to_string(),
                })
            })
            .collect::<Option<_>>()?,
    };
    Some(Schema {
        name: name.to_string(),
        schema_data: definition.as_bytes().to_vec(),
        r#type,
        properties,
    })
}

/// What a request does to an optional policy whose value is `current`: GET answers it
/// as `show` writes it (`Err` with the answer; 204 when unset, as Apache Pulsar's JAX-RS
/// `null`), DELETE unsets it (`Ok(None)`), POST and PUT set it from the body as `parse`
/// reads it (or refuses it); other methods are refused.
fn optional_policy<T>(
    request: &Request,
    current: Option<T>,
    show: impl Fn(T) -> serde_json::Value,
    parse: impl Fn(Option<&serde_json::Value>) -> Result<T, Response>,
) -> Result<Option<T>, Response> {
    match request.method.as_str() {
        "GET" => Err(current.map_or_else(Response::no_content, |value| {
            Response::json(200, show(value))
        })),
        "DELETE" => Ok(None),
        "POST" | "PUT" => parse(request.json()?.as_ref()).map(Some),
        _ => Err(Response::not_allowed()),
    }
}

/// A boolean policy's body: `true` or `false`.
fn boolean(body: Option<&serde_json::Value>) -> Result<bool, Response> {
    body.and_then(serde_json::Value::as_bool)
        .ok_or_else(|| Response::error(400, "the body must be true or false"))
}
