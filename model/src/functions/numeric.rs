//! Numeric functions: `abs`, `ceil`, `floor`, `log`, `pow`, `signum`, `min`, `max`, `sum` and
//! `parseint`.

use std::cmp::Ordering;

use super::num::Num;
use super::{to_number, Args, CallError, Outcome};
use crate::value::Value;

pub(super) fn finish(n: Num) -> Outcome {
    n.value().map_err(CallError::Failed)
}

pub(super) fn abs(a: &Args) -> Outcome {
    finish(a.number(0)?.abs())
}

pub(super) fn ceil(a: &Args) -> Outcome {
    finish(match a.number(0)? {
        Num::Float(f) => Num::float(f.ceil()),
        n => n,
    })
}

pub(super) fn floor(a: &Args) -> Outcome {
    finish(match a.number(0)? {
        Num::Float(f) => Num::float(f.floor()),
        n => n,
    })
}

pub(super) fn log(a: &Args) -> Outcome {
    let (num, base) = (a.number(0)?.to_f64(), a.number(1)?.to_f64());
    let result = num.ln() / base.ln();
    if result.is_nan() {
        return Err(CallError::Failed("result is not a number".to_string()));
    }
    finish(Num::float(result))
}

pub(super) fn pow(a: &Args) -> Outcome {
    let (base, exponent) = (a.number(0)?.to_f64(), a.number(1)?.to_f64());
    let result = base.powf(exponent);
    if result.is_nan() {
        return Err(CallError::Failed("result is not a number".to_string()));
    }
    finish(Num::float(result))
}

pub(super) fn signum(a: &Args) -> Outcome {
    Ok(Value::from(a.integer(0)?.signum()))
}

pub(super) fn min(a: &Args) -> Outcome {
    extreme(a, Ordering::Less)
}

pub(super) fn max(a: &Args) -> Outcome {
    extreme(a, Ordering::Greater)
}

fn extreme(a: &Args, wanted: Ordering) -> Outcome {
    let mut best = a.number(0)?;
    for i in 1..a.len() {
        let n = a.number(i)?;
        if n.compare(best) == wanted {
            best = n;
        }
    }
    finish(best)
}

pub(super) fn sum(a: &Args) -> Outcome {
    let items = a.list(0)?;
    if items.is_empty() {
        return Err(a.fail(0, "cannot sum an empty list"));
    }
    let mut total = Num::Int(0);
    for item in items {
        let n = match item {
            Value::Null => None,
            other => to_number(other).ok(),
        }
        .ok_or_else(|| a.fail(0, "argument must be list, set, or tuple of number values"))?;
        total = total.add(n);
    }
    finish(total)
}

pub(super) fn parseint(a: &Args) -> Outcome {
    let text = match a.given(0)? {
        Value::String(s) => s.clone(),
        other => {
            return Err(a.fail(
                0,
                format!("first argument must be a string, not {}", other.kind()),
            ))
        }
    };
    let base = a
        .integer(1)
        .ok()
        .and_then(|b| u32::try_from(b).ok())
        .filter(|b| (2..=62).contains(b))
        .ok_or_else(|| a.fail(1, "base must be a whole number between 2 and 62 inclusive"))?;
    parse_int(&text, base)
        .ok_or_else(|| a.fail(0, format!("cannot parse {text:?} as a base {base} integer")))
        .and_then(finish)
}

/// Parses an integer as Go's `big.Int.SetString`: an optional sign, then digits; beyond base
/// 36, lowercase letters are 10–35 and uppercase ones 36–61.
fn parse_int(text: &str, base: u32) -> Option<Num> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut exact: Option<i128> = Some(0);
    let mut approx = 0f64;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            'a'..='z' => u32::from(c) - u32::from('a') + 10,
            'A'..='Z' if base <= 36 => u32::from(c) - u32::from('A') + 10,
            'A'..='Z' => u32::from(c) - u32::from('A') + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        exact = exact
            .and_then(|n| n.checked_mul(i128::from(base)))
            .and_then(|n| n.checked_add(i128::from(d)));
        approx = approx * f64::from(base) + f64::from(d);
    }
    let n = exact.map_or(Num::Float(approx), Num::Int);
    Some(if negative { n.neg() } else { n })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{check, fails};

    #[test]
    fn numeric_functions() {
        check("abs", json!([23]), json!(23));
        check("abs", json!([0]), json!(0));
        check("abs", json!([-12.4]), json!(12.4));
        check("ceil", json!([5]), json!(5));
        check("ceil", json!([5.1]), json!(6));
        check("floor", json!([5]), json!(5));
        check("floor", json!([4.9]), json!(4));
        check("floor", json!([-4.5]), json!(-5));
        check("log", json!([50, 10]), json!(1.6989700043360185));
        check("log", json!([16, 2]), json!(4));
        check("log", json!([1, 10]), json!(0));
        check("max", json!([12, 54, 3]), json!(54));
        check("min", json!([12, 54, 3]), json!(3));
        check("max", json!(["5", 2]), json!(5));
        check("min", json!([1.5, 2]), json!(1.5));
        check("pow", json!([3, 2]), json!(9));
        check("pow", json!([4, 0]), json!(1));
        check("pow", json!([2, 0.5]), json!(std::f64::consts::SQRT_2));
        check("signum", json!([-13]), json!(-1));
        check("signum", json!([0]), json!(0));
        check("signum", json!([344]), json!(1));
        check("sum", json!([[10, 13, 6, 4.5]]), json!(33.5));
        check("sum", json!([["1", 2]]), json!(3));
    }

    #[test]
    fn numeric_errors() {
        fails("pow", json!([-1, 0.5]), "result is not a number");
        fails("log", json!([-1, 10]), "result is not a number");
        fails("signum", json!([-0.5]), "value must be a whole number");
        fails("sum", json!([[]]), "cannot sum an empty list");
        fails(
            "sum",
            json!([["a"]]),
            "list, set, or tuple of number values",
        );
        fails(
            "sum",
            json!([[1, null]]),
            "list, set, or tuple of number values",
        );
        fails(
            "abs",
            json!(["x"]),
            "expected a number, found the string \"x\"",
        );
        fails("abs", json!([[1]]), "expected a number, found a list");
    }

    #[test]
    fn parseint() {
        check("parseint", json!(["100", 10]), json!(100));
        check("parseint", json!(["FF", 16]), json!(255));
        check("parseint", json!(["-10", 16]), json!(-16));
        check("parseint", json!(["1011111011101111", 2]), json!(48879));
        check("parseint", json!(["aA", 62]), json!(656));
        check("parseint", json!(["+7", 8]), json!(7));
        fails(
            "parseint",
            json!(["12", 2]),
            "cannot parse \"12\" as a base 2 integer",
        );
        fails(
            "parseint",
            json!(["", 10]),
            "cannot parse \"\" as a base 10 integer",
        );
        fails(
            "parseint",
            json!([10, 10]),
            "first argument must be a string, not number",
        );
        fails(
            "parseint",
            json!(["1", 1]),
            "base must be a whole number between 2 and 62",
        );
        fails(
            "parseint",
            json!(["1", 63]),
            "base must be a whole number between 2 and 62",
        );
    }
}
