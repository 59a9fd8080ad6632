//! The resolved configuration of a stack: what the engine plans from.

use std::collections::{BTreeMap, BTreeSet};

use crate::address::Address;
use crate::expr::Expr;

/// `lifecycle = { ... }` of a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    /// Top-level attribute names excluded from diffs and drift.
    pub ignore_changes: Vec<String>,
}

/// One resource (or one `for_each` instance) as configured.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceConfig {
    pub address: Address,
    /// Input attributes by name; references are not yet resolved.
    pub attributes: BTreeMap<String, Expr>,
    /// Explicit `depends_on` edges (references add the implicit ones).
    pub depends_on: Vec<Address>,
    pub lifecycle: Lifecycle,
    /// Top-level attributes whose value comes from something sensitive (a sensitive variable
    /// or a sensitive attribute of another resource), besides those the type's schema marks:
    /// never shown, and stored only as a keyed digest.
    pub sensitive: BTreeSet<String>,
    /// `provider = "aws.<alias>"`: the alias of the provider configuration it is managed
    /// with (`[provider.aws.<alias>]`); `None` for `[provider.aws]` itself.
    pub provider: Option<String>,
}

impl ResourceConfig {
    /// Every resource this one depends on, through references or `depends_on`, once each.
    pub fn dependencies(&self) -> Vec<Address> {
        let mut deps: Vec<Address> = self
            .attributes
            .values()
            .flat_map(|e| e.references())
            .map(|r| r.address.clone())
            .chain(self.depends_on.iter().cloned())
            .filter(|a| a != &self.address)
            .collect();
        deps.sort();
        deps.dedup();
        deps
    }
}

/// `[output.<name>]`.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputConfig {
    pub value: Expr,
    pub sensitive: bool,
}

/// `[[moved]]`: what state records under `from` is now configured as `to` (a rename, a
/// move into or out of a module or a `for_each` instance). When `from` names a resource
/// without a key and state holds its `for_each` instances, each instance moves with its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub from: Address,
    pub to: Address,
}

/// `[[import]]`: the existing cloud resource `id` (in the type's import id format, see
/// `cairn schema TYPE`) becomes the resource configured at `to`, planned and applied like any
/// change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub to: Address,
    pub id: String,
}

/// Everything the engine needs from a stack: its resources and outputs, and what to rename
/// or adopt in state before planning.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub resources: Vec<ResourceConfig>,
    /// `[data.<type>.<name>]` blocks: their arguments as `attributes`. Read before
    /// planning; the engine puts what they read in place of the references to them.
    pub data: Vec<ResourceConfig>,
    pub outputs: BTreeMap<String, OutputConfig>,
    /// `[[moved]]` blocks, in the order written.
    pub moves: Vec<Move>,
    /// `[[import]]` blocks, in the order written.
    pub imports: Vec<Import>,
}
