//! Type conversion functions: `tostring`, `tonumber`, `tobool`, `tolist`, `toset` and `tomap`.

use super::num::{parse_number, Num};
use super::numeric::finish;
use super::set::to_set;
use super::{to_bool, to_text, unified, unify, Args, CallError, Outcome};
use crate::value::Value;

pub(super) fn tostring(a: &Args) -> Outcome {
    match a.get(0) {
        Value::Null => Ok(Value::Null),
        v @ (Value::List(_) | Value::Map(_)) => {
            Err(a.fail(0, format!("cannot convert {} to string", v.kind())))
        }
        v => to_text(v).map(Value::String).map_err(|m| a.fail(0, m)),
    }
}

pub(super) fn tonumber(a: &Args) -> Outcome {
    match a.get(0) {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => finish(Num::of(n)),
        Value::String(s) => match parse_number(s) {
            Some(n) => finish(n),
            None => Err(a.fail(
                0,
                format!("cannot convert {s:?} to number; given string must be a decimal representation of a number"),
            )),
        },
        v => Err(a.fail(0, format!("cannot convert {} to number", v.kind()))),
    }
}

pub(super) fn tobool(a: &Args) -> Outcome {
    match a.get(0) {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) => to_bool(a.get(0)).map(Value::Bool).map_err(|_| {
            a.fail(
                0,
                format!("cannot convert {s:?} to bool; only the strings \"true\" or \"false\" are allowed"),
            )
        }),
        v => Err(a.fail(0, format!("cannot convert {} to bool", v.kind()))),
    }
}

/// The elements of a list for `tolist`/`toset`, converted to their common type.
fn collection_items(a: &Args, what: &str) -> Result<Option<Vec<Value>>, CallError> {
    match a.get(0) {
        Value::Null => Ok(None),
        Value::List(items) => {
            let u = unify(items).ok_or_else(|| {
                a.fail(
                    0,
                    format!("cannot convert list to {what} of any single type: all elements must have the same type"),
                )
            })?;
            Ok(Some(items.iter().map(|v| unified(u, v)).collect()))
        }
        v => Err(a.fail(
            0,
            format!("cannot convert {} to {what} of any single type", v.kind()),
        )),
    }
}

pub(super) fn tolist(a: &Args) -> Outcome {
    Ok(collection_items(a, "list")?.map_or(Value::Null, Value::List))
}

pub(super) fn toset(a: &Args) -> Outcome {
    Ok(collection_items(a, "set")?.map_or(Value::Null, |items| Value::List(to_set(items))))
}

pub(super) fn tomap(a: &Args) -> Outcome {
    match a.get(0) {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => {
            let u = unify(m.values()).ok_or_else(|| {
                a.fail(
                    0,
                    "cannot convert map to map of any single type: all elements must have the same type",
                )
            })?;
            Ok(Value::Map(
                m.iter().map(|(k, v)| (k.clone(), unified(u, v))).collect(),
            ))
        }
        v => Err(a.fail(
            0,
            format!("cannot convert {} to map of any single type", v.kind()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{check, fails};

    #[test]
    fn type_conversions() {
        check("tobool", json!([true]), json!(true));
        check("tobool", json!(["false"]), json!(false));
        check("tobool", json!([null]), json!(null));
        fails(
            "tobool",
            json!(["no"]),
            "cannot convert \"no\" to bool; only the strings \"true\" or \"false\" are allowed",
        );
        fails("tobool", json!([1]), "cannot convert number to bool");
        check("tolist", json!([["a", "b", "c"]]), json!(["a", "b", "c"]));
        check("tolist", json!([["a", "b", 3]]), json!(["a", "b", "3"]));
        fails(
            "tolist",
            json!([[1, [2]]]),
            "all elements must have the same type",
        );
        fails(
            "tolist",
            json!(["a"]),
            "cannot convert string to list of any single type",
        );
        check("tomap", json!([{"a": 1, "b": 2}]), json!({"a": 1, "b": 2}));
        check(
            "tomap",
            json!([{"a": "foo", "b": true}]),
            json!({"a": "foo", "b": "true"}),
        );
        fails(
            "tomap",
            json!([["a"]]),
            "cannot convert list to map of any single type",
        );
        check("tonumber", json!([1]), json!(1));
        check("tonumber", json!(["1"]), json!(1));
        check("tonumber", json!(["-2.5e1"]), json!(-25));
        check("tonumber", json!([null]), json!(null));
        fails("tonumber", json!(["no"]), "cannot convert \"no\" to number; given string must be a decimal representation of a number");
        fails(
            "tonumber",
            json!(["inf"]),
            "cannot convert \"inf\" to number",
        );
        fails("tonumber", json!([true]), "cannot convert bool to number");
        check("toset", json!([["a", "b", "c"]]), json!(["a", "b", "c"]));
        check("toset", json!([["a", "b", 3]]), json!(["3", "a", "b"]));
        check("toset", json!([["c", "b", "b"]]), json!(["b", "c"]));
        check("toset", json!([[3, 1, 2, 1]]), json!([1, 2, 3]));
        check("tostring", json!(["hello"]), json!("hello"));
        check("tostring", json!([1]), json!("1"));
        check("tostring", json!([2.5]), json!("2.5"));
        check("tostring", json!([true]), json!("true"));
        check("tostring", json!([null]), json!(null));
        fails("tostring", json!([[]]), "cannot convert list to string");
    }
}
