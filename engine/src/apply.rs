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
use crate::state::{OutputState, PendingOperation, ResourceState, State};
use cairn_model::provider::{Observed, OpContext, Provider, ProviderError};

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

/// Why a step failed: in words, and the provider's error when the provider failed it.
#[derive(Clone, Debug, PartialEq)]
pub struct StepError {
    pub message: String,
    pub cause: Option<ProviderError>,
}

impl StepError {
    fn said(message: impl Into<String>) -> Self {
        StepError {
            message: message.into(),
            cause: None,
        }
    }

    /// The failure is the environment's (credentials, network): every other operation
    /// would fail the same way.
    pub fn is_environment(&self) -> bool {
        self.cause
            .as_ref()
            .is_some_and(|c| c.kind().is_environment())
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ProviderError> for StepError {
    fn from(e: ProviderError) -> Self {
        StepError {
            message: e.to_string(),
            cause: Some(e),
        }
    }
}

/// How one step ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done,
    Failed(StepError),
    Skipped {
        because: Address,
    },
    /// Not started: the apply was interrupted first.
    Interrupted,
    /// Not started: the executor stopped starting operations (after a failure of the
    /// environment — credentials, network — which every other operation would share).
    NotRun,
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
    let cyclic = cyclic_steps(&nodes);
    if !cyclic.is_empty() {
        let stuck: Vec<String> = cyclic
            .iter()
            .map(|&i| {
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

/// The steps that are part of a cycle of waits (petgraph's strongly connected components of
/// more than one step, or a step waiting on itself), in order.
fn cyclic_steps(nodes: &[Node]) -> Vec<usize> {
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let index: Vec<_> = (0..nodes.len()).map(|i| graph.add_node(i)).collect();
    for (i, n) in nodes.iter().enumerate() {
        for &d in &n.deps {
            graph.add_edge(index[i], index[d], ());
        }
    }
    let mut out: Vec<usize> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .flatten()
        .map(|n| graph[n])
        .collect();
    out.sort_unstable();
    out
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

/// Which steps may run, and how each ended: the executor's bookkeeping of the step graph.
struct Scheduler<'p> {
    nodes: Vec<Node>,
    changes: &'p [Change],
    /// The steps that wait for each step.
    dependents: Vec<Vec<usize>>,
    /// How many of its dependencies each step still waits for.
    waiting: Vec<usize>,
    /// Steps whose dependencies have all finished, not started yet (the next one last).
    ready: Vec<usize>,
    outcomes: Vec<Option<Outcome>>,
    events: EventSink,
}

impl<'p> Scheduler<'p> {
    fn new(plan: &'p Plan, events: EventSink) -> Result<Self, ApplyError> {
        let nodes = build_nodes(plan)?;
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            for &d in &n.deps {
                dependents[d].push(i);
            }
        }
        let waiting: Vec<usize> = nodes.iter().map(|n| n.deps.len()).collect();
        let ready = (0..nodes.len())
            .rev()
            .filter(|&i| waiting[i] == 0)
            .collect();
        let outcomes = vec![None; nodes.len()];
        Ok(Scheduler {
            nodes,
            changes: &plan.changes,
            dependents,
            waiting,
            ready,
            outcomes,
            events,
        })
    }

    fn change(&self, i: usize) -> &'p Change {
        &self.changes[self.nodes[i].change]
    }

    /// The provider configuration step `i` runs with: a delete where the resource was made,
    /// the rest where the configuration says.
    fn provider(&self, i: usize) -> Option<String> {
        let change = self.change(i);
        match self.step(i) {
            Step::Delete => change
                .prior
                .as_ref()
                .and_then(|p| p.provider.clone())
                .or_else(|| change.provider.clone()),
            _ => change.provider.clone(),
        }
    }

    fn step(&self, i: usize) -> Step {
        self.nodes[i].step
    }

    /// Step `i` succeeded: what waited only for it may start.
    fn done(&mut self, i: usize) {
        self.outcomes[i] = Some(Outcome::Done);
        for &d in &self.dependents[i] {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 && self.outcomes[d].is_none() {
                self.ready.push(d);
            }
        }
    }

    /// Step `i` failed with `error`: everything that waits for it, directly or not, is
    /// skipped, and each is reported.
    fn fail(&mut self, i: usize, elapsed: Duration, error: StepError) {
        let address = self.change(i).address.clone();
        (self.events)(Event::Failed {
            address: address.clone(),
            step: self.step(i),
            elapsed,
            error: error.message.clone(),
        });
        self.outcomes[i] = Some(Outcome::Failed(error));
        let mut stack: Vec<usize> = self.dependents[i].clone();
        while let Some(d) = stack.pop() {
            if self.outcomes[d].is_some() {
                continue;
            }
            self.outcomes[d] = Some(Outcome::Skipped {
                because: address.clone(),
            });
            (self.events)(Event::Skipped {
                address: self.change(d).address.clone(),
                step: self.step(d),
                because: address.clone(),
            });
            stack.extend(self.dependents[d].iter().copied());
        }
    }

    /// How every step ended; those never started were interrupted, or not run.
    fn steps(&self, interrupted: bool) -> Vec<(Address, Step, Outcome)> {
        (0..self.nodes.len())
            .map(|i| {
                let outcome = self.outcomes[i].clone().unwrap_or(if interrupted {
                    Outcome::Interrupted
                } else {
                    Outcome::NotRun
                });
                (self.change(i).address.clone(), self.step(i), outcome)
            })
            .collect()
    }
}

/// An operation's result, as its task returns it: the step, when it started, and what the
/// provider answered.
type Finished = (usize, Instant, Result<Option<Observed>, ProviderError>);

/// Records in `state`, before any operation starts, the renames of `[[moved]]` blocks,
/// the resources `[[import]]` blocks bring in and the configured `prevent_destroy` of
/// declared resources: a rename is one state write, and an imported resource is in state
/// before anything changes it. Returns both, as the report lists them.
fn record_moves_and_imports(
    plan: &Plan,
    configs: &BTreeMap<&Address, &ResourceConfig>,
    state: &mut State,
) -> (Vec<(Address, Address)>, Vec<Address>) {
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
        *state = moves::rename(state, &renames);
    }
    for (address, prevent_destroy) in &plan.protection {
        if let Some(recorded) = state.resources.get_mut(address) {
            recorded.prevent_destroy = *prevent_destroy;
        }
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
    (moved, imported)
}

/// What step `i` will ask of the provider, with the configuration evaluated against what
/// exists now; `Ok(None)` when there is nothing to do (a delete of what was never recorded).
fn work_for(
    scheduler: &Scheduler<'_>,
    i: usize,
    config: Option<&ResourceConfig>,
    catalog: &Catalog,
    env: &Env,
    state: &State,
) -> Result<Option<Work>, String> {
    let change = scheduler.change(i);
    let step = scheduler.step(i);
    match step {
        Step::Create | Step::Update => {
            let cfg = prepare(change, config, catalog, env)?;
            if step == Step::Create {
                return Ok(Some(Work::Create(cfg)));
            }
            let prior = state
                .resources
                .get(&change.address)
                .map(ResourceState::observed)
                .or_else(|| change.prior.as_ref().map(ResourceState::observed))
                .ok_or("the resource is no longer in state")?;
            Ok(Some(Work::Update(prior, cfg)))
        }
        Step::Delete => Ok(change.prior.as_ref().map(|p| Work::Delete(p.observed()))),
    }
}

/// The journal entry of an operation about to start, with its unique token.
fn intent(
    change: &Change,
    step: Step,
    work: &Work,
    config: Option<&ResourceConfig>,
) -> PendingOperation {
    let provider = match config {
        Some(r) if step != Step::Delete => r.provider.clone(),
        _ => change.prior.as_ref().and_then(|p| p.provider.clone()),
    };
    let (inputs, dependencies, prevent_destroy) = match work {
        Work::Create(cfg) => (
            Some(Value::from_json(cfg.clone())),
            config.map_or_else(|| change.dependencies.clone(), |r| r.dependencies()),
            config.is_some_and(|r| r.lifecycle.prevent_destroy),
        ),
        _ => (None, Vec::new(), false),
    };
    PendingOperation {
        token: uuid::Uuid::new_v4().to_string(),
        address: change.address.clone(),
        operation: step.as_str().into(),
        started_unix: unix_now(),
        inputs,
        dependencies,
        prevent_destroy,
        provider,
    }
}

/// Starts `work` for step `i` on a task of its own, reporting progress as events.
fn spawn(
    running: &mut JoinSet<Finished>,
    scheduler: &Scheduler<'_>,
    i: usize,
    work: Work,
    token: String,
    provider: &Arc<dyn Provider>,
    owner: Option<String>,
) {
    let address = scheduler.change(i).address.clone();
    let step = scheduler.step(i);
    (scheduler.events)(Event::Started {
        address: address.clone(),
        step,
    });
    let progress_events = scheduler.events.clone();
    let progress_addr = address.clone();
    let ctx = OpContext {
        address: address.to_string(),
        stack: owner,
        token,
        provider: scheduler.provider(i),
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
            Work::Update(prior, cfg) => provider.update(&rtype, &prior, &cfg, &ctx).await.map(Some),
            Work::Delete(prior) => provider.delete(&rtype, &prior, &ctx).await.map(|_| None),
        };
        (i, started, result)
    });
}

/// Outputs from what now exists; an output whose resources failed keeps its old value.
fn record_outputs(config: &Config, env: &Env, state: &mut State) {
    for (name, output) in &config.outputs {
        if let Ok(value) = output.value.eval(&|r| lookup(env, r)) {
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
    let mut scheduler = Scheduler::new(plan, events.clone())?;
    let catalog = provider.catalog().clone();
    let configs: BTreeMap<&Address, &ResourceConfig> =
        config.resources.iter().map(|r| (&r.address, r)).collect();
    let mut running: JoinSet<Finished> = JoinSet::new();
    let mut pending_tokens: BTreeMap<usize, String> = BTreeMap::new();
    let parallelism = options.parallelism.max(1);
    let interrupted = || {
        options
            .interrupt
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    };
    let (moved, imported) = record_moves_and_imports(plan, &configs, &mut state);
    let mut environment_failed = false;
    // What references see: kept up to date as operations finish, not rebuilt per step.
    let mut env = env_of(&state);
    // Whether state changed since it was last recorded, and which resources did.
    let mut dirty = !moved.is_empty() || !imported.is_empty() || !plan.protection.is_empty();
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
        while running.len() + starting.len() < parallelism && !interrupted() && !environment_failed
        {
            let Some(i) = scheduler.ready.pop() else {
                break;
            };
            let change = scheduler.change(i);
            let resource = configs.get(&change.address).copied();
            let work = match work_for(&scheduler, i, resource, &catalog, &env, &state) {
                Ok(Some(work)) => work,
                Ok(None) => {
                    scheduler.outcomes[i] = Some(Outcome::Done);
                    continue;
                }
                Err(e) => {
                    scheduler.fail(i, Duration::ZERO, StepError::said(e));
                    continue;
                }
            };
            let pending = intent(change, scheduler.step(i), &work, resource);
            pending_tokens.insert(i, pending.token.clone());
            starting.push((i, work, pending.token.clone()));
            state.pending.push(pending);
        }
        if dirty || !starting.is_empty() {
            write(&state, &mut touched)?;
            dirty = false;
        }
        for (i, work, token) in starting {
            let owner = options.owner.clone();
            spawn(&mut running, &scheduler, i, work, token, &provider, owner);
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
            let (i, started, result) =
                joined.map_err(|e| ApplyError::Record(format!("an operation panicked: {e}")))?;
            dirty = true;
            let elapsed = started.elapsed();
            let step = scheduler.step(i);
            let change = scheduler.change(i);
            let address = change.address.clone();
            // A finished operation leaves the journal; so does a failed update or delete (the
            // next refresh shows what it did). A failed create stays: it may have made something
            // before failing, which the next run finds and adopts, or proves absent.
            if let Some(token) = pending_tokens.remove(&i) {
                if result.is_ok() || step != Step::Create {
                    state.pending.retain(|p| p.token != token);
                }
            }
            match result {
                Ok(observed) => {
                    if let Some(t) = touched.as_mut() {
                        t.insert(address.clone());
                    }
                    let resource = configs.get(&address).copied();
                    record_success(&mut state, change, step, observed.clone(), resource);
                    match state.resources.get(&address) {
                        Some(r) => env.insert(address.clone(), r.attributes()),
                        None => env.remove(&address),
                    };
                    events(Event::Finished {
                        address,
                        step,
                        elapsed,
                        id: observed.map(|o| o.id),
                    });
                    scheduler.done(i);
                }
                Err(e) => {
                    let error = StepError::from(e);
                    // Without credentials or network, every other operation would fail
                    // the same way: none is started (those running finish).
                    environment_failed |= error.is_environment();
                    scheduler.fail(i, elapsed, error);
                }
            }
        }
    }
    record_outputs(config, &env, &mut state);
    write(&state, &mut touched)?;
    Ok(ApplyReport {
        state,
        steps: scheduler.steps(interrupted()),
        interrupted: interrupted(),
        moved,
        imported,
    })
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
            let (dependencies, prevent_destroy, provider) = match resource {
                Some(r) => (
                    r.dependencies(),
                    r.lifecycle.prevent_destroy,
                    r.provider.clone(),
                ),
                None => (
                    change.dependencies.clone(),
                    false,
                    change.prior.as_ref().and_then(|p| p.provider.clone()),
                ),
            };
            let now =
                ResourceState::recorded(address.clone(), observed, dependencies, prevent_destroy)
                    .on(provider);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(deps: &[&[usize]], expected: &[usize]) {
        let nodes: Vec<Node> = deps
            .iter()
            .map(|d| Node {
                change: 0,
                step: Step::Create,
                deps: d.iter().copied().collect(),
            })
            .collect();
        assert_eq!(cyclic_steps(&nodes), expected, "{deps:?}");
    }

    #[test]
    fn only_the_steps_of_a_cycle_are_named() {
        check(&[], &[]);
        check(&[&[], &[0], &[0, 1]], &[]);
        // 1 and 2 wait on each other; 3 waits on them without being part of the cycle.
        check(&[&[], &[2], &[1], &[1]], &[1, 2]);
        check(&[&[0]], &[0]);
        check(&[&[2], &[0], &[1], &[]], &[0, 1, 2]);
    }
}
