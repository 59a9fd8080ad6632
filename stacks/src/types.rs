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
        // `null` is no value: the attribute is left unset (as in Terraform).
        (_, Value::Unknown | Value::Null) | (Any, _) => Ok(()),
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

/// A variable's declared `type`, a Terraform type expression: `string`, `number`, `bool`,
/// `any`, `list(T)`, `set(T)`, `map(T)`, `object({ name = T, port = optional(T) })`; bare
/// `list` and `map` hold any value.
pub fn variable_type(text: &str) -> Option<AttrType> {
    let mut p = TypeParser { s: text, at: 0 };
    let ty = p.ty().ok()?;
    p.space();
    (p.at == p.s.len()).then_some(ty)
}

/// A recursive-descent reader of type expressions.
struct TypeParser<'a> {
    s: &'a str,
    at: usize,
}

impl TypeParser<'_> {
    fn space(&mut self) {
        while self.s[self.at..].starts_with(|c: char| c.is_whitespace() || c == ',') {
            self.at += 1;
        }
    }

    fn word(&mut self) -> &str {
        self.space();
        let start = self.at;
        while self.s[self.at..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            self.at += 1;
        }
        &self.s[start..self.at]
    }

    fn eat(&mut self, token: char) -> Result<(), ()> {
        self.space();
        if self.s[self.at..].starts_with(token) {
            self.at += token.len_utf8();
            Ok(())
        } else {
            Err(())
        }
    }

    fn ty(&mut self) -> Result<AttrType, ()> {
        let word = self.word().to_string();
        let inner = |p: &mut Self| -> Result<AttrType, ()> {
            p.eat('(')?;
            let t = p.ty()?;
            p.eat(')')?;
            Ok(t)
        };
        let bare = |p: &mut Self| {
            p.space();
            !p.s[p.at..].starts_with('(')
        };
        Ok(match word.as_str() {
            "string" => AttrType::String,
            "number" => AttrType::Number,
            "bool" => AttrType::Bool,
            "any" => AttrType::Any,
            "list" if bare(self) => AttrType::List(Box::new(AttrType::Any)),
            "map" if bare(self) => AttrType::Map(Box::new(AttrType::Any)),
            "list" => AttrType::List(Box::new(inner(self)?)),
            "set" => AttrType::Set(Box::new(inner(self)?)),
            "map" => AttrType::Map(Box::new(inner(self)?)),
            "object" => {
                self.eat('(')?;
                self.eat('{')?;
                let mut fields = std::collections::BTreeMap::new();
                loop {
                    self.space();
                    if self.eat('}').is_ok() {
                        break;
                    }
                    let name = self.word().to_string();
                    if name.is_empty() {
                        return Err(());
                    }
                    self.eat('=').or_else(|_| self.eat(':'))?;
                    self.space();
                    let optional = self.s[self.at..].starts_with("optional(");
                    let ty = if optional {
                        self.word();
                        inner(self)?
                    } else {
                        self.ty()?
                    };
                    fields.insert(
                        name,
                        cairn_model::Attribute {
                            ty,
                            required: !optional,
                            force_new: false,
                            sensitive: false,
                            identifying: false,
                            not_in_aws: false,
                            default: None,
                            description: None,
                            constraints: Default::default(),
                            spelling: Default::default(),
                        },
                    );
                }
                self.eat(')')?;
                AttrType::Object(fields)
            }
            _ => return Err(()),
        })
    }
}

/// The type names a variable's `type` is built from (for suggestions).
pub const VARIABLE_TYPES: [&str; 9] = [
    "string",
    "number",
    "bool",
    "any",
    "list(string)",
    "set(string)",
    "map(string)",
    "object({ NAME = TYPE })",
    "optional(TYPE)",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions_read_as_terraform_writes_them() {
        let check = |text: &str, want: Option<&str>| {
            assert_eq!(
                variable_type(text).map(|t| t.describe()).as_deref(),
                want,
                "{text}"
            );
        };
        check("string", Some("string"));
        check("list", Some("list of any value"));
        check("list(string)", Some("list of string"));
        check("set(number)", Some("set of number"));
        check("map(list(string))", Some("map of list of string"));
        check(
            " object({ name = string, port = optional(number) }) ",
            Some("block"),
        );
        check("list(object({name=string}))", Some("list of block"));
        for bad in [
            "strin",
            "list(",
            "list(string",
            "object({ = string })",
            "map(string) x",
            "",
        ] {
            check(bad, None);
        }
        let Some(AttrType::Object(fields)) =
            variable_type("object({ name = string, port = optional(number) })")
        else {
            panic!("an object");
        };
        assert!(fields["name"].required && !fields["port"].required);
        assert_eq!(fields["port"].ty, AttrType::Number);
    }
}
