//! Encoding functions: `base64encode`, `base64decode`, `jsonencode`, `jsondecode` and
//! `urlencode`.

use std::fmt::Write as _;

use super::num::Num;
use super::{Args, CallError, Outcome};
use crate::value::Value;

/// Go's standard base64 decoder: padding required, line breaks ignored, stray bits in the
/// last character tolerated.
const BASE64_DECODER: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

pub(super) fn base64encode(a: &Args) -> Outcome {
    use base64::Engine as _;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(a.string(0)?),
    ))
}

pub(super) fn base64decode(a: &Args) -> Outcome {
    use base64::Engine as _;
    let s = a.string(0)?;
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let bytes = BASE64_DECODER
        .decode(cleaned)
        .map_err(|_| CallError::Failed(format!("failed to decode base64 data {s:?}")))?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        CallError::Failed(
            "the result of decoding the provided string is not valid UTF-8".to_string(),
        )
    })
}

pub(super) fn jsonencode(a: &Args) -> Outcome {
    Ok(Value::String(json_encode(a.get(0))))
}

pub(super) fn jsondecode(a: &Args) -> Outcome {
    let s = a.string(0)?;
    serde_json::from_str::<serde_json::Value>(&s)
        .map(|j| normalized(Value::from_json(j)))
        .map_err(|e| a.fail(0, format!("invalid JSON: {e}")))
}

/// Integral JSON numbers (`1.0`) become integers, recursively.
fn normalized(v: Value) -> Value {
    match v {
        Value::Number(n) => Num::of(&n).value().unwrap_or(Value::Number(n)),
        Value::List(items) => Value::List(items.into_iter().map(normalized).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, normalized(v))).collect()),
        other => other,
    }
}

/// JSON as Terraform's `jsonencode` writes it: compact, keys sorted, numbers without
/// exponent or ".0", and `<`, `>`, `&` escaped.
pub(super) fn json_encode(v: &Value) -> String {
    match v {
        Value::Null | Value::Unknown => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => Num::of(n).text(),
        Value::String(s) => json_string(s),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(json_encode).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Map(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), json_encode(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    }
}

/// A JSON string as Go's encoder writes it.
pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\u{0}'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// `urlencode`: Go's `QueryEscape` (spaces become `+`).
pub(super) fn urlencode(a: &Args) -> Outcome {
    let s = a.string(0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            other => {
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{check, fails};

    #[test]
    fn encoding_functions() {
        check(
            "base64encode",
            json!(["Hello World"]),
            json!("SGVsbG8gV29ybGQ="),
        );
        check(
            "base64decode",
            json!(["SGVsbG8gV29ybGQ="]),
            json!("Hello World"),
        );
        check(
            "base64decode",
            json!(["SGVsbG8g\nV29ybGQ="]),
            json!("Hello World"),
        );
        fails(
            "base64decode",
            json!(["not base64!"]),
            "failed to decode base64 data \"not base64!\"",
        );
        fails(
            "base64decode",
            json!(["/w=="]),
            "the result of decoding the provided string is not valid UTF-8",
        );
        check(
            "jsonencode",
            json!([{"hello": "world"}]),
            json!("{\"hello\":\"world\"}"),
        );
        check(
            "jsonencode",
            json!([{"b": [1, 2.5, true, null, 1.0], "a": "<&>\n"}]),
            json!("{\"a\":\"\\u003c\\u0026\\u003e\\n\",\"b\":[1,2.5,true,null,1]}"),
        );
        check("jsonencode", json!([null]), json!("null"));
        check("jsonencode", json!([1e21]), json!("1000000000000000000000"));
        check(
            "jsondecode",
            json!(["{\"hello\": \"world\"}"]),
            json!({"hello": "world"}),
        );
        check("jsondecode", json!(["true"]), json!(true));
        check("jsondecode", json!(["[1.0, 2.5]"]), json!([1, 2.5]));
        fails("jsondecode", json!(["{"]), "invalid JSON");
        check(
            "urlencode",
            json!(["Hello World!"]),
            json!("Hello+World%21"),
        );
        check("urlencode", json!(["☃"]), json!("%E2%98%83"));
        check(
            "urlencode",
            json!(["foo=bar&bar=baz"]),
            json!("foo%3Dbar%26bar%3Dbaz"),
        );
        check("urlencode", json!(["a-b_c.d~e"]), json!("a-b_c.d~e"));
    }
}
