//! Dynamic values of cairn: JSON-like data plus `Unknown` ("known after apply").

use std::collections::BTreeMap;
use std::fmt;

/// A value of an attribute, a variable or an output.
///
/// Maps are ordered by key, so equality and rendering are canonical. `Unknown` stands for a
/// value that only apply can tell (the id of a resource not created yet).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Unknown,
}

/// One step of an attribute path: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A path into a value, e.g. `tags.Name` or `ingress[0].from_port`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Path(pub Vec<PathSeg>);

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }
    pub fn key(name: impl Into<String>) -> Self {
        Path(vec![PathSeg::Key(name.into())])
    }
    pub fn child(&self, seg: PathSeg) -> Self {
        let mut p = self.0.clone();
        p.push(seg);
        Path(p)
    }
    /// The first segment when it is a key: the top-level attribute this path is under.
    pub fn attribute(&self) -> Option<&str> {
        match self.0.first() {
            Some(PathSeg::Key(k)) => Some(k),
            _ => None,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(k)?;
                    } else {
                        write!(f, "[{k:?}]")?;
                    }
                }
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn from_json(json: serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => {
                Value::List(a.into_iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(o) => Value::Map(
                o.into_iter()
                    .map(|(k, v)| (k, Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The JSON form of a fully known value; `None` when any part is unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(Value::to_json)
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<serde_json::Map<_, _>>>()?,
            ),
            Value::Unknown => return None,
        })
    }

    /// The JSON form with unknown parts replaced by `null` (for display and digests only).
    pub fn to_json_lossy(&self) -> serde_json::Value {
        match self {
            Value::Unknown => serde_json::Value::Null,
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json_lossy).collect())
            }
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_json_lossy()))
                    .collect(),
            ),
            other => other.to_json().unwrap_or(serde_json::Value::Null),
        }
    }

    /// True when no part of the value is unknown.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Map(m) => m.values().all(Value::is_known),
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value at `path`. Walking into `Unknown` yields `Unknown`; a missing key or index
    /// yields `None`.
    pub fn get_path(&self, path: &[PathSeg]) -> Option<Value> {
        let mut cur = self;
        for seg in path {
            cur = match (cur, seg) {
                (Value::Unknown, _) => return Some(Value::Unknown),
                (Value::Map(m), PathSeg::Key(k)) => m.get(k)?,
                (Value::List(items), PathSeg::Index(i)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(cur.clone())
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown => "unknown",
        }
    }

    /// The text of a scalar as it appears when interpolated into a string.
    pub fn interpolated(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Canonical, pretty JSON (keys sorted); unknown parts as `"(known after apply)"`.
    pub fn canonical_json(&self) -> String {
        fn mark(v: &Value) -> serde_json::Value {
            match v {
                Value::Unknown => serde_json::Value::String("(known after apply)".into()),
                Value::List(items) => serde_json::Value::Array(items.iter().map(mark).collect()),
                Value::Map(m) => {
                    serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), mark(v))).collect())
                }
                other => other.to_json().unwrap_or(serde_json::Value::Null),
            }
        }
        serde_json::to_string_pretty(&mark(self)).unwrap_or_default()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unknown => f.write_str("(known after apply)"),
            Value::String(s) => write!(f, "{s:?}"),
            other => match other.to_json() {
                Some(j) => write!(f, "{j}"),
                None => f.write_str(&other.canonical_json()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_unknown() {
        let j = serde_json::json!({"b": [1, "x", true], "a": null});
        let v = Value::from_json(j.clone());
        assert_eq!(v.to_json(), Some(j));
        let u = Value::map([("id", Value::Unknown)]);
        assert_eq!(u.to_json(), None);
        assert!(!u.is_known());
        assert_eq!(
            u.get_path(&[PathSeg::Key("id".into())]),
            Some(Value::Unknown)
        );
    }

    #[test]
    fn path_display() {
        let p = Path(vec![
            PathSeg::Key("ingress".into()),
            PathSeg::Index(0),
            PathSeg::Key("from_port".into()),
        ]);
        assert_eq!(p.to_string(), "ingress[0].from_port");
        let t = Path(vec![
            PathSeg::Key("tags".into()),
            PathSeg::Key("a:b".into()),
        ]);
        assert_eq!(t.to_string(), "tags[\"a:b\"]");
    }
}
