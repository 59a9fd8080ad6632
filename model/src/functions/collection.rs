//! Collection functions over lists and maps: `length`, `concat`, `element`, `lookup`, `merge`,
//! `range`, `zipmap` and the like.

use std::cmp::Ordering;

use super::num::Num;
use super::string::graphemes;
use super::{
    count, equal, list_unified, mismatch, to_bool, to_text, unified, unify, Args, CallError, Map,
    Outcome, Unified,
};
use crate::value::Value;

pub(super) fn length(a: &Args) -> Outcome {
    match a.given(0)? {
        Value::String(s) => Ok(count(graphemes(s).len())),
        Value::List(items) => Ok(count(items.len())),
        Value::Map(m) => Ok(count(m.len())),
        other => Err(a.fail(0, mismatch("a string, a list or a map", other))),
    }
}

pub(super) fn alltrue(a: &Args) -> Outcome {
    for (i, item) in a.list(0)?.iter().enumerate() {
        let truth = match item {
            Value::Null => false,
            other => to_bool(other).map_err(|m| a.fail(0, format!("element {i}: {m}")))?,
        };
        if !truth {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

pub(super) fn anytrue(a: &Args) -> Outcome {
    for (i, item) in a.list(0)?.iter().enumerate() {
        let truth = match item {
            Value::Null => false,
            other => to_bool(other).map_err(|m| a.fail(0, format!("element {i}: {m}")))?,
        };
        if truth {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

pub(super) fn chunklist(a: &Args) -> Outcome {
    let items = list_unified(a, 0)?;
    let size = a.integer(1)?;
    let size =
        usize::try_from(size).map_err(|_| a.fail(1, "the size argument must be positive"))?;
    if items.is_empty() {
        return Ok(Value::List(Vec::new()));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items)]));
    }
    Ok(Value::List(
        items
            .chunks(size)
            .map(|chunk| Value::List(chunk.to_vec()))
            .collect(),
    ))
}

/// `coalesce`: the first argument that is neither null nor (for strings) empty; mixed
/// primitive arguments are compared as strings.
pub(super) fn coalesce(a: &Args) -> Outcome {
    let u = unify(&a.vals)
        .ok_or_else(|| CallError::Failed("all arguments must have the same type".to_string()))?;
    let strings = u == Unified::Strings
        || a.vals
            .iter()
            .all(|v| matches!(v, Value::String(_) | Value::Null));
    a.vals
        .iter()
        .map(|v| unified(u, v))
        .find(|v| !(v.is_null() || (strings && v.as_str() == Some(""))))
        .ok_or_else(|| CallError::Failed("no non-null, non-empty-string arguments".to_string()))
}

pub(super) fn coalescelist(a: &Args) -> Outcome {
    for (i, v) in a.vals.iter().enumerate() {
        if !matches!(v, Value::List(_) | Value::Null) {
            return Err(a.fail(i, mismatch("a list", v)));
        }
    }
    a.vals
        .iter()
        .find(|v| matches!(v, Value::List(items) if !items.is_empty()))
        .cloned()
        .ok_or_else(|| CallError::Failed("no non-null arguments".to_string()))
}

pub(super) fn compact(a: &Args) -> Outcome {
    let mut out = Vec::new();
    for (i, item) in a.list(0)?.iter().enumerate() {
        if item.is_null() {
            continue;
        }
        let text = to_text(item).map_err(|m| a.fail(0, format!("element {i}: {m}")))?;
        if !text.is_empty() {
            out.push(Value::String(text));
        }
    }
    Ok(Value::List(out))
}

pub(super) fn concat(a: &Args) -> Outcome {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(a.list(i)?.iter().cloned());
    }
    Ok(Value::List(out))
}

pub(super) fn contains(a: &Args) -> Outcome {
    let items = a.list(0)?;
    let wanted = a.get(1);
    Ok(Value::Bool(items.iter().any(|v| equal(v, wanted))))
}

pub(super) fn distinct(a: &Args) -> Outcome {
    Ok(Value::List(dedup(list_unified(a, 0)?)))
}

pub(super) fn dedup(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        if !out.iter().any(|seen| equal(seen, &v)) {
            out.push(v);
        }
    }
    out
}

/// `element(list, index)`: wraps around past the end, and (as in Terraform 1.10 and later)
/// counts from the end for a negative index.
pub(super) fn element(a: &Args) -> Outcome {
    let items = a.list(0)?;
    let i = a.integer(1)?;
    if items.is_empty() {
        return Err(CallError::Failed(
            "cannot use element function with an empty list".to_string(),
        ));
    }
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let at = usize::try_from(i.rem_euclid(len)).unwrap_or(0);
    Ok(items.get(at).cloned().unwrap_or(Value::Null))
}

pub(super) fn flatten(a: &Args) -> Outcome {
    fn walk(items: &[Value], out: &mut Vec<Value>) {
        for v in items {
            match v {
                Value::List(inner) => walk(inner, out),
                other => out.push(other.clone()),
            }
        }
    }
    let mut out = Vec::new();
    walk(a.list(0)?, &mut out);
    Ok(Value::List(out))
}

pub(super) fn index_of(a: &Args) -> Outcome {
    let items = a.list(0)?;
    if items.is_empty() {
        return Err(CallError::Failed("cannot search an empty list".to_string()));
    }
    let wanted = a.get(1);
    items
        .iter()
        .position(|v| equal(v, wanted))
        .map(count)
        .ok_or_else(|| CallError::Failed("item not found".to_string()))
}

pub(super) fn keys(a: &Args) -> Outcome {
    Ok(Value::List(
        a.map(0)?.keys().cloned().map(Value::String).collect(),
    ))
}

pub(super) fn values(a: &Args) -> Outcome {
    Ok(Value::List(a.map(0)?.values().cloned().collect()))
}

pub(super) fn lookup(a: &Args) -> Outcome {
    let m = a.map(0)?;
    let key = a.string(1)?;
    match m.get(&key) {
        Some(v) => Ok(v.clone()),
        None if a.len() == 3 => Ok(a.get(2).clone()),
        None => Err(CallError::Failed(format!(
            "lookup failed to find key {key:?}"
        ))),
    }
}

/// `merge(maps...)`: later maps win; null arguments are skipped.
pub(super) fn merge(a: &Args) -> Outcome {
    let mut out = Map::new();
    for (i, v) in a.vals.iter().enumerate() {
        match v {
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            other => return Err(a.fail(i, mismatch("a map", other))),
        }
    }
    Ok(Value::Map(out))
}

pub(super) fn one(a: &Args) -> Outcome {
    a.given(0)?;
    match a.list(0) {
        Ok([]) => Ok(Value::Null),
        Ok([only]) => Ok(only.clone()),
        _ => Err(a.fail(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

/// The most elements `range` produces, as in Terraform.
const RANGE_LIMIT: usize = 1024;

pub(super) fn range(a: &Args) -> Outcome {
    let first = a.number(0)?;
    let zero = Num::Int(0);
    let (start, end, step) = match a.len() {
        1 => (zero, first, step_towards(zero, first)),
        2 => {
            let end = a.number(1)?;
            (first, end, step_towards(first, end))
        }
        _ => (first, a.number(1)?, a.number(2)?),
    };
    if step.is_zero() {
        return Err(a.fail(2, "step must not be zero"));
    }
    let down = step.compare(zero) == Ordering::Less;
    if down && end.compare(start) == Ordering::Greater {
        return Err(a.fail(1, "end must be less than start when step is negative"));
    }
    if !down && end.compare(start) == Ordering::Less {
        return Err(a.fail(1, "end must be greater than start when step is positive"));
    }
    let mut out = Vec::new();
    let mut n = start;
    while n.compare(end)
        == if down {
            Ordering::Greater
        } else {
            Ordering::Less
        }
    {
        if out.len() >= RANGE_LIMIT {
            return Err(CallError::Failed(format!(
                "more than {RANGE_LIMIT} values were generated; either decrease the difference between start and end or use a smaller step"
            )));
        }
        out.push(n.value().map_err(CallError::Failed)?);
        n = n.add(step);
    }
    Ok(Value::List(out))
}

fn step_towards(from: Num, to: Num) -> Num {
    Num::Int(if to.compare(from) == Ordering::Less {
        -1
    } else {
        1
    })
}

pub(super) fn reverse(a: &Args) -> Outcome {
    Ok(Value::List(a.list(0)?.iter().rev().cloned().collect()))
}

pub(super) fn slice(a: &Args) -> Outcome {
    let items = a.list(0)?;
    let bound = |i: usize, what: &str| -> Result<usize, CallError> {
        let n = a.integer(i)?;
        let n = usize::try_from(n)
            .map_err(|_| a.fail(i, format!("{what} index must not be less than zero")))?;
        if n > items.len() {
            return Err(a.fail(
                i,
                format!("{what} index must not be greater than the length of the list"),
            ));
        }
        Ok(n)
    };
    let (start, end) = (bound(1, "start")?, bound(2, "end")?);
    if start > end {
        return Err(a.fail(1, "start index must not be greater than end index"));
    }
    Ok(Value::List(items.get(start..end).unwrap_or(&[]).to_vec()))
}

pub(super) fn sort(a: &Args) -> Outcome {
    let mut out = Vec::new();
    for (i, item) in a.list(0)?.iter().enumerate() {
        if item.is_null() {
            return Err(CallError::Failed(format!(
                "given list element {i} is null; a null string cannot be sorted"
            )));
        }
        out.push(to_text(item).map_err(|m| a.fail(0, format!("element {i}: {m}")))?);
    }
    out.sort();
    Ok(Value::List(out.into_iter().map(Value::String).collect()))
}

pub(super) fn zipmap(a: &Args) -> Outcome {
    let (keys, values) = (a.list(0)?, a.list(1)?);
    if keys.len() != values.len() {
        return Err(CallError::Failed(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut out = Map::new();
    for (i, (k, v)) in keys.iter().zip(values).enumerate() {
        let key = match k {
            Value::Null => Err(format!("keys list has null value at index {i}")),
            other => to_text(other).map_err(|m| format!("element {i}: {m}")),
        }
        .map_err(|m| a.fail(0, m))?;
        out.insert(key, v.clone());
    }
    Ok(Value::Map(out))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::call;
    use crate::functions::test_support::{args_of, check, fails};
    use crate::value::Value;

    #[test]
    fn collection_basics() {
        check("alltrue", json!([["true", true]]), json!(true));
        check("alltrue", json!([[true, false]]), json!(false));
        check("alltrue", json!([[]]), json!(true));
        check("anytrue", json!([["true"]]), json!(true));
        check("anytrue", json!([[true, false]]), json!(true));
        check("anytrue", json!([[]]), json!(false));
        fails(
            "alltrue",
            json!([[1]]),
            "element 0: expected a bool, found a number",
        );
        check(
            "chunklist",
            json!([["a", "b", "c", "d", "e"], 2]),
            json!([["a", "b"], ["c", "d"], ["e"]]),
        );
        check("chunklist", json!([["a", "b"], 1]), json!([["a"], ["b"]]));
        check("chunklist", json!([["a"], 0]), json!([["a"]]));
        check("chunklist", json!([[], 3]), json!([]));
        fails(
            "chunklist",
            json!([["a"], -1]),
            "the size argument must be positive",
        );
        check(
            "compact",
            json!([["a", "", "b", null, "c"]]),
            json!(["a", "b", "c"]),
        );
        check(
            "concat",
            json!([["a", ""], ["b", "c"]]),
            json!(["a", "", "b", "c"]),
        );
        fails(
            "concat",
            json!([["a"], "b"]),
            "expected a list, found the string \"b\"",
        );
    }

    #[test]
    fn collection_search() {
        check("contains", json!([["a", "b", "c"], "a"]), json!(true));
        check("contains", json!([["a", "b", "c"], "d"]), json!(false));
        check("contains", json!([["1"], 1]), json!(false));
        check("contains", json!([[null], null]), json!(true));
        check(
            "distinct",
            json!([["a", "b", "a", "c", "d", "b"]]),
            json!(["a", "b", "c", "d"]),
        );
        check("distinct", json!([[1, 1.0, "1"]]), json!(["1"]));
        check(
            "flatten",
            json!([[["a", "b"], [], ["c"]]]),
            json!(["a", "b", "c"]),
        );
        check(
            "flatten",
            json!([[[["a", "b"], []], ["c"]]]),
            json!(["a", "b", "c"]),
        );
        check("index", json!([["a", "b", "c"], "b"]), json!(1));
        fails("index", json!([["a"], "z"]), "item not found");
        fails("index", json!([[], "z"]), "cannot search an empty list");
        check("reverse", json!([[1, 2, 3]]), json!([3, 2, 1]));
        check("one", json!([[]]), json!(null));
        check("one", json!([["hello"]]), json!("hello"));
        fails(
            "one",
            json!([["hello", "goodbye"]]),
            "either zero or one elements",
        );
    }

    #[test]
    fn element_wraps_around() {
        check("element", json!([["a", "b", "c"], 1]), json!("b"));
        check("element", json!([["a", "b", "c"], 3]), json!("a"));
        check("element", json!([["a", "b", "c"], -1]), json!("c"));
        check("element", json!([["a", "b", "c"], -4]), json!("c"));
        fails(
            "element",
            json!([[], 0]),
            "cannot use element function with an empty list",
        );
        fails(
            "element",
            json!([["a"], 0.5]),
            "value must be a whole number",
        );
    }

    #[test]
    fn coalesce_functions() {
        check("coalesce", json!(["a", "b"]), json!("a"));
        check("coalesce", json!(["", "b"]), json!("b"));
        check("coalesce", json!([1, 2]), json!(1));
        check("coalesce", json!([null, 2]), json!(2));
        check("coalesce", json!([1, "hello"]), json!("1"));
        check("coalesce", json!([true, "hello"]), json!("true"));
        fails(
            "coalesce",
            json!([{}, "hello"]),
            "all arguments must have the same type",
        );
        fails(
            "coalesce",
            json!([null, "", null]),
            "no non-null, non-empty-string arguments",
        );
        check(
            "coalescelist",
            json!([["a", "b"], ["c", "d"]]),
            json!(["a", "b"]),
        );
        check("coalescelist", json!([[], ["c", "d"]]), json!(["c", "d"]));
        check("coalescelist", json!([null, ["c"]]), json!(["c"]));
        fails("coalescelist", json!([[], []]), "no non-null arguments");
        fails("coalescelist", json!([["a"], "b"]), "expected a list");
    }

    #[test]
    fn keys_values_lookup() {
        check(
            "keys",
            json!([{"a": 1, "c": 2, "d": 3}]),
            json!(["a", "c", "d"]),
        );
        check(
            "values",
            json!([{"a": 3, "c": 2, "d": 1}]),
            json!([3, 2, 1]),
        );
        fails("keys", json!([["a"]]), "expected a map, found a list");
        check(
            "lookup",
            json!([{"a": "ay", "b": "bee"}, "a", "what?"]),
            json!("ay"),
        );
        check(
            "lookup",
            json!([{"a": "ay", "b": "bee"}, "c", "what?"]),
            json!("what?"),
        );
        check("lookup", json!([{"a": "ay"}, "a"]), json!("ay"));
        check("lookup", json!([{"a": "ay"}, "c", null]), json!(null));
        fails(
            "lookup",
            json!([{"a": 1}, "b"]),
            "lookup failed to find key \"b\"",
        );
    }

    #[test]
    fn merge_and_zipmap() {
        check(
            "merge",
            json!([{"a": "b", "c": "d"}, {"e": "f", "c": "z"}]),
            json!({"a": "b", "c": "z", "e": "f"}),
        );
        check(
            "merge",
            json!([{"a": "b"}, {"e": "f"}]),
            json!({"a": "b", "e": "f"}),
        );
        check("merge", json!([]), json!({}));
        check("merge", json!([{"a": 1}, null]), json!({"a": 1}));
        fails("merge", json!([{}, [1]]), "expected a map, found a list");
        check(
            "zipmap",
            json!([["a", "b"], [1, 2]]),
            json!({"a": 1, "b": 2}),
        );
        check(
            "zipmap",
            json!([[1, "b"], [[1], {}]]),
            json!({"1": [1], "b": {}}),
        );
        fails(
            "zipmap",
            json!([["a"], [1, 2]]),
            "number of keys (1) does not match number of values (2)",
        );
        fails(
            "zipmap",
            json!([[null], [1]]),
            "keys list has null value at index 0",
        );
    }

    #[test]
    fn length() {
        check("length", json!([[]]), json!(0));
        check("length", json!([["a", "b"]]), json!(2));
        check("length", json!([{"a": "b"}]), json!(1));
        fails(
            "length",
            json!([5]),
            "expected a string, a list or a map, found a number",
        );
        fails("length", json!([null]), "argument must not be null");
    }

    #[test]
    fn range() {
        check("range", json!([3]), json!([0, 1, 2]));
        check("range", json!([1, 4]), json!([1, 2, 3]));
        check("range", json!([1, 8, 2]), json!([1, 3, 5, 7]));
        check("range", json!([1, 4, 0.5]), json!([1, 1.5, 2, 2.5, 3, 3.5]));
        check("range", json!([4, 1]), json!([4, 3, 2]));
        check("range", json!([10, 5, -2]), json!([10, 8, 6]));
        check("range", json!([0]), json!([]));
        check("range", json!([-3]), json!([0, -1, -2]));
        check(
            "range",
            json!([0, 1, 0.1]),
            json!([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
        );
        fails("range", json!([1, 2, 0]), "step must not be zero");
        fails(
            "range",
            json!([5, 1, 1]),
            "end must be greater than start when step is positive",
        );
        fails(
            "range",
            json!([1, 5, -1]),
            "end must be less than start when step is negative",
        );
        fails(
            "range",
            json!([0, 2000]),
            "more than 1024 values were generated",
        );
        assert_eq!(
            call("range", args_of(json!([1024])))
                .map(|l| matches!(l, Value::List(items) if items.len() == 1024)),
            Ok(true)
        );
    }

    #[test]
    fn slice_and_sort() {
        check(
            "slice",
            json!([["a", "b", "c", "d"], 1, 3]),
            json!(["b", "c"]),
        );
        check("slice", json!([["a", "b"], 2, 2]), json!([]));
        fails(
            "slice",
            json!([["a", "b"], 2, 1]),
            "start index must not be greater than end index",
        );
        fails(
            "slice",
            json!([["a"], 0, 2]),
            "end index must not be greater than the length of the list",
        );
        fails(
            "slice",
            json!([["a"], -1, 1]),
            "start index must not be less than zero",
        );
        check(
            "sort",
            json!([["e", "d", "a", "x"]]),
            json!(["a", "d", "e", "x"]),
        );
        check("sort", json!([[10, 9, 1]]), json!(["1", "10", "9"]));
        fails(
            "sort",
            json!([["a", null]]),
            "given list element 1 is null; a null string cannot be sorted",
        );
    }
}
