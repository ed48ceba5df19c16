//! The commands a connected client may send, each with the field its type names.

use prost::UnknownEnumValue;
use pulsar::proto::{self, base_command::Type as CommandType, BaseCommand};

/// A command after the handshake, taken out of its `BaseCommand`.
pub(super) enum Request {
    Ping,
    /// PONG and AUTH_RESPONSE: nothing to answer.
    Ignored,
    PartitionedMetadata(proto::CommandPartitionedTopicMetadata),
    Lookup(proto::CommandLookupTopic),
    GetTopicsOfNamespace(proto::CommandGetTopicsOfNamespace),
    Producer(proto::CommandProducer),
    /// A SEND with a payload arrives as `Inbound::Send`; without one it is refused.
    Send(proto::CommandSend),
    CloseProducer(proto::CommandCloseProducer),
    Subscribe(proto::CommandSubscribe),
    Flow(proto::CommandFlow),
    Ack(proto::CommandAck),
    RedeliverUnacknowledgedMessages(proto::CommandRedeliverUnacknowledgedMessages),
    Unsubscribe(proto::CommandUnsubscribe),
    CloseConsumer(proto::CommandCloseConsumer),
    Seek(proto::CommandSeek),
    GetLastMessageId(proto::CommandGetLastMessageId),
    ConsumerStats(proto::CommandConsumerStats),
    GetSchema(proto::CommandGetSchema),
    GetOrCreateSchema(proto::CommandGetOrCreateSchema),
    /// A second CONNECT.
    Connect,
    /// Transactions and the like: not served. Nothing is answered because the request
    /// id, if any, lives in a field this broker does not read.
    Unsupported(Result<CommandType, UnknownEnumValue>),
}

impl Request {
    /// `None` when the field `kind` names is missing: such a command is ignored.
    pub(super) fn parse(
        kind: Result<CommandType, UnknownEnumValue>,
        cmd: BaseCommand,
    ) -> Option<Request> {
        Some(match kind {
            Ok(CommandType::Ping) => Request::Ping,
            Ok(CommandType::Pong) | Ok(CommandType::AuthResponse) => Request::Ignored,
            Ok(CommandType::PartitionedMetadata) => {
                Request::PartitionedMetadata(cmd.partition_metadata?)
            }
            Ok(CommandType::Lookup) => Request::Lookup(cmd.lookup_topic?),
            Ok(CommandType::GetTopicsOfNamespace) => {
                Request::GetTopicsOfNamespace(cmd.get_topics_of_namespace?)
            }
            Ok(CommandType::Producer) => Request::Producer(cmd.producer?),
            Ok(CommandType::Send) => Request::Send(cmd.send?),
            Ok(CommandType::CloseProducer) => Request::CloseProducer(cmd.close_producer?),
            Ok(CommandType::Subscribe) => Request::Subscribe(cmd.subscribe?),
            Ok(CommandType::Flow) => Request::Flow(cmd.flow?),
            Ok(CommandType::Ack) => Request::Ack(cmd.ack?),
            Ok(CommandType::RedeliverUnacknowledgedMessages) => {
                Request::RedeliverUnacknowledgedMessages(cmd.redeliver_unacknowledged_messages?)
            }
            Ok(CommandType::Unsubscribe) => Request::Unsubscribe(cmd.unsubscribe?),
            Ok(CommandType::CloseConsumer) => Request::CloseConsumer(cmd.close_consumer?),
            Ok(CommandType::Seek) => Request::Seek(cmd.seek?),
            Ok(CommandType::GetLastMessageId) => {
                Request::GetLastMessageId(cmd.get_last_message_id?)
            }
            Ok(CommandType::ConsumerStats) => Request::ConsumerStats(cmd.consumer_stats?),
            Ok(CommandType::GetSchema) => Request::GetSchema(cmd.get_schema?),
            Ok(CommandType::GetOrCreateSchema) => {
                Request::GetOrCreateSchema(cmd.get_or_create_schema?)
            }
            Ok(CommandType::Connect) => Request::Connect,
            other => Request::Unsupported(other),
        })
    }
}
