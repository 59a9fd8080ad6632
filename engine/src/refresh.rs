//! Refresh: reads every recorded resource from the provider, one batched read per type.

use std::collections::BTreeMap;

use cairn_model::Address;
use futures::future::join_all;

use crate::provider::{Provider, ProviderError, ReadRequest};
use crate::state::{ResourceState, State};

/// A type whose resources could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("refreshing {rtype} ({count} resources): {error}")]
pub struct RefreshError {
    pub rtype: String,
    pub count: usize,
    pub error: ProviderError,
}

/// What exists now for each recorded resource: `Some` with the values read, `None` when gone.
pub type Refreshed = BTreeMap<Address, Option<ResourceState>>;

/// Reads every resource in `state`, all types at once, each type with one batched read.
pub async fn refresh(
    provider: &dyn Provider,
    state: &State,
) -> Result<Refreshed, Vec<RefreshError>> {
    let mut by_type: BTreeMap<&str, Vec<&ResourceState>> = BTreeMap::new();
    for r in state.resources.values() {
        by_type.entry(r.rtype()).or_default().push(r);
    }
    let reads = by_type.iter().map(|(rtype, resources)| async move {
        let requests: Vec<ReadRequest> = resources
            .iter()
            .map(|r| ReadRequest {
                id: r.id.clone(),
                prior_inputs: r.inputs.to_json_lossy(),
            })
            .collect();
        let result = provider.read(rtype, &requests).await;
        (*rtype, resources, result)
    });
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (rtype, resources, result) in join_all(reads).await {
        match result {
            Ok(mut found) => {
                for r in resources {
                    let now = found
                        .remove(&r.id)
                        .flatten()
                        .map(|observed| r.with_observed(observed));
                    out.insert(r.address.clone(), now);
                }
            }
            Err(error) => errors.push(RefreshError {
                rtype: rtype.to_string(),
                count: resources.len(),
                error,
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

impl State {
    /// This state with refreshed values recorded: existing resources updated, resources found
    /// gone dropped.
    pub fn with_refreshed(&self, refreshed: &Refreshed) -> State {
        let mut s = self.clone();
        for (addr, now) in refreshed {
            match now {
                Some(r) => {
                    s.resources.insert(addr.clone(), r.clone());
                }
                None => {
                    s.resources.remove(addr);
                }
            }
        }
        s
    }
}
