//! What a reviewer must not miss, which every plan format lists first, each with the address
//! and the attribute that causes it: data that a delete or replacement loses, ingress opened
//! to the whole internet, IAM statements that allow `*`, and buckets (queues, keys, roles'
//! trust) made public. Only what the plan changes counts: a rule or statement that is already there and
//! stays as it is is not listed again.

use std::collections::BTreeSet;

use cairn_engine::{Action, Change, Plan};
use cairn_model::{Address, Path, PathSeg, Value};

/// What kind of risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskKind {
    /// A delete or replacement of a resource that holds data.
    DataLoss,
    /// Ingress from `0.0.0.0/0` or `::/0`.
    OpenToInternet,
    /// An Allow statement with `*` actions or resources.
    IamWildcard,
    /// Anyone may use a bucket, queue or key.
    Public,
}

impl RiskKind {
    /// Its name in the JSON format.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskKind::DataLoss => "data-loss",
            RiskKind::OpenToInternet => "open-to-internet",
            RiskKind::IamWildcard => "iam-wildcard",
            RiskKind::Public => "public",
        }
    }

    /// Its name for people.
    pub fn title(self) -> &'static str {
        match self {
            RiskKind::DataLoss => "Data loss",
            RiskKind::OpenToInternet => "Open to the internet",
            RiskKind::IamWildcard => "IAM wildcard",
            RiskKind::Public => "Public access",
        }
    }
}

/// One thing to review.
#[derive(Clone, Debug, PartialEq)]
pub struct Risk {
    pub kind: RiskKind,
    pub address: Address,
    /// The attribute that causes it (for a replacement, those that force it).
    pub attribute: Option<String>,
    /// What happens, after the address and attribute: "opens tcp port 22 to 0.0.0.0/0".
    pub message: String,
}

impl Risk {
    /// The risk as a sentence, with the address and the attribute put through `code`
    /// (backticks in Markdown, bold on a terminal).
    pub fn sentence(&self, code: impl Fn(&str) -> String) -> String {
        match (&self.attribute, self.kind) {
            // A replacement's reason already names the attribute.
            (Some(attr), kind) if kind != RiskKind::DataLoss => format!(
                "{} {} {}.",
                code(&self.address.to_string()),
                code(attr),
                self.message
            ),
            _ => format!("{} {}.", code(&self.address.to_string()), self.message),
        }
    }
}

/// Every risk of the plan, data loss first, then in plan order within each kind.
pub fn risks(plan: &Plan) -> Vec<Risk> {
    let mut out = Vec::new();
    for c in &plan.changes {
        if c.stateful && matches!(c.action, Action::Delete | Action::Replace) {
            out.push(data_loss(c));
        }
        if matches!(c.action, Action::Delete | Action::NoOp) {
            continue;
        }
        let mut found = Vec::new();
        match c.address.rtype.as_str() {
            "aws_security_group" => open_ingress(c, &mut found),
            "aws_security_group_rule" => open_rule(c, &mut found),
            "aws_iam_policy" => policy(c, "policy", None, &mut found),
            "aws_iam_role" => {
                trust(c, &mut found);
                inline_policies(c, &mut found);
            }
            "aws_s3_bucket" => {
                policy(c, "policy", Some("the bucket"), &mut found);
                access_block(c, &mut found);
            }
            "aws_sqs_queue_policy" => policy(c, "policy", Some("the queue"), &mut found),
            "aws_kms_key" => public_only(c, &mut found),
            _ => {}
        }
        out.extend(found.into_iter().map(|(kind, attribute, message)| Risk {
            kind,
            address: c.address.clone(),
            attribute: Some(attribute),
            message,
        }));
    }
    out.sort_by_key(|r| r.kind);
    out
}

type Found = Vec<(RiskKind, String, String)>;

fn data_loss(c: &Change) -> Risk {
    let forcing: Vec<String> = c
        .attributes
        .iter()
        .filter(|a| a.forces_replacement)
        .filter_map(|a| a.path.attribute().map(str::to_string))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let verb = if c.action == Action::Delete {
        "will be destroyed"
    } else {
        "will be replaced"
    };
    let reason = c
        .reason
        .as_ref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    Risk {
        kind: RiskKind::DataLoss,
        address: c.address.clone(),
        attribute: (!forcing.is_empty()).then(|| forcing.join(", ")),
        message: format!("{verb}{reason} and the data it holds will be lost"),
    }
}

/// The before and after of a top-level attribute the change sets, unless it is sensitive.
fn changed<'a>(c: &'a Change, name: &str) -> Option<(Option<&'a Value>, &'a Value)> {
    let path = Path::key(name);
    let a = c.attributes.iter().find(|a| a.path == path)?;
    if a.sensitive {
        return None;
    }
    Some((a.before.as_ref(), a.after.as_ref()?))
}

fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_map()?.get(name)
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn number(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
}

/// `tcp port 22`, `tcp ports 1000-2000`, `all traffic`.
fn traffic(rule: &Value) -> String {
    let protocol = field(rule, "protocol")
        .and_then(Value::as_str)
        .unwrap_or("-1");
    if protocol == "-1" || protocol == "all" {
        return "all traffic".into();
    }
    match (
        number(field(rule, "from_port")),
        number(field(rule, "to_port")),
    ) {
        (Some(from), Some(to)) if from == to && from >= 0 => format!("{protocol} port {from}"),
        (Some(from), Some(to)) if from >= 0 => format!("{protocol} ports {from}-{to}"),
        _ => format!("all {protocol}"),
    }
}

/// What a rule lets in from anywhere: (traffic, CIDR block) pairs.
fn world_open(rule: &Value) -> Vec<(String, String)> {
    ["cidr_blocks", "ipv6_cidr_blocks"]
        .iter()
        .flat_map(|f| strings(field(rule, f)))
        .filter(|cidr| matches!(*cidr, "0.0.0.0/0" | "::/0"))
        .map(|cidr| (traffic(rule), cidr.to_string()))
        .collect()
}

fn opens(traffic: &str, cidr: &str) -> String {
    format!("opens {traffic} to {cidr} (anyone on the internet)")
}

fn open_ingress(c: &Change, out: &mut Found) {
    let Some((before, after)) = changed(c, "ingress") else {
        return;
    };
    let rules = |v: Option<&Value>| -> Vec<(String, String)> {
        match v {
            Some(Value::List(items)) => items.iter().flat_map(world_open).collect(),
            _ => Vec::new(),
        }
    };
    let already = rules(before);
    for (traffic, cidr) in rules(Some(after)) {
        if !already.contains(&(traffic.clone(), cidr.clone())) {
            out.push((
                RiskKind::OpenToInternet,
                "ingress".into(),
                opens(&traffic, &cidr),
            ));
        }
    }
}

/// A rule is replaced as a whole: its planned inputs against what exists.
fn open_rule(c: &Change, out: &mut Found) {
    let hidden = c
        .attributes
        .iter()
        .any(|a| a.sensitive && a.path.attribute() == Some("cidr_blocks"));
    let Some(planned) = c.planned.as_ref().filter(|_| !hidden) else {
        return;
    };
    let ingress = |v: &Value| field(v, "type").and_then(Value::as_str) == Some("ingress");
    if !ingress(planned) {
        return;
    }
    let already: Vec<(String, String)> = c
        .prior
        .as_ref()
        .map(|p| &p.inputs)
        .filter(|v| ingress(v))
        .map(world_open)
        .unwrap_or_default();
    for (traffic, cidr) in world_open(planned) {
        if !already.contains(&(traffic.clone(), cidr.clone())) {
            out.push((
                RiskKind::OpenToInternet,
                "cidr_blocks".into(),
                opens(&traffic, &cidr),
            ));
        }
    }
}

/// A document's statements (a JSON string is parsed).
fn statements(doc: &Value) -> Vec<Value> {
    let parsed;
    let doc = match doc {
        Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j) => {
                parsed = Value::from_json(j);
                &parsed
            }
            Err(_) => return Vec::new(),
        },
        other => other,
    };
    match field(doc, "Statement") {
        Some(Value::List(items)) => items.clone(),
        Some(m @ Value::Map(_)) => vec![m.clone()],
        _ => Vec::new(),
    }
}

/// The statements of `after` that `before` does not have as they are.
fn new_statements(before: Option<&Value>, after: &Value) -> Vec<Value> {
    let old: BTreeSet<String> = before
        .map(statements)
        .unwrap_or_default()
        .iter()
        .map(Value::canonical_json)
        .collect();
    statements(after)
        .into_iter()
        .filter(|s| !old.contains(&s.canonical_json()))
        .collect()
}

fn quoted(items: &[&str]) -> String {
    let mut shown: Vec<String> = items.iter().take(4).map(|i| format!("{i:?}")).collect();
    if items.len() > 4 {
        shown.push(format!("and {} more", items.len() - 4));
    }
    shown.join(", ")
}

fn sid(statement: &Value) -> String {
    field(statement, "Sid")
        .and_then(Value::as_str)
        .map(|s| format!(" (statement {s:?})"))
        .unwrap_or_default()
}

fn allows(statement: &Value) -> bool {
    field(statement, "Effect").and_then(Value::as_str) == Some("Allow")
}

/// An Allow statement with `*` (or `service:*`) actions or `*` resources.
fn wildcard(statement: &Value) -> Option<String> {
    if !allows(statement) {
        return None;
    }
    let actions = strings(field(statement, "Action"));
    let resources = strings(field(statement, "Resource"));
    let wild_action = actions.iter().any(|a| *a == "*" || a.ends_with(":*"));
    let wild_resource = resources.contains(&"*");
    if !wild_action && !wild_resource {
        return None;
    }
    let on = if resources.is_empty() {
        String::new()
    } else {
        format!(" on Resource {}", quoted(&resources))
    };
    Some(format!(
        "allows Action {}{on}{}",
        quoted(&actions),
        sid(statement)
    ))
}

/// An Allow statement for any principal without a condition.
fn public(statement: &Value, what: &str) -> Option<String> {
    if !allows(statement) {
        return None;
    }
    let anyone = match field(statement, "Principal") {
        Some(Value::String(s)) => s == "*",
        Some(p @ Value::Map(_)) => strings(field(p, "AWS")).contains(&"*"),
        _ => false,
    };
    let conditional = field(statement, "Condition")
        .and_then(Value::as_map)
        .is_some_and(|m| !m.is_empty());
    if !anyone || conditional {
        return None;
    }
    let actions = strings(field(statement, "Action"));
    Some(format!(
        "makes {what} public: it allows anyone (Principal \"*\") Action {} without a condition{}",
        quoted(&actions),
        sid(statement)
    ))
}

/// The risks of the new statements of a policy document at `label`.
fn statement_risks(
    label: &str,
    before: Option<&Value>,
    after: &Value,
    public_what: Option<&str>,
    wildcards: bool,
    out: &mut Found,
) {
    for s in new_statements(before, after) {
        if let Some(what) = public_what.and_then(|w| public(&s, w)) {
            out.push((RiskKind::Public, label.to_string(), what));
        }
        if let Some(what) = wildcard(&s).filter(|_| wildcards) {
            out.push((RiskKind::IamWildcard, label.to_string(), what));
        }
    }
}

fn policy(c: &Change, name: &str, public_what: Option<&str>, out: &mut Found) {
    if let Some((before, after)) = changed(c, name) {
        statement_risks(name, before, after, public_what, true, out);
    }
}

/// A key policy needs `Resource "*"` and usually grants `kms:*` to the account: only a
/// public statement is worth a reviewer's attention.
fn public_only(c: &Change, out: &mut Found) {
    if let Some((before, after)) = changed(c, "policy") {
        statement_risks("policy", before, after, Some("the key"), false, out);
    }
}

/// A trust policy that lets anyone assume the role.
fn trust(c: &Change, out: &mut Found) {
    if let Some((before, after)) = changed(c, "assume_role_policy") {
        statement_risks(
            "assume_role_policy",
            before,
            after,
            Some("the role"),
            false,
            out,
        );
    }
}

fn inline_policies(c: &Change, out: &mut Found) {
    let Some((before, Value::List(after))) = changed(c, "inline_policy") else {
        return;
    };
    let name = |p: &Value| field(p, "name").and_then(Value::as_str).map(str::to_string);
    for p in after {
        let (Some(n), Some(doc)) = (name(p), field(p, "policy")) else {
            continue;
        };
        let old = match before {
            Some(Value::List(items)) => items
                .iter()
                .find(|o| name(o).as_deref() == Some(n.as_str()))
                .and_then(|o| field(o, "policy")),
            _ => None,
        };
        let label = format!("inline_policy[name = {n:?}].policy");
        statement_risks(&label, old, doc, None, true, out);
    }
}

/// A public access block setting turned off.
fn access_block(c: &Change, out: &mut Found) {
    for a in &c.attributes {
        let [PathSeg::Key(block), PathSeg::Key(setting)] = a.path.0.as_slice() else {
            continue;
        };
        let then = match setting.as_str() {
            "block_public_acls" => "S3 accepts ACLs that make the bucket or its objects public",
            "ignore_public_acls" => "public ACLs on the bucket and its objects take effect",
            "block_public_policy" => "S3 accepts a bucket policy that makes the bucket public",
            "restrict_public_buckets" => "a public bucket policy gives anyone access",
            _ => continue,
        };
        if block == "public_access_block"
            && a.before == Some(Value::Bool(true))
            && a.after == Some(Value::Bool(false))
        {
            out.push((
                RiskKind::Public,
                a.path.to_string(),
                format!("is turned off: {then}"),
            ));
        }
    }
}
