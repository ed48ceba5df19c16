//! The admin API's statistics of a topic.

use pulsar::proto::command_subscribe::SubType;

use super::Topic;

impl Topic {
    /// The admin API's topic statistics.
    pub fn stats(&self) -> serde_json::Value {
        let state = self.lock();
        let subscriptions: serde_json::Map<String, serde_json::Value> = state
            .subscriptions
            .values()
            .map(|sub| {
                let consumers: Vec<serde_json::Value> = sub
                    .consumers()
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "consumerName": c.name,
                            "availablePermits": c.permits,
                            "unackedMessages": sub.unacked_of(c.key),
                            "address": c.address,
                        })
                    })
                    .collect();
                let mut stats = serde_json::json!({
                    "msgBacklog": sub.backlog(state.end_id),
                    "msgDelayed": sub.delayed_messages(),
                    "msgOutCounter": sub.msg_out_counter,
                    "type": sub_type_name(sub.sub_type),
                    "isDurable": sub.durable,
                    "consumers": consumers,
                });
                // As Apache's, only Exclusive and Failover subscriptions name one.
                if let Some(active) = sub.active_consumer() {
                    stats["activeConsumerName"] = active.name.clone().into();
                }
                (sub.name.clone(), stats)
            })
            .collect();
        let publishers: Vec<serde_json::Value> = state
            .producers
            .iter()
            .map(|(name, slot)| serde_json::json!({"producerName": name, "address": slot.address}))
            .collect();
        serde_json::json!({
            "msgInCounter": state.msg_in,
            "bytesInCounter": state.bytes_in,
            "publishers": publishers,
            "subscriptions": subscriptions,
        })
    }
}

/// The metric families of [`Topic::metric_samples`], with their Prometheus types, in the
/// order they are written. The names are Apache Pulsar's own, so one dashboard reads
/// either broker.
pub const METRIC_FAMILIES: [(&str, &str); 9] = [
    ("pulsar_in_messages_total", "counter"),
    ("pulsar_in_bytes_total", "counter"),
    ("pulsar_out_messages_total", "counter"),
    ("pulsar_storage_size", "gauge"),
    ("pulsar_embedded_topic_memory_bytes", "gauge"),
    ("pulsar_producers_count", "gauge"),
    ("pulsar_subscriptions_count", "gauge"),
    ("pulsar_msg_backlog", "gauge"),
    ("pulsar_consumers_count", "gauge"),
];

impl Topic {
    /// This topic's samples: (family, labels in the text format, value). `storage_size`
    /// counts the bytes its log holds, `pulsar_embedded_topic_memory_bytes` (not an Apache
    /// metric) those of the entries it keeps in memory for its subscriptions.
    pub fn metric_samples(&self) -> Vec<(&'static str, String, u64)> {
        let state = self.lock();
        let topic = format!("topic=\"{}\"", label(&self.full_name));
        let stored = state.stored_bytes();
        let out_total: u64 = state
            .subscriptions
            .values()
            .map(|s| s.msg_out_counter)
            .sum();
        let mut samples = vec![
            ("pulsar_in_messages_total", topic.clone(), state.msg_in),
            ("pulsar_in_bytes_total", topic.clone(), state.bytes_in),
            ("pulsar_out_messages_total", topic.clone(), out_total),
            ("pulsar_storage_size", topic.clone(), stored),
            (
                "pulsar_embedded_topic_memory_bytes",
                topic.clone(),
                state.entries.iter().map(|e| e.body.len() as u64).sum(),
            ),
            (
                "pulsar_producers_count",
                topic.clone(),
                state.producers.len() as u64,
            ),
            (
                "pulsar_subscriptions_count",
                topic.clone(),
                state.subscriptions.len() as u64,
            ),
        ];
        for sub in state.subscriptions.values() {
            let labels = format!("{topic},subscription=\"{}\"", label(&sub.name));
            samples.push((
                "pulsar_msg_backlog",
                labels.clone(),
                sub.backlog(state.end_id),
            ));
            samples.push((
                "pulsar_consumers_count",
                labels,
                sub.consumers().len() as u64,
            ));
        }
        samples
    }
}

/// A label value escaped as the text format requires (backslash, quote, newline): names
/// come from clients.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn sub_type_name(sub_type: SubType) -> &'static str {
    match sub_type {
        SubType::Exclusive => "Exclusive",
        SubType::Shared => "Shared",
        SubType::Failover => "Failover",
        SubType::KeyShared => "Key_Shared",
    }
}
