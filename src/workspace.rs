//! Loading what every command works on: the stack, its state backend, its recorded state and
//! the AWS provider; and the failures a command can end with.

use std::path::Path;
use std::sync::Arc;

use anyhow::anyhow;
use cairn_engine::State;
use cairn_providers::{AwsProvider, AwsSettings};
use cairn_stacks::{Diagnostics, Stack, VarInputs};
use cairn_state::{LocalBackend, LockInfo, StateError, StateFile};

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
                    "Wait for that run to finish. If its process is gone, the lock is released by itself; `cairn force-unlock {}` clears what it left.",
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

/// Parses, resolves and type-checks the stack in `dir`.
pub fn load_stack(dir: &Path, vars: &VarArgs) -> Result<Stack, Failure> {
    let catalog = cairn_providers::catalog();
    let inputs = VarInputs {
        assignments: vars.vars.clone(),
        files: vars.var_files.clone(),
    };
    cairn_stacks::load(dir, &inputs, &catalog).map_err(Failure::Diagnostics)
}

/// The state backend of the stack in `dir`.
pub fn backend(dir: &Path, stack: Option<&Stack>) -> Result<LocalBackend, Failure> {
    if let Some(b) = stack.and_then(|s| s.backend.as_ref()) {
        if b.kind != "local" {
            return Err(anyhow!(
                "backend type `{}` is not available in this version of cairn; remove [backend] to use the local state file",
                b.kind
            )
            .into());
        }
    }
    Ok(LocalBackend::new(dir))
}

/// The recorded state (a new empty one when none exists) in file and engine form.
pub fn read_state(backend: &LocalBackend) -> Result<(StateFile, State), Failure> {
    let file = backend
        .read()?
        .unwrap_or_else(|| StateFile::new(env!("CARGO_PKG_VERSION")));
    let state = statefile::to_engine(&file)
        .map_err(|e| anyhow!("{}: {e}", backend.state_path().display()))?;
    Ok((file, state))
}

/// The stack's key for digests of sensitive values (made on first use).
pub fn secrets(backend: &LocalBackend) -> Result<crate::secrets::Secrets, Failure> {
    let path = backend.state_path();
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    Ok(crate::secrets::Secrets::open(dir)?)
}

/// The AWS provider configured by the stack (region, endpoint) and the standard AWS chain.
pub async fn provider(stack: &Stack) -> Result<Arc<AwsProvider>, Failure> {
    let settings = AwsSettings {
        region: stack.provider.region.clone(),
        endpoint: stack.provider.endpoint.clone(),
    };
    Ok(Arc::new(AwsProvider::new(settings).await))
}
