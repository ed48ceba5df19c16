//! The schema registry of one topic: versioned schemas and their compatibility check.
//!
//! Versions count from 0 and go on the wire as 8 big-endian bytes, like Apache Pulsar's, so
//! the Java and C++ clients can turn them into numbers (`get_schema_info(topic, version)`).
//! A new Avro (or JSON, whose definitions are Avro) schema must be FULL compatible with
//! the latest version, Apache Pulsar's default: each can read data written with the other.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::Path,
    time::{SystemTime, UNIX_EPOCH},
};

use apache_avro::schema_compatibility::{Compatibility, SchemaCompatibility};
use bytes::{Buf, BufMut};
use prost::Message as _;
use pulsar::proto::{schema::Type as SchemaType, Schema};

use crate::storage::record;

/// One registered version.
#[derive(Debug, Clone)]
pub struct StoredSchema {
    pub schema: Schema,
    /// When it was registered, in milliseconds since the epoch.
    pub timestamp: u64,
}

/// Why a schema is refused.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// Maps to the `IncompatibleSchema` server error.
    #[error("incompatible schema: {0}")]
    Incompatible(String),
    /// Maps to the `PersistenceError` server error.
    #[error("cannot store the schema")]
    Io(#[from] io::Error),
}

/// The versions of a topic's schema, in order.
pub struct SchemaRegistry {
    versions: Vec<StoredSchema>,
    /// None for non-persistent topics.
    file: Option<File>,
}

impl SchemaRegistry {
    /// A registry kept in memory only.
    pub fn in_memory() -> Self {
        SchemaRegistry {
            versions: Vec::new(),
            file: None,
        }
    }

    /// Opens (creating if needed) the registry stored at `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        let data = match fs::read(path) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let scan = record::read_records(&data);
        let mut versions = Vec::new();
        for (mut body, _) in scan.records {
            if body.len() < 8 {
                break;
            }
            let timestamp = body.get_u64();
            match Schema::decode(body) {
                Ok(schema) => versions.push(StoredSchema { schema, timestamp }),
                Err(_) => break,
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        if scan.valid_len < data.len() {
            file.set_len(scan.valid_len as u64)?;
        }
        Ok(SchemaRegistry {
            versions,
            file: Some(file),
        })
    }

    /// The latest version and its number.
    pub fn latest(&self) -> Option<(u64, &StoredSchema)> {
        let version = self.versions.len().checked_sub(1)?;
        Some((version as u64, &self.versions[version]))
    }

    /// A version by number.
    pub fn get(&self, version: u64) -> Option<&StoredSchema> {
        self.versions.get(usize::try_from(version).ok()?)
    }

    /// The version of `schema`: an existing identical one, or a new one if compatible
    /// with the latest (a producer's schema, or GET_OR_CREATE_SCHEMA).
    pub fn register(&mut self, schema: &Schema) -> Result<u64, SchemaError> {
        if let Some(version) = self.find(schema) {
            return Ok(version);
        }
        if let Some((_, latest)) = self.latest() {
            check_compatible(&latest.schema, schema)?;
        }
        self.append(schema)
    }

    /// Checks a consumer's schema: registered as the first version of a topic without
    /// one, else it must be compatible with the latest version.
    pub fn check_consumer(&mut self, schema: &Schema) -> Result<(), SchemaError> {
        if self.find(schema).is_some() {
            return Ok(());
        }
        match self.latest() {
            None => self.append(schema).map(drop),
            Some((_, latest)) => check_compatible(&latest.schema, schema),
        }
    }

    fn find(&self, schema: &Schema) -> Option<u64> {
        self.versions
            .iter()
            .position(|v| {
                v.schema.r#type == schema.r#type && v.schema.schema_data == schema.schema_data
            })
            .map(|v| v as u64)
    }

    fn append(&mut self, schema: &Schema) -> Result<u64, SchemaError> {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        if let Some(file) = &mut self.file {
            let mut body = Vec::new();
            body.put_u64(timestamp);
            body.extend_from_slice(&schema.encode_to_vec());
            let mut buf = Vec::new();
            record::encode(&mut buf, &body);
            file.write_all(&buf)?;
            file.sync_data()?;
        }
        self.versions.push(StoredSchema {
            schema: schema.clone(),
            timestamp,
        });
        Ok(self.versions.len() as u64 - 1)
    }
}

/// Whether a schema is a real one (BYTES, the absence of a schema, is encoded as `None`).
pub fn is_typed(schema: &Schema) -> bool {
    schema.r#type != SchemaType::None as i32
}

/// The wire form of a version number.
pub fn version_bytes(version: u64) -> Vec<u8> {
    version.to_be_bytes().to_vec()
}

/// A version number from its wire form.
pub fn parse_version(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// The name Apache Pulsar's admin API gives a schema type.
pub fn type_name(r#type: i32) -> &'static str {
    match SchemaType::try_from(r#type) {
        Ok(SchemaType::None) => "BYTES",
        Ok(SchemaType::String) => "STRING",
        Ok(SchemaType::Json) => "JSON",
        Ok(SchemaType::Protobuf) => "PROTOBUF",
        Ok(SchemaType::Avro) => "AVRO",
        Ok(SchemaType::KeyValue) => "KEY_VALUE",
        Ok(SchemaType::ProtobufNative) => "PROTOBUF_NATIVE",
        Ok(other) => other.as_str_name(),
        Err(_) => "UNKNOWN",
    }
}

fn check_compatible(old: &Schema, new: &Schema) -> Result<(), SchemaError> {
    if old.r#type != new.r#type {
        return Err(SchemaError::Incompatible(format!(
            "schema type {} does not match the topic's {}",
            type_name(new.r#type),
            type_name(old.r#type)
        )));
    }
    let avro = [SchemaType::Avro as i32, SchemaType::Json as i32];
    if !avro.contains(&new.r#type) {
        return Ok(());
    }
    let parse = |schema: &Schema| {
        let text = String::from_utf8_lossy(&schema.schema_data);
        apache_avro::Schema::parse_str(&text)
            .map_err(|e| SchemaError::Incompatible(format!("unreadable Avro definition: {e}")))
    };
    let (old, new) = (parse(old)?, parse(new)?);
    match SchemaCompatibility::mutual_read(&old, &new) {
        Ok(Compatibility::Full) => Ok(()),
        Ok(Compatibility::Partial) => Err(SchemaError::Incompatible(
            "the schemas can only partly read each other's data (FULL compatibility required)"
                .into(),
        )),
        Err(e) => Err(SchemaError::Incompatible(format!(
            "not FULL compatible with the latest version: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avro(definition: &str) -> Schema {
        Schema {
            name: "t".into(),
            schema_data: definition.as_bytes().to_vec(),
            r#type: SchemaType::Avro as i32,
            properties: Vec::new(),
        }
    }

    const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":null}]}"#;
    const V2: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":null},{"name":"b","type":["null","long"],"default":null}]}"#;
    const BAD: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}"#;

    #[test]
    fn versions_count_up_and_an_identical_schema_keeps_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schemas");
        let mut registry = SchemaRegistry::open(&path).unwrap();
        assert_eq!(registry.register(&avro(V1)).unwrap(), 0);
        assert_eq!(registry.register(&avro(V2)).unwrap(), 1);
        assert_eq!(registry.register(&avro(V1)).unwrap(), 0);
        drop(registry);
        let registry = SchemaRegistry::open(&path).unwrap();
        assert_eq!(registry.latest().unwrap().0, 1);
        assert_eq!(registry.get(0).unwrap().schema.schema_data, V1.as_bytes());
    }

    #[test]
    fn an_incompatible_avro_schema_is_refused() {
        let mut registry = SchemaRegistry::in_memory();
        registry.register(&avro(V1)).unwrap();
        assert!(matches!(
            registry.register(&avro(BAD)),
            Err(SchemaError::Incompatible(_))
        ));
        assert!(matches!(
            registry.check_consumer(&avro(BAD)),
            Err(SchemaError::Incompatible(_))
        ));
        assert!(registry.check_consumer(&avro(V2)).is_ok());
    }

    #[test]
    fn versions_go_on_the_wire_as_eight_big_endian_bytes() {
        assert_eq!(version_bytes(2), vec![0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(parse_version(&version_bytes(7)), Some(7));
        assert_eq!(parse_version(&[1, 2]), None);
    }
}
