//! Loading what every command works on: the stack, its state backend, its recorded state and
//! the AWS provider; and the failures a command can end with.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use cairn_engine::State;
use cairn_model::Value;
use cairn_stacks::{BackendSettings, Diagnostics, ProviderSettings, Stack, VarInputs};
use cairn_state::{Backend, LocalBackend, LockInfo, S3Backend, S3Settings, StateError, StateFile};

use crate::{diagnostics, statefile, style, Exit, VarArgs};

/// How a command failed.
pub enum Failure {
    /// The stack has errors.
    Diagnostics(Diagnostics),
    /// Another process holds the state lock.
    Locked(Box<LockInfo>),
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Error(e)
    }
}

impl From<StateError> for Failure {
    fn from(e: StateError) -> Self {
        match e {
            StateError::Locked(info) => Failure::Locked(info),
            other => Failure::Error(other.into()),
        }
    }
}

impl Failure {
    /// The failure in words, on one or more lines (what `report` prints, without styling).
    pub fn message(&self) -> String {
        match self {
            Failure::Diagnostics(d) => d.to_string(),
            Failure::Locked(info) => format!("the state is locked: {info:?}"),
            Failure::Error(e) => format!("{e:#}"),
        }
    }

    /// Prints the failure to stderr and returns the exit code.
    pub fn report(self) -> Exit {
        match self {
            Failure::Diagnostics(d) => {
                eprint!("{}", diagnostics::render(&d, style::stderr_color()));
                Exit::Error
            }
            Failure::Locked(info) => {
                eprintln!("error: the state is locked by {info}");
                eprintln!(
                    "Wait for that run to finish. A local lock is released when its process exits; a lock in S3 stays after a crash: if its process is gone, `cairn force-unlock {}` clears it.",
                    info.id
                );
                Exit::Locked
            }
            Failure::Error(e) => {
                eprintln!("error: {e:#}");
                Exit::Error
            }
        }
    }
}

pub type Outcome = Result<Exit, Failure>;

/// The failure of a step that called AWS for many resources (`what`: "refresh failed"),
/// each error with the resource it was for. A failure of the environment — no credentials,
/// credentials AWS refuses, an expired session, AWS out of reach — is the same for every
/// resource: it is said once, in plain words, with what to do, instead of once per resource.
pub fn provider_failure<'a>(
    what: &str,
    errors: impl IntoIterator<Item = (String, Option<&'a cairn_engine::ProviderError>)>,
) -> Failure {
    let errors: Vec<(String, Option<&cairn_engine::ProviderError>)> = errors.into_iter().collect();
    if let Some(api) = errors
        .iter()
        .filter_map(|(_, e)| e.and_then(|e| e.api()))
        .find(|a| a.kind.is_environment())
    {
        return Failure::Error(anyhow::anyhow!(
            "{}",
            environment(api, "nothing was read or changed")
        ));
    }
    let shown: Vec<String> = errors.iter().map(|(context, _)| context.clone()).collect();
    Failure::Error(anyhow::anyhow!("{what}:\n  {}", shown.join("\n  ")))
}

/// One or two lines on a failure of credentials or network, and what to do about it.
/// `consequence` says what the failure left undone ("nothing was read or changed").
pub fn environment(api: &cairn_engine::ApiError, consequence: &str) -> String {
    use cairn_engine::ErrorKind;
    let code = api
        .code
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    match api.kind {
        ErrorKind::Expired => format!(
            "the AWS session has expired{code}: {consequence}.\n  Renew it (`aws sso login`, or fresh temporary credentials) and run cairn again."
        ),
        ErrorKind::Unreachable => format!(
            "AWS could not be reached ({}): {consequence}.\n  Check the network, the region, and AWS_ENDPOINT_URL or `[provider.aws] endpoint` if you use an emulator.",
            api.message.trim_start_matches("no answer from AWS: ")
        ),
        _ if api.code.is_none() => format!(
            "{}: {consequence}.\n  Give cairn credentials the standard AWS way: AWS_PROFILE (and `aws sso login`), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an instance or task role.",
            api.message
        ),
        _ => format!(
            "AWS does not accept these credentials{code}: {}; {consequence}.\n  Check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (`aws sts get-caller-identity` shows whose they are).",
            api.message
        ),
    }
}

/// Parses, resolves and type-checks the stack in `dir`, and zips the code of its Lambda
/// functions (see `artifacts`).
/// The catalog stacks are checked against: the AWS provider's resource types and data
/// sources, and cairn's own `cairn_stack`.
pub fn catalog() -> &'static cairn_model::Catalog {
    static CATALOG: std::sync::LazyLock<cairn_model::Catalog> = std::sync::LazyLock::new(|| {
        let mut c = cairn_providers::catalog();
        c.insert_data(crate::stackref::schema());
        c
    });
    &CATALOG
}

pub fn load_stack(dir: &Path, vars: &VarArgs) -> Result<Stack, Failure> {
    let catalog = catalog();
    let inputs = var_inputs(vars);
    let mut stack = cairn_stacks::load(dir, &inputs, catalog).map_err(Failure::Diagnostics)?;
    crate::artifacts::prepare(&mut stack)?;
    Ok(stack)
}

/// The stack in `dir` and `expression` resolved in it (`cairn eval`).
pub fn evaluate(
    dir: &Path,
    vars: &VarArgs,
    expression: &str,
) -> Result<(Stack, cairn_model::OutputConfig), Failure> {
    let catalog = catalog();
    cairn_stacks::evaluate(dir, &var_inputs(vars), catalog, expression)
        .map_err(Failure::Diagnostics)
}

/// Variable values from the command line and `CAIRN_VAR_<NAME>`.
fn var_inputs(vars: &VarArgs) -> VarInputs {
    // `CAIRN_VAR_<NAME>`, by name (so that errors read the same on every run).
    let mut environment: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let name = k.to_str()?.strip_prefix(cairn_stacks::ENV_PREFIX)?;
            Some((name.to_string(), v.to_str()?.to_string()))
        })
        .filter(|(name, _)| !name.is_empty())
        .collect();
    environment.sort();
    VarInputs {
        assignments: vars.vars.clone(),
        files: vars.var_files.clone(),
        environment,
    }
}

/// The state backend of the stack in `dir`: `[backend]` when the stack has one, else the
/// local state file.
pub async fn backend(dir: &Path, stack: Option<&Stack>) -> Result<Backend, Failure> {
    backend_from(
        dir,
        stack.and_then(|s| s.backend.as_ref()),
        stack.map(|s| &s.provider),
    )
    .await
}

/// The backend `settings` describe (checked by the stack language: known type, known keys,
/// strings, required ones present), with the provider's region and endpoint as defaults.
pub async fn backend_from(
    dir: &Path,
    settings: Option<&BackendSettings>,
    provider: Option<&ProviderSettings>,
) -> Result<Backend, Failure> {
    let Some(settings) = settings.filter(|s| s.kind == "s3") else {
        return Ok(LocalBackend::new(dir).into());
    };
    let text = |key: &str| {
        settings
            .settings
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let s3 = S3Backend::new(S3Settings {
        bucket: text("bucket").unwrap_or_default(),
        key: text("key").unwrap_or_default(),
        region: text("region").or_else(|| provider.and_then(|p| p.region.clone())),
        endpoint: text("endpoint").or_else(|| provider.and_then(|p| p.endpoint.clone())),
        kms_key_id: text("kms_key_id"),
    })
    .await?;
    Ok(s3.into())
}

/// The backend of the stack in `dir` for commands that need no more of the stack than
/// where its state is (`output`, `state ...`, `force-unlock`): only `[backend]` and
/// `[provider.aws]` are read, so no variable needs a value.
pub async fn backend_of(dir: &Path) -> Result<Backend, Failure> {
    let settings = cairn_stacks::load_settings(dir).map_err(Failure::Diagnostics)?;
    backend_from(dir, settings.backend.as_ref(), Some(&settings.provider)).await
}

/// The recorded state (a new empty one when none exists) in file and engine form.
pub async fn read_state(backend: &Backend) -> Result<(StateFile, State), Failure> {
    let file = backend
        .read()
        .await?
        .unwrap_or_else(|| StateFile::new(env!("CARGO_PKG_VERSION")));
    let state = statefile::to_engine(&file).map_err(|e| anyhow!("{}: {e}", backend.describe()))?;
    Ok((file, state))
}

/// The stack's key for digests of sensitive values, kept with its state (made on first use;
/// runners sharing one S3 state share one key).
pub async fn secrets(backend: &Backend) -> Result<crate::secrets::Secrets, Failure> {
    if let Some(key) = backend.read_secret_key().await? {
        return Ok(crate::secrets::Secrets::from_key(key)?);
    }
    let made = crate::secrets::Secrets::new_key();
    let key = backend.create_secret_key(&made).await?;
    Ok(crate::secrets::Secrets::from_key(key)?)
}

/// Reads the stack's data sources (`[data.<type>.<name>]`) and puts what they read in place
/// of the references to them; a data source that cannot be read is an error located at
/// its block. Returns the addresses read, for plans to show.
pub async fn read_data(
    stack: &mut Stack,
    provider: &dyn cairn_engine::Provider,
) -> Result<DataRead, Failure> {
    let reader = crate::stackref::Reader {
        provider,
        dir: &stack.dir,
        settings: &stack.provider,
    };
    let read = cairn_engine::data::read(&reader, &stack.config)
        .await
        .and_then(|values| stack_outputs_exist(&stack.config, &values).map(|()| values));
    match read {
        Ok(values) => {
            let feeds = feeds(&stack.config);
            stack.config = cairn_engine::data::substitute(&stack.config, &values);
            Ok(DataRead { values, feeds })
        }
        Err(errors) => {
            if let Some(api) = errors
                .iter()
                .filter_map(|e| e.error.as_ref().and_then(|e| e.api()))
                .find(|a| a.kind.is_environment())
            {
                return Err(Failure::Error(anyhow::anyhow!(
                    "{}",
                    environment(api, "nothing was read or changed")
                )));
            }
            let items = errors
                .iter()
                .map(|e| {
                    let location = stack.locations.get(&e.address).cloned().unwrap_or_else(|| {
                        cairn_stacks::Location {
                            file: stack.dir.clone(),
                            line: 1,
                            col: 1,
                            span: 0..0,
                        }
                    });
                    cairn_stacks::Diagnostic {
                        message: format!("reading {}: {}", e.address, e.message),
                        primary: cairn_stacks::Label {
                            location,
                            message: "this data source".into(),
                        },
                        secondary: Vec::new(),
                        help: None,
                    }
                })
                .collect();
            Err(Failure::Diagnostics(Diagnostics {
                items,
                sources: stack.files.iter().cloned().collect(),
            }))
        }
    }
}

/// What reading a stack's data sources gave: their values, and for each the resources that
/// use it.
pub struct DataRead {
    pub values: cairn_engine::DataValues,
    pub feeds: BTreeMap<cairn_model::Address, Vec<cairn_model::Address>>,
}

impl DataRead {
    /// The data sources that feed a change of `plan`, with the changes they feed: for the
    /// plan to show.
    pub fn fed(
        &self,
        plan: &cairn_engine::Plan,
    ) -> Vec<(cairn_model::Address, Vec<cairn_model::Address>)> {
        let changing: std::collections::BTreeSet<&cairn_model::Address> = plan
            .changes
            .iter()
            .filter(|c| !c.is_noop())
            .map(|c| &c.address)
            .collect();
        self.feeds
            .iter()
            .filter_map(|(data, users)| {
                let fed: Vec<cairn_model::Address> = users
                    .iter()
                    .filter(|u| changing.contains(u))
                    .cloned()
                    .collect();
                (!fed.is_empty()).then(|| (data.clone(), fed))
            })
            .collect()
    }
}

/// For each data source, the resources whose configuration refers to it, directly or
/// through other data sources.
fn feeds(
    config: &cairn_model::Config,
) -> BTreeMap<cairn_model::Address, Vec<cairn_model::Address>> {
    use cairn_model::Address;
    use std::collections::BTreeSet;
    let mut users: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
    for r in config.resources.iter().chain(&config.data) {
        for dep in r.dependencies() {
            if dep.data_type().is_some() {
                users.entry(dep).or_default().insert(r.address.clone());
            }
        }
    }
    let resources_of = |data: &Address| {
        let mut seen = BTreeSet::new();
        let mut found = BTreeSet::new();
        let mut todo = vec![data.clone()];
        while let Some(d) = todo.pop() {
            for u in users.get(&d).into_iter().flatten() {
                if u.data_type().is_none() {
                    found.insert(u.clone());
                } else if seen.insert(u.clone()) {
                    todo.push(u.clone());
                }
            }
        }
        found.into_iter().collect::<Vec<Address>>()
    };
    users.keys().map(|d| (d.clone(), resources_of(d))).collect()
}

/// Every output of a `cairn_stack` that the configuration refers to exists in that stack and
/// is not sensitive; else an error per missing output, at the data source.
fn stack_outputs_exist(
    config: &cairn_model::Config,
    values: &cairn_engine::DataValues,
) -> Result<(), Vec<cairn_engine::DataError>> {
    use cairn_model::{Expr, PathSeg};
    let mut wanted: std::collections::BTreeMap<&cairn_model::Address, Vec<(String, String)>> =
        std::collections::BTreeMap::new();
    let referring = config
        .resources
        .iter()
        .chain(&config.data)
        .flat_map(|r| {
            r.attributes
                .values()
                .map(move |e| (r.address.to_string(), e))
        })
        .chain(
            config
                .outputs
                .iter()
                .map(|(k, o)| (format!("output.{k}"), &o.value)),
        );
    for (by, expr) in referring {
        for r in expr.references() {
            if r.address.data_type() != Some(crate::stackref::TYPE) {
                continue;
            }
            if let [PathSeg::Key(outputs), PathSeg::Key(name), ..] = r.path.as_slice() {
                if outputs == "outputs" {
                    wanted
                        .entry(&r.address)
                        .or_default()
                        .push((name.clone(), by.clone()));
                }
            }
        }
    }
    let mut errors = Vec::new();
    for (address, refs) in wanted {
        let Some(Expr::Value(read)) = values.get(address) else {
            continue;
        };
        let names: Vec<String> = refs.iter().map(|(n, _)| n.clone()).collect();
        for (name, why) in crate::stackref::unreadable_outputs(read, &names) {
            let by: Vec<&str> = refs
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, b)| b.as_str())
                .collect();
            errors.push(cairn_engine::DataError {
                address: address.clone(),
                message: format!("{why}; used by {}", by.join(", ")),
                error: None,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The AWS providers configured by the stack (`[provider.aws]` and its aliases: region,
/// endpoint, profile, assumed role) over the standard AWS chain.
pub async fn provider(stack: &Stack) -> Result<Arc<crate::router::Providers>, Failure> {
    let artifacts = stack.dir.join(cairn_providers::lambda::function::ARTIFACTS);
    Ok(Arc::new(
        crate::router::Providers::new(&stack.provider, artifacts).await,
    ))
}
