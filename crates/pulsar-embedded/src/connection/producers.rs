//! The producers of a connection: PRODUCER, SEND and CLOSE_PRODUCER.

use std::sync::Arc;

use pulsar::proto::{self, base_command::Type as CommandType, BaseCommand, ServerError};

use super::{command, error_command, schemas::register_schema, success, Connection};
use crate::{
    entry::Entry,
    frame::SendFrame,
    schema_registry,
    topic::{self, Receipt, Refusal, Topic},
};

/// A producer the client opened on this connection.
pub(super) struct ProducerHandle {
    pub(super) topic: Arc<Topic>,
    pub(super) name: String,
    schema_version: Option<Vec<u8>>,
}

impl Connection {
    /// Answers a SEND the frame codec refused (oversize, or a wrong checksum).
    pub(super) fn reject_send(
        &self,
        producer_id: u64,
        sequence_id: u64,
        error: ServerError,
        reason: String,
    ) {
        tracing::warn!(peer = %self.peer, producer_id, sequence_id, %reason, "refusing a send");
        self.send(command(CommandType::SendError, |c| {
            c.send_error = Some(proto::CommandSendError {
                producer_id,
                sequence_id,
                error: error as i32,
                message: reason,
            })
        }));
    }

    pub(super) async fn producer(&mut self, request: proto::CommandProducer) {
        let request_id = request.request_id;
        match self.create_producer(request).await {
            Ok(response) => self.send(response),
            Err(refusal) => self.send(error_command(request_id, refusal)),
        }
    }

    async fn create_producer(
        &mut self,
        request: proto::CommandProducer,
    ) -> Result<BaseCommand, Refusal> {
        let topic = self.topic(&request.topic).await?;
        let schema_version = match request.schema.filter(schema_registry::is_typed) {
            Some(schema) => Some(register_schema(&topic, schema).await?),
            None => None,
        };
        let name = request
            .producer_name
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| self.broker.producer_name());
        if let Some(previous) = self.producers.remove(&request.producer_id) {
            previous.topic.remove_producer(&previous.name, self.id);
        }
        let last_sequence_id = topic.add_producer(&name, self.id, &self.peer.to_string())?;
        let version_bytes = schema_version.map(schema_registry::version_bytes);
        self.producers.insert(
            request.producer_id,
            ProducerHandle {
                topic,
                name: name.clone(),
                schema_version: version_bytes.clone(),
            },
        );
        Ok(command(CommandType::ProducerSuccess, |c| {
            c.producer_success = Some(proto::CommandProducerSuccess {
                request_id: request.request_id,
                producer_name: name,
                last_sequence_id: Some(last_sequence_id),
                schema_version: version_bytes,
                topic_epoch: None,
                producer_ready: Some(true),
            })
        }))
    }

    fn receipt(&self, send: &proto::CommandSend) -> Receipt {
        Receipt {
            tx: self.tx.clone(),
            producer_id: send.producer_id,
            sequence_id: send.sequence_id,
            highest_sequence_id: send.highest_sequence_id.unwrap_or(0).max(send.sequence_id),
        }
    }

    pub(super) fn publish(&self, frame: SendFrame) {
        let receipt = self.receipt(&frame.send);
        let Some(producer) = self.producers.get(&frame.send.producer_id) else {
            tracing::warn!(peer = %self.peer, producer_id = frame.send.producer_id, "send for an unknown producer");
            topic::send_error(&receipt, ServerError::UnknownError, "unknown producer id");
            return;
        };
        let payload = &frame.body[frame.payload_offset..];
        if payload.len() > self.broker.config.max_message_size {
            topic::send_error(&receipt, ServerError::NotAllowedError, "message too large");
            return;
        }
        let entry = match &producer.schema_version {
            // The producer's schema version goes into messages that lack it, which means
            // re-encoding the metadata (and a new checksum) for those only.
            Some(version) if frame.metadata.schema_version.is_none() => {
                let mut metadata = frame.metadata;
                metadata.schema_version = Some(version.clone());
                Entry::new(0, &metadata, payload)
            }
            _ => Entry::from_wire(0, frame.body.clone(), frame.crc, &frame.metadata),
        };
        let persistent = producer.topic.name.persistent;
        producer
            .topic
            .publish(&producer.name, entry, payload.len(), persistent, receipt);
    }

    /// Refuses a SEND that came without a payload.
    pub(super) fn send_without_payload(&self, send: proto::CommandSend) {
        let receipt = self.receipt(&send);
        topic::send_error(
            &receipt,
            ServerError::UnknownError,
            "send without a payload",
        );
    }

    pub(super) fn close_producer(&mut self, request: proto::CommandCloseProducer) {
        if let Some(producer) = self.producers.remove(&request.producer_id) {
            producer.topic.remove_producer(&producer.name, self.id);
        }
        self.send(success(request.request_id));
    }
}
