//! `data.aws_iam_policy_document`: Terraform's IAM policy document data source, computed as
//! an expression (it reads nothing from AWS, and its arguments may be known only after apply).
//!
//! The argument is the data source's arguments as a map; the result has `json` (indented as
//! Terraform's `json`), `minified_json` and `id` (Terraform's: the CRC-32 of `json`, in
//! decimal). The document is the one the AWS provider renders:
//!
//! - `actions`, `not_actions`, `resources`, `not_resources` and `identifiers` are sets: without
//!   duplicates, in reverse lexical order, a single value as a string;
//! - `condition` values keep their order and duplicates, a single value as a string;
//! - `principals` (`not_principals`) of the same type merge under one key, the blocks in the
//!   provider's set order (the order of the CRC-32 hash codes of the blocks, compared as
//!   decimal strings); a lone `{ type = "*", identifiers = ["*"] }` renders as `"*"`;
//! - `&{...}` in resources, identifiers and condition values becomes `${...}` (an error in
//!   version 2008-10-17);
//! - `source_json` and `source_policy_documents` come first (their sids must be unique), then
//!   the statements written here (replacing a source statement of the same sid), then
//!   `override_policy_documents` and `override_json` (replacing by sid, or appended).
//!
//! Strings are escaped as Go escapes them (`<`, `>` and `&` as `\u003c`, `\u003e`,
//! `\u0026`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::encoding::json_string;
use super::num::Num;
use super::{describe, to_text, Args, CallError, Map, Outcome};
use crate::value::Value;

type J = serde_json::Value;

const DEFAULT_VERSION: &str = "2012-10-17";
const OLD_VERSION: &str = "2008-10-17";

const ARGUMENTS: &[&str] = &[
    "version",
    "policy_id",
    "statement",
    "source_policy_documents",
    "override_policy_documents",
    "source_json",
    "override_json",
    "id",
    "json",
    "minified_json",
];
const STATEMENT_ARGUMENTS: &[&str] = &[
    "sid",
    "effect",
    "actions",
    "not_actions",
    "resources",
    "not_resources",
    "principals",
    "not_principals",
    "condition",
];
const PRINCIPAL_ARGUMENTS: &[&str] = &["type", "identifiers"];
const CONDITION_ARGUMENTS: &[&str] = &["test", "variable", "values"];

pub(super) fn aws_iam_policy_document(a: &Args) -> Outcome {
    let empty = Map::new();
    let args = match a.get(0) {
        Value::Null => &empty,
        Value::Map(m) => m,
        other => return Err(a.fail(0, super::mismatch("a map of arguments", other))),
    };
    let doc = document(args).map_err(CallError::Failed)?.to_json();
    let mut json = String::new();
    doc.indented(&mut json, 0);
    let mut minified = String::new();
    doc.compact(&mut minified);
    Ok(Value::map([
        ("id", Value::String(crc32(json.as_bytes()).to_string())),
        ("json", Value::String(json)),
        ("minified_json", Value::String(minified)),
    ]))
}

/// The merged document the arguments describe.
fn document(args: &Map) -> Result<Document, String> {
    known_keys(args, ARGUMENTS)?;
    for computed in ["id", "json", "minified_json"] {
        if args.get(computed).is_some_and(|v| !v.is_null()) {
            return Err(format!(
                "`{computed}` is computed by the data source and cannot be set"
            ));
        }
    }
    let version = match text(args.get("version"), "version")? {
        None => DEFAULT_VERSION.to_string(),
        Some(v) if v == DEFAULT_VERSION || v == OLD_VERSION => v,
        Some(v) => {
            return Err(format!(
                "`version` must be \"{OLD_VERSION}\" or \"{DEFAULT_VERSION}\", got {v:?}"
            ))
        }
    };
    let id = text(args.get("policy_id"), "policy_id")?.unwrap_or_default();

    let mut merged = legacy_document(args, "source_json")?.unwrap_or_default();
    let mut sids: HashSet<String> = merged
        .statements
        .iter()
        .filter(|s| !s.sid.is_empty())
        .map(|s| s.sid.clone())
        .collect();
    for (i, source) in documents(args, "source_policy_documents")? {
        for (j, statement) in source.statements.iter().enumerate() {
            if !statement.sid.is_empty() && !sids.insert(statement.sid.clone()) {
                return Err(format!(
                    "`source_policy_documents[{i}]`: duplicate statement sid {:?} (statement \
                     {j}); the sids of source documents must be unique",
                    statement.sid
                ));
            }
        }
        merged.merge(source);
    }

    let statements = statements(args.get("statement"), &version)?;
    merged.merge(Document {
        version,
        id,
        statements,
    });

    for (_, over) in documents(args, "override_policy_documents")? {
        merged.merge(over);
    }
    if let Some(over) = legacy_document(args, "override_json")? {
        merged.merge(over);
    }
    Ok(merged)
}

// ---------------------------------------------------------------------------------------------
// The document model: the provider's, rendered as Go's encoding/json renders it
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Document {
    version: String,
    id: String,
    statements: Vec<Statement>,
}

#[derive(Debug, Default)]
struct Statement {
    sid: String,
    effect: String,
    action: Option<Json>,
    not_action: Option<Json>,
    resource: Option<Json>,
    not_resource: Option<Json>,
    principals: Vec<Principal>,
    not_principals: Vec<Principal>,
    conditions: Vec<Condition>,
}

/// One string, or several (rendered as a list even when there is one).
#[derive(Clone, Debug, PartialEq)]
enum Strings {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug)]
struct Principal {
    kind: String,
    identifiers: Strings,
}

#[derive(Debug)]
struct Condition {
    test: String,
    variable: String,
    values: Vec<String>,
}

impl Document {
    /// The provider's merge: a non-empty id and a later version win; a statement replaces
    /// the first one of the same non-empty sid, or is appended.
    fn merge(&mut self, new: Document) {
        if !new.id.is_empty() {
            self.id = new.id;
        }
        if new.version > self.version {
            self.version = new.version;
        }
        for statement in new.statements {
            let same = (!statement.sid.is_empty())
                .then(|| self.statements.iter_mut().find(|s| s.sid == statement.sid))
                .flatten();
            match same {
                Some(existing) => *existing = statement,
                None => self.statements.push(statement),
            }
        }
    }

    fn to_json(&self) -> Json {
        let mut fields = Vec::new();
        if !self.version.is_empty() {
            fields.push(("Version", Json::Str(self.version.clone())));
        }
        if !self.id.is_empty() {
            fields.push(("Id", Json::Str(self.id.clone())));
        }
        if !self.statements.is_empty() {
            let all = self.statements.iter().map(Statement::to_json).collect();
            fields.push(("Statement", Json::Arr(all)));
        }
        Json::object(fields)
    }
}

impl Statement {
    fn to_json(&self) -> Json {
        let mut fields = Vec::new();
        for (key, value) in [("Sid", &self.sid), ("Effect", &self.effect)] {
            if !value.is_empty() {
                fields.push((key, Json::Str(value.clone())));
            }
        }
        let lists = [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ];
        for (key, value) in lists {
            if let Some(v) = value {
                fields.push((key, v.clone()));
            }
        }
        for (key, value) in [
            ("Principal", &self.principals),
            ("NotPrincipal", &self.not_principals),
        ] {
            if !value.is_empty() {
                fields.push((key, principals_json(value)));
            }
        }
        if !self.conditions.is_empty() {
            fields.push(("Condition", conditions_json(&self.conditions)));
        }
        Json::object(fields)
    }
}

impl Strings {
    fn to_json(&self) -> Json {
        match self {
            Strings::One(s) => Json::Str(s.clone()),
            Strings::Many(all) => Json::Arr(all.iter().cloned().map(Json::Str).collect()),
        }
    }
}

/// Principals as the provider renders them: `"*"` for a lone `*` principal, else one key a
/// type (sorted), the identifiers of its principals in order, each principal's list in reverse
/// lexical order.
fn principals_json(principals: &[Principal]) -> Json {
    if let [only] = principals {
        let star = match &only.identifiers {
            Strings::One(s) => s == "*",
            Strings::Many(all) => all.len() == 1 && all[0] == "*",
        };
        if only.kind == "*" && star {
            return Json::Str("*".to_string());
        }
    }
    let mut by_kind: BTreeMap<&str, Strings> = BTreeMap::new();
    for p in principals {
        match (&p.identifiers, by_kind.get_mut(p.kind.as_str())) {
            (Strings::One(id), None) => {
                by_kind.insert(&p.kind, Strings::One(id.clone()));
            }
            (Strings::One(id), Some(Strings::One(first))) => {
                let first = std::mem::take(first);
                by_kind.insert(&p.kind, Strings::Many(vec![first, id.clone()]));
            }
            (Strings::One(id), Some(Strings::Many(all))) => all.push(id.clone()),
            (Strings::Many(ids), existing) => {
                let mut ids = ids.clone();
                ids.sort_unstable_by(|x, y| y.cmp(x));
                let mut all = match existing {
                    None => Vec::new(),
                    Some(Strings::One(first)) => vec![std::mem::take(first)],
                    Some(Strings::Many(all)) => std::mem::take(all),
                };
                all.extend(ids);
                by_kind.insert(&p.kind, Strings::Many(all));
            }
        }
    }
    Json::Obj(
        by_kind
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect(),
    )
}

/// Conditions as the provider renders them: `{ test: { variable: values } }`, tests and
/// variables sorted, the values of one test and variable together, a single one as a string.
fn conditions_json(conditions: &[Condition]) -> Json {
    let mut by_test: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for c in conditions {
        by_test
            .entry(&c.test)
            .or_default()
            .entry(&c.variable)
            .or_default()
            .extend(c.values.iter().cloned());
    }
    let variables = |vars: BTreeMap<&str, Vec<String>>| {
        vars.into_iter()
            .map(|(var, mut values)| {
                let values = if values.len() == 1 {
                    Strings::One(values.remove(0))
                } else {
                    Strings::Many(values)
                };
                (var.to_string(), values.to_json())
            })
            .collect()
    };
    Json::Obj(
        by_test
            .into_iter()
            .map(|(test, vars)| (test.to_string(), Json::Obj(variables(vars))))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// The statements written in the data source
// ---------------------------------------------------------------------------------------------

fn statements(given: Option<&Value>, version: &str) -> Result<Vec<Statement>, String> {
    let items = match given {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::List(items)) => items,
        Some(other) => {
            return Err(format!(
                "`statement` must be a list of statement blocks, found {}",
                describe(other)
            ))
        }
    };
    let mut sids = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let statement = statement(item, version).map_err(|e| format!("statement {i}: {e}"))?;
        if !statement.sid.is_empty() && !sids.insert(statement.sid.clone()) {
            return Err(format!(
                "statement {i}: duplicate statement sid {:?}; remove the sid or make it unique",
                statement.sid
            ));
        }
        out.push(statement);
    }
    Ok(out)
}

fn statement(item: &Value, version: &str) -> Result<Statement, String> {
    let Value::Map(m) = item else {
        return Err(format!(
            "expected a statement block (a map), found {}",
            describe(item)
        ));
    };
    known_keys(m, STATEMENT_ARGUMENTS)?;
    let sid = text(m.get("sid"), "sid")?.unwrap_or_default();
    if !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "`sid` must only include alphanumeric characters, got {sid:?}"
        ));
    }
    let effect = match text(m.get("effect"), "effect")? {
        None => "Allow".to_string(),
        Some(e) if e == "Allow" || e == "Deny" => e,
        Some(e) => return Err(format!("`effect` must be \"Allow\" or \"Deny\", got {e:?}")),
    };
    let set = |key: &str, policy_variables: bool| -> Result<Option<Json>, String> {
        let Some(values) = as_set(strings(m.get(key), key)?) else {
            return Ok(None);
        };
        let values = if policy_variables {
            replace_variables(values, version, key)?
        } else {
            values
        };
        Ok(Some(values.to_json()))
    };
    Ok(Statement {
        sid,
        effect,
        action: set("actions", false)?,
        not_action: set("not_actions", false)?,
        resource: set("resources", true)?,
        not_resource: set("not_resources", true)?,
        principals: principals(m, "principals", version)?,
        not_principals: principals(m, "not_principals", version)?,
        conditions: conditions(m, version)?,
    })
}

/// A set of strings as the provider decodes it: `None` when empty, one value as itself,
/// several without duplicates in reverse lexical order.
fn as_set(values: Vec<String>) -> Option<Strings> {
    let unique: BTreeSet<String> = values.into_iter().collect();
    match unique.len() {
        0 => None,
        1 => unique.into_iter().next().map(Strings::One),
        _ => Some(Strings::Many(unique.into_iter().rev().collect())),
    }
}

/// `&{...}` becomes `${...}` (Terraform's escape for IAM policy variables), which version
/// 2008-10-17 does not have.
fn replace_variables(values: Strings, version: &str, key: &str) -> Result<Strings, String> {
    let one = |s: String| {
        if version == OLD_VERSION && s.contains("&{") {
            Err(format!(
                "`{key}`: found `&{{` in {s:?}; policy variables are not supported in \
                 document version {OLD_VERSION}"
            ))
        } else {
            Ok(s.replace("&{", "${"))
        }
    };
    Ok(match values {
        Strings::One(s) => Strings::One(one(s)?),
        Strings::Many(all) => Strings::Many(all.into_iter().map(one).collect::<Result<_, _>>()?),
    })
}

fn principals(m: &Map, key: &str, version: &str) -> Result<Vec<Principal>, String> {
    let mut hashed = Vec::new();
    for (k, block) in blocks(m.get(key), key)?.into_iter().enumerate() {
        let at = format!("{key}[{k}]");
        known_keys(block, PRINCIPAL_ARGUMENTS).map_err(|e| format!("`{at}`: {e}"))?;
        let kind = required_text(block, "type", &at)?;
        let ids = match block.get("identifiers") {
            None | Some(Value::Null) => return Err(format!("`{at}.identifiers` is required")),
            given => strings(given, &format!("{at}.identifiers"))?,
        };
        let hash = format!(
            "identifiers:{{{}}};type:{kind};",
            set_order(ids.iter().map(|id| (format!("{id};"), id)))
                .into_iter()
                .map(|id| format!("{id};"))
                .collect::<String>()
        );
        let identifiers = as_set(ids).unwrap_or(Strings::Many(Vec::new()));
        let identifiers = replace_variables(identifiers, version, &format!("{at}.identifiers"))?;
        hashed.push((hash, Principal { kind, identifiers }));
    }
    Ok(set_order(hashed))
}

fn conditions(m: &Map, version: &str) -> Result<Vec<Condition>, String> {
    let mut hashed = Vec::new();
    for (k, block) in blocks(m.get("condition"), "condition")?
        .into_iter()
        .enumerate()
    {
        let at = format!("condition[{k}]");
        known_keys(block, CONDITION_ARGUMENTS).map_err(|e| format!("`{at}`: {e}"))?;
        let test = required_text(block, "test", &at)?;
        let variable = required_text(block, "variable", &at)?;
        let values = match block.get("values") {
            None | Some(Value::Null) => return Err(format!("`{at}.values` is required")),
            given => strings(given, &format!("{at}.values"))?,
        };
        let hash = format!(
            "test:{test};values:({});variable:{variable};",
            values.iter().map(|v| format!("{v};")).collect::<String>()
        );
        let values =
            match replace_variables(Strings::Many(values), version, &format!("{at}.values"))? {
                Strings::Many(all) => all,
                Strings::One(one) => vec![one],
            };
        hashed.push((
            hash,
            Condition {
                test,
                variable,
                values,
            },
        ));
    }
    Ok(set_order(hashed))
}

/// The elements of a Terraform set of blocks (or strings) in the provider's order: keyed by
/// the CRC-32 of their serialization, the keys compared as decimal strings; the first of
/// equal keys kept.
fn set_order<T>(items: impl IntoIterator<Item = (String, T)>) -> Vec<T> {
    let mut by_code: BTreeMap<String, T> = BTreeMap::new();
    for (serialized, item) in items {
        by_code
            .entry(crc32(serialized.as_bytes()).to_string())
            .or_insert(item);
    }
    by_code.into_values().collect()
}

// ---------------------------------------------------------------------------------------------
// Reading the arguments
// ---------------------------------------------------------------------------------------------

fn known_keys(m: &Map, allowed: &[&str]) -> Result<(), String> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => {
            let near = allowed.iter().find(|a| {
                **a == format!("{k}s") || format!("{a}s") == *k || a.eq_ignore_ascii_case(k)
            });
            let hint = near.map_or(String::new(), |a| format!("; did you mean `{a}`?"));
            Err(format!("unknown argument `{k}`{hint}"))
        }
    }
}

/// An optional string argument: `None` when absent or null; numbers and bools convert.
fn text(given: Option<&Value>, key: &str) -> Result<Option<String>, String> {
    match given {
        None | Some(Value::Null) => Ok(None),
        Some(v) => to_text(v)
            .map(Some)
            .map_err(|_| format!("`{key}` must be a string, found {}", describe(v))),
    }
}

fn required_text(block: &Map, key: &str, at: &str) -> Result<String, String> {
    text(block.get(key), &format!("{at}.{key}"))?.ok_or_else(|| format!("`{at}.{key}` is required"))
}

/// A list of strings (numbers and bools convert); empty when absent or null.
fn strings(given: Option<&Value>, key: &str) -> Result<Vec<String>, String> {
    let items = match given {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::List(items)) => items,
        Some(other) => {
            return Err(format!(
                "`{key}` must be a list of strings, found {}",
                describe(other)
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Null => Err(format!("`{key}[{i}]` must not be null")),
            v => to_text(v).map_err(|_| {
                format!(
                    "`{key}` must be a list of strings, but element {i} is {}",
                    describe(v)
                )
            }),
        })
        .collect()
}

/// A list of blocks (maps); empty when absent or null.
fn blocks<'a>(given: Option<&'a Value>, key: &str) -> Result<Vec<&'a Map>, String> {
    let items = match given {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::List(items)) => items,
        Some(other) => {
            return Err(format!(
                "`{key}` must be a list of blocks, found {}",
                describe(other)
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Map(m) => Ok(m),
            other => Err(format!(
                "`{key}[{i}]` must be a block (a map), found {}",
                describe(other)
            )),
        })
        .collect()
}

/// `source_policy_documents` or `override_policy_documents`: each JSON string decoded, with
/// its index; null elements skipped (as the provider does).
fn documents(args: &Map, key: &str) -> Result<Vec<(usize, Document)>, String> {
    let items = match args.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::List(items)) => items,
        Some(other) => {
            return Err(format!(
                "`{key}` must be a list of JSON policy documents, found {}",
                describe(other)
            ))
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let text = match item {
            Value::Null => continue,
            Value::String(s) => s,
            other => {
                return Err(format!(
                    "`{key}[{i}]` must be a JSON policy document (a string), found {}",
                    describe(other)
                ))
            }
        };
        out.push((i, decode(text).map_err(|e| format!("`{key}[{i}]`: {e}"))?));
    }
    Ok(out)
}

/// `source_json` or `override_json` (deprecated in the provider): a document when set and
/// not empty.
fn legacy_document(args: &Map, key: &str) -> Result<Option<Document>, String> {
    match text(args.get(key), key)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => decode(&s).map(Some).map_err(|e| format!("`{key}`: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Documents given as JSON, decoded as the provider's Go types decode them
// ---------------------------------------------------------------------------------------------

fn decode(text: &str) -> Result<Document, String> {
    let parsed: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let o = match &parsed {
        J::Null => return Ok(Document::default()),
        J::Object(o) => o,
        other => {
            return Err(format!(
                "a policy document must be a JSON object, found {}",
                json_kind(other)
            ))
        }
    };
    let statements = match field(o, "Statement") {
        None | Some(J::Null) => Vec::new(),
        Some(J::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(j, s)| decode_statement(s).map_err(|e| format!("statement {j}: {e}")))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`Statement` must be a list of statements, found {}",
                json_kind(other)
            ))
        }
    };
    Ok(Document {
        version: json_text(o, "Version")?,
        id: json_text(o, "Id")?,
        statements,
    })
}

fn decode_statement(s: &J) -> Result<Statement, String> {
    let J::Object(o) = s else {
        return Err(format!("expected an object, found {}", json_kind(s)));
    };
    let any = |key: &str| match field(o, key) {
        None | Some(J::Null) => None,
        Some(v) => Some(Json::of(v)),
    };
    Ok(Statement {
        sid: json_text(o, "Sid")?,
        effect: json_text(o, "Effect")?,
        action: any("Action"),
        not_action: any("NotAction"),
        resource: any("Resource"),
        not_resource: any("NotResource"),
        principals: decode_principals(o, "Principal")?,
        not_principals: decode_principals(o, "NotPrincipal")?,
        conditions: decode_conditions(o)?,
    })
}

/// A principal element: any string stands for `"*"`; an object maps types to one identifier
/// or a list of them.
fn decode_principals(o: &serde_json::Map<String, J>, key: &str) -> Result<Vec<Principal>, String> {
    match field(o, key) {
        None | Some(J::Null) => Ok(Vec::new()),
        Some(J::String(_)) => Ok(vec![Principal {
            kind: "*".to_string(),
            identifiers: Strings::Many(vec!["*".to_string()]),
        }]),
        Some(J::Object(kinds)) => kinds
            .iter()
            .map(|(kind, ids)| {
                let identifiers = match ids {
                    J::String(s) => Strings::One(s.clone()),
                    J::Array(all) => Strings::Many(
                        all.iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<_>>()
                            .ok_or_else(|| {
                                format!("`{key}`: the identifiers of {kind:?} must be strings")
                            })?,
                    ),
                    other => {
                        return Err(format!(
                            "`{key}`: the identifiers of {kind:?} must be a string or a list \
                             of strings, found {}",
                            json_kind(other)
                        ))
                    }
                };
                Ok(Principal {
                    kind: kind.clone(),
                    identifiers,
                })
            })
            .collect(),
        Some(other) => Err(format!(
            "`{key}` must be \"*\" or an object, found {}",
            json_kind(other)
        )),
    }
}

/// A condition element: `{ test: { variable: value or values } }`; a bool value stands for
/// its string.
fn decode_conditions(o: &serde_json::Map<String, J>) -> Result<Vec<Condition>, String> {
    let tests = match field(o, "Condition") {
        None | Some(J::Null) => return Ok(Vec::new()),
        Some(J::Object(tests)) => tests,
        Some(other) => {
            return Err(format!(
                "`Condition` must be an object, found {}",
                json_kind(other)
            ))
        }
    };
    let mut out = Vec::new();
    for (test, variables) in tests {
        let variables = match variables {
            J::Null => continue,
            J::Object(v) => v,
            other => {
                return Err(format!(
                    "`Condition`: {test:?} must be an object, found {}",
                    json_kind(other)
                ))
            }
        };
        for (variable, values) in variables {
            let bad = || {
                format!(
                    "`Condition`: the values of {test:?} {variable:?} must be a string, a bool \
                     or a list of strings"
                )
            };
            let values = match values {
                J::String(s) => vec![s.clone()],
                J::Bool(b) => vec![b.to_string()],
                J::Array(all) => all
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or_else(bad)?,
                _ => return Err(bad()),
            };
            out.push(Condition {
                test: test.clone(),
                variable: variable.clone(),
                values,
            });
        }
    }
    Ok(out)
}

/// A struct field as Go's decoder finds it: the exact key, else one equal ignoring case.
fn field<'a>(o: &'a serde_json::Map<String, J>, name: &str) -> Option<&'a J> {
    o.get(name).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn json_text(o: &serde_json::Map<String, J>, key: &str) -> Result<String, String> {
    match field(o, key) {
        None | Some(J::Null) => Ok(String::new()),
        Some(J::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "`{key}` must be a string, found {}",
            json_kind(other)
        )),
    }
}

fn json_kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// JSON rendering: Go's json.Marshal (compact) and json.MarshalIndent(v, "", "  ")
// ---------------------------------------------------------------------------------------------

/// JSON with its object keys in a chosen order.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Str(String),
    /// A number, a bool or null, as written.
    Literal(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn object(fields: Vec<(&str, Json)>) -> Json {
        Json::Obj(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// A decoded value as Go re-encodes an `interface{}`: object keys sorted.
    fn of(v: &J) -> Json {
        match v {
            J::Null => Json::Literal("null".to_string()),
            J::Bool(b) => Json::Literal(b.to_string()),
            J::Number(n) => Json::Literal(Num::of(n).text()),
            J::String(s) => Json::Str(s.clone()),
            J::Array(items) => Json::Arr(items.iter().map(Json::of).collect()),
            J::Object(o) => {
                let mut fields: Vec<(String, Json)> =
                    o.iter().map(|(k, v)| (k.clone(), Json::of(v))).collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Json::Obj(fields)
            }
        }
    }

    fn compact(&self, out: &mut String) {
        match self {
            Json::Str(s) => out.push_str(&json_string(s)),
            Json::Literal(l) => out.push_str(l),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.compact(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&json_string(k));
                    out.push(':');
                    v.compact(out);
                }
                out.push('}');
            }
        }
    }

    /// Indented by two spaces a level; empty lists and objects stay `[]` and `{}`.
    fn indented(&self, out: &mut String, depth: usize) {
        let newline = |out: &mut String, depth: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        };
        match self {
            Json::Arr(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.indented(out, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Json::Obj(fields) if !fields.is_empty() => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    out.push_str(&json_string(k));
                    out.push_str(": ");
                    v.indented(out, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
            other => other.compact(out),
        }
    }
}

/// CRC-32 (IEEE), as Go's `crc32.ChecksumIEEE`: the provider's hash codes for sets and ids.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::crc32;
    use crate::functions::test_support::{check, fails, v};
    use crate::functions::{call, names, returns, signature, CallError};
    use crate::value::Value;

    const NAME: &str = "data.aws_iam_policy_document";

    /// The `json` the data source renders for `args`, after checking that `minified_json`
    /// is the same document without whitespace and `id` the CRC-32 of `json`.
    #[track_caller]
    fn render(args: serde_json::Value) -> String {
        let out = call(NAME, vec![v(args)]).unwrap_or_else(|e| panic!("{e}"));
        let field = |k: &str| match &out {
            Value::Map(m) => m
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            other => panic!("not a map: {other:?}"),
        };
        let json = field("json");
        assert_eq!(field("minified_json"), minify(&json));
        assert_eq!(field("id"), crc32(json.as_bytes()).to_string());
        json
    }

    /// `s` without the whitespace outside strings.
    fn minify(s: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in s.chars() {
            if in_string {
                in_string = escaped || c != '"';
                escaped = !escaped && c == '\\';
            } else if c.is_whitespace() {
                continue;
            } else {
                in_string = c == '"';
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn crc32_is_ieee() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn internal_function() {
        assert!(!names().contains(&NAME), "internal: not listed");
        assert!(names().contains(&"jsonencode"));
        assert_eq!(
            signature(NAME),
            Some("data.aws_iam_policy_document(arguments map) → map")
        );
        assert_eq!(returns(NAME), Some("map"));
        assert!(matches!(call(NAME, vec![]), Err(CallError::Arity { .. })));
        // Known after apply: the whole document is.
        let unknown = Value::map([(
            "statement",
            Value::List(vec![Value::map([(
                "resources",
                Value::List(vec![Value::Unknown]),
            )])]),
        )]);
        assert_eq!(call(NAME, vec![unknown]), Ok(Value::Unknown));
    }

    #[test]
    fn no_arguments() {
        check(
            NAME,
            json!([{}]),
            json!({
                "id": "1132004489",
                "json": "{\n  \"Version\": \"2012-10-17\"\n}",
                "minified_json": "{\"Version\":\"2012-10-17\"}",
            }),
        );
        // Attributes not written come as null.
        let nulls = json!({
            "version": null, "policy_id": null, "statement": null,
            "source_policy_documents": null, "override_policy_documents": null,
            "source_json": null, "override_json": null,
            "id": null, "json": null, "minified_json": null,
        });
        assert_eq!(render(nulls), "{\n  \"Version\": \"2012-10-17\"\n}");
        assert_eq!(render(json!(null)), "{\n  \"Version\": \"2012-10-17\"\n}");
    }

    /// The provider's acceptance test `TestAccIAMPolicyDocumentDataSource_basic` (empty sids
    /// left out, as the provider renders them since v5).
    #[test]
    fn provider_basic_example() {
        let args = json!({
            "policy_id": "policy_id",
            "statement": [
                {
                    "sid": "1",
                    "actions": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
                    "resources": ["arn:aws:s3:::*"],
                },
                {
                    "actions": ["s3:ListBucket"],
                    "resources": ["arn:aws:s3:::foo"],
                    "condition": [{
                        "test": "StringLike",
                        "variable": "s3:prefix",
                        "values": ["home/", "", "home/&{aws:username}/"],
                    }],
                    "not_principals": [{"type": "AWS", "identifiers": ["arn:blahblah:example"]}],
                },
                {
                    "actions": ["s3:*"],
                    "resources": [
                        "arn:aws:s3:::foo/home/&{aws:username}",
                        "arn:aws:s3:::foo/home/&{aws:username}/*",
                    ],
                    "principals": [{"type": "AWS", "identifiers": ["arn:blahblah:example"]}],
                },
                {
                    "effect": "Deny",
                    "not_actions": ["s3:*"],
                    "not_resources": ["arn:aws:s3:::*"],
                },
                {
                    "effect": "Allow",
                    "actions": ["kinesis:*"],
                    "principals": [{"type": "AWS", "identifiers": ["*"]}],
                },
                {
                    "effect": "Allow",
                    "actions": ["firehose:*"],
                    "principals": [{"type": "*", "identifiers": ["*"]}],
                },
            ],
        });
        assert_eq!(
            render(args),
            r#"{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::foo",
      "NotPrincipal": {
        "AWS": "arn:blahblah:example"
      },
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "home/",
            "",
            "home/${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::foo/home/${aws:username}/*",
        "arn:aws:s3:::foo/home/${aws:username}"
      ],
      "Principal": {
        "AWS": "arn:blahblah:example"
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "s3:*",
      "NotResource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "kinesis:*",
      "Principal": {
        "AWS": "*"
      }
    },
    {
      "Effect": "Allow",
      "Action": "firehose:*",
      "Principal": "*"
    }
  ]
}"#
        );
    }

    /// The documentation's basic example: condition values keep their order.
    #[test]
    fn documentation_basic_example() {
        let args = json!({"statement": [
            {
                "sid": "1",
                "actions": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
                "resources": ["arn:aws:s3:::*"],
            },
            {
                "actions": ["s3:ListBucket"],
                "resources": ["arn:aws:s3:::mybucket"],
                "condition": [{
                    "test": "StringLike",
                    "variable": "s3:prefix",
                    "values": ["", "home/", "home/&{aws:username}/"],
                }],
            },
            {
                "actions": ["s3:*"],
                "resources": [
                    "arn:aws:s3:::mybucket/home/&{aws:username}",
                    "arn:aws:s3:::mybucket/home/&{aws:username}/*",
                ],
            },
        ]});
        let out = render(args);
        assert_eq!(
            minify(&out),
            concat!(
                r#"{"Version":"2012-10-17","Statement":["#,
                r#"{"Sid":"1","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},"#,
                r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::mybucket","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}},"#,
                r#"{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::mybucket/home/${aws:username}/*","arn:aws:s3:::mybucket/home/${aws:username}"]}"#,
                "]}"
            )
        );
    }

    #[test]
    fn multiple_condition_keys() {
        let args = json!({"statement": [{
            "actions": ["kms:Decrypt", "kms:GenerateDataKey"],
            "resources": ["*"],
            "condition": [
                {"test": "ForAnyValue:StringEquals", "variable": "kms:EncryptionContext:service", "values": ["pi"]},
                {"test": "ForAnyValue:StringEquals", "variable": "kms:EncryptionContext:aws:pi:service", "values": ["rds"]},
            ],
        }]});
        assert_eq!(
            render(args),
            r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey",
        "kms:Decrypt"
      ],
      "Resource": "*",
      "Condition": {
        "ForAnyValue:StringEquals": {
          "kms:EncryptionContext:aws:pi:service": "rds",
          "kms:EncryptionContext:service": "pi"
        }
      }
    }
  ]
}"#
        );
    }

    #[test]
    fn conditions_of_one_test_and_variable_merge_in_set_order() {
        let args = json!({"statement": [{
            "actions": ["sts:AssumeRole"],
            "condition": [
                {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["111111111111"]},
                {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["222222222222"]},
                {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["222222222222"]},
                {"test": "Bool", "variable": "aws:SecureTransport", "values": [false]},
                {"test": "StringLike", "variable": "aws:SourceArn", "values": ["arn:b", "arn:a", "arn:b"]},
            ],
        }]});
        assert_eq!(
            minify(&render(args)),
            concat!(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Condition":{"#,
                r#""Bool":{"aws:SecureTransport":"false"},"#,
                r#""StringEquals":{"aws:SourceAccount":["222222222222","111111111111"]},"#,
                r#""StringLike":{"aws:SourceArn":["arn:b","arn:a","arn:b"]}}}]}"#
            )
        );
    }

    #[test]
    fn principals_of_several_types() {
        let args = json!({"statement": [{
            "actions": ["sts:AssumeRole"],
            "principals": [
                {"type": "Service", "identifiers": ["firehose.amazonaws.com"]},
                {"type": "AWS", "identifiers": ["arn:aws:iam::123456789012:role/trusted"]},
                {"type": "Federated", "identifiers": [
                    "arn:aws:iam::123456789012:saml-provider/corp",
                    "cognito-identity.amazonaws.com",
                ]},
            ],
        }]});
        assert_eq!(
            render(args),
            r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRole",
      "Principal": {
        "AWS": "arn:aws:iam::123456789012:role/trusted",
        "Federated": [
          "cognito-identity.amazonaws.com",
          "arn:aws:iam::123456789012:saml-provider/corp"
        ],
        "Service": "firehose.amazonaws.com"
      }
    }
  ]
}"#
        );
    }

    /// The provider's tests `StatementPrincipalIdentifiers_stringAndSlice` and
    /// `_multiplePrincipals` (and `...Gov`): principals of one type, in set order.
    #[test]
    fn principals_of_one_type_merge_in_set_order() {
        let aws = |partition: &str, blocks: &[&[&str]]| {
            let principals: Vec<serde_json::Value> = blocks
                .iter()
                .map(|ids| {
                    let ids: Vec<String> = ids
                        .iter()
                        .map(|n| format!("arn:{partition}:iam::{}:root", n.repeat(12)))
                        .collect();
                    json!({"type": "AWS", "identifiers": ids})
                })
                .collect();
            let out = render(json!({"statement": [{
                "sid": "StatementPrincipalIdentifiersStringAndSlice",
                "actions": ["*"],
                "resources": ["*"],
                "principals": principals,
            }]}));
            let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
            let principal = doc["Statement"][0]["Principal"]["AWS"].clone();
            let ids: Vec<String> = principal
                .as_array()
                .map(|all| {
                    all.iter()
                        .filter_map(|s| s.as_str())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            ids.iter()
                .map(|id| id[id.find("::").unwrap_or(0) + 2..][..1].to_string())
                .collect::<String>()
        };
        assert_eq!(aws("aws", &[&["1"], &["2", "3"]]), "132");
        assert_eq!(aws("aws", &[&["1", "2"], &["3"], &["4"]]), "3421");
        assert_eq!(aws("aws-us-gov", &[&["1", "2"], &["3"], &["4"]]), "3214");
        // The same block twice counts once.
        assert_eq!(aws("aws", &[&["1", "2"], &["2", "1"]]), "21");
    }

    #[test]
    fn single_and_several_values() {
        let args = json!({"statement": [{
            "actions": ["s3:GetObject", "s3:GetObject"],
            "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
            "principals": [{"type": "Service", "identifiers": ["a.amazonaws.com", "a.amazonaws.com"]}],
            "condition": [{"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["x"]}],
        }]});
        assert_eq!(
            minify(&render(args)),
            concat!(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","#,
                r#""Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"],"Principal":{"Service":"a.amazonaws.com"},"#,
                r#""Condition":{"StringEquals":{"aws:PrincipalTag/team":"x"}}}]}"#
            )
        );
        // Empty lists are left out; numbers convert to strings; Go's HTML escapes.
        let args = json!({"statement": [{
            "actions": [],
            "not_actions": ["a<b>&c"],
            "resources": [],
            "principals": [],
            "condition": [{"test": "NumericLessThan", "variable": "aws:MultiFactorAuthAge", "values": [3600]}],
        }]});
        assert_eq!(
            minify(&render(args)),
            concat!(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"a\u003cb\u003e\u0026c","#,
                r#""Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#
            )
        );
    }

    #[test]
    fn version_2008() {
        let out = render(json!({
            "version": "2008-10-17",
            "statement": [{"actions": ["ec2:*"], "resources": ["*"]}],
        }));
        assert!(
            out.starts_with("{\n  \"Version\": \"2008-10-17\",\n"),
            "{out}"
        );
        for statement in [
            json!({"actions": ["*"], "resources": ["arn:aws:s3:::foo/home/&{aws:username}"]}),
            json!({"actions": ["*"], "not_resources": ["arn:aws:s3:::foo/home/&{aws:username}"]}),
            json!({"actions": ["*"], "principals": [{"type": "AWS", "identifiers": ["&{aws:username}"]}]}),
            json!({"actions": ["*"], "not_principals": [{"type": "AWS", "identifiers": ["&{aws:username}"]}]}),
            json!({"actions": ["*"], "condition": [{"test": "StringLike", "variable": "s3:prefix", "values": ["home/&{aws:username}/"]}]}),
        ] {
            fails(
                NAME,
                json!([{"version": "2008-10-17", "statement": [statement]}]),
                "not supported in document version 2008-10-17",
            );
        }
        // Actions are not rewritten.
        let out = render(json!({"statement": [{"actions": ["&{x}"]}]}));
        assert!(out.contains(r#""Action": "\u0026{x}""#), "{out}");
    }

    fn doc_json(statements: serde_json::Value) -> String {
        render(json!({ "statement": statements }))
    }

    #[test]
    fn source_documents() {
        // The documentation's "Using A Source Document".
        let source = doc_json(json!([
            {"actions": ["ec2:*"], "resources": ["*"]},
            {"sid": "SidToOverride", "actions": ["s3:*"], "resources": ["*"]},
        ]));
        let out = render(json!({
            "source_policy_documents": [source],
            "statement": [{
                "sid": "SidToOverride",
                "actions": ["s3:*"],
                "resources": ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
            }],
        }));
        assert_eq!(
            out,
            r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::somebucket/*",
        "arn:aws:s3:::somebucket"
      ]
    }
  ]
}"#
        );

        // "Merging Source Documents": in order, sids unique.
        let one = doc_json(json!([
            {"actions": ["ec2:*"], "resources": ["*"]},
            {"sid": "UniqueSidOne", "actions": ["s3:*"], "resources": ["*"]},
        ]));
        let two = doc_json(json!([
            {"sid": "UniqueSidTwo", "actions": ["iam:*"], "resources": ["*"]},
            {"actions": ["lambda:*"], "resources": ["*"]},
        ]));
        let out = render(json!({"source_policy_documents": [one.clone(), null, two]}));
        assert_eq!(
            minify(&out),
            concat!(
                r#"{"Version":"2012-10-17","Statement":["#,
                r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"},"#,
                r#"{"Sid":"UniqueSidOne","Effect":"Allow","Action":"s3:*","Resource":"*"},"#,
                r#"{"Sid":"UniqueSidTwo","Effect":"Allow","Action":"iam:*","Resource":"*"},"#,
                r#"{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}"#
            )
        );
        let conflicting = doc_json(json!([{"sid": "UniqueSidOne", "actions": ["x:*"]}]));
        fails(
            NAME,
            json!([{"source_policy_documents": [one, conflicting]}]),
            "`source_policy_documents[1]`: duplicate statement sid \"UniqueSidOne\" (statement 0)",
        );
    }

    #[test]
    fn override_documents() {
        // The documentation's "Using An Override Document".
        let over =
            doc_json(json!([{"sid": "SidToOverride", "actions": ["s3:*"], "resources": ["*"]}]));
        let out = render(json!({
            "override_policy_documents": [over],
            "statement": [
                {"actions": ["ec2:*"], "resources": ["*"]},
                {
                    "sid": "SidToOverride",
                    "actions": ["s3:*"],
                    "resources": ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"],
                },
            ],
        }));
        assert_eq!(
            minify(&out),
            concat!(
                r#"{"Version":"2012-10-17","Statement":["#,
                r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"},"#,
                r#"{"Sid":"SidToOverride","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
            )
        );

        // "Both Source and Override Documents".
        let source = doc_json(
            json!([{"sid": "OverridePlaceholder", "actions": ["ec2:DescribeAccountAttributes"], "resources": ["*"]}]),
        );
        let over = doc_json(
            json!([{"sid": "OverridePlaceholder", "actions": ["s3:GetObject"], "resources": ["*"]}]),
        );
        let out = render(json!({
            "source_policy_documents": [source],
            "override_policy_documents": [over],
        }));
        assert_eq!(
            minify(&out),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"OverridePlaceholder","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#
        );

        // "Merging Override Documents": each replaces by sid, or appends.
        let one = doc_json(
            json!([{"sid": "OverridePlaceholderOne", "effect": "Allow", "actions": ["s3:*"], "resources": ["*"]}]),
        );
        let two = doc_json(json!([
            {"effect": "Allow", "actions": ["ec2:*"], "resources": ["*"]},
            {"sid": "OverridePlaceholderTwo", "effect": "Allow", "actions": ["iam:*"], "resources": ["*"]},
        ]));
        let three = doc_json(
            json!([{"sid": "OverridePlaceholderOne", "effect": "Deny", "actions": ["logs:*"], "resources": ["*"]}]),
        );
        let out = render(json!({
            "override_policy_documents": [one, two, three],
            "statement": [{"sid": "OverridePlaceholderTwo", "effect": "Deny", "actions": ["*"], "resources": ["*"]}],
        }));
        assert_eq!(
            minify(&out),
            concat!(
                r#"{"Version":"2012-10-17","Statement":["#,
                r#"{"Sid":"OverridePlaceholderTwo","Effect":"Allow","Action":"iam:*","Resource":"*"},"#,
                r#"{"Sid":"OverridePlaceholderOne","Effect":"Deny","Action":"logs:*","Resource":"*"},"#,
                r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#
            )
        );
    }

    #[test]
    fn documents_written_by_hand() {
        // Go's decoding: keys in any case, a later version and a non-empty id win; actions and
        // resources as written; principal lists in reverse order; a string principal is "*";
        // a bool condition value is a string.
        let source = r#"{
            "version": "2008-10-17",
            "Id": "from-source",
            "statement": [{
                "sid": "A",
                "effect": "Allow",
                "action": ["s3:PutObject", "s3:GetObject", "s3:PutObject"],
                "Resource": "*",
                "Principal": {"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"], "Service": "s.amazonaws.com"},
                "Condition": {"Bool": {"aws:SecureTransport": true}, "StringLike": {"s3:prefix": ["b", "a"]}},
                "Unknown": "ignored"
            }, {
                "Sid": "B",
                "Effect": "Deny",
                "NotPrincipal": "anything",
                "NotAction": "iam:*"
            }]
        }"#;
        let out = render(json!({
            "source_policy_documents": [source],
            "override_json": r#"{"Statement": [{"Sid": "C", "Action": "x:*", "Principal": {"*": "*"}}]}"#,
        }));
        assert_eq!(
            out,
            r#"{
  "Version": "2012-10-17",
  "Id": "from-source",
  "Statement": [
    {
      "Sid": "A",
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject",
        "s3:PutObject"
      ],
      "Resource": "*",
      "Principal": {
        "AWS": [
          "arn:aws:iam::2:root",
          "arn:aws:iam::1:root"
        ],
        "Service": "s.amazonaws.com"
      },
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "true"
        },
        "StringLike": {
          "s3:prefix": [
            "b",
            "a"
          ]
        }
      }
    },
    {
      "Sid": "B",
      "Effect": "Deny",
      "NotAction": "iam:*",
      "NotPrincipal": "*"
    },
    {
      "Sid": "C",
      "Action": "x:*",
      "Principal": "*"
    }
  ]
}"#
        );
        // source_json comes before source_policy_documents, whose sids it reserves.
        let a = doc_json(json!([{"sid": "A", "actions": ["a:*"]}]));
        let out = render(
            json!({"source_json": a.clone(), "source_policy_documents": [doc_json(json!([{"actions": ["b:*"]}]))]}),
        );
        assert!(out.find("a:*") < out.find("b:*"), "{out}");
        fails(
            NAME,
            json!([{"source_json": a.clone(), "source_policy_documents": [a]}]),
            "duplicate statement sid \"A\"",
        );
        // "" is no document; null elements are skipped.
        assert_eq!(
            render(json!({"source_json": "", "override_policy_documents": [null]})),
            "{\n  \"Version\": \"2012-10-17\"\n}"
        );
    }

    #[test]
    fn sids() {
        let out = render(json!({"statement": [
            {"sid": "", "actions": ["a:*"]},
            {"sid": "", "actions": ["b:*"]},
        ]}));
        assert!(!out.contains("Sid"), "{out}");
        fails(
            NAME,
            json!([{"statement": [
                {"sid": "1", "actions": ["a:*"]},
                {"sid": "2", "actions": ["b:*"]},
                {"sid": "1", "actions": ["c:*"]},
            ]}]),
            "statement 2: duplicate statement sid \"1\"",
        );
        fails(
            NAME,
            json!([{"statement": [{"sid": "has space"}]}]),
            "statement 0: `sid` must only include alphanumeric characters, got \"has space\"",
        );
    }

    #[test]
    fn errors() {
        let statement = |s: serde_json::Value| json!([{ "statement": [{"actions": ["a:*"]}, {"actions": ["b:*"]}, s] }]);
        let cases = [
            (
                statement(json!({"effect": "Maybe"})),
                "statement 2: `effect` must be \"Allow\" or \"Deny\", got \"Maybe\"",
            ),
            (
                statement(json!({"action": ["s3:*"]})),
                "statement 2: unknown argument `action`; did you mean `actions`?",
            ),
            (
                statement(json!({"bogus": 1})),
                "statement 2: unknown argument `bogus`",
            ),
            (
                statement(json!({"actions": "s3:*"})),
                "statement 2: `actions` must be a list of strings, found the string \"s3:*\"",
            ),
            (
                statement(json!({"resources": ["a", ["b"]]})),
                "statement 2: `resources` must be a list of strings, but element 1 is a list",
            ),
            (
                statement(json!({"not_actions": ["a", null]})),
                "statement 2: `not_actions[1]` must not be null",
            ),
            (
                statement(json!({"sid": ["x"]})),
                "statement 2: `sid` must be a string, found a list",
            ),
            (
                statement(json!({"principals": {"type": "AWS", "identifiers": ["*"]}})),
                "statement 2: `principals` must be a list of blocks, found a map",
            ),
            (
                statement(json!({"principals": [{"identifiers": ["*"]}]})),
                "statement 2: `principals[0].type` is required",
            ),
            (
                statement(json!({"not_principals": [{"type": "AWS"}]})),
                "statement 2: `not_principals[0].identifiers` is required",
            ),
            (
                statement(json!({"principals": [{"type": "AWS", "identifiers": ["*"], "id": 1}]})),
                "statement 2: `principals[0]`: unknown argument `id`",
            ),
            (
                statement(json!({"condition": [{"test": "Bool", "variable": "x"}]})),
                "statement 2: `condition[0].values` is required",
            ),
            (
                statement(json!({"condition": [{"test": "Bool", "variable": "x", "values": "true"}]})),
                "statement 2: `condition[0].values` must be a list of strings",
            ),
            (statement(json!("x")), "statement 2: expected a statement block (a map), found the string \"x\""),
            (
                json!([{"statement": {"actions": ["a"]}}]),
                "`statement` must be a list of statement blocks, found a map",
            ),
            (
                json!([{"version": "2020-01-01"}]),
                "`version` must be \"2008-10-17\" or \"2012-10-17\", got \"2020-01-01\"",
            ),
            (json!([{"statements": []}]), "unknown argument `statements`; did you mean `statement`?"),
            (json!([{"json": "{}"}]), "`json` is computed"),
            (
                json!([{"source_policy_documents": ["{"]}]),
                "`source_policy_documents[0]`: invalid JSON",
            ),
            (
                json!([{"source_policy_documents": "{}"}]),
                "`source_policy_documents` must be a list of JSON policy documents",
            ),
            (
                json!([{"override_policy_documents": [r#"{"Statement": {"Sid": "a"}}"#]}]),
                "`override_policy_documents[0]`: `Statement` must be a list of statements, found an object",
            ),
            (
                json!([{"override_policy_documents": [r#"{"Statement": [{"Sid": 1}]}"#]}]),
                "`override_policy_documents[0]`: statement 0: `Sid` must be a string, found a number",
            ),
            (
                json!([{"override_policy_documents": [r#"{"Statement": [{"Principal": {"AWS": [1]}}]}"#]}]),
                "the identifiers of \"AWS\" must be strings",
            ),
            (
                json!([{"override_policy_documents": [r#"{"Statement": [{"Condition": {"NumericLessThan": {"x": 1}}}]}"#]}]),
                "the values of \"NumericLessThan\" \"x\" must be a string, a bool or a list of strings",
            ),
            (json!([{"override_policy_documents": ["[]"]}]), "a policy document must be a JSON object"),
            (json!(["x"]), "argument 1 of `data.aws_iam_policy_document`: expected a map"),
        ];
        for (args, message) in cases {
            fails(NAME, args, message);
        }
    }
}
