//! Set functions. Terraform's sets are lists here, deduplicated and ordered as Terraform
//! orders sets.

use std::cmp::Ordering;

use super::collection::dedup;
use super::num::Num;
use super::{equal, list_unified, unified, unify, Args, CallError, Outcome};
use crate::value::Value;

/// Terraform's set order: strings lexically, numbers numerically, false before true, nulls
/// last; other elements keep their order.
fn set_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => Num::of(x).compare(Num::of(y)),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

pub(super) fn to_set(items: Vec<Value>) -> Vec<Value> {
    let mut out = dedup(items);
    out.sort_by(set_order);
    out
}

/// The list arguments of a set function, as sets of one common element type.
fn set_args(a: &Args) -> Result<Vec<Vec<Value>>, CallError> {
    let lists = (0..a.len())
        .map(|i| a.list(i))
        .collect::<Result<Vec<_>, _>>()?;
    let u = unify(lists.iter().flat_map(|l| l.iter())).ok_or_else(|| {
        CallError::Failed("given sets must all have compatible element types".to_string())
    })?;
    Ok(lists
        .into_iter()
        .map(|l| to_set(l.iter().map(|v| unified(u, v)).collect()))
        .collect())
}

pub(super) fn setunion(a: &Args) -> Outcome {
    let sets = set_args(a)?;
    Ok(Value::List(to_set(sets.into_iter().flatten().collect())))
}

pub(super) fn setintersection(a: &Args) -> Outcome {
    let mut sets = set_args(a)?.into_iter();
    let mut out = sets.next().unwrap_or_default();
    for other in sets {
        out.retain(|v| other.iter().any(|w| equal(v, w)));
    }
    Ok(Value::List(out))
}

pub(super) fn setsubtract(a: &Args) -> Outcome {
    let mut sets = set_args(a)?.into_iter();
    let mut out = sets.next().unwrap_or_default();
    let other = sets.next().unwrap_or_default();
    out.retain(|v| !other.iter().any(|w| equal(v, w)));
    Ok(Value::List(out))
}

/// The most elements `setproduct` builds (Terraform has no limit but memory).
const PRODUCT_LIMIT: usize = 100_000;

/// `setproduct(lists...)`: every combination, the first list varying slowest.
pub(super) fn setproduct(a: &Args) -> Outcome {
    let lists = (0..a.len())
        .map(|i| list_unified(a, i))
        .collect::<Result<Vec<_>, _>>()?;
    lists
        .iter()
        .try_fold(1usize, |acc, l| acc.checked_mul(l.len()))
        .filter(|n| *n <= PRODUCT_LIMIT)
        .ok_or_else(|| {
            CallError::Failed(format!(
                "the product would have more than {PRODUCT_LIMIT} elements"
            ))
        })?;
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for list in &lists {
        rows = rows
            .iter()
            .flat_map(|row| {
                list.iter().map(move |v| {
                    let mut next = row.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    Ok(Value::List(rows.into_iter().map(Value::List).collect()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{check, fails};

    #[test]
    fn sets() {
        check(
            "setintersection",
            json!([["a", "b"], ["b", "c"], ["b", "d"]]),
            json!(["b"]),
        );
        check(
            "setsubtract",
            json!([["a", "b", "c"], ["a", "c"]]),
            json!(["b"]),
        );
        check(
            "setunion",
            json!([["a", "b"], ["b", "c"], ["d"]]),
            json!(["a", "b", "c", "d"]),
        );
        check("setunion", json!([[3, 1], [2, 1]]), json!([1, 2, 3]));
        check("setunion", json!([["b"], [1]]), json!(["1", "b"]));
        fails(
            "setunion",
            json!([["b"], [[1]]]),
            "given sets must all have compatible element types",
        );
        check(
            "setproduct",
            json!([["development", "staging", "production"], ["app1", "app2"]]),
            json!([
                ["development", "app1"],
                ["development", "app2"],
                ["staging", "app1"],
                ["staging", "app2"],
                ["production", "app1"],
                ["production", "app2"]
            ]),
        );
        check("setproduct", json!([["a"], []]), json!([]));
        fails("setproduct", json!([["a"]]), "takes at least 2 arguments");
    }
}
