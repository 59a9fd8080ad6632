//! The expression operators, [`BinaryOp`] and [`UnaryOp`], and their evaluation: [`binary`],
//! [`unary`], [`condition`] and [`index`].

use std::cmp::Ordering;

use super::{describe, equal, mismatch, plural, to_bool, to_number, to_text};
use crate::value::Value;

/// Binary operators of expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Lt,
    Gt,
    LtEq,
    GtEq,
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    /// The operator as written: `==`, `&&`, `+`, ...
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Gt => ">",
            BinaryOp::LtEq => "<=",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }
}

/// Unary operators of expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

impl UnaryOp {
    /// The operator as written: `!` or `-`.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Not => "!",
            UnaryOp::Neg => "-",
        }
    }
}

/// Applies a binary operator.
pub fn binary(op: BinaryOp, left: Value, right: Value) -> Result<Value, String> {
    if !left.is_known() || !right.is_known() {
        return Ok(Value::Unknown);
    }
    match op {
        BinaryOp::Eq => Ok(Value::Bool(equal(&left, &right))),
        BinaryOp::NotEq => Ok(Value::Bool(!equal(&left, &right))),
        BinaryOp::And | BinaryOp::Or => {
            let l = operand(op, "left", &left, to_bool)?;
            let r = operand(op, "right", &right, to_bool)?;
            Ok(Value::Bool(if op == BinaryOp::And {
                l && r
            } else {
                l || r
            }))
        }
        _ => {
            let l = operand(op, "left", &left, to_number)?;
            let r = operand(op, "right", &right, to_number)?;
            let ord = l.compare(r);
            let result = match op {
                BinaryOp::Lt => return Ok(Value::Bool(ord == Ordering::Less)),
                BinaryOp::Gt => return Ok(Value::Bool(ord == Ordering::Greater)),
                BinaryOp::LtEq => return Ok(Value::Bool(ord != Ordering::Greater)),
                BinaryOp::GtEq => return Ok(Value::Bool(ord != Ordering::Less)),
                BinaryOp::Add => l.add(r),
                BinaryOp::Sub => l.sub(r),
                BinaryOp::Mul => l.mul(r),
                BinaryOp::Div => l.div(r)?,
                _ => l.rem(r)?,
            };
            result.value()
        }
    }
}

/// An operand converted to what the operator takes, or an error naming the operand.
fn operand<T>(
    op: BinaryOp,
    which: &str,
    v: &Value,
    convert: fn(&Value) -> Result<T, String>,
) -> Result<T, String> {
    convert(v).map_err(|m| format!("{which} operand of `{}`: {m}", op.symbol()))
}

/// Applies a unary operator.
pub fn unary(op: UnaryOp, operand: Value) -> Result<Value, String> {
    if !operand.is_known() {
        return Ok(Value::Unknown);
    }
    let context = |m: String| format!("operand of `{}`: {m}", op.symbol());
    match op {
        UnaryOp::Not => Ok(Value::Bool(!to_bool(&operand).map_err(context)?)),
        UnaryOp::Neg => to_number(&operand).map_err(context)?.neg().value(),
    }
}

/// A condition's truth: `Ok(None)` when unknown; the strings "true" and "false" convert as
/// in Terraform; other types are an error.
pub fn condition(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Unknown => Ok(None),
        Value::Null => Err("the condition is null; it must be true or false".to_string()),
        other => to_bool(other).map(Some),
    }
}

/// `base[key]`: a list index (a number or a numeric string) or a map key (a string; numbers
/// and bools convert). An unknown base or key gives `Unknown`.
pub fn index(base: &Value, key: &Value) -> Result<Value, String> {
    if matches!(base, Value::Unknown) || !key.is_known() {
        return Ok(Value::Unknown);
    }
    match base {
        Value::List(items) => {
            let n = match key {
                Value::Null => return Err("the index is null".to_string()),
                Value::Number(_) | Value::String(_) => to_number(key),
                other => Err(mismatch("a number", other)),
            }
            .map_err(|m| format!("invalid list index: {m}"))?;
            let i = n
                .integer()
                .ok_or_else(|| format!("invalid list index {}: not a whole number", n.text()))?;
            usize::try_from(i)
                .ok()
                .and_then(|at| items.get(at))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "index {i} is out of range: the list has {} element{}",
                        items.len(),
                        plural(items.len())
                    )
                })
        }
        Value::Map(m) => {
            let k = match key {
                Value::Null => return Err("the key is null".to_string()),
                other => to_text(other).map_err(|e| format!("invalid map key: {e}"))?,
            };
            m.get(&k)
                .cloned()
                .ok_or_else(|| format!("the map has no key {k:?}"))
        }
        Value::Null => Err("cannot index a null value".to_string()),
        other => Err(format!(
            "cannot index {}: only lists and maps have elements",
            describe(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::functions::test_support::{check, v};

    #[track_caller]
    fn op(
        op: BinaryOp,
        left: serde_json::Value,
        right: serde_json::Value,
    ) -> Result<Value, String> {
        binary(op, v(left), v(right))
    }

    #[test]
    fn huge_integers_do_not_overflow() {
        let min = json!(i64::MIN);
        let below = op(BinaryOp::Sub, min.clone(), json!(1000));
        assert!(matches!(below, Ok(Value::Number(n)) if n.as_f64() == Some(-9.223372036854776e18)));
        let least = "-170141183460469231731687303715884105728";
        assert!(unary(UnaryOp::Neg, Value::from(least)).is_ok());
        check("abs", json!([least]), json!(1.7014118346046923e38));
        check("abs", json!([min]), json!(9223372036854775808u64));
    }

    #[test]
    fn arithmetic_operators() {
        assert_eq!(op(BinaryOp::Add, json!(1), json!(2)), Ok(v(json!(3))));
        assert_eq!(op(BinaryOp::Add, json!("1"), json!(2)), Ok(v(json!(3))));
        assert_eq!(op(BinaryOp::Add, json!(0.1), json!(0.2)), Ok(v(json!(0.3))));
        assert_eq!(op(BinaryOp::Sub, json!(5), json!(7)), Ok(v(json!(-2))));
        assert_eq!(op(BinaryOp::Sub, json!(0.3), json!(0.1)), Ok(v(json!(0.2))));
        assert_eq!(op(BinaryOp::Mul, json!(2.5), json!(2)), Ok(v(json!(5))));
        assert_eq!(
            op(BinaryOp::Mul, json!(1.1), json!(1.1)),
            Ok(v(json!(1.21)))
        );
        assert_eq!(op(BinaryOp::Div, json!(10), json!(4)), Ok(v(json!(2.5))));
        assert_eq!(op(BinaryOp::Div, json!(10), json!(5)), Ok(v(json!(2))));
        assert_eq!(op(BinaryOp::Div, json!(0.3), json!(0.1)), Ok(v(json!(3))));
        assert_eq!(
            op(BinaryOp::Div, json!(1), json!(3)),
            Ok(v(json!(1.0 / 3.0)))
        );
        assert_eq!(op(BinaryOp::Mod, json!(7), json!(3)), Ok(v(json!(1))));
        assert_eq!(op(BinaryOp::Mod, json!(-7), json!(3)), Ok(v(json!(-1))));
        assert_eq!(op(BinaryOp::Mod, json!(5.5), json!(2)), Ok(v(json!(1.5))));
        assert_eq!(
            op(BinaryOp::Add, json!(i64::MAX), json!(i64::MAX)),
            Ok(v(json!(u64::MAX - 1)))
        );
        assert_eq!(
            op(BinaryOp::Div, json!(1), json!(0)),
            Err("division by zero".to_string())
        );
        assert_eq!(
            op(BinaryOp::Mod, json!(1), json!(0)),
            Err("modulo by zero".to_string())
        );
        assert_eq!(
            op(BinaryOp::Add, json!([1]), json!(1)),
            Err("left operand of `+`: expected a number, found a list".to_string())
        );
        assert_eq!(
            op(BinaryOp::Mul, json!(1), json!("x")),
            Err("right operand of `*`: expected a number, found the string \"x\"".to_string())
        );
        assert!(op(BinaryOp::Sub, json!(null), json!(1)).is_err());
    }

    #[test]
    fn comparison_and_logic_operators() {
        let t = Ok(Value::Bool(true));
        let f = Ok(Value::Bool(false));
        assert_eq!(op(BinaryOp::Eq, json!("1"), json!(1)), f);
        assert_eq!(op(BinaryOp::Eq, json!(1), json!(1.0)), t);
        assert_eq!(
            op(BinaryOp::Eq, json!([1, {"a": 2}]), json!([1, {"a": 2}])),
            t
        );
        assert_eq!(
            op(BinaryOp::Eq, json!([1, {"a": 2}]), json!([1, {"a": 3}])),
            f
        );
        assert_eq!(op(BinaryOp::Eq, json!(null), json!(null)), t);
        assert_eq!(op(BinaryOp::NotEq, json!("a"), json!(null)), t);
        assert_eq!(op(BinaryOp::NotEq, json!("a"), json!("a")), f);
        assert_eq!(op(BinaryOp::Lt, json!(1), json!(2)), t);
        assert_eq!(op(BinaryOp::Gt, json!("10"), json!(9)), t);
        assert_eq!(op(BinaryOp::LtEq, json!(2), json!(2)), t);
        assert_eq!(op(BinaryOp::GtEq, json!(1), json!(2)), f);
        assert_eq!(op(BinaryOp::Gt, json!(2.5), json!(2)), t);
        assert!(op(BinaryOp::Lt, json!("a"), json!(1))
            .is_err_and(|e| e.contains("expected a number, found the string \"a\"")));
        assert_eq!(op(BinaryOp::And, json!(true), json!("true")), t);
        assert_eq!(op(BinaryOp::And, json!(true), json!(false)), f);
        assert_eq!(op(BinaryOp::Or, json!(false), json!(true)), t);
        assert_eq!(op(BinaryOp::Or, json!(false), json!("false")), f);
        assert_eq!(
            op(BinaryOp::And, json!(1), json!(true)),
            Err("left operand of `&&`: expected a bool, found a number".to_string())
        );
    }

    #[test]
    fn operators_with_unknown_values() {
        let partly = Value::List(vec![Value::Unknown]);
        assert_eq!(
            binary(BinaryOp::Add, Value::Unknown, Value::from(1)),
            Ok(Value::Unknown)
        );
        assert_eq!(
            binary(BinaryOp::Eq, partly, Value::List(vec![Value::from(1)])),
            Ok(Value::Unknown)
        );
        assert_eq!(
            binary(BinaryOp::Or, Value::from(true), Value::Unknown),
            Ok(Value::Unknown)
        );
        assert_eq!(unary(UnaryOp::Not, Value::Unknown), Ok(Value::Unknown));
    }

    #[test]
    fn unary_operators() {
        assert_eq!(
            unary(UnaryOp::Not, Value::from(true)),
            Ok(Value::from(false))
        );
        assert_eq!(
            unary(UnaryOp::Not, Value::from("false")),
            Ok(Value::from(true))
        );
        assert_eq!(unary(UnaryOp::Neg, Value::from(5)), Ok(Value::from(-5)));
        assert_eq!(unary(UnaryOp::Neg, Value::from("2.5")), Ok(v(json!(-2.5))));
        assert_eq!(
            unary(UnaryOp::Neg, Value::from("x")),
            Err("operand of `-`: expected a number, found the string \"x\"".to_string())
        );
        assert!(unary(UnaryOp::Not, Value::Null).is_err());
    }

    #[test]
    fn operator_symbols() {
        let all = [
            (BinaryOp::Eq, "=="),
            (BinaryOp::NotEq, "!="),
            (BinaryOp::Lt, "<"),
            (BinaryOp::Gt, ">"),
            (BinaryOp::LtEq, "<="),
            (BinaryOp::GtEq, ">="),
            (BinaryOp::And, "&&"),
            (BinaryOp::Or, "||"),
            (BinaryOp::Add, "+"),
            (BinaryOp::Sub, "-"),
            (BinaryOp::Mul, "*"),
            (BinaryOp::Div, "/"),
            (BinaryOp::Mod, "%"),
        ];
        for (op, symbol) in all {
            assert_eq!(op.symbol(), symbol);
        }
        assert_eq!(UnaryOp::Not.symbol(), "!");
        assert_eq!(UnaryOp::Neg.symbol(), "-");
    }

    #[test]
    fn conditions() {
        assert_eq!(condition(&Value::from(true)), Ok(Some(true)));
        assert_eq!(condition(&Value::from(false)), Ok(Some(false)));
        assert_eq!(condition(&Value::from("true")), Ok(Some(true)));
        assert_eq!(condition(&Value::from("false")), Ok(Some(false)));
        assert_eq!(condition(&Value::Unknown), Ok(None));
        assert!(condition(&Value::Null).is_err_and(|e| e.contains("null")));
        assert_eq!(
            condition(&Value::from("yes")),
            Err("expected a bool, found the string \"yes\"".to_string())
        );
        assert!(condition(&Value::from("True")).is_err_and(|e| e.contains("lowercase \"true\"")));
        assert_eq!(
            condition(&Value::List(vec![])),
            Err("expected a bool, found a list".to_string())
        );
        assert!(condition(&Value::from(1)).is_err());
    }

    #[test]
    fn indexes() {
        let list = v(json!(["a", "b", "c"]));
        let map = v(json!({"a": 1, "1": "one", "true": "yes"}));
        assert_eq!(index(&list, &Value::from(1)), Ok(Value::from("b")));
        assert_eq!(index(&list, &Value::from("2")), Ok(Value::from("c")));
        assert_eq!(index(&list, &v(json!(1.0))), Ok(Value::from("b")));
        assert!(index(&list, &Value::from(3)).is_err_and(|e| e.contains("index 3 is out of range")));
        assert!(index(&list, &Value::from(-1)).is_err_and(|e| e.contains("index -1")));
        assert!(index(&list, &v(json!(1.5))).is_err_and(|e| e.contains("1.5")));
        assert!(index(&list, &Value::from(true)).is_err_and(|e| e.contains("found a bool")));
        assert!(index(&list, &Value::from("x")).is_err());
        assert_eq!(index(&map, &Value::from("a")), Ok(Value::from(1)));
        assert_eq!(index(&map, &Value::from(1)), Ok(Value::from("one")));
        assert_eq!(index(&map, &Value::from(true)), Ok(Value::from("yes")));
        assert_eq!(
            index(&map, &Value::from("zz")),
            Err("the map has no key \"zz\"".to_string())
        );
        assert!(index(&map, &Value::List(vec![])).is_err());
        assert_eq!(index(&Value::Unknown, &Value::from(0)), Ok(Value::Unknown));
        assert_eq!(index(&list, &Value::Unknown), Ok(Value::Unknown));
        let partly = Value::List(vec![Value::from(1), Value::Unknown]);
        assert_eq!(index(&partly, &Value::from(0)), Ok(Value::from(1)));
        assert_eq!(index(&partly, &Value::from(1)), Ok(Value::Unknown));
        assert!(index(&Value::Null, &Value::from(0)).is_err_and(|e| e.contains("null")));
        assert!(index(&Value::from("abc"), &Value::from(0)).is_err());
        assert!(index(&list, &Value::Null).is_err());
    }
}
