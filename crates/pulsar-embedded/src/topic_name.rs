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
}
