//! Resolving the journal: operations an earlier run started and never saw finish (the
//! process was killed, the machine lost). Creates are looked up in the cloud and adopted or
//! proven absent; updates and deletes are settled by the refresh that follows.

use std::collections::BTreeSet;

use crate::state::{PendingOperation, ResourceState, State};
use cairn_model::provider::{OpContext, Provider, ProviderError};

/// How one pending operation was resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// The create had made the resource: it is now recorded in state.
    Adopted {
        id: String,
        /// Other unrecorded resources the lookup also matched (made outside this journal,
        /// e.g. by hand or by an older cairn): left alone and named so someone can look.
        others: Vec<String>,
    },
    /// The create made nothing: the intent is dropped.
    Absent,
    /// An update or delete: what it did is seen by the refresh that follows.
    Settled,
}

/// One resolved journal entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    pub operation: PendingOperation,
    pub resolution: Resolution,
}

/// A pending create that could not be resolved: nothing can be planned safely until it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot tell whether the interrupted create of {address} (token {token}) made anything: {error}. Nothing was changed; run again when AWS answers")]
pub struct RecoverError {
    pub address: String,
    pub token: String,
    pub error: ProviderError,
}

/// Resolves every pending operation of `state`: returns the state with found resources
/// recorded and the journal emptied, and what was done for each entry. The lookups of
/// different creates run concurrently. On any lookup failure the state is left as it was.
///
/// A request sent just before the earlier run died can still be carried out after it died:
/// nothing is looked up before every pending create is `settle` old (the wait only matters
/// to a run started right after a crash), so that "found nothing" means "made nothing".
pub async fn recover(
    provider: &dyn Provider,
    state: &State,
    owner: Option<&str>,
    settle: std::time::Duration,
) -> Result<(State, Vec<Recovered>), RecoverError> {
    let mut out = state.clone();
    out.pending.clear();
    if state.pending.is_empty() {
        return Ok((out, Vec::new()));
    }
    let youngest = state
        .pending
        .iter()
        .filter(|op| op.operation == "create")
        .map(|op| op.started_unix)
        .max()
        .filter(|_| !settle.is_zero());
    if let Some(started) = youngest {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // Whole seconds are recorded: count from the end of the second it started in.
        // (Saturating: the time is read from a state file, which may say anything.)
        let settled_at =
            std::time::Duration::from_secs(started.saturating_add(1)).saturating_add(settle);
        if let Some(wait) = settled_at.checked_sub(now) {
            tokio::time::sleep(wait.min(settle + std::time::Duration::from_secs(1))).await;
        }
    }
    let lookups = state.pending.iter().map(|op| async move {
        if op.operation != "create" {
            return Ok((op, None));
        }
        let config = op
            .inputs
            .as_ref()
            .map(|v| v.to_json_lossy())
            .unwrap_or(serde_json::Value::Null);
        let ctx = OpContext {
            address: op.address.to_string(),
            stack: owner.map(str::to_string),
            token: op.token.clone(),
            progress: None,
            provider: op.provider.clone(),
        };
        provider
            .find(&op.address.rtype, &config, &ctx)
            .await
            .map(|found| (op, Some(found)))
            .map_err(|error| RecoverError {
                address: op.address.to_string(),
                token: op.token.clone(),
                error,
            })
    });
    let results = futures::future::join_all(lookups).await;
    let mut recovered = Vec::new();
    for result in results {
        let (op, found) = result?;
        let Some(found) = found else {
            recovered.push(Recovered {
                operation: op.clone(),
                resolution: Resolution::Settled,
            });
            continue;
        };
        // What state records already (an old instance being replaced, a resource recorded
        // by an earlier recovery) is not what this create made.
        let known: BTreeSet<&str> = out
            .resources
            .values()
            .chain(out.deposed.iter())
            .filter(|r| r.address.rtype == op.address.rtype)
            .map(|r| r.id.as_str())
            .collect();
        let mut fresh: Vec<_> = found
            .into_iter()
            .filter(|o| !known.contains(o.id.as_str()))
            .collect();
        if fresh.is_empty() {
            recovered.push(Recovered {
                operation: op.clone(),
                resolution: Resolution::Absent,
            });
            continue;
        }
        let adopted = fresh.remove(0);
        let id = adopted.id.clone();
        // As if the create had been seen to finish (an old instance of a create-first
        // replacement is deposed).
        out.record_created(
            ResourceState::recorded(
                op.address.clone(),
                adopted,
                op.dependencies.clone(),
                op.prevent_destroy,
            )
            .on(op.provider.clone()),
        );
        recovered.push(Recovered {
            operation: op.clone(),
            resolution: Resolution::Adopted {
                id,
                others: fresh.into_iter().map(|o| o.id).collect(),
            },
        });
    }
    Ok((out, recovered))
}
