//! The consumers of a connection: SUBSCRIBE, FLOW, ACK, REDELIVER, UNSUBSCRIBE, SEEK,
//! CLOSE_CONSUMER and the questions about a subscription.

use std::sync::Arc;

use pulsar::proto::{
    self,
    base_command::Type as CommandType,
    command_subscribe::{InitialPosition, SubType},
    ServerError,
};

use super::{command, error_command, schemas::schema_refusal, success, Connection};
use crate::{
    schema_registry,
    subscription::{Consumer, ConsumerKey},
    topic::{self, Refusal, StartPosition, Topic},
};

/// A consumer the client attached on this connection.
pub(super) struct ConsumerHandle {
    pub(super) topic: Arc<Topic>,
    pub(super) subscription: String,
    pub(super) key: ConsumerKey,
}

impl Connection {
    pub(super) async fn subscribe(&mut self, request: proto::CommandSubscribe) {
        let request_id = request.request_id;
        match self.attach_consumer(request).await {
            Ok(()) => self.send(success(request_id)),
            Err(refusal) => self.send(error_command(request_id, refusal)),
        }
    }

    async fn attach_consumer(&mut self, request: proto::CommandSubscribe) -> Result<(), Refusal> {
        let topic = self.topic(&request.topic).await?;
        if let Some(schema) = request.schema.filter(schema_registry::is_typed) {
            let schemas = topic.schemas();
            tokio::task::spawn_blocking(move || {
                let mut registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
                registry.check_consumer(&schema)
            })
            .await
            .map_err(|e| (ServerError::UnknownError, e.to_string()))?
            .map_err(schema_refusal)?;
        }
        let sub_type = SubType::try_from(request.sub_type).unwrap_or(SubType::Exclusive);
        let start = match &request.start_message_id {
            Some(id) => topic::reader_start(id),
            None if request.initial_position == Some(InitialPosition::Earliest as i32) => {
                StartPosition::Earliest
            }
            None => StartPosition::Latest,
        };
        // A client re-subscribing with an id it used before (after a seek) replaces it.
        self.detach_consumer(request.consumer_id);
        let key = self.broker.next_id();
        let consumer = Consumer {
            key,
            consumer_id: request.consumer_id,
            name: request
                .consumer_name
                .clone()
                .unwrap_or_else(|| format!("consumer-{key}")),
            priority: request.priority_level.unwrap_or(0),
            address: self.peer.to_string(),
            permits: 0,
            tx: self.tx.clone(),
        };
        // Retained entries a new subscription starts among are read back first.
        let _pin = topic.read_back_for_new(&request.subscription, start).await;
        topic.subscribe(
            &request.subscription,
            sub_type,
            request.durable.unwrap_or(true),
            start,
            consumer,
        )?;
        self.consumers.insert(
            request.consumer_id,
            ConsumerHandle {
                topic,
                subscription: request.subscription,
                key,
            },
        );
        Ok(())
    }

    pub(super) fn flow(&self, flow: proto::CommandFlow) {
        if let Some(c) = self.consumers.get(&flow.consumer_id) {
            c.topic.flow(&c.subscription, c.key, flow.message_permits);
        }
    }

    /// Applies an ACK. An ack of an unknown consumer, or of one a seek detached, changes
    /// nothing; when it asks for a receipt, the ACK_RESPONSE carries `ConsumerNotFound`.
    pub(super) fn ack(&self, ack: proto::CommandAck) {
        let ack_response = |refusal: Option<Refusal>| {
            command(CommandType::AckResponse, |cmd| {
                let (error, message) = refusal.map_or((None, None), |(error, message)| {
                    (Some(error as i32), Some(message))
                });
                cmd.ack_response = Some(proto::CommandAckResponse {
                    consumer_id: ack.consumer_id,
                    request_id: ack.request_id,
                    error,
                    message,
                    ..Default::default()
                })
            })
        };
        let result = match self.consumers.get(&ack.consumer_id) {
            Some(c) => {
                let response = ack
                    .request_id
                    .map(|_| (self.tx.clone(), ack_response(None)));
                c.topic.ack(&c.subscription, c.key, &ack, response)
            }
            None => Err((ServerError::ConsumerNotFound, "unknown consumer id".into())),
        };
        if let Err(refusal) = result {
            tracing::debug!(peer = %self.peer, consumer_id = ack.consumer_id, reason = %refusal.1, "ack ignored");
            if ack.request_id.is_some() {
                self.send(ack_response(Some(refusal)));
            }
        }
    }

    pub(super) fn redeliver(&self, request: proto::CommandRedeliverUnacknowledgedMessages) {
        if let Some(c) = self.consumers.get(&request.consumer_id) {
            c.topic
                .redeliver(&c.subscription, c.key, &request.message_ids);
        }
    }

    pub(super) fn unsubscribe(&mut self, request: proto::CommandUnsubscribe) {
        let Some(c) = self.consumers.get(&request.consumer_id) else {
            self.send(error_command(
                request.request_id,
                (ServerError::ConsumerNotFound, "unknown consumer id".into()),
            ));
            return;
        };
        match c.topic.unsubscribe(&c.subscription, c.key) {
            Ok(()) => {
                self.consumers.remove(&request.consumer_id);
                self.send(success(request.request_id));
            }
            Err(refusal) => self.send(error_command(request.request_id, refusal)),
        }
    }

    pub(super) fn close_consumer(&mut self, request: proto::CommandCloseConsumer) {
        self.detach_consumer(request.consumer_id);
        self.send(success(request.request_id));
    }

    pub(super) async fn seek(&self, request: proto::CommandSeek) {
        let Some(c) = self.consumers.get(&request.consumer_id) else {
            self.send(error_command(
                request.request_id,
                (ServerError::ConsumerNotFound, "unknown consumer id".into()),
            ));
            return;
        };
        let _pin = match topic::seek_back(request.message_id.as_ref(), request.message_publish_time)
        {
            Some(back) => c.topic.read_back(back).await,
            None => None,
        };
        match c.topic.seek(
            &c.subscription,
            request.message_id.as_ref(),
            request.message_publish_time,
        ) {
            // As Apache Pulsar, the consumers are closed before the seek is answered: the
            // C++ client then completes the seek on reconnecting, which is where it drops
            // the start message id of an earlier seek (otherwise a seek by time after a
            // seek by id would still skip what precedes that id).
            Ok(consumers) => {
                topic::close_consumers(consumers);
                self.send(success(request.request_id));
            }
            Err(refusal) => self.send(error_command(request.request_id, refusal)),
        }
    }

    pub(super) fn last_message_id(&self, request: proto::CommandGetLastMessageId) {
        let Some(c) = self.consumers.get(&request.consumer_id) else {
            self.send(error_command(
                request.request_id,
                (ServerError::ConsumerNotFound, "unknown consumer id".into()),
            ));
            return;
        };
        let (last, mark_delete) = c.topic.last_message_id(&c.subscription);
        self.send(command(CommandType::GetLastMessageIdResponse, |cmd| {
            cmd.get_last_message_id_response = Some(proto::CommandGetLastMessageIdResponse {
                last_message_id: last,
                request_id: request.request_id,
                consumer_mark_delete_position: Some(mark_delete),
            })
        }));
    }

    pub(super) fn consumer_stats(&self, request: proto::CommandConsumerStats) {
        self.send(command(CommandType::ConsumerStatsResponse, |c| {
            c.consumer_stats_response = Some(proto::CommandConsumerStatsResponse {
                request_id: request.request_id,
                ..Default::default()
            })
        }));
    }

    fn detach_consumer(&mut self, consumer_id: u64) {
        if let Some(c) = self.consumers.remove(&consumer_id) {
            c.topic.remove_consumer(&c.subscription, c.key);
        }
    }
}
