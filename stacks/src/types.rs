//! Type rules of the stack language: which values and which referenced attribute types fit
//! an attribute's declared type.

use cairn_model::{AttrType, PathSeg, Value};

/// `a string`, `a list of string`, ... for messages.
pub fn article(ty: &AttrType) -> String {
    let d = ty.describe();
    match ty {
        AttrType::Enum(_) | AttrType::Any => d,
        AttrType::Object(_) | AttrType::Document => format!("a {d}"),
        _ => format!("a {d}"),
    }
}

/// Whether a value of type `actual` (from a reference) may be used where `expected` is.
pub fn compatible(expected: &AttrType, actual: &AttrType) -> bool {
    use AttrType::*;
    match (expected, actual) {
        (Any, _) | (_, Any) => true,
        (String | Enum(_), String | Enum(_)) => true,
        (Document, String | Enum(_) | Map(_) | Object(_) | List(_) | Set(_) | Document) => true,
        (String, Document) => true,
        (Number, Number) | (Bool, Bool) => true,
        (List(e) | Set(e), List(a) | Set(a)) => compatible(e, a),
        (Map(e), Map(a)) => compatible(e, a),
        (Map(_) | Object(_), Object(_) | Map(_)) => true,
        _ => false,
    }
}

/// Whether a resolved value fits `ty`; the error says what is wrong and where inside it.
pub fn check_value(ty: &AttrType, v: &Value) -> Result<(), String> {
    use AttrType::*;
    let bad = || Err(format!("expected {}, found {}", article(ty), kind(v)));
    match (ty, v) {
        (_, Value::Unknown) | (Any, _) => Ok(()),
        (String, Value::String(_)) => Ok(()),
        (Enum(vals), Value::String(s)) => {
            if vals.iter().any(|x| x == s) {
                Ok(())
            } else {
                Err(format!("`{s}` is not one of {}", vals.join(", ")))
            }
        }
        (Number, Value::Number(_)) | (Bool, Value::Bool(_)) => Ok(()),
        (List(t) | Set(t), Value::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_value(t, item).map_err(|e| format!("[{i}]: {e}"))?;
            }
            Ok(())
        }
        (Map(t), Value::Map(m)) => {
            for (k, item) in m {
                check_value(t, item).map_err(|e| format!("{k}: {e}"))?;
            }
            Ok(())
        }
        (Object(fields), Value::Map(m)) => {
            for (k, item) in m {
                match fields.get(k) {
                    Some(f) => check_value(&f.ty, item).map_err(|e| format!("{k}: {e}"))?,
                    None => return Err(format!("unknown attribute `{k}`")),
                }
            }
            for (k, f) in fields {
                if f.required && !m.contains_key(k) {
                    return Err(format!("missing required attribute `{k}`"));
                }
            }
            Ok(())
        }
        (Document, Value::String(s)) => serde_json::from_str::<serde_json::Value>(s)
            .map(|_| ())
            .map_err(|e| format!("not a valid JSON document: {e}")),
        (Document, Value::Map(_) | Value::List(_)) => Ok(()),
        _ => bad(),
    }
}

/// `a string`, `a list`, ... of a value.
pub fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a bool".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a map".into(),
        Value::Unknown => "a value known after apply".into(),
    }
}

/// The type of the attribute at `path` below a value of type `ty`.
pub fn at_path(ty: &AttrType, path: &[PathSeg]) -> Option<AttrType> {
    let Some((first, rest)) = path.split_first() else {
        return Some(ty.clone());
    };
    let inner = match (ty, first) {
        (AttrType::Any | AttrType::Document, _) => return Some(AttrType::Any),
        (AttrType::List(t) | AttrType::Set(t), PathSeg::Index(_)) => (**t).clone(),
        (AttrType::Map(t), PathSeg::Key(_)) => (**t).clone(),
        (AttrType::Object(fields), PathSeg::Key(k)) => fields.get(k)?.ty.clone(),
        _ => return None,
    };
    at_path(&inner, rest)
}

/// A variable's declared `type`.
pub fn variable_type(name: &str) -> Option<AttrType> {
    Some(match name {
        "string" => AttrType::String,
        "number" => AttrType::Number,
        "bool" => AttrType::Bool,
        "list" => AttrType::List(Box::new(AttrType::Any)),
        "map" => AttrType::Map(Box::new(AttrType::Any)),
        "any" => AttrType::Any,
        _ => return None,
    })
}

pub const VARIABLE_TYPES: [&str; 6] = ["string", "number", "bool", "list", "map", "any"];
