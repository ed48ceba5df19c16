//! One client connection: the handshake, then every command of the binary protocol.
//!
//! Commands are handled in order by one task; frames for the client go through an
//! unbounded channel to a writer task (flow control is the protocol's: permits bound what
//! dispatch sends, requests bound responses). When the connection ends, for whatever
//! reason, its producers and consumers are removed from their topics, which hands the
//! consumers' unacknowledged messages to the remaining consumers.
//!
//! This module runs the connection (reading and writing frames, CONNECT, keepalive) and
//! dispatches each [`Request`]; the handlers are grouped by role: `lookup` (where topics
//! are), `producers`, `consumers` and `schemas`.

mod consumers;
mod lookup;
mod producers;
mod request;
mod schemas;

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use futures::{SinkExt, StreamExt};
use prost::UnknownEnumValue;
use pulsar::proto::{self, base_command::Type as CommandType, BaseCommand, ServerError};
use tokio::{
    net::{tcp::OwnedWriteHalf, TcpStream},
    sync::mpsc::{self, UnboundedReceiver, UnboundedSender},
    time::Instant,
};
use tokio_util::{
    codec::{FramedRead, FramedWrite},
    sync::CancellationToken,
};

use self::{consumers::ConsumerHandle, producers::ProducerHandle, request::Request};
use crate::{
    broker::Broker,
    frame::{FrameError, Inbound, InboundCodec, Outbound, OutboundCodec},
    topic::{Refusal, Topic},
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
                            self.reject_send(producer_id, sequence_id, error, reason);
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
            return self.handshake(kind, cmd.connect);
        }
        let Some(request) = Request::parse(kind, cmd) else {
            return Ok(());
        };
        match request {
            Request::Ping => self.pong(),
            Request::Ignored => {}
            Request::PartitionedMetadata(request) => self.partitioned_metadata(request),
            Request::Lookup(request) => self.lookup(request),
            Request::GetTopicsOfNamespace(request) => self.topics_of_namespace(request).await,
            Request::Producer(request) => self.producer(request).await,
            Request::Send(send) => self.send_without_payload(send),
            Request::CloseProducer(request) => self.close_producer(request),
            Request::Subscribe(request) => self.subscribe(request).await,
            Request::Flow(flow) => self.flow(flow),
            Request::Ack(ack) => self.ack(ack),
            Request::RedeliverUnacknowledgedMessages(request) => self.redeliver(request),
            Request::Unsubscribe(request) => self.unsubscribe(request),
            Request::CloseConsumer(request) => self.close_consumer(request),
            Request::Seek(request) => self.seek(request).await,
            Request::GetLastMessageId(request) => self.last_message_id(request),
            Request::ConsumerStats(request) => self.consumer_stats(request),
            Request::GetSchema(request) => self.get_schema(request).await,
            Request::GetOrCreateSchema(request) => self.get_or_create_schema(request).await,
            Request::Connect => tracing::warn!(peer = %self.peer, "ignoring a second CONNECT"),
            Request::Unsupported(other) => {
                tracing::warn!(peer = %self.peer, command = ?other, "ignoring an unsupported command");
            }
        }
        Ok(())
    }

    /// Answers the CONNECT that must open the connection; any other command ends it.
    fn handshake(
        &mut self,
        kind: Result<CommandType, UnknownEnumValue>,
        connect: Option<proto::CommandConnect>,
    ) -> Result<(), ConnectionError> {
        match (kind, connect) {
            (Ok(CommandType::Connect), Some(connect)) => {
                self.connected = true;
                let version = connect
                    .protocol_version
                    .unwrap_or(0)
                    .clamp(0, MAX_PROTOCOL_VERSION);
                tracing::debug!(peer = %self.peer, client = %connect.client_version, version, "connected");
                self.send(command(CommandType::Connected, |c| {
                    c.connected = Some(proto::CommandConnected {
                        server_version: format!("pulsar-embedded-{}", env!("CARGO_PKG_VERSION")),
                        protocol_version: Some(version),
                        max_message_size: Some(self.broker.config.max_message_size as i32),
                    })
                }));
                Ok(())
            }
            _ => Err(ConnectionError::NoHandshake(format!("{kind:?}"))),
        }
    }

    fn pong(&self) {
        self.send(command(CommandType::Pong, |c| {
            c.pong = Some(proto::CommandPong {})
        }));
    }

    async fn topic(&self, name: &str) -> Result<Arc<Topic>, Refusal> {
        let name =
            TopicName::parse(name).map_err(|e| (ServerError::InvalidTopicName, e.to_string()))?;
        self.broker.topic(&name).await
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
