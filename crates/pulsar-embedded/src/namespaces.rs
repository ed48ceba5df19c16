//! Tenants and namespaces: which exist and the policies this broker applies (namespace
//! and topic deduplication, schema compatibility strategy, retention, message TTL,
//! backlog quotas), kept in
//! `data_dir/namespaces.json`.
//!
//! Like Apache Pulsar, a topic lives only in an existing namespace of an existing tenant.
//! A fresh data directory starts with standalone's `public/default`, `public/functions`
//! and `pulsar/system`; a data directory written before this registry existed also gets
//! the namespaces of the topics already stored in it, so no stored topic becomes
//! unreachable. Every change is written aside, fsynced and renamed into place before it
//! is answered.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
};

use crate::{
    retention::{BacklogQuota, RetentionPolicy},
    schema_registry::CompatibilityStrategy,
    topic_name::{decode_component, is_valid_name_part},
};

/// The only cluster of this broker, as Apache Pulsar standalone names it.
pub const CLUSTER: &str = "standalone";

const FILE: &str = "namespaces.json";

/// A tenant's configuration, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantInfo {
    pub admin_roles: Vec<String>,
    pub allowed_clusters: Vec<String>,
}

impl Default for TenantInfo {
    fn default() -> Self {
        TenantInfo {
            admin_roles: Vec::new(),
            allowed_clusters: vec![CLUSTER.to_string()],
        }
    }
}

impl TenantInfo {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "adminRoles": self.admin_roles,
            "allowedClusters": self.allowed_clusters,
        })
    }

    /// Reads the admin API's body; missing fields take their defaults.
    pub fn from_json(value: &serde_json::Value) -> Option<TenantInfo> {
        let strings = |field: &str| -> Option<Option<Vec<String>>> {
            match value.get(field) {
                None | Some(serde_json::Value::Null) => Some(None),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .map(Some),
                Some(_) => None,
            }
        };
        if !value.is_object() {
            return None;
        }
        let default = TenantInfo::default();
        Some(TenantInfo {
            admin_roles: strings("adminRoles")?.unwrap_or(default.admin_roles),
            allowed_clusters: strings("allowedClusters")?.unwrap_or(default.allowed_clusters),
        })
    }
}

/// The policies of a namespace that this broker applies; unset ones take the broker's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespacePolicies {
    /// Apache Pulsar's `deduplicationEnabled`.
    pub deduplication: Option<bool>,
    pub schema_compatibility: CompatibilityStrategy,
    /// Per topic (its full name), the topic-level `deduplicationEnabled`, which wins over
    /// the namespace's.
    pub topic_deduplication: BTreeMap<String, bool>,
    /// Apache Pulsar's `retention_policies`.
    pub retention: Option<RetentionPolicy>,
    /// Apache Pulsar's `message_ttl_in_seconds` (0 is none).
    pub message_ttl_seconds: Option<u32>,
    /// Apache Pulsar's `backlog_quota_map`, by quota type (`destination_storage`,
    /// `message_age`).
    pub backlog_quotas: BTreeMap<String, BacklogQuota>,
}

/// The backlog quota types of Apache Pulsar's admin API.
pub const QUOTA_TYPES: [&str; 2] = ["destination_storage", "message_age"];

impl NamespacePolicies {
    fn is_default(&self) -> bool {
        *self == NamespacePolicies::default()
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "deduplicationEnabled": self.deduplication,
            "schema_compatibility_strategy": self.schema_compatibility.name(),
            "topicDeduplicationEnabled": self.topic_deduplication,
            "retention_policies": self.retention.map(RetentionPolicy::to_json),
            "message_ttl_in_seconds": self.message_ttl_seconds,
            "backlog_quota_map": self.backlog_quota_map(),
        })
    }

    /// The backlog quotas as Apache Pulsar's admin API shows them.
    pub fn backlog_quota_map(&self) -> serde_json::Value {
        self.backlog_quotas
            .iter()
            .map(|(kind, quota)| (kind.clone(), quota.to_json()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    fn from_json(value: &serde_json::Value) -> Option<NamespacePolicies> {
        let deduplication = match value.get("deduplicationEnabled") {
            None | Some(serde_json::Value::Null) => None,
            Some(flag) => Some(flag.as_bool()?),
        };
        let schema_compatibility = match value.get("schema_compatibility_strategy") {
            None => CompatibilityStrategy::Undefined,
            Some(name) => CompatibilityStrategy::parse(name.as_str()?)?,
        };
        let topic_deduplication = match value.get("topicDeduplicationEnabled") {
            None => BTreeMap::new(),
            Some(topics) => topics
                .as_object()?
                .iter()
                .map(|(topic, flag)| Some((topic.clone(), flag.as_bool()?)))
                .collect::<Option<_>>()?,
        };
        let retention = match value.get("retention_policies") {
            None | Some(serde_json::Value::Null) => None,
            Some(policy) => Some(RetentionPolicy::from_json(policy)?),
        };
        let message_ttl_seconds = match value.get("message_ttl_in_seconds") {
            None | Some(serde_json::Value::Null) => None,
            Some(ttl) => Some(u32::try_from(ttl.as_u64()?).ok()?),
        };
        let backlog_quotas = match value.get("backlog_quota_map") {
            None | Some(serde_json::Value::Null) => BTreeMap::new(),
            Some(quotas) => quotas
                .as_object()?
                .iter()
                .map(|(kind, quota)| Some((kind.clone(), BacklogQuota::from_json(quota)?)))
                .collect::<Option<_>>()?,
        };
        Some(NamespacePolicies {
            deduplication,
            schema_compatibility,
            topic_deduplication,
            retention,
            message_ttl_seconds,
            backlog_quotas,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Tenant {
    info: TenantInfo,
    namespaces: BTreeSet<String>,
    /// The policies of its namespaces that differ from the defaults.
    policies: BTreeMap<String, NamespacePolicies>,
}

/// Why a change to the registry was refused; each maps to the admin API's status.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// 404
    #[error("Tenant does not exist")]
    TenantNotFound,
    /// 404
    #[error("Namespace does not exist")]
    NamespaceNotFound,
    /// 409
    #[error("Tenant already exists")]
    TenantExists,
    /// 409
    #[error("Namespace already exists")]
    NamespaceExists,
    /// 409
    #[error("The tenant still has active namespaces")]
    TenantNotEmpty,
    /// 412
    #[error("Tenant or namespace name is not valid")]
    InvalidName,
    /// 500
    #[error("cannot store the namespaces")]
    Storage(#[source] io::Error),
}

/// The tenants and their namespaces.
pub struct Registry {
    file: PathBuf,
    /// Locked briefly, never across an await, so that readers need not be async.
    tenants: Mutex<BTreeMap<String, Tenant>>,
    /// Serializes changes, which are stored before they are applied.
    changing: tokio::sync::Mutex<()>,
}

impl Registry {
    /// Opens the registry of `data_dir` (blocking), creating it on first use.
    pub fn open(data_dir: &Path) -> io::Result<Registry> {
        let file = data_dir.join(FILE);
        let tenants = match std::fs::read(&file) {
            Ok(bytes) => parse(&bytes).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not a namespace registry", file.display()),
                )
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let tenants = initial(data_dir)?;
                write_file(&file, &serialize(&tenants))?;
                tenants
            }
            Err(e) => return Err(e),
        };
        Ok(Registry {
            file,
            tenants: Mutex::new(tenants),
            changing: tokio::sync::Mutex::new(()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Tenant>> {
        // Changes replace the map in one assignment: a panic cannot leave it half done.
        self.tenants.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn tenants(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    pub fn tenant(&self, tenant: &str) -> Option<TenantInfo> {
        self.lock().get(tenant).map(|t| t.info.clone())
    }

    /// The namespaces of `tenant`, as `tenant/namespace`.
    pub fn namespaces(&self, tenant: &str) -> Result<Vec<String>, RegistryError> {
        let tenants = self.lock();
        let found = tenants.get(tenant).ok_or(RegistryError::TenantNotFound)?;
        Ok(found
            .namespaces
            .iter()
            .map(|ns| format!("{tenant}/{ns}"))
            .collect())
    }

    pub fn namespace_exists(&self, tenant: &str, namespace: &str) -> bool {
        self.lock()
            .get(tenant)
            .is_some_and(|t| t.namespaces.contains(namespace))
    }

    /// The policies of a namespace, if it exists.
    pub fn policies(&self, tenant: &str, namespace: &str) -> Option<NamespacePolicies> {
        let tenants = self.lock();
        let found = tenants.get(tenant)?;
        if !found.namespaces.contains(namespace) {
            return None;
        }
        Some(found.policies.get(namespace).cloned().unwrap_or_default())
    }

    /// Changes the policies of a namespace, stored before they are answered.
    pub async fn change_policies(
        &self,
        tenant: &str,
        namespace: &str,
        change: impl FnOnce(&mut NamespacePolicies),
    ) -> Result<(), RegistryError> {
        self.change(|tenants| {
            let found = tenants
                .get_mut(tenant)
                .filter(|t| t.namespaces.contains(namespace))
                .ok_or(RegistryError::NamespaceNotFound)?;
            let mut policies = found.policies.remove(namespace).unwrap_or_default();
            change(&mut policies);
            if !policies.is_default() {
                found.policies.insert(namespace.to_string(), policies);
            }
            Ok(())
        })
        .await
    }

    pub async fn create_tenant(&self, tenant: &str, info: TenantInfo) -> Result<(), RegistryError> {
        if !is_valid_name_part(tenant) {
            return Err(RegistryError::InvalidName);
        }
        self.change(|tenants| {
            if tenants.contains_key(tenant) {
                return Err(RegistryError::TenantExists);
            }
            tenants.insert(
                tenant.to_string(),
                Tenant {
                    info,
                    namespaces: BTreeSet::new(),
                    policies: BTreeMap::new(),
                },
            );
            Ok(())
        })
        .await
    }

    pub async fn delete_tenant(&self, tenant: &str) -> Result<(), RegistryError> {
        self.change(|tenants| match tenants.get(tenant) {
            None => Err(RegistryError::TenantNotFound),
            Some(t) if !t.namespaces.is_empty() => Err(RegistryError::TenantNotEmpty),
            Some(_) => {
                tenants.remove(tenant);
                Ok(())
            }
        })
        .await
    }

    pub async fn create_namespace(
        &self,
        tenant: &str,
        namespace: &str,
    ) -> Result<(), RegistryError> {
        if !is_valid_name_part(namespace) {
            return Err(RegistryError::InvalidName);
        }
        self.change(|tenants| {
            let found = tenants
                .get_mut(tenant)
                .ok_or(RegistryError::TenantNotFound)?;
            if !found.namespaces.insert(namespace.to_string()) {
                return Err(RegistryError::NamespaceExists);
            }
            Ok(())
        })
        .await
    }

    /// Removes a namespace; the caller checked it holds no topic.
    pub async fn delete_namespace(
        &self,
        tenant: &str,
        namespace: &str,
    ) -> Result<(), RegistryError> {
        self.change(|tenants| {
            let found = tenants
                .get_mut(tenant)
                .ok_or(RegistryError::NamespaceNotFound)?;
            if !found.namespaces.remove(namespace) {
                return Err(RegistryError::NamespaceNotFound);
            }
            found.policies.remove(namespace);
            Ok(())
        })
        .await
    }

    /// Applies `change` to a copy, stores the copy durably, and only then keeps it.
    async fn change(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, Tenant>) -> Result<(), RegistryError>,
    ) -> Result<(), RegistryError> {
        let _changing = self.changing.lock().await;
        let mut changed = self.lock().clone();
        change(&mut changed)?;
        let bytes = serialize(&changed);
        let file = self.file.clone();
        tokio::task::spawn_blocking(move || write_file(&file, &bytes))
            .await
            .map_err(|e| RegistryError::Storage(io::Error::other(e.to_string())))?
            .map_err(RegistryError::Storage)?;
        *self.lock() = changed;
        Ok(())
    }
}

/// Standalone's namespaces, plus those of topics already stored.
fn initial(data_dir: &Path) -> io::Result<BTreeMap<String, Tenant>> {
    let mut tenants: BTreeMap<String, Tenant> = BTreeMap::new();
    for (tenant, namespace) in [
        ("public", "default"),
        ("public", "functions"),
        ("pulsar", "system"),
    ] {
        tenants
            .entry(tenant.to_string())
            .or_default()
            .namespaces
            .insert(namespace.to_string());
    }
    for (tenant, namespace) in stored_namespaces(&data_dir.join("topics"))? {
        tenants
            .entry(tenant)
            .or_default()
            .namespaces
            .insert(namespace);
    }
    Ok(tenants)
}

fn stored_namespaces(topics: &Path) -> io::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let tenants = match std::fs::read_dir(topics) {
        Ok(tenants) => tenants,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    for tenant in tenants {
        let tenant = tenant?;
        let Some(tenant_name) = tenant.file_name().to_str().and_then(decode_component) else {
            continue;
        };
        if !tenant.file_type()?.is_dir() {
            continue;
        }
        for namespace in std::fs::read_dir(tenant.path())? {
            let namespace = namespace?;
            if let Some(name) = namespace.file_name().to_str().and_then(decode_component) {
                found.push((tenant_name.clone(), name));
            }
        }
    }
    Ok(found)
}

fn serialize(tenants: &BTreeMap<String, Tenant>) -> Vec<u8> {
    let tenants: serde_json::Map<String, serde_json::Value> = tenants
        .iter()
        .map(|(name, tenant)| {
            let mut value = tenant.info.to_json();
            value["namespaces"] = serde_json::json!(tenant.namespaces);
            if !tenant.policies.is_empty() {
                value["policies"] = tenant
                    .policies
                    .iter()
                    .map(|(ns, policies)| (ns.clone(), policies.to_json()))
                    .collect::<serde_json::Map<_, _>>()
                    .into();
            }
            (name.clone(), value)
        })
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({ "tenants": tenants }))
        .unwrap_or_else(|_| unreachable!("a JSON value always serializes"))
}

fn parse(bytes: &[u8]) -> Option<BTreeMap<String, Tenant>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    value
        .get("tenants")?
        .as_object()?
        .iter()
        .map(|(name, tenant)| {
            let namespaces = tenant
                .get("namespaces")?
                .as_array()?
                .iter()
                .map(|ns| ns.as_str().map(str::to_string))
                .collect::<Option<BTreeSet<_>>>()?;
            let info = TenantInfo::from_json(tenant)?;
            let policies = match tenant.get("policies") {
                None => BTreeMap::new(),
                Some(policies) => policies
                    .as_object()?
                    .iter()
                    .map(|(ns, p)| Some((ns.clone(), NamespacePolicies::from_json(p)?)))
                    .collect::<Option<_>>()?,
            };
            Some((
                name.clone(),
                Tenant {
                    info,
                    namespaces,
                    policies,
                },
            ))
        })
        .collect()
}

/// Writes aside, fsyncs, renames into place and fsyncs the directory: the file is always
/// either the old or the new registry, even after a crash.
pub(crate) fn write_file(file: &Path, bytes: &[u8]) -> io::Result<()> {
    let aside = file.with_extension("json.tmp");
    {
        let mut out = std::fs::File::create(&aside)?;
        out.write_all(bytes)?;
        out.sync_all()?;
    }
    std::fs::rename(&aside, file)?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_body_takes_defaults_and_refuses_wrong_types() {
        let info = TenantInfo::from_json(&serde_json::json!({"adminRoles": ["ops"]})).unwrap();
        assert_eq!(info.admin_roles, vec!["ops"]);
        assert_eq!(info.allowed_clusters, vec![CLUSTER]);
        assert!(TenantInfo::from_json(&serde_json::json!({"adminRoles": "ops"})).is_none());
        assert!(TenantInfo::from_json(&serde_json::json!([1])).is_none());
    }

    #[test]
    fn the_registry_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut tenants = initial(dir.path()).unwrap();
        assert_eq!(parse(&serialize(&tenants)), Some(tenants.clone()));
        let policies = NamespacePolicies {
            deduplication: Some(true),
            schema_compatibility: CompatibilityStrategy::BackwardTransitive,
            topic_deduplication: BTreeMap::from([("t".to_string(), false)]),
            retention: Some(RetentionPolicy {
                time_minutes: -1,
                size_mb: 10,
            }),
            message_ttl_seconds: Some(30),
            backlog_quotas: BTreeMap::from([(
                "destination_storage".to_string(),
                BacklogQuota {
                    limit_size: 1 << 20,
                    limit_time: -1,
                    policy: crate::retention::QuotaPolicy::ProducerException,
                },
            )]),
        };
        tenants
            .get_mut("public")
            .unwrap()
            .policies
            .insert("default".into(), policies);
        assert_eq!(parse(&serialize(&tenants)), Some(tenants));
    }

    #[test]
    fn a_data_dir_with_stored_topics_keeps_their_namespaces() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("topics/acme/pedidos%2Fx/t")).unwrap();
        let tenants = initial(dir.path()).unwrap();
        assert!(tenants["acme"].namespaces.contains("pedidos/x"));
        assert!(tenants["public"].namespaces.contains("default"));
    }
}
