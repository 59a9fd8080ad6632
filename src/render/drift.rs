//! The drift report (`cairn drift`) in the three formats: what exists against what was last
//! applied, per resource, each attribute with its recorded and actual value (nested values as
//! structural diffs, as in plans).

use std::fmt::Write;

use cairn_engine::{AttributeChange, Drift, DriftStatus, OwnedResource};
use cairn_model::Value;
use serde_json::{json, Value as Json};

use crate::render::nested;
use crate::style::Painter;

/// Version of the JSON drift report (1.1 added `attributes[].diff`).
pub const DRIFT_FORMAT_VERSION: &str = "1.1";

fn shown(v: &Option<Value>, sensitive: bool) -> String {
    match v {
        _ if sensitive => "(sensitive)".into(),
        None => "null".into(),
        Some(v) => v.to_string(),
    }
}

fn status(d: &Drift) -> &'static str {
    match d.status {
        DriftStatus::Deleted => "deleted",
        _ => "modified",
    }
}

/// For a terminal or a log.
pub fn human(
    drift: &[Drift],
    unmanaged: &[OwnedResource],
    checked: usize,
    paint: Painter,
) -> String {
    let mut out = String::new();
    if drift.is_empty() && unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "No drift: all {checked} managed resources match what was last applied."
        );
        return out;
    }
    for d in drift {
        match d.status {
            DriftStatus::Deleted => {
                let _ = writeln!(
                    out,
                    "{} {} was deleted outside cairn",
                    paint.red("-"),
                    d.address
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "{} {} was modified outside cairn",
                    paint.yellow("~"),
                    d.address
                );
                for a in &d.attributes {
                    if let Some(delta) = structural(d, a) {
                        let what = nested::header(&delta).unwrap_or_default();
                        let _ = writeln!(out, "    {}: {what} (- recorded, + actual)", a.path);
                        out.push_str(&nested::human_rows(&nested::rows(&delta), 8, &paint));
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "    {}: {} (recorded) -> {} (actual)",
                        a.path,
                        shown(&a.before, a.sensitive),
                        shown(&a.after, a.sensitive)
                    );
                }
            }
        }
    }
    for u in unmanaged {
        let _ = writeln!(
            out,
            "{} {} carries this stack's tags but is not in its state{}",
            paint.yellow("?"),
            u.arn,
            u.address
                .as_ref()
                .map(|a| format!(" (made for {a})"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "\nDrift: {} of {checked} managed resources differ from what was last applied; {} unmanaged. `cairn plan` shows how to revert changes; unmanaged copies are left for you to remove or import.",
        drift.len(),
        unmanaged.len()
    );
    out
}

/// The structural diff of a nested value (recorded → actual), where one line does not show it.
fn structural(d: &Drift, a: &AttributeChange) -> Option<nested::Delta> {
    nested::of_change(
        cairn_providers::shared_catalog(),
        &d.address.rtype,
        &a.path,
        a.before.as_ref(),
        a.after.as_ref(),
        a.sensitive,
    )
}

fn attribute(d: &Drift, a: &AttributeChange) -> Json {
    let v = |x: &Option<Value>| match x {
        _ if a.sensitive => Json::Null,
        None => Json::Null,
        Some(v) => v.to_json_lossy(),
    };
    let mut out = json!({
        "path": a.path.to_string(),
        "recorded": v(&a.before),
        "actual": v(&a.after),
        "sensitive": a.sensitive,
    });
    if let Some(delta) = structural(d, a) {
        out["diff"] = nested::to_json(&delta);
    }
    out
}

/// For machines (cron jobs, dashboards).
pub fn json(drift: &[Drift], unmanaged: &[OwnedResource], checked: usize, stack: &str) -> Json {
    json!({
        "format_version": DRIFT_FORMAT_VERSION,
        "cairn_version": env!("CARGO_PKG_VERSION"),
        "stack": stack,
        "in_sync": drift.is_empty() && unmanaged.is_empty(),
        "resources": drift.iter().map(|d| json!({
            "address": d.address.to_string(),
            "type": d.address.rtype,
            "status": status(d),
            "attributes": d.attributes.iter().map(|a| attribute(d, a)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unmanaged": unmanaged.iter().map(|u| json!({
            "arn": u.arn,
            "address": u.address,
        })).collect::<Vec<_>>(),
        "summary": {
            "checked": checked,
            "unmanaged": unmanaged.len(),
            "modified": drift.iter().filter(|d| d.status == DriftStatus::Modified).count(),
            "deleted": drift.iter().filter(|d| d.status == DriftStatus::Deleted).count(),
        },
    })
}

/// For an issue or a pull-request comment.
pub fn markdown(
    drift: &[Drift],
    unmanaged: &[OwnedResource],
    checked: usize,
    stack: &str,
) -> String {
    let mut out = format!("### cairn drift for `{stack}`\n\n");
    if drift.is_empty() && unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "No drift: all {checked} managed resources match what was last applied."
        );
        return out;
    }
    let _ = writeln!(out, "| resource | status | attributes |\n|---|---|---|");
    for d in drift {
        let attrs = d
            .attributes
            .iter()
            .map(|a| format!("`{}`", a.path))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(out, "| `{}` | {} | {attrs} |", d.address, status(d));
    }
    for u in unmanaged {
        let made_for = u
            .address
            .as_deref()
            .map(|a| format!("made for `{a}`"))
            .unwrap_or_default();
        let _ = writeln!(out, "| `{}` | unmanaged | {made_for} |", u.arn);
    }
    for d in drift.iter().filter(|d| !d.attributes.is_empty()) {
        let _ = writeln!(
            out,
            "\n<details><summary><code>{}</code></summary>\n\n```diff",
            d.address
        );
        for a in &d.attributes {
            if let Some(delta) = structural(d, a) {
                let what = nested::header(&delta).unwrap_or_default();
                let _ = writeln!(out, "~ {} ({what})", a.path);
                for line in nested::markdown_rows(&nested::rows(&delta)) {
                    let _ = writeln!(out, "{line}");
                }
                continue;
            }
            let _ = writeln!(out, "- {} = {}", a.path, shown(&a.before, a.sensitive));
            let _ = writeln!(out, "+ {} = {}", a.path, shown(&a.after, a.sensitive));
        }
        out.push_str("```\n\n</details>\n");
    }
    let _ = writeln!(
        out,
        "\n**Drift: {} of {checked} managed resources differ, {} unmanaged** (`-` recorded, `+` actual).",
        drift.len(),
        unmanaged.len()
    );
    out
}
