//! Engine tests over the in-memory provider: planning, ordering, failure and state recording.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_engine::memory::MemoryProvider;
use cairn_engine::{
    apply, plan, recover, refresh, Action, ApplyOptions, ApplyReport, Changed, Event, Outcome,
    Plan, PlanMode, Provider, Resolution, State, Step,
};
use cairn_model::{
    Address, Catalog, Config, Expr, Lifecycle, Part, PathSeg, Reference, ResourceConfig,
    ResourceSchema, SchemaMeta, Value,
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
        SchemaMeta::default(),
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
    }
}

fn config(resources: Vec<ResourceConfig>) -> Config {
    Config {
        resources,
        outputs: BTreeMap::new(),
    }
}

struct Run {
    provider: Arc<MemoryProvider>,
    state: State,
    writes: usize,
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
            events: Vec::new(),
        }
    }

    async fn plan(&self, config: &Config, mode: PlanMode) -> Plan {
        let refreshed = refresh(&*self.provider, &self.state)
            .await
            .expect("refresh");
        plan(config, &self.state, &refreshed, &catalog(), mode).expect("plan")
    }

    async fn apply_plan(&mut self, p: &Plan, config: &Config, parallelism: usize) -> ApplyReport {
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let mut writes = 0;
        let provider: Arc<dyn Provider> = self.provider.clone();
        // Every write says truly which resources changed since the previous one.
        let mut previous: Option<State> = None;
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
                previous = Some(s.clone());
                Ok(())
            },
            Arc::new(move |e| sink.lock().expect("events").push(e)),
        )
        .await
        .expect("apply");
        self.writes = writes;
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
    assert!(matches!(outcome("t_net.bad"), Outcome::Failed(ref e) if e.contains("injected")));
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
