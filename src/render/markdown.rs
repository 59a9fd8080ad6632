//! The Markdown plan format, for pull-request comments: a summary table, warnings first, then
//! one collapsible section per resource with `diff` blocks; kept under a comment's size limit.

use std::fmt::Write;

use cairn_engine::{Action, AttributeChange, Change, Drift, DriftStatus, Plan};
use cairn_model::{AttrType, Catalog, Value};

use crate::render::diff::{self, Line};

/// GitHub's limit on a comment's length.
pub const COMMENT_LIMIT: usize = 65_536;
/// Room kept for the closing note when sections are left out.
const RESERVE: usize = 1_024;

fn shown(v: &Option<Value>, sensitive: bool) -> String {
    match v {
        _ if sensitive => "(sensitive)".into(),
        None => "null".into(),
        Some(Value::Unknown) => "(known after apply)".into(),
        Some(v) => v.to_string(),
    }
}

fn is_document(catalog: &Catalog, rtype: &str, a: &AttributeChange) -> bool {
    a.path.0.len() == 1
        && a.path
            .attribute()
            .and_then(|top| catalog.get(rtype)?.inputs.get(top))
            .is_some_and(|attr| attr.ty == AttrType::Document)
}

/// The `diff` block lines of one attribute change.
fn attribute_lines(
    catalog: &Catalog,
    rtype: &str,
    action: Action,
    a: &AttributeChange,
) -> Vec<String> {
    let name = a.path.to_string();
    let forces = if a.forces_replacement {
        "  # forces replacement"
    } else {
        ""
    };
    match (&a.before, &a.after) {
        (
            Some(b @ (Value::Map(_) | Value::List(_))),
            Some(af @ (Value::Map(_) | Value::List(_))),
        ) if !a.sensitive && is_document(catalog, rtype, a) => {
            let mut out = vec![format!("~ {name} (document){forces}")];
            for line in diff::document(b, af) {
                out.push(match line {
                    Line::Same(l) => format!("  {l}"),
                    Line::Added(l) => format!("+ {l}"),
                    Line::Removed(l) => format!("- {l}"),
                    Line::Gap => "  ...".into(),
                });
            }
            out
        }
        (None, Some(_)) => vec![format!(
            "+ {name} = {}{forces}",
            shown(&a.after, a.sensitive)
        )],
        (Some(_), None) if action == Action::Delete => {
            vec![format!("- {name} = {}", shown(&a.before, a.sensitive))]
        }
        _ => vec![
            format!("- {name} = {}{forces}", shown(&a.before, a.sensitive)),
            format!("+ {name} = {}", shown(&a.after, a.sensitive)),
        ],
    }
}

fn icon(c: &Change) -> &'static str {
    match c.action {
        Action::Create => "🟢 create",
        Action::Update => "🟡 update",
        Action::Replace => "🟣 replace",
        Action::Delete => "🔴 destroy",
        Action::NoOp if c.import_id.is_some() => "📥 import",
        Action::NoOp if c.moved_from.is_some() => "🚚 move",
        Action::NoOp => "no-op",
    }
}

fn section(catalog: &Catalog, c: &Change) -> String {
    let mut out = String::new();
    let mut notes: Vec<String> = Vec::new();
    if let Some(id) = &c.import_id {
        notes.push(format!("imported from <code>{id}</code>"));
    }
    if let Some(from) = &c.moved_from {
        notes.push(format!("moved from <code>{from}</code>"));
    }
    notes.extend(c.reason.clone().filter(|_| c.action != Action::Update));
    let reason: String = notes.iter().map(|n| format!(" — {n}")).collect();
    let _ = write!(
        out,
        "<details><summary>{} <code>{}</code>{reason}</summary>\n\n",
        icon(c),
        c.address
    );
    if c.action == Action::NoOp {
        out.push_str("Nothing else changes.\n\n</details>\n");
        return out;
    }
    out.push_str("```diff\n");
    let attrs: Vec<&AttributeChange> = match c.action {
        Action::Delete => c
            .attributes
            .iter()
            .filter(|a| {
                matches!(
                    a.path.attribute(),
                    Some("name" | "bucket" | "cidr_block" | "identifier")
                )
            })
            .collect(),
        _ => c.attributes.iter().collect(),
    };
    for a in attrs {
        for line in attribute_lines(catalog, &c.address.rtype, c.action, a) {
            let _ = writeln!(out, "{line}");
        }
    }
    if c.action == Action::Delete {
        if let Some(p) = &c.prior {
            let _ = writeln!(out, "  id = {}", p.id);
        }
    }
    out.push_str("```\n\n</details>\n");
    out
}

fn drift_section(catalog: &Catalog, d: &Drift) -> String {
    let mut out = String::new();
    let status = match d.status {
        DriftStatus::Deleted => "deleted outside cairn",
        _ => "changed outside cairn",
    };
    let _ = writeln!(
        out,
        "<details><summary>⚠️ <code>{}</code> {status}</summary>\n\n```diff",
        d.address
    );
    for a in &d.attributes {
        for line in attribute_lines(catalog, &d.address.rtype, Action::Update, a) {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push_str("```\n\n</details>\n");
    out
}

/// The plan as a pull-request comment, at most `limit` characters.
pub fn plan(plan: &Plan, stack: &str, catalog: &Catalog, limit: usize) -> String {
    let mut out = String::new();
    let s = plan.summary();
    let n = |a| s.get(&a).copied().unwrap_or(0);
    let _ = writeln!(out, "### cairn plan for `{stack}`\n");
    if plan.is_empty() && plan.drift.is_empty() {
        out.push_str("No changes: the infrastructure matches the configuration.\n");
        return out;
    }
    // Columns for renames and imports only when the plan has some.
    let extra: Vec<(&str, usize)> = [("import", plan.imports()), ("move", plan.moves())]
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .collect();
    let head: String = extra.iter().map(|(name, _)| format!(" {name} |")).collect();
    let rule: String = extra.iter().map(|_| "---:|").collect();
    let counts: String = extra
        .iter()
        .map(|(_, count)| format!(" {count} |"))
        .collect();
    let _ = writeln!(
        out,
        "| create | update | replace | destroy |{head}\n|---:|---:|---:|---:|{rule}"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |{counts}\n",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    );
    let mut warnings: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.stateful && matches!(c.action, Action::Delete | Action::Replace))
        .map(|c| {
            format!(
                "> **Warning:** `{}` {} and the data it holds will be lost.",
                c.address,
                if c.action == Action::Delete {
                    "will be destroyed"
                } else {
                    "will be replaced"
                }
            )
        })
        .collect();
    warnings.extend(plan.changes.iter().filter_map(|c| {
        let id = c.import_id.as_ref().filter(|_| c.action == Action::Replace)?;
        Some(format!(
            "> **Warning:** `{}` will be imported (`{id}`) and then replaced{}: the existing resource `{id}` will be deleted.",
            c.address,
            c.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
        ))
    }));
    warnings.extend(plan.protection.iter().map(|(address, prevent_destroy)| {
        if *prevent_destroy {
            format!("> **Note:** `{address}` gains `lifecycle.prevent_destroy`: deletes and replacements will be refused.")
        } else {
            format!("> **Warning:** `{address}` loses `lifecycle.prevent_destroy`: it can be destroyed or replaced again.")
        }
    }));
    for w in &warnings {
        let _ = writeln!(out, "{w}");
    }
    if !warnings.is_empty() {
        out.push('\n');
    }
    let mut sections: Vec<String> = Vec::new();
    if !plan.drift.is_empty() {
        sections.push("#### Changed outside cairn\n\n".into());
        sections.extend(plan.drift.iter().map(|d| drift_section(catalog, d)));
        sections.push("\n".into());
    }
    let changes: Vec<&Change> = plan.changes.iter().filter(|c| !c.is_noop()).collect();
    if !changes.is_empty() {
        sections.push("#### Changes\n\n".into());
    }
    // Destroys and replacements first: what a reviewer must not miss.
    let order = |a: Action| match a {
        Action::Delete => 0,
        Action::Replace => 1,
        Action::Update => 2,
        _ => 3,
    };
    let mut sorted = changes.clone();
    sorted.sort_by_key(|c| order(c.action));
    sections.extend(sorted.iter().map(|c| section(catalog, c)));
    let summary = format!("\n**{}**\n", crate::render::human::summary_line(plan));
    let budget = limit.saturating_sub(out.len() + summary.len() + RESERVE);
    let mut used = 0;
    let mut left_out = 0;
    for s in &sections {
        if left_out > 0 || used + s.len() > budget {
            if s.starts_with("<details>") {
                left_out += 1;
            }
            continue;
        }
        used += s.len();
        out.push_str(s);
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n> {left_out} more resource section(s) are left out to stay within a comment's {limit} characters. The full plan: `cairn plan --format json` (or the JSON kept with `cairn plan --out`)."
        );
    }
    out.push_str(&summary);
    out
}
