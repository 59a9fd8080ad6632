//! A Mermaid flowchart of a plan for pull-request comments: the resources that change, styled
//! by action (renames and imports too), and the resources they depend on, with an arrow from
//! each to what it depends on (the direction of `cairn graph`).

use std::collections::BTreeMap;
use std::fmt::Write;

use cairn_engine::{Action, Change, Plan};
use cairn_model::Address;

/// What GitHub's Mermaid renders at most: characters of a diagram's text, and edges.
pub const MAX_TEXT: usize = 50_000;
pub const MAX_EDGES: usize = 500;

/// Fill and stroke per class (GitHub's light palette, legible on a dark theme too).
const CLASSES: &[(&str, &str)] = &[
    ("create", "fill:#dafbe1,stroke:#1a7f37,color:#1f2328"),
    ("update", "fill:#fff8c5,stroke:#9a6700,color:#1f2328"),
    ("replace", "fill:#fbefff,stroke:#8250df,color:#1f2328"),
    ("delete", "fill:#ffebe9,stroke:#cf222e,color:#1f2328"),
    // Renamed or imported: recorded in state, nothing changes in AWS.
    ("record", "fill:#ddf4ff,stroke:#0969da,color:#1f2328"),
    (
        "unchanged",
        "fill:#f6f8fa,stroke:#d0d7de,color:#57606a,stroke-dasharray:3 3",
    ),
];

fn class(c: &Change) -> &'static str {
    match c.action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
        Action::NoOp => "record",
    }
}

fn marker(c: &Change) -> &'static str {
    match c.action {
        Action::Create => "+ ",
        Action::Update => "~ ",
        Action::Replace => "-/+ ",
        Action::Delete => "- ",
        Action::NoOp => "",
    }
}

/// A node label: Mermaid reads `"` as the end of the label, so it is written as an entity.
fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// The flowchart (inside a ```` ```mermaid ```` block), or `None` when nothing changes or
/// it is larger than GitHub draws.
pub fn graph(plan: &Plan) -> Option<String> {
    let changes: Vec<&Change> = plan.changes.iter().filter(|c| !c.is_noop()).collect();
    if changes.is_empty() {
        return None;
    }
    // Node ids by address: the changed resources in plan order, then what they depend on.
    let mut ids: BTreeMap<&Address, String> = BTreeMap::new();
    let mut nodes: Vec<(String, String, &str)> = Vec::new();
    for c in &changes {
        if ids.contains_key(&c.address) {
            continue; // a replaced resource's deposed instance
        }
        let id = format!("n{}", ids.len());
        ids.insert(&c.address, id.clone());
        let mut text = format!("{}{}", marker(c), c.address);
        if let Some(id) = &c.import_id {
            text.push_str(&format!(" (import {id})"));
        }
        if let Some(from) = &c.moved_from {
            text.push_str(&format!(" (moved from {from})"));
        }
        nodes.push((id, label(&text), class(c)));
    }
    let mut edges: Vec<(String, String)> = Vec::new();
    for c in &changes {
        let from = ids[&c.address].clone();
        for dep in &c.dependencies {
            let to = match ids.get(dep) {
                Some(id) => id.clone(),
                None => {
                    let id = format!("n{}", ids.len());
                    ids.insert(dep, id.clone());
                    nodes.push((id.clone(), label(&dep.to_string()), "unchanged"));
                    id
                }
            };
            if from != to && !edges.contains(&(from.clone(), to.clone())) {
                edges.push((from.clone(), to));
            }
        }
    }
    if edges.len() > MAX_EDGES {
        return None;
    }
    let mut out = String::from("```mermaid\nflowchart RL\n");
    for (id, text, class) in &nodes {
        let _ = writeln!(out, "  {id}[\"{text}\"]:::{class}");
    }
    for (from, to) in &edges {
        let _ = writeln!(out, "  {from} --> {to}");
    }
    for (name, style) in CLASSES {
        let _ = writeln!(out, "  classDef {name} {style}");
    }
    out.push_str("```\n");
    (out.len() <= MAX_TEXT).then_some(out)
}
