//! The state shared by every connection: configuration, tenants and namespaces, loaded
//! topics, id generators, and the shutdown signal.

use std::{
    collections::{BTreeSet, HashMap},
    io,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use pulsar::proto::ServerError;
use tokio::task::JoinHandle;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    config::Config,
    namespaces::{Registry, RegistryError, QUOTA_TYPES},
    partitions::PartitionedTopics,
    retention::TopicPolicies,
    storage::writer,
    topic::{run_delivery_timer, Refusal, Topic},
    topic_name::{self, TopicName},
};

/// A loaded topic and what stops its tasks when it is deleted.
struct LoadedTopic {
    topic: Arc<Topic>,
    /// A child of the broker's shutdown signal.
    stop: CancellationToken,
    writer: Option<JoinHandle<()>>,
}

/// Why a topic or a namespace could not be deleted; each maps to the admin API's status.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    /// 404
    #[error("Topic not found")]
    TopicNotFound,
    /// 412
    #[error("Topic has active producers/subscriptions")]
    TopicBusy,
    /// 409
    #[error("Cannot delete non empty namespace")]
    NamespaceNotEmpty,
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// 500
    #[error("cannot delete the topic's files")]
    Storage(#[source] io::Error),
}

/// The broker's shared state.
pub struct Broker {
    pub config: Config,
    pub namespaces: Registry,
    pub partitioned: PartitionedTopics,
    topics: tokio::sync::Mutex<HashMap<String, LoadedTopic>>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    ids: AtomicU64,
    /// Makes generated producer names unique across restarts too, so deduplication by
    /// producer name never mistakes a new producer for an old one.
    producer_prefix: String,
}

impl Broker {
    pub fn new(
        config: Config,
        namespaces: Registry,
        partitioned: PartitionedTopics,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> Self {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or_default();
        Broker {
            config,
            namespaces,
            partitioned,
            topics: tokio::sync::Mutex::new(HashMap::new()),
            shutdown,
            tracker,
            ids: AtomicU64::new(1),
            producer_prefix: format!("embedded-{started:x}"),
        }
    }

    /// The address the protocol listener is bound to.
    pub fn local_address(&self) -> std::net::SocketAddr {
        self.config.bind
    }

    /// A fresh id (connections, consumers).
    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// A producer name no other producer had.
    pub fn producer_name(&self) -> String {
        format!("{}-{}", self.producer_prefix, self.next_id())
    }

    /// The topic, loaded from disk or created on first use; refused, as Apache Pulsar
    /// does, when its namespace does not exist.
    pub async fn topic(&self, name: &TopicName) -> Result<Arc<Topic>, Refusal> {
        let key = name.to_string();
        // Held across the load so that a topic is never loaded twice; loads are rare.
        let mut topics = self.topics.lock().await;
        if let Some(loaded) = topics.get(&key) {
            return Ok(loaded.topic.clone());
        }
        if self.shutdown.is_cancelled() {
            return Err((ServerError::ServiceNotReady, "broker shutting down".into()));
        }
        if !self
            .namespaces
            .namespace_exists(&name.tenant, &name.namespace)
        {
            return Err((ServerError::TopicNotFound, NAMESPACE_NOT_FOUND.into()));
        }
        let stop = self.shutdown.child_token();
        let mut writer = None;
        let topic = if name.persistent {
            let dir = self.topic_dir(name);
            let loading = name.clone();
            let dedup = self.deduplication_of(name);
            let limits = self.config.segment_limits;
            let policies = self.policies_of(name);
            let (topic, storage) = tokio::task::spawn_blocking(move || {
                Topic::load(loading, &dir, dedup, limits, policies)
            })
            .await
            .map_err(|e| (ServerError::PersistenceError, e.to_string()))?
            .map_err(|e| {
                tracing::error!(topic = %name, error = %e, "cannot load topic");
                (
                    ServerError::PersistenceError,
                    format!("cannot load {name}: {e}"),
                )
            })?;
            writer = Some(self.tracker.spawn(writer::run(
                topic.clone(),
                storage,
                self.config.fsync,
                self.config.policy_check_interval,
                stop.clone(),
            )));
            self.tracker
                .spawn(run_delivery_timer(topic.clone(), stop.clone()));
            topic
        } else {
            Topic::in_memory(name.clone(), self.deduplication_of(name))
        };
        if let Some(policies) = self.namespaces.policies(&name.tenant, &name.namespace) {
            let schemas = topic.schemas();
            let mut registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
            registry.set_strategy(policies.schema_compatibility);
        }
        topics.insert(
            key,
            LoadedTopic {
                topic: topic.clone(),
                stop,
                writer,
            },
        );
        Ok(topic)
    }

    /// Whether a topic deduplicates: its own policy, else its namespace's, else the
    /// broker's configuration.
    pub fn deduplication_of(&self, name: &TopicName) -> bool {
        let policies = self
            .namespaces
            .policies(&name.tenant, &name.namespace)
            .unwrap_or_default();
        policies
            .topic_deduplication
            .get(&name.to_string())
            .copied()
            .or(policies.deduplication)
            .unwrap_or(self.config.deduplication)
    }

    /// The retention, message TTL and backlog quotas of a topic: its namespace's, else the
    /// broker's configuration.
    pub fn policies_of(&self, name: &TopicName) -> TopicPolicies {
        let policies = self
            .namespaces
            .policies(&name.tenant, &name.namespace)
            .unwrap_or_default();
        TopicPolicies {
            retention: policies.retention.unwrap_or(self.config.retention),
            message_ttl_seconds: policies
                .message_ttl_seconds
                .unwrap_or(self.config.message_ttl_seconds),
            backlog_quota: policies
                .backlog_quotas
                .get(QUOTA_TYPES[0])
                .copied()
                .or(self.config.backlog_quota),
            message_age_quota: policies.backlog_quotas.get(QUOTA_TYPES[1]).copied(),
            failover_delay_ms: self.config.failover_delay.as_millis() as u64,
        }
    }

    /// Applies the stored policies of a namespace to its loaded topics, after a change.
    pub async fn apply_policies(&self, tenant: &str, namespace: &str) {
        let Some(policies) = self.namespaces.policies(tenant, namespace) else {
            return;
        };
        for topic in self.loaded_topics().await {
            if topic.name.tenant != tenant || topic.name.namespace != namespace {
                continue;
            }
            topic.set_deduplication(self.deduplication_of(&topic.name));
            topic.set_policies(self.policies_of(&topic.name));
            let schemas = topic.schemas();
            let mut registry = schemas.lock().unwrap_or_else(|e| e.into_inner());
            registry.set_strategy(policies.schema_compatibility);
        }
    }

    /// Whether the topic exists (loaded, or stored on disk).
    pub async fn topic_exists(&self, name: &TopicName) -> bool {
        self.topics.lock().await.contains_key(&name.to_string())
            || (name.persistent && self.topic_dir(name).is_dir())
    }

    /// Deletes a topic and its stored data. Refused while producers or consumers are
    /// attached unless `force`; forced, they are closed, as Apache Pulsar does, and their
    /// clients reconnect to a new topic of that name once it is gone.
    pub async fn delete_topic(&self, name: &TopicName, force: bool) -> Result<(), DeleteError> {
        let mut topics = self.topics.lock().await;
        let dir = self.topic_dir(name);
        let stored = name.persistent && dir.is_dir();
        match topics.get(&name.to_string()) {
            None if !stored => return Err(DeleteError::TopicNotFound),
            Some(loaded) if has_clients(&loaded.topic.stats()) && !force => {
                return Err(DeleteError::TopicBusy)
            }
            _ => {}
        }
        if let Some(loaded) = topics.remove(&name.to_string()) {
            loaded.topic.disconnect_clients();
            loaded.topic.complete_batch(
                Vec::new(),
                Vec::new(),
                Err(io::Error::other("the topic was deleted")),
            );
            loaded.stop.cancel();
            if let Some(writer) = loaded.writer {
                let _ = writer.await;
            }
        }
        if stored {
            tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir))
                .await
                .map_err(|e| DeleteError::Storage(io::Error::other(e.to_string())))?
                .map_err(DeleteError::Storage)?;
        }
        tracing::info!(topic = %name, force, "topic deleted");
        Ok(())
    }

    /// Deletes an empty namespace.
    pub async fn delete_namespace(&self, tenant: &str, namespace: &str) -> Result<(), DeleteError> {
        // Held so that no topic is created in the namespace meanwhile.
        let topics = self.topics.lock().await;
        if !self.namespaces.namespace_exists(tenant, namespace) {
            return Err(RegistryError::NamespaceNotFound.into());
        }
        let loaded = topics
            .values()
            .any(|t| t.topic.name.tenant == tenant && t.topic.name.namespace == namespace);
        let partitioned = [true, false].iter().any(|&persistent| {
            !self
                .partitioned
                .of_namespace(persistent, tenant, namespace)
                .is_empty()
        });
        if loaded || partitioned || !self.stored_topics(tenant, namespace).is_empty() {
            return Err(DeleteError::NamespaceNotEmpty);
        }
        self.namespaces.delete_namespace(tenant, namespace).await?;
        // What is left is at most the empty directory.
        let _ = std::fs::remove_dir_all(self.namespace_dir(tenant, namespace));
        Ok(())
    }

    /// The topic if it exists (loaded, or stored on disk), without creating it.
    pub async fn existing_topic(&self, name: &TopicName) -> Option<Arc<Topic>> {
        let loaded = self
            .topics
            .lock()
            .await
            .get(&name.to_string())
            .map(|t| t.topic.clone());
        if loaded.is_some() {
            return loaded;
        }
        if name.persistent && self.topic_dir(name).is_dir() {
            return self.topic(name).await.ok();
        }
        None
    }

    /// Every loaded topic.
    pub async fn loaded_topics(&self) -> Vec<Arc<Topic>> {
        self.topics
            .lock()
            .await
            .values()
            .map(|t| t.topic.clone())
            .collect()
    }

    /// Names of the topics of a namespace: the loaded ones and those stored on disk,
    /// sorted.
    pub async fn topics_of(&self, tenant: &str, namespace: &str) -> Vec<String> {
        let mut names: BTreeSet<String> = self
            .topics
            .lock()
            .await
            .values()
            .filter(|t| t.topic.name.tenant == tenant && t.topic.name.namespace == namespace)
            .map(|t| t.topic.full_name().to_string())
            .collect();
        names.extend(
            self.stored_topics(tenant, namespace)
                .into_iter()
                .map(|local| format!("persistent://{tenant}/{namespace}/{local}")),
        );
        names.into_iter().collect()
    }

    /// Local names of the persistent topics stored in a namespace's directory.
    fn stored_topics(&self, tenant: &str, namespace: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.namespace_dir(tenant, namespace)) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(topic_name::decode_component)
            })
            .collect()
    }

    fn namespace_dir(&self, tenant: &str, namespace: &str) -> std::path::PathBuf {
        self.config
            .data_dir
            .join("topics")
            .join(topic_name::namespace_dir(tenant, namespace))
    }

    fn topic_dir(&self, name: &TopicName) -> std::path::PathBuf {
        self.config
            .data_dir
            .join("topics")
            .join(name.relative_dir())
    }
}

/// The message of Apache Pulsar's refusal of a topic in a namespace that does not exist.
pub const NAMESPACE_NOT_FOUND: &str = "Namespace not found";

/// Whether the admin statistics of a topic show producers or consumers.
pub(crate) fn has_clients(stats: &serde_json::Value) -> bool {
    let publishers = stats["publishers"]
        .as_array()
        .is_some_and(|p| !p.is_empty());
    let consumers = stats["subscriptions"].as_object().is_some_and(|subs| {
        subs.values()
            .any(|s| s["consumers"].as_array().is_some_and(|c| !c.is_empty()))
    });
    publishers || consumers
}
