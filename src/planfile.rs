//! Saved plans: the reviewed plan bound to the state (lineage, serial), a digest of the
//! configuration and variable values, and the cairn version.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use cairn_model::Value;
use cairn_stacks::Stack;
use serde::{Deserialize, Serialize};

use crate::secrets::Secrets;
use sha2::{Digest, Sha256};

const KIND: &str = "cairn-plan";
/// 2: sensitive variables are pinned by keyed digest (`sensitive_variables`). A plan of
/// version 1 pins none, so it is refused rather than applied with whatever is given now.
const VERSION: u32 = 2;

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
    /// given again to apply.
    pub variables: BTreeMap<String, String>,
    /// Each sensitive variable the plan was made with: the keyed digest of its value (the
    /// state's digest key, never the value or a plain hash of it), and whether it was given
    /// (`--var`, a var file) rather than left to its default. Apply refuses unless each is
    /// supplied again with the very same value.
    pub sensitive_variables: BTreeMap<String, PinnedSecret>,
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

/// A sensitive variable as a saved plan pins it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PinnedSecret {
    /// `sensitive:hmac-sha256:<hex>` of the value.
    pub digest: String,
    /// Given on the command line or in a var file, not taken from the default.
    pub given: bool,
}

impl PlanFile {
    pub fn new(
        stack: &Stack,
        secrets: &Secrets,
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
            sensitive_variables: stack
                .variables
                .iter()
                .filter(|(_, v)| v.sensitive)
                .map(|(k, v)| {
                    let pinned = PinnedSecret {
                        digest: secrets.digest(&v.value).to_string(),
                        given: v.given,
                    };
                    (k.clone(), pinned)
                })
                .collect(),
            refresh,
            plan,
        }
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        // Owner only: a plan names every resource and the state it binds to.
        crate::private::write_file(path, text.as_bytes())
    }

    pub fn read(path: &Path) -> anyhow::Result<PlanFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a cairn plan file", path.display()))?;
        if json.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            bail!("{} is not a cairn plan file", path.display());
        }
        // Checked before the rest, so an older plan is named as such.
        let version = json.get("format_version").and_then(|v| v.as_u64());
        if version != Some(u64::from(VERSION)) {
            bail!(
                "{} is a cairn plan file of another version ({}), and this cairn applies plans of version {VERSION} only: make a new plan",
                path.display(),
                version.map_or_else(|| "unknown".to_string(), |v| v.to_string())
            );
        }
        serde_json::from_value(json)
            .with_context(|| format!("{} is not a valid cairn plan file", path.display()))
    }

    /// Refuses a plan made by another cairn version, for another configuration or state, or
    /// with other values of its sensitive variables (named, never shown).
    pub fn verify(
        &self,
        stack: &Stack,
        secrets: &Secrets,
        lineage: &str,
        serial: u64,
    ) -> anyhow::Result<()> {
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
        self.verify_secrets(stack, secrets)?;
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

    /// Each sensitive variable must have the value the plan was made with.
    fn verify_secrets(&self, stack: &Stack, secrets: &Secrets) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        for (name, variable) in stack.variables.iter().filter(|(_, v)| v.sensitive) {
            let Some(pinned) = self.sensitive_variables.get(name) else {
                problems.push(format!(
                    "`{name}` is sensitive now and was not when the plan was made"
                ));
                continue;
            };
            if secrets.digest(&variable.value).to_string() == pinned.digest {
                continue;
            }
            problems.push(if pinned.given && !variable.given {
                format!("`{name}` was given when the plan was made and is not given now")
            } else if !pinned.given && variable.given {
                format!("`{name}` was left to its default when the plan was made and is given another value now")
            } else {
                format!("`{name}` has another value than the plan was made with")
            });
        }
        for name in self.sensitive_variables.keys() {
            if !stack.variables.get(name).is_some_and(|v| v.sensitive) {
                problems.push(format!("`{name}` is no longer a sensitive variable"));
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        bail!(
            "the plan was made with other values of its sensitive variables: {}. Nothing was changed; pass exactly the `--var`/`--var-file` values given to `cairn plan`, or make a new plan",
            problems.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::any_json;
    use proptest::prelude::*;

    fn valid() -> serde_json::Value {
        serde_json::json!({
            "kind": KIND, "format_version": VERSION, "cairn_version": "0.1.0",
            "stack": "s", "destroy": false, "lineage": "l", "serial": 1,
            "config_digest": "sha256:00", "variables": {},
            "sensitive_variables": {"k": {"digest": "sensitive:hmac-sha256:00", "given": true}},
            "refresh": true, "plan": {"changes": []}
        })
    }

    fn read_text(text: &str) -> anyhow::Result<PlanFile> {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("p.plan");
        std::fs::write(&path, text).expect("write");
        PlanFile::read(&path)
    }

    #[test]
    fn a_plan_without_pinned_secrets_is_refused() {
        assert!(read_text(&valid().to_string()).is_ok());
        let mut old = valid();
        old["format_version"] = 1.into();
        old.as_object_mut()
            .expect("object")
            .remove("sensitive_variables");
        let err = read_text(&old.to_string()).expect_err("version 1");
        assert!(err.to_string().contains("version 2"), "{err}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any JSON, whole or in one field of a plan file, reads or is refused: never a panic.
        #[test]
        fn any_json_reads_or_is_refused(
            field in prop::sample::select(vec![
                "kind", "format_version", "serial", "lineage", "variables",
                "sensitive_variables", "plan", "destroy",
            ]),
            value in any_json(),
            whole in any::<bool>(),
        ) {
            let text = if whole {
                value.to_string()
            } else {
                let mut plan = valid();
                plan[field] = value;
                plan.to_string()
            };
            let _ = read_text(&text);
        }
    }
}
