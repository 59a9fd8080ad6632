//! The syntax layer: TOML files read into owned, span-carrying trees, and the `${...}`
//! templates and reference paths inside strings.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A TOML value with the file and byte span it came from.
#[derive(Clone, Debug)]
pub struct Node {
    pub file: usize,
    pub span: Range<usize>,
    pub kind: NodeKind,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

/// A key of a table and its value.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Node,
}

impl Node {
    /// What kind of value this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Str(_) => "a string",
            NodeKind::Int(_) | NodeKind::Float(_) => "a number",
            NodeKind::Bool(_) => "a bool",
            NodeKind::Datetime(_) => "a date-time",
            NodeKind::Array(_) => "a list",
            NodeKind::Table(_) => "a table",
        }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Table(e) => Some(e),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A TOML syntax error.
pub struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
}

/// Parses one file into its root table.
pub fn parse_file(file: usize, text: &str) -> Result<Node, SyntaxError> {
    match DeTable::parse(text) {
        Ok(root) => {
            let span = root.span();
            Ok(Node {
                file,
                span,
                kind: NodeKind::Table(table(file, root.get_ref())),
            })
        }
        Err(e) => Err(SyntaxError {
            message: e.message().trim().to_string(),
            span: e.span().unwrap_or(0..0),
        }),
    }
}

/// Parses a single TOML value (a `--var` assignment of a list or map).
pub fn parse_value(text: &str) -> Result<Node, String> {
    DeValue::parse(text)
        .map(|v| node(usize::MAX, &v))
        .map_err(|e| e.message().trim().to_string())
}

fn table(file: usize, t: &DeTable<'_>) -> Vec<Entry> {
    t.iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            key_span: k.span(),
            value: node(file, v),
        })
        .collect()
}

fn node(file: usize, v: &Spanned<DeValue<'_>>) -> Node {
    let kind = match v.get_ref() {
        DeValue::String(s) => NodeKind::Str(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => NodeKind::Int(n),
            Err(_) => NodeKind::Float(i.as_str().parse().unwrap_or(f64::NAN)),
        },
        DeValue::Float(f) => {
            NodeKind::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN))
        }
        DeValue::Boolean(b) => NodeKind::Bool(*b),
        DeValue::Datetime(d) => NodeKind::Datetime(d.to_string()),
        DeValue::Array(a) => NodeKind::Array(a.iter().map(|i| node(file, i)).collect()),
        DeValue::Table(t) => NodeKind::Table(table(file, t)),
    };
    Node {
        file,
        span: v.span(),
        kind,
    }
}

/// One piece of a string: literal text, or the inside of a `${...}` (trimmed) with the byte
/// range of the whole `${...}` relative to the string's content.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Literal(String),
    Interp {
        text: String,
        /// Where `text` starts in the string's content.
        start: usize,
        range: Range<usize>,
    },
}

/// Splits a string into literal text and `${...}` interpolations; `$${` is a literal `${`.
pub fn template(s: &str) -> Result<Vec<Piece>, (String, Range<usize>)> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with("$${") {
            lit.push_str("${");
            i += 3;
        } else if rest.starts_with("${") {
            let Some(close) = crate::expression::closing_brace(s, i + 2) else {
                return Err(("`${` without a closing `}`".into(), i..s.len()));
            };
            if !lit.is_empty() {
                out.push(Piece::Literal(std::mem::take(&mut lit)));
            }
            let inner = &s[i + 2..close - 1];
            out.push(Piece::Interp {
                text: inner.trim().to_string(),
                start: i + 2 + (inner.len() - inner.trim_start().len()),
                range: i..close,
            });
            i = close;
        } else {
            let ch = rest.chars().next().unwrap_or_default();
            lit.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    if !lit.is_empty() || out.is_empty() {
        out.push(Piece::Literal(lit));
    }
    Ok(out)
}

/// One step of a reference path: `.name`, `[0]`, `["key"]`, `[*]` (every `for_each`
/// instance) or `[each.key]` (an index given by another reference, known while loading).
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Name(String),
    Index(u64),
    Key(String),
    Splat,
    Dynamic(String),
}

/// Splits `aws_subnet.app["a"].tags.Name` into steps.
pub fn steps(text: &str) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b':';
    while i < b.len() {
        match b[i] {
            b'.' if !out.is_empty() && i + 1 < b.len() && b[i + 1] != b'.' => {
                i += 1;
                continue;
            }
            b'[' => {
                // The matching `]`: an index may itself be a reference with brackets.
                let mut depth = 0usize;
                let mut close = None;
                for (j, c) in text[i..].bytes().enumerate() {
                    match c {
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 {
                                close = Some(i + j);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let close = close.ok_or_else(|| format!("`[` without `]` in `{text}`"))?;
                let inner = text[i + 1..close].trim();
                if let Some(q) = inner.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                    out.push(Step::Key(q.to_string()));
                } else if let Ok(n) = inner.parse::<u64>() {
                    out.push(Step::Index(n));
                } else if inner == "*" {
                    out.push(Step::Splat);
                } else if !inner.is_empty() && inner.bytes().all(is_name) {
                    out.push(Step::Key(inner.to_string()));
                } else if inner.contains('.') && steps(inner).is_ok() {
                    out.push(Step::Dynamic(inner.to_string()));
                } else {
                    return Err(format!("`[{inner}]` is not an index or a key"));
                }
                i = close + 1;
            }
            c if is_name(c) => {
                let start = i;
                while i < b.len() && is_name(b[i]) {
                    i += 1;
                }
                out.push(Step::Name(text[start..i].to_string()));
            }
            _ => {
                return Err(format!(
                    "unexpected `{}` in reference `{text}`",
                    &text[i..].chars().next().unwrap_or(' ')
                ))
            }
        }
        if i < b.len() && b[i] != b'.' && b[i] != b'[' {
            return Err(format!("unexpected `{}` in reference `{text}`", &text[i..]));
        }
    }
    if out.is_empty() {
        return Err("empty reference `${}`".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interp(text: &str, range: Range<usize>) -> Piece {
        Piece::Interp {
            text: text.into(),
            start: range.start + 2,
            range,
        }
    }

    #[test]
    fn templates() {
        assert_eq!(template("plain"), Ok(vec![Piece::Literal("plain".into())]));
        assert_eq!(
            template("a-${var.env}-b"),
            Ok(vec![
                Piece::Literal("a-".into()),
                interp("var.env", 2..12),
                Piece::Literal("-b".into())
            ])
        );
        assert_eq!(template("$${x}"), Ok(vec![Piece::Literal("${x}".into())]));
        assert!(template("${oops").is_err());
    }

    #[test]
    fn reference_steps() {
        assert_eq!(
            steps("aws_subnet.app[\"a\"].tags.Name"),
            Ok(vec![
                Step::Name("aws_subnet".into()),
                Step::Name("app".into()),
                Step::Key("a".into()),
                Step::Name("tags".into()),
                Step::Name("Name".into())
            ])
        );
        assert_eq!(
            steps("var.list[2]"),
            Ok(vec![
                Step::Name("var".into()),
                Step::Name("list".into()),
                Step::Index(2)
            ])
        );
        assert_eq!(
            steps("aws_subnet.app[*].id"),
            Ok(vec![
                Step::Name("aws_subnet".into()),
                Step::Name("app".into()),
                Step::Splat,
                Step::Name("id".into())
            ])
        );
        assert_eq!(
            steps("aws_subnet.app[var.azs[0]].id"),
            Ok(vec![
                Step::Name("aws_subnet".into()),
                Step::Name("app".into()),
                Step::Dynamic("var.azs[0]".into()),
                Step::Name("id".into())
            ])
        );
        assert!(steps("a + b").is_err());
        assert!(steps("a[b + c]").is_err());
    }
}
