//! What values AWS accepts for an attribute beyond its type — numeric ranges and allowed
//! sets, string lengths and patterns, CIDR blocks and their prefix limits, and the keys of
//! the objects in a document — and how AWS spells what it accepts (`Spelling`), so that a
//! value written another way AWS takes compares equal to what AWS answers. Declared on a type's configuration struct with schemars
//! (`range`, `length`, `regex`, `extend("enum" = [...])`, `extend("x-cidr" = [16, 28])`,
//! `extend("x-keys" = [...])`, and the JSON Schema of a document's objects, `x-shape`), read from its JSON Schema, checked by `validate` before any
//! AWS call, and shown in `cairn schema`, the docs and the stack JSON Schema.

use serde_json::Value as Json;

use crate::value::Value;

/// The constraints of one attribute. For a list or set of scalars they hold for each item.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    /// The least number allowed.
    pub minimum: Option<f64>,
    /// The greatest number allowed.
    pub maximum: Option<f64>,
    /// The only numbers allowed (e.g. a log group's retention days).
    pub allowed: Vec<serde_json::Number>,
    /// The fewest characters of a string.
    pub min_length: Option<u64>,
    /// The most characters of a string.
    pub max_length: Option<u64>,
    /// A regular expression the whole string must match.
    pub pattern: Option<Pattern>,
    /// What the pattern allows, in words (`x-pattern-says`), for messages.
    pub pattern_says: Option<String>,
    /// An IPv4 CIDR block, with its prefix length between these two (`x-cidr`).
    pub cidr: Option<(u8, u8)>,
    /// The keys the objects of a document may have (`x-keys`): of the document itself when
    /// it is an object, of each of its items when it is a list.
    pub keys: Vec<String>,
    /// The JSON Schema the objects of a document must fit (`x-shape`): of the document itself
    /// when it is an object, of each of its items when it is a list. Its subschemas are
    /// inlined (no `$ref`); `type`, `properties`, `additionalProperties`, `required`,
    /// `items`, `enum` (of strings) and `anyOf`/`oneOf` are checked. An integer may be a
    /// string of one (as CloudFormation writes them).
    pub shape: Option<Json>,
    /// The resources these ids name must have at least this many distinct values of this
    /// attribute (`x-spread`: a load balancer's subnets in two availability zones): checked
    /// across resources where the values are known before apply.
    pub spread: Option<(String, usize)>,
}

impl Constraints {
    /// The constraints a JSON Schema (one property's) declares.
    pub fn of(schema: &Json) -> Constraints {
        let number = |k: &str| schema.get(k).and_then(Json::as_f64);
        let count = |k: &str| schema.get(k).and_then(Json::as_u64);
        let strings = |k: &str| -> Vec<String> {
            schema
                .get(k)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        // Constraints of a list's items (`inner(...)` in schemars) hold for each item.
        let items = schema.get("items").filter(|i| i.is_object());
        let mut c = Constraints {
            minimum: number("minimum"),
            maximum: number("maximum"),
            allowed: schema
                .get("enum")
                .and_then(Json::as_array)
                .filter(|vals| !vals.is_empty() && vals.iter().all(Json::is_number))
                .map(|vals| vals.iter().filter_map(|v| v.as_number().cloned()).collect())
                .unwrap_or_default(),
            min_length: count("minLength"),
            max_length: count("maxLength"),
            pattern: schema
                .get("pattern")
                .and_then(Json::as_str)
                .map(Pattern::new),
            pattern_says: schema
                .get("x-pattern-says")
                .and_then(Json::as_str)
                .map(str::to_string),
            cidr: schema
                .get("x-cidr")
                .and_then(Json::as_array)
                .and_then(|a| Some((a.first()?.as_u64()? as u8, a.get(1)?.as_u64()? as u8))),
            keys: strings("x-keys"),
            shape: schema.get("x-shape").filter(|s| s.is_object()).cloned(),
            spread: schema.get("x-spread").and_then(|s| {
                Some((
                    s.get("attribute")?.as_str()?.to_string(),
                    s.get("at_least")?.as_u64()? as usize,
                ))
            }),
        };
        if c.is_empty() {
            if let Some(items) = items {
                c = Constraints::of(items);
            }
        }
        c
    }

    /// Whether nothing is constrained.
    pub fn is_empty(&self) -> bool {
        self == &Constraints::default()
    }

    /// What is accepted, in words, one phrase per constraint (for docs and `cairn schema`).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.allowed.is_empty() {
            let shown: Vec<String> = self.allowed.iter().map(ToString::to_string).collect();
            out.push(format!("one of {}", shown.join(", ")));
        }
        match (self.minimum, self.maximum) {
            (Some(min), Some(max)) => out.push(format!("{} to {}", plain(min), plain(max))),
            (Some(min), None) => out.push(format!("at least {}", plain(min))),
            (None, Some(max)) => out.push(format!("at most {}", plain(max))),
            (None, None) => {}
        }
        match (self.min_length, self.max_length) {
            (Some(min), Some(max)) => out.push(format!("{min} to {max} characters")),
            (Some(min), None) => out.push(format!("at least {min} characters")),
            (None, Some(max)) => out.push(format!("at most {max} characters")),
            (None, None) => {}
        }
        if let Some(pattern) = &self.pattern {
            out.push(match &self.pattern_says {
                Some(says) => says.clone(),
                None => format!("matching `{pattern}`"),
            });
        }
        if let Some((shortest, longest)) = self.cidr {
            out.push(format!("an IPv4 CIDR block, /{shortest} to /{longest}"));
        }
        if !self.keys.is_empty() {
            out.push(format!("keys: {}", self.keys.join(", ")));
        }
        if let Some((attribute, at_least)) = &self.spread {
            out.push(format!(
                "naming resources with at least {at_least} different `{attribute}`"
            ));
        }
        out
    }

    /// A value that breaks each constraint, with the constraint it breaks: for the
    /// conformance suite, which checks that every declared constraint refuses something.
    pub fn violations(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if let Some(max) = self
            .allowed
            .iter()
            .filter_map(serde_json::Number::as_f64)
            .reduce(f64::max)
        {
            out.push((
                "allowed values".into(),
                Value::from_json(serde_json::json!(max + 1.0)),
            ));
        }
        if let Some(min) = self.minimum {
            out.push((
                "minimum".into(),
                Value::from_json(serde_json::json!(min - 1.0)),
            ));
        }
        if let Some(max) = self.maximum {
            out.push((
                "maximum".into(),
                Value::from_json(serde_json::json!(max + 1.0)),
            ));
        }
        if let Some(min) = self.min_length.filter(|m| *m > 0) {
            out.push((
                "minLength".into(),
                Value::string("a".repeat(min as usize - 1)),
            ));
        }
        if let Some(max) = self.max_length {
            out.push((
                "maxLength".into(),
                Value::string("a".repeat(max as usize + 1)),
            ));
        }
        if self.pattern.is_some() {
            out.push(("pattern".into(), Value::string("not valid!")));
        }
        if self.cidr.is_some() {
            out.push(("x-cidr".into(), Value::string("10.0.0.0/33")));
        }
        if !self.keys.is_empty() {
            out.push((
                "x-keys".into(),
                Value::from_json(serde_json::json!([{"notAKey": 1}])),
            ));
        }
        out
    }

    /// Checks a known value; the error says what is wrong, in words. Values of another
    /// type, unknown values and documents given as text that is not JSON are left to the
    /// type check.
    pub fn check(&self, v: &Value) -> Result<(), String> {
        match v {
            Value::List(items) if self.keys.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    self.check(item).map_err(|e| format!("[{i}]: {e}"))?;
                }
                Ok(())
            }
            Value::Number(n) => self.check_number(n),
            Value::String(s) if !self.keys.is_empty() => match serde_json::from_str(s) {
                Ok(doc) => self.check_keys(&Value::from_json(doc)),
                Err(_) => Ok(()),
            },
            Value::String(s) => self.check_string(s),
            Value::List(_) | Value::Map(_) => self.check_keys(v),
            _ => Ok(()),
        }
    }

    fn check_number(&self, n: &serde_json::Number) -> Result<(), String> {
        let Some(x) = n.as_f64() else { return Ok(()) };
        if !self.allowed.is_empty() && !self.allowed.iter().any(|a| a.as_f64() == Some(x)) {
            let shown: Vec<String> = self.allowed.iter().map(ToString::to_string).collect();
            return Err(format!("{n} is not one of {}", shown.join(", ")));
        }
        if let Some(min) = self.minimum.filter(|min| x < *min) {
            return Err(format!("{n} is less than the minimum, {}", plain(min)));
        }
        if let Some(max) = self.maximum.filter(|max| x > *max) {
            return Err(format!("{n} is more than the maximum, {}", plain(max)));
        }
        Ok(())
    }

    fn check_string(&self, s: &str) -> Result<(), String> {
        let chars = s.chars().count() as u64;
        if let Some(min) = self.min_length.filter(|min| chars < *min) {
            return Err(format!("`{s}` is shorter than {min} characters"));
        }
        if let Some(max) = self.max_length.filter(|max| chars > *max) {
            return Err(format!("`{s}` is longer than {max} characters ({chars})"));
        }
        if let Some(pattern) = &self.pattern {
            // A pattern that does not compile is a bug in a type's definition, caught by
            // the catalog's tests; it constrains nothing here.
            if let Some(re) = &pattern.regex {
                if !re.is_match(s) {
                    return Err(match &self.pattern_says {
                        Some(says) => format!("`{s}` is not valid here: {says}"),
                        None => format!("`{s}` does not match `{pattern}`"),
                    });
                }
            }
        }
        if let Some((shortest, longest)) = self.cidr {
            check_cidr(s, shortest, longest)?;
        }
        Ok(())
    }

    fn check_keys(&self, doc: &Value) -> Result<(), String> {
        if self.keys.is_empty() {
            return Ok(());
        }
        let result = self.check_known_keys(doc);
        match &self.shape {
            Some(shape) if result.is_ok() => {
                let objects: Vec<(String, &Value)> = match doc {
                    Value::List(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (format!("[{i}]"), v))
                        .collect(),
                    other => vec![(String::new(), other)],
                };
                for (at, object) in objects {
                    check_shape(object, shape, &at)?;
                }
                Ok(())
            }
            _ => result,
        }
    }

    fn check_known_keys(&self, doc: &Value) -> Result<(), String> {
        let objects: Vec<(Option<usize>, &Value)> = match doc {
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Some(i), v))
                .collect(),
            other => vec![(None, other)],
        };
        for (i, object) in objects {
            let Value::Map(m) = object else { continue };
            for key in m.keys() {
                if !self.keys.iter().any(|k| k == key) {
                    let at = i.map(|i| format!("[{i}]: ")).unwrap_or_default();
                    let help = closest(key, &self.keys)
                        .map(|k| format!(" (did you mean `{k}`?)"))
                        .unwrap_or_default();
                    return Err(format!("{at}unknown key `{key}`{help}"));
                }
            }
        }
        Ok(())
    }
}

/// `at: ` before a message about the value at `at` (nothing at the top).
fn located(at: &str, msg: String) -> String {
    if at.is_empty() {
        msg
    } else {
        format!("{at}: {msg}")
    }
}

/// Whether a JSON Schema type fits a value.
fn fits(v: &Value, ty: &str) -> bool {
    match (ty, v) {
        ("string", Value::String(_))
        | ("boolean", Value::Bool(_))
        | ("array", Value::List(_))
        | ("object", Value::Map(_))
        | ("null", Value::Null)
        | ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        ("integer", Value::String(s)) => s.trim().parse::<i64>().is_ok(),
        ("number", Value::String(s)) => s.trim().parse::<f64>().is_ok(),
        _ => false,
    }
}

/// A value's kind, in words, for messages.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string `{s}`"),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a table".into(),
        Value::Unknown => "a value known at apply".into(),
    }
}

/// What a JSON Schema type is called in messages.
fn type_words(ty: &str) -> &str {
    match ty {
        "string" => "a string",
        "boolean" => "a bool",
        "array" => "a list",
        "object" => "a table",
        "integer" => "an integer",
        "number" => "a number",
        other => other,
    }
}

/// Checks `v` against the (inlined) JSON Schema `shape`; `at` is its path in the document,
/// e.g. `[0].portMappings[1]`. Values known only at apply are not checked.
fn check_shape(v: &Value, shape: &Json, at: &str) -> Result<(), String> {
    if matches!(v, Value::Unknown) {
        return Ok(());
    }
    let only_null = |b: &Json| b.get("type").and_then(Json::as_str) == Some("null");
    if let Some(branches) = shape
        .get("anyOf")
        .or_else(|| shape.get("oneOf"))
        .and_then(Json::as_array)
    {
        if matches!(v, Value::Null) && branches.iter().any(only_null) {
            return Ok(());
        }
        let mut first = None;
        for b in branches.iter().filter(|b| !only_null(b)) {
            match check_shape(v, b, at) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        return first.map_or(Ok(()), Err);
    }
    let types: Vec<&str> = match shape.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| fits(v, t)) {
        let wanted: Vec<&str> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| type_words(t))
            .collect();
        return Err(located(
            at,
            format!("expected {}, found {}", wanted.join(" or "), kind(v)),
        ));
    }
    match v {
        Value::Map(m) => {
            let props = shape.get("properties").and_then(Json::as_object);
            for (k, item) in m {
                let path = format!("{at}.{k}");
                let path = path.trim_start_matches('.');
                match (
                    props.and_then(|p| p.get(k)),
                    shape.get("additionalProperties"),
                ) {
                    (Some(s), _) => check_shape(item, s, path)?,
                    (None, Some(Json::Bool(false))) => {
                        let names: Vec<String> = props
                            .map(|p| p.keys().cloned().collect())
                            .unwrap_or_default();
                        let help = closest(k, &names)
                            .map(|k| format!(" (did you mean `{k}`?)"))
                            .unwrap_or_default();
                        return Err(located(at, format!("unknown key `{k}`{help}")));
                    }
                    (None, Some(s @ Json::Object(_))) => check_shape(item, s, path)?,
                    _ => {}
                }
            }
            for required in shape
                .get("required")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
            {
                if !m.contains_key(required) {
                    return Err(located(at, format!("`{required}` is missing")));
                }
            }
            Ok(())
        }
        Value::List(items) => match shape.get("items") {
            Some(s) if s.is_object() => {
                for (i, item) in items.iter().enumerate() {
                    check_shape(item, s, &format!("{at}[{i}]"))?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
        Value::String(s) => match shape.get("enum").and_then(Json::as_array) {
            Some(allowed) if allowed.iter().all(Json::is_string) && !allowed.is_empty() => {
                if allowed.iter().any(|a| a.as_str() == Some(s)) {
                    Ok(())
                } else {
                    let shown: Vec<&str> = allowed.iter().filter_map(Json::as_str).collect();
                    Err(located(
                        at,
                        format!("`{s}` is not one of {}", shown.join(", ")),
                    ))
                }
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// A regular expression a string must match, compiled once, when the schema is derived
/// (the catalog is derived once per process), not for every value checked.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The expression as declared.
    pub source: String,
    /// It compiled; `None` if it does not (see `Constraints::check`).
    regex: Option<regex::Regex>,
}

impl Pattern {
    fn new(source: &str) -> Pattern {
        Pattern {
            source: source.to_string(),
            regex: regex::Regex::new(source).ok(),
        }
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// How AWS spells the values of an attribute it accepts in several spellings: a protocol
/// written `TCP`, `6` or `all` is stored as `tcp`, `tcp` and `-1`; a CIDR block with host
/// bits set (`10.0.0.5/16`) as its network (`10.0.0.0/16`). Normalisation rewrites a
/// configured value (or each string of a list) into AWS's spelling before it is compared.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spelling {
    /// AWS stores the value in lower case (`x-lowercase`).
    pub lowercase: bool,
    /// The value is AWS's in upper case, and cairn sends it so (`x-uppercase`: a load
    /// balancer's protocols, which Terraform users may write `http`).
    pub uppercase: bool,
    /// Other spellings AWS accepts for a value, to the one it stores (`x-aliases`),
    /// after lower-casing.
    pub aliases: Vec<(String, String)>,
    /// A CIDR block, stored as its network address (any attribute with `x-cidr`).
    pub cidr: bool,
    /// Whitespace around the value does not count (`x-trim`: PEM documents, which
    /// `file()` reads with a final line break that AWS and Terraform drop).
    pub trim: bool,
}

impl Spelling {
    /// The spelling a JSON Schema (one property's) declares.
    pub fn of(schema: &Json) -> Spelling {
        Spelling {
            lowercase: schema
                .get("x-lowercase")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            uppercase: schema
                .get("x-uppercase")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            aliases: schema
                .get("x-aliases")
                .and_then(Json::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            cidr: schema.get("x-cidr").is_some(),
            trim: schema
                .get("x-trim")
                .and_then(Json::as_bool)
                .unwrap_or(false),
        }
    }

    /// `v` in AWS's spelling; other values as they are.
    pub fn respell(&self, v: &Value) -> Value {
        if self == &Spelling::default() {
            return v.clone();
        }
        match v {
            Value::String(s) => Value::String(self.word(s)),
            Value::List(items) => Value::List(items.iter().map(|i| self.respell(i)).collect()),
            other => other.clone(),
        }
    }

    fn word(&self, s: &str) -> String {
        let s = if self.trim { s.trim() } else { s };
        let mut out = if self.lowercase {
            s.to_lowercase()
        } else if self.uppercase {
            s.to_uppercase()
        } else {
            s.to_string()
        };
        if let Some((_, to)) = self.aliases.iter().find(|(from, _)| *from == out) {
            out = to.clone();
        }
        if self.cidr {
            if let Some(network) = network(&out) {
                out = network;
            }
        }
        out
    }
}

/// The network of an IPv4 CIDR block (`10.0.0.5/16` → `10.0.0.0/16`), if it is one.
fn network(s: &str) -> Option<String> {
    let (address, prefix) = s.split_once('/')?;
    let address: std::net::Ipv4Addr = address.parse().ok()?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    let net = std::net::Ipv4Addr::from(u32::from(address) & mask);
    Some(format!("{net}/{prefix}"))
}

/// `16` for 16.0, `0.5` for 0.5.
fn plain(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// Fails `s` unless it is an IPv4 CIDR block (`a.b.c.d/n`) whose prefix length is between
/// `shortest` and `longest`.
fn check_cidr(s: &str, shortest: u8, longest: u8) -> Result<(), String> {
    let not = |why: &str| Err(format!("`{s}` is not an IPv4 CIDR block: {why}"));
    let Some((address, prefix)) = s.split_once('/') else {
        return not("it has no `/` and prefix length, e.g. 10.0.0.0/16");
    };
    if address.parse::<std::net::Ipv4Addr>().is_err() {
        return not(&format!("`{address}` is not an IPv4 address"));
    }
    let Ok(prefix) = prefix.parse::<u8>() else {
        return not(&format!("`{prefix}` is not a prefix length"));
    };
    if prefix > 32 {
        return not(&format!("the prefix length {prefix} is over 32"));
    }
    if prefix < shortest || prefix > longest {
        return Err(format!(
            "`{s}`: AWS takes a prefix length between /{shortest} and /{longest} here"
        ));
    }
    Ok(())
}

/// The name in `names` closest to `key` by edit distance, if close enough to be a typo.
fn closest<'a>(key: &str, names: &'a [String]) -> Option<&'a str> {
    let lower = key.to_lowercase();
    names
        .iter()
        .map(|n| (distance(&lower, &n.to_lowercase()), n.as_str()))
        .filter(|(d, n)| *d <= (n.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `value` checked against the constraints `schema` declares: `None` when accepted,
    /// else the message.
    fn check(schema: Json, value: Json) -> Option<String> {
        Constraints::of(&schema)
            .check(&Value::from_json(value))
            .err()
    }

    #[test]
    fn values_are_respelled_as_aws_stores_them() {
        let protocol = Spelling::of(&json!({"x-lowercase": true,
            "x-aliases": {"all": "-1", "6": "tcp"}}));
        for (written, stored) in [("TCP", "tcp"), ("6", "tcp"), ("ALL", "-1"), ("udp", "udp")] {
            assert_eq!(
                protocol.respell(&Value::string(written)),
                Value::string(stored)
            );
        }
        let blocks = Spelling::of(&json!({"x-cidr": [0, 32]}));
        assert_eq!(
            blocks.respell(&Value::from_json(json!([
                "10.0.0.5/16",
                "0.0.0.0/0",
                "10.1.2.3/32",
                "x"
            ]))),
            Value::from_json(json!(["10.0.0.0/16", "0.0.0.0/0", "10.1.2.3/32", "x"]))
        );
        assert_eq!(
            Spelling::of(&json!({})).respell(&Value::string("TCP")),
            Value::string("TCP")
        );
        let upper = Spelling::of(&json!({"x-uppercase": true}));
        assert_eq!(
            upper.respell(&Value::string("https")),
            Value::string("HTTPS")
        );
    }

    #[test]
    fn values_are_checked_against_what_the_schema_declares() {
        let port = json!({"type": "integer", "minimum": 0, "maximum": 65535});
        assert_eq!(check(port.clone(), json!(443)), None);
        assert_eq!(
            check(port.clone(), json!(70000)).as_deref(),
            Some("70000 is more than the maximum, 65535")
        );
        assert_eq!(
            check(port, json!(-5)).as_deref(),
            Some("-5 is less than the minimum, 0")
        );
        let days = json!({"type": "integer", "enum": [1, 3, 5, 7, 14]});
        assert_eq!(check(days.clone(), json!(7)), None);
        assert_eq!(
            check(days, json!(8)).as_deref(),
            Some("8 is not one of 1, 3, 5, 7, 14")
        );
        let name = json!({"type": "string", "maxLength": 32, "pattern": "^[A-Za-z0-9-]+$",
                          "x-pattern-says": "letters, digits and hyphens"});
        assert_eq!(check(name.clone(), json!("web-1")), None);
        assert_eq!(
            check(name.clone(), json!("web_1")).as_deref(),
            Some("`web_1` is not valid here: letters, digits and hyphens")
        );
        assert!(check(name, json!("a".repeat(33)))
            .is_some_and(|m| m.contains("longer than 32 characters (33)")));
        let vpc = json!({"type": "string", "x-cidr": [16, 28]});
        assert_eq!(check(vpc.clone(), json!("10.0.0.0/16")), None);
        for (bad, says) in [
            ("10.0.1.0/33", "the prefix length 33 is over 32"),
            ("10.0.1.0", "it has no `/`"),
            ("10.0.300.0/24", "is not an IPv4 address"),
            ("10.0.0.0/8", "between /16 and /28"),
        ] {
            assert!(
                check(vpc.clone(), json!(bad)).is_some_and(|m| m.contains(says)),
                "{bad}"
            );
        }
        let blocks = json!({"type": "array", "items": {"type": "string", "x-cidr": [0, 32]}});
        assert!(check(blocks, json!(["0.0.0.0/0", "10.0.0.0/33"]))
            .is_some_and(|m| m.starts_with("[1]: ")));
        let containers = json!({"x-document": true, "x-keys": ["name", "image", "portMappings"]});
        assert_eq!(
            check(containers.clone(), json!([{"name": "a", "image": "b"}])),
            None
        );
        assert_eq!(
            check(
                containers.clone(),
                json!([{"name": "a", "portMapings": []}])
            )
            .as_deref(),
            Some("[0]: unknown key `portMapings` (did you mean `portMappings`?)")
        );
        assert!(check(containers, json!(r#"[{"nam": "a"}]"#)).is_some());
    }

    #[test]
    fn documents_are_checked_against_their_shape_down_to_the_key() {
        let shape = json!({"type": "object", "additionalProperties": false,
            "properties": {
                "name": {"type": ["string", "null"]},
                "essential": {"type": ["boolean", "null"]},
                "portMappings": {"type": ["array", "null"], "items": {"type": "object",
                    "additionalProperties": false, "required": ["containerPort"],
                    "properties": {"containerPort": {"type": "integer"},
                                   "protocol": {"type": ["string", "null"], "enum": ["tcp", "udp"]}}}},
                "logConfiguration": {"anyOf": [{"type": "object", "additionalProperties": false,
                    "properties": {"options": {"type": "object", "additionalProperties": {"type": "string"}}}},
                    {"type": "null"}]}}});
        let containers = json!({"x-document": true, "x-keys": ["name", "essential", "portMappings", "logConfiguration"],
                                "x-shape": shape});
        let ok = json!([{"name": "a", "essential": true,
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}, {"containerPort": "8080"}],
            "logConfiguration": {"options": {"awslogs-group": "g"}}}]);
        assert_eq!(check(containers.clone(), ok), None);
        for (bad, says) in [
            (
                json!([{"essential": "yes"}]),
                "[0].essential: expected a bool, found the string `yes`",
            ),
            (
                json!([{"name": "a"}, {"portMappings": [{"containerPort": 80, "protocl": "tcp"}]}]),
                "[1].portMappings[0]: unknown key `protocl` (did you mean `protocol`?)",
            ),
            (
                json!([{"portMappings": [{"protocol": "tcp"}]}]),
                "[0].portMappings[0]: `containerPort` is missing",
            ),
            (
                json!([{"portMappings": [{"containerPort": 80, "protocol": "sctp"}]}]),
                "[0].portMappings[0].protocol: `sctp` is not one of tcp, udp",
            ),
            (
                json!([{"logConfiguration": {"options": {"a": 1}}}]),
                "[0].logConfiguration.options.a: expected a string, found the number 1",
            ),
        ] {
            assert_eq!(check(containers.clone(), bad).as_deref(), Some(says));
        }
        // As a JSON string too.
        assert!(check(containers, json!(r#"[{"essential": 1}]"#)).is_some());
    }
}
