//! Partitioned topics in the admin API, with Apache Pulsar's paths and status codes:
//!
//! - `PUT …/{topic}/partitions` (body: the count): creates the partitioned topic and its
//!   partitions `{topic}-partition-{i}`; 409 if the name is taken (partitioned or not),
//!   406 for a count of 0 or above [`MAX_PARTITIONS`], 412 for a partition's name.
//! - `POST …/{topic}/partitions`: more partitions (409 unless more than today).
//! - `GET …/{topic}/partitions`: `{"partitions": N}`, 0 for a topic that is not
//!   partitioned, as Apache Pulsar answers (auto-creation would make it non-partitioned).
//! - `DELETE …/{topic}/partitions[?force=true]`: the metadata and every partition.
//! - `GET /admin/v2/{domain}/{tenant}/{namespace}/partitioned`: the partitioned topics.
//! - `GET …/{topic}/partitioned-stats`: the partitions' stats summed, and each one's.

use super::{delete_error, registry_error, Request, Response};
use crate::{
    broker::{has_clients, Broker, DeleteError},
    namespaces::RegistryError,
    topic_name::TopicName,
};

/// The most partitions a topic may have: each is a loaded topic with its own tasks and
/// fsyncs. (Apache Pulsar's `maxNumPartitionsPerPartitionedTopic` is unlimited by
/// default; a laptop broker is not.)
pub const MAX_PARTITIONS: u32 = 1024;

/// `…/{topic}/partitions`, any method.
pub(super) async fn route(broker: &Broker, request: &Request, name: &TopicName) -> Response {
    if !broker
        .namespaces
        .namespace_exists(&name.tenant, &name.namespace)
    {
        return registry_error(&RegistryError::NamespaceNotFound);
    }
    match request.method.as_str() {
        "PUT" => create(broker, request, name).await,
        "POST" => update(broker, request, name).await,
        "GET" => Response::json(
            200,
            serde_json::json!({ "partitions": broker.partitioned.partitions(name) }),
        ),
        "DELETE" => delete(broker, name, request.flag("force")).await,
        _ => Response::not_allowed(),
    }
}

/// The partition count of the body.
fn requested_count(request: &Request) -> Result<u32, Response> {
    let count = match request.json()? {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        _ => None,
    }
    .ok_or_else(|| Response::error(400, "the body must be the number of partitions"))?;
    if count <= 0 {
        return Err(Response::error(
            406,
            "Number of partitions should be more than 0",
        ));
    }
    u32::try_from(count)
        .ok()
        .filter(|count| *count <= MAX_PARTITIONS)
        .ok_or_else(|| {
            Response::error(
                406,
                &format!("Number of partitions should be less than or equal to {MAX_PARTITIONS}"),
            )
        })
}

async fn create(broker: &Broker, request: &Request, name: &TopicName) -> Response {
    let count = match requested_count(request) {
        Ok(count) => count,
        Err(refusal) => return refusal,
    };
    if name.is_partition() {
        return Response::error(
            412,
            "Partitioned topic name should not contain '-partition-' followed by a number",
        );
    }
    let changing = broker.partitioned.changing().await;
    if broker.partitioned.partitions(name) > 0 || broker.topic_exists(name).await {
        return Response::error(409, "This topic already exists");
    }
    if let Err(error) = broker.partitioned.set(&changing, name, Some(count)).await {
        tracing::error!(topic = %name, %error, "cannot store the partitioned-topic metadata");
        return Response::error(500, "cannot store the partitioned-topic metadata");
    }
    tracing::info!(topic = %name, partitions = count, "partitioned topic created");
    create_partitions(broker, name, 0..count).await
}

async fn update(broker: &Broker, request: &Request, name: &TopicName) -> Response {
    let count = match requested_count(request) {
        Ok(count) => count,
        Err(refusal) => return refusal,
    };
    let changing = broker.partitioned.changing().await;
    let current = broker.partitioned.partitions(name);
    if current == 0 {
        return if broker.topic_exists(name).await {
            Response::error(409, "Topic is not partitioned topic")
        } else {
            Response::error(404, "Partitioned topic does not exist")
        };
    }
    if count <= current {
        return Response::error(
            409,
            "Number of new partitions must be greater than existing number of partitions",
        );
    }
    if let Err(error) = broker.partitioned.set(&changing, name, Some(count)).await {
        tracing::error!(topic = %name, %error, "cannot store the partitioned-topic metadata");
        return Response::error(500, "cannot store the partitioned-topic metadata");
    }
    tracing::info!(topic = %name, from = current, to = count, "partitioned topic updated");
    create_partitions(broker, name, current..count).await
}

/// Creates (loads) the partitions, as Apache Pulsar does when the metadata is stored, so
/// that they are listed and have stats before any client uses them.
async fn create_partitions(
    broker: &Broker,
    name: &TopicName,
    indexes: std::ops::Range<u32>,
) -> Response {
    for index in indexes {
        if let Err((_, reason)) = broker.topic(&name.partition(index)).await {
            return Response::error(500, &reason);
        }
    }
    Response::no_content()
}

/// Deletes every partition, then the metadata; refused (412) if a partition has clients
/// and not `force`, before anything is deleted.
async fn delete(broker: &Broker, name: &TopicName, force: bool) -> Response {
    let changing = broker.partitioned.changing().await;
    let count = broker.partitioned.partitions(name);
    if count == 0 {
        return Response::error(404, "Partitioned topic does not exist");
    }
    if !force {
        for index in 0..count {
            if let Some(partition) = broker.existing_topic(&name.partition(index)).await {
                if has_clients(&partition.stats()) {
                    return delete_error(&DeleteError::TopicBusy);
                }
            }
        }
    }
    for index in 0..count {
        match broker.delete_topic(&name.partition(index), force).await {
            // A partition never used may have been deleted on its own already.
            Ok(()) | Err(DeleteError::TopicNotFound) => {}
            Err(e) => return delete_error(&e),
        }
    }
    if let Err(error) = broker.partitioned.set(&changing, name, None).await {
        tracing::error!(topic = %name, %error, "cannot store the partitioned-topic metadata");
        return Response::error(500, "cannot store the partitioned-topic metadata");
    }
    tracing::info!(topic = %name, force, "partitioned topic deleted");
    Response::no_content()
}

/// `GET /admin/v2/{domain}/{tenant}/{namespace}/partitioned`.
pub(super) fn list(broker: &Broker, persistent: bool, tenant: &str, namespace: &str) -> Response {
    if !broker.namespaces.namespace_exists(tenant, namespace) {
        return registry_error(&RegistryError::NamespaceNotFound);
    }
    Response::json(
        200,
        broker
            .partitioned
            .of_namespace(persistent, tenant, namespace)
            .into(),
    )
}

/// `GET …/{topic}/partitioned-stats`: counters and backlogs summed over the partitions,
/// publishers and consumers gathered, and each partition's own stats under `partitions`.
pub(super) async fn stats(broker: &Broker, name: &TopicName) -> Response {
    let count = broker.partitioned.partitions(name);
    if count == 0 {
        return Response::error(404, "Partitioned topic does not exist");
    }
    let mut partitions = serde_json::Map::new();
    for index in 0..count {
        let partition = name.partition(index);
        if let Some(topic) = broker.existing_topic(&partition).await {
            partitions.insert(partition.to_string(), topic.stats());
        }
    }
    let mut total = aggregate(partitions.values());
    total["metadata"] = serde_json::json!({ "partitions": count });
    total["partitions"] = partitions.into();
    Response::json(200, total)
}

/// The sum of topic stats: numbers added, lists joined, subscriptions merged by name.
fn aggregate<'a>(stats: impl Iterator<Item = &'a serde_json::Value>) -> serde_json::Value {
    let mut total = serde_json::json!({
        "msgInCounter": 0,
        "bytesInCounter": 0,
        "publishers": [],
        "subscriptions": {},
    });
    for one in stats {
        merge(&mut total, one);
    }
    total
}

/// Adds `from` into `into`, field by field.
fn merge(into: &mut serde_json::Value, from: &serde_json::Value) {
    use serde_json::Value;
    match (into, from) {
        (Value::Number(a), Value::Number(b)) => {
            if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
                *a = (x + y).into();
            }
        }
        (Value::Array(a), Value::Array(b)) => a.extend(b.iter().cloned()),
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in b {
                match a.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        a.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        // Text and flags (a subscription's type, `isDurable`) are the same everywhere.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_stats_add_up_counters_and_merge_subscriptions() {
        let one = serde_json::json!({
            "msgInCounter": 2, "bytesInCounter": 10, "publishers": [{"producerName": "a"}],
            "subscriptions": {"s": {"msgBacklog": 1, "type": "Shared", "consumers": [{"consumerName": "c1"}]}},
        });
        let two = serde_json::json!({
            "msgInCounter": 3, "bytesInCounter": 5, "publishers": [],
            "subscriptions": {"s": {"msgBacklog": 4, "type": "Shared", "consumers": [{"consumerName": "c2"}]},
                              "t": {"msgBacklog": 7}},
        });
        let total = aggregate([one, two].iter());
        assert_eq!(total["msgInCounter"], 5);
        assert_eq!(total["bytesInCounter"], 15);
        assert_eq!(total["publishers"].as_array().unwrap().len(), 1);
        assert_eq!(total["subscriptions"]["s"]["msgBacklog"], 5);
        assert_eq!(total["subscriptions"]["s"]["type"], "Shared");
        assert_eq!(
            total["subscriptions"]["s"]["consumers"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(total["subscriptions"]["t"]["msgBacklog"], 7);
    }
}
