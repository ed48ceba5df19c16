//! The producers of a connection: PRODUCER, SEND and CLOSE_PRODUCER.

use std::sync::Arc;

use pulsar::proto::{self, base_command::Type as CommandType, BaseCommand, ServerError};

use super::{command, error_command, schemas::register_schema, success, Connection};
use crate::{
    entry::Entry,
    frame::{Outbound, SendFrame},
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

    /// PRODUCER_SUCCESS for `name`: `ready` false tells a WaitForExclusive producer to keep
    /// waiting for the second one.
    fn producer_success(
        request_id: u64,
        name: String,
        admitted: Option<topic::Admitted>,
        schema_version: Option<Vec<u8>>,
    ) -> BaseCommand {
        command(CommandType::ProducerSuccess, |c| {
            c.producer_success = Some(proto::CommandProducerSuccess {
                request_id,
                producer_name: name,
                last_sequence_id: admitted.map(|a| a.last_sequence_id),
                schema_version,
                topic_epoch: admitted.and_then(|a| a.topic_epoch),
                producer_ready: Some(admitted.is_some()),
            })
        })
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
        let mode = match proto::ProducerAccessMode::try_from(
            request.producer_access_mode.unwrap_or_default(),
        )
        .unwrap_or_default()
        {
            proto::ProducerAccessMode::Shared => topic::AccessMode::Shared,
            proto::ProducerAccessMode::Exclusive => topic::AccessMode::Exclusive,
            proto::ProducerAccessMode::WaitForExclusive => topic::AccessMode::WaitForExclusive,
            proto::ProducerAccessMode::ExclusiveWithFencing => {
                topic::AccessMode::ExclusiveWithFencing
            }
        };
        let admission = topic.add_producer(topic::NewProducer {
            name: name.clone(),
            connection: self.id,
            address: self.peer.to_string(),
            producer_id: request.producer_id,
            tx: self.tx.clone(),
            mode,
            topic_epoch: request.topic_epoch,
        })?;
        let version_bytes = schema_version.map(schema_registry::version_bytes);
        self.producers.insert(
            request.producer_id,
            ProducerHandle {
                topic,
                name: name.clone(),
                schema_version: version_bytes.clone(),
            },
        );
        match admission {
            topic::Admission::Ready(admitted) => Ok(Self::producer_success(
                request.request_id,
                name,
                Some(admitted),
                version_bytes,
            )),
            topic::Admission::Waiting(admitted) => {
                // Not ready yet: the client waits, without a timeout, for the second
                // PRODUCER_SUCCESS (or the error) this task sends when its turn comes.
                let (tx, request_id) = (self.tx.clone(), request.request_id);
                let (nombre, version) = (name.clone(), version_bytes.clone());
                tokio::spawn(async move {
                    let answer = match admitted.await {
                        Ok(Ok(admitted)) => {
                            Self::producer_success(request_id, nombre, Some(admitted), version)
                        }
                        Ok(Err(refusal)) => error_command(request_id, refusal),
                        // Closed or disconnected while waiting: nobody to answer.
                        Err(_) => return,
                    };
                    let _ = tx.send(Outbound::command(answer));
                });
                Ok(Self::producer_success(
                    request.request_id,
                    name,
                    None,
                    version_bytes,
                ))
            }
        }
    }

    fn receipt(&self, send: &proto::CommandSend) -> Receipt {
        Receipt {
            tx: self.tx.clone(),
            connection: self.id,
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
