//! The human plan format: what to review first (data loss, ingress open to the internet, IAM
//! wildcards, public buckets), then changes grouped by action with `+ ~ -/+ -` markers,
//! attribute-level before → after, and nested values as structural diffs (lists element by
//! element, documents as line diffs of canonical JSON).

use std::fmt::Write;

use cairn_engine::{Action, AttributeChange, Change, DriftStatus, Plan};
use cairn_model::{Catalog, Value};

use crate::render::{nested, risk};
use crate::style::Painter;

/// Renders a plan for a terminal or a log.
pub struct HumanRenderer<'a> {
    pub catalog: &'a Catalog,
    pub paint: Painter,
}

fn marker(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
        Action::NoOp => " ",
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::NoOp => "is unchanged",
    }
}

/// What a change does, after its address: "will be updated in place", "will be moved from
/// aws_subnet.a", "will be imported (vpc-…) and updated in place".
fn headline(c: &Change) -> String {
    let said = words(c);
    match &c.provider {
        Some(alias) => format!("{said} on aws.{alias}"),
        None => said,
    }
}

fn words(c: &Change) -> String {
    let mut parts = Vec::new();
    if let Some(id) = &c.import_id {
        parts.push(format!("imported ({id})"));
    }
    if let Some(from) = &c.moved_from {
        parts.push(format!("moved from {from}"));
    }
    if parts.is_empty() {
        return verb(c.action).to_string();
    }
    match c.action {
        Action::NoOp => {}
        Action::Create => parts.push("created".into()),
        Action::Update => parts.push("updated in place".into()),
        Action::Replace => parts.push("replaced".into()),
        Action::Delete => parts.push("destroyed".into()),
    }
    format!("will be {}", parts.join(" and "))
}

/// The one-line summary; renames and imports are counted when there are some.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    let n = |a| s.get(&a).copied().unwrap_or(0);
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to replace, {} to destroy",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    );
    for (count, what) in [(plan.imports(), "import"), (plan.moves(), "move")] {
        if count > 0 {
            line.push_str(&format!(", {count} to {what}"));
        }
    }
    line.push('.');
    line
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Unknown => "(known after apply)".into(),
        other => other.to_string(),
    }
}

impl HumanRenderer<'_> {
    /// Renders a value that may span lines, indented by `indent`.
    fn value(&self, v: &Value, indent: usize) -> String {
        match v {
            Value::List(_) | Value::Map(_) if !v.to_string().is_empty() => {
                let text = v.canonical_json();
                if text.lines().count() <= 1 || text.len() <= 60 {
                    return v.to_string();
                }
                let pad = " ".repeat(indent);
                text.lines()
                    .enumerate()
                    .map(|(i, l)| {
                        if i == 0 {
                            l.to_string()
                        } else {
                            format!("{pad}{l}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            other => scalar(other),
        }
    }

    fn attribute(
        &self,
        out: &mut String,
        rtype: &str,
        action: Action,
        a: &AttributeChange,
        width: usize,
    ) {
        let p = &self.paint;
        let name = a.path.to_string();
        let pad = " ".repeat(width.saturating_sub(name.len()));
        let indent = 8 + width + 3;
        let shown = |v: &Option<Value>| -> String {
            match v {
                _ if a.sensitive => "(sensitive)".into(),
                Some(v) => self.value(v, indent),
                None => "null".into(),
            }
        };
        let forces = if a.forces_replacement {
            format!(" {}", p.red("# forces replacement"))
        } else {
            String::new()
        };
        let structural = nested::of_change(
            self.catalog,
            rtype,
            &a.path,
            a.before.as_ref(),
            a.after.as_ref(),
            a.sensitive,
        );
        if let Some(d) = structural {
            let what = nested::header(&d).unwrap_or_default();
            let _ = writeln!(out, "      {} {name}{pad} = {what}{forces}", p.yellow("~"));
            out.push_str(&nested::human_rows(&nested::rows(&d), 10, p));
            return;
        }
        match (&a.before, &a.after) {
            (None, Some(after)) if action != Action::Update && action != Action::Replace => {
                let _ = writeln!(
                    out,
                    "      {} {name}{pad} = {}",
                    p.green("+"),
                    shown(&Some(after.clone()))
                );
            }
            (Some(_), None) if action == Action::Delete => {
                let _ = writeln!(
                    out,
                    "      {} {name}{pad} = {}",
                    p.red("-"),
                    shown(&a.before)
                );
            }
            (None, Some(_)) => {
                let _ = writeln!(
                    out,
                    "      {} {name}{pad} = {}{forces}",
                    p.green("+"),
                    shown(&a.after)
                );
            }
            (Some(_), None) => {
                let _ = writeln!(
                    out,
                    "      {} {name}{pad} = {} -> null{forces}",
                    p.red("-"),
                    shown(&a.before)
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "      {} {name}{pad} = {} -> {}{forces}",
                    p.yellow("~"),
                    shown(&a.before),
                    shown(&a.after)
                );
            }
        }
    }

    fn change(&self, out: &mut String, c: &Change) {
        let p = &self.paint;
        let reason = match (&c.reason, c.action) {
            (Some(r), Action::Replace | Action::Delete | Action::Create) => format!(" ({r})"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {} {} {}{}",
            p.dim("#"),
            p.bold(&c.address.to_string()),
            headline(c),
            reason
        );
        let m = match c.action {
            Action::Create => p.green(marker(c.action)),
            Action::Update => p.yellow(marker(c.action)),
            Action::Replace => p.magenta(marker(c.action)),
            Action::Delete => p.red(marker(c.action)),
            Action::NoOp => marker(c.action).to_string(),
        };
        let _ = writeln!(out, "{m:>3} {}", c.address);
        let attrs: Vec<&AttributeChange> = match c.action {
            // A delete lists only what identifies the resource.
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
        let width = attrs
            .iter()
            .map(|a| a.path.to_string().len())
            .max()
            .unwrap_or(0);
        for a in attrs {
            self.attribute(out, &c.address.rtype, c.action, a, width);
        }
        if c.action == Action::Delete {
            if let Some(prior) = &c.prior {
                let _ = writeln!(out, "        {}", p.dim(&format!("id: {}", prior.id)));
            }
        }
        out.push('\n');
    }

    /// What changed outside cairn, which the plan reverts.
    fn drift(&self, out: &mut String, plan: &Plan) {
        let p = &self.paint;
        if !plan.drift.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                p.bold("Changed outside cairn since the last apply:")
            );
            out.push('\n');
            for d in &plan.drift {
                match d.status {
                    DriftStatus::Deleted => {
                        let _ = writeln!(
                            out,
                            "  {} {} was deleted",
                            p.dim("#"),
                            p.bold(&d.address.to_string())
                        );
                    }
                    DriftStatus::Modified => {
                        let _ = writeln!(
                            out,
                            "  {} {} was modified",
                            p.dim("#"),
                            p.bold(&d.address.to_string())
                        );
                        let width = d
                            .attributes
                            .iter()
                            .map(|a| a.path.to_string().len())
                            .max()
                            .unwrap_or(0);
                        for a in &d.attributes {
                            self.attribute(out, &d.address.rtype, Action::Update, a, width);
                        }
                    }
                }
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "This plan reverts those changes to match the configuration.\n"
            );
        }
    }

    /// Protection gained or lost (recorded in state only).
    fn protection(&self, out: &mut String, plan: &Plan) {
        let p = &self.paint;
        if !plan.protection.is_empty() {
            let _ = writeln!(
                out,
                "{}\n",
                p.bold("Protection (recorded in state; nothing changes in AWS):")
            );
            for (address, prevent_destroy) in &plan.protection {
                let what = if *prevent_destroy {
                    "deletes and replacements will be refused"
                } else {
                    "deletes and replacements are allowed again"
                };
                let _ = writeln!(
                    out,
                    "  {} {}: lifecycle.prevent_destroy = {} -> {prevent_destroy} ({what})",
                    p.yellow("~"),
                    p.bold(&address.to_string()),
                    !prevent_destroy
                );
            }
            out.push('\n');
        }
    }

    /// The whole plan.
    pub fn plan(&self, plan: &Plan) -> String {
        let p = &self.paint;
        let mut out = String::new();
        let risks = risk::risks(plan);
        if !risks.is_empty() {
            let _ = writeln!(out, "{}", p.red(&p.bold("Review before applying:")));
            for r in &risks {
                let _ = writeln!(out, "  {} {}", p.red("!"), r.sentence(|s| p.bold(s)));
            }
        }
        for c in &plan.changes {
            if let (Some(id), Action::Replace) = (&c.import_id, c.action) {
                let _ = writeln!(
                    out,
                    "{} {} will be imported ({id}) and then replaced{}: the existing resource {id} will be deleted.",
                    p.red(&p.bold("Warning:")),
                    c.address,
                    c.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
                );
            }
        }
        if !plan.scope.targets.is_empty() {
            let targets: Vec<String> = plan.scope.targets.iter().map(|t| t.to_string()).collect();
            let _ = writeln!(
                out,
                "{} a partial plan (--target {}): only these resources and what they depend on; the rest of the stack and its outputs are left as they are.",
                p.yellow(&p.bold("Warning:")),
                targets.join(", --target ")
            );
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for op in &plan.pending {
            let _ = writeln!(
                out,
                "{} an earlier run started to {} {} and did not finish (token {}); a plan or apply that reads AWS resolves it.\n",
                p.yellow(&p.bold("Warning:")),
                op.operation,
                op.address,
                op.token
            );
        }
        self.drift(&mut out, plan);
        self.protection(&mut out, plan);
        let changing: Vec<&Change> = plan.changes.iter().filter(|c| !c.is_noop()).collect();
        let outputs_changing: Vec<_> = plan
            .outputs
            .iter()
            .filter(|(_, o)| o.before.as_ref() != Some(&o.after))
            .collect();
        if changing.is_empty() && outputs_changing.is_empty() && !plan.protection.is_empty() {
            return out;
        }
        if changing.is_empty() && outputs_changing.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                p.green("No changes. The infrastructure matches the configuration.")
            );
            return out;
        }
        if !changing.is_empty() {
            let _ = writeln!(out, "cairn will perform the following actions:\n");
            for action in [
                Action::Create,
                Action::Update,
                Action::Replace,
                Action::Delete,
                Action::NoOp,
            ] {
                for c in changing.iter().filter(|c| c.action == action) {
                    self.change(&mut out, c);
                }
            }
        }
        if !outputs_changing.is_empty() {
            let _ = writeln!(out, "Changes to outputs:");
            for (name, o) in outputs_changing {
                let after = if o.sensitive {
                    "(sensitive)".into()
                } else {
                    self.value(&o.after, 6)
                };
                match &o.before {
                    None => {
                        let _ = writeln!(out, "  {} {name} = {after}", p.green("+"));
                    }
                    Some(b) => {
                        let before = if o.sensitive {
                            "(sensitive)".into()
                        } else {
                            self.value(b, 6)
                        };
                        let _ = writeln!(out, "  {} {name} = {before} -> {after}", p.yellow("~"));
                    }
                }
            }
            out.push('\n');
        }
        if !plan.data.is_empty() {
            let _ = writeln!(out, "Read while planning:");
            for (address, feeds) in &plan.data {
                let feeds: Vec<String> = feeds.iter().map(|a| a.to_string()).collect();
                let _ = writeln!(out, "  {address} (used by {})", feeds.join(", "));
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{}", p.bold(&summary_line(plan)));
        out
    }
}
