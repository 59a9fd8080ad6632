//! `data.cairn_stack`: the outputs another stack recorded, read from its state (a local
//! stack directory, or an S3 backend) without taking its lock; and the reader of data
//! sources that knows this one and hands the others to the AWS provider.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cairn_engine::data::DataReader;
use cairn_engine::{Provider, ProviderError};
use cairn_model::{ResourceSchema, SchemaMeta};
use cairn_stacks::{BackendSettings, ProviderSettings};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Its name in stacks: `[data.cairn_stack.NAME]`.
pub const TYPE: &str = "cairn_stack";

/// The outputs another cairn stack recorded with its last apply, read from its state
/// without taking its lock: `${data.cairn_stack.NAME.outputs.OUTPUT}`. Give the stack's
/// directory (`path`) or where its state is (`backend`). A sensitive output cannot be read
/// this way: cairn keeps only a digest of it in state.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StackArgs {
    /// The other stack's directory, relative to this stack's (e.g. `../network`): its
    /// `[backend]` says where its state is.
    #[serde(default)]
    pub path: Option<String>,
    /// Where the other stack's state is, as its `[backend]` says:
    /// `{ type = "s3", bucket = "...", key = "...", region = "..." }` (or `type = "local"`
    /// with `path`).
    #[serde(default)]
    pub backend: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StackAttrs {
    /// Where the state was read: the stack's directory, or the backend's key.
    pub id: String,
    /// The other stack's outputs, by name.
    pub outputs: BTreeMap<String, serde_json::Value>,
}

/// The data source's schema, for the catalog.
pub fn schema() -> ResourceSchema {
    ResourceSchema::derive::<StackArgs, StackAttrs>(TYPE, SchemaMeta::DEFAULT)
}

/// Reads data sources: `cairn_stack` here, the others through `provider`.
pub struct Reader<'a> {
    pub provider: &'a dyn Provider,
    /// The reading stack's directory (paths are relative to it).
    pub dir: &'a Path,
    /// The reading stack's provider settings: defaults for an S3 backend's region and
    /// endpoint.
    pub settings: &'a ProviderSettings,
}

#[async_trait::async_trait]
impl DataReader for Reader<'_> {
    async fn read_data(
        &self,
        dtype: &str,
        args: &serde_json::Value,
        provider: Option<&str>,
    ) -> Result<serde_json::Value, ProviderError> {
        if dtype != TYPE {
            return self.provider.read_data_in(dtype, args, provider).await;
        }
        let args: StackArgs = serde_json::from_value(args.clone())
            .map_err(|e| ProviderError::InvalidConfig(format!("data.{TYPE}: {e}")))?;
        let outputs = self.outputs(&args).await?;
        let id = args
            .backend
            .as_ref()
            .and_then(|b| b.get("key"))
            .and_then(|k| k.as_str())
            .map(str::to_string)
            .or(args.path.clone())
            .unwrap_or_default();
        Ok(serde_json::json!({ "id": id, "outputs": outputs }))
    }
}

impl Reader<'_> {
    async fn outputs(
        &self,
        args: &StackArgs,
    ) -> Result<BTreeMap<String, serde_json::Value>, ProviderError> {
        let dir: PathBuf = match &args.path {
            Some(p) => self.dir.join(p),
            None => self.dir.to_path_buf(),
        };
        let (backend, what) = match (&args.backend, &args.path) {
            (Some(settings), _) => {
                let kind = settings
                    .get("type")
                    .and_then(|v| v.as_str())
                    .unwrap_or("local")
                    .to_string();
                let settings = BackendSettings {
                    kind,
                    settings: settings
                        .iter()
                        .filter(|(k, _)| k.as_str() != "type")
                        .map(|(k, v)| (k.clone(), cairn_model::Value::from_json(v.clone())))
                        .collect(),
                };
                let what = match settings.settings.get("key").and_then(|k| k.as_str()) {
                    Some(key) => format!("the state at {key}"),
                    None => format!("the stack at {}", dir.display()),
                };
                (
                    crate::workspace::backend_from(&dir, Some(&settings), Some(self.settings))
                        .await,
                    what,
                )
            }
            (None, Some(_)) => {
                if !dir.is_dir() {
                    return Err(ProviderError::Lookup(format!(
                        "no stack directory {}",
                        dir.display()
                    )));
                }
                (
                    crate::workspace::backend_of(&dir).await,
                    format!("the stack at {}", dir.display()),
                )
            }
            (None, None) => {
                return Err(ProviderError::InvalidConfig(
                    "give the stack's `path` or its `backend`".into(),
                ))
            }
        };
        let backend =
            backend.map_err(|e| ProviderError::Lookup(format!("{what}: {}", e.message())))?;
        let file = backend
            .read()
            .await
            .map_err(|e| ProviderError::Lookup(format!("{what}: {e}")))?;
        let Some(file) = file else {
            return Err(ProviderError::Lookup(format!(
                "{what} has no state yet: apply it first"
            )));
        };
        Ok(file
            .outputs
            .iter()
            .map(|(k, o)| {
                let value = if o.sensitive {
                    serde_json::json!({ "cairn:sensitive": true })
                } else {
                    o.value.clone()
                };
                (k.clone(), value)
            })
            .collect())
    }
}

/// The outputs of `read` (a `cairn_stack`'s attributes) that `config` refers to but the
/// other stack does not have, or has as sensitive: `(output, referring address, why)`.
pub fn unreadable_outputs(read: &cairn_model::Value, wanted: &[String]) -> Vec<(String, String)> {
    let outputs = read
        .as_map()
        .and_then(|m| m.get("outputs"))
        .and_then(|o| o.as_map());
    let mut out = Vec::new();
    for name in wanted {
        match outputs.and_then(|o| o.get(name)) {
            None => {
                let have: Vec<&str> = outputs
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let listed = if have.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("it has: {}", have.join(", "))
                };
                out.push((name.clone(), format!("the stack has no output `{name}` ({listed})")));
            }
            Some(v) if v.as_map().is_some_and(|m| m.contains_key("cairn:sensitive")) => out.push((
                name.clone(),
                format!(
                    "output `{name}` is sensitive: cairn keeps only a digest of it in state, so no other stack can read it — share it through a secret (`data.aws_secretsmanager_secret_version`) or an SSM SecureString (`data.aws_ssm_parameter`)"
                ),
            )),
            Some(_) => {}
        }
    }
    out
}
