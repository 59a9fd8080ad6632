//! The executor: runs a [`Plan`]'s changes against a [`Provider`], each operation as soon as
//! its own dependencies have finished, bounded by a parallelism limit, recording state after
//! every operation.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_model::{Address, Catalog, Config, ResourceConfig, Value};
use tokio::task::JoinSet;

use crate::moves::{self, Renames};
use crate::plan::{evaluate, lookup, Action, Change, Env, Plan};
use crate::provider::{Observed, OpContext, Provider, ProviderError};
use crate::state::{OutputState, PendingOperation, ResourceState, State};

/// One step of a change: a replacement is a delete and a create.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Create,
    Update,
    Delete,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Create => "create",
            Step::Update => "update",
            Step::Delete => "delete",
        }
    }
}

/// What the executor reports while it works.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Started {
        address: Address,
        step: Step,
    },
    Progress {
        address: Address,
        step: Step,
        message: String,
    },
    Finished {
        address: Address,
        step: Step,
        elapsed: Duration,
        /// The resource's id after the step (for creates and updates).
        id: Option<String>,
    },
    Failed {
        address: Address,
        step: Step,
        elapsed: Duration,
        error: String,
    },
    Skipped {
        address: Address,
        step: Step,
        /// The failed operation this one depended on.
        because: Address,
    },
}

/// How one step ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done,
    Failed(String),
    Skipped {
        because: Address,
    },
    /// Not started: the apply was interrupted first.
    Interrupted,
}

/// The result of an apply.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyReport {
    /// State after the apply, as last recorded.
    pub state: State,
    pub steps: Vec<(Address, Step, Outcome)>,
    /// Stopped early by [`ApplyOptions::interrupt`].
    pub interrupted: bool,
    /// Resources recorded under a new address (`[[moved]]`): recorded address, new address.
    pub moved: Vec<(Address, Address)>,
    /// Resources brought under management (`[[import]]`), recorded before any operation.
    pub imported: Vec<Address>,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.steps.iter().all(|(_, _, o)| *o == Outcome::Done)
    }
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.steps.iter().filter(|(_, _, o)| f(o)).count()
    }
}

/// Why the apply could not run (as opposed to an operation that failed).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot record state: {0}")]
    Record(String),
    #[error("the plan's operations cannot be ordered: {0}")]
    Order(String),
}

/// Options of an apply.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// How many operations may run at once.
    pub parallelism: usize,
    /// The stack that owns what is created: passed to the provider, which tags resources
    /// with it (`cairn:stack`) so that copies and leftovers can be found.
    pub owner: Option<String>,
    /// Once set, no new operation starts; those in flight finish and are recorded.
    pub interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            owner: None,
            interrupt: None,
        }
    }
}

/// Receives every event of the apply.
pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;

struct Node {
    change: usize,
    step: Step,
    deps: BTreeSet<usize>,
}

/// Splits changes into steps and orders them: creates and updates after what they depend on,
/// deletes after what depended on them, replacements in the order `create_before_destroy`
/// asks for.
fn build_nodes(plan: &Plan) -> Result<Vec<Node>, ApplyError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut up: BTreeMap<&Address, usize> = BTreeMap::new();
    let mut del: Vec<(usize, &Change)> = Vec::new();
    for (i, c) in plan.changes.iter().enumerate() {
        let mut add = |step| {
            nodes.push(Node {
                change: i,
                step,
                deps: BTreeSet::new(),
            });
            nodes.len() - 1
        };
        match c.action {
            Action::NoOp => {}
            Action::Create => {
                up.insert(&c.address, add(Step::Create));
            }
            Action::Update => {
                up.insert(&c.address, add(Step::Update));
            }
            Action::Delete => del.push((add(Step::Delete), c)),
            Action::Replace => {
                let d = add(Step::Delete);
                let n = add(Step::Create);
                up.insert(&c.address, n);
                del.push((d, c));
                if c.create_before_destroy {
                    nodes[d].deps.insert(n);
                } else {
                    nodes[n].deps.insert(d);
                }
            }
        }
    }
    // Creates and updates wait for what they depend on.
    for node in nodes.iter_mut() {
        if node.step == Step::Delete {
            continue;
        }
        let c = &plan.changes[node.change];
        for dep in &c.dependencies {
            if let Some(&d) = up.get(dep) {
                node.deps.insert(d);
            }
        }
    }
    // Deletes wait for the deletes of what depended on them, and for dependents being
    // updated away from them (or, with create_before_destroy, onto the new instance).
    for &(d, target) in &del {
        for &(other, c) in &del {
            let depends = c
                .prior
                .as_ref()
                .is_some_and(|p| p.dependencies.contains(&target.address));
            if other != d && depends {
                nodes[d].deps.insert(other);
            }
        }
        let pure = target.action == Action::Delete;
        for (i, c) in plan.changes.iter().enumerate() {
            let Some(&u) = up.get(&c.address) else {
                continue;
            };
            if i == nodes[d].change {
                continue;
            }
            let was_dependent = c
                .prior
                .as_ref()
                .is_some_and(|p| p.dependencies.contains(&target.address));
            let now_dependent = c.dependencies.contains(&target.address);
            let wait = if pure {
                was_dependent && c.action == Action::Update
            } else {
                target.create_before_destroy && now_dependent
            };
            if wait {
                nodes[d].deps.insert(u);
            }
        }
    }
    // Reject cycles (possible only with contradictory create_before_destroy settings).
    let mut indegree: Vec<usize> = nodes.iter().map(|n| n.deps.len()).collect();
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| indegree[i] == 0).collect();
    let mut seen = 0;
    while let Some(i) = ready.pop() {
        seen += 1;
        for (j, n) in nodes.iter().enumerate() {
            if n.deps.contains(&i) {
                indegree[j] -= 1;
                if indegree[j] == 0 {
                    ready.push(j);
                }
            }
        }
    }
    if seen != nodes.len() {
        let stuck: Vec<String> = (0..nodes.len())
            .filter(|&i| indegree[i] > 0)
            .map(|i| {
                format!(
                    "{} {}",
                    nodes[i].step.as_str(),
                    plan.changes[nodes[i].change].address
                )
            })
            .collect();
        return Err(ApplyError::Order(format!(
            "these steps wait on each other: {}; set create_before_destroy the same way on a resource and what depends on it",
            stuck.join(", ")
        )));
    }
    Ok(nodes)
}

/// Inputs ready for the provider, or why not.
fn prepare(
    change: &Change,
    resource: Option<&ResourceConfig>,
    catalog: &Catalog,
    env: &Env,
) -> Result<serde_json::Value, String> {
    let resource = resource.ok_or("the resource is not in the configuration")?;
    let schema = catalog
        .get(&change.address.rtype)
        .ok_or_else(|| format!("unknown resource type `{}`", change.address.rtype))?;
    let value = evaluate(resource, schema, env).map_err(|e| e.to_string())?;
    if let Some(planned) = &change.planned {
        if !conforms(planned, &value) {
            return Err(format!(
                "the configuration evaluates differently than planned; planned {} but now {}; make a new plan",
                planned.canonical_json(),
                value.canonical_json()
            ));
        }
    }
    value
        .to_json()
        .ok_or_else(|| "some values are still unknown after their dependencies finished".into())
}

/// True when `actual` matches every known part of `planned`.
fn conforms(planned: &Value, actual: &Value) -> bool {
    match (planned, actual) {
        (Value::Unknown, _) => true,
        // A list planned with unknown members (a set, sorted only once they are known) is
        // not compared element by element.
        (Value::List(_), Value::List(_)) if !planned.is_known() => true,
        (Value::List(p), Value::List(a)) => {
            p.len() == a.len() && p.iter().zip(a).all(|(p, a)| conforms(p, a))
        }
        (Value::Map(p), Value::Map(a)) => {
            p.len() == a.len()
                && p.iter()
                    .all(|(k, pv)| a.get(k).is_some_and(|av| conforms(pv, av)))
        }
        (p, a) => p == a,
    }
}

fn env_of(state: &State) -> Env {
    state
        .resources
        .iter()
        .map(|(a, r)| (a.clone(), r.attributes()))
        .collect()
}

enum Work {
    Create(serde_json::Value),
    Update(Observed, serde_json::Value),
    Delete(Observed),
}

/// What changed in a state handed to the `record` callback of [`apply`], since the previous
/// call: so that writing it after every operation costs what changed, not the whole stack.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Changed<'a> {
    /// Anything may have changed (the first call of an apply).
    Anything,
    /// Only the entries of `resources` at these addresses were added, replaced or removed;
    /// the journal, deposed instances and outputs may have changed too.
    Resources(&'a BTreeSet<Address>),
}

/// Applies `plan`, starting from `state`, calling `record` with the whole state and what
/// changed in it: before operations start (their intents, in the journal), and after every
/// operation finishes, before the executor waits again. Operations that start or finish
/// together share a write. Returns the final state and the outcome of every step; operation
/// failures are outcomes, not errors.
pub async fn apply(
    plan: &Plan,
    config: &Config,
    mut state: State,
    provider: Arc<dyn Provider>,
    options: &ApplyOptions,
    record: &mut (dyn FnMut(&State, Changed<'_>) -> Result<(), String> + Send),
    events: EventSink,
) -> Result<ApplyReport, ApplyError> {
    let nodes = build_nodes(plan)?;
    let catalog = provider.catalog().clone();
    let configs: BTreeMap<&Address, &ResourceConfig> =
        config.resources.iter().map(|r| (&r.address, r)).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for &d in &n.deps {
            dependents[d].push(i);
        }
    }
    let mut waiting: Vec<usize> = nodes.iter().map(|n| n.deps.len()).collect();
    let mut ready: Vec<usize> = (0..nodes.len())
        .rev()
        .filter(|&i| waiting[i] == 0)
        .collect();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; nodes.len()];
    let mut running: JoinSet<(usize, Instant, Result<Option<Observed>, ProviderError>)> =
        JoinSet::new();
    let mut pending_tokens: BTreeMap<usize, String> = BTreeMap::new();
    let parallelism = options.parallelism.max(1);

    let interrupted = || {
        options
            .interrupt
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    };
    // Renames (`[[moved]]`) and imported resources are recorded first, in the write that
    // comes before any operation starts: a rename is one state write, and an imported
    // resource is in state before anything changes it.
    let renames: Renames = plan
        .changes
        .iter()
        .filter_map(|c| Some((c.moved_from.clone()?, c.address.clone())))
        .filter(|(from, _)| state.resources.contains_key(from))
        .collect();
    let moved: Vec<(Address, Address)> = renames
        .iter()
        .map(|(a, b)| (a.clone(), b.clone()))
        .collect();
    if !renames.is_empty() {
        state = moves::rename(&state, &renames);
    }
    let mut imported = Vec::new();
    for c in plan.changes.iter().filter(|c| c.import_id.is_some()) {
        let Some(found) = &c.prior else { continue };
        if !state.resources.contains_key(&c.address) {
            let (dependencies, prevent_destroy) = match configs.get(&c.address) {
                Some(r) => (r.dependencies(), r.lifecycle.prevent_destroy),
                None => (found.dependencies.clone(), found.prevent_destroy),
            };
            state.resources.insert(
                c.address.clone(),
                ResourceState {
                    dependencies,
                    prevent_destroy,
                    ..found.clone()
                },
            );
        }
        imported.push(c.address.clone());
    }
    // What references see: kept up to date as operations finish, not rebuilt per step.
    let mut env = env_of(&state);
    // Whether state changed since it was last recorded, and which resources did.
    let mut dirty = !moved.is_empty() || !imported.is_empty();
    let mut touched: Option<BTreeSet<Address>> = None;
    let mut write = |state: &State, touched: &mut Option<BTreeSet<Address>>| {
        let changed = match touched {
            Some(t) => Changed::Resources(t),
            None => Changed::Anything,
        };
        let result = record(state, changed).map_err(ApplyError::Record);
        *touched = Some(BTreeSet::new());
        result
    };
    loop {
        // Operations that may start now: their intents are recorded together, in one write,
        // before any of them calls AWS.
        let mut starting = Vec::new();
        while running.len() + starting.len() < parallelism && !interrupted() {
            let Some(i) = ready.pop() else { break };
            let node = &nodes[i];
            let change = &plan.changes[node.change];
            let address = change.address.clone();
            let work = match node.step {
                Step::Create | Step::Update => {
                    match prepare(change, configs.get(&address).copied(), &catalog, &env) {
                        Ok(cfg) if node.step == Step::Create => Work::Create(cfg),
                        Ok(cfg) => {
                            let prior = state
                                .resources
                                .get(&address)
                                .map(ResourceState::observed)
                                .or_else(|| change.prior.as_ref().map(ResourceState::observed));
                            match prior {
                                Some(p) => Work::Update(p, cfg),
                                None => {
                                    fail(
                                        i,
                                        &nodes,
                                        &plan.changes,
                                        &dependents,
                                        &mut outcomes,
                                        &events,
                                        Duration::ZERO,
                                        "the resource is no longer in state".into(),
                                    );
                                    continue;
                                }
                            }
                        }
                        Err(e) => {
                            fail(
                                i,
                                &nodes,
                                &plan.changes,
                                &dependents,
                                &mut outcomes,
                                &events,
                                Duration::ZERO,
                                e,
                            );
                            continue;
                        }
                    }
                }
                Step::Delete => match &change.prior {
                    Some(p) => Work::Delete(p.observed()),
                    None => {
                        outcomes[i] = Some(Outcome::Done);
                        continue;
                    }
                },
            };
            let token = uuid::Uuid::new_v4().to_string();
            let (inputs, dependencies, prevent_destroy) = match (&work, configs.get(&address)) {
                (Work::Create(cfg), resource) => (
                    Some(Value::from_json(cfg.clone())),
                    resource.map_or_else(|| change.dependencies.clone(), |r| r.dependencies()),
                    resource.is_some_and(|r| r.lifecycle.prevent_destroy),
                ),
                _ => (None, Vec::new(), false),
            };
            state.pending.push(PendingOperation {
                token: token.clone(),
                address: address.clone(),
                operation: node.step.as_str().into(),
                started_unix: unix_now(),
                inputs,
                dependencies,
                prevent_destroy,
            });
            pending_tokens.insert(i, token.clone());
            starting.push((i, work, token));
        }
        if dirty || !starting.is_empty() {
            write(&state, &mut touched)?;
            dirty = false;
        }
        for (i, work, token) in starting {
            let node = &nodes[i];
            let address = plan.changes[node.change].address.clone();
            events(Event::Started {
                address: address.clone(),
                step: node.step,
            });
            let step = node.step;
            let progress_events = events.clone();
            let progress_addr = address.clone();
            let ctx = OpContext {
                address: address.to_string(),
                stack: options.owner.clone(),
                token,
                progress: Some(Arc::new(move |message| {
                    progress_events(Event::Progress {
                        address: progress_addr.clone(),
                        step,
                        message,
                    })
                })),
            };
            let provider = provider.clone();
            let rtype = address.rtype.clone();
            running.spawn(async move {
                let started = Instant::now();
                let result = match work {
                    Work::Create(cfg) => provider.create(&rtype, &cfg, &ctx).await.map(Some),
                    Work::Update(prior, cfg) => {
                        provider.update(&rtype, &prior, &cfg, &ctx).await.map(Some)
                    }
                    Work::Delete(prior) => {
                        provider.delete(&rtype, &prior, &ctx).await.map(|_| None)
                    }
                };
                (i, started, result)
            });
        }

        // Wait for one operation, then take every other one that has finished meanwhile:
        // they are all recorded in the next write, before the executor waits again.
        let Some(joined) = running.join_next().await else {
            break;
        };
        let mut finished = vec![joined];
        while let Some(more) = running.try_join_next() {
            finished.push(more);
        }
        for joined in finished {
            let (i, started, result) = match joined {
                Ok(r) => r,
                Err(e) => return Err(ApplyError::Record(format!("an operation panicked: {e}"))),
            };
            dirty = true;
            let elapsed = started.elapsed();
            let node = &nodes[i];
            let change = &plan.changes[node.change];
            let address = change.address.clone();
            // A finished operation leaves the journal; so does a failed update or delete (the
            // next refresh shows what it did). A failed create stays: it may have made something
            // before failing, which the next run finds and adopts, or proves absent.
            if let Some(token) = pending_tokens.remove(&i) {
                if result.is_ok() || node.step != Step::Create {
                    state.pending.retain(|p| p.token != token);
                }
            }
            match result {
                Ok(observed) => {
                    if let Some(t) = touched.as_mut() {
                        t.insert(address.clone());
                    }
                    record_success(
                        &mut state,
                        change,
                        node.step,
                        observed.clone(),
                        configs.get(&address).copied(),
                    );
                    match state.resources.get(&address) {
                        Some(r) => env.insert(address.clone(), r.attributes()),
                        None => env.remove(&address),
                    };
                    events(Event::Finished {
                        address,
                        step: node.step,
                        elapsed,
                        id: observed.map(|o| o.id),
                    });
                    outcomes[i] = Some(Outcome::Done);
                    for &d in &dependents[i] {
                        waiting[d] -= 1;
                        if waiting[d] == 0 && outcomes[d].is_none() {
                            ready.push(d);
                        }
                    }
                }
                Err(e) => {
                    fail(
                        i,
                        &nodes,
                        &plan.changes,
                        &dependents,
                        &mut outcomes,
                        &events,
                        elapsed,
                        e.to_string(),
                    );
                }
            }
        }
    }

    // Outputs from what now exists; an output whose resources failed keeps its old value.
    for (name, output) in &config.outputs {
        if let Ok(value) = output.value.eval(&|r| lookup(&env, r)) {
            if value.is_known() {
                state.outputs.insert(
                    name.clone(),
                    OutputState {
                        value,
                        sensitive: output.sensitive,
                    },
                );
            }
        }
    }
    state.outputs.retain(|k, _| config.outputs.contains_key(k));
    write(&state, &mut touched)?;

    let steps = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                plan.changes[n.change].address.clone(),
                n.step,
                outcomes[i].clone().unwrap_or(if interrupted() {
                    Outcome::Interrupted
                } else {
                    Outcome::Failed("not run".into())
                }),
            )
        })
        .collect();
    Ok(ApplyReport {
        state,
        steps,
        interrupted: interrupted(),
        moved,
        imported,
    })
}

#[allow(clippy::too_many_arguments)]
fn fail(
    i: usize,
    nodes: &[Node],
    changes: &[Change],
    dependents: &[Vec<usize>],
    outcomes: &mut [Option<Outcome>],
    events: &EventSink,
    elapsed: Duration,
    error: String,
) {
    let address = changes[nodes[i].change].address.clone();
    events(Event::Failed {
        address: address.clone(),
        step: nodes[i].step,
        elapsed,
        error: error.clone(),
    });
    outcomes[i] = Some(Outcome::Failed(error));
    let mut stack: Vec<usize> = dependents[i].clone();
    while let Some(d) = stack.pop() {
        if outcomes[d].is_some() {
            continue;
        }
        outcomes[d] = Some(Outcome::Skipped {
            because: address.clone(),
        });
        events(Event::Skipped {
            address: changes[nodes[d].change].address.clone(),
            step: nodes[d].step,
            because: address.clone(),
        });
        stack.extend(dependents[d].iter().copied());
    }
}

fn record_success(
    state: &mut State,
    change: &Change,
    step: Step,
    observed: Option<Observed>,
    resource: Option<&ResourceConfig>,
) {
    let address = &change.address;
    match (step, observed) {
        (Step::Delete, _) => {
            let id = change.prior.as_ref().map(|p| p.id.as_str());
            let in_deposed = state
                .deposed
                .iter()
                .position(|d| &d.address == address && Some(d.id.as_str()) == id);
            if let Some(pos) = in_deposed {
                state.deposed.remove(pos);
            } else if state
                .resources
                .get(address)
                .is_some_and(|r| Some(r.id.as_str()) == id)
            {
                state.resources.remove(address);
            }
        }
        (_, Some(observed)) => {
            let (dependencies, prevent_destroy) = match resource {
                Some(r) => (r.dependencies(), r.lifecycle.prevent_destroy),
                None => (change.dependencies.clone(), false),
            };
            let now =
                ResourceState::recorded(address.clone(), observed, dependencies, prevent_destroy);
            if step == Step::Create {
                state.record_created(now);
            } else {
                state.resources.insert(address.clone(), now);
            }
        }
        (_, None) => {}
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
