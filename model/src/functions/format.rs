//! `format` and `formatlist`: Go's `fmt` verbs as Terraform's `format` implements them.

use std::fmt::Write as _;

use super::encoding::{json_encode, json_string};
use super::num::Num;
use super::string::graphemes;
use super::{to_bool, to_number, to_text, Args, CallError, Outcome};
use crate::value::Value;

pub(super) fn format_fn(a: &Args) -> Outcome {
    let spec = a.string(0)?;
    sprintf(&spec, a.rest(1))
        .map(Value::String)
        .map_err(|e| match e {
            FormatError::Failed(m) => CallError::Failed(m),
            FormatError::TooMany { first, message } => a.fail(first, message),
        })
}

/// `formatlist`: list arguments (all of one length) are iterated together, other arguments
/// repeat.
pub(super) fn formatlist(a: &Args) -> Outcome {
    let spec = a.string(0)?;
    let values = a.rest(1);
    let mut length: Option<(usize, usize)> = None;
    for (i, v) in values.iter().enumerate() {
        if let Value::List(items) = v {
            match length {
                None => length = Some((items.len(), i)),
                Some((n, j)) if n != items.len() => {
                    return Err(a.fail(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {n}",
                            i + 1,
                            items.len(),
                            j + 1
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    let rows = length.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let args: Vec<Value> = values
            .iter()
            .map(|v| match v {
                Value::List(items) => items.get(row).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        let text = sprintf(&spec, &args).map_err(|e| {
            CallError::Failed(format!("error on format iteration {row}: {}", e.message()))
        })?;
        out.push(Value::String(text));
    }
    Ok(Value::List(out))
}

enum FormatError {
    Failed(String),
    /// More values than verbs: `first` is the 1-based position (among the values) of the
    /// first unused one.
    TooMany {
        first: usize,
        message: String,
    },
}

impl FormatError {
    fn message(self) -> String {
        match self {
            FormatError::Failed(m) | FormatError::TooMany { message: m, .. } => m,
        }
    }
}

/// One `%...` verb of a format string.
#[derive(Default)]
struct Verb {
    raw: String,
    offset: usize,
    /// 1-based.
    arg: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    minus: bool,
    plus: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Widths and precisions above this are refused rather than allocated.
const MAX_WIDTH: usize = 10_000;

/// Formats `values` by `spec` as Terraform's `format` does.
fn sprintf(spec: &str, values: &[Value]) -> Result<String, FormatError> {
    let mut out = String::new();
    let mut p = 0;
    let mut next_arg = 1;
    let mut highest = 0;
    while let Some(rest) = spec.get(p..).filter(|r| !r.is_empty()) {
        if rest.starts_with("%%") {
            out.push('%');
            p += 2;
        } else if rest.starts_with('%') {
            let verb = parse_verb(spec, p, next_arg).map_err(FormatError::Failed)?;
            highest = highest.max(verb.arg);
            format_verb(&verb, values, &mut out).map_err(FormatError::Failed)?;
            next_arg = verb.arg.saturating_add(1);
            p += verb.raw.len();
        } else if let Some(c) = rest.chars().next() {
            out.push(c);
            p += c.len_utf8();
        }
    }
    if highest < values.len() {
        let message = if highest == 0 {
            "too many arguments; no verbs in format string".to_string()
        } else {
            format!("too many arguments; only {highest} used by format string")
        };
        return Err(FormatError::TooMany {
            first: highest + 1,
            message,
        });
    }
    Ok(out)
}

/// Reads the verb starting at byte `start` (a `%`): flags, width, precision, `[n]`, letter.
fn parse_verb(spec: &str, start: usize, next_arg: usize) -> Result<Verb, String> {
    let b = spec.as_bytes();
    let mut p = start + 1;
    let mut verb = Verb {
        arg: next_arg,
        offset: start,
        ..Verb::default()
    };
    let unexpected = |p: usize| match spec.get(p..).and_then(|r| r.chars().next()) {
        Some(c) => format!("unrecognized format character {c:?} at offset {p}"),
        None => format!("invalid format string starting at offset {p}"),
    };
    let number = |p: &mut usize| {
        let mut n: usize = 0;
        while let Some(d) = b.get(*p).filter(|d| d.is_ascii_digit()) {
            n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
            *p += 1;
        }
        n
    };
    while let Some(c) = b.get(p) {
        match c {
            b'0' => verb.zero = true,
            b'#' => verb.sharp = true,
            b'-' => verb.minus = true,
            b'+' => verb.plus = true,
            b' ' => verb.space = true,
            _ => break,
        }
        p += 1;
    }
    if b.get(p).is_some_and(|c| (b'1'..=b'9').contains(c)) {
        verb.width = Some(number(&mut p));
    }
    if b.get(p) == Some(&b'.') {
        p += 1;
        verb.precision = Some(number(&mut p));
    }
    if b.get(p) == Some(&b'[') {
        p += 1;
        if !b.get(p).is_some_and(|c| (b'1'..=b'9').contains(c)) {
            return Err(unexpected(p));
        }
        verb.arg = number(&mut p);
        if b.get(p) != Some(&b']') {
            return Err(unexpected(p));
        }
        p += 1;
    }
    match b.get(p) {
        Some(c) if c.is_ascii_alphabetic() => verb.mode = char::from(*c),
        _ => return Err(unexpected(p)),
    }
    p += 1;
    verb.raw = spec.get(start..p).unwrap_or_default().to_string();
    if verb
        .width
        .max(verb.precision)
        .is_some_and(|n| n > MAX_WIDTH)
    {
        return Err(format!(
            "width or precision too large in {:?} at offset {start}",
            verb.raw
        ));
    }
    Ok(verb)
}

fn format_verb(verb: &Verb, values: &[Value], out: &mut String) -> Result<(), String> {
    let arg = verb
        .arg
        .checked_sub(1)
        .and_then(|i| values.get(i))
        .ok_or_else(|| {
            format!(
                "not enough arguments for {:?} at {}: need index {} but have {} total",
                verb.raw,
                verb.offset,
                verb.arg,
                values.len()
            )
        })?;
    let bad = |detail: String| {
        format!(
            "unsupported value for {:?} at {}: {detail}",
            verb.raw, verb.offset
        )
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(bad("null value cannot be formatted".to_string()));
    }
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => shortest_g(Num::of(n)),
                other => json_encode(other),
            };
            out.push_str(&pad_text(text, verb));
        }
        't' => out.push_str(if to_bool(arg).map_err(bad)? {
            "true"
        } else {
            "false"
        }),
        'b' | 'd' | 'o' | 'x' | 'X' => {
            let n = to_number(arg).map_err(bad)?;
            let i = n
                .integer()
                .ok_or_else(|| bad("an integer is required".to_string()))?;
            out.push_str(&format_integer(i, verb));
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = to_number(arg).map_err(bad)?;
            out.push_str(&format_float(n, verb));
        }
        's' | 'q' => {
            let mut text = to_text(arg).map_err(bad)?;
            if let Some(p) = verb.precision.filter(|p| *p > 0) {
                text = graphemes(&text).into_iter().take(p).collect();
            }
            if verb.mode == 'q' {
                text = json_string(&text);
            }
            out.push_str(&pad_text(text, verb));
        }
        other => {
            return Err(format!(
                "unsupported format verb {other:?} in {:?} at offset {}",
                verb.raw, verb.offset
            ))
        }
    }
    Ok(())
}

/// Pads text to the verb's width in characters (with zeros under the `0` flag).
fn pad_text(text: String, verb: &Verb) -> String {
    let Some(width) = verb.width else {
        return text;
    };
    let have = graphemes(&text).len();
    if have >= width {
        return text;
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - have);
    if verb.minus {
        text + &pad
    } else {
        pad + &text
    }
}

/// `%b %d %o %x %X` as Go formats a big integer: sign, `#` prefix, precision as a minimum
/// number of digits, width.
fn format_integer(i: i128, verb: &Verb) -> String {
    let base = match verb.mode {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let mut digits = radix(i.unsigned_abs(), base);
    if verb.mode == 'X' {
        digits = digits.to_uppercase();
    }
    let sign = number_sign(i < 0, verb);
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = verb.precision {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return String::new();
        }
    }
    let (mut left, mut right) = (0, 0);
    let length = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(d) = verb.width.and_then(|w| w.checked_sub(length)) {
        if verb.minus {
            right = d;
        } else if verb.zero && verb.precision.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    )
}

fn radix(mut n: u128, base: u32) -> String {
    let mut digits = Vec::new();
    loop {
        let d = u32::try_from(n % u128::from(base)).unwrap_or(0);
        digits.push(char::from_digit(d, base).unwrap_or('0'));
        n /= u128::from(base);
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

fn number_sign(negative: bool, verb: &Verb) -> &'static str {
    if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    }
}

/// `%e %E %f %g %G` as Go formats a big float, with sign flags and width.
fn format_float(n: Num, verb: &Verb) -> String {
    let (negative, digits) = Decimal::of(n);
    let precision = verb.precision.map(|p| i64::try_from(p).unwrap_or(0));
    let body = digits.format(verb.mode, precision);
    let sign = number_sign(negative, verb);
    let pad = verb
        .width
        .and_then(|w| w.checked_sub(sign.len() + body.len()))
        .unwrap_or(0);
    if verb.zero && !verb.minus {
        format!("{sign}{}{body}", "0".repeat(pad))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(pad))
    } else {
        format!("{}{sign}{body}", " ".repeat(pad))
    }
}

/// A number as `%v` shows it: Go's shortest `%g`.
fn shortest_g(n: Num) -> String {
    let (negative, digits) = Decimal::of(n);
    let body = digits.format('g', None);
    if negative {
        format!("-{body}")
    } else {
        body
    }
}

/// A decimal as Go's formatting of big floats sees one: 0.DIGITS × 10^exp, without leading
/// or trailing zeros (zero has no digits).
struct Decimal {
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    fn of(n: Num) -> (bool, Decimal) {
        let (negative, digits, exp) = match n {
            Num::Int(i) => {
                let text = i.unsigned_abs().to_string();
                let len = i64::try_from(text.len()).unwrap_or(0);
                (i < 0, text.into_bytes(), len)
            }
            Num::Float(f) => {
                let text = format!("{:e}", f.abs());
                let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
                let digits = mantissa.bytes().filter(u8::is_ascii_digit).collect();
                (f < 0.0, digits, exp.parse::<i64>().unwrap_or(0) + 1)
            }
        };
        let mut d = Decimal { digits, exp };
        d.trim();
        (negative, d)
    }

    fn len(&self) -> i64 {
        i64::try_from(self.digits.len()).unwrap_or(0)
    }

    fn trim(&mut self) {
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.exp = 0;
        }
    }

    fn at(&self, i: i64) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.digits.get(i))
            .copied()
            .unwrap_or(b'0')
    }

    /// Rounds to `n` digits, half to even.
    fn round(&mut self, n: i64) {
        let Ok(cut) = usize::try_from(n) else {
            return;
        };
        let Some(&next) = self.digits.get(cut) else {
            return;
        };
        let up = if next == b'5' && cut + 1 == self.digits.len() {
            cut > 0 && self.at(n - 1) % 2 == 1
        } else {
            next >= b'5'
        };
        self.digits.truncate(cut);
        if up {
            while self.digits.last() == Some(&b'9') {
                self.digits.pop();
            }
            match self.digits.last_mut() {
                Some(last) => *last += 1,
                None => {
                    self.digits.push(b'1');
                    self.exp += 1;
                }
            }
        }
        self.trim();
    }

    fn format(mut self, mode: char, precision: Option<i64>) -> String {
        match mode {
            'e' | 'E' => {
                let p = precision.unwrap_or(6);
                self.round(1 + p);
                self.fmt_e(p, mode)
            }
            'f' => {
                let p = precision.unwrap_or(6);
                self.round(self.exp + p);
                self.fmt_f(p)
            }
            _ => {
                let e = if mode == 'G' { 'E' } else { 'e' };
                let mut p = match precision {
                    Some(p) => {
                        let p = p.max(1);
                        self.round(p);
                        p
                    }
                    None => self.len(),
                };
                let mut eprec = p;
                if eprec > self.len() && self.len() >= self.exp {
                    eprec = self.len();
                }
                if precision.is_none() {
                    eprec = 6;
                }
                let exp = self.exp - 1;
                if exp < -4 || exp >= eprec {
                    return self.fmt_e(p.min(self.len()) - 1, e);
                }
                if p > self.exp {
                    p = self.len();
                }
                self.fmt_f((p - self.exp).max(0))
            }
        }
    }

    fn fmt_f(&self, precision: i64) -> String {
        let mut out = String::new();
        if self.exp > 0 {
            for i in 0..self.exp {
                out.push(char::from(self.at(i)));
            }
        } else {
            out.push('0');
        }
        if precision > 0 {
            out.push('.');
            for i in 0..precision {
                out.push(char::from(self.at(self.exp + i)));
            }
        }
        out
    }

    fn fmt_e(&self, precision: i64, e: char) -> String {
        let mut out = String::new();
        out.push(char::from(self.at(0)));
        if precision > 0 {
            out.push('.');
            for i in 1..=precision {
                out.push(char::from(self.at(i)));
            }
        }
        let exp = if self.digits.is_empty() {
            0
        } else {
            self.exp - 1
        };
        let _ = write!(
            out,
            "{e}{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{args_of, check, fails};
    use crate::functions::{call, CallError};

    #[test]
    fn format_documented() {
        check(
            "format",
            json!(["Hello, %s!", "Ander"]),
            json!("Hello, Ander!"),
        );
        check(
            "format",
            json!(["There are %d lights", 4]),
            json!("There are 4 lights"),
        );
        check("format", json!(["%#v", "hello"]), json!("\"hello\""));
        check("format", json!(["%#v", true]), json!("true"));
        check(
            "format",
            json!(["%#v", {"a": [1, "x"]}]),
            json!("{\"a\":[1,\"x\"]}"),
        );
        check("format", json!(["%v", null]), json!("null"));
        check("format", json!(["%%"]), json!("%"));
    }

    #[test]
    fn format_verbs() {
        check("format", json!(["%.2f", 1.23456]), json!("1.23"));
        check("format", json!(["%f", 3]), json!("3.000000"));
        check("format", json!(["%8.3f|", -1.23456]), json!("  -1.235|"));
        check("format", json!(["%e", 12345.678]), json!("1.234568e+04"));
        check("format", json!(["%E", 0.5]), json!("5.000000E-01"));
        check("format", json!(["%g", 0.000012345]), json!("1.2345e-05"));
        check(
            "format",
            json!(["%g %g", 100000, 1000000]),
            json!("100000 1e+06"),
        );
        check("format", json!(["%.3g", 1.23456]), json!("1.23"));
        check(
            "format",
            json!(["%v %v %v", 1.5, 42, 1000000]),
            json!("1.5 42 1e+06"),
        );
        check("format", json!(["%v|%5v|", "x", "y"]), json!("x|    y|"));
        check(
            "format",
            json!(["%5d|%-5d|%05d", 42, 42, 42]),
            json!("   42|42   |00042"),
        );
        check(
            "format",
            json!(["%x %X %o %b", 255, 255, 8, 5]),
            json!("ff FF 10 101"),
        );
        check(
            "format",
            json!(["%#x %+d % d %d", 255, 5, 5, -5]),
            json!("0xff +5  5 -5"),
        );
        check("format", json!(["%.3d", 7]), json!("007"));
        check("format", json!(["%d", "12"]), json!("12"));
        check(
            "format",
            json!(["%t %t", "true", false]),
            json!("true false"),
        );
        check("format", json!(["%q", "a\"b<"]), json!("\"a\\\"b\\u003c\""));
        check(
            "format",
            json!(["%5s|%-5s|%.3s", "ab", "ab", "abcdef"]),
            json!("   ab|ab   |abc"),
        );
        check("format", json!(["%s %s", 5, true]), json!("5 true"));
        check("format", json!(["%[2]s %[1]s", "a", "b"]), json!("b a"));
        check("format", json!(["%[2]s %s", "a", "b", "c"]), json!("b c"));
        check("format", json!(["ünï %s", "cödé"]), json!("ünï cödé"));
    }

    #[test]
    fn format_errors() {
        fails(
            "format",
            json!(["%s"]),
            "not enough arguments for \"%s\" at 0: need index 1 but have 0 total",
        );
        fails(
            "format",
            json!(["%s", "a", "b"]),
            "too many arguments; only 1 used by format string",
        );
        assert!(matches!(
            call("format", args_of(json!(["%s", "a", "b"]))),
            Err(CallError::Argument { index: 3, .. })
        ));
        fails(
            "format",
            json!(["x", "a"]),
            "too many arguments; no verbs in format string",
        );
        fails(
            "format",
            json!(["%z", 1]),
            "unsupported format verb 'z' in \"%z\" at offset 0",
        );
        fails(
            "format",
            json!(["%s", null]),
            "unsupported value for \"%s\" at 0: null value cannot be formatted",
        );
    }

    #[test]
    fn format_value_errors() {
        fails("format", json!(["%d", 1.5]), "an integer is required");
        fails(
            "format",
            json!(["%d", "x"]),
            "expected a number, found the string \"x\"",
        );
        fails(
            "format",
            json!(["%s", [1]]),
            "expected a string, found a list",
        );
        fails(
            "format",
            json!(["%t", 1]),
            "expected a bool, found a number",
        );
        fails(
            "format",
            json!(["%"]),
            "invalid format string starting at offset 1",
        );
        fails(
            "format",
            json!(["%!", 1]),
            "unrecognized format character '!' at offset 1",
        );
        fails(
            "format",
            json!(["%[0]s", 1]),
            "unrecognized format character '0' at offset 2",
        );
        fails(
            "format",
            json!(["%999999s", 1]),
            "width or precision too large",
        );
    }

    #[test]
    fn formatlist() {
        check(
            "formatlist",
            json!(["Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"]]),
            json!([
                "Hello, Valentina!",
                "Hello, Ander!",
                "Hello, Olivia!",
                "Hello, Sam!"
            ]),
        );
        check(
            "formatlist",
            json!(["%s, %s!", "Salutations", ["Valentina", "Ander"]]),
            json!(["Salutations, Valentina!", "Salutations, Ander!"]),
        );
        check(
            "formatlist",
            json!(["%s=%s", ["a", "b"], [1, 2]]),
            json!(["a=1", "b=2"]),
        );
        check("formatlist", json!(["%s", []]), json!([]));
        check("formatlist", json!(["x"]), json!(["x"]));
        fails(
            "formatlist",
            json!(["%s=%s", ["a", "b"], ["x"]]),
            "argument 2 has length 1, which is inconsistent with argument 1 of length 2",
        );
        fails(
            "formatlist",
            json!(["%d", ["a"]]),
            "error on format iteration 0: unsupported value",
        );
    }
}
