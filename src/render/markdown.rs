//! The Markdown plan format, for pull-request comments: what to review first, a summary table,
//! warnings, a Mermaid graph of the changes, then one collapsible section per resource with
//! `diff` blocks (nested values as structural diffs); kept under a comment's size limit.

use std::fmt::Write;

use cairn_engine::{Action, AttributeChange, Change, Drift, DriftStatus, Plan};
use cairn_model::{Catalog, Value};

use crate::render::{mermaid, nested, risk};

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
    if let Some(d) = nested::of_change(
        catalog,
        rtype,
        &a.path,
        a.before.as_ref(),
        a.after.as_ref(),
        a.sensitive,
    ) {
        let what = nested::header(&d).unwrap_or_default();
        let mut out = vec![format!("~ {name} ({what}){forces}")];
        out.extend(nested::markdown_rows(&nested::rows(&d)));
        return out;
    }
    match (&a.before, &a.after) {
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

/// The table of counts per action; columns for renames and imports only when the plan has
/// some.
fn counts_table(plan: &Plan) -> String {
    let s = plan.summary();
    let n = |a| s.get(&a).copied().unwrap_or(0);
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
    format!(
        "| create | update | replace | destroy |{head}\n|---:|---:|---:|---:|{rule}\n| {} | {} | {} | {} |{counts}\n\n",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    )
}

/// What a reviewer must not miss, as a list; at most `room` characters (the rest counted).
fn risks_list(plan: &Plan, room: usize) -> String {
    let risks = risk::risks(plan);
    if risks.is_empty() {
        return String::new();
    }
    let mut out = String::from("#### ⚠️ Review before applying\n\n");
    for (i, r) in risks.iter().enumerate() {
        let line = format!(
            "- **{}:** {}\n",
            r.kind.title(),
            r.sentence(|s| format!("`{s}`"))
        );
        if out.len() + line.len() > room {
            let _ = writeln!(
                out,
                "- … and {} more: `cairn plan --format json` lists them all (`risks`).",
                risks.len() - i
            );
            break;
        }
        out.push_str(&line);
    }
    out.push('\n');
    out
}

/// Imports that replace what they adopt, and protection gained or lost.
fn warnings(plan: &Plan) -> String {
    let mut warnings: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| {
            let id = c.import_id.as_ref().filter(|_| c.action == Action::Replace)?;
            Some(format!(
                "> **Warning:** `{}` will be imported (`{id}`) and then replaced{}: the existing resource `{id}` will be deleted.",
                c.address,
                c.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
            ))
        })
        .collect();
    if !plan.scope.targets.is_empty() {
        warnings.push(format!(
            "> **Warning:** a partial plan (`--target {}`): only these resources and what they depend on; the rest of the stack and its outputs are left as they are.",
            listed(&plan.scope.targets)
        ));
    }
    warnings.extend(plan.protection.iter().map(|(address, prevent_destroy)| {
        if *prevent_destroy {
            format!("> **Note:** `{address}` gains `lifecycle.prevent_destroy`: deletes and replacements will be refused.")
        } else {
            format!("> **Warning:** `{address}` loses `lifecycle.prevent_destroy`: it can be destroyed or replaced again.")
        }
    }));
    if warnings.is_empty() {
        return String::new();
    }
    format!("{}\n\n", warnings.join("\n"))
}

/// The sections of drift and of changes, destroys and replacements first.
fn sections(plan: &Plan, catalog: &Catalog) -> Vec<String> {
    let mut sections: Vec<String> = Vec::new();
    if !plan.drift.is_empty() {
        sections.push("#### Changed outside cairn\n\n".into());
        sections.extend(plan.drift.iter().map(|d| drift_section(catalog, d)));
        sections.push("\n".into());
    }
    let mut changes: Vec<&Change> = plan.changes.iter().filter(|c| !c.is_noop()).collect();
    if !changes.is_empty() {
        sections.push("#### Changes\n\n".into());
    }
    let order = |a: Action| match a {
        Action::Delete => 0,
        Action::Replace => 1,
        Action::Update => 2,
        _ => 3,
    };
    changes.sort_by_key(|c| order(c.action));
    sections.extend(changes.iter().map(|c| section(catalog, c)));
    sections
}

/// The plan as a pull-request comment, at most `limit` characters: what to review first, the
/// counts, a graph of the changes, then a section per resource. When it does not fit, the
/// graph goes first, then the last sections.
pub fn plan(plan: &Plan, stack: &str, catalog: &Catalog, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### cairn plan for `{stack}`\n");
    if plan.is_empty() && plan.drift.is_empty() {
        out.push_str("No changes: the infrastructure matches the configuration.\n");
        return out;
    }
    out.push_str(&risks_list(plan, limit / 4));
    out.push_str(&counts_table(plan));
    out.push_str(&warnings(plan));
    let sections = sections(plan, catalog);
    let summary = format!("\n**{}**\n", crate::render::human::summary_line(plan));
    let changing = plan.changes.iter().any(|c| !c.is_noop());
    let graph = mermaid::graph(plan).map(|g| {
        format!("<details><summary>Graph of the changes</summary>\n\n{g}\n</details>\n\n")
    });
    let all: usize = sections.iter().map(String::len).sum();
    match graph {
        Some(g) if out.len() + g.len() + all + summary.len() + RESERVE <= limit => {
            out.push_str(&g)
        }
        _ if changing => out.push_str(
            "> The graph of the changes is left out to stay within a comment's size; `cairn graph` draws the stack's.\n\n",
        ),
        _ => {}
    }
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

/// Addresses as `a`, `b`.
fn listed(addresses: &[cairn_model::Address]) -> String {
    addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("`, `--target ")
}
