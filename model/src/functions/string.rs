//! String functions, measuring strings in user-perceived characters as Terraform does; also
//! `split`, `join` and the regular-expression functions `replace`, `regex` and `regexall`.

use super::{to_text, Args, CallError, Outcome};
use crate::value::Value;

/// The user-perceived characters of `s`: a character with the combining marks, variation
/// selectors, emoji modifiers and joined characters that follow it; "\r\n"; a pair of
/// regional indicators (a flag).
pub(super) fn graphemes(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut regional = 0usize;
    for (i, c) in s.char_indices() {
        let joins = prev.is_some_and(|p| {
            (p == '\r' && c == '\n')
                || (is_extending(c) && !p.is_control())
                || p == '\u{200D}'
                || (is_regional(c) && is_regional(p) && regional % 2 == 1)
        });
        if !joins && i > start {
            out.extend(s.get(start..i));
            start = i;
            regional = 0;
        }
        if is_regional(c) {
            regional += 1;
        }
        prev = Some(c);
    }
    if start < s.len() {
        out.extend(s.get(start..));
    }
    out
}

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Characters that extend the one before them into a single user-perceived character.
fn is_extending(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0483}'..='\u{0489}'
        | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'..='\u{05C2}'
        | '\u{05C4}'..='\u{05C5}'
        | '\u{05C7}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200C}'..='\u{200D}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{3099}'..='\u{309A}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// Maps each character through a case conversion when it gives a single character, as Go's
/// simple case mapping does (so "ß" stays "ß" in upper case).
fn map_case(s: &str, convert: fn(char) -> Option<char>) -> String {
    s.chars().map(|c| convert(c).unwrap_or(c)).collect()
}

fn single<I: Iterator<Item = char>>(mut it: I) -> Option<char> {
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

fn upper_char(c: char) -> Option<char> {
    single(c.to_uppercase())
}

fn lower_char(c: char) -> Option<char> {
    c.to_lowercase().next()
}

pub(super) fn lower(a: &Args) -> Outcome {
    Ok(Value::String(map_case(&a.string(0)?, lower_char)))
}

pub(super) fn upper(a: &Args) -> Outcome {
    Ok(Value::String(map_case(&a.string(0)?, upper_char)))
}

/// Upper-cases the first letter of each word, words being separated as by Go's
/// `strings.Title`.
pub(super) fn title(a: &Args) -> Outcome {
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphabetic() || c.is_numeric() {
            false
        } else {
            c.is_whitespace()
        }
    };
    let mut prev = ' ';
    let out = a
        .string(0)?
        .chars()
        .map(|c| {
            let mapped = if separator(prev) {
                upper_char(c).unwrap_or(c)
            } else {
                c
            };
            prev = c;
            mapped
        })
        .collect();
    Ok(Value::String(out))
}

pub(super) fn chomp(a: &Args) -> Outcome {
    Ok(Value::String(
        a.string(0)?.trim_end_matches(['\r', '\n']).to_string(),
    ))
}

pub(super) fn trimspace(a: &Args) -> Outcome {
    Ok(Value::String(a.string(0)?.trim().to_string()))
}

pub(super) fn trim(a: &Args) -> Outcome {
    let (s, cutset) = (a.string(0)?, a.string(1)?);
    Ok(Value::String(
        s.trim_matches(|c| cutset.contains(c)).to_string(),
    ))
}

pub(super) fn trimprefix(a: &Args) -> Outcome {
    let (s, prefix) = (a.string(0)?, a.string(1)?);
    Ok(Value::String(
        s.strip_prefix(prefix.as_str()).unwrap_or(&s).to_string(),
    ))
}

pub(super) fn trimsuffix(a: &Args) -> Outcome {
    let (s, suffix) = (a.string(0)?, a.string(1)?);
    Ok(Value::String(
        s.strip_suffix(suffix.as_str()).unwrap_or(&s).to_string(),
    ))
}

pub(super) fn startswith(a: &Args) -> Outcome {
    Ok(Value::Bool(a.string(0)?.starts_with(&a.string(1)?)))
}

pub(super) fn endswith(a: &Args) -> Outcome {
    Ok(Value::Bool(a.string(0)?.ends_with(&a.string(1)?)))
}

pub(super) fn strcontains(a: &Args) -> Outcome {
    Ok(Value::Bool(a.string(0)?.contains(&a.string(1)?)))
}

pub(super) fn strrev(a: &Args) -> Outcome {
    let s = a.string(0)?;
    Ok(Value::String(graphemes(&s).into_iter().rev().collect()))
}

/// `substr(string, offset, length)` in characters: a negative offset counts from the end,
/// a negative length takes the rest.
pub(super) fn substr(a: &Args) -> Outcome {
    let s = a.string(0)?;
    let (mut offset, length) = (a.integer(1)?, a.integer(2)?);
    let chars = graphemes(&s);
    let total = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    if offset < 0 {
        offset += total;
    } else if length == 0 {
        return Ok(Value::String(String::new()));
    }
    let start = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
    let rest = chars.get(start..).unwrap_or(&[]);
    // As in Terraform, a zero length after a negative offset takes the rest.
    let take = match usize::try_from(length) {
        Ok(n) if n > 0 => n,
        _ => rest.len(),
    };
    Ok(Value::String(rest.iter().take(take).copied().collect()))
}

const MAX_INDENT: i64 = 10_000;

pub(super) fn indent(a: &Args) -> Outcome {
    let spaces = a.integer(0)?;
    if !(0..=MAX_INDENT).contains(&spaces) {
        return Err(a.fail(0, format!("must be between 0 and {MAX_INDENT}")));
    }
    let pad = " ".repeat(usize::try_from(spaces).unwrap_or(0));
    Ok(Value::String(
        a.string(1)?.replace('\n', &format!("\n{pad}")),
    ))
}

pub(super) fn split(a: &Args) -> Outcome {
    let (sep, s) = (a.string(0)?, a.string(1)?);
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::string).collect()
    };
    Ok(Value::List(parts))
}

pub(super) fn join(a: &Args) -> Outcome {
    let sep = a.string(0)?;
    let lists = a.rest(1);
    if lists.is_empty() {
        return Err(CallError::Failed(
            "at least one list is required".to_string(),
        ));
    }
    let mut items = Vec::new();
    for (k, _) in lists.iter().enumerate() {
        let at = k + 1;
        for (e, item) in a.list(at)?.iter().enumerate() {
            match item {
                Value::Null if lists.len() > 1 => {
                    return Err(a.fail(
                        at,
                        format!("element {e} of list {at} is null; cannot concatenate null values"),
                    ))
                }
                Value::Null => {
                    return Err(a.fail(
                        at,
                        format!("element {e} is null; cannot concatenate null values"),
                    ))
                }
                other => {
                    items.push(to_text(other).map_err(|m| a.fail(at, format!("element {e}: {m}")))?)
                }
            }
        }
    }
    Ok(Value::String(items.join(&sep)))
}

/// `replace`: a plain substring, or a regular expression when written `/.../` (with `$1`
/// and `${name}` in the replacement).
pub(super) fn replace(a: &Args) -> Outcome {
    let (s, search, replacement) = (a.string(0)?, a.string(1)?, a.string(2)?);
    let pattern = search
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .filter(|_| search.len() > 1);
    match pattern {
        Some(p) => {
            let re = compile(p).map_err(|m| a.fail(1, m))?;
            Ok(Value::String(
                re.replace_all(&s, replacement.as_str()).into_owned(),
            ))
        }
        None => Ok(Value::String(s.replace(&search, &replacement))),
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| {
        let text = e.to_string();
        let reason = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .map_or_else(|| text.replace('\n', " "), str::to_string);
        format!("invalid regexp pattern: {reason}")
    })
}

/// What a pattern's matches look like: the matched text, the unnamed groups in a list, or
/// the named groups in a map.
enum Captures {
    Whole,
    Unnamed,
    Named,
}

fn pattern_shape(re: &regex::Regex) -> Result<Captures, String> {
    let groups: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = groups.iter().filter(|g| g.is_some()).count();
    match (named, groups.len() - named) {
        (0, 0) => Ok(Captures::Whole),
        (0, _) => Ok(Captures::Unnamed),
        (_, 0) => Ok(Captures::Named),
        _ => Err(
            "invalid regexp pattern: cannot mix both named and unnamed capture groups".to_string(),
        ),
    }
}

fn capture_value(re: &regex::Regex, caps: &regex::Captures, shape: &Captures) -> Value {
    let group = |m: Option<regex::Match>| m.map_or(Value::Null, |m| Value::string(m.as_str()));
    match shape {
        Captures::Whole => group(caps.get(0)),
        Captures::Unnamed => Value::List(caps.iter().skip(1).map(group).collect()),
        Captures::Named => Value::Map(
            re.capture_names()
                .flatten()
                .map(|n| (n.to_string(), group(caps.name(n))))
                .collect(),
        ),
    }
}

pub(super) fn regex(a: &Args) -> Outcome {
    let (pattern, s) = (a.string(0)?, a.string(1)?);
    let re = compile(&pattern).map_err(|m| a.fail(0, m))?;
    let shape = pattern_shape(&re).map_err(|m| a.fail(0, m))?;
    let caps = re.captures(&s).ok_or_else(|| {
        CallError::Failed("pattern did not match any part of the given string".to_string())
    })?;
    Ok(capture_value(&re, &caps, &shape))
}

pub(super) fn regexall(a: &Args) -> Outcome {
    let (pattern, s) = (a.string(0)?, a.string(1)?);
    let re = compile(&pattern).map_err(|m| a.fail(0, m))?;
    let shape = pattern_shape(&re).map_err(|m| a.fail(0, m))?;
    Ok(Value::List(
        re.captures_iter(&s)
            .map(|caps| capture_value(&re, &caps, &shape))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::test_support::{check, fails};

    #[test]
    fn string_functions() {
        check("chomp", json!(["hello\n"]), json!("hello"));
        check("chomp", json!(["hello\r\n"]), json!("hello"));
        check("chomp", json!(["hello\n\n"]), json!("hello"));
        check("chomp", json!(["hel\nlo"]), json!("hel\nlo"));
        check("endswith", json!(["hello world", "world"]), json!(true));
        check("endswith", json!(["hello world", "hello"]), json!(false));
        check("startswith", json!(["hello world", "hello"]), json!(true));
        check("startswith", json!(["hello world", "world"]), json!(false));
        check("strcontains", json!(["hello world", "wor"]), json!(true));
        check("strcontains", json!(["hello world", "cat"]), json!(false));
        check("lower", json!(["HELLO"]), json!("hello"));
        check("lower", json!(["АЛЛО!"]), json!("алло!"));
        check("upper", json!(["hello"]), json!("HELLO"));
        check("upper", json!(["алло!"]), json!("АЛЛО!"));
        check("upper", json!(["straße"]), json!("STRAßE"));
        check("title", json!(["hello world"]), json!("Hello World"));
        check(
            "title",
            json!(["hello-world_x 1a"]),
            json!("Hello-World_x 1a"),
        );
        check("trim", json!(["?!hello?!", "!?"]), json!("hello"));
        check("trim", json!(["foobar", "far"]), json!("oob"));
        check(
            "trim",
            json!(["   hello! world.!  ", "! "]),
            json!("hello! world."),
        );
        check("trimprefix", json!(["helloworld", "hello"]), json!("world"));
        check(
            "trimprefix",
            json!(["helloworld", "cat"]),
            json!("helloworld"),
        );
        check("trimsuffix", json!(["helloworld", "world"]), json!("hello"));
        check(
            "trimsuffix",
            json!(["helloworld", "cat"]),
            json!("helloworld"),
        );
        check("trimspace", json!(["  hello\n\n"]), json!("hello"));
        check("strrev", json!(["hello"]), json!("olleh"));
        check("strrev", json!(["a ☃"]), json!("☃ a"));
        check(
            "indent",
            json!([2, "[\n  foo,\n  bar,\n]\n"]),
            json!("[\n    foo,\n    bar,\n  ]\n  "),
        );
        fails("indent", json!([-1, "x"]), "must be between 0 and");
    }

    #[test]
    fn substr_and_length_count_characters() {
        check("substr", json!(["hello world", 1, 4]), json!("ello"));
        check("substr", json!(["🤔🤷", 0, 1]), json!("🤔"));
        check("substr", json!(["hello world", -5, -1]), json!("world"));
        check("substr", json!(["hello world", 6, 10]), json!("world"));
        check("substr", json!(["hello", 10, 2]), json!(""));
        check("substr", json!(["hello", 0, 0]), json!(""));
        check("substr", json!(["hello", -10, 2]), json!("he"));
        check("length", json!(["hello"]), json!(5));
        check("length", json!(["👾🕹️"]), json!(2));
        check("length", json!(["e\u{301}te\u{301}"]), json!(3));
        check("length", json!(["🇫🇷🇩🇪"]), json!(2));
        check("length", json!(["a\r\nb"]), json!(3));
        check("strrev", json!(["e\u{301}a"]), json!("ae\u{301}"));
    }

    #[test]
    fn join_and_split() {
        check(
            "join",
            json!([", ", ["foo", "bar", "baz"]]),
            json!("foo, bar, baz"),
        );
        check("join", json!([", ", ["foo"]]), json!("foo"));
        check("join", json!(["-", ["a"], ["b", "c"]]), json!("a-b-c"));
        check("join", json!([",", [1, true]]), json!("1,true"));
        fails(
            "join",
            json!([",", ["a", null]]),
            "element 1 is null; cannot concatenate null values",
        );
        fails("join", json!([","]), "at least one list is required");
        fails(
            "join",
            json!([",", [["a"]]]),
            "element 0: expected a string, found a list",
        );
        fails(
            "join",
            json!([",", "a"]),
            "expected a list, found the string \"a\"",
        );
        check("split", json!([",", "foo"]), json!(["foo"]));
        check(
            "split",
            json!([",", "foo,bar,baz"]),
            json!(["foo", "bar", "baz"]),
        );
        check("split", json!([",", ""]), json!([""]));
        check("split", json!([",", "a,"]), json!(["a", ""]));
        check("split", json!(["", "abc"]), json!(["a", "b", "c"]));
    }

    #[test]
    fn replace_plain_and_regex() {
        check(
            "replace",
            json!(["1 + 2 + 3", "+", "-"]),
            json!("1 - 2 - 3"),
        );
        check(
            "replace",
            json!(["hello world", "/w.*d/", "everybody"]),
            json!("hello everybody"),
        );
        check(
            "replace",
            json!(["hello world", "/(h)(e)/", "$2$1"]),
            json!("ehllo world"),
        );
        check(
            "replace",
            json!(["abc", "/(?P<x>b)/", "[${x}]"]),
            json!("a[b]c"),
        );
        check("replace", json!(["a/b", "/", "|"]), json!("a|b"));
        fails(
            "replace",
            json!(["a", "/(/", "b"]),
            "invalid regexp pattern",
        );
    }

    #[test]
    fn regex_functions() {
        check(
            "regex",
            json!(["[a-z]+", "53453453.345345aaabbbccc23454"]),
            json!("aaabbbccc"),
        );
        check(
            "regex",
            json!(["(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"]),
            json!(["2019", "02", "01"]),
        );
        check(
            "regex",
            json!([
                "^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?",
                "https://terraform.io/docs/"
            ]),
            json!({"authority": "terraform.io", "scheme": "https"}),
        );
        check("regex", json!(["(a)?b", "b"]), json!([null]));
        fails(
            "regex",
            json!(["[a-z]+", "53453453.34534523454"]),
            "pattern did not match any part of the given string",
        );
        fails(
            "regex",
            json!(["(a)(?P<n>b)", "ab"]),
            "cannot mix both named and unnamed capture groups",
        );
        fails("regex", json!(["(", "x"]), "invalid regexp pattern");
        check(
            "regexall",
            json!(["[a-z]+", "1234abcd5678efgh9"]),
            json!(["abcd", "efgh"]),
        );
        check("regexall", json!(["[a-z]+", "123456789"]), json!([]));
        check(
            "regexall",
            json!(["(\\d)(\\w)", "1a2b"]),
            json!([["1", "a"], ["2", "b"]]),
        );
    }
}
