//! The commands: each loads what it needs, calls the engine, and renders the result.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context};
use cairn_engine::{
    apply, plan_scoped, refresh, refresh_imports, ApplyOptions, Changed, Graph,
    Outcome as StepOutcome, Plan, PlanMode, Provider, Refreshed, Scope, State,
};
use cairn_model::Value;
use cairn_stacks::Stack;
use cairn_state::{Backend, StateFile};

use crate::planfile::PlanFile;
use crate::render::human::HumanRenderer;
use crate::render::{json, progress, recovery};
use crate::secrets::Secrets;
use crate::style::{self, Painter};
use crate::workspace::{self, Failure, Outcome};
use crate::{statefile, Exit, Format, PlanArgs, VarArgs};

fn human(plan: &Plan, catalog: &cairn_model::Catalog) -> String {
    HumanRenderer {
        catalog,
        paint: Painter {
            enabled: style::stdout_color(),
        },
    }
    .plan(plan)
}

pub fn validate(dir: &Path, vars: &VarArgs) -> Outcome {
    let stack = workspace::load_stack(dir, vars)?;
    Graph::new(&stack.config)
        .order()
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "The stack `{}` is valid: {} resources, {} outputs.",
        stack.name,
        stack.config.resources.len(),
        stack.config.outputs.len()
    );
    Ok(Exit::Ok)
}

/// Reads every resource in `state` from AWS; every failure listed.
async fn refresh_all(provider: &dyn Provider, state: &State) -> Result<Refreshed, Failure> {
    refresh(provider, state).await.map_err(|errors| {
        workspace::provider_failure(
            "refresh failed",
            errors.iter().map(|e| (e.to_string(), Some(&e.error))),
        )
    })
}

/// How long after an interrupted create started cairn waits before concluding from a
/// lookup that it made nothing: its last request may still be carried out meanwhile.
const RECOVERY_SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// Resolves the operations an earlier run left unfinished (creates found and adopted, or
/// proven absent; see `cairn_engine::recover`) and says what it did, on stdout for the
/// human format and on stderr otherwise. Returns the state to go on with and whether it
/// differs from the recorded one.
async fn resolve_journal(
    stack: &Stack,
    state: State,
    provider: &dyn Provider,
    to_stdout: bool,
) -> Result<(State, bool), Failure> {
    if state.pending.is_empty() {
        return Ok((state, false));
    }
    let (state, recovered) =
        cairn_engine::recover(provider, &state, Some(&stack.name), RECOVERY_SETTLE)
            .await
            .map_err(|e| {
                workspace::provider_failure("recovery failed", [(e.to_string(), Some(&e.error))])
            })?;
    if to_stdout {
        let paint = Painter {
            enabled: style::stdout_color(),
        };
        print!("{}", recovery::human(&recovered, paint));
    } else {
        let paint = Painter {
            enabled: style::stderr_color(),
        };
        eprint!("{}", recovery::human(&recovered, paint));
    }
    Ok((state, true))
}

/// Refreshes and compares what exists with what was last applied.
async fn refresh_and_detect(
    stack: &Stack,
    state: &State,
    provider: &dyn Provider,
    secrets: &Secrets,
) -> Result<(Refreshed, Vec<cairn_engine::Drift>), Failure> {
    let refreshed = refresh_all(provider, state).await?;
    let found = cairn_engine::detect_drift(
        &stack.config,
        state,
        &refreshed,
        provider.catalog(),
        &|v: &Value| secrets.digest(v),
    )
    .map_err(|e| anyhow!("{e}"))?;
    Ok((refreshed, found))
}

/// Refreshes (unless told not to), reads what `[[import]]` blocks bring in, and plans.
/// The result's `Refreshed` holds the imported resources too, under their addresses.
async fn make_plan(
    stack: &Stack,
    state: &State,
    provider: &dyn Provider,
    refresh_first: bool,
    (mode, scope): (PlanMode, &Scope),
    secrets: &Secrets,
) -> Result<(Plan, Refreshed), Failure> {
    let mut refreshed = if refresh_first {
        refresh_all(provider, state).await?
    } else {
        Refreshed::new()
    };
    if refresh_first && mode == PlanMode::Normal && !stack.config.imports.is_empty() {
        let imported = refresh_imports(provider, &stack.config, state)
            .await
            .map_err(|errors| {
                workspace::provider_failure(
                    "[[import]] failed",
                    errors.iter().map(|e| {
                        let cause = match e {
                            cairn_engine::ImportError::Read { error, .. } => Some(error),
                            _ => None,
                        };
                        (e.to_string(), cause)
                    }),
                )
            })?;
        refreshed.extend(imported);
    }
    let p = plan_scoped(
        &stack.config,
        state,
        &refreshed,
        provider.catalog(),
        mode,
        &|v: &Value| secrets.digest(v),
        scope,
    )
    .map_err(|e| anyhow!("{e}"))?;
    Ok((p, refreshed))
}

pub async fn plan_cmd(
    dir: &Path,
    args: &PlanArgs,
    format: Format,
    detailed: bool,
    out: Option<&Path>,
) -> Outcome {
    let mut stack = workspace::load_stack(dir, &args.vars)?;
    let backend = workspace::backend(dir, Some(&stack)).await?;
    let secrets = workspace::secrets(&backend).await?;
    let (file, state) = workspace::read_state(&backend).await?;
    let provider = workspace::provider(&stack).await?;
    let data = workspace::read_data(&mut stack, &*provider).await?;
    // `--refresh=false` reads nothing from AWS: unfinished operations are then shown as
    // warnings, and resolved by the next run that refreshes (every apply does).
    let (state, _) = if args.refresh {
        resolve_journal(&stack, state, &*provider, format == Format::Human).await?
    } else {
        (state, false)
    };
    let (mut p, _) = make_plan(
        &stack,
        &state,
        &*provider,
        args.refresh,
        (PlanMode::Normal, &args.scope()),
        &secrets,
    )
    .await?;
    p.data = data.fed(&p);
    let plan_json = json::plan(&p, &stack.name);
    match format {
        Format::Human => print!("{}", human(&p, provider.catalog())),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan_json).map_err(anyhow::Error::from)?
        ),
        Format::Markdown => print!(
            "{}",
            crate::render::markdown::plan(
                &p,
                &stack.name,
                provider.catalog(),
                crate::render::markdown::COMMENT_LIMIT
            )
        ),
    }
    if let Some(out) = out {
        PlanFile::new(
            &stack,
            &secrets,
            &file.lineage,
            file.serial,
            false,
            args.refresh,
            plan_json,
        )
        .write(out)?;
        if format == Format::Human {
            println!(
                "\nSaved the plan to {}. Apply exactly this plan with: cairn apply {}",
                out.display(),
                out.display()
            );
        }
    }
    Ok(if detailed && !p.is_empty() {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

/// Asks on the terminal; `Ok(false)` when the answer is not "yes".
fn confirm(question: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(anyhow!(
            "no terminal to ask for confirmation: pass --auto-approve, or apply a plan saved with `cairn plan --out FILE`"
        )
        .into());
    }
    print!("{question}\n  Only 'yes' will be accepted: ");
    std::io::stdout().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("cannot read the answer")?;
    Ok(answer.trim() == "yes")
}

/// Runs a plan and records state after every operation; prints progress and a summary.
/// Where state goes: the backend, and the key that redacts sensitive values on the way.
pub(crate) struct Store<'a> {
    backend: &'a Backend,
    secrets: &'a Secrets,
    /// Converts only what changed since the last save.
    recorder: statefile::Recorder,
}

impl<'a> Store<'a> {
    pub(crate) fn new(backend: &'a Backend, secrets: &'a Secrets) -> Self {
        Store {
            backend,
            secrets,
            recorder: statefile::Recorder::default(),
        }
    }

    /// Records `state` (sensitive values as digests) as the next version of `file`.
    pub(crate) async fn save(
        &mut self,
        file: &mut StateFile,
        state: &State,
        catalog: &cairn_model::Catalog,
        config: &cairn_model::Config,
    ) -> Result<(), cairn_state::StateError> {
        self.save_changes(file, state, Changed::Anything, catalog, config)
            .await
    }

    /// [`Store::save`] when only `changed` changed since `file` was last saved.
    async fn save_changes(
        &mut self,
        file: &mut StateFile,
        state: &State,
        changed: Changed<'_>,
        catalog: &cairn_model::Catalog,
        config: &cairn_model::Config,
    ) -> Result<(), cairn_state::StateError> {
        let secrets = self.secrets;
        let redaction = statefile::Redaction {
            inputs: &|address, inputs| secrets.redact_inputs(address, inputs, catalog, config),
            output: &|value| secrets.digest(value),
        };
        self.recorder.update(file, state, changed, &redaction);
        let changed: Option<std::collections::BTreeSet<String>> = match changed {
            Changed::Anything => None,
            Changed::Resources(touched) => Some(touched.iter().map(|a| a.to_string()).collect()),
        };
        self.backend.write_changed(file, changed.as_ref()).await
    }
}

/// What a command that may change state works with: the stack's state backend, locked for
/// the whole command, its digest key, the recorded state with the journal of an earlier run
/// resolved (and that resolution recorded), and the provider.
pub(crate) struct Session {
    pub(crate) backend: Backend,
    pub(crate) secrets: Secrets,
    pub(crate) file: StateFile,
    pub(crate) state: State,
    pub(crate) provider: Arc<crate::router::Providers>,
    /// Held until the command ends.
    pub(crate) lock: cairn_state::BackendLock,
}

impl Session {
    /// Locks the state for `operation` and reads it; `check` sees it as recorded (a saved
    /// plan is verified against that) before the journal is resolved.
    pub(crate) async fn open(
        dir: &Path,
        stack: &Stack,
        operation: &str,
        check: impl FnOnce(&StateFile, &Secrets) -> Result<(), Failure>,
    ) -> Result<Session, Failure> {
        let backend = workspace::backend(dir, Some(stack)).await?;
        let secrets = workspace::secrets(&backend).await?;
        let lock = backend.lock(operation).await?;
        let (mut file, state) = workspace::read_state(&backend).await?;
        check(&file, &secrets)?;
        let provider = workspace::provider(stack).await?;
        let (state, resolved) = resolve_journal(stack, state, &*provider, true).await?;
        if resolved {
            Store::new(&backend, &secrets)
                .save(&mut file, &state, provider.catalog(), &stack.config)
                .await?;
        }
        Ok(Session {
            backend,
            secrets,
            file,
            state,
            provider,
            lock,
        })
    }
}

async fn execute(
    stack: &Stack,
    mut store: Store<'_>,
    mut file: StateFile,
    state: State,
    p: &Plan,
    provider: Arc<dyn Provider>,
    parallelism: usize,
) -> Outcome {
    let paint = Painter {
        enabled: style::stdout_color(),
    };
    // A live view on a terminal; timestamped lines for logs.
    let sink: cairn_engine::EventSink = if std::io::stdout().is_terminal() {
        let view = progress::LiveView::new(paint);
        Arc::new(move |event| view.event(&event))
    } else {
        Arc::new(move |event| println!("{}", progress::line(&event, paint, true)))
    };
    // The first Ctrl-C stops new operations and lets those in flight finish and be recorded;
    // the second exits at once (the journal of pending operations stays consistent).
    let interrupt = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let interrupt = interrupt.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupt.store(true, std::sync::atomic::Ordering::SeqCst);
                eprintln!("\nInterrupted: no new operations start; waiting for those in flight. Press Ctrl-C again to stop at once.");
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("Stopped. Operations in flight are recorded as pending; the next run resolves them.");
                    std::process::exit(Exit::Interrupted as i32);
                }
            }
        })
    };
    let catalog = provider.catalog().clone();
    // The executor records synchronously after every operation; the backend's write is
    // async (S3), so it runs to completion here, on this worker thread.
    let mut record = |s: &State, changed: Changed<'_>| -> Result<(), String> {
        let save = store.save_changes(&mut file, s, changed, &catalog, &stack.config);
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(save))
            .map_err(|e| e.to_string())
    };
    let report = apply(
        p,
        &stack.config,
        state,
        provider,
        &ApplyOptions {
            parallelism,
            owner: Some(stack.name.clone()),
            interrupt: Some(interrupt.clone()),
        },
        &mut record,
        sink,
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    watcher.abort();
    let count = |step: cairn_engine::Step| {
        report
            .steps
            .iter()
            .filter(|(_, s, o)| *s == step && *o == StepOutcome::Done)
            .count()
    };
    println!();
    if report.interrupted {
        let not_started = report.count(|o| *o == StepOutcome::Interrupted);
        println!(
            "{}",
            paint.yellow(&paint.bold(&format!(
                "Apply interrupted: {} done, {not_started} not started. State records every finished operation; apply again to continue.",
                report.count(|o| *o == StepOutcome::Done)
            )))
        );
        return Ok(Exit::Interrupted);
    }
    if report.succeeded() {
        let mut done = format!(
            "Apply complete: {} created, {} updated, {} deleted",
            count(cairn_engine::Step::Create),
            count(cairn_engine::Step::Update),
            count(cairn_engine::Step::Delete)
        );
        for (n, what) in [
            (report.imported.len(), "imported"),
            (report.moved.len(), "moved"),
        ] {
            if n > 0 {
                done.push_str(&format!(", {n} {what}"));
            }
        }
        println!("{}", paint.green(&paint.bold(&format!("{done}."))));
        print_outputs(&report.state, paint);
        Ok(Exit::Ok)
    } else {
        let failed = report.count(|o| matches!(o, StepOutcome::Failed(_)));
        let skipped = report.count(|o| matches!(o, StepOutcome::Skipped { .. }));
        let not_started = match report.count(|o| *o == StepOutcome::NotRun) {
            0 => String::new(),
            n => format!(" {n} not started,"),
        };
        eprintln!(
            "{}",
            paint.red(&format!(
                "Apply failed: {failed} operation(s) failed,{not_started} {skipped} skipped because of them, {} done. State records every finished operation.",
                report.count(|o| *o == StepOutcome::Done)
            ))
        );
        // Credentials or network: the same for every operation, said once (the executor
        // started nothing after it).
        let environment = report.steps.iter().find_map(|(_, _, o)| match o {
            StepOutcome::Failed(e) if e.is_environment() => e.cause.as_ref()?.api(),
            _ => None,
        });
        if let Some(api) = environment {
            eprintln!(
                "error: {}",
                workspace::environment(api, "no further operation was started")
            );
            return Ok(Exit::Error);
        }
        for (address, step, outcome) in &report.steps {
            match outcome {
                StepOutcome::Failed(e) => eprintln!("  {address} ({}): {e}", step.as_str()),
                StepOutcome::NotRun => eprintln!("  {address} ({}): not started", step.as_str()),
                _ => {}
            }
        }
        Ok(Exit::Error)
    }
}

fn print_outputs(state: &State, paint: Painter) {
    if state.outputs.is_empty() {
        return;
    }
    println!("\n{}", paint.bold("Outputs:"));
    for (name, o) in &state.outputs {
        let shown = if o.sensitive {
            "(sensitive)".to_string()
        } else {
            o.value.to_string()
        };
        println!("  {name} = {shown}");
    }
}

pub async fn apply_cmd(
    dir: &Path,
    args: &PlanArgs,
    plan_file: Option<&Path>,
    auto_approve: bool,
) -> Outcome {
    let saved = plan_file.map(PlanFile::read).transpose()?;
    let mut vars = args.vars.clone();
    if let Some(saved) = &saved {
        // Variables saved with the plan come first; --var may add the sensitive ones.
        let mut assignments: Vec<String> = saved
            .variables
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assignments.append(&mut vars.vars);
        vars.vars = assignments;
    }
    let mut stack = workspace::load_stack(dir, &vars)?;
    let Session {
        backend,
        secrets,
        file,
        state,
        provider,
        lock: _lock,
    } = Session::open(dir, &stack, "apply", |file, secrets| {
        if let Some(s) = &saved {
            // Against the state the plan was made from, before this run records anything.
            s.verify(&stack, secrets, &file.lineage, file.serial)?;
        }
        Ok(())
    })
    .await?;
    let catalog = provider.catalog().clone();
    let store = Store::new(&backend, &secrets);
    let (mode, refresh_first, scope) = match &saved {
        Some(s) => (
            if s.destroy {
                PlanMode::Destroy
            } else {
                PlanMode::Normal
            },
            s.refresh,
            json::scope(&s.plan)?,
        ),
        None => (PlanMode::Normal, args.refresh, args.scope()),
    };
    let data = match mode {
        PlanMode::Normal => Some(workspace::read_data(&mut stack, &*provider).await?),
        PlanMode::Destroy => None,
    };
    let (mut p, refreshed) = make_plan(
        &stack,
        &state,
        &*provider,
        refresh_first,
        (mode, &scope),
        &secrets,
    )
    .await?;
    if let Some(data) = &data {
        p.data = data.fed(&p);
    }
    if let Some(s) = &saved {
        let now = json::plan(&p, &stack.name);
        if let Some(reason) = differs(&s.plan, &now) {
            return Err(anyhow!(
                "the saved plan no longer matches what apply would do: {reason}. Nothing was changed; make a new plan"
            )
            .into());
        }
    }
    print!("{}", human(&p, &catalog));
    if p.is_empty() {
        return Ok(Exit::Ok);
    }
    if saved.is_none() && !auto_approve && !confirm("\nDo you want to perform these actions?")? {
        println!("Apply cancelled.");
        return Ok(Exit::Error);
    }
    println!();
    let state = state.with_refreshed(&refreshed);
    execute(
        &stack,
        store,
        file,
        state,
        &p,
        provider,
        args.parallelism as usize,
    )
    .await
}

/// The first difference between a saved JSON plan and the plan of now, in words.
fn differs(saved: &serde_json::Value, now: &serde_json::Value) -> Option<String> {
    let changes = |v: &serde_json::Value| {
        v.get("changes")
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default()
    };
    let (a, b) = (changes(saved), changes(now));
    let key = |c: &serde_json::Value| {
        c.get("address")
            .and_then(|a| a.as_str())
            .unwrap_or("")
            .to_string()
    };
    for c in &a {
        match b.iter().find(|d| key(d) == key(c)) {
            None => return Some(format!("{} is no longer planned to change", key(c))),
            Some(d) if d != c => {
                let action = |v: &serde_json::Value| v.get("action").cloned().unwrap_or_default();
                let field = |v: &serde_json::Value, name: &str| {
                    v.get(name)
                        .and_then(|f| f.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| "nothing".into())
                };
                for (name, what) in [("moved_from", "moved from"), ("import_id", "imported from")] {
                    if c.get(name) != d.get(name) {
                        return Some(format!(
                            "{} would now be {what} {} instead of {}",
                            key(c),
                            field(d, name),
                            field(c, name)
                        ));
                    }
                }
                if action(c) != action(d) {
                    return Some(format!(
                        "{} would now {} instead of {}",
                        key(c),
                        action(d),
                        action(c)
                    ));
                }
                return Some(format!(
                    "the changes to {} differ from the reviewed ones",
                    key(c)
                ));
            }
            Some(_) => {}
        }
    }
    b.iter()
        .find(|d| !a.iter().any(|c| key(c) == key(d)))
        .map(|d| format!("{} would now also change", key(d)))
}

pub async fn destroy_cmd(dir: &Path, args: &PlanArgs, auto_approve: bool) -> Outcome {
    if !args.target.is_empty() || !args.replace.is_empty() {
        return Err(anyhow!(
            "destroy deletes everything the stack manages: --target and --replace do not apply; to delete one resource, remove it from the stack and apply"
        )
        .into());
    }
    let stack = workspace::load_stack(dir, &args.vars)?;
    let Session {
        backend,
        secrets,
        mut file,
        state,
        provider,
        lock: _lock,
    } = Session::open(dir, &stack, "destroy", |_, _| Ok(())).await?;
    let catalog = provider.catalog().clone();
    let mut store = Store::new(&backend, &secrets);
    let (p, refreshed) = make_plan(
        &stack,
        &state,
        &*provider,
        args.refresh,
        (PlanMode::Destroy, &Scope::default()),
        &secrets,
    )
    .await?;
    print!("{}", human(&p, &catalog));
    let state = state.with_refreshed(&refreshed);
    if p.changes.is_empty() {
        // Nothing left to delete; still record what refresh found gone.
        let state = State {
            outputs: Default::default(),
            ..state
        };
        store
            .save(&mut file, &state, &catalog, &stack.config)
            .await?;
        return Ok(Exit::Ok);
    }
    if !auto_approve && !confirm("\nDo you really want to destroy everything this stack manages?")?
    {
        println!("Destroy cancelled.");
        return Ok(Exit::Error);
    }
    println!();
    let mut config = stack.config.clone();
    config.outputs.clear();
    let stack = Stack { config, ..stack };
    execute(
        &stack,
        store,
        file,
        state,
        &p,
        provider,
        args.parallelism as usize,
    )
    .await
}

/// The recorded state of the stack in `dir`, wherever its backend keeps it.
async fn stored_state(dir: &Path) -> Result<State, Failure> {
    let backend = workspace::backend_of(dir).await?;
    Ok(workspace::read_state(&backend).await?.1)
}

pub async fn output_cmd(dir: &Path, name: Option<&str>, as_json: bool) -> Outcome {
    let state = stored_state(dir).await?;
    let shown = |v: &Value, sensitive: bool| -> serde_json::Value {
        if sensitive {
            serde_json::Value::String("(sensitive)".into())
        } else {
            v.to_json_lossy()
        }
    };
    match name {
        Some(name) => {
            let o = state.outputs.get(name).ok_or_else(|| {
                let known: Vec<&String> = state.outputs.keys().collect();
                anyhow!("no output `{name}` in state (outputs: {known:?})")
            })?;
            let v = shown(&o.value, o.sensitive);
            match (&v, as_json) {
                (serde_json::Value::String(s), false) => println!("{s}"),
                _ => println!(
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(anyhow::Error::from)?
                ),
            }
        }
        None if as_json => {
            let all: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(k, o)| (k.clone(), serde_json::json!({"value": shown(&o.value, o.sensitive), "sensitive": o.sensitive})))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&all).map_err(anyhow::Error::from)?
            );
        }
        None => {
            for (k, o) in &state.outputs {
                println!("{k} = {}", shown(&o.value, o.sensitive));
            }
        }
    }
    Ok(Exit::Ok)
}

/// `cairn eval EXPR`: an expression resolved in the stack, its references to resources
/// taken from recorded state (unknown when a resource is not recorded yet).
pub async fn eval_cmd(dir: &Path, expression: &str, vars: &VarArgs, as_json: bool) -> Outcome {
    let (mut stack, mut probe) = workspace::evaluate(dir, vars, expression)?;
    if probe
        .value
        .references()
        .iter()
        .any(|r| r.address.data_type().is_some())
    {
        let provider = workspace::provider(&stack).await?;
        let read = workspace::read_data(&mut stack, &*provider).await?;
        probe.value = cairn_engine::data::substitute_expr(&probe.value, &read.values);
    }
    let state = if probe.value.references().is_empty() {
        State::default()
    } else {
        let backend = workspace::backend(dir, Some(&stack)).await?;
        workspace::read_state(&backend).await?.1
    };
    let value = probe
        .value
        .eval(&|r| {
            Ok(match state.resources.get(&r.address) {
                Some(recorded) => recorded
                    .attributes()
                    .get_path(&r.path)
                    .unwrap_or(Value::Null),
                None => Value::Unknown,
            })
        })
        .map_err(|e| anyhow!("{expression}: {e}"))?;
    let shown = if probe.sensitive {
        serde_json::Value::String("(sensitive value)".into())
    } else if !value.is_known() && !as_json {
        serde_json::Value::String(match value {
            Value::Unknown => "(known after apply)".into(),
            partly => format!("{} (parts known after apply)", partly.to_json_lossy()),
        })
    } else {
        value.to_json_lossy()
    };
    match (&shown, as_json) {
        (serde_json::Value::String(s), false) => println!("{s}"),
        _ => println!(
            "{}",
            serde_json::to_string_pretty(&shown).map_err(anyhow::Error::from)?
        ),
    }
    Ok(Exit::Ok)
}

pub async fn state_list(dir: &Path) -> Outcome {
    for address in stored_state(dir).await?.resources.keys() {
        println!("{address}");
    }
    Ok(Exit::Ok)
}

pub async fn state_show(dir: &Path, address: &str) -> Outcome {
    let addr: cairn_model::Address = address.parse().map_err(|e| anyhow!("{e}"))?;
    let state = stored_state(dir).await?;
    let r = state
        .resources
        .get(&addr)
        .ok_or_else(|| anyhow!("{address} is not in state (see `cairn state list`)"))?;
    println!("# {address}");
    println!("id = {:?}", r.id);
    let section = |title: &str, v: &Value| {
        println!("\n[{title}]");
        if let Some(m) = v.as_map() {
            for (k, v) in m {
                println!("{k} = {}", v.canonical_json().replace('\n', "\n  "));
            }
        }
    };
    section("inputs", &r.inputs);
    section("outputs", &r.outputs);
    if !r.dependencies.is_empty() {
        let deps: Vec<String> = r.dependencies.iter().map(|d| d.to_string()).collect();
        println!("\ndepends_on = {deps:?}");
    }
    Ok(Exit::Ok)
}

pub fn graph_cmd(dir: &Path, vars: &VarArgs) -> Outcome {
    let stack = workspace::load_stack(dir, vars)?;
    let graph = Graph::new(&stack.config);
    println!("digraph \"{}\" {{", stack.name);
    println!("  rankdir = \"RL\";");
    println!("  node [shape = box];");
    for n in graph.nodes() {
        println!("  \"{n}\";");
    }
    for (from, to) in graph.edges() {
        println!("  \"{from}\" -> \"{to}\";");
    }
    println!("}}");
    Ok(Exit::Ok)
}

pub async fn force_unlock(dir: &Path, id: &str) -> Outcome {
    let backend = workspace::backend_of(dir).await?;
    backend.force_unlock(id).await?;
    println!("Cleared the state lock {id}.");
    Ok(Exit::Ok)
}

/// `cairn schema [TYPE]`.
pub fn schema_cmd(rtype: Option<&str>, format: crate::SchemaFormat) -> Outcome {
    use crate::render::schema;
    let catalog = workspace::catalog();
    match (rtype, format) {
        (Some("functions"), crate::SchemaFormat::Markdown) => {
            print!("{}", schema::functions_markdown())
        }
        (Some("functions"), crate::SchemaFormat::Json) => {
            let all: serde_json::Map<String, serde_json::Value> = cairn_model::functions::names()
                .into_iter()
                .map(|n| {
                    let signature = cairn_model::functions::signature(n).unwrap_or(n);
                    (
                        n.to_string(),
                        serde_json::Value::String(signature.to_string()),
                    )
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&all).map_err(anyhow::Error::from)?
            );
        }
        (Some("functions"), crate::SchemaFormat::Text) => {
            for n in cairn_model::functions::names() {
                println!("{}", cairn_model::functions::signature(n).unwrap_or(n));
            }
        }
        (Some("data"), _) => {
            for (name, s) in &catalog.data {
                let first = s.description.lines().next().unwrap_or_default();
                println!("data.{name:27} {first}");
            }
        }
        (None, crate::SchemaFormat::Markdown) => print!("{}", schema::markdown(catalog)),
        (None, crate::SchemaFormat::Json) => {
            let schema = schema::json_schema(catalog);
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).map_err(anyhow::Error::from)?
            );
        }
        (None, crate::SchemaFormat::Text) => {
            for (name, s) in &catalog.types {
                let first = s.description.lines().next().unwrap_or_default();
                println!("{name:32} {first}");
            }
        }
        (Some(t), format) => {
            let Some(s) = catalog.get(t) else {
                let names: Vec<&str> = catalog.types.keys().map(String::as_str).collect();
                let hint = cairn_stacks::closest(t, names.iter().copied())
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return Err(anyhow::anyhow!(
                    "unknown resource type `{t}`{hint}; `cairn schema` lists them, `cairn schema data` the data sources"
                )
                .into());
            };
            match format {
                crate::SchemaFormat::Text if t.starts_with(cairn_model::DATA_PREFIX) => {
                    print!("{}", schema::data_text(s))
                }
                crate::SchemaFormat::Text => print!("{}", schema::text(s)),
                crate::SchemaFormat::Markdown => {
                    let mut one = cairn_model::Catalog::default();
                    one.insert(s.clone());
                    print!("{}", schema::markdown(&one));
                }
                crate::SchemaFormat::Json => {
                    let schema = schema::resource_json_schema(s);
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&schema).map_err(anyhow::Error::from)?
                    );
                }
            }
        }
    }
    Ok(Exit::Ok)
}

/// `cairn drift`: read-only, takes no lock (a concurrent writer is not blocked).
pub async fn drift_cmd(dir: &Path, vars: &VarArgs, format: Format) -> Outcome {
    use crate::render::drift;
    let stack = workspace::load_stack(dir, vars)?;
    let backend = workspace::backend(dir, Some(&stack)).await?;
    let (_, state) = workspace::read_state(&backend).await?;
    let secrets = workspace::secrets(&backend).await?;
    let provider = workspace::provider(&stack).await?;
    // In memory only: drift writes nothing.
    let (state, _) = resolve_journal(&stack, state, &*provider, format == Format::Human).await?;
    let (_, found) = refresh_and_detect(&stack, &state, &*provider, &secrets).await?;
    // Copies made by hand and leftovers of interrupted runs: tagged for this stack, unknown
    // to its state.
    let owned = provider
        .owned(&stack.name)
        .await
        .map_err(|e| anyhow!("listing resources tagged for this stack: {e}"))?;
    let unmanaged: Vec<cairn_engine::OwnedResource> = owned
        .into_iter()
        .filter(|o| !state.resources.values().any(|r| is_same(o, r)))
        .collect();
    let checked = state.resources.len();
    match format {
        Format::Human => {
            let paint = Painter {
                enabled: style::stdout_color(),
            };
            print!("{}", drift::human(&found, &unmanaged, checked, paint));
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&drift::json(&found, &unmanaged, checked, &stack.name))
                .map_err(anyhow::Error::from)?
        ),
        Format::Markdown => print!(
            "{}",
            drift::markdown(&found, &unmanaged, checked, &stack.name)
        ),
    }
    Ok(if found.is_empty() && unmanaged.is_empty() {
        Exit::Ok
    } else {
        Exit::Changes
    })
}

/// Whether a tagged resource the cloud listed is the recorded one (by ARN, or by id at the
/// end of the ARN for types whose outputs have no ARN).
fn is_same(owned: &cairn_engine::OwnedResource, r: &cairn_engine::ResourceState) -> bool {
    let arn = r
        .outputs
        .get_path(&[cairn_model::PathSeg::Key("arn".into())]);
    arn.as_ref().and_then(Value::as_str) == Some(owned.arn.as_str())
        || owned.arn == r.id
        || owned.arn.ends_with(&format!("/{}", r.id))
        || owned.arn.ends_with(&format!(":{}", r.id))
}

/// `cairn apply --refresh-only`: records what exists into state, changing nothing in AWS.
pub async fn refresh_only_cmd(dir: &Path, args: &PlanArgs, auto_approve: bool) -> Outcome {
    let stack = workspace::load_stack(dir, &args.vars)?;
    let Session {
        backend,
        secrets,
        mut file,
        state,
        provider,
        lock: _lock,
    } = Session::open(dir, &stack, "apply --refresh-only", |_, _| Ok(())).await?;
    let catalog = provider.catalog().clone();
    let mut store = Store::new(&backend, &secrets);
    let (refreshed, found) = refresh_and_detect(&stack, &state, &*provider, &secrets).await?;
    if found.is_empty() {
        println!("Nothing to record: state matches what exists.");
        return Ok(Exit::Ok);
    }
    let paint = Painter {
        enabled: style::stdout_color(),
    };
    println!("cairn will record what exists now into state (AWS is not changed):\n");
    print!(
        "{}",
        crate::render::drift::human(&found, &[], state.resources.len(), paint)
    );
    if !auto_approve && !confirm("\nRecord these values into state?")? {
        println!("Nothing recorded.");
        return Ok(Exit::Error);
    }
    let state = state.with_refreshed(&refreshed);
    store
        .save(&mut file, &state, &catalog, &stack.config)
        .await?;
    println!(
        "\nRecorded: {} resource(s) updated in state, nothing changed in AWS.",
        found.len()
    );
    Ok(Exit::Ok)
}

/// `cairn state pull [FILE]`: the stored state as JSON, on stdout or into FILE (mode 0600);
/// into a file, the stack's digest key goes beside it (`secret.key`) unless one is there,
/// so that a copy made to move the state back to a local file keeps its digests valid.
pub async fn state_pull(dir: &Path, out: Option<&Path>) -> Outcome {
    let backend = workspace::backend_of(dir).await?;
    let file = backend
        .read()
        .await?
        .ok_or_else(|| anyhow!("{} holds no state yet", backend.describe()))?;
    let text = cairn_state::render(Path::new(&backend.describe()), &file)?;
    let Some(out) = out else {
        print!("{text}");
        return Ok(Exit::Ok);
    };
    write_private(out, text.as_bytes())?;
    if let Some(key) = backend.read_secret_key().await? {
        let beside = out.with_file_name("secret.key");
        if !beside.exists() {
            write_private(&beside, &key)?;
        }
    }
    println!(
        "Wrote the state of {} (serial {}) to {}.",
        backend.describe(),
        file.serial,
        out.display()
    );
    Ok(Exit::Ok)
}

/// Writes `bytes` to `path` readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    crate::private::write_file(path, bytes)?;
    Ok(())
}

/// `cairn state push FILE [--force]`: makes the state in FILE the stored state of the
/// stack's backend (to move a local state to S3, or restore a backup), under the lock, as
/// the next version of what is stored. Another lineage or an older serial is refused unless
/// forced. The digest key beside FILE (`secret.key`) goes along when the backend has none.
pub async fn state_push(dir: &Path, path: &Path, force: bool) -> Outcome {
    let backend = workspace::backend_of(dir).await?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut pushed = cairn_state::parse(path, &text)?;
    statefile::to_engine(&pushed).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let _lock = backend.lock("state push").await?;
    if let Some(current) = backend.read().await? {
        if current.lineage != pushed.lineage && !force {
            return Err(anyhow!(
                "{} holds another state (lineage {}) than {} (lineage {}); nothing was changed. --force replaces it",
                backend.describe(),
                current.lineage,
                path.display(),
                pushed.lineage
            )
            .into());
        }
        if pushed.serial < current.serial && !force {
            return Err(anyhow!(
                "{} (serial {}) is older than the stored state (serial {}); nothing was changed. --force restores it",
                path.display(),
                pushed.serial,
                current.serial
            )
            .into());
        }
        pushed.lineage = current.lineage;
        pushed.serial = current.serial;
    }
    let beside = path.with_file_name("secret.key");
    if let Ok(key) = std::fs::read(&beside) {
        let stored = backend.create_secret_key(key.trim_ascii()).await?;
        if stored != key.trim_ascii() {
            eprintln!(
                "warning: {} already has another digest key than {}: sensitive values recorded in the pushed state will show as changed once",
                backend.describe(),
                beside.display()
            );
        }
    }
    backend.write(&mut pushed).await?;
    println!(
        "Pushed {} to {} (serial {}).",
        path.display(),
        backend.describe(),
        pushed.serial
    );
    Ok(Exit::Ok)
}
