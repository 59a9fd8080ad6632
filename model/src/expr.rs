//! Expressions of a resolved configuration: values that may hold references to other
//! resources' attributes, resolved by the engine once those values are known.
//!
//! The stack language substitutes variables, `stack.*` and `self.*` before the engine sees a
//! configuration, so the only references left here point at resources; function calls,
//! operators and conditionals whose operands are all known are computed there too, so what
//! is left of them here waits for a resource's value.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::functions::{self, BinaryOp, UnaryOp};
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
    /// A computed value interpolated: `${upper(aws_s3_bucket.logs.id)}`.
    Expr(Box<Expr>),
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
    /// A call of one of Terraform's functions (`functions::call`).
    Call(String, Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : otherwise`: only the branch taken is evaluated.
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `base[key]` on a computed value.
    Index(Box<Expr>, Box<Expr>),
    /// `try(a, b, ...)`: the first that evaluates without an error.
    Try(Vec<Expr>),
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
            Expr::Template(parts) => {
                for p in parts {
                    match p {
                        Part::Ref(r) => out.push(r),
                        Part::Expr(e) => e.collect_refs(out),
                        Part::Literal(_) => {}
                    }
                }
            }
            Expr::List(items) | Expr::Call(_, items) | Expr::Try(items) => {
                items.iter().for_each(|e| e.collect_refs(out))
            }
            Expr::Map(m) => m.values().for_each(|e| e.collect_refs(out)),
            Expr::Unary(_, e) => e.collect_refs(out),
            Expr::Binary(_, a, b) | Expr::Index(a, b) => {
                a.collect_refs(out);
                b.collect_refs(out);
            }
            Expr::Conditional(c, t, e) => {
                c.collect_refs(out);
                t.collect_refs(out);
                e.collect_refs(out);
            }
        }
    }

    /// This expression indexed by each segment of `path` in turn (`e["tags"]["Name"]`): a
    /// value below a computed one, known when it is.
    pub fn indexed(self, path: &[PathSeg]) -> Expr {
        path.iter().fold(self, |e, seg| {
            let key = match seg {
                PathSeg::Key(k) => Value::string(k.clone()),
                PathSeg::Index(i) => Value::from(*i as i64),
            };
            Expr::Index(Box::new(e), Box::new(Expr::Value(key)))
        })
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
                    let v = match part {
                        Part::Literal(l) => {
                            s.push_str(l);
                            continue;
                        }
                        Part::Ref(r) => lookup(r)?,
                        Part::Expr(e) => e.eval(lookup)?,
                    };
                    if v == Value::Unknown {
                        return Ok(Value::Unknown);
                    }
                    match v.interpolated() {
                        Some(text) => s.push_str(&text),
                        None => {
                            return Err(format!("cannot interpolate a {} into a string", v.kind()))
                        }
                    }
                }
                Value::String(s)
            }
            Expr::Call(name, args) => {
                let args = args
                    .iter()
                    .map(|e| e.eval(lookup))
                    .collect::<Result<Vec<_>, _>>()?;
                functions::call(name, args).map_err(|e| e.to_string())?
            }
            Expr::Unary(op, e) => functions::unary(*op, e.eval(lookup)?)?,
            Expr::Binary(op, a, b) => functions::binary(*op, a.eval(lookup)?, b.eval(lookup)?)?,
            Expr::Conditional(c, t, e) => match functions::condition(&c.eval(lookup)?)? {
                None => Value::Unknown,
                Some(true) => t.eval(lookup)?,
                Some(false) => e.eval(lookup)?,
            },
            Expr::Index(base, key) => functions::index(&base.eval(lookup)?, &key.eval(lookup)?)?,
            Expr::Try(options) => {
                let mut last = String::from("`try` needs at least one expression");
                for option in options {
                    match option.eval(lookup) {
                        Ok(v) => return Ok(v),
                        Err(e) => last = e,
                    }
                }
                return Err(format!("no expression of `try` could be evaluated: {last}"));
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

    #[test]
    fn computed_values_wait_for_what_they_use() {
        let r = Reference {
            address: Address::new("aws_vpc", "main"),
            path: vec![PathSeg::Key("cidr_block".into())],
        };
        let call = Expr::Call(
            "cidrsubnet".into(),
            vec![
                Expr::Ref(r.clone()),
                Expr::Value(Value::from(8i64)),
                Expr::Value(Value::from(1i64)),
            ],
        );
        assert_eq!(call.references(), vec![&r]);
        assert_eq!(call.eval(&|_| Ok(Value::Unknown)), Ok(Value::Unknown));
        assert_eq!(
            call.eval(&|_| Ok(Value::string("10.0.0.0/16"))),
            Ok(Value::string("10.0.1.0/24"))
        );
        let cond = Expr::Conditional(
            Box::new(Expr::Binary(
                BinaryOp::Eq,
                Box::new(Expr::Ref(r)),
                Box::new(Expr::Value(Value::string("10.0.0.0/16"))),
            )),
            Box::new(Expr::Value(Value::string("main"))),
            Box::new(Expr::Call("no_such_function".into(), vec![])),
        );
        assert_eq!(
            cond.eval(&|_| Ok(Value::string("10.0.0.0/16"))),
            Ok(Value::string("main")),
            "the branch not taken is not evaluated"
        );
        assert_eq!(cond.eval(&|_| Ok(Value::Unknown)), Ok(Value::Unknown));
        let tried = Expr::Try(vec![
            Expr::Index(
                Box::new(Expr::Value(Value::map([("a", Value::from(1i64))]))),
                Box::new(Expr::Value(Value::string("b"))),
            ),
            Expr::Value(Value::from(2i64)),
        ]);
        assert_eq!(tried.eval(&|_| Ok(Value::Null)), Ok(Value::from(2i64)));
    }
}
