//! Refresh: reads every recorded resource from the provider, one batched read per type, and
//! what `[[import]]` blocks bring under management.

use std::collections::{BTreeMap, BTreeSet};

use cairn_model::{Address, Config};
use futures::future::join_all;

use crate::moves;
use crate::state::{ResourceState, State};
use cairn_model::provider::{Provider, ProviderError, ReadRequest};

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
    let mut by_type: BTreeMap<(&str, Option<&str>), Vec<&ResourceState>> = BTreeMap::new();
    for r in state.resources.values() {
        by_type
            .entry((r.rtype(), r.provider.as_deref()))
            .or_default()
            .push(r);
    }
    let reads = by_type
        .iter()
        .map(|((rtype, alias), resources)| async move {
            let requests: Vec<ReadRequest> = resources
                .iter()
                .map(|r| ReadRequest {
                    id: r.id.clone(),
                    prior_inputs: r.inputs.to_json_lossy(),
                })
                .collect();
            let result = provider.read_in(rtype, &requests, *alias).await;
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

/// An `[[import]]` whose resource could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("{address}: no {} with import id {id} exists{}", address.rtype, id_format(.address, .expected))]
    NotFound {
        address: Address,
        id: String,
        /// What the type's import id is, for people (empty when not known).
        expected: String,
    },
    #[error("{address}: {} cannot be imported", address.rtype)]
    NotImportable { address: Address },
    #[error("{address}: reading {id} to import it: {error}")]
    Read {
        address: Address,
        id: String,
        error: ProviderError,
    },
}

fn id_format(address: &Address, expected: &str) -> String {
    if expected.is_empty() {
        String::new()
    } else {
        format!(" (the import id of {} is {expected})", address.rtype)
    }
}

/// Reads, with [`Provider::import`] and all at once, the resource of every `[[import]]`
/// block of `config` whose `to` is configured and not recorded in `state` (as recorded, or
/// where `config.moves` take it): an import already made is not read again. The result is
/// keyed by each `to`, recorded with the configuration's dependencies and
/// `prevent_destroy`, to go into what [`refresh`] read before planning.
pub async fn refresh_imports(
    provider: &dyn Provider,
    config: &Config,
    state: &State,
) -> Result<Refreshed, Vec<ImportError>> {
    // Where recorded resources are once moved (a move that cannot be made is the
    // planner's error to report).
    let renames = moves::plan_moves(state, &config.moves).unwrap_or_default();
    let recorded: BTreeSet<Address> = state
        .resources
        .keys()
        .map(|a| moves::renamed(a, &renames))
        .collect();
    let wanted = config.imports.iter().filter_map(|import| {
        let resource = config.resources.iter().find(|r| r.address == import.to)?;
        (!recorded.contains(&import.to)).then_some((import, resource))
    });
    let mut errors = Vec::new();
    let catalog = provider.catalog();
    let expected = |a: &Address| {
        catalog
            .get(&a.rtype)
            .map(|s| s.import_id.clone())
            .unwrap_or_default()
    };
    let wanted: Vec<_> = wanted
        .filter(|(import, _)| {
            let importable = !expected(&import.to).is_empty();
            if !importable {
                errors.push(ImportError::NotImportable {
                    address: import.to.clone(),
                });
            }
            importable
        })
        .collect();
    let reads = wanted.into_iter().map(|(import, resource)| async move {
        let read = provider
            .import_in(&import.to.rtype, &import.id, resource.provider.as_deref())
            .await;
        (import, resource, read)
    });
    let mut out = Refreshed::new();
    for (import, resource, read) in join_all(reads).await {
        match read {
            Ok(Some(observed)) => {
                out.insert(
                    import.to.clone(),
                    Some(
                        ResourceState::recorded(
                            import.to.clone(),
                            observed,
                            resource.dependencies(),
                            resource.lifecycle.prevent_destroy,
                        )
                        .on(resource.provider.clone()),
                    ),
                );
            }
            Ok(None) => errors.push(ImportError::NotFound {
                address: import.to.clone(),
                id: import.id.clone(),
                expected: expected(&import.to),
            }),
            Err(error) => errors.push(ImportError::Read {
                address: import.to.clone(),
                id: import.id.clone(),
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
