//! Expressions of a resolved configuration: values that may hold references to other
//! resources' attributes, resolved by the engine once those values are known.
//!
//! The stack language substitutes variables, `stack.*` and `self.*` before the engine sees a
//! configuration, so the only references left here point at resources.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::value::{PathSeg, Value};

/// A reference to an attribute of a resource: `${aws_subnet.app_a.id}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub address: Address,
    /// Attribute path below the resource, e.g. `[Key("id")]`.
    pub path: Vec<PathSeg>,
}

/// One piece of an interpolated string.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Literal(String),
    Ref(Reference),
}

/// A configuration value before references are resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A value with no references in it.
    Value(Value),
    /// A string that is exactly one `${...}`: keeps the referenced value's type.
    Ref(Reference),
    /// A string with references interpolated into literal text.
    Template(Vec<Part>),
    List(Vec<Expr>),
    Map(BTreeMap<String, Expr>),
}

impl Expr {
    /// Every reference in the expression, in order of appearance.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        match self {
            Expr::Value(_) => {}
            Expr::Ref(r) => out.push(r),
            Expr::Template(parts) => out.extend(parts.iter().filter_map(|p| match p {
                Part::Ref(r) => Some(r),
                Part::Literal(_) => None,
            })),
            Expr::List(items) => items.iter().for_each(|e| e.collect_refs(out)),
            Expr::Map(m) => m.values().for_each(|e| e.collect_refs(out)),
        }
    }

    /// Evaluates the expression, looking each reference up with `lookup`.
    ///
    /// `lookup` returns `Unknown` for values that only apply can tell; an unknown part of an
    /// interpolated string makes the whole string unknown. An error names the reference that
    /// could not be resolved or interpolated.
    pub fn eval(
        &self,
        lookup: &dyn Fn(&Reference) -> Result<Value, String>,
    ) -> Result<Value, String> {
        Ok(match self {
            Expr::Value(v) => v.clone(),
            Expr::Ref(r) => lookup(r)?,
            Expr::Template(parts) => {
                let mut s = String::new();
                for part in parts {
                    match part {
                        Part::Literal(l) => s.push_str(l),
                        Part::Ref(r) => {
                            let v = lookup(r)?;
                            if v == Value::Unknown {
                                return Ok(Value::Unknown);
                            }
                            match v.interpolated() {
                                Some(text) => s.push_str(&text),
                                None => {
                                    return Err(format!(
                                        "cannot interpolate a {} into a string",
                                        v.kind()
                                    ))
                                }
                            }
                        }
                    }
                }
                Value::String(s)
            }
            Expr::List(items) => Value::List(
                items
                    .iter()
                    .map(|e| e.eval(lookup))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, e)| Ok((k.clone(), e.eval(lookup)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_with_unknown_is_unknown() {
        let r = Reference {
            address: Address::new("aws_vpc", "main"),
            path: vec![PathSeg::Key("id".into())],
        };
        let e = Expr::Template(vec![Part::Literal("vpc-".into()), Part::Ref(r.clone())]);
        assert_eq!(e.eval(&|_| Ok(Value::Unknown)), Ok(Value::Unknown));
        assert_eq!(
            e.eval(&|_| Ok(Value::string("123"))),
            Ok(Value::string("vpc-123"))
        );
        assert_eq!(
            Expr::Ref(r).eval(&|_| Ok(Value::from(5i64))),
            Ok(Value::from(5i64))
        );
    }
}
