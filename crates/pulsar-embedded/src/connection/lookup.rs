//! Where topics are: PARTITIONED_METADATA, LOOKUP and GET_TOPICS_OF_NAMESPACE.

use pulsar::proto::{
    self, base_command::Type as CommandType, command_lookup_topic_response::LookupType,
    command_partitioned_topic_metadata_response::LookupType as MetadataLookupType, ServerError,
};

use super::{command, Connection};
use crate::topic_name::TopicName;

impl Connection {
    pub(super) fn partitioned_metadata(&self, request: proto::CommandPartitionedTopicMetadata) {
        let response = match TopicName::parse(&request.topic) {
            // Every topic is non-partitioned here; `name-partition-N` are plain topics.
            Ok(_) => proto::CommandPartitionedTopicMetadataResponse {
                partitions: Some(0),
                request_id: request.request_id,
                response: Some(MetadataLookupType::Success as i32),
                ..Default::default()
            },
            Err(e) => proto::CommandPartitionedTopicMetadataResponse {
                request_id: request.request_id,
                response: Some(MetadataLookupType::Failed as i32),
                error: Some(ServerError::InvalidTopicName as i32),
                message: Some(e.to_string()),
                ..Default::default()
            },
        };
        self.send(command(CommandType::PartitionedMetadataResponse, |c| {
            c.partition_metadata_response = Some(response)
        }));
    }

    pub(super) fn lookup(&self, request: proto::CommandLookupTopic) {
        let response = match TopicName::parse(&request.topic) {
            // Authoritative, and "connect through the URL you already use": clients then
            // reach this broker however they reached it first (NAT, docker port maps).
            Ok(_) => proto::CommandLookupTopicResponse {
                broker_service_url: Some(format!("pulsar://{}", self.local)),
                response: Some(LookupType::Connect as i32),
                request_id: request.request_id,
                authoritative: Some(true),
                proxy_through_service_url: Some(true),
                ..Default::default()
            },
            Err(e) => proto::CommandLookupTopicResponse {
                response: Some(LookupType::Failed as i32),
                request_id: request.request_id,
                error: Some(ServerError::InvalidTopicName as i32),
                message: Some(e.to_string()),
                ..Default::default()
            },
        };
        self.send(command(CommandType::LookupResponse, |c| {
            c.lookup_topic_response = Some(response)
        }));
    }

    pub(super) async fn topics_of_namespace(&self, request: proto::CommandGetTopicsOfNamespace) {
        let (tenant, namespace) = request
            .namespace
            .split_once('/')
            .unwrap_or(("public", "default"));
        let topics = self.broker.topics_of(tenant, namespace).await;
        self.send(command(CommandType::GetTopicsOfNamespaceResponse, |c| {
            c.get_topics_of_namespace_response = Some(proto::CommandGetTopicsOfNamespaceResponse {
                request_id: request.request_id,
                topics,
                ..Default::default()
            })
        }));
    }
}
