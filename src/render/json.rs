//! The JSON plan format (`format_version` 1): what to review first (`risks`), changes (with
//! renames and imports, and structural diffs of nested values), drift, outputs and summary.

use cairn_engine::{Action, AttributeChange, Plan};
use cairn_model::Value;
use serde_json::{json, Value as Json};

use crate::render::{nested, risk};

/// Version of the JSON plan format: the major on any incompatible change, the minor when
/// something is added (1.1: `moved_from`, `import_id`, `no-op` changes that rename or
/// import, `summary.move` and `summary.import`; 1.2: `risks`, `attributes[].diff`).
pub const PLAN_FORMAT_VERSION: &str = "1.3";

fn value(v: &Option<Value>, sensitive: bool) -> Json {
    match v {
        _ if sensitive => Json::Null,
        None => Json::Null,
        Some(v) => v.to_json_lossy(),
    }
}

fn attribute(rtype: &str, a: &AttributeChange) -> Json {
    let mut out = json!({
        "path": a.path.to_string(),
        "before": value(&a.before, a.sensitive),
        "after": value(&a.after, a.sensitive),
        "unknown": a.after.as_ref().is_some_and(|v| !v.is_known()),
        "sensitive": a.sensitive,
        "forces_replacement": a.forces_replacement,
    });
    if let Some(d) = structural(rtype, a) {
        out["diff"] = d;
    }
    out
}

/// The structural diff of a nested value (a list, map or document) that changed, for
/// `attributes[].diff` of the plan and drift formats; `None` for what one line shows.
pub fn structural(rtype: &str, a: &AttributeChange) -> Option<Json> {
    nested::of_change(
        cairn_providers::shared_catalog(),
        rtype,
        &a.path,
        a.before.as_ref(),
        a.after.as_ref(),
        a.sensitive,
    )
    .map(|d| nested::to_json(&d))
}

/// What a reviewer must not miss (see [`risk`]).
fn risks(plan: &Plan) -> Json {
    risk::risks(plan)
        .iter()
        .map(|r| {
            json!({
                "kind": r.kind.as_str(),
                "address": r.address.to_string(),
                "attribute": r.attribute,
                "message": r.message,
            })
        })
        .collect()
}

/// Counts per action, every action present, and of renames and imports.
pub fn summary(plan: &Plan) -> Json {
    let s = plan.summary();
    let n = |a: Action| s.get(&a).copied().unwrap_or(0);
    json!({
        "create": n(Action::Create),
        "update": n(Action::Update),
        "replace": n(Action::Replace),
        "delete": n(Action::Delete),
        "no-op": n(Action::NoOp),
        "move": plan.moves(),
        "import": plan.imports(),
    })
}

/// The plan as a JSON document.
pub fn plan(plan: &Plan, stack: &str) -> Json {
    let changes: Vec<Json> = plan
        .changes
        .iter()
        .filter(|c| !c.is_noop())
        .map(|c| {
            let mut change = json!({
                "address": c.address.to_string(),
                "type": c.address.rtype,
                "action": c.action.as_str(),
                "reason": c.reason,
                "attributes": c.attributes.iter().map(|a| attribute(&c.address.rtype, a)).collect::<Vec<_>>(),
            });
            if let Some(from) = &c.moved_from {
                change["moved_from"] = from.to_string().into();
            }
            if let Some(id) = &c.import_id {
                change["import_id"] = id.clone().into();
            }
            if let Some(alias) = &c.provider {
                change["provider"] = format!("aws.{alias}").into();
            }
            change
        })
        .collect();
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| {
            json!({
                "address": d.address.to_string(),
                "type": d.address.rtype,
                "status": d.status.as_str(),
                "attributes": d.attributes.iter().map(|a| attribute(&d.address.rtype, a)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let outputs: serde_json::Map<String, Json> = plan
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({
                    "before": value(&o.before, o.sensitive),
                    "after": value(&Some(o.after.clone()), o.sensitive),
                    "unknown": !o.after.is_known(),
                    "sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let mut out = json!({
        "format_version": PLAN_FORMAT_VERSION,
        "cairn_version": env!("CARGO_PKG_VERSION"),
        "stack": stack,
        "risks": risks(plan),
        "changes": changes,
        "drift": drift,
        "outputs": outputs,
        "summary": summary(plan),
    });
    if !plan.data.is_empty() {
        out["data_sources"] = plan
            .data
            .iter()
            .map(|(address, feeds)| {
                let feeds: Vec<String> = feeds.iter().map(|a| a.to_string()).collect();
                json!({"address": address.to_string(), "feeds": feeds})
            })
            .collect();
    }
    // Only when there is some, so that plans without it keep their form.
    if !plan.protection.is_empty() {
        out["protection"] = plan
            .protection
            .iter()
            .map(|(address, prevent_destroy)| {
                json!({"address": address.to_string(), "prevent_destroy": prevent_destroy})
            })
            .collect();
    }
    // A partial plan (`--target`) or requested replacements (`--replace`): what a saved
    // plan is applied with again.
    for (key, addresses) in [
        ("targets", &plan.scope.targets),
        ("replace", &plan.scope.replace),
    ] {
        if !addresses.is_empty() {
            out[key] = addresses.iter().map(ToString::to_string).collect();
        }
    }
    out
}

/// The `--target` and `--replace` a JSON plan was made with.
pub fn scope(plan: &Json) -> Result<cairn_engine::Scope, anyhow::Error> {
    let addresses = |key: &str| -> Result<Vec<cairn_model::Address>, anyhow::Error> {
        plan.get(key)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|a| {
                let text = a.as_str().unwrap_or_default();
                text.parse()
                    .map_err(|e| anyhow::anyhow!("the saved plan's {key} `{text}`: {e}"))
            })
            .collect()
    };
    Ok(cairn_engine::Scope {
        targets: addresses("targets")?,
        replace: addresses("replace")?,
    })
}
