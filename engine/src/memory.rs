//! An in-memory provider for tests of the engine: resources live in a map, ids are counters,
//! and chosen operations can be made to fail.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use cairn_model::{Catalog, Value};

use cairn_model::provider::{Observed, OpContext, Provider, ProviderError, ReadRequest};

/// A provider whose cloud is a map, with a log of every call.
pub struct MemoryProvider {
    catalog: Catalog,
    objects: Mutex<BTreeMap<(String, String), serde_json::Value>>,
    /// The address each object was created for (what AWS ownership tags record).
    owners: Mutex<BTreeMap<(String, String), String>>,
    next_id: AtomicUsize,
    /// Calls made, as `"<op> <address or type>"`, in order.
    pub log: Mutex<Vec<String>>,
    /// Addresses whose create/update/delete fails.
    pub fail: Mutex<BTreeSet<String>>,
    /// How long each create/update/delete takes.
    pub delay: Duration,
    /// How long the operations on these addresses take instead of `delay`.
    pub delays: BTreeMap<String, Duration>,
    running: AtomicUsize,
    /// Most operations seen running at once.
    pub max_running: AtomicUsize,
}

impl MemoryProvider {
    pub fn new(catalog: Catalog) -> Self {
        MemoryProvider {
            catalog,
            objects: Mutex::new(BTreeMap::new()),
            owners: Mutex::new(BTreeMap::new()),
            next_id: AtomicUsize::new(1),
            log: Mutex::new(Vec::new()),
            fail: Mutex::new(BTreeSet::new()),
            delay: Duration::ZERO,
            delays: BTreeMap::new(),
            running: AtomicUsize::new(0),
            max_running: AtomicUsize::new(0),
        }
    }

    /// The stored inputs of a resource, e.g. to check what an apply did.
    pub fn get(&self, rtype: &str, id: &str) -> Option<serde_json::Value> {
        self.lock_objects().get(&(rtype.into(), id.into())).cloned()
    }

    /// Changes a stored resource behind the engine's back (drift).
    pub fn set(&self, rtype: &str, id: &str, inputs: serde_json::Value) {
        self.lock_objects()
            .insert((rtype.into(), id.into()), inputs);
    }

    /// Deletes a stored resource behind the engine's back.
    pub fn remove(&self, rtype: &str, id: &str) {
        self.lock_objects().remove(&(rtype.into(), id.into()));
    }

    pub fn count(&self) -> usize {
        self.lock_objects().len()
    }

    pub fn calls(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn lock_objects(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), serde_json::Value>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn note(&self, entry: String) {
        if let Ok(mut l) = self.log.lock() {
            l.push(entry);
        }
    }

    async fn operate(&self, op: &str, ctx: &OpContext) -> Result<(), ProviderError> {
        self.note(format!("{op} {}", ctx.address));
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        let delay = self.delays.get(&ctx.address).copied().unwrap_or(self.delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        let failing = self
            .fail
            .lock()
            .map(|f| f.contains(&ctx.address))
            .unwrap_or(false);
        if failing {
            return Err(ProviderError::Api(format!("{op} failed (injected)")));
        }
        Ok(())
    }

    fn observed(
        &self,
        rtype: &str,
        id: &str,
        inputs: &serde_json::Value,
    ) -> Result<Observed, ProviderError> {
        let schema = self
            .catalog
            .get(rtype)
            .ok_or_else(|| ProviderError::UnknownType(rtype.into()))?;
        let inputs = schema
            .normalize(&Value::from_json(inputs.clone()))
            .to_json()
            .ok_or_else(|| ProviderError::InvalidConfig("unknown value".into()))?;
        Ok(Observed {
            id: id.into(),
            inputs,
            outputs: serde_json::json!({ "id": id, "arn": format!("arn:test:{rtype}/{id}") }),
        })
    }
}

#[async_trait]
impl Provider for MemoryProvider {
    fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    async fn read(
        &self,
        rtype: &str,
        requests: &[ReadRequest],
    ) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
        self.note(format!("read {rtype} x{}", requests.len()));
        let objects = self.lock_objects().clone();
        requests
            .iter()
            .map(|r| {
                let found = objects.get(&(rtype.to_string(), r.id.clone()));
                let obs = found.map(|i| self.observed(rtype, &r.id, i)).transpose()?;
                Ok((r.id.clone(), obs))
            })
            .collect()
    }

    async fn create(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        self.operate("create", ctx).await?;
        let id = format!("{rtype}-{}", self.next_id.fetch_add(1, Ordering::SeqCst));
        self.lock_objects()
            .insert((rtype.into(), id.clone()), config.clone());
        if let Ok(mut owners) = self.owners.lock() {
            owners.insert((rtype.into(), id.clone()), ctx.address.clone());
        }
        self.observed(rtype, &id, config)
    }

    async fn find(
        &self,
        rtype: &str,
        _config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Vec<Observed>, ProviderError> {
        self.note(format!("find {}", ctx.address));
        let owners = self.owners.lock().map(|o| o.clone()).unwrap_or_default();
        let objects = self.lock_objects().clone();
        objects
            .iter()
            .filter(|((t, id), _)| {
                t == rtype && owners.get(&(t.clone(), id.clone())) == Some(&ctx.address)
            })
            .map(|((_, id), inputs)| self.observed(rtype, id, inputs))
            .collect()
    }

    async fn update(
        &self,
        rtype: &str,
        prior: &Observed,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        self.operate("update", ctx).await?;
        self.lock_objects()
            .insert((rtype.into(), prior.id.clone()), config.clone());
        self.observed(rtype, &prior.id, config)
    }

    async fn delete(
        &self,
        rtype: &str,
        prior: &Observed,
        ctx: &OpContext,
    ) -> Result<(), ProviderError> {
        self.operate("delete", ctx).await?;
        self.lock_objects()
            .remove(&(rtype.into(), prior.id.clone()));
        Ok(())
    }
}
