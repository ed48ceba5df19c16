//! Partitioned topics' metadata: which topic names are partitioned, and into how many
//! partitions. The partitions themselves, `{topic}-partition-{i}`, are ordinary topics.
//!
//! Kept in `data_dir/partitioned-topics.json` (`{"persistent://t/ns/topic": 3, …}`),
//! written aside, fsynced and renamed like `namespaces.json`.

use std::{
    collections::BTreeMap,
    io,
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
};

use crate::{namespaces::write_file, topic_name::TopicName};

/// The partitioned topics of the broker.
pub struct PartitionedTopics {
    file: PathBuf,
    /// Full topic name → number of partitions (never 0).
    counts: Mutex<BTreeMap<String, u32>>,
    /// Held across a check-then-store sequence (admin create, update, delete).
    changing: tokio::sync::Mutex<()>,
}

/// Proof that the caller holds [`PartitionedTopics::changing`].
pub struct Changing<'a> {
    _guard: tokio::sync::MutexGuard<'a, ()>,
}

impl PartitionedTopics {
    /// Reads the stored metadata; an absent file means no partitioned topic.
    pub fn open(data_dir: &Path) -> io::Result<PartitionedTopics> {
        let file = data_dir.join("partitioned-topics.json");
        let counts = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} is not a partitioned-topic registry: {e}",
                        file.display()
                    ),
                )
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        Ok(PartitionedTopics {
            file,
            counts: Mutex::new(counts),
            changing: tokio::sync::Mutex::new(()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, u32>> {
        // Changes replace one value at a time: a panic cannot leave the map half done.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of partitions of `name`; 0 when it is not a partitioned topic.
    pub fn partitions(&self, name: &TopicName) -> u32 {
        self.lock().get(&name.to_string()).copied().unwrap_or(0)
    }

    /// The partitioned topics of a namespace and domain, sorted.
    pub fn of_namespace(&self, persistent: bool, tenant: &str, namespace: &str) -> Vec<String> {
        let domain = if persistent {
            "persistent"
        } else {
            "non-persistent"
        };
        let prefix = format!("{domain}://{tenant}/{namespace}/");
        self.lock()
            .keys()
            .filter(|name| {
                name.strip_prefix(&prefix)
                    .is_some_and(|local| !local.contains('/'))
            })
            .cloned()
            .collect()
    }

    /// Serializes changes: checks made while holding it stay true until it is dropped.
    pub async fn changing(&self) -> Changing<'_> {
        Changing {
            _guard: self.changing.lock().await,
        }
    }

    /// Stores `partitions` for `name` (`None` forgets it) durably, then applies it.
    pub async fn set(
        &self,
        _changing: &Changing<'_>,
        name: &TopicName,
        partitions: Option<u32>,
    ) -> io::Result<()> {
        let mut changed = self.lock().clone();
        match partitions {
            Some(count) => changed.insert(name.to_string(), count),
            None => changed.remove(&name.to_string()),
        };
        let bytes = serde_json::to_vec_pretty(&changed)
            .unwrap_or_else(|_| unreachable!("a map of strings to numbers always serializes"));
        let file = self.file.clone();
        tokio::task::spawn_blocking(move || write_file(&file, &bytes))
            .await
            .map_err(|e| io::Error::other(e.to_string()))??;
        *self.lock() = changed;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn partition_counts_survive_reopening_and_stay_in_their_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let registry = PartitionedTopics::open(dir.path()).unwrap();
        let name = TopicName::parse("persistent://t/ns/pedidos").unwrap();
        let other = TopicName::parse("persistent://t/ns2/pedidos").unwrap();
        {
            let changing = registry.changing().await;
            registry.set(&changing, &name, Some(3)).await.unwrap();
            registry.set(&changing, &other, Some(2)).await.unwrap();
            registry.set(&changing, &other, None).await.unwrap();
        }
        let reopened = PartitionedTopics::open(dir.path()).unwrap();
        assert_eq!(reopened.partitions(&name), 3);
        assert_eq!(reopened.partitions(&other), 0);
        assert_eq!(
            reopened.of_namespace(true, "t", "ns"),
            vec!["persistent://t/ns/pedidos"]
        );
        assert!(reopened.of_namespace(false, "t", "ns").is_empty());
    }
}
