//! Topic names: parsing the forms clients send, and where a topic lives on disk.

use std::{fmt, path::PathBuf};

/// A fully qualified topic name, `{persistent|non-persistent}://tenant/namespace/topic`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopicName {
    pub persistent: bool,
    pub tenant: String,
    pub namespace: String,
    pub local: String,
}

/// Why a topic name is refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid topic name {0:?}")]
pub struct InvalidTopicName(pub String);

impl TopicName {
    /// Accepts `topic`, `tenant/namespace/topic` and the fully qualified form, like
    /// Apache Pulsar (short names live in `public/default`).
    pub fn parse(name: &str) -> Result<TopicName, InvalidTopicName> {
        let invalid = || InvalidTopicName(name.to_string());
        let (persistent, rest) = if let Some(rest) = name.strip_prefix("persistent://") {
            (true, rest)
        } else if let Some(rest) = name.strip_prefix("non-persistent://") {
            (false, rest)
        } else if name.contains("://") {
            return Err(invalid());
        } else {
            (true, name)
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let (tenant, namespace, local) = match parts.as_slice() {
            [local] if !name.contains("://") => ("public", "default", *local),
            [tenant, namespace, local] => (*tenant, *namespace, *local),
            _ => return Err(invalid()),
        };
        if [tenant, namespace, local]
            .iter()
            .any(|part| part.is_empty() || part.chars().any(char::is_control))
        {
            return Err(invalid());
        }
        Ok(TopicName {
            persistent,
            tenant: tenant.to_string(),
            namespace: namespace.to_string(),
            local: local.to_string(),
        })
    }

    /// The topic of partition `index` of this (partitioned) topic.
    pub fn partition(&self, index: u32) -> TopicName {
        TopicName {
            local: format!("{}{PARTITION_SUFFIX}{index}", self.local),
            ..self.clone()
        }
    }

    /// Whether the name is that of a partition (`…-partition-N`), which Apache Pulsar
    /// refuses as the name of a partitioned topic.
    pub fn is_partition(&self) -> bool {
        self.local
            .rsplit_once(PARTITION_SUFFIX)
            .is_some_and(|(_, index)| {
                !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
            })
    }

    /// The directory of the topic under the data directory: one percent-encoded path
    /// component per name part, so no name can escape it.
    pub fn relative_dir(&self) -> PathBuf {
        [&self.tenant, &self.namespace, &self.local]
            .iter()
            .map(|part| encode_component(part))
            .collect()
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = if self.persistent {
            "persistent"
        } else {
            "non-persistent"
        };
        write!(
            f,
            "{domain}://{}/{}/{}",
            self.tenant, self.namespace, self.local
        )
    }
}

/// What separates a partitioned topic's name from the index of one of its partitions.
const PARTITION_SUFFIX: &str = "-partition-";

/// The directory of a namespace's topics under the data directory's `topics`.
pub fn namespace_dir(tenant: &str, namespace: &str) -> PathBuf {
    [encode_component(tenant), encode_component(namespace)]
        .iter()
        .collect()
}

/// Whether `part` may name a tenant or a namespace: Apache Pulsar's rule (letters,
/// digits, `_`, `-`, `=`, `:` and `.`), not empty.
pub fn is_valid_name_part(part: &str) -> bool {
    !part.is_empty()
        && part
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '=' | ':' | '.'))
}

/// The name part a directory of [`TopicName::relative_dir`] stands for; None if the
/// directory name is not one this broker wrote.
pub fn decode_component(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = encoded.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn encode_component(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for (i, byte) in part.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'=' | b':');
        // A leading dot is encoded so that "." and ".." are never path components.
        if plain || (byte == b'.' && i > 0) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_live_in_the_public_default_namespace() {
        let name = TopicName::parse("comandos-reserva").unwrap();
        assert_eq!(
            name.to_string(),
            "persistent://public/default/comandos-reserva"
        );
        assert_eq!(
            TopicName::parse("t/ns/x").unwrap().to_string(),
            "persistent://t/ns/x"
        );
        assert!(
            !TopicName::parse("non-persistent://t/ns/x")
                .unwrap()
                .persistent
        );
    }

    #[test]
    fn malformed_names_are_refused() {
        for bad in [
            "",
            "persistent://a/b",
            "x://a/b/c",
            "persistent://a//c",
            "a/b",
        ] {
            assert!(TopicName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_name_cannot_escape_the_data_directory() {
        let name = TopicName::parse("persistent://../../etc").unwrap();
        let dir = name.relative_dir();
        assert!(dir
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_))));
        assert_eq!(dir, PathBuf::from("%2E./%2E./etc"));
    }

    #[test]
    fn directory_names_decode_back_to_the_name_parts() {
        for part in ["default", "..", "a b/c", "reservas.v1", "ñandú"] {
            assert_eq!(
                decode_component(&encode_component(part)).as_deref(),
                Some(part)
            );
        }
        assert_eq!(decode_component("%zz"), None);
    }

    #[test]
    fn partitions_are_named_after_their_partitioned_topic() {
        let name = TopicName::parse("t/ns/pedidos").unwrap();
        assert_eq!(
            name.partition(2).to_string(),
            "persistent://t/ns/pedidos-partition-2"
        );
        assert!(name.partition(2).is_partition());
        assert!(!name.is_partition());
        assert!(!TopicName::parse("a-partition-x").unwrap().is_partition());
    }

    #[test]
    fn tenant_and_namespace_names_follow_apache_pulsars_rule() {
        assert!(is_valid_name_part("public"));
        assert!(is_valid_name_part("ns-1.v2"));
        assert!(!is_valid_name_part(""));
        assert!(!is_valid_name_part("a/b"));
        assert!(!is_valid_name_part("a b"));
    }
}
