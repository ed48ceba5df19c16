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
                (
                    sub.name.clone(),
                    serde_json::json!({
                        "msgBacklog": sub.backlog(state.end_id),
                        "msgOutCounter": sub.msg_out_counter,
                        "type": sub_type_name(sub.sub_type),
                        "isDurable": sub.durable,
                        "consumers": consumers,
                    }),
                )
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

pub fn sub_type_name(sub_type: SubType) -> &'static str {
    match sub_type {
        SubType::Exclusive => "Exclusive",
        SubType::Shared => "Shared",
        SubType::Failover => "Failover",
        SubType::KeyShared => "Key_Shared",
    }
}
