//! Where topics are: PARTITIONED_METADATA, LOOKUP and GET_TOPICS_OF_NAMESPACE.
//!
//! A topic of a namespace that does not exist is refused as Apache Pulsar refuses it:
//! PARTITIONED_METADATA with `TopicNotFound` (which clients do not retry), LOOKUP with
//! `MetadataError`, both "Namespace not found"; PRODUCER and SUBSCRIBE, which may come
//! without either, are refused with `TopicNotFound` by [`crate::broker::Broker::topic`].

use pulsar::proto::{
    self, base_command::Type as CommandType, command_get_topics_of_namespace::Mode,
    command_lookup_topic_response::LookupType,
    command_partitioned_topic_metadata_response::LookupType as MetadataLookupType, ServerError,
};

use super::{command, Connection};
use crate::{broker::NAMESPACE_NOT_FOUND, topic_name::TopicName};

impl Connection {
    /// The topic's name if it is valid and its namespace exists; `missing` otherwise.
    fn located(
        &self,
        topic: &str,
        missing: ServerError,
    ) -> Result<TopicName, (ServerError, String)> {
        let name =
            TopicName::parse(topic).map_err(|e| (ServerError::InvalidTopicName, e.to_string()))?;
        if !self
            .broker
            .namespaces
            .namespace_exists(&name.tenant, &name.namespace)
        {
            return Err((missing, NAMESPACE_NOT_FOUND.to_string()));
        }
        Ok(name)
    }

    pub(super) fn partitioned_metadata(&self, request: proto::CommandPartitionedTopicMetadata) {
        let response = match self.located(&request.topic, ServerError::TopicNotFound) {
            // 0 for a non-partitioned topic (or one not created yet: auto-creation makes
            // it non-partitioned, Apache's default); `name-partition-N` are plain topics.
            Ok(name) => proto::CommandPartitionedTopicMetadataResponse {
                partitions: Some(self.broker.partitioned.partitions(&name)),
                request_id: request.request_id,
                response: Some(MetadataLookupType::Success as i32),
                ..Default::default()
            },
            Err((error, message)) => proto::CommandPartitionedTopicMetadataResponse {
                request_id: request.request_id,
                response: Some(MetadataLookupType::Failed as i32),
                error: Some(error as i32),
                message: Some(message),
                ..Default::default()
            },
        };
        self.send(command(CommandType::PartitionedMetadataResponse, |c| {
            c.partition_metadata_response = Some(response)
        }));
    }

    /// Answers where the topic is. Without a listener name: authoritative, and "connect
    /// through the URL you already use", so that clients reach this broker however they
    /// reached it first (NAT, docker port maps). With one (`listenerName` of a client),
    /// that listener's advertised URL, or, as Apache Pulsar, a refusal when the broker
    /// has no listener of that name.
    pub(super) fn lookup(&self, request: proto::CommandLookupTopic) {
        let listener = request
            .advertised_listener_name
            .as_deref()
            .filter(|name| !name.is_empty());
        let located = self
            .located(&request.topic, ServerError::MetadataError)
            .and_then(|_| match listener {
                None => Ok(None),
                Some(name) => self
                    .broker
                    .config
                    .advertised_listeners
                    .iter()
                    .find(|(listener, _)| listener == name)
                    .map(|(_, url)| Some(url.clone()))
                    .ok_or_else(|| {
                        (
                            ServerError::ServiceNotReady,
                            format!("the broker does not have {name} listener"),
                        )
                    }),
            });
        let response = match located {
            Ok(advertised) => proto::CommandLookupTopicResponse {
                proxy_through_service_url: Some(advertised.is_none()),
                broker_service_url: Some(
                    advertised.unwrap_or_else(|| format!("pulsar://{}", self.local)),
                ),
                response: Some(LookupType::Connect as i32),
                request_id: request.request_id,
                authoritative: Some(true),
                ..Default::default()
            },
            Err((error, message)) => proto::CommandLookupTopicResponse {
                response: Some(LookupType::Failed as i32),
                request_id: request.request_id,
                error: Some(error as i32),
                message: Some(message),
                ..Default::default()
            },
        };
        self.send(command(CommandType::LookupResponse, |c| {
            c.lookup_topic_response = Some(response)
        }));
    }

    /// The namespace's topics of the domains `mode` asks for (PERSISTENT, the default,
    /// NON_PERSISTENT or ALL), as Apache Pulsar answers it: the C++ client (Python's
    /// `regex_subscription_mode`) matches its pattern without the domain, so this filter
    /// is what keeps a PersistentOnly pattern consumer off non-persistent topics.
    ///
    /// The response is never `filtered` by `topics_pattern` and carries no `topics_hash`
    /// (`changed` keeps its default, true): the C++ and Rust clients send neither, and
    /// Java's filters the list itself when it is not filtered. Topic list watching
    /// (WATCH_TOPIC_LIST) is not served; CONNECTED does not announce it.
    pub(super) async fn topics_of_namespace(&self, request: proto::CommandGetTopicsOfNamespace) {
        let (tenant, namespace) = request
            .namespace
            .split_once('/')
            .unwrap_or(("public", "default"));
        let mode = request.mode.and_then(|m| Mode::try_from(m).ok());
        let mut topics = self.broker.topics_of(tenant, namespace).await;
        topics.retain(|topic| in_mode(topic, mode.unwrap_or(Mode::Persistent)));
        self.send(command(CommandType::GetTopicsOfNamespaceResponse, |c| {
            c.get_topics_of_namespace_response = Some(proto::CommandGetTopicsOfNamespaceResponse {
                request_id: request.request_id,
                topics,
                ..Default::default()
            })
        }));
    }
}

/// Whether a fully qualified topic name is of a domain `mode` lists.
fn in_mode(topic: &str, mode: Mode) -> bool {
    match mode {
        Mode::All => true,
        Mode::Persistent => topic.starts_with("persistent://"),
        Mode::NonPersistent => topic.starts_with("non-persistent://"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_lists_only_the_topics_of_its_domains() {
        let persistent = "persistent://public/default/a";
        let non_persistent = "non-persistent://public/default/a";
        assert!(in_mode(persistent, Mode::Persistent));
        assert!(!in_mode(non_persistent, Mode::Persistent));
        assert!(in_mode(non_persistent, Mode::NonPersistent));
        assert!(!in_mode(persistent, Mode::NonPersistent));
        assert!(in_mode(persistent, Mode::All) && in_mode(non_persistent, Mode::All));
    }
}
