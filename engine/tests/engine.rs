//! Engine tests over the in-memory provider: planning, ordering, failure and state recording.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_engine::memory::MemoryProvider;
use cairn_engine::{
    apply, plan, plan_scoped, recover, refresh, refresh_imports, Action, ApplyOptions, ApplyReport,
    Changed, Event, Outcome, Plan, PlanMode, Provider, Resolution, Scope, State, Step,
};
use cairn_model::{
    Address, Catalog, Config, Expr, Import, Lifecycle, Move, Part, PathSeg, Reference,
    ResourceConfig, ResourceSchema, SchemaMeta, Value,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A network.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NetConfig {
    #[schemars(extend("x-force-new" = true))]
    cidr: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// A subnet of a network.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SubConfig {
    #[schemars(extend("x-force-new" = true))]
    net_id: String,
    #[schemars(extend("x-force-new" = true))]
    cidr: String,
    label: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Out {
    id: String,
    arn: String,
}

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    c.insert(ResourceSchema::derive::<NetConfig, Out>(
        "t_net",
        SchemaMeta {
            import_id: "the network's id",
            ..SchemaMeta::default()
        },
    ));
    c.insert(ResourceSchema::derive::<SubConfig, Out>(
        "t_sub",
        SchemaMeta {
            stateful: true,
            ..SchemaMeta::default()
        },
    ));
    c
}

fn addr(s: &str) -> Address {
    s.parse().expect("address")
}

fn lit(s: &str) -> Expr {
    Expr::Value(Value::string(s))
}

fn id_of(a: &str) -> Expr {
    Expr::Ref(Reference {
        address: addr(a),
        path: vec![PathSeg::Key("id".into())],
    })
}

fn net(name: &str, cidr: &str, tags: &[(&str, &str)]) -> ResourceConfig {
    let mut attrs = BTreeMap::new();
    attrs.insert("cidr".into(), lit(cidr));
    attrs.insert(
        "tags".into(),
        Expr::Map(tags.iter().map(|(k, v)| (k.to_string(), lit(v))).collect()),
    );
    ResourceConfig {
        address: addr(&format!("t_net.{name}")),
        attributes: attrs,
        depends_on: vec![],
        lifecycle: Lifecycle::default(),
        sensitive: Default::default(),
        provider: None,
    }
}

fn sub(name: &str, net: &str, cidr: &str) -> ResourceConfig {
    let mut attrs = BTreeMap::new();
    attrs.insert("net_id".into(), id_of(&format!("t_net.{net}")));
    attrs.insert("cidr".into(), lit(cidr));
    attrs.insert(
        "label".into(),
        Expr::Template(vec![
            Part::Literal("in ".into()),
            Part::Ref(Reference {
                address: addr(&format!("t_net.{net}")),
                path: vec![PathSeg::Key("cidr".into())],
            }),
        ]),
    );
    ResourceConfig {
        address: addr(&format!("t_sub.{name}")),
        attributes: attrs,
        depends_on: vec![],
        lifecycle: Lifecycle::default(),
        sensitive: Default::default(),
        provider: None,
    }
}

fn config(resources: Vec<ResourceConfig>) -> Config {
    Config {
        resources,
        ..Config::default()
    }
}

struct Run {
    provider: Arc<MemoryProvider>,
    state: State,
    writes: usize,
    /// What the last apply's first state write recorded.
    first_write: Option<State>,
    events: Vec<Event>,
}

impl Run {
    fn new() -> Run {
        Run::with(MemoryProvider::new(catalog()))
    }

    fn with(provider: MemoryProvider) -> Run {
        Run {
            provider: Arc::new(provider),
            state: State::default(),
            writes: 0,
            first_write: None,
            events: Vec::new(),
        }
    }

    async fn plan(&self, config: &Config, mode: PlanMode) -> Plan {
        self.try_plan(config, mode).await.expect("plan")
    }

    /// A plan limited or widened by `scope` (`--target`, `--replace`).
    async fn plan_in(&self, config: &Config, scope: &Scope) -> Result<Plan, String> {
        let refreshed = refresh(&*self.provider, &self.state)
            .await
            .expect("refresh");
        let keep = |v: &Value| v.clone();
        plan_scoped(
            config,
            &self.state,
            &refreshed,
            &catalog(),
            PlanMode::Normal,
            &keep,
            scope,
        )
        .map_err(|e| e.to_string())
    }

    /// Refreshes (with what `[[import]]` blocks bring in) and plans.
    async fn try_plan(&self, config: &Config, mode: PlanMode) -> Result<Plan, String> {
        let mut refreshed = refresh(&*self.provider, &self.state)
            .await
            .expect("refresh");
        let imported = refresh_imports(&*self.provider, config, &self.state)
            .await
            .map_err(|errors| {
                let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                shown.join("; ")
            })?;
        refreshed.extend(imported);
        plan(config, &self.state, &refreshed, &catalog(), mode).map_err(|e| e.to_string())
    }

    async fn apply_plan(&mut self, p: &Plan, config: &Config, parallelism: usize) -> ApplyReport {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let mut writes = 0;
        let provider: Arc<dyn Provider> = self.provider.clone();
        // Every write says truly which resources changed since the previous one.
        let mut previous: Option<State> = None;
        let mut first_write = None;
        let report = apply(
            p,
            config,
            self.state.clone(),
            provider,
            &ApplyOptions {
                parallelism,
                ..ApplyOptions::default()
            },
            &mut |s: &State, changed: Changed<'_>| {
                writes += 1;
                match (&previous, changed) {
                    (None, Changed::Anything) => {}
                    (Some(before), Changed::Resources(touched)) => {
                        let addresses: BTreeSet<_> =
                            before.resources.keys().chain(s.resources.keys()).collect();
                        for a in addresses {
                            if before.resources.get(a) != s.resources.get(a) {
                                assert!(touched.contains(a), "{a} changed unannounced");
                            }
                        }
                    }
                    (before, changed) => {
                        panic!("write {writes}: {changed:?} after {:?}", before.is_some())
                    }
                }
                if first_write.is_none() {
                    first_write = Some(s.clone());
                }
                previous = Some(s.clone());
                Ok(())
            },
            Arc::new(move |e| sink.lock().expect("events").push(e)),
        )
        .await
        .expect("apply");
        self.writes = writes;
        self.first_write = first_write;
        self.events = events.lock().expect("events").clone();
        self.state = report.state.clone();
        report
    }

    async fn converge(&mut self, config: &Config) -> (Plan, ApplyReport) {
        let p = self.plan(config, PlanMode::Normal).await;
        let r = self.apply_plan(&p, config, 10).await;
        (p, r)
    }
}

/// `(address, action)` of every change that is not a no-op.
fn actions(p: &Plan) -> Vec<(String, Action)> {
    p.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.address.to_string(), c.action))
        .collect()
}

fn check_actions(p: &Plan, expected: &[(&str, Action)]) {
    let want: Vec<(String, Action)> = expected.iter().map(|(a, b)| (a.to_string(), *b)).collect();
    assert_eq!(actions(p), want);
}

#[tokio::test]
async fn create_then_plan_is_empty() {
    let mut run = Run::new();
    let cfg = config(vec![
        sub("a", "main", "10.0.1.0/24"),
        net("main", "10.0.0.0/16", &[("Name", "main")]),
    ]);
    let (p, report) = run.converge(&cfg).await;
    check_actions(
        &p,
        &[("t_net.main", Action::Create), ("t_sub.a", Action::Create)],
    );
    let sub_change = p.change(&addr("t_sub.a")).expect("sub");
    let net_id = sub_change
        .attributes
        .iter()
        .find(|a| a.path.to_string() == "net_id")
        .expect("net_id");
    assert_eq!(net_id.after, Some(Value::Unknown), "known after apply");
    assert!(report.succeeded());
    assert_eq!(run.provider.count(), 2);
    // State is recorded before every operation starts and after it finishes, a finish and
    // the starts it allows sharing one write, and once at the end: the network's intent;
    // its result with the subnet's intent; the subnet's result; the end.
    assert_eq!(run.writes, 4);
    let sub = &run.state.resources[&addr("t_sub.a")];
    assert_eq!(sub.dependencies, vec![addr("t_net.main")]);
    assert_eq!(
        sub.inputs.as_map().expect("map")["label"],
        Value::string("in 10.0.0.0/16")
    );
    assert!(run.state.pending.is_empty());

    let again = run.plan(&cfg, PlanMode::Normal).await;
    assert!(again.is_empty(), "{:?}", actions(&again));
}

#[tokio::test]
async fn tag_change_is_one_in_place_update() {
    let mut run = Run::new();
    let cfg = config(vec![
        net("main", "10.0.0.0/16", &[("Name", "a")]),
        sub("a", "main", "10.0.1.0/24"),
    ]);
    run.converge(&cfg).await;
    let cfg2 = config(vec![
        net("main", "10.0.0.0/16", &[("Name", "b")]),
        sub("a", "main", "10.0.1.0/24"),
    ]);
    let (p, report) = run.converge(&cfg2).await;
    check_actions(&p, &[("t_net.main", Action::Update)]);
    let c = p.change(&addr("t_net.main")).expect("change");
    assert_eq!(c.attributes.len(), 1);
    assert_eq!(c.attributes[0].path.to_string(), "tags.Name");
    assert_eq!(c.attributes[0].before, Some(Value::string("a")));
    assert_eq!(c.attributes[0].after, Some(Value::string("b")));
    assert!(report.succeeded());
    assert!(run.plan(&cfg2, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn force_new_change_replaces_and_cascades_in_order() {
    let mut run = Run::new();
    let cfg = config(vec![
        net("main", "10.0.0.0/16", &[]),
        sub("a", "main", "10.0.1.0/24"),
    ]);
    run.converge(&cfg).await;
    let old_id = run.state.resources[&addr("t_net.main")].id.clone();

    let cfg2 = config(vec![
        net("main", "10.1.0.0/16", &[]),
        sub("a", "main", "10.1.1.0/24"),
    ]);
    let p = run.plan(&cfg2, PlanMode::Normal).await;
    check_actions(
        &p,
        &[
            ("t_net.main", Action::Replace),
            ("t_sub.a", Action::Replace),
        ],
    );
    assert_eq!(
        p.change(&addr("t_net.main"))
            .and_then(|c| c.reason.clone())
            .as_deref(),
        Some("cidr forces replacement")
    );
    let calls_before = run.provider.calls().len();
    let report = run.apply_plan(&p, &cfg2, 10).await;
    assert!(report.succeeded());
    let calls: Vec<String> = run.provider.calls()[calls_before..].to_vec();
    assert_eq!(
        calls,
        vec![
            "delete t_sub.a",
            "delete t_net.main",
            "create t_net.main",
            "create t_sub.a"
        ]
    );
    assert_ne!(run.state.resources[&addr("t_net.main")].id, old_id);
    assert_eq!(run.provider.count(), 2);
}

#[tokio::test]
async fn create_before_destroy_creates_first_and_deposes() {
    let mut run = Run::new();
    let mut n = net("main", "10.0.0.0/16", &[]);
    n.lifecycle.create_before_destroy = true;
    run.converge(&config(vec![n.clone()])).await;
    let mut n2 = net("main", "10.9.0.0/16", &[]);
    n2.lifecycle.create_before_destroy = true;
    let cfg = config(vec![n2]);
    let before = run.provider.calls().len();
    let (p, report) = run.converge(&cfg).await;
    check_actions(&p, &[("t_net.main", Action::Replace)]);
    assert!(report.succeeded());
    assert_eq!(
        run.provider.calls()[before + 1..],
        ["create t_net.main", "delete t_net.main"]
    );
    assert!(run.state.deposed.is_empty());
    assert_eq!(run.provider.count(), 1);
}

#[tokio::test]
async fn removed_resources_are_deleted_dependents_first() {
    let mut run = Run::new();
    let cfg = config(vec![
        net("main", "10.0.0.0/16", &[]),
        sub("a", "main", "10.0.1.0/24"),
        sub("b", "main", "10.0.2.0/24"),
    ]);
    run.converge(&cfg).await;
    let before = run.provider.calls().len();
    let (p, report) = run.converge(&config(vec![])).await;
    assert_eq!(actions(&p).len(), 3);
    assert!(p
        .changes
        .iter()
        .all(|c| c.reason.as_deref() == Some("not in configuration")));
    assert!(report.succeeded());
    let calls = &run.provider.calls()[before + 2..]; // after the reads
    assert_eq!(
        calls.last().map(String::as_str),
        Some("delete t_net.main"),
        "{calls:?}"
    );
    assert_eq!(run.provider.count(), 0);
    assert!(run.state.resources.is_empty());
}

#[tokio::test]
async fn destroy_deletes_everything_in_reverse_order() {
    let mut run = Run::new();
    let cfg = config(vec![
        net("main", "10.0.0.0/16", &[]),
        sub("a", "main", "10.0.1.0/24"),
    ]);
    run.converge(&cfg).await;
    let p = run.plan(&cfg, PlanMode::Destroy).await;
    check_actions(
        &p,
        &[("t_sub.a", Action::Delete), ("t_net.main", Action::Delete)],
    );
    let before = run.provider.calls().len();
    assert!(run.apply_plan(&p, &cfg, 10).await.succeeded());
    assert_eq!(
        run.provider.calls()[before..],
        ["delete t_sub.a", "delete t_net.main"]
    );
    assert!(run.state.resources.is_empty());
}

#[tokio::test]
async fn failure_stops_dependents_only() {
    let provider = MemoryProvider::new(catalog());
    provider
        .fail
        .lock()
        .expect("fail")
        .insert("t_net.bad".into());
    let mut run = Run::with(provider);
    let cfg = config(vec![
        net("bad", "10.0.0.0/16", &[]),
        sub("under_bad", "bad", "10.0.1.0/24"),
        net("good", "10.1.0.0/16", &[]),
        sub("under_good", "good", "10.1.1.0/24"),
    ]);
    let (_, report) = run.converge(&cfg).await;
    assert!(!report.succeeded());
    let outcome = |a: &str| {
        report
            .steps
            .iter()
            .find(|(x, _, _)| x.to_string() == a)
            .map(|(_, _, o)| o.clone())
            .expect("step")
    };
    assert!(
        matches!(outcome("t_net.bad"), Outcome::Failed(ref e) if e.message.contains("injected"))
    );
    assert_eq!(
        outcome("t_sub.under_bad"),
        Outcome::Skipped {
            because: addr("t_net.bad")
        }
    );
    assert_eq!(outcome("t_net.good"), Outcome::Done);
    assert_eq!(outcome("t_sub.under_good"), Outcome::Done);
    assert_eq!(run.state.resources.len(), 2);
    // The failed create stays in the journal (it might have made something before failing)
    // until the next run looks: here it made nothing.
    let pending: Vec<String> = run
        .state
        .pending
        .iter()
        .map(|p| p.address.to_string())
        .collect();
    assert_eq!(pending, ["t_net.bad"]);
    let (recovered_state, recovered) = recover(&*run.provider, &run.state, None, Duration::ZERO)
        .await
        .expect("recover");
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].resolution, Resolution::Absent);
    assert!(recovered_state.pending.is_empty());
    assert_eq!(recovered_state.resources, run.state.resources);
    assert!(run.events.iter().any(|e| matches!(
        e,
        Event::Skipped {
            step: Step::Create,
            ..
        }
    )));
}

#[tokio::test]
async fn operations_start_as_soon_as_their_dependencies_finish_within_parallelism() {
    let mut provider = MemoryProvider::new(catalog());
    provider.delay = Duration::from_millis(20);
    let mut run = Run::with(provider);
    let resources: Vec<ResourceConfig> = (0..12)
        .map(|i| net(&format!("n{i}"), &format!("10.{i}.0.0/16"), &[]))
        .collect();
    let cfg = config(resources);
    let p = run.plan(&cfg, PlanMode::Normal).await;
    assert!(run.apply_plan(&p, &cfg, 3).await.succeeded());
    let max = run.provider.max_running.load(Ordering::SeqCst);
    assert_eq!(max, 3, "parallelism bounds concurrent operations");
}

/// Not level by level: a subnet whose network was quick starts while another network, slow,
/// is still being created.
#[tokio::test]
async fn an_operation_starts_when_its_own_dependencies_finish_not_its_levels() {
    let mut provider = MemoryProvider::new(catalog());
    provider.delay = Duration::from_millis(10);
    provider
        .delays
        .insert("t_net.slow".into(), Duration::from_millis(300));
    let mut run = Run::with(provider);
    let cfg = config(vec![
        net("slow", "10.0.0.0/16", &[]),
        net("quick", "10.1.0.0/16", &[]),
        sub("after_slow", "slow", "10.0.1.0/24"),
        sub("after_quick", "quick", "10.1.1.0/24"),
    ]);
    let p = run.plan(&cfg, PlanMode::Normal).await;
    assert!(run.apply_plan(&p, &cfg, 10).await.succeeded());
    let at = |wanted: &dyn Fn(&Event) -> bool| run.events.iter().position(wanted).expect("event");
    let slow_done =
        at(&|e| matches!(e, Event::Finished { address, .. } if *address == addr("t_net.slow")));
    let quick_done =
        at(&|e| matches!(e, Event::Finished { address, .. } if *address == addr("t_net.quick")));
    let dependent_started = at(
        &|e| matches!(e, Event::Started { address, .. } if *address == addr("t_sub.after_quick")),
    );
    let other_started = at(
        &|e| matches!(e, Event::Started { address, .. } if *address == addr("t_sub.after_slow")),
    );
    assert!(quick_done < dependent_started, "after its own dependency");
    assert!(
        dependent_started < slow_done,
        "before the unrelated slow network finished: {:?}",
        run.events
    );
    assert!(slow_done < other_started, "the other waits for its own");
}

#[tokio::test]
async fn drift_is_detected_and_reverted_and_deleted_resources_recreated() {
    let mut run = Run::new();
    let cfg = config(vec![
        net("main", "10.0.0.0/16", &[("Name", "a")]),
        net("other", "10.1.0.0/16", &[]),
    ]);
    run.converge(&cfg).await;
    let main_id = run.state.resources[&addr("t_net.main")].id.clone();
    let other_id = run.state.resources[&addr("t_net.other")].id.clone();
    run.provider.set(
        "t_net",
        &main_id,
        serde_json::json!({"cidr": "10.0.0.0/16", "tags": {"Name": "hand"}}),
    );
    run.provider.remove("t_net", &other_id);

    let p = run.plan(&cfg, PlanMode::Normal).await;
    assert_eq!(p.drift.len(), 2);
    let d = p
        .drift
        .iter()
        .find(|d| d.address == addr("t_net.main"))
        .expect("drift");
    assert_eq!(d.attributes[0].path.to_string(), "tags.Name");
    assert_eq!(d.attributes[0].after, Some(Value::string("hand")));
    check_actions(
        &p,
        &[
            ("t_net.main", Action::Update),
            ("t_net.other", Action::Create),
        ],
    );
    assert_eq!(
        p.change(&addr("t_net.other"))
            .and_then(|c| c.reason.clone())
            .as_deref(),
        Some("deleted outside cairn")
    );
    let state = run.state.clone();
    let refreshed = refresh(&*run.provider, &state).await.expect("refresh");
    run.state = state.with_refreshed(&refreshed);
    assert!(run.apply_plan(&p, &cfg, 10).await.succeeded());
    assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn ignore_changes_hides_an_attribute() {
    let mut run = Run::new();
    let mut n = net("main", "10.0.0.0/16", &[("Name", "a")]);
    n.lifecycle.ignore_changes = vec!["tags".into()];
    run.converge(&config(vec![n])).await;
    let mut n2 = net("main", "10.0.0.0/16", &[("Name", "b")]);
    n2.lifecycle.ignore_changes = vec!["tags".into()];
    assert!(run
        .plan(&config(vec![n2]), PlanMode::Normal)
        .await
        .is_empty());
    // An attribute that is not ignored still shows, without the ignored one.
    let mut n3 = net("main", "10.9.0.0/16", &[("Name", "b")]);
    n3.lifecycle.ignore_changes = vec!["tags".into()];
    let p = run.plan(&config(vec![n3]), PlanMode::Normal).await;
    check_actions(&p, &[("t_net.main", Action::Replace)]);
    let change = p.change(&addr("t_net.main")).expect("change");
    let paths: Vec<String> = change
        .attributes
        .iter()
        .map(|a| a.path.to_string())
        .collect();
    assert_eq!(paths, ["cidr"], "tags stay ignored");
}

#[tokio::test]
async fn prevent_destroy_blocks_even_after_the_block_is_removed() {
    let mut run = Run::new();
    let mut n = net("main", "10.0.0.0/16", &[]);
    n.lifecycle.prevent_destroy = true;
    run.converge(&config(vec![n.clone()])).await;
    let refreshed = refresh(&*run.provider, &run.state).await.expect("refresh");
    for (cfg, mode) in [
        (config(vec![]), PlanMode::Normal),
        (config(vec![n.clone()]), PlanMode::Destroy),
        (
            config(vec![{
                let mut r = net("main", "10.5.0.0/16", &[]);
                r.lifecycle.prevent_destroy = true;
                r
            }]),
            PlanMode::Normal,
        ),
    ] {
        let err = plan(&cfg, &run.state, &refreshed, &catalog(), mode).expect_err("prevented");
        assert!(err.to_string().contains("prevent_destroy"), "{err}");
        assert!(err.to_string().contains("t_net.main"), "{err}");
    }
}

/// A declared resource's protection is its configuration's: removing the line lets
/// destroy delete it at once, and any apply records the change (in state only), so that a
/// later removal of the resource from the stack is not refused either.
#[tokio::test]
async fn protection_follows_the_configuration_and_any_apply_records_it() {
    let mut run = Run::new();
    let mut n = net("main", "10.0.0.0/16", &[]);
    n.lifecycle.prevent_destroy = true;
    run.converge(&config(vec![n])).await;
    let main = addr("t_net.main");
    assert!(run.state.resources[&main].prevent_destroy);
    let lifted = config(vec![net("main", "10.0.0.0/16", &[])]);
    let destroy = run.plan(&lifted, PlanMode::Destroy).await;
    check_actions(&destroy, &[("t_net.main", Action::Delete)]);
    // A plan with nothing to change but the protection is not empty, and says it.
    let p = run.plan(&lifted, PlanMode::Normal).await;
    assert!(p.changes.iter().all(|c| c.is_noop()));
    assert_eq!(p.protection, BTreeMap::from([(main.clone(), false)]));
    assert!(!p.is_empty());
    assert!(run.apply_plan(&p, &lifted, 10).await.succeeded());
    assert!(!run.state.resources[&main].prevent_destroy);
    assert!(run.plan(&lifted, PlanMode::Normal).await.is_empty());
    let removed = run.plan(&config(vec![]), PlanMode::Normal).await;
    check_actions(&removed, &[("t_net.main", Action::Delete)]);
}

/// `--replace` replaces what nothing forces; `--target` limits the plan to its resources and
/// what they depend on, and leaves the rest for the next full plan.
#[tokio::test]
async fn replace_and_target_scope_the_plan() {
    let mut run = Run::new();
    let cfg = config(vec![
        net("main", "10.0.0.0/16", &[]),
        sub("a", "main", "10.0.1.0/24"),
        net("other", "10.9.0.0/16", &[]),
    ]);
    run.converge(&cfg).await;
    let replace = |a: &str| Scope {
        replace: vec![addr(a)],
        ..Scope::default()
    };
    let p = run
        .plan_in(&cfg, &replace("t_net.other"))
        .await
        .expect("plan");
    check_actions(&p, &[("t_net.other", Action::Replace)]);
    assert_eq!(
        p.change(&addr("t_net.other"))
            .and_then(|c| c.reason.clone())
            .as_deref(),
        Some("replacement requested (--replace)")
    );
    let unknown = run.plan_in(&cfg, &replace("t_net.nope")).await;
    assert!(unknown.is_err_and(|e| e.contains("--replace t_net.nope")));

    let changed = config(vec![
        net("main", "10.0.0.0/16", &[("Env", "prod")]),
        sub("a", "main", "10.0.2.0/24"),
        net("other", "10.9.0.0/16", &[("Env", "prod")]),
        net("extra", "10.8.0.0/16", &[]),
    ]);
    let targeted = Scope {
        targets: vec![addr("t_sub.a")],
        ..Scope::default()
    };
    let p = run.plan_in(&changed, &targeted).await.expect("plan");
    let planned: Vec<String> = p.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(
        planned,
        ["t_net.main", "t_sub.a"],
        "the target and its dependency"
    );
    check_actions(
        &p,
        &[("t_net.main", Action::Update), ("t_sub.a", Action::Replace)],
    );
    assert_eq!(p.scope, targeted);
    let nowhere = Scope {
        targets: vec![addr("t_net.nope")],
        ..Scope::default()
    };
    let unknown = run.plan_in(&changed, &nowhere).await;
    assert!(unknown.is_err_and(|e| e.contains("--target t_net.nope")));
    assert!(run.apply_plan(&p, &changed, 10).await.succeeded());
    let rest = run.plan(&changed, PlanMode::Normal).await;
    check_actions(
        &rest,
        &[
            ("t_net.other", Action::Update),
            ("t_net.extra", Action::Create),
        ],
    );
}

#[tokio::test]
async fn outputs_are_planned_and_recorded() {
    let mut run = Run::new();
    let mut cfg = config(vec![net("main", "10.0.0.0/16", &[])]);
    cfg.outputs.insert(
        "net".into(),
        cairn_model::OutputConfig {
            value: id_of("t_net.main"),
            sensitive: false,
        },
    );
    let (p, _) = run.converge(&cfg).await;
    assert_eq!(p.outputs["net"].after, Value::Unknown);
    let id = run.state.resources[&addr("t_net.main")].id.clone();
    assert_eq!(run.state.outputs["net"].value, Value::string(id));
    assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn an_interrupt_stops_new_operations_and_keeps_what_finished() {
    let config = config(vec![
        net("a", "10.0.0.0/16", &[]),
        net("b", "10.1.0.0/16", &[]),
        net("c", "10.2.0.0/16", &[]),
    ]);
    let run = Run::new();
    let p = run.plan(&config, PlanMode::Normal).await;
    let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let raise = flag.clone();
    let provider: Arc<dyn Provider> = run.provider.clone();
    let report = apply(
        &p,
        &config,
        State::default(),
        provider,
        &ApplyOptions {
            parallelism: 1,
            interrupt: Some(flag),
            ..ApplyOptions::default()
        },
        &mut |_s: &State, _: Changed<'_>| Ok(()),
        // Ctrl-C right after the first operation finishes.
        Arc::new(move |e| {
            if matches!(e, Event::Finished { .. }) {
                raise.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }),
    )
    .await
    .expect("apply");
    assert!(report.interrupted);
    assert_eq!(report.count(|o| *o == cairn_engine::Outcome::Done), 1);
    assert_eq!(
        report.count(|o| *o == cairn_engine::Outcome::Interrupted),
        2
    );
    assert_eq!(report.state.resources.len(), 1);
    assert_eq!(run.provider.count(), 1);
    assert!(report.state.pending.is_empty());
}

/// The process dies at every state write of an apply in turn (the write that would have
/// recorded the outcome is lost, so a create can have happened that state does not know);
/// the next run resolves the journal, and applying again converges to exactly one of each
/// resource, with no leftover and no duplicate.
#[tokio::test]
async fn a_run_killed_at_any_write_recovers_without_orphans_or_duplicates() {
    let cfg = config(vec![
        net("a", "10.0.0.0/16", &[]),
        net("b", "10.1.0.0/16", &[]),
        sub("a1", "a", "10.0.1.0/24"),
        sub("a2", "a", "10.0.2.0/24"),
        sub("b1", "b", "10.1.1.0/24"),
    ]);
    let mut full = Run::new();
    full.converge(&cfg).await;
    // Operations that start or finish together share a write: two networks, then their
    // three subnets, then the end.
    let total_writes = full.writes;
    assert!(total_writes >= 4, "{total_writes}");
    let mut adopted = 0;
    for kill_at in 1..=total_writes {
        let provider = Arc::new(MemoryProvider::new(catalog()));
        let p = plan(
            &cfg,
            &State::default(),
            &BTreeMap::new(),
            &catalog(),
            PlanMode::Normal,
        )
        .expect("plan");
        let mut writes = 0;
        let mut on_disk = State::default();
        let dyn_provider: Arc<dyn Provider> = provider.clone();
        let result = apply(
            &p,
            &cfg,
            State::default(),
            dyn_provider,
            &ApplyOptions::default(),
            &mut |s: &State, _: Changed<'_>| {
                writes += 1;
                if writes >= kill_at {
                    return Err("killed".into());
                }
                on_disk = s.clone();
                Ok(())
            },
            Arc::new(|_| {}),
        )
        .await;
        assert!(result.is_err(), "kill at write {kill_at} stops the run");
        // The next run: resolve the journal, then plan and apply as usual.
        let (state, recovered) = recover(&*provider, &on_disk, None, Duration::ZERO)
            .await
            .expect("recover");
        assert!(state.pending.is_empty());
        adopted += recovered
            .iter()
            .filter(|r| matches!(r.resolution, Resolution::Adopted { .. }))
            .count();
        let mut run = Run {
            provider: provider.clone(),
            state,
            writes: 0,
            first_write: None,
            events: Vec::new(),
        };
        let (_, report) = run.converge(&cfg).await;
        assert!(report.succeeded(), "kill at write {kill_at}: {report:?}");
        assert_eq!(provider.count(), 5, "kill at write {kill_at}: one of each");
        assert_eq!(run.state.resources.len(), 5);
        assert!(run.state.pending.is_empty());
        let again = run.plan(&cfg, PlanMode::Normal).await;
        assert!(actions(&again).is_empty(), "kill at write {kill_at}");
    }
    assert!(
        adopted > 0,
        "some kills landed between a create and its record"
    );
}

fn mv(from: &str, to: &str) -> Move {
    Move {
        from: addr(from),
        to: addr(to),
    }
}

fn import(to: &str, id: &str) -> Import {
    Import {
        to: addr(to),
        id: id.into(),
    }
}

/// `r` at another address (e.g. a `for_each` instance).
fn at(mut r: ResourceConfig, address: &str) -> ResourceConfig {
    r.address = addr(address);
    r
}

/// Calls to the provider that change something.
fn operations(run: &Run) -> Vec<String> {
    run.provider
        .calls()
        .into_iter()
        .filter(|c| !c.starts_with("read") && !c.starts_with("find"))
        .collect()
}

/// `(address, moved_from)` of every moved resource in a plan.
fn moved_from(p: &Plan) -> Vec<(String, String)> {
    p.changes
        .iter()
        .filter_map(|c| Some((c.address.to_string(), c.moved_from.as_ref()?.to_string())))
        .collect()
}

#[tokio::test]
async fn a_moved_resource_keeps_its_id_and_the_move_alone_is_a_change() {
    let mut run = Run::new();
    run.converge(&config(vec![
        net("main", "10.0.0.0/16", &[]),
        sub("a", "main", "10.0.1.0/24"),
    ]))
    .await;
    let net_id = run.state.resources[&addr("t_net.main")].id.clone();
    let sub_id = run.state.resources[&addr("t_sub.a")].id.clone();
    let done = operations(&run).len();

    let mut cfg = config(vec![
        net("core", "10.0.0.0/16", &[]),
        sub("b", "core", "10.0.1.0/24"),
    ]);
    cfg.moves = vec![mv("t_net.main", "t_net.core"), mv("t_sub.a", "t_sub.b")];
    let p = run.plan(&cfg, PlanMode::Normal).await;
    check_actions(&p, &[]);
    assert!(!p.is_empty(), "a move is a change");
    assert_eq!(p.moves(), 2);
    assert_eq!(
        moved_from(&p),
        vec![
            ("t_net.core".into(), "t_net.main".into()),
            ("t_sub.b".into(), "t_sub.a".into())
        ]
    );

    let report = run.apply_plan(&p, &cfg, 10).await;
    assert!(report.succeeded());
    assert_eq!(report.moved.len(), 2);
    assert_eq!(operations(&run).len(), done, "nothing in the cloud changes");
    // The renames are the first write, whole.
    let first = run.first_write.clone().expect("a write");
    let recorded: Vec<String> = first.resources.keys().map(|a| a.to_string()).collect();
    assert_eq!(recorded, vec!["t_net.core", "t_sub.b"]);
    assert_eq!(run.state.resources[&addr("t_net.core")].id, net_id);
    let b = &run.state.resources[&addr("t_sub.b")];
    assert_eq!(
        (b.id.as_str(), b.dependencies.clone()),
        (sub_id.as_str(), vec![addr("t_net.core")])
    );
    // The blocks stay harmless.
    assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn a_move_with_a_change_updates_the_resource_at_its_new_address() {
    let mut run = Run::new();
    run.converge(&config(vec![net("main", "10.0.0.0/16", &[])]))
        .await;
    let id = run.state.resources[&addr("t_net.main")].id.clone();
    let mut cfg = config(vec![net("core", "10.0.0.0/16", &[("Name", "core")])]);
    cfg.moves = vec![mv("t_net.main", "t_net.core")];
    let p = run.plan(&cfg, PlanMode::Normal).await;
    check_actions(&p, &[("t_net.core", Action::Update)]);
    assert_eq!(
        moved_from(&p),
        vec![("t_net.core".into(), "t_net.main".into())]
    );
    assert!(run.apply_plan(&p, &cfg, 10).await.succeeded());
    assert_eq!(
        operations(&run).last().map(String::as_str),
        Some("update t_net.core")
    );
    assert_eq!(run.state.resources[&addr("t_net.core")].id, id);
    assert_eq!(
        run.provider.get("t_net", &id).expect("exists")["tags"]["Name"],
        "core"
    );
    assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn instances_move_with_their_keys_through_a_chain() {
    let mut run = Run::new();
    run.converge(&config(vec![
        at(net("x", "10.0.0.0/16", &[]), "t_net.old[\"a\"]"),
        at(net("x", "10.1.0.0/16", &[]), "t_net.old[\"b\"]"),
    ]))
    .await;
    let mut cfg = config(vec![
        at(net("x", "10.0.0.0/16", &[]), "module.m.t_net.new[\"a\"]"),
        at(net("x", "10.1.0.0/16", &[]), "module.m.t_net.new[\"b\"]"),
    ]);
    cfg.moves = vec![
        mv("t_net.old", "t_net.mid"),
        mv("t_net.mid", "module.m.t_net.new"),
    ];
    let p = run.plan(&cfg, PlanMode::Normal).await;
    check_actions(&p, &[]);
    assert_eq!(
        moved_from(&p),
        vec![
            (
                "module.m.t_net.new[\"a\"]".into(),
                "t_net.old[\"a\"]".into()
            ),
            (
                "module.m.t_net.new[\"b\"]".into(),
                "t_net.old[\"b\"]".into()
            ),
        ]
    );
    assert!(run.apply_plan(&p, &cfg, 10).await.succeeded());
    assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn a_move_onto_a_recorded_resource_is_refused() {
    let mut run = Run::new();
    run.converge(&config(vec![
        net("a", "10.0.0.0/16", &[]),
        net("b", "10.1.0.0/16", &[]),
    ]))
    .await;
    let mut cfg = config(vec![net("b", "10.1.0.0/16", &[])]);
    cfg.moves = vec![mv("t_net.a", "t_net.b")];
    let err = run
        .try_plan(&cfg, PlanMode::Normal)
        .await
        .expect_err("conflict");
    assert!(
        err.starts_with("cannot move t_net.a to t_net.b: state records both"),
        "{err}"
    );
}

#[tokio::test]
async fn an_import_matching_the_configuration_is_recorded_and_nothing_else_changes() {
    let mut run = Run::new();
    run.provider.set(
        "t_net",
        "net-existing",
        serde_json::json!({"cidr": "10.9.0.0/16", "tags": {"Name": "old"}}),
    );
    let mut cfg = config(vec![
        net("main", "10.9.0.0/16", &[("Name", "old")]),
        sub("a", "main", "10.9.1.0/24"),
    ]);
    cfg.imports = vec![import("t_net.main", "net-existing")];
    let p = run.plan(&cfg, PlanMode::Normal).await;
    check_actions(&p, &[("t_sub.a", Action::Create)]);
    let c = p.change(&addr("t_net.main")).expect("import");
    assert_eq!(
        (c.action, c.import_id.as_deref()),
        (Action::NoOp, Some("net-existing"))
    );
    assert_eq!(p.imports(), 1);
    // What depends on it sees its real id at plan time.
    let net_id = p
        .change(&addr("t_sub.a"))
        .and_then(|c| c.attributes.iter().find(|a| a.path.to_string() == "net_id"))
        .and_then(|a| a.after.clone());
    assert_eq!(net_id, Some(Value::string("net-existing")));

    let report = run.apply_plan(&p, &cfg, 10).await;
    assert!(report.succeeded());
    assert_eq!(report.imported, vec![addr("t_net.main")]);
    assert_eq!(operations(&run), vec!["create t_sub.a"]);
    let first = run.first_write.clone().expect("a write");
    assert_eq!(first.resources[&addr("t_net.main")].id, "net-existing");
    assert_eq!(
        run.state.resources[&addr("t_sub.a")].dependencies,
        vec![addr("t_net.main")]
    );
    // Imported once; the block stays harmless.
    assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
}

#[tokio::test]
async fn an_import_is_recorded_before_it_is_updated_or_replaced() {
    for (cidr, action, reason) in [
        ("10.9.0.0/16", Action::Update, None),
        (
            "10.8.0.0/16",
            Action::Replace,
            Some("cidr forces replacement"),
        ),
    ] {
        let mut run = Run::new();
        run.provider.set(
            "t_net",
            "net-existing",
            serde_json::json!({"cidr": "10.9.0.0/16", "tags": {"Name": "old"}}),
        );
        let mut cfg = config(vec![net("main", cidr, &[("Name", "new")])]);
        cfg.imports = vec![import("t_net.main", "net-existing")];
        let p = run.plan(&cfg, PlanMode::Normal).await;
        check_actions(&p, &[("t_net.main", action)]);
        let c = p.change(&addr("t_net.main")).expect("import");
        assert_eq!(c.import_id.as_deref(), Some("net-existing"));
        assert_eq!(c.reason.as_deref(), reason);
        let report = run.apply_plan(&p, &cfg, 10).await;
        assert!(report.succeeded(), "{report:?}");
        // The first write records the import as it was found, before any operation.
        let first = run.first_write.clone().expect("a write");
        let found = &first.resources[&addr("t_net.main")];
        assert_eq!(found.id, "net-existing");
        assert_eq!(
            found.inputs.as_map().expect("map")["tags"],
            Value::from_json(serde_json::json!({"Name": "old"}))
        );
        let now = &run.state.resources[&addr("t_net.main")];
        match action {
            Action::Update => {
                assert_eq!(operations(&run), vec!["update t_net.main"]);
                assert_eq!(now.id, "net-existing");
            }
            _ => {
                assert_eq!(
                    operations(&run),
                    vec!["delete t_net.main", "create t_net.main"]
                );
                assert_ne!(now.id, "net-existing");
                assert!(run.provider.get("t_net", "net-existing").is_none());
            }
        }
        assert!(run.plan(&cfg, PlanMode::Normal).await.is_empty());
    }
}

#[tokio::test]
async fn imports_that_cannot_be_made_are_refused_with_a_reason() {
    let run = Run::new();
    run.provider.set(
        "t_sub",
        "sub-existing",
        serde_json::json!({"net_id": "n", "cidr": "10.9.1.0/24"}),
    );
    let both = || {
        config(vec![
            net("main", "10.9.0.0/16", &[]),
            sub("a", "main", "10.9.1.0/24"),
        ])
    };
    let cases: Vec<(Vec<Import>, &str)> = vec![
        (
            vec![import("t_net.main", "net-nope")],
            "t_net.main: no t_net with import id net-nope exists (the import id of t_net is the network's id)",
        ),
        (
            vec![import("t_sub.a", "sub-existing")],
            "t_sub.a: t_sub cannot be imported",
        ),
        (
            vec![import("t_net.other", "net-1")],
            "[[import]] to t_net.other: the resource is not in the configuration; declare it first",
        ),
    ];
    for (imports, want) in cases {
        let cfg = Config { imports, ..both() };
        let err = run
            .try_plan(&cfg, PlanMode::Normal)
            .await
            .expect_err("refused");
        assert!(err.contains(want), "{err}");
    }
    // Planned without reading AWS, an import cannot be planned.
    let cfg = Config {
        imports: vec![import("t_net.main", "net-1")],
        ..both()
    };
    let err = plan(
        &cfg,
        &State::default(),
        &BTreeMap::new(),
        &catalog(),
        PlanMode::Normal,
    )
    .expect_err("not read");
    assert!(err.to_string().contains("plan with refresh"), "{err}");
}
