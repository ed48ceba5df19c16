//! One client connection: the handshake, then every command of the binary protocol.
//!
//! Commands are handled in order by one task; frames for the client go through an
//! unbounded channel to a writer task (flow control is the protocol's: permits bound what
//! dispatch sends, requests bound responses). When the connection ends, for whatever
//! reason, its producers and consumers are removed from their topics, which hands the
//! consumers' unacknowledged messages to the remaining consumers.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use futures::{SinkExt, StreamExt};
use pulsar::proto::{
    self,
    base_command::Type as CommandType,
    command_lookup_topic_response::LookupType,
    command_partitioned_topic_metadata_response::LookupType as MetadataLookupType,
    command_subscribe::{InitialPosition, SubType},
    BaseCommand, ServerError,
};
use tokio::{
    net::{tcp::OwnedWriteHalf, TcpStream},
    sync::mpsc::{self, UnboundedReceiver, UnboundedSender},
    time::Instant,
};
use tokio_util::{
    codec::{FramedRead, FramedWrite},
    sync::CancellationToken,
};

use crate::{
    broker::Broker,
    entry::Entry,
    frame::{FrameError, Inbound, InboundCodec, Outbound, OutboundCodec, SendFrame},
    schema_registry::{self, SchemaError},
    subscription::{Consumer, ConsumerKey},
    topic::{self, Receipt, Refusal, StartPosition, Topic},
    topic_name::TopicName,
};

/// The newest protocol version this broker speaks (PulsarApi.proto's `ProtocolVersion`).
const MAX_PROTOCOL_VERSION: i32 = 19;

/// Room for the command and metadata around the largest message.
const FRAME_OVERHEAD: usize = 10 * 1024;

/// Why a connection was closed by the broker.
#[derive(Debug, thiserror::Error)]
enum ConnectionError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("the first command was {0}, not CONNECT")]
    NoHandshake(String),
    #[error("no traffic for {0:?}")]
    Idle(Duration),
}

struct ProducerHandle {
    topic: Arc<Topic>,
    name: String,
    schema_version: Option<Vec<u8>>,
}

struct ConsumerHandle {
    topic: Arc<Topic>,
    subscription: String,
    key: ConsumerKey,
}

struct Connection {
    broker: Arc<Broker>,
    id: u64,
    peer: SocketAddr,
    local: SocketAddr,
    tx: UnboundedSender<Outbound>,
    connected: bool,
    producers: HashMap<u64, ProducerHandle>,
    consumers: HashMap<u64, ConsumerHandle>,
}

/// Serves one client until it leaves, misbehaves, or the broker shuts down.
pub async fn serve(broker: Arc<Broker>, socket: TcpStream, peer: SocketAddr) {
    let _ = socket.set_nodelay(true);
    let local = socket.local_addr().unwrap_or(peer);
    let (read, write) = socket.into_split();
    let max_frame = broker.config.max_message_size + FRAME_OVERHEAD;
    let mut frames = FramedRead::new(read, InboundCodec::new(max_frame));
    let (tx, rx) = mpsc::unbounded_channel();
    let closing = CancellationToken::new();
    let writer = broker.tracker.spawn(write_frames(
        FramedWrite::new(write, OutboundCodec),
        rx,
        closing.clone(),
    ));
    let mut connection = Connection {
        id: broker.next_id(),
        broker,
        peer,
        local,
        tx,
        connected: false,
        producers: HashMap::new(),
        consumers: HashMap::new(),
    };
    match connection.run(&mut frames).await {
        Ok(()) => tracing::debug!(%peer, "connection closed"),
        Err(error) => tracing::warn!(%peer, %error, "closing connection"),
    }
    connection.detach_all();
    closing.cancel();
    let _ = writer.await;
}

/// Writes frames, flushing whenever the queue runs dry.
async fn write_frames(
    mut sink: FramedWrite<OwnedWriteHalf, OutboundCodec>,
    mut rx: UnboundedReceiver<Outbound>,
    closing: CancellationToken,
) {
    loop {
        let item = tokio::select! {
            item = rx.recv() => item,
            _ = closing.cancelled() => None,
        };
        let Some(item) = item else {
            // Send what is already queued (e.g. the error that closes the connection).
            while let Ok(item) = rx.try_recv() {
                if sink.feed(item).await.is_err() {
                    return;
                }
            }
            let _ = sink.flush().await;
            return;
        };
        if sink.feed(item).await.is_err() {
            return;
        }
        while let Ok(item) = rx.try_recv() {
            if sink.feed(item).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

fn command(r#type: CommandType, fill: impl FnOnce(&mut BaseCommand)) -> BaseCommand {
    let mut command = BaseCommand {
        r#type: r#type as i32,
        ..Default::default()
    };
    fill(&mut command);
    command
}

fn error_command(request_id: u64, (error, message): Refusal) -> BaseCommand {
    command(CommandType::Error, |c| {
        c.error = Some(proto::CommandError {
            request_id,
            error: error as i32,
            message,
        })
    })
}

fn success(request_id: u64) -> BaseCommand {
    command(CommandType::Success, |c| {
        c.success = Some(proto::CommandSuccess {
            request_id,
            schema: None,
        })
    })
}

impl Connection {
    async fn run(
        &mut self,
        frames: &mut FramedRead<tokio::net::tcp::OwnedReadHalf, InboundCodec>,
    ) -> Result<(), ConnectionError> {
        let keepalive = self.broker.config.keepalive;
        let mut ping = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
        let mut last_seen = Instant::now();
        let shutdown = self.broker.shutdown.clone();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                _ = ping.tick() => {
                    if last_seen.elapsed() > keepalive * 2 {
                        return Err(ConnectionError::Idle(last_seen.elapsed()));
                    }
                    if self.connected {
                        self.send(command(CommandType::Ping, |c| c.ping = Some(proto::CommandPing {})));
                    }
                }
                frame = frames.next() => {
                    last_seen = Instant::now();
                    match frame {
                        None => return Ok(()),
                        Some(Err(error)) => return Err(error.into()),
                        Some(Ok(Inbound::RejectedSend { producer_id, sequence_id, error, reason })) => {
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
                        Some(Ok(Inbound::Send(send))) => {
                            if self.connected {
                                self.publish(*send);
                            } else {
                                return Err(ConnectionError::NoHandshake("Send".into()));
                            }
                        }
                        Some(Ok(Inbound::Command(command))) => self.handle(*command).await?,
                    }
                }
            }
        }
    }

    fn send(&self, command: BaseCommand) {
        // Fails only when the writer is gone, i.e. the connection is closing anyway.
        let _ = self.tx.send(Outbound::command(command));
    }

    async fn handle(&mut self, cmd: BaseCommand) -> Result<(), ConnectionError> {
        let kind = CommandType::try_from(cmd.r#type);
        if !self.connected {
            return match (kind, cmd.connect) {
                (Ok(CommandType::Connect), Some(connect)) => {
                    self.connected = true;
                    let version = connect
                        .protocol_version
                        .unwrap_or(0)
                        .clamp(0, MAX_PROTOCOL_VERSION);
                    tracing::debug!(peer = %self.peer, client = %connect.client_version, version, "connected");
                    self.send(command(CommandType::Connected, |c| {
                        c.connected = Some(proto::CommandConnected {
                            server_version: format!(
                                "pulsar-embedded-{}",
                                env!("CARGO_PKG_VERSION")
                            ),
                            protocol_version: Some(version),
                            max_message_size: Some(self.broker.config.max_message_size as i32),
                        })
                    }));
                    Ok(())
                }
                _ => Err(ConnectionError::NoHandshake(format!("{kind:?}"))),
            };
        }
        match kind {
            Ok(CommandType::Ping) => self.send(command(CommandType::Pong, |c| {
                c.pong = Some(proto::CommandPong {})
            })),
            Ok(CommandType::Pong) | Ok(CommandType::AuthResponse) => {}
            Ok(CommandType::PartitionedMetadata) => {
                if let Some(request) = cmd.partition_metadata {
                    self.partitioned_metadata(request);
                }
            }
            Ok(CommandType::Lookup) => {
                if let Some(request) = cmd.lookup_topic {
                    self.lookup(request);
                }
            }
            Ok(CommandType::GetTopicsOfNamespace) => {
                if let Some(request) = cmd.get_topics_of_namespace {
                    self.topics_of_namespace(request).await;
                }
            }
            Ok(CommandType::Producer) => {
                if let Some(request) = cmd.producer {
                    let request_id = request.request_id;
                    match self.create_producer(request).await {
                        Ok(response) => self.send(response),
                        Err(refusal) => self.send(error_command(request_id, refusal)),
                    }
                }
            }
            Ok(CommandType::Send) => {
                // A SEND with a payload arrives as `Inbound::Send`; without one it is refused.
                if let Some(send) = cmd.send {
                    let receipt = self.receipt(&send);
                    topic::send_error(
                        &receipt,
                        ServerError::UnknownError,
                        "send without a payload",
                    );
                }
            }
            Ok(CommandType::CloseProducer) => {
                if let Some(request) = cmd.close_producer {
                    if let Some(producer) = self.producers.remove(&request.producer_id) {
                        producer.topic.remove_producer(&producer.name, self.id);
                    }
                    self.send(success(request.request_id));
                }
            }
            Ok(CommandType::Subscribe) => {
                if let Some(request) = cmd.subscribe {
                    let request_id = request.request_id;
                    match self.subscribe(request).await {
                        Ok(()) => self.send(success(request_id)),
                        Err(refusal) => self.send(error_command(request_id, refusal)),
                    }
                }
            }
            Ok(CommandType::Flow) => {
                if let Some(flow) = cmd.flow {
                    if let Some(c) = self.consumers.get(&flow.consumer_id) {
                        c.topic.flow(&c.subscription, c.key, flow.message_permits);
                    }
                }
            }
            Ok(CommandType::Ack) => {
                if let Some(ack) = cmd.ack {
                    self.ack(ack);
                }
            }
            Ok(CommandType::RedeliverUnacknowledgedMessages) => {
                if let Some(request) = cmd.redeliver_unacknowledged_messages {
                    if let Some(c) = self.consumers.get(&request.consumer_id) {
                        c.topic
                            .redeliver(&c.subscription, c.key, &request.message_ids);
                    }
                }
            }
            Ok(CommandType::Unsubscribe) => {
                if let Some(request) = cmd.unsubscribe {
                    self.unsubscribe(request);
                }
            }
            Ok(CommandType::CloseConsumer) => {
                if let Some(request) = cmd.close_consumer {
                    self.detach_consumer(request.consumer_id);
                    self.send(success(request.request_id));
                }
            }
            Ok(CommandType::Seek) => {
                if let Some(request) = cmd.seek {
                    self.seek(request);
                }
            }
            Ok(CommandType::GetLastMessageId) => {
                if let Some(request) = cmd.get_last_message_id {
                    self.last_message_id(request);
                }
            }
            Ok(CommandType::ConsumerStats) => {
                if let Some(request) = cmd.consumer_stats {
                    self.send(command(CommandType::ConsumerStatsResponse, |c| {
                        c.consumer_stats_response = Some(proto::CommandConsumerStatsResponse {
                            request_id: request.request_id,
                            ..Default::default()
                        })
                    }));
                }
            }
            Ok(CommandType::GetSchema) => {
                if let Some(request) = cmd.get_schema {
                    self.get_schema(request).await;
                }
            }
            Ok(CommandType::GetOrCreateSchema) => {
                if let Some(request) = cmd.get_or_create_schema {
                    self.get_or_create_schema(request).await;
                }
            }
            Ok(CommandType::Connect) => {
                tracing::warn!(peer = %self.peer, "ignoring a second CONNECT");
            }
            other => {
                // Transactions and the like: not served. Nothing is answered because the
                // request id, if any, lives in a field this broker does not read.
                tracing::warn!(peer = %self.peer, command = ?other, "ignoring an unsupported command");
            }
        }
        Ok(())
    }

    fn partitioned_metadata(&self, request: proto::CommandPartitionedTopicMetadata) {
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

    fn lookup(&self, request: proto::CommandLookupTopic) {
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

    async fn topics_of_namespace(&self, request: proto::CommandGetTopicsOfNamespace) {
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

    async fn topic(&self, name: &str) -> Result<Arc<Topic>, Refusal> {
        let name =
            TopicName::parse(name).map_err(|e| (ServerError::InvalidTopicName, e.to_string()))?;
        self.broker.topic(&name).await
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

    fn publish(&self, frame: SendFrame) {
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

    async fn subscribe(&mut self, request: proto::CommandSubscribe) -> Result<(), Refusal> {
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

    fn ack(&self, ack: proto::CommandAck) {
        let Some(c) = self.consumers.get(&ack.consumer_id) else {
            return;
        };
        let response = ack.request_id.map(|request_id| {
            let response = command(CommandType::AckResponse, |cmd| {
                cmd.ack_response = Some(proto::CommandAckResponse {
                    consumer_id: ack.consumer_id,
                    request_id: Some(request_id),
                    ..Default::default()
                })
            });
            (self.tx.clone(), response)
        });
        c.topic.ack(&c.subscription, &ack, response);
    }

    fn unsubscribe(&mut self, request: proto::CommandUnsubscribe) {
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

    fn seek(&self, request: proto::CommandSeek) {
        let Some(c) = self.consumers.get(&request.consumer_id) else {
            self.send(error_command(
                request.request_id,
                (ServerError::ConsumerNotFound, "unknown consumer id".into()),
            ));
            return;
        };
        match c.topic.seek(
            &c.subscription,
            request.message_id.as_ref(),
            request.message_publish_time,
        ) {
            Ok(consumers) => {
                self.send(success(request.request_id));
                for consumer in consumers {
                    let close = command(CommandType::CloseConsumer, |cmd| {
                        cmd.close_consumer = Some(proto::CommandCloseConsumer {
                            consumer_id: consumer.consumer_id,
                            request_id: u64::MAX,
                        })
                    });
                    let _ = consumer.tx.send(Outbound::command(close));
                }
            }
            Err(refusal) => self.send(error_command(request.request_id, refusal)),
        }
    }

    fn last_message_id(&self, request: proto::CommandGetLastMessageId) {
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

    async fn get_schema(&self, request: proto::CommandGetSchema) {
        let found = match self.topic(&request.topic).await {
            Ok(topic) => {
                let schemas = topic.schemas();
                let registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
                match &request.schema_version {
                    Some(bytes) => schema_registry::parse_version(bytes)
                        .and_then(|v| registry.get(v).map(|s| (v, s.schema.clone()))),
                    None => registry.latest().map(|(v, s)| (v, s.schema.clone())),
                }
            }
            Err(_) => None,
        };
        let response = match found {
            Some((version, schema)) => proto::CommandGetSchemaResponse {
                request_id: request.request_id,
                schema: Some(schema),
                schema_version: Some(schema_registry::version_bytes(version)),
                ..Default::default()
            },
            None => proto::CommandGetSchemaResponse {
                request_id: request.request_id,
                error_code: Some(ServerError::TopicNotFound as i32),
                error_message: Some("Topic not found or no-schema".into()),
                ..Default::default()
            },
        };
        self.send(command(CommandType::GetSchemaResponse, |c| {
            c.get_schema_response = Some(response)
        }));
    }

    async fn get_or_create_schema(&self, request: proto::CommandGetOrCreateSchema) {
        let result = match self.topic(&request.topic).await {
            Ok(topic) => register_schema(&topic, request.schema).await,
            Err(refusal) => Err(refusal),
        };
        let response = match result {
            Ok(version) => proto::CommandGetOrCreateSchemaResponse {
                request_id: request.request_id,
                schema_version: Some(schema_registry::version_bytes(version)),
                ..Default::default()
            },
            Err((error, message)) => proto::CommandGetOrCreateSchemaResponse {
                request_id: request.request_id,
                error_code: Some(error as i32),
                error_message: Some(message),
                ..Default::default()
            },
        };
        self.send(command(CommandType::GetOrCreateSchemaResponse, |c| {
            c.get_or_create_schema_response = Some(response)
        }));
    }

    fn detach_consumer(&mut self, consumer_id: u64) {
        if let Some(c) = self.consumers.remove(&consumer_id) {
            c.topic.remove_consumer(&c.subscription, c.key);
        }
    }

    fn detach_all(&mut self) {
        for (_, producer) in self.producers.drain() {
            producer.topic.remove_producer(&producer.name, self.id);
        }
        for (_, c) in self.consumers.drain() {
            c.topic.remove_consumer(&c.subscription, c.key);
        }
    }
}

/// Registers a producer's schema (or GET_OR_CREATE_SCHEMA's) on a blocking thread: it
/// fsyncs the registry before answering.
async fn register_schema(topic: &Topic, schema: proto::Schema) -> Result<u64, Refusal> {
    let schemas = topic.schemas();
    tokio::task::spawn_blocking(move || {
        let mut registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
        registry.register(&schema)
    })
    .await
    .map_err(|e| (ServerError::UnknownError, e.to_string()))?
    .map_err(schema_refusal)
}

fn schema_refusal(error: SchemaError) -> Refusal {
    match error {
        SchemaError::Incompatible(reason) => (ServerError::IncompatibleSchema, reason),
        SchemaError::Io(e) => (ServerError::PersistenceError, e.to_string()),
    }
}
