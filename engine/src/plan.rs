//! The planner: a pure function from configuration, recorded state and refreshed state to a
//! [`Plan`] of changes with attribute-level before/after and reasons.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cairn_model::{
    Address, AttrType, Catalog, Config, Path, PathSeg, Reference, ResourceConfig, ResourceSchema,
    Value,
};

use crate::graph::{CycleError, Graph};
use crate::moves::{self, MoveError, Renames};
use crate::state::{ResourceState, State};

/// What a change does to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::NoOp => "no-op",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One attribute's change. `None` is "absent" (before a create, after a delete).
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeChange {
    pub path: Path,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub forces_replacement: bool,
    pub sensitive: bool,
}

/// One planned change to one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub address: Address,
    pub action: Action,
    /// Why: e.g. "cidr_block forces replacement", "not in configuration".
    pub reason: Option<String>,
    pub attributes: Vec<AttributeChange>,
    /// The resource as it exists now (refreshed), for updates, replacements and deletes.
    pub prior: Option<ResourceState>,
    /// Normalised inputs as planned (unknown parts resolved at apply), for creates, updates
    /// and replacements.
    pub planned: Option<Value>,
    /// Configuration dependencies (creates and updates wait for these).
    pub dependencies: Vec<Address>,
    pub create_before_destroy: bool,
    /// The change removes an old instance deposed by `create_before_destroy`.
    pub deposed: bool,
    /// The resource type holds data that a delete loses.
    pub stateful: bool,
    /// State recorded this resource at another address, which a `[[moved]]` block renames:
    /// apply records the new address first (also when nothing else changes).
    pub moved_from: Option<Address>,
    /// An `[[import]]` block brings the existing resource with this import id under
    /// management: apply records it in state first, then makes the change `action` says.
    pub import_id: Option<String>,
    /// The alias of the provider configuration the change runs with (`None`:
    /// `[provider.aws]`).
    pub provider: Option<String>,
}

impl Change {
    /// True when applying this change does nothing at all: no operation, no rename, no
    /// import.
    pub fn is_noop(&self) -> bool {
        self.action == Action::NoOp && self.moved_from.is_none() && self.import_id.is_none()
    }
}

/// How the world differs from what was last recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftStatus {
    Modified,
    Deleted,
}

impl DriftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftStatus::Modified => "modified",
            DriftStatus::Deleted => "deleted",
        }
    }
}

/// A resource changed outside cairn.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    pub address: Address,
    pub status: DriftStatus,
    /// Recorded (`before`) and actual (`after`) values.
    pub attributes: Vec<AttributeChange>,
}

/// A stack output as it will be after apply.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputChange {
    pub before: Option<Value>,
    pub after: Value,
    pub sensitive: bool,
}

/// Everything an apply will do, and everything a reviewer needs to judge it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Plan {
    /// Every resource in the configuration or state, in dependency order (no-ops included).
    pub changes: Vec<Change>,
    pub drift: Vec<Drift>,
    pub outputs: BTreeMap<String, OutputChange>,
    /// Operations of an earlier run that never finished.
    pub pending: Vec<crate::state::PendingOperation>,
    /// Declared resources whose `lifecycle.prevent_destroy` in the configuration differs
    /// from the one state recorded: the configuration's value, which apply records (in
    /// state only) even when the resource itself does not change.
    pub protection: BTreeMap<Address, bool>,
    /// What the plan was limited to or told to replace (`--target`, `--replace`).
    pub scope: Scope,
    /// The data sources read while planning that feed a change, each with the changes it
    /// feeds (filled in by whoever read them: the planner never reads).
    pub data: Vec<(Address, Vec<Address>)>,
}

/// What a plan is limited to, and what it replaces although nothing forces it: Terraform's
/// `-target` and `-replace`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scope {
    /// Only these resources (an address without an instance key takes all its instances)
    /// and what they depend on: a partial plan. Empty: everything.
    pub targets: Vec<Address>,
    /// Replace these, as if an attribute forced it.
    pub replace: Vec<Address>,
}

impl Scope {
    /// Whether `address` is `target` or one of its instances.
    fn names(target: &Address, address: &Address) -> bool {
        target == address
            || (target.key.is_none()
                && Address {
                    key: None,
                    ..address.clone()
                } == *target)
    }
}

impl Plan {
    /// Counts of each action.
    pub fn summary(&self) -> BTreeMap<Action, usize> {
        let mut m = BTreeMap::new();
        for c in &self.changes {
            *m.entry(c.action).or_insert(0) += 1;
        }
        m
    }

    /// How many resources a `[[moved]]` block renames.
    pub fn moves(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.moved_from.is_some())
            .count()
    }

    /// How many resources an `[[import]]` block brings under management.
    pub fn imports(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.import_id.is_some())
            .count()
    }

    /// True when applying would change nothing: no resource changes, renames or imports, no
    /// output changes.
    pub fn is_empty(&self) -> bool {
        self.protection.is_empty()
            && self.changes.iter().all(Change::is_noop)
            && self
                .outputs
                .values()
                .all(|o| o.before.as_ref() == Some(&o.after))
    }

    pub fn change(&self, address: &Address) -> Option<&Change> {
        self.changes.iter().find(|c| &c.address == address)
    }
}

/// What to plan for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanMode {
    /// Make the world match the configuration.
    #[default]
    Normal,
    /// Delete everything in state.
    Destroy,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Cycle(#[from] CycleError),
    #[error("unknown resource type `{0}`")]
    UnknownType(String),
    #[error("{address}: {message}")]
    Eval { address: String, message: String },
    #[error("{}", prevented_message(.0))]
    PreventDestroy(Vec<(Address, Action)>),
    #[error(transparent)]
    Move(#[from] MoveError),
    #[error("[[import]] to {address}: {message}")]
    Import { address: String, message: String },
    /// A `--target` or `--replace` address that names nothing planned.
    #[error("{flag} {address}: {why}")]
    Scope {
        flag: &'static str,
        address: Box<Address>,
        why: &'static str,
    },
}

fn prevented_message(list: &[(Address, Action)]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|(a, act)| format!("{a} (would {act})"))
        .collect();
    format!(
        "lifecycle.prevent_destroy forbids this plan: {}. Remove prevent_destroy first (or change the configuration so the resource is kept).",
        items.join(", ")
    )
}

/// Values that references resolve to while planning or applying: each resource's attributes.
pub type Env = BTreeMap<Address, Value>;

/// Resolves a reference against `env`.
pub fn lookup(env: &Env, r: &Reference) -> Result<Value, String> {
    let Some(v) = env.get(&r.address) else {
        return Err(format!("reference to `{}`, which is not known", r.address));
    };
    Ok(v.get_path(&r.path).unwrap_or(Value::Null))
}

/// Evaluates a resource's configured attributes against `env` and normalises them.
pub fn evaluate(
    resource: &ResourceConfig,
    schema: &ResourceSchema,
    env: &Env,
) -> Result<Value, PlanError> {
    let mut m = BTreeMap::new();
    for (name, expr) in &resource.attributes {
        let v = expr
            .eval(&|r| lookup(env, r))
            .map_err(|message| PlanError::Eval {
                address: resource.address.to_string(),
                message: format!("{name}: {message}"),
            })?;
        m.insert(name.clone(), v);
    }
    Ok(schema.normalize(&Value::Map(m)))
}

/// The attributes a resource being created will have: configured inputs, and every other
/// input and output unknown until apply.
fn unknown_attributes(schema: &ResourceSchema, inputs: &Value) -> Value {
    let mut m: BTreeMap<String, Value> = schema
        .outputs
        .keys()
        .chain(schema.inputs.keys())
        .map(|k| (k.clone(), Value::Unknown))
        .collect();
    if let Some(inputs) = inputs.as_map() {
        for (k, v) in inputs {
            m.insert(k.clone(), v.clone());
        }
    }
    Value::Map(m)
}

/// Plans the changes that make the world (`refreshed`, else `prior`) match `config`.
///
/// `prior` is state as recorded: the planner makes `config.moves` itself (so that each
/// moved resource's change says where it moved from). `refreshed` holds what refresh read
/// for each resource in `prior`, under its recorded address: `Some` for what exists, `None`
/// for what is gone; a resource missing from it was not refreshed and is taken as recorded.
/// It also holds what [`crate::refresh_imports`] read for `config.imports`, under each
/// import's `to`.
pub fn plan(
    config: &Config,
    prior: &State,
    refreshed: &BTreeMap<Address, Option<ResourceState>>,
    catalog: &Catalog,
    mode: PlanMode,
) -> Result<Plan, PlanError> {
    plan_with_secrets(config, prior, refreshed, catalog, mode, &|v: &Value| {
        v.clone()
    })
}

/// Turns a sensitive value into what is kept of it (a keyed digest): applied to both sides
/// before sensitive attributes are compared, so that a recorded digest and the configured
/// value compare equal when the value did not change. Must leave a digest as it is.
pub type Redact<'a> = &'a dyn Fn(&Value) -> Value;

/// The sensitive top-level attributes of a resource: its schema's and its configuration's.
pub fn sensitive_attributes(
    schema: &ResourceSchema,
    resource: Option<&ResourceConfig>,
) -> BTreeSet<String> {
    schema
        .inputs
        .iter()
        .filter(|(_, a)| a.sensitive)
        .map(|(k, _)| k.clone())
        .chain(
            resource
                .into_iter()
                .flat_map(|r| r.sensitive.iter().cloned()),
        )
        .collect()
}

/// `inputs` with every attribute in `secret` redacted (unknown values stay unknown).
pub fn redact_attributes(inputs: &Value, secret: &BTreeSet<String>, redact: Redact<'_>) -> Value {
    match inputs {
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    let v = if secret.contains(k) && v.is_known() && !v.is_null() {
                        redact(v)
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn mark_sensitive(attrs: &mut [AttributeChange], secret: &BTreeSet<String>) {
    for a in attrs {
        if a.path.attribute().is_some_and(|t| secret.contains(t)) {
            a.sensitive = true;
        }
    }
}

/// What changed outside cairn since the last apply: each refreshed resource's recorded
/// inputs against what exists now (minus `ignore_changes`; sensitive values compared through
/// `redact`). Resources `refreshed` does not mention are not looked at. As in [`plan`],
/// `prior` is state as recorded and `refreshed` keyed by recorded addresses; drift is
/// reported under the addresses `config.moves` give.
pub fn detect_drift(
    config: &Config,
    prior: &State,
    refreshed: &BTreeMap<Address, Option<ResourceState>>,
    catalog: &Catalog,
    redact: Redact<'_>,
) -> Result<Vec<Drift>, PlanError> {
    let renames = moves::plan_moves(prior, &config.moves)?;
    if renames.is_empty() {
        return drift_of(config, prior, refreshed, catalog, redact);
    }
    drift_of(
        config,
        &moves::rename(prior, &renames),
        &rename_refreshed(refreshed, &renames),
        catalog,
        redact,
    )
}

/// What refresh read, under the addresses `renames` give.
fn rename_refreshed(
    refreshed: &BTreeMap<Address, Option<ResourceState>>,
    renames: &Renames,
) -> BTreeMap<Address, Option<ResourceState>> {
    refreshed
        .iter()
        .map(|(a, r)| {
            (
                moves::renamed(a, renames),
                r.as_ref().map(|r| moves::rename_resource(r, renames)),
            )
        })
        .collect()
}

/// [`detect_drift`] over state with its moves made.
fn drift_of(
    config: &Config,
    prior: &State,
    refreshed: &BTreeMap<Address, Option<ResourceState>>,
    catalog: &Catalog,
    redact: Redact<'_>,
) -> Result<Vec<Drift>, PlanError> {
    let mut drift = Vec::new();
    let by_addr: BTreeMap<&Address, &ResourceConfig> =
        config.resources.iter().map(|r| (&r.address, r)).collect();
    for (addr, recorded) in &prior.resources {
        let Some(now) = refreshed.get(addr) else {
            continue;
        };
        let ignore: &[String] = by_addr
            .get(addr)
            .map(|r| r.lifecycle.ignore_changes.as_slice())
            .unwrap_or(&[]);
        match now {
            None => drift.push(Drift {
                address: addr.clone(),
                status: DriftStatus::Deleted,
                attributes: Vec::new(),
            }),
            Some(now) => {
                let schema = catalog
                    .get(&addr.rtype)
                    .ok_or_else(|| PlanError::UnknownType(addr.rtype.clone()))?;
                let secret = sensitive_attributes(schema, by_addr.get(addr).copied());
                let mut attrs = diff_drift(
                    schema,
                    &redact_attributes(&recorded.inputs, &secret, redact),
                    &redact_attributes(&now.inputs, &secret, redact),
                    ignore,
                );
                mark_sensitive(&mut attrs, &secret);
                if !attrs.is_empty() {
                    drift.push(Drift {
                        address: addr.clone(),
                        status: DriftStatus::Modified,
                        attributes: attrs,
                    });
                }
            }
        }
    }
    Ok(drift)
}

/// [`plan`], comparing sensitive attributes through `redact`.
pub fn plan_with_secrets(
    config: &Config,
    prior: &State,
    refreshed: &BTreeMap<Address, Option<ResourceState>>,
    catalog: &Catalog,
    mode: PlanMode,
    redact: Redact<'_>,
) -> Result<Plan, PlanError> {
    plan_scoped(
        config,
        prior,
        refreshed,
        catalog,
        mode,
        redact,
        &Scope::default(),
    )
}

/// [`plan_with_secrets`], limited to `scope.targets` (and what they depend on) and
/// replacing `scope.replace`.
pub fn plan_scoped(
    config: &Config,
    prior: &State,
    refreshed: &BTreeMap<Address, Option<ResourceState>>,
    catalog: &Catalog,
    mode: PlanMode,
    redact: Redact<'_>,
    scope: &Scope,
) -> Result<Plan, PlanError> {
    // `[[moved]]` blocks: planned against state with its moves made, each moved resource's
    // change saying where from. Destroying deletes what is recorded, where it is recorded.
    let renames = match mode {
        PlanMode::Normal => moves::plan_moves(prior, &config.moves)?,
        PlanMode::Destroy => Renames::new(),
    };
    let (moved_prior, moved_refreshed);
    let (prior, refreshed) = if renames.is_empty() {
        (prior, refreshed)
    } else {
        moved_prior = moves::rename(prior, &renames);
        moved_refreshed = rename_refreshed(refreshed, &renames);
        (&moved_prior, &moved_refreshed)
    };
    let planning = Planning {
        config,
        prior,
        refreshed,
        catalog,
        redact,
        moved_from: renames.iter().map(|(old, new)| (new, old)).collect(),
        configured: config.resources.iter().map(|r| (&r.address, r)).collect(),
        replace: &scope.replace,
    };
    let mut out = Plan {
        pending: prior.pending.clone(),
        // Drift: what changed since the last apply.
        drift: drift_of(config, prior, refreshed, catalog, redact)?,
        scope: scope.clone(),
        ..Plan::default()
    };
    let mut env: Env = BTreeMap::new();
    if mode == PlanMode::Normal {
        let imports = planning.imports()?;
        for addr in &Graph::new(config).order()? {
            out.changes
                .push(planning.configured(addr, &imports, &mut env)?);
        }
    }
    out.changes.extend(planning.deletes(mode)?);
    // A delete runs where the resource was made.
    for c in &mut out.changes {
        if c.provider.is_none() && !planning.configured.contains_key(&c.address) {
            c.provider = c.prior.as_ref().and_then(|p| p.provider.clone());
        }
    }
    for address in &scope.replace {
        let planned = out.changes.iter().find(|c| &c.address == address);
        if planned.is_none_or(|c| c.action != Action::Replace) {
            return Err(PlanError::Scope {
                flag: "--replace",
                address: Box::new(address.clone()),
                why: "not a resource this plan keeps (it must be declared and recorded in state)",
            });
        }
    }
    if !scope.targets.is_empty() {
        out.changes = targeted(out.changes, &scope.targets)?;
    }
    let prevented: Vec<(Address, Action)> = out
        .changes
        .iter()
        .filter(|c| planning.protected(c))
        .map(|c| (c.address.clone(), c.action))
        .collect();
    if !prevented.is_empty() {
        return Err(PlanError::PreventDestroy(prevented));
    }
    out.protection = planning.protection();
    // A partial plan changes no outputs: they may name what it leaves out.
    if mode == PlanMode::Normal && scope.targets.is_empty() {
        out.outputs = planning.outputs(&env)?;
    }
    Ok(out)
}

/// The changes of `targets` and of everything they depend on, in their order; a target
/// that names nothing is an error.
fn targeted(changes: Vec<Change>, targets: &[Address]) -> Result<Vec<Change>, PlanError> {
    let mut keep: BTreeSet<Address> = BTreeSet::new();
    for target in targets {
        let named: Vec<&Change> = changes
            .iter()
            .filter(|c| Scope::names(target, &c.address))
            .collect();
        if named.is_empty() {
            return Err(PlanError::Scope {
                flag: "--target",
                address: Box::new(target.clone()),
                why: "no such resource in the configuration or in state",
            });
        }
        keep.extend(named.iter().map(|c| c.address.clone()));
    }
    // What the targets depend on, transitively (deletes depend on nothing they need).
    let by_address: BTreeMap<&Address, &Change> = changes.iter().map(|c| (&c.address, c)).collect();
    let mut frontier: Vec<Address> = keep.iter().cloned().collect();
    while let Some(address) = frontier.pop() {
        let Some(change) = by_address.get(&address) else {
            continue;
        };
        if change.action == Action::Delete {
            continue;
        }
        for dependency in &change.dependencies {
            for c in changes
                .iter()
                .filter(|c| Scope::names(dependency, &c.address))
            {
                if keep.insert(c.address.clone()) {
                    frontier.push(c.address.clone());
                }
            }
        }
    }
    Ok(changes
        .into_iter()
        .filter(|c| keep.contains(&c.address))
        .collect())
}

/// What every phase of one plan works from.
struct Planning<'a> {
    config: &'a Config,
    /// State with the `[[moved]]` renames made.
    prior: &'a State,
    refreshed: &'a BTreeMap<Address, Option<ResourceState>>,
    catalog: &'a Catalog,
    redact: Redact<'a>,
    /// New address → the address state recorded it at.
    moved_from: BTreeMap<&'a Address, &'a Address>,
    configured: BTreeMap<&'a Address, &'a ResourceConfig>,
    /// Replaced although nothing forces it (`--replace`).
    replace: &'a [Address],
}

impl Change {
    /// A change of `action` to the resource at `address`, with nothing else known yet: every
    /// phase of the planner starts from this one constructor.
    fn of(address: &Address, action: Action, schema: &ResourceSchema) -> Change {
        Change {
            address: address.clone(),
            action,
            reason: None,
            attributes: Vec::new(),
            prior: None,
            planned: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: false,
            stateful: schema.stateful,
            moved_from: None,
            import_id: None,
            provider: None,
        }
    }
}

impl<'a> Planning<'a> {
    fn schema(&self, t: &str) -> Result<&'a ResourceSchema, PlanError> {
        self.catalog
            .get(t)
            .ok_or_else(|| PlanError::UnknownType(t.into()))
    }

    /// What exists at `a`: as refreshed, else as recorded (a plan without refresh).
    fn current(&self, a: &Address) -> Option<ResourceState> {
        match self.refreshed.get(a) {
            Some(r) => r.clone(),
            None => self.prior.resources.get(a).cloned(),
        }
    }

    /// `[[import]]` blocks whose resource state does not record yet, by address: planned
    /// against what refresh read for them, like a recorded resource.
    fn imports(&self) -> Result<BTreeMap<&'a Address, &'a str>, PlanError> {
        let mut imports = BTreeMap::new();
        for import in &self.config.imports {
            let refused = |message: String| PlanError::Import {
                address: import.to.to_string(),
                message,
            };
            if !self.configured.contains_key(&import.to) {
                return Err(refused(
                    "the resource is not in the configuration; declare it first".into(),
                ));
            }
            if self.prior.resources.contains_key(&import.to) {
                continue; // imported already
            }
            match self.refreshed.get(&import.to) {
                Some(Some(found)) => {
                    let managed = self
                        .prior
                        .resources
                        .values()
                        .find(|r| r.address.rtype == import.to.rtype && r.id == found.id);
                    if let Some(other) = managed {
                        return Err(refused(format!(
                            "{} is already managed as {}; one resource is managed at one address",
                            import.id, other.address
                        )));
                    }
                }
                Some(None) => {
                    return Err(refused(format!(
                        "no {} with import id {} exists",
                        import.to.rtype, import.id
                    )))
                }
                None => {
                    return Err(refused(format!(
                        "{} was not read, and an import is planned against what exists: plan with refresh (not --refresh=false)",
                        import.id
                    )))
                }
            }
            imports.insert(&import.to, import.id.as_str());
        }
        Ok(imports)
    }

    /// The change of the configured resource at `addr` (its dependencies planned before it,
    /// their values in `env`), and what references to it see, added to `env`.
    fn configured(
        &self,
        addr: &Address,
        imports: &BTreeMap<&Address, &str>,
        env: &mut Env,
    ) -> Result<Change, PlanError> {
        let resource = self.configured[addr];
        let schema = self.schema(&addr.rtype)?;
        let desired = evaluate(resource, schema, env)?;
        let secret = sensitive_attributes(schema, Some(resource));
        let base = Change {
            planned: Some(desired.clone()),
            dependencies: resource.dependencies(),
            create_before_destroy: resource.lifecycle.create_before_destroy
                || schema.create_before_destroy,
            moved_from: self.moved_from.get(addr).map(|a| (*a).clone()),
            import_id: imports.get(addr).map(|id| id.to_string()),
            provider: resource.provider.clone(),
            ..Change::of(addr, Action::NoOp, schema)
        };
        let Some(now) = self.current(addr) else {
            let reason = if self.prior.resources.contains_key(addr) {
                "deleted outside cairn"
            } else {
                "new resource"
            };
            env.insert(addr.clone(), unknown_attributes(schema, &desired));
            let mut attributes = create_attributes(schema, &desired);
            mark_sensitive(&mut attributes, &secret);
            return Ok(Change {
                action: Action::Create,
                reason: Some(reason.into()),
                attributes,
                ..base
            });
        };
        let mut attrs = diff_inputs(
            schema,
            &redact_attributes(&desired, &secret, self.redact),
            &redact_attributes(&now.inputs, &secret, self.redact),
            &resource.lifecycle.ignore_changes,
        );
        mark_sensitive(&mut attrs, &secret);
        let forcing: Vec<String> = attrs
            .iter()
            .filter(|a| a.forces_replacement)
            .filter_map(|a| a.path.attribute().map(str::to_string))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (action, reason) = if !forcing.is_empty() {
            let verb = if forcing.len() == 1 {
                "forces"
            } else {
                "force"
            };
            (
                Action::Replace,
                Some(format!("{} {verb} replacement", forcing.join(", "))),
            )
        } else if self.replace.contains(addr) {
            (
                Action::Replace,
                Some("replacement requested (--replace)".into()),
            )
        } else if now.provider != resource.provider {
            let shown = |p: &Option<String>| match p {
                Some(alias) => format!("aws.{alias}"),
                None => "aws".to_string(),
            };
            (
                Action::Replace,
                Some(format!(
                    "its provider changes from {} to {}",
                    shown(&now.provider),
                    shown(&resource.provider)
                )),
            )
        } else if !attrs.is_empty() {
            (Action::Update, None)
        } else {
            (Action::NoOp, None)
        };
        let seen = match action {
            Action::Replace => unknown_attributes(schema, &desired),
            _ => merge(&now.attributes(), &desired),
        };
        env.insert(addr.clone(), seen);
        Ok(Change {
            action,
            reason,
            attributes: attrs,
            prior: Some(now),
            ..base
        })
    }

    /// Whether `change` deletes or replaces what `prevent_destroy` protects: for a declared
    /// resource as its configuration says, whatever state recorded (removing the line lifts
    /// it); for one no longer declared as it was last applied. Deposed instances are not.
    fn protected(&self, change: &Change) -> bool {
        let protected = match self.configured.get(&change.address) {
            Some(declared) => declared.lifecycle.prevent_destroy,
            None => change.prior.as_ref().is_some_and(|p| p.prevent_destroy),
        };
        protected && !change.deposed && matches!(change.action, Action::Replace | Action::Delete)
    }

    /// The declared resources whose configured `prevent_destroy` is not the recorded one,
    /// with the configured value.
    fn protection(&self) -> BTreeMap<Address, bool> {
        self.prior
            .resources
            .values()
            .filter_map(|recorded| {
                let declared = self.configured.get(&recorded.address)?;
                let now = declared.lifecycle.prevent_destroy;
                (now != recorded.prevent_destroy).then(|| (recorded.address.clone(), now))
            })
            .collect()
    }

    /// Deletes: resources recorded but no longer configured (or everything, when
    /// destroying), dependents first, and instances deposed by create_before_destroy.
    fn deletes(&self, mode: PlanMode) -> Result<Vec<Change>, PlanError> {
        let mut out = Vec::new();
        let mut gone: Vec<&ResourceState> = self
            .prior
            .resources
            .values()
            .filter(|r| mode == PlanMode::Destroy || !self.configured.contains_key(&r.address))
            .collect();
        gone.sort_by_key(|r| std::cmp::Reverse(depth(&r.address, self.prior)));
        let reason = match mode {
            PlanMode::Destroy => "destroy",
            PlanMode::Normal => "not in configuration",
        };
        for recorded in gone {
            let addr = &recorded.address;
            let schema = self.schema(&addr.rtype)?;
            let Some(now) = self.current(addr) else {
                continue; // already gone: nothing to delete; state is cleaned on apply
            };
            out.push(Change {
                reason: Some(reason.into()),
                attributes: delete_attributes(&now.inputs),
                dependencies: now.dependencies.clone(),
                prior: Some(now),
                moved_from: self.moved_from.get(addr).map(|a| (*a).clone()),
                ..Change::of(addr, Action::Delete, schema)
            });
        }
        for old in &self.prior.deposed {
            let schema = self.schema(old.rtype())?;
            out.push(Change {
                reason: Some(format!(
                    "old instance {} left by create_before_destroy",
                    old.id
                )),
                attributes: delete_attributes(&old.inputs),
                dependencies: old.dependencies.clone(),
                prior: Some(old.clone()),
                deposed: true,
                ..Change::of(&old.address, Action::Delete, schema)
            });
        }
        Ok(out)
    }

    /// Each output before (as recorded) and after (from `env`, the planned values).
    fn outputs(&self, env: &Env) -> Result<BTreeMap<String, OutputChange>, PlanError> {
        let mut out = BTreeMap::new();
        for (name, output) in &self.config.outputs {
            let after =
                output
                    .value
                    .eval(&|r| lookup(env, r))
                    .map_err(|message| PlanError::Eval {
                        address: format!("output.{name}"),
                        message,
                    })?;
            let mut before = self.prior.outputs.get(name).map(|o| o.value.clone());
            // A sensitive output is recorded as a digest: unchanged when the digests agree.
            if output.sensitive
                && after.is_known()
                && before
                    .as_ref()
                    .is_some_and(|b| (self.redact)(b) == (self.redact)(&after))
            {
                before = Some(after.clone());
            }
            out.insert(
                name.clone(),
                OutputChange {
                    before,
                    after,
                    sensitive: output.sensitive,
                },
            );
        }
        Ok(out)
    }
}

/// Length of the longest chain of recorded dependencies below `addr` (for delete order in
/// listings; the executor orders by the dependencies themselves).
fn depth(addr: &Address, state: &State) -> usize {
    fn go(a: &Address, state: &State, seen: &mut BTreeSet<Address>) -> usize {
        if !seen.insert(a.clone()) {
            return 0;
        }
        let d = state
            .resources
            .get(a)
            .map(|r| {
                r.dependencies
                    .iter()
                    .map(|d| 1 + go(d, state, seen))
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        seen.remove(a);
        d
    }
    go(addr, state, &mut BTreeSet::new())
}

fn merge(base: &Value, over: &Value) -> Value {
    let mut m = base.as_map().cloned().unwrap_or_default();
    if let Some(o) = over.as_map() {
        for (k, v) in o {
            m.insert(k.clone(), v.clone());
        }
    }
    Value::Map(m)
}

fn create_attributes(schema: &ResourceSchema, desired: &Value) -> Vec<AttributeChange> {
    let mut out: Vec<AttributeChange> = desired
        .as_map()
        .into_iter()
        .flatten()
        .map(|(k, v)| AttributeChange {
            path: Path::key(k),
            before: None,
            after: Some(v.clone()),
            forces_replacement: false,
            sensitive: schema.inputs.get(k).is_some_and(|a| a.sensitive),
        })
        .collect();
    for k in schema.outputs.keys() {
        if !desired.as_map().is_some_and(|m| m.contains_key(k)) {
            out.push(AttributeChange {
                path: Path::key(k),
                before: None,
                after: Some(Value::Unknown),
                forces_replacement: false,
                sensitive: false,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn delete_attributes(inputs: &Value) -> Vec<AttributeChange> {
    inputs
        .as_map()
        .into_iter()
        .flatten()
        .map(|(k, v)| AttributeChange {
            path: Path::key(k),
            before: Some(v.clone()),
            after: None,
            forces_replacement: false,
            sensitive: false,
        })
        .collect()
}

/// Differences between the desired inputs and what exists, for the attributes the
/// configuration sets (or defaults). Attributes left to AWS are not compared.
pub fn diff_inputs(
    schema: &ResourceSchema,
    desired: &Value,
    current: &Value,
    ignore: &[String],
) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    let (Some(d), cur) = (desired.as_map(), current.as_map()) else {
        return out;
    };
    for (name, want) in d {
        if ignore.contains(name) {
            continue;
        }
        let Some(attr) = schema.inputs.get(name) else {
            continue;
        };
        let have = cur
            .and_then(|c| c.get(name))
            .cloned()
            .unwrap_or(Value::Null);
        diff_value(
            &Path::key(name),
            &attr.ty,
            Some(&have),
            Some(want),
            attr.force_new,
            attr.sensitive,
            Compare::Configured,
            &mut out,
        );
    }
    out
}

/// Differences between what was recorded and what exists now, over every recorded attribute.
pub fn diff_drift(
    schema: &ResourceSchema,
    recorded: &Value,
    actual: &Value,
    ignore: &[String],
) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    let empty = BTreeMap::new();
    let r = recorded.as_map().unwrap_or(&empty);
    let a = actual.as_map().unwrap_or(&empty);
    let names: BTreeSet<&String> = r.keys().chain(a.keys()).collect();
    for name in names {
        if ignore.contains(name) {
            continue;
        }
        let (ty, sensitive) = schema
            .inputs
            .get(name.as_str())
            .map(|a| (a.ty.clone(), a.sensitive))
            .unwrap_or((AttrType::Any, false));
        // An attribute only one side has (e.g. one AWS added) is shown when the other side
        // recorded it; attributes the configuration never set are not drift.
        let (Some(before), after) = (r.get(name), a.get(name)) else {
            continue;
        };
        diff_value(
            &Path::key(name.as_str()),
            &ty,
            Some(before),
            Some(after.unwrap_or(&Value::Null)),
            false,
            sensitive,
            Compare::All,
            &mut out,
        );
    }
    out
}

/// Whether a block's attributes that one side leaves out are compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    /// Planning: a block attribute the configuration leaves out is left to AWS, as at the
    /// top level (a health check's `interval` that AWS defaults is no change).
    Configured,
    /// Drift: every recorded attribute counts.
    All,
}

#[allow(clippy::too_many_arguments)]
fn diff_value(
    path: &Path,
    ty: &AttrType,
    before: Option<&Value>,
    after: Option<&Value>,
    force_new: bool,
    sensitive: bool,
    compare: Compare,
    out: &mut Vec<AttributeChange>,
) {
    if before == after {
        return;
    }
    // Maps and blocks are compared key by key so that one changed tag is one line.
    let sub = matches!(ty, AttrType::Map(_) | AttrType::Object(_));
    if let (true, Some(Value::Map(b)), Some(Value::Map(a))) = (sub, before, after) {
        let keys: BTreeSet<&String> = match (ty, compare) {
            (AttrType::Object(_), Compare::Configured) => a.keys().collect(),
            _ => b.keys().chain(a.keys()).collect(),
        };
        for k in keys {
            let (child_ty, child_force, child_sens) = match ty {
                AttrType::Map(t) => ((**t).clone(), false, false),
                AttrType::Object(fields) => fields
                    .get(k.as_str())
                    .map(|f| (f.ty.clone(), f.force_new, f.sensitive))
                    .unwrap_or((AttrType::Any, false, false)),
                _ => (AttrType::Any, false, false),
            };
            diff_value(
                &path.child(PathSeg::Key(k.clone())),
                &child_ty,
                b.get(k.as_str()),
                a.get(k.as_str()),
                force_new || child_force,
                sensitive || child_sens,
                compare,
                out,
            );
        }
        return;
    }
    out.push(AttributeChange {
        path: path.clone(),
        before: before.filter(|v| !v.is_null()).cloned(),
        after: after.filter(|v| !v.is_null()).cloned(),
        forces_replacement: force_new,
        sensitive,
    });
}

#[cfg(test)]
mod block_tests {
    use super::*;
    use cairn_model::Attribute;

    fn attr(ty: AttrType) -> Attribute {
        Attribute {
            ty,
            required: false,
            force_new: false,
            sensitive: false,
            identifying: false,
            not_in_aws: false,
            default: None,
            description: None,
            constraints: Default::default(),
            spelling: Default::default(),
        }
    }

    fn schema() -> ResourceSchema {
        let block = AttrType::Object(BTreeMap::from([
            ("path".to_string(), attr(AttrType::String)),
            ("interval".to_string(), attr(AttrType::Number)),
        ]));
        ResourceSchema {
            type_name: "t".into(),
            description: String::new(),
            inputs: BTreeMap::from([
                ("health_check".to_string(), attr(block)),
                (
                    "tags".to_string(),
                    attr(AttrType::Map(Box::new(AttrType::String))),
                ),
            ]),
            outputs: BTreeMap::new(),
            stateful: false,
            create_before_destroy: false,
            import_id: String::new(),
            cloudformation: String::new(),
            found_by: Default::default(),
            rules: Vec::new(),
        }
    }

    fn v(json: serde_json::Value) -> Value {
        Value::from_json(json)
    }

    fn paths(changes: &[AttributeChange]) -> Vec<String> {
        changes.iter().map(|c| c.path.to_string()).collect()
    }

    #[test]
    fn block_attributes_left_out_are_left_to_aws_but_drift_sees_them() {
        let s = schema();
        let have = v(
            serde_json::json!({"health_check": {"path": "/", "interval": 30}, "tags": {"a": "1", "b": "2"}}),
        );
        let same =
            v(serde_json::json!({"health_check": {"path": "/"}, "tags": {"a": "1", "b": "2"}}));
        assert!(diff_inputs(&s, &same, &have, &[]).is_empty());
        let changed = v(serde_json::json!({"health_check": {"path": "/up"}, "tags": {"a": "1"}}));
        // A removed tag is a change (maps compare every key); a block key left out is not.
        assert_eq!(
            paths(&diff_inputs(&s, &changed, &have, &[])),
            vec!["health_check.path", "tags.b"]
        );
        let later = v(
            serde_json::json!({"health_check": {"path": "/", "interval": 10}, "tags": {"a": "1", "b": "2"}}),
        );
        assert_eq!(
            paths(&diff_drift(&s, &have, &later, &[])),
            vec!["health_check.interval"]
        );
    }
}
