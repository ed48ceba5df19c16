//! A topic's schemas asked for by the client: GET_SCHEMA and GET_OR_CREATE_SCHEMA, and
//! the registration producers share.

use pulsar::proto::{self, base_command::Type as CommandType, ServerError};

use super::{command, Connection};
use crate::{
    schema_registry::{self, SchemaError},
    topic::{Refusal, Topic},
};

impl Connection {
    pub(super) async fn get_schema(&self, request: proto::CommandGetSchema) {
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

    pub(super) async fn get_or_create_schema(&self, request: proto::CommandGetOrCreateSchema) {
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
}

/// Registers a producer's schema (or GET_OR_CREATE_SCHEMA's) on a blocking thread: it
/// fsyncs the registry before answering.
pub(super) async fn register_schema(topic: &Topic, schema: proto::Schema) -> Result<u64, Refusal> {
    let schemas = topic.schemas();
    tokio::task::spawn_blocking(move || {
        let mut registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
        registry.register(&schema)
    })
    .await
    .map_err(|e| (ServerError::UnknownError, e.to_string()))?
    .map_err(schema_refusal)
}

pub(super) fn schema_refusal(error: SchemaError) -> Refusal {
    match error {
        SchemaError::Incompatible(reason) => (ServerError::IncompatibleSchema, reason),
        SchemaError::Io(e) => (ServerError::PersistenceError, e.to_string()),
    }
}
