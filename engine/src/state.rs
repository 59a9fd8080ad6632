//! The engine's in-memory view of recorded state (the file format lives in `cairn-state`).

use std::collections::BTreeMap;

use cairn_model::{Address, Value};

use cairn_model::provider::Observed;

/// One managed resource as last recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceState {
    pub address: Address,
    pub id: String,
    /// Configuration-shaped inputs as read back after the last operation (a map).
    pub inputs: Value,
    /// Outputs (`id`, `arn`, ...) (a map).
    pub outputs: Value,
    /// What this resource depended on when it was last applied: deletes run in reverse of it.
    pub dependencies: Vec<Address>,
    /// Kept from the configuration so that removing the resource's block cannot delete it.
    pub prevent_destroy: bool,
    /// The alias of the provider configuration it was made with (`None`: `[provider.aws]`):
    /// where it is read and deleted once its block is gone.
    pub provider: Option<String>,
}

impl ResourceState {
    pub fn rtype(&self) -> &str {
        &self.address.rtype
    }

    /// Inputs and outputs in one map: what references to this resource see.
    pub fn attributes(&self) -> Value {
        let mut m = self.outputs.as_map().cloned().unwrap_or_default();
        if let Some(inputs) = self.inputs.as_map() {
            for (k, v) in inputs {
                m.insert(k.clone(), v.clone());
            }
        }
        m.insert("id".into(), Value::String(self.id.clone()));
        Value::Map(m)
    }

    /// The provider's view of this resource.
    pub fn observed(&self) -> Observed {
        Observed {
            id: self.id.clone(),
            inputs: self.inputs.to_json_lossy(),
            outputs: self.outputs.to_json_lossy(),
        }
    }

    /// A resource as an operation left it: what the provider observed, with what it
    /// depends on and its `prevent_destroy`.
    pub fn recorded(
        address: Address,
        observed: Observed,
        dependencies: Vec<Address>,
        prevent_destroy: bool,
    ) -> ResourceState {
        ResourceState {
            address,
            id: observed.id,
            inputs: Value::from_json(observed.inputs),
            outputs: Value::from_json(observed.outputs),
            dependencies,
            prevent_destroy,
            provider: None,
        }
    }

    /// This record, made with the provider configuration `provider` (an alias).
    pub fn on(self, provider: Option<String>) -> ResourceState {
        ResourceState { provider, ..self }
    }

    /// This resource with what was just read from the cloud.
    pub fn with_observed(&self, observed: Observed) -> ResourceState {
        ResourceState {
            id: observed.id,
            inputs: Value::from_json(observed.inputs),
            outputs: Value::from_json(observed.outputs),
            ..self.clone()
        }
    }
}

/// An operation that was started but not seen to finish (the process may have died).
#[derive(Clone, Debug, PartialEq)]
pub struct PendingOperation {
    /// Unique token, also passed to AWS (idempotency token, tag) so the resource can be found.
    pub token: String,
    pub address: Address,
    /// `create`, `update` or `delete`.
    pub operation: String,
    /// When the operation started, in seconds since the Unix epoch.
    pub started_unix: u64,
    /// For a create: the normalised configuration it was given, so that what it made can be
    /// found again (by name or natural key) if the run dies before recording it.
    pub inputs: Option<Value>,
    /// For a create: what the resource depends on, recorded with it when it is adopted.
    pub dependencies: Vec<Address>,
    /// For a create: the configuration's `prevent_destroy`, recorded with it when adopted.
    pub prevent_destroy: bool,
    /// The alias of the provider configuration the operation runs with.
    pub provider: Option<String>,
}

/// A stack output as recorded after the last apply.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputState {
    pub value: Value,
    pub sensitive: bool,
}

/// Everything cairn has recorded about a stack's resources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub resources: BTreeMap<Address, ResourceState>,
    /// Old instances replaced with `create_before_destroy` whose delete has not finished.
    pub deposed: Vec<ResourceState>,
    pub pending: Vec<PendingOperation>,
    pub outputs: BTreeMap<String, OutputState>,
}

impl State {
    /// Records what a create made. An instance already recorded at its address with another
    /// id was being replaced create-first: it waits for its delete, deposed.
    pub fn record_created(&mut self, created: ResourceState) {
        if let Some(old) = self.resources.remove(&created.address) {
            if old.id != created.id {
                self.deposed.push(old);
            }
        }
        self.resources.insert(created.address.clone(), created);
    }
}
