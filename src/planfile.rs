//! Saved plans: the reviewed plan bound to the state (lineage, serial), a digest of the
//! configuration and variable values, and the cairn version.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use cairn_model::Value;
use cairn_stacks::Stack;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const KIND: &str = "cairn-plan";
const VERSION: u32 = 1;

/// A plan saved by `cairn plan --out`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub kind: String,
    pub format_version: u32,
    pub cairn_version: String,
    pub stack: String,
    pub destroy: bool,
    /// Lineage and serial of the state the plan was made from.
    pub lineage: String,
    pub serial: u64,
    /// SHA-256 over the stack's files and every variable's value.
    pub config_digest: String,
    /// Values of the non-sensitive variables, as `--var` assignments; sensitive ones must be
    /// given again to apply (the digest checks them).
    pub variables: BTreeMap<String, String>,
    pub refresh: bool,
    /// The JSON plan as reviewed.
    pub plan: serde_json::Value,
}

/// Digest of everything that decides what a plan contains besides state and AWS.
pub fn config_digest(stack: &Stack) -> String {
    let mut h = Sha256::new();
    let mut files: Vec<&(std::path::PathBuf, String)> = stack.files.iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, text) in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        h.update(format!("file {name} {}\n", text.len()));
        h.update(text.as_bytes());
    }
    for (name, v) in &stack.variables {
        // A sensitive value stays out, even digested: an unkeyed hash of a password is a
        // guessable copy of it. Apply re-plans and refuses if its change is not the plan's.
        let shown = if v.sensitive {
            "(sensitive)".to_string()
        } else {
            v.value.canonical_json()
        };
        h.update(format!("var {name} = {shown}\n"));
    }
    format!("sha256:{:x}", h.finalize())
}

/// A variable's value as a `--var` assignment value.
fn assignment(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => {
            let json = other.to_json_lossy();
            toml::Value::try_from(json)
                .map(|t| t.to_string())
                .unwrap_or_default()
        }
    }
}

impl PlanFile {
    pub fn new(
        stack: &Stack,
        lineage: &str,
        serial: u64,
        destroy: bool,
        refresh: bool,
        plan: serde_json::Value,
    ) -> Self {
        PlanFile {
            kind: KIND.into(),
            format_version: VERSION,
            cairn_version: env!("CARGO_PKG_VERSION").into(),
            stack: stack.name.clone(),
            destroy,
            lineage: lineage.into(),
            serial,
            config_digest: config_digest(stack),
            variables: stack
                .variables
                .iter()
                .filter(|(_, v)| !v.sensitive)
                .map(|(k, v)| (k.clone(), assignment(&v.value)))
                .collect(),
            refresh,
            plan,
        }
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn read(path: &Path) -> anyhow::Result<PlanFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: PlanFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a cairn plan file", path.display()))?;
        if file.kind != KIND || file.format_version != VERSION {
            bail!(
                "{} is not a cairn plan file of version {VERSION}",
                path.display()
            );
        }
        Ok(file)
    }

    /// Refuses a plan made by another cairn version, for another configuration or state.
    pub fn verify(&self, stack: &Stack, lineage: &str, serial: u64) -> anyhow::Result<()> {
        let ours = env!("CARGO_PKG_VERSION");
        if self.cairn_version != ours {
            return Err(anyhow!(
                "the plan was made by cairn {} and this is cairn {ours}: make a new plan",
                self.cairn_version
            ));
        }
        if self.stack != stack.name {
            bail!(
                "the plan is for stack `{}`, this is `{}`",
                self.stack,
                stack.name
            );
        }
        if self.config_digest != config_digest(stack) {
            bail!("the configuration or variable values changed since the plan was made: make a new plan");
        }
        // A plan of a stack with no state yet binds to "no state": serial 0 on both sides.
        if self.lineage != lineage && !(self.serial == 0 && serial == 0) {
            bail!(
                "the plan was made for another state (lineage {}, this state is {lineage})",
                self.lineage
            );
        }
        if self.serial != serial {
            bail!(
                "the state changed since the plan was made (serial {} then, {serial} now): make a new plan",
                self.serial
            );
        }
        Ok(())
    }
}
