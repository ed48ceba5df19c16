//! The schema registry of one topic: versioned schemas and their compatibility check.
//!
//! Versions count from 0 and go on the wire as 8 big-endian bytes, like Apache Pulsar's, so
//! the Java and C++ clients can turn them into numbers (`get_schema_info(topic, version)`).
//! A new Avro (or JSON, whose definitions are Avro) schema must be compatible with the
//! existing versions as the namespace's [`CompatibilityStrategy`] says; FULL (each can read
//! data written with the other, against the latest version) is Apache Pulsar's default.

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

/// Apache Pulsar's schema compatibility strategies (a namespace policy), with its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompatibilityStrategy {
    /// Not set: the broker's default, FULL.
    #[default]
    Undefined,
    AlwaysIncompatible,
    AlwaysCompatible,
    /// A new schema can read data written with the latest version.
    Backward,
    /// Data written with a new schema can be read with the latest version.
    Forward,
    /// Both of the above.
    Full,
    BackwardTransitive,
    ForwardTransitive,
    FullTransitive,
}

impl CompatibilityStrategy {
    /// Every strategy, for parsing and tests.
    pub const ALL: [CompatibilityStrategy; 9] = [
        CompatibilityStrategy::Undefined,
        CompatibilityStrategy::AlwaysIncompatible,
        CompatibilityStrategy::AlwaysCompatible,
        CompatibilityStrategy::Backward,
        CompatibilityStrategy::Forward,
        CompatibilityStrategy::Full,
        CompatibilityStrategy::BackwardTransitive,
        CompatibilityStrategy::ForwardTransitive,
        CompatibilityStrategy::FullTransitive,
    ];

    /// Apache Pulsar's name (`BACKWARD_TRANSITIVE`…).
    pub fn name(self) -> &'static str {
        match self {
            CompatibilityStrategy::Undefined => "UNDEFINED",
            CompatibilityStrategy::AlwaysIncompatible => "ALWAYS_INCOMPATIBLE",
            CompatibilityStrategy::AlwaysCompatible => "ALWAYS_COMPATIBLE",
            CompatibilityStrategy::Backward => "BACKWARD",
            CompatibilityStrategy::Forward => "FORWARD",
            CompatibilityStrategy::Full => "FULL",
            CompatibilityStrategy::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityStrategy::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityStrategy::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    /// The strategy of an Apache Pulsar name.
    pub fn parse(name: &str) -> Option<CompatibilityStrategy> {
        CompatibilityStrategy::ALL
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// The strategy applied: UNDEFINED is the broker's default, FULL.
    pub fn applied(self) -> CompatibilityStrategy {
        match self {
            CompatibilityStrategy::Undefined => CompatibilityStrategy::Full,
            other => other,
        }
    }
}

/// The versions of a topic's schema, in order.
pub struct SchemaRegistry {
    versions: Vec<StoredSchema>,
    /// None for non-persistent topics.
    file: Option<File>,
    /// The namespace's strategy, kept current by the broker.
    strategy: CompatibilityStrategy,
}

impl SchemaRegistry {
    /// A registry kept in memory only.
    pub fn in_memory() -> Self {
        SchemaRegistry {
            versions: Vec::new(),
            file: None,
            strategy: CompatibilityStrategy::Undefined,
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
            strategy: CompatibilityStrategy::Undefined,
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

    /// The strategy new schemas are checked with.
    pub fn strategy(&self) -> CompatibilityStrategy {
        self.strategy
    }

    pub fn set_strategy(&mut self, strategy: CompatibilityStrategy) {
        self.strategy = strategy;
    }

    /// The version of `schema`: an existing identical one, or a new one if compatible
    /// as the strategy says (a producer's schema, GET_OR_CREATE_SCHEMA, an upload).
    pub fn register(&mut self, schema: &Schema) -> Result<u64, SchemaError> {
        if let Some(version) = self.find(schema) {
            return Ok(version);
        }
        self.check(schema)?;
        self.append(schema)
    }

    /// Checks a consumer's schema: registered as the first version of a topic without
    /// one, else it must be compatible as the strategy says.
    pub fn check_consumer(&mut self, schema: &Schema) -> Result<(), SchemaError> {
        if self.find(schema).is_some() {
            return Ok(());
        }
        if self.versions.is_empty() {
            return self.append(schema).map(drop);
        }
        self.check(schema)
    }

    /// Whether `schema` could become a new version: compatible, as the strategy says, with
    /// the latest version (or every version, for the transitive strategies).
    pub fn check(&self, schema: &Schema) -> Result<(), SchemaError> {
        use CompatibilityStrategy as S;
        let strategy = self.strategy.applied();
        let against: &[StoredSchema] = match strategy {
            S::AlwaysCompatible => return Ok(()),
            _ if self.versions.is_empty() => return Ok(()),
            S::AlwaysIncompatible => {
                return Err(SchemaError::Incompatible(
                    "the namespace's strategy is ALWAYS_INCOMPATIBLE".into(),
                ))
            }
            S::BackwardTransitive | S::ForwardTransitive | S::FullTransitive => &self.versions,
            _ => &self.versions[self.versions.len() - 1..],
        };
        against
            .iter()
            .try_for_each(|old| check_compatible(&old.schema, schema, strategy))
    }

    /// Deletes every version (the admin API's schema DELETE): the next schema starts again
    /// at version 0, with nothing to be compatible with.
    pub fn delete_all(&mut self) -> Result<(), SchemaError> {
        if let Some(file) = &mut self.file {
            file.set_len(0)?;
            file.sync_data()?;
        }
        self.versions.clear();
        Ok(())
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

fn check_compatible(
    old: &Schema,
    new: &Schema,
    strategy: CompatibilityStrategy,
) -> Result<(), SchemaError> {
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
    let new = renamed_as(new, old);
    let (old, new) = (parse(old)?, parse(&new)?);
    let name = strategy.name();
    let reads = |writer: &apache_avro::Schema, reader: &apache_avro::Schema| {
        match SchemaCompatibility::can_read(writer, reader) {
            Ok(Compatibility::Full) => Ok(()),
            Ok(Compatibility::Partial) => Err(SchemaError::Incompatible(format!(
                "the schemas can only partly read each other's data ({name} compatibility required)"
            ))),
            Err(e) => Err(SchemaError::Incompatible(format!(
                "not {name} compatible with an existing version: {e}"
            ))),
        }
    };
    use CompatibilityStrategy as S;
    let backward = !matches!(strategy, S::Forward | S::ForwardTransitive);
    let forward = !matches!(strategy, S::Backward | S::BackwardTransitive);
    if backward {
        reads(&old, &new)?;
    }
    if forward {
        reads(&new, &old)?;
    }
    Ok(())
}

/// `new` with its top-level record named as `old`'s, for the comparison only. Apache
/// Pulsar checks Avro compatibility with Avro's schema resolution, which does not compare
/// the names of the records it resolves (a producer whose record class was renamed keeps
/// its data readable); `apache_avro`'s checker does. Anything else is left as it is.
fn renamed_as(new: &Schema, old: &Schema) -> Schema {
    let json =
        |schema: &Schema| serde_json::from_slice::<serde_json::Value>(&schema.schema_data).ok();
    let (Some(mut renamed), Some(old_json)) = (json(new), json(old)) else {
        return new.clone();
    };
    let is_record =
        |v: &serde_json::Value| v.get("type").and_then(|t| t.as_str()) == Some("record");
    if !is_record(&renamed) || !is_record(&old_json) {
        return new.clone();
    }
    for key in ["name", "namespace"] {
        match old_json.get(key) {
            Some(value) => renamed[key] = value.clone(),
            None => {
                if let Some(object) = renamed.as_object_mut() {
                    object.remove(key);
                }
            }
        }
    }
    Schema {
        schema_data: renamed.to_string().into_bytes(),
        ..new.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_differing_only_in_their_names_are_compatible_as_apache_pulsar_checks_them() {
        let user = |name: &str, age: &str| {
            avro(&format!(
                r#"{{"type":"record","name":"{name}","namespace":"ns.{name}","fields":[
                    {{"name":"name","type":["null","string"],"default":null}},
                    {{"name":"age","type":{age}}}]}}"#
            ))
        };
        let (user1, user2) = (user("User1", r#"["null","int"]"#), user("User2", "\"int\""));
        assert!(check_compatible(&user1, &user2, CompatibilityStrategy::Forward).is_ok());
        // Renaming hides nothing else: an incompatible field still is.
        let text = user("User3", "\"string\"");
        assert!(check_compatible(&user1, &text, CompatibilityStrategy::Full).is_err());
    }

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
    fn strategies_go_by_apache_names_and_undefined_applies_full() {
        for strategy in CompatibilityStrategy::ALL {
            assert_eq!(
                CompatibilityStrategy::parse(strategy.name()),
                Some(strategy)
            );
        }
        assert_eq!(CompatibilityStrategy::parse("full"), None);
        assert_eq!(
            CompatibilityStrategy::Undefined.applied(),
            CompatibilityStrategy::Full
        );
    }

    #[test]
    fn forward_accepts_a_new_required_field_that_backward_refuses() {
        let mut registry = SchemaRegistry::in_memory();
        registry.register(&avro(V2)).unwrap();
        let required = r#"{"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":null},{"name":"c","type":"long"}]}"#;
        registry.set_strategy(CompatibilityStrategy::Forward);
        assert!(registry.check(&avro(required)).is_ok());
        registry.set_strategy(CompatibilityStrategy::Backward);
        assert!(matches!(
            registry.check(&avro(required)),
            Err(SchemaError::Incompatible(_))
        ));
    }

    #[test]
    fn versions_go_on_the_wire_as_eight_big_endian_bytes() {
        assert_eq!(version_bytes(2), vec![0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(parse_version(&version_bytes(7)), Some(7));
        assert_eq!(parse_version(&[1, 2]), None);
    }
}
