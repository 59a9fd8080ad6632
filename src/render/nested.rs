//! Structural diffs of nested values, shared by every plan format and the drift report: maps
//! and blocks key by key, lists of objects element by element (matched by a natural key where
//! the elements have one, else by position), documents and multi-line text as line diffs —
//! so that one changed field in a long list is a few marked lines, not the list twice.

use std::collections::BTreeSet;

use cairn_model::{AttrType, Catalog, Path, PathSeg, Value};
use serde_json::{json, Value as Json};

use crate::render::diff::{self, Line};

/// The fields that identify an element of a list of objects, tried in this order: the first
/// that every element on both sides has (as a known scalar) matches elements across the
/// change. Elements without one are matched by position.
const NATURAL_KEYS: &[&[&str]] = &[
    &["name"],
    &["key"],
    &["id"],
    &["protocol", "from_port", "to_port"],
];

/// Longest one-line form of a list of scalars shown whole, as before → after.
const ONE_LINE: usize = 80;
/// Longest row of an added or removed value shown on one line; longer ones are shown as
/// canonical JSON over several rows.
const ONE_ROW: usize = 100;

static ANY: AttrType = AttrType::Any;
static DOCUMENT: AttrType = AttrType::Document;

/// How one value changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Delta {
    /// Set where there was nothing.
    Added(Value),
    /// Gone.
    Removed(Value),
    /// One value in place of another (scalars, short lists, values of different kinds).
    Replaced { before: Value, after: Value },
    /// Changed, with the values withheld.
    Sensitive,
    /// A document (policy, container definition): changed lines of its canonical JSON.
    Document(Vec<Line>),
    /// Text of several lines: its changed lines.
    Text(Vec<Line>),
    /// A map or block: only its changed keys, sorted.
    Fields(Vec<(String, Delta)>),
    /// A list: its added, removed and changed elements, in list order.
    Elements {
        items: Vec<Element>,
        unchanged: usize,
    },
}

/// One element of a list that changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    pub at: Place,
    pub delta: Delta,
}

/// What places an element of a list for a reader.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// Its natural key's fields and values, e.g. `name = "s3-read"`.
    Key(Vec<(String, Value)>),
    /// Its position: in the new list, or in the old one for a removed element.
    Index(usize),
}

/// The type of the value at `path` of a resource of type `rtype`; `Any` where the catalog
/// does not say.
pub fn attr_type<'a>(catalog: &'a Catalog, rtype: &str, path: &Path) -> &'a AttrType {
    let Some(schema) = catalog.get(rtype) else {
        return &ANY;
    };
    let Some(PathSeg::Key(top)) = path.0.first() else {
        return &ANY;
    };
    let Some(attr) = schema.inputs.get(top).or_else(|| schema.outputs.get(top)) else {
        return &ANY;
    };
    let mut ty = &attr.ty;
    for seg in &path.0[1..] {
        let key = match seg {
            PathSeg::Key(k) => Some(k.as_str()),
            PathSeg::Index(_) => None,
        };
        ty = child_type(ty, key).0;
    }
    ty
}

/// The type of a key's value (or of an element, `key` none) inside a value of type `ty`, and
/// whether the schema marks it sensitive.
fn child_type<'a>(ty: &'a AttrType, key: Option<&str>) -> (&'a AttrType, bool) {
    match ty {
        AttrType::Object(fields) => key
            .and_then(|k| fields.get(k))
            .map(|f| (&f.ty, f.sensitive))
            .unwrap_or((&ANY, false)),
        AttrType::Map(t) | AttrType::List(t) | AttrType::Set(t) => (t, false),
        AttrType::Document => (&DOCUMENT, false),
        _ => (&ANY, false),
    }
}

/// `v` with the values of fields the schema marks sensitive replaced by `(sensitive)`.
fn redacted(ty: &AttrType, v: &Value) -> Value {
    match (ty, v) {
        (AttrType::Object(fields), Value::Map(m)) => Value::Map(
            m.iter()
                .map(|(k, x)| match fields.get(k) {
                    Some(f) if f.sensitive => (k.clone(), Value::string("(sensitive)")),
                    Some(f) => (k.clone(), redacted(&f.ty, x)),
                    None => (k.clone(), x.clone()),
                })
                .collect(),
        ),
        (AttrType::List(t) | AttrType::Set(t), Value::List(items)) => {
            Value::List(items.iter().map(|i| redacted(t, i)).collect())
        }
        (AttrType::Map(t), Value::Map(m)) => {
            Value::Map(m.iter().map(|(k, x)| (k.clone(), redacted(t, x))).collect())
        }
        _ => v.clone(),
    }
}

/// How `before` became `after` (a value of type `ty`; `None` or null is absent); `None` when
/// nothing changed.
pub fn delta(ty: &AttrType, before: Option<&Value>, after: Option<&Value>) -> Option<Delta> {
    let before = before.filter(|v| !v.is_null());
    let after = after.filter(|v| !v.is_null());
    match (before, after) {
        (None, None) => None,
        (Some(b), Some(a)) if b == a => None,
        (None, Some(a)) => Some(Delta::Added(redacted(ty, a))),
        (Some(b), None) => Some(Delta::Removed(redacted(ty, b))),
        (Some(b), Some(a)) => changed(ty, b, a),
    }
}

/// A JSON document kept as a string (a policy given as JSON text), parsed.
fn parsed(v: &Value) -> Option<Value> {
    let s = v.as_str()?.trim_start();
    if !(s.starts_with('{') || s.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Json>(s).ok().map(Value::from_json)
}

/// Both values as documents, when at least one is JSON text and the other is JSON text or a
/// table or array.
fn as_documents(b: &Value, a: &Value) -> Option<(Value, Value)> {
    let form = |v: &Value| match v {
        Value::Map(_) | Value::List(_) => Some(v.clone()),
        other => parsed(other),
    };
    let text = b.as_str().is_some() || a.as_str().is_some();
    text.then(|| Some((form(b)?, form(a)?))).flatten()
}

fn text_of(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.canonical_json())
}

fn is_objects(items: &[Value]) -> bool {
    items.iter().all(|i| matches!(i, Value::Map(_)))
}

/// Two different present values.
fn changed(ty: &AttrType, b: &Value, a: &Value) -> Option<Delta> {
    if let Some((pb, pa)) = as_documents(b, a) {
        return match delta(&DOCUMENT, Some(&pb), Some(&pa)) {
            // Only the text differs (spacing, key order): show that it does.
            None => Some(Delta::Text(diff::lines(&text_of(b), &text_of(a)))),
            some => some,
        };
    }
    let document = *ty == AttrType::Document;
    Some(match (b, a) {
        (Value::String(sb), Value::String(sa)) if sb.contains('\n') || sa.contains('\n') => {
            Delta::Text(diff::lines(sb, sa))
        }
        (Value::List(lb), Value::List(la)) if is_objects(lb) && is_objects(la) => {
            elements(child_type(ty, None).0, lb, la)?
        }
        (Value::Map(_) | Value::List(_), Value::Map(_) | Value::List(_)) if document => {
            Delta::Document(diff::document(b, a))
        }
        (Value::Map(mb), Value::Map(ma)) => {
            let keys: BTreeSet<&String> = mb.keys().chain(ma.keys()).collect();
            let fields: Vec<(String, Delta)> = keys
                .into_iter()
                .filter_map(|k| {
                    let (cty, sensitive) = child_type(ty, Some(k));
                    let d = if sensitive {
                        (mb.get(k) != ma.get(k)).then_some(Delta::Sensitive)
                    } else {
                        delta(cty, mb.get(k), ma.get(k))
                    };
                    Some((k.clone(), d?))
                })
                .collect();
            if fields.is_empty() {
                return None;
            }
            Delta::Fields(fields)
        }
        (Value::List(lb), Value::List(la)) => {
            let short = b.to_string().len() <= ONE_LINE && a.to_string().len() <= ONE_LINE;
            if short {
                Delta::Replaced {
                    before: redacted(ty, b),
                    after: redacted(ty, a),
                }
            } else {
                by_position(child_type(ty, None).0, lb, la)?
            }
        }
        _ => Delta::Replaced {
            before: redacted(ty, b),
            after: redacted(ty, a),
        },
    })
}

/// The first natural key every element of both lists has.
fn natural_key(b: &[Value], a: &[Value]) -> Option<&'static [&'static str]> {
    NATURAL_KEYS.iter().copied().find(|fields| {
        b.iter().chain(a).all(|e| {
            fields.iter().all(|f| {
                matches!(
                    e.as_map().and_then(|m| m.get(*f)),
                    Some(Value::String(_) | Value::Number(_) | Value::Bool(_))
                )
            })
        })
    })
}

fn elements(ty: &AttrType, b: &[Value], a: &[Value]) -> Option<Delta> {
    // Elements that only moved match by key to themselves: their positions tell.
    natural_key(b, a)
        .and_then(|fields| by_key(ty, fields, b, a))
        .or_else(|| by_position(ty, b, a))
}

fn place(ty: &AttrType, fields: &[&str], e: &Value) -> Place {
    let e = redacted(ty, e);
    Place::Key(
        fields
            .iter()
            .map(|f| {
                let v = e.as_map().and_then(|m| m.get(*f)).cloned();
                (f.to_string(), v.unwrap_or_default())
            })
            .collect(),
    )
}

/// Two objects that differ in at most half of their fields.
fn alike(b: &Value, a: &Value) -> bool {
    let (Some(mb), Some(ma)) = (b.as_map(), a.as_map()) else {
        return false;
    };
    let keys: BTreeSet<&String> = mb.keys().chain(ma.keys()).collect();
    let differ = keys.iter().filter(|k| mb.get(**k) != ma.get(**k)).count();
    differ * 2 <= keys.len()
}

/// Elements matched by their natural key: equal elements first, then the rest of each key's
/// elements in order, then elements whose key changed but not much else; what is left on one
/// side only was added or removed.
fn by_key(ty: &AttrType, fields: &[&str], b: &[Value], a: &[Value]) -> Option<Delta> {
    let key = |e: &Value| -> Vec<Option<Value>> {
        fields
            .iter()
            .map(|f| e.as_map().and_then(|m| m.get(*f)).cloned())
            .collect()
    };
    let kb: Vec<_> = b.iter().map(key).collect();
    let ka: Vec<_> = a.iter().map(key).collect();
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    let mut unchanged = 0;
    for (i, e) in b.iter().enumerate() {
        if let Some(j) = (0..a.len()).find(|&j| !used_a[j] && ka[j] == kb[i] && a[j] == *e) {
            used_a[j] = true;
            used_b[i] = true;
            unchanged += 1;
        }
    }
    // Sorted by position: an element of the new list at 2j+1, a removed one at 2i.
    let mut items: Vec<(usize, Element)> = Vec::new();
    let mut removed = Vec::new();
    for i in (0..b.len()).filter(|&i| !used_b[i]) {
        let Some(j) = (0..a.len()).find(|&j| !used_a[j] && ka[j] == kb[i]) else {
            removed.push(i);
            continue;
        };
        used_a[j] = true;
        match changed(ty, &b[i], &a[j]) {
            Some(delta) => items.push((
                2 * j + 1,
                Element {
                    at: place(ty, fields, &a[j]),
                    delta,
                },
            )),
            None => unchanged += 1,
        }
    }
    let mut added: Vec<usize> = (0..a.len()).filter(|&j| !used_a[j]).collect();
    for i in removed {
        // An element whose key changed and little else (a rule's port) is that element,
        // changed: placed where it was.
        let Some(k) = added.iter().position(|&j| alike(&b[i], &a[j])) else {
            items.push((
                2 * i,
                Element {
                    at: place(ty, fields, &b[i]),
                    delta: Delta::Removed(redacted(ty, &b[i])),
                },
            ));
            continue;
        };
        let j = added.remove(k);
        if let Some(delta) = changed(ty, &b[i], &a[j]) {
            items.push((
                2 * j + 1,
                Element {
                    at: place(ty, fields, &b[i]),
                    delta,
                },
            ));
        }
    }
    for j in added {
        items.push((
            2 * j + 1,
            Element {
                at: place(ty, fields, &a[j]),
                delta: Delta::Added(redacted(ty, &a[j])),
            },
        ));
    }
    items.sort_by_key(|(at, _)| *at);
    let items: Vec<Element> = items.into_iter().map(|(_, e)| e).collect();
    (!items.is_empty()).then_some(Delta::Elements { items, unchanged })
}

/// Elements matched by position, after the longest run of equal elements is lined up (so
/// that an element inserted at the front is one addition, not every element changed).
/// Containers replaced in place are compared field by field; scalars are removed and added.
fn by_position(ty: &AttrType, b: &[Value], a: &[Value]) -> Option<Delta> {
    let kb: Vec<String> = b.iter().map(Value::canonical_json).collect();
    let ka: Vec<String> = a.iter().map(Value::canonical_json).collect();
    let mut items = Vec::new();
    let mut unchanged = 0;
    let removed = |i: usize| Element {
        at: Place::Index(i),
        delta: Delta::Removed(redacted(ty, &b[i])),
    };
    let added = |j: usize| Element {
        at: Place::Index(j),
        delta: Delta::Added(redacted(ty, &a[j])),
    };
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &kb, &ka) {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => unchanged += old.len(),
            similar::DiffTag::Delete => items.extend(old.map(removed)),
            similar::DiffTag::Insert => items.extend(new.map(added)),
            similar::DiffTag::Replace => {
                let containers = |v: &Value| matches!(v, Value::Map(_) | Value::List(_));
                let pairs = old.len().min(new.len());
                let paired = (0..pairs)
                    .all(|k| containers(&b[old.start + k]) && containers(&a[new.start + k]));
                if !paired {
                    items.extend(old.map(removed));
                    items.extend(new.map(added));
                    continue;
                }
                for k in 0..pairs {
                    let (i, j) = (old.start + k, new.start + k);
                    match changed(ty, &b[i], &a[j]) {
                        Some(delta) => items.push(Element {
                            at: Place::Index(j),
                            delta,
                        }),
                        None => unchanged += 1,
                    }
                }
                items.extend((old.start + pairs..old.end).map(removed));
                items.extend((new.start + pairs..new.end).map(added));
            }
        }
    }
    (!items.is_empty()).then_some(Delta::Elements { items, unchanged })
}

/// What a delta shown over several rows is, after its name: `document`, `list: 1 changed,
/// 19 unchanged`. `None` for a delta shown on one line (added, removed, replaced, sensitive).
pub fn header(d: &Delta) -> Option<String> {
    let counts = |deltas: &mut dyn Iterator<Item = &Delta>, unchanged: usize| {
        let (mut added, mut removed, mut changed) = (0, 0, 0);
        for d in deltas {
            match d {
                Delta::Added(_) => added += 1,
                Delta::Removed(_) => removed += 1,
                _ => changed += 1,
            }
        }
        [
            (changed, "changed"),
            (added, "added"),
            (removed, "removed"),
            (unchanged, "unchanged"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect::<Vec<_>>()
        .join(", ")
    };
    match d {
        Delta::Document(_) => Some("document".into()),
        Delta::Text(_) => Some("text".into()),
        Delta::Fields(fields) => Some(format!(
            "map: {}",
            counts(&mut fields.iter().map(|(_, d)| d), 0)
        )),
        Delta::Elements { items, unchanged } => Some(format!(
            "list: {}",
            counts(&mut items.iter().map(|e| &e.delta), *unchanged)
        )),
        _ => None,
    }
}

/// How a row of a structural diff is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Unchanged context.
    Same,
    Added,
    Removed,
    /// Something inside changed (the rows below say what), or a value replaced on one line.
    Changed,
    /// Unchanged lines left out.
    Gap,
}

/// One row of a structural diff: a mark, a nesting depth and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub mark: Mark,
    pub depth: usize,
    pub text: String,
}

/// The rows below a delta's [`header`], at depth 0 and deeper.
pub fn rows(d: &Delta) -> Vec<Row> {
    let mut out = Vec::new();
    push_rows(d, 0, &mut out);
    out
}

fn row(mark: Mark, depth: usize, text: impl Into<String>) -> Row {
    Row {
        mark,
        depth,
        text: text.into(),
    }
}

fn push_rows(d: &Delta, depth: usize, out: &mut Vec<Row>) {
    match d {
        Delta::Document(lines) | Delta::Text(lines) => out.extend(lines.iter().map(|l| match l {
            Line::Same(t) => row(Mark::Same, depth, t.as_str()),
            Line::Added(t) => row(Mark::Added, depth, t.as_str()),
            Line::Removed(t) => row(Mark::Removed, depth, t.as_str()),
            Line::Gap => row(Mark::Gap, depth, ""),
        })),
        Delta::Fields(fields) => {
            for (k, fd) in fields {
                named(&key_text(k), fd, depth, out);
            }
        }
        Delta::Elements { items, .. } => {
            for e in items {
                match &e.delta {
                    Delta::Added(v) => value_rows(Mark::Added, depth, "", v, out),
                    Delta::Removed(v) => value_rows(Mark::Removed, depth, "", v, out),
                    Delta::Replaced { .. } | Delta::Sensitive => {
                        named(&place_text(&e.at), &e.delta, depth, out)
                    }
                    _ => {
                        out.push(row(Mark::Changed, depth, place_text(&e.at)));
                        push_rows(&e.delta, depth + 1, out);
                    }
                }
            }
        }
        Delta::Added(_) | Delta::Removed(_) | Delta::Replaced { .. } | Delta::Sensitive => {}
    }
}

/// The rows of the change of a named field.
fn named(name: &str, d: &Delta, depth: usize, out: &mut Vec<Row>) {
    match d {
        Delta::Added(v) => value_rows(Mark::Added, depth, &format!("{name} = "), v, out),
        Delta::Removed(v) => value_rows(Mark::Removed, depth, &format!("{name} = "), v, out),
        Delta::Replaced { before, after } => out.push(row(
            Mark::Changed,
            depth,
            format!("{name} = {} -> {}", inline(before), inline(after)),
        )),
        Delta::Sensitive => out.push(row(Mark::Changed, depth, format!("{name} = (sensitive)"))),
        _ => {
            let what = header(d).unwrap_or_default();
            out.push(row(Mark::Changed, depth, format!("{name} = {what}")));
            push_rows(d, depth + 1, out);
        }
    }
}

/// A whole value on one row, or as canonical JSON over several rows when it is long.
fn value_rows(mark: Mark, depth: usize, prefix: &str, v: &Value, out: &mut Vec<Row>) {
    let one = inline(v);
    if prefix.len() + one.len() <= ONE_ROW || !matches!(v, Value::Map(_) | Value::List(_)) {
        out.push(row(mark, depth, format!("{prefix}{one}")));
        return;
    }
    for (i, l) in v.canonical_json().lines().enumerate() {
        let text = if i == 0 {
            format!("{prefix}{l}")
        } else {
            l.to_string()
        };
        out.push(row(mark, depth, text));
    }
}

/// A key as written in a stack file: bare when it can be, quoted otherwise.
fn key_text(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// A value on one line, as an inline TOML table or array would write it.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Map(m) if m.is_empty() => "{}".into(),
        Value::Map(m) => {
            let fields: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{} = {}", key_text(k), inline(x)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// An element's place: `{ name = "s3-read" }` or `[3]`.
fn place_text(at: &Place) -> String {
    match at {
        Place::Key(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{} = {}", key_text(k), inline(v)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Place::Index(i) => format!("[{i}]"),
    }
}

/// The delta as JSON, for the JSON plan and drift formats (`attributes[].diff`).
pub fn to_json(d: &Delta) -> Json {
    let lines = |lines: &[Line]| -> Json {
        lines
            .iter()
            .map(|l| match l {
                Line::Same(t) => json!({"op": "same", "text": t}),
                Line::Added(t) => json!({"op": "added", "text": t}),
                Line::Removed(t) => json!({"op": "removed", "text": t}),
                Line::Gap => json!({"op": "gap"}),
            })
            .collect()
    };
    match d {
        Delta::Added(v) => json!({"kind": "added", "value": v.to_json_lossy()}),
        Delta::Removed(v) => json!({"kind": "removed", "value": v.to_json_lossy()}),
        Delta::Replaced { before, after } => json!({
            "kind": "replaced",
            "before": before.to_json_lossy(),
            "after": after.to_json_lossy(),
        }),
        Delta::Sensitive => json!({"kind": "sensitive"}),
        Delta::Document(l) => json!({"kind": "document", "lines": lines(l)}),
        Delta::Text(l) => json!({"kind": "text", "lines": lines(l)}),
        Delta::Fields(fields) => json!({
            "kind": "fields",
            "fields": fields
                .iter()
                .map(|(k, d)| (k.clone(), to_json(d)))
                .collect::<serde_json::Map<_, _>>(),
        }),
        Delta::Elements { items, unchanged } => json!({
            "kind": "elements",
            "unchanged": unchanged,
            "elements": items.iter().map(|e| {
                let mut item = match &e.at {
                    Place::Key(fields) => json!({"key": fields
                        .iter()
                        .map(|(k, v)| (k.clone(), v.to_json_lossy()))
                        .collect::<serde_json::Map<_, _>>()}),
                    Place::Index(i) => json!({"index": i}),
                };
                item["diff"] = to_json(&e.delta);
                item
            }).collect::<Vec<_>>(),
        }),
    }
}

/// The structural delta of an attribute change whose values are shown over several rows:
/// `None` for a sensitive change, or one a single line shows (a scalar, a short list).
pub fn of_change(
    catalog: &Catalog,
    rtype: &str,
    path: &Path,
    before: Option<&Value>,
    after: Option<&Value>,
    sensitive: bool,
) -> Option<Delta> {
    if sensitive {
        return None;
    }
    let (Some(b), Some(a)) = (before, after) else {
        return None;
    };
    let d = delta(attr_type(catalog, rtype, path), Some(b), Some(a))?;
    header(&d).is_some().then_some(d)
}

/// The rows for a terminal, each indented by `indent` and four more per depth: `+`/`-` lines
/// in colour, `~` marking what changed inside, `@@` where unchanged lines are left out.
pub fn human_rows(rows: &[Row], indent: usize, p: &crate::style::Painter) -> String {
    let mut out = String::new();
    for r in rows {
        let pad = " ".repeat(indent + 4 * r.depth);
        let text = match r.mark {
            Mark::Same => format!("  {}", r.text),
            Mark::Added => p.green(&format!("+ {}", r.text)),
            Mark::Removed => p.red(&format!("- {}", r.text)),
            Mark::Changed => format!("{} {}", p.yellow("~"), r.text),
            Mark::Gap => p.dim("@@"),
        };
        out.push_str(&format!("{pad}{text}\n"));
    }
    out
}

/// The rows for a Markdown `diff` block, below their header: the mark in the first column
/// (which GitHub colours), the nesting after it.
pub fn markdown_rows(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let pad = format!("  {}", "    ".repeat(r.depth));
            match r.mark {
                Mark::Same => format!("  {pad}{}", r.text),
                Mark::Added => format!("+ {pad}{}", r.text),
                Mark::Removed => format!("- {pad}{}", r.text),
                Mark::Changed => format!("~ {pad}{}", r.text),
                Mark::Gap => format!("  {pad}..."),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(j: Json) -> Value {
        Value::from_json(j)
    }

    /// The rows of a delta as the Markdown format writes them.
    fn shown(ty: &AttrType, before: Json, after: Json) -> Vec<String> {
        let d = delta(ty, Some(&v(before)), Some(&v(after))).expect("a change");
        let mut out = vec![header(&d).unwrap_or_else(|| format!("{d:?}"))];
        out.extend(markdown_rows(&rows(&d)));
        out
    }

    #[test]
    fn lists_are_matched_element_by_element() {
        let cases: Vec<(&str, Json, Json, Vec<&str>)> = vec![
            (
                "by name: one field of one element",
                json!([{"name": "a", "size": 1}, {"name": "b", "size": 2}, {"name": "c", "size": 3}]),
                json!([{"name": "a", "size": 1}, {"name": "b", "size": 5}, {"name": "c", "size": 3}]),
                vec![
                    "list: 1 changed, 2 unchanged",
                    "~   { name = \"b\" }",
                    "~       size = 2 -> 5",
                ],
            ),
            (
                "by name: order does not matter, additions and removals are whole",
                json!([{"name": "a"}, {"name": "b"}]),
                json!([{"name": "c"}, {"name": "a"}]),
                vec![
                    "list: 1 added, 1 removed, 1 unchanged",
                    "+   { name = \"c\" }",
                    "-   { name = \"b\" }",
                ],
            ),
            (
                "a rule's key is its protocol and ports; a changed port changes that rule",
                json!([{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/8"]},
                       {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"]}]),
                json!([{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/8"]},
                       {"protocol": "tcp", "from_port": 8443, "to_port": 8443, "cidr_blocks": ["10.0.0.0/8"]}]),
                vec![
                    "list: 1 changed, 1 unchanged",
                    "~   { protocol = \"tcp\", from_port = 443, to_port = 443 }",
                    "~       from_port = 443 -> 8443",
                    "~       to_port = 443 -> 8443",
                ],
            ),
            (
                "no key: by position, an insertion in front is one addition",
                json!([{"weight": 1}, {"weight": 2}]),
                json!([{"weight": 0}, {"weight": 1}, {"weight": 2}]),
                vec!["list: 1 added, 2 unchanged", "+   { weight = 0 }"],
            ),
            (
                "no key: an element changed in place",
                json!([{"weight": 1, "zone": "a"}, {"weight": 2, "zone": "b"}]),
                json!([{"weight": 1, "zone": "a"}, {"weight": 3, "zone": "b"}]),
                vec![
                    "list: 1 changed, 1 unchanged",
                    "~   [1]",
                    "~       weight = 2 -> 3",
                ],
            ),
            (
                "only the order changed",
                json!([{"name": "a"}, {"name": "b"}]),
                json!([{"name": "b"}, {"name": "a"}]),
                vec![
                    "list: 1 added, 1 removed, 1 unchanged",
                    "+   { name = \"b\" }",
                    "-   { name = \"b\" }",
                ],
            ),
        ];
        for (what, before, after, expected) in cases {
            assert_eq!(shown(&AttrType::Any, before, after), expected, "{what}");
        }
    }

    #[test]
    fn long_lists_of_scalars_show_their_elements_and_short_ones_one_line() {
        let ids = |n: std::ops::Range<u32>| {
            json!(n.map(|i| format!("subnet-{i:08}")).collect::<Vec<_>>())
        };
        let d = delta(&AttrType::Any, Some(&v(ids(0..10))), Some(&v(ids(1..11)))).expect("change");
        assert_eq!(
            markdown_rows(&rows(&d)),
            vec!["-   \"subnet-00000000\"", "+   \"subnet-00000010\""]
        );
        let d = delta(
            &AttrType::Any,
            Some(&v(json!(["a"]))),
            Some(&v(json!(["b"]))),
        )
        .expect("change");
        assert_eq!(header(&d), None, "{d:?}");
    }

    #[test]
    fn documents_inside_lists_are_line_diffs_whatever_their_form() {
        let doc = |action: &str| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]});
        let before = json!([{"name": "p", "policy": doc("s3:GetObject")}]);
        // The new policy written as JSON text, as a stack may give it.
        let after = json!([{"name": "p", "policy": doc("s3:PutObject").to_string()}]);
        assert_eq!(
            shown(&AttrType::Any, before, after),
            vec![
                "list: 1 changed",
                "~   { name = \"p\" }",
                "~       policy = document",
                "            {",
                "              \"Statement\": [",
                "                {",
                "-                 \"Action\": \"s3:GetObject\",",
                "+                 \"Action\": \"s3:PutObject\",",
                "                  \"Effect\": \"Allow\",",
                "                  \"Resource\": \"*\"",
                "                }",
            ]
        );
    }

    #[test]
    fn sensitive_fields_are_withheld_inside_elements() {
        // No type has a sensitive field inside a list yet: one made from a real attribute.
        let catalog = cairn_providers::shared_catalog();
        let field = |ty: AttrType, sensitive: bool| {
            let mut f = catalog
                .get("aws_vpc")
                .and_then(|s| s.inputs.get("cidr_block"))
                .cloned()
                .expect("an attribute");
            f.ty = ty;
            f.sensitive = sensitive;
            f
        };
        let ty = AttrType::List(Box::new(AttrType::Object(
            [
                ("name".to_string(), field(AttrType::String, false)),
                ("secret".to_string(), field(AttrType::String, true)),
            ]
            .into(),
        )));
        let rows = shown(
            &ty,
            json!([{"name": "a", "secret": "old-secret"}]),
            json!([{"name": "a", "secret": "new-secret"}, {"name": "b", "secret": "other-secret"}]),
        );
        let text = rows.join("\n");
        assert!(!text.contains("secret\""), "{text}");
        assert!(!text.contains("-secret"), "{text}");
        assert!(text.contains("secret = (sensitive)"), "{text}");
    }

    #[test]
    fn multi_line_text_is_a_line_diff() {
        let d = delta(
            &AttrType::String,
            Some(&Value::string("#!/bin/sh\necho one\necho two\n")),
            Some(&Value::string("#!/bin/sh\necho one\necho three\n")),
        )
        .expect("change");
        assert_eq!(header(&d).as_deref(), Some("text"));
        assert_eq!(
            markdown_rows(&rows(&d)),
            vec![
                "    #!/bin/sh",
                "    echo one",
                "-   echo two",
                "+   echo three"
            ]
        );
    }
}
