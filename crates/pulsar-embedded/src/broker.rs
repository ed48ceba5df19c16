//! The state shared by every connection: configuration, loaded topics, id generators,
//! and the shutdown signal.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use pulsar::proto::ServerError;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    config::Config,
    storage::writer,
    topic::{Refusal, Topic},
    topic_name::TopicName,
};

/// The broker's shared state.
pub struct Broker {
    pub config: Config,
    topics: tokio::sync::Mutex<HashMap<String, Arc<Topic>>>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    ids: AtomicU64,
    /// Makes generated producer names unique across restarts too, so deduplication by
    /// producer name never mistakes a new producer for an old one.
    producer_prefix: String,
}

impl Broker {
    pub fn new(config: Config, shutdown: CancellationToken, tracker: TaskTracker) -> Self {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or_default();
        Broker {
            config,
            topics: tokio::sync::Mutex::new(HashMap::new()),
            shutdown,
            tracker,
            ids: AtomicU64::new(1),
            producer_prefix: format!("embedded-{started:x}"),
        }
    }

    /// A fresh id (connections, consumers).
    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// A producer name no other producer had.
    pub fn producer_name(&self) -> String {
        format!("{}-{}", self.producer_prefix, self.next_id())
    }

    /// The topic, loaded from disk or created on first use.
    pub async fn topic(&self, name: &TopicName) -> Result<Arc<Topic>, Refusal> {
        let key = name.to_string();
        // Held across the load so that a topic is never loaded twice; loads are rare.
        let mut topics = self.topics.lock().await;
        if let Some(topic) = topics.get(&key) {
            return Ok(topic.clone());
        }
        if self.shutdown.is_cancelled() {
            return Err((ServerError::ServiceNotReady, "broker shutting down".into()));
        }
        let topic = if name.persistent {
            let dir = self.topic_dir(name);
            let loading = name.clone();
            let dedup = self.config.deduplication;
            let (topic, storage) =
                tokio::task::spawn_blocking(move || Topic::load(loading, &dir, dedup))
                    .await
                    .map_err(|e| (ServerError::PersistenceError, e.to_string()))?
                    .map_err(|e| {
                        tracing::error!(topic = %name, error = %e, "cannot load topic");
                        (
                            ServerError::PersistenceError,
                            format!("cannot load {name}: {e}"),
                        )
                    })?;
            self.tracker.spawn(writer::run(
                topic.clone(),
                storage,
                self.config.fsync,
                self.shutdown.clone(),
            ));
            topic
        } else {
            Topic::in_memory(name.clone(), self.config.deduplication)
        };
        topics.insert(key, topic.clone());
        Ok(topic)
    }

    /// The topic if it exists (loaded, or stored on disk), without creating it.
    pub async fn existing_topic(&self, name: &TopicName) -> Option<Arc<Topic>> {
        let loaded = self.topics.lock().await.get(&name.to_string()).cloned();
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
        self.topics.lock().await.values().cloned().collect()
    }

    /// Names of the loaded topics of a namespace.
    pub async fn topics_of(&self, tenant: &str, namespace: &str) -> Vec<String> {
        self.topics
            .lock()
            .await
            .values()
            .filter(|t| t.name.tenant == tenant && t.name.namespace == namespace)
            .map(|t| t.full_name().to_string())
            .collect()
    }

    fn topic_dir(&self, name: &TopicName) -> std::path::PathBuf {
        self.config
            .data_dir
            .join("topics")
            .join(name.relative_dir())
    }
}
