//! The stack language: reads a directory of TOML files, resolves variables, `stack.*` and
//! `self.*`, type-checks every resource against its schema, checks references and cycles,
//! and hands the engine a resolved [`Config`] — or every error found, located.
//!
//! This crate knows nothing of AWS SDKs, state or the engine; it reads files and nothing else.

mod diagnostics;
mod expression;
pub mod format;
mod load;
mod syntax;
mod terraform;
mod types;

use std::collections::BTreeMap;
use std::path::PathBuf;

use cairn_model::{Address, Config, Value};

pub use diagnostics::{closest, line_col, Diagnostic, Diagnostics, Label, Location};
pub use load::{evaluate, load, load_settings, toml_files, Unreadable, ENV_PREFIX};
pub use types::VARIABLE_TYPES;

/// Values given to variables on the command line.
#[derive(Clone, Debug, Default)]
pub struct VarInputs {
    /// `--var NAME=VALUE` assignments, in order (later ones win).
    pub assignments: Vec<String>,
    /// `--var-file FILE` paths, in order (later ones win; `--var` beats them all).
    pub files: Vec<PathBuf>,
    /// `CAIRN_VAR_<NAME>` environment variables, as (NAME, value): the lowest precedence;
    /// names the stack does not declare are ignored. The binary reads the environment,
    /// never this crate.
    pub environment: Vec<(String, String)>,
}

/// `[provider.aws]`, and each `[provider.aws.<alias>]` in `aliases`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderSettings {
    /// Else `AWS_REGION` and the rest of the AWS configuration chain.
    pub region: Option<String>,
    /// Else `AWS_ENDPOINT_URL` (emulators).
    pub endpoint: Option<String>,
    /// A profile of the AWS configuration files, else `AWS_PROFILE` or the default one.
    pub profile: Option<String>,
    /// A role to assume with the credentials found.
    pub assume_role: Option<AssumeRole>,
    /// Tags merged into every taggable resource's `tags` (the resource's own win).
    pub default_tags: BTreeMap<String, String>,
    /// `[provider.aws.<alias>]`: other configurations (regions, accounts), chosen by a
    /// resource's `provider = "aws.<alias>"`. An alias's settings are its own: it takes
    /// nothing from `[provider.aws]`.
    pub aliases: BTreeMap<String, ProviderSettings>,
}

/// `assume_role = { role_arn = "...", session_name = "...", external_id = "..." }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// `[backend]`.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendSettings {
    /// `type = "..."`.
    pub kind: String,
    /// The other keys.
    pub settings: BTreeMap<String, Value>,
}

/// Where a stack keeps its state and how it reaches AWS (see [`load_settings`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackSettings {
    pub provider: ProviderSettings,
    pub backend: Option<BackendSettings>,
}

/// The value a variable has in this run.
#[derive(Clone, Debug, PartialEq)]
pub struct VariableValue {
    pub value: Value,
    pub sensitive: bool,
    /// Given by `--var` or a var file, rather than the declaration's default.
    pub given: bool,
}

/// A loaded, resolved and type-checked stack.
#[derive(Clone, Debug)]
pub struct Stack {
    /// `[stack] name`.
    pub name: String,
    pub dir: PathBuf,
    pub provider: ProviderSettings,
    pub backend: Option<BackendSettings>,
    pub config: Config,
    pub variables: BTreeMap<String, VariableValue>,
    /// Where each resource is declared (its `[type.name]` header).
    pub locations: BTreeMap<Address, Location>,
    /// The stack's files and their text, in name order.
    pub files: Vec<(PathBuf, String)>,
}
