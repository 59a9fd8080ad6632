//! The expression language inside `${...}`: literals, references, function calls,
//! operators, the conditional, indexes and list and object constructors, parsed into an
//! [`Ast`] whose spans are byte offsets into the parsed text.
//!
//! References (`var.x`, `aws_subnet.app["a"].id`, `each.key`) stay text here: the loader
//! resolves them as it always has. An index that is not a literal or a reference
//! (`split(",", x)[0]`, `var.list[length(var.list) - 1]`) ends the reference and becomes an
//! [`AstKind::Index`] on its value.

use std::ops::Range;

use cairn_model::functions::{BinaryOp, UnaryOp};

/// A parsed expression with its byte range in the text it was parsed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Ast {
    pub kind: AstKind,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AstKind {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    /// A quoted string: literal text and nested `${...}` interpolations.
    Str(Vec<StrPart>),
    /// A reference, as written (`aws_subnet.app[0].id`).
    Reference(String),
    Call {
        name: String,
        /// Where the name is written.
        name_span: Range<usize>,
        args: Vec<Ast>,
    },
    Unary(UnaryOp, Box<Ast>),
    Binary(BinaryOp, Box<Ast>, Box<Ast>),
    Conditional(Box<Ast>, Box<Ast>, Box<Ast>),
    /// `base[key]`, or `base.name` (the key is then a string) on a computed value.
    Index(Box<Ast>, Box<Ast>),
    List(Vec<Ast>),
    Object(Vec<(String, Range<usize>, Ast)>),
}

/// A piece of a quoted string inside an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Literal(String),
    Interp(Ast),
}

/// A parse error: what is wrong and where in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Range<usize>,
    pub help: Option<String>,
}

impl Ast {
    /// The whole expression is a single reference (what cairn read before expressions).
    pub fn as_reference(&self) -> Option<&str> {
        match &self.kind {
            AstKind::Reference(r) => Some(r),
            _ => None,
        }
    }

    /// Every reference in the expression, as written, in order.
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<&'a str>) {
        match &self.kind {
            AstKind::Reference(r) => out.push(r),
            AstKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Interp(a) = p {
                        a.collect_references(out);
                    }
                }
            }
            AstKind::Call { args: items, .. } | AstKind::List(items) => {
                items.iter().for_each(|a| a.collect_references(out))
            }
            AstKind::Unary(_, a) => a.collect_references(out),
            AstKind::Binary(_, a, b) | AstKind::Index(a, b) => {
                a.collect_references(out);
                b.collect_references(out);
            }
            AstKind::Conditional(a, b, c) => {
                a.collect_references(out);
                b.collect_references(out);
                c.collect_references(out);
            }
            AstKind::Object(items) => items.iter().for_each(|(_, _, a)| a.collect_references(out)),
            AstKind::Null | AstKind::Bool(_) | AstKind::Number(_) => {}
        }
    }
}

/// Parses the inside of a `${...}`.
pub fn parse(text: &str) -> Result<Ast, ParseError> {
    let mut p = Parser { text, pos: 0 };
    let ast = p.expression()?;
    p.skip_space();
    if p.pos < text.len() {
        return Err(p.unexpected("the end of the expression"));
    }
    Ok(ast)
}

/// The byte offset just past the `}` that closes the `${` (or `{`) whose inside starts at
/// `start`, skipping quoted strings and nested braces; `None` when there is none.
pub fn closing_brace(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 1usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => i = end_of_string(b, i + 1)?,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the `"` closing a string whose content starts at `i` (nested `${...}` may
/// hold strings of their own).
fn end_of_string(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' => return Some(i),
            b'$' if b.get(i + 1) == Some(&b'{') => {
                let text = std::str::from_utf8(b).ok()?;
                i = closing_brace(text, i + 2)? - 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A piece of a template file: literal text, a `${...}` or a `%{...}` directive, the latter
/// two with the trimmed text inside, where that text starts, and their `~` strip markers
/// already applied to the literals beside them.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Literal(String),
    Interp { text: String, start: usize },
    Directive { text: String, start: usize },
}

/// Splits a template (`templatefile`'s file) into literals, interpolations and directives;
/// `$${` and `%%{` are literal `${` and `%{`.
pub fn segments(text: &str) -> Result<Vec<Segment>, ParseError> {
    let mut out: Vec<Segment> = Vec::new();
    let mut lit = String::new();
    let mut strip_next = false;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            lit.push_str(&rest[1..3]);
            i += 3;
            continue;
        }
        let directive = rest.starts_with("%{");
        if !directive && !rest.starts_with("${") {
            let ch = rest.chars().next().unwrap_or_default();
            lit.push(ch);
            i += ch.len_utf8().max(1);
            continue;
        }
        let Some(close) = closing_brace(text, i + 2) else {
            return Err(ParseError {
                message: format!("`{}` without a closing `}}`", &rest[..2]),
                span: i..text.len(),
                help: None,
            });
        };
        let mut inner_start = i + 2;
        let mut inner_end = close - 1;
        if text[inner_start..inner_end].starts_with('~') {
            inner_start += 1;
            let trimmed = lit.trim_end().len();
            lit.truncate(trimmed);
        }
        let strip_after = text[inner_start..inner_end].ends_with('~');
        if strip_after {
            inner_end -= 1;
        }
        let inner = &text[inner_start..inner_end];
        let start = inner_start + (inner.len() - inner.trim_start().len());
        if strip_next {
            lit = lit.trim_start().to_string();
        }
        if !lit.is_empty() {
            out.push(Segment::Literal(std::mem::take(&mut lit)));
        }
        let text = inner.trim().to_string();
        out.push(if directive {
            Segment::Directive { text, start }
        } else {
            Segment::Interp { text, start }
        });
        strip_next = strip_after;
        i = close;
    }
    if strip_next {
        lit = lit.trim_start().to_string();
    }
    if !lit.is_empty() {
        out.push(Segment::Literal(lit));
    }
    Ok(out)
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
}

const BINARY: [(&str, BinaryOp, u8); 13] = [
    ("||", BinaryOp::Or, 1),
    ("&&", BinaryOp::And, 2),
    ("==", BinaryOp::Eq, 3),
    ("!=", BinaryOp::NotEq, 3),
    ("<=", BinaryOp::LtEq, 4),
    (">=", BinaryOp::GtEq, 4),
    ("<", BinaryOp::Lt, 4),
    (">", BinaryOp::Gt, 4),
    ("+", BinaryOp::Add, 5),
    ("-", BinaryOp::Sub, 5),
    ("*", BinaryOp::Mul, 6),
    ("/", BinaryOp::Div, 6),
    ("%", BinaryOp::Mod, 6),
];

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{token}`")))
        }
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        let found = match self.peek() {
            Some(c) => format!("`{c}`"),
            None => "the end".to_string(),
        };
        let len = self.peek().map_or(0, char::len_utf8);
        ParseError {
            message: format!("expected {wanted}, found {found}"),
            span: self.pos..self.pos + len,
            help: None,
        }
    }

    fn expression(&mut self) -> Result<Ast, ParseError> {
        let cond = self.binary(1)?;
        if !self.eat("?") {
            return Ok(cond);
        }
        let then = self.expression()?;
        self.expect(":")?;
        let otherwise = self.expression()?;
        let span = cond.span.start..otherwise.span.end;
        Ok(Ast {
            kind: AstKind::Conditional(Box::new(cond), Box::new(then), Box::new(otherwise)),
            span,
        })
    }

    /// Operators binding at least as tightly as `min` (precedence climbing).
    fn binary(&mut self, min: u8) -> Result<Ast, ParseError> {
        let mut left = self.unary()?;
        loop {
            self.skip_space();
            let rest = self.rest();
            let Some(&(token, op, prec)) = BINARY
                .iter()
                .find(|(t, _, p)| *p >= min && rest.starts_with(t) && !rest.starts_with("=>"))
            else {
                return Ok(left);
            };
            self.pos += token.len();
            let right = self.binary(prec + 1)?;
            let span = left.span.start..right.span.end;
            left = Ast {
                kind: AstKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
    }

    fn unary(&mut self) -> Result<Ast, ParseError> {
        self.skip_space();
        let start = self.pos;
        let op = if self.rest().starts_with('!') && !self.rest().starts_with("!=") {
            UnaryOp::Not
        } else if self.rest().starts_with('-') {
            UnaryOp::Neg
        } else {
            return self.postfix();
        };
        self.pos += 1;
        let operand = self.unary()?;
        let span = start..operand.span.end;
        Ok(Ast {
            kind: AstKind::Unary(op, Box::new(operand)),
            span,
        })
    }

    /// A primary followed by `[index]` and `.name` steps on a computed value.
    fn postfix(&mut self) -> Result<Ast, ParseError> {
        let mut ast = self.primary()?;
        loop {
            let before = self.pos;
            self.skip_space();
            if self.rest().starts_with('[') {
                self.pos += 1;
                let key = self.expression()?;
                self.expect("]")?;
                let span = ast.span.start..self.pos;
                ast = Ast {
                    kind: AstKind::Index(Box::new(ast), Box::new(key)),
                    span,
                };
            } else if self.rest().starts_with('.') {
                self.pos += 1;
                let name_start = self.pos;
                let name = self.name();
                if name.is_empty() {
                    return Err(self.unexpected("an attribute name"));
                }
                let key = Ast {
                    kind: AstKind::Str(vec![StrPart::Literal(name)]),
                    span: name_start..self.pos,
                };
                let span = ast.span.start..self.pos;
                ast = Ast {
                    kind: AstKind::Index(Box::new(ast), Box::new(key)),
                    span,
                };
            } else {
                self.pos = before;
                return Ok(ast);
            }
        }
    }

    fn name(&mut self) -> String {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let name = rest[..len].to_string();
        self.pos += len;
        name
    }

    fn primary(&mut self) -> Result<Ast, ParseError> {
        self.skip_space();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.unexpected("an expression"));
        };
        let kind = match c {
            '0'..='9' => self.number()?,
            '"' => {
                self.pos += 1;
                AstKind::Str(self.string_parts()?)
            }
            '(' => {
                self.pos += 1;
                let inner = self.expression()?;
                self.expect(")")?;
                return Ok(Ast {
                    kind: inner.kind,
                    span: start..self.pos,
                });
            }
            '[' => {
                self.pos += 1;
                self.no_for("[")?;
                AstKind::List(self.items("]", Self::expression)?)
            }
            '{' => {
                self.pos += 1;
                self.no_for("{")?;
                AstKind::Object(self.items("}", Self::object_item)?)
            }
            c if c.is_ascii_alphabetic() || c == '_' => return self.named(start),
            _ => return Err(self.unexpected("an expression")),
        };
        Ok(Ast {
            kind,
            span: start..self.pos,
        })
    }

    /// Refuses Terraform's `for` expressions with what cairn has instead.
    fn no_for(&mut self, open: &str) -> Result<(), ParseError> {
        self.skip_space();
        let rest = self.rest();
        if rest.starts_with("for ") {
            return Err(ParseError {
                message: format!("`{open}for ...` expressions are not supported"),
                span: self.pos..self.pos + 3,
                help: Some(
                    "take one attribute of every instance with `[*]` (`${aws_subnet.app[*].id}`), or repeat resources with `for_each`/`count`"
                        .into(),
                ),
            });
        }
        Ok(())
    }

    /// Comma-separated items up to `close` (a trailing comma is allowed).
    fn items<T>(
        &mut self,
        close: &str,
        item: fn(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        let mut out = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(out);
            }
            out.push(item(self)?);
            if !self.eat(",") {
                self.expect(close)?;
                return Ok(out);
            }
        }
    }

    fn object_item(&mut self) -> Result<(String, Range<usize>, Ast), ParseError> {
        self.skip_space();
        let start = self.pos;
        let key = if self.rest().starts_with('"') {
            self.pos += 1;
            match self.string_parts()?.as_slice() {
                [] => String::new(),
                [StrPart::Literal(s)] => s.clone(),
                _ => {
                    return Err(ParseError {
                        message: "an object key must be a literal string".into(),
                        span: start..self.pos,
                        help: None,
                    })
                }
            }
        } else {
            let name = self.name();
            if name.is_empty() {
                return Err(self.unexpected("an object key"));
            }
            name
        };
        let key_span = start..self.pos;
        if !self.eat("=") && !self.eat(":") {
            return Err(self.unexpected("`=`"));
        }
        let value = self.expression()?;
        Ok((key, key_span, value))
    }

    fn number(&mut self) -> Result<AstKind, ParseError> {
        let start = self.pos;
        let b = self.text.as_bytes();
        let digits = |p: &mut Self| {
            while b.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
        };
        digits(self);
        if b.get(self.pos) == Some(&b'.') && b.get(self.pos + 1).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
            digits(self);
        }
        if matches!(b.get(self.pos), Some(b'e' | b'E')) {
            let mark = self.pos;
            self.pos += 1;
            if matches!(b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if b.get(self.pos).is_some_and(u8::is_ascii_digit) {
                digits(self);
            } else {
                self.pos = mark;
            }
        }
        let text = &self.text[start..self.pos];
        let number = match text.parse::<i64>() {
            Ok(n) => Some(serde_json::Number::from(n)),
            Err(_) => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64),
        };
        number.map(AstKind::Number).ok_or(ParseError {
            message: format!("`{text}` is not a number"),
            span: start..self.pos,
            help: None,
        })
    }

    /// The rest of a quoted string after its opening `"`, up to and past the closing one.
    fn string_parts(&mut self) -> Result<Vec<StrPart>, ParseError> {
        let open = self.pos - 1;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError {
                    message: "a string without its closing `\"`".into(),
                    span: open..self.pos,
                    help: None,
                });
            };
            if self.rest().starts_with("${") {
                let inner_start = self.pos + 2;
                let Some(end) = closing_brace(self.text, inner_start) else {
                    return Err(ParseError {
                        message: "`${` without a closing `}`".into(),
                        span: self.pos..self.text.len(),
                        help: None,
                    });
                };
                let inner = &self.text[inner_start..end - 1];
                let ast = parse(inner).map_err(|e| shifted(e, inner_start))?;
                if !lit.is_empty() {
                    parts.push(StrPart::Literal(std::mem::take(&mut lit)));
                }
                parts.push(StrPart::Interp(shift(ast, inner_start)));
                self.pos = end;
                continue;
            }
            if self.rest().starts_with("$${") {
                lit.push_str("${");
                self.pos += 3;
                continue;
            }
            self.pos += c.len_utf8();
            match c {
                '"' => break,
                '\\' => lit.push(self.escape()?),
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(StrPart::Literal(lit));
        }
        Ok(parts)
    }

    fn escape(&mut self) -> Result<char, ParseError> {
        let start = self.pos - 1;
        let Some(c) = self.peek() else {
            return Err(self.unexpected("an escaped character"));
        };
        self.pos += c.len_utf8();
        Ok(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '"' => '"',
            '\\' => '\\',
            'u' => {
                let hex = self.rest().get(..4).unwrap_or("").to_string();
                let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                self.pos += hex.len();
                ch.ok_or(ParseError {
                    message: format!("`\\u{hex}` is not a character"),
                    span: start..self.pos,
                    help: None,
                })?
            }
            other => {
                return Err(ParseError {
                    message: format!("`\\{other}` is not an escape"),
                    span: start..self.pos,
                    help: Some("escapes are \\n, \\t, \\r, \\\", \\\\ and \\uXXXX".into()),
                })
            }
        })
    }

    /// A keyword, a function call or a reference.
    fn named(&mut self, start: usize) -> Result<Ast, ParseError> {
        let name = self.name();
        let name_span = start..self.pos;
        let kind = match name.as_str() {
            "true" => AstKind::Bool(true),
            "false" => AstKind::Bool(false),
            "null" => AstKind::Null,
            _ => {
                let mark = self.pos;
                if self.eat("(") {
                    let args = self.items(")", Self::expression)?;
                    if self.rest().starts_with("...") {
                        return Err(ParseError {
                            message: "expanding arguments with `...` is not supported".into(),
                            span: self.pos..self.pos + 3,
                            help: None,
                        });
                    }
                    AstKind::Call {
                        name,
                        name_span,
                        args,
                    }
                } else {
                    self.pos = mark;
                    self.reference_steps();
                    AstKind::Reference(self.text[start..self.pos].to_string())
                }
            }
        };
        Ok(Ast {
            kind,
            span: start..self.pos,
        })
    }

    /// Extends a reference over `.name`, `[*]` and `[...]` holding a literal or another
    /// reference; stops before any other index, which [`Parser::postfix`] takes.
    fn reference_steps(&mut self) {
        loop {
            let rest = self.rest();
            if rest.starts_with('.')
                && rest[1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                self.pos += 1;
                self.name();
            } else if rest.starts_with('[') {
                let Some(close) = closing_bracket(rest) else {
                    return;
                };
                let inner = rest[1..close].trim();
                let plain = inner == "*"
                    || matches!(
                        parse(inner).map(|a| a.kind),
                        Ok(AstKind::Number(_) | AstKind::Reference(_))
                    )
                    || matches!(parse(inner).map(|a| a.kind), Ok(AstKind::Str(p)) if p.iter().all(|p| matches!(p, StrPart::Literal(_))));
                if !plain {
                    return;
                }
                self.pos += close + 1;
            } else {
                return;
            }
        }
    }
}

/// The index of the `]` matching the `[` that `text` starts with.
fn closing_bracket(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = end_of_string(b, i + 1)?,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn shifted(mut e: ParseError, by: usize) -> ParseError {
    e.span = e.span.start + by..e.span.end + by;
    e
}

/// Moves every span of `ast` by `by` bytes (an interpolation parsed on its own).
fn shift(mut ast: Ast, by: usize) -> Ast {
    ast.span = ast.span.start + by..ast.span.end + by;
    let s = |a: Box<Ast>| Box::new(shift(*a, by));
    ast.kind = match ast.kind {
        AstKind::Str(parts) => AstKind::Str(
            parts
                .into_iter()
                .map(|p| match p {
                    StrPart::Interp(a) => StrPart::Interp(shift(a, by)),
                    lit => lit,
                })
                .collect(),
        ),
        AstKind::Call {
            name,
            name_span,
            args,
        } => AstKind::Call {
            name,
            name_span: name_span.start + by..name_span.end + by,
            args: args.into_iter().map(|a| shift(a, by)).collect(),
        },
        AstKind::Unary(op, a) => AstKind::Unary(op, s(a)),
        AstKind::Binary(op, a, b) => AstKind::Binary(op, s(a), s(b)),
        AstKind::Conditional(a, b, c) => AstKind::Conditional(s(a), s(b), s(c)),
        AstKind::Index(a, b) => AstKind::Index(s(a), s(b)),
        AstKind::List(items) => AstKind::List(items.into_iter().map(|a| shift(a, by)).collect()),
        AstKind::Object(items) => AstKind::Object(
            items
                .into_iter()
                .map(|(k, r, a)| (k, r.start + by..r.end + by, shift(a, by)))
                .collect(),
        ),
        other => other,
    };
    ast
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders an AST compactly, for data-driven tests.
    fn show(a: &Ast) -> String {
        match &a.kind {
            AstKind::Null => "null".into(),
            AstKind::Bool(b) => b.to_string(),
            AstKind::Number(n) => n.to_string(),
            AstKind::Str(parts) => {
                let inner: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Literal(l) => format!("{l:?}"),
                        StrPart::Interp(a) => format!("${{{}}}", show(a)),
                    })
                    .collect();
                format!("str({})", inner.join(" "))
            }
            AstKind::Reference(r) => format!("ref({r})"),
            AstKind::Call { name, args, .. } => {
                let args: Vec<String> = args.iter().map(show).collect();
                format!("{name}({})", args.join(", "))
            }
            AstKind::Unary(op, x) => format!("({}{})", op.symbol(), show(x)),
            AstKind::Binary(op, l, r) => format!("({} {} {})", show(l), op.symbol(), show(r)),
            AstKind::Conditional(c, t, e) => format!("({} ? {} : {})", show(c), show(t), show(e)),
            AstKind::Index(b, k) => format!("{}[{}]", show(b), show(k)),
            AstKind::List(items) => {
                let items: Vec<String> = items.iter().map(show).collect();
                format!("[{}]", items.join(", "))
            }
            AstKind::Object(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|(k, _, v)| format!("{k} = {}", show(v)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }

    fn check(text: &str, expected: &str) {
        match parse(text) {
            Ok(ast) => assert_eq!(show(&ast), expected, "parsing `{text}`"),
            Err(e) => panic!("`{text}` did not parse: {e:?}"),
        }
    }

    fn fails(text: &str, message: &str, span: Range<usize>) {
        match parse(text) {
            Ok(ast) => panic!("`{text}` parsed as {}", show(&ast)),
            Err(e) => {
                assert!(
                    e.message.contains(message),
                    "`{text}`: {} does not say {message}",
                    e.message
                );
                assert_eq!(e.span, span, "span of the error in `{text}`");
            }
        }
    }

    #[test]
    fn parses() {
        check("var.x", "ref(var.x)");
        check(
            "aws_subnet.app[\"a\"].tags.Name",
            "ref(aws_subnet.app[\"a\"].tags.Name)",
        );
        check("aws_subnet.app[*].id", "ref(aws_subnet.app[*].id)");
        check(
            "aws_subnet.app[each.key].id",
            "ref(aws_subnet.app[each.key].id)",
        );
        check(
            "aws_subnet.app[count.index].id",
            "ref(aws_subnet.app[count.index].id)",
        );
        check(
            "cidrsubnet(var.cidr, 8, count.index)",
            "cidrsubnet(ref(var.cidr), 8, ref(count.index))",
        );
        check("1 + 2 * 3", "(1 + (2 * 3))");
        check("(1 + 2) * 3", "((1 + 2) * 3)");
        check("a - b - c", "((ref(a) - ref(b)) - ref(c))");
        check("var.enabled ? 1 : 0", "(ref(var.enabled) ? 1 : 0)");
        check(
            "a == 1 && !b || c >= 2",
            "(((ref(a) == 1) && (!ref(b))) || (ref(c) >= 2))",
        );
        check("-1", "(-1)");
        check("x != \"y\"", "(ref(x) != str(\"y\"))");
        check("split(\",\", var.s)[0]", "split(str(\",\"), ref(var.s))[0]");
        check(
            "var.list[length(var.list) - 1]",
            "ref(var.list)[(length(ref(var.list)) - 1)]",
        );
        check(
            "jsondecode(local.doc).Statement",
            "jsondecode(ref(local.doc))[str(\"Statement\")]",
        );
        check(
            "format(\"%s-${var.env}\", \"a\\n\")",
            "format(str(\"%s-\" ${ref(var.env)}), str(\"a\\n\"))",
        );
        check("[1, \"a\", true,]", "[1, str(\"a\"), true]");
        check(
            "{ Name = \"x\", \"a b\" = 2 }",
            "{Name = str(\"x\"), a b = 2}",
        );
        check("merge(local.tags, {})", "merge(ref(local.tags), {})");
        check("null", "null");
        check("1.5e3", "1500.0");
        check("x ? y ? 1 : 2 : 3", "(ref(x) ? (ref(y) ? 1 : 2) : 3)");
    }

    #[test]
    fn refuses() {
        fails("1 +", "expected an expression, found the end", 3..3);
        fails("f(1, 2", "expected `)`", 6..6);
        fails(
            "[for s in x : s]",
            "`[for ...` expressions are not supported",
            1..4,
        );
        fails("\"abc", "a string without its closing", 0..4);
        fails("a b", "expected the end of the expression, found `b`", 2..3);
        fails("\"\\q\"", "`\\q` is not an escape", 1..3);
        fails("x ? 1", "expected `:`", 5..5);
    }

    #[test]
    fn spans_point_into_the_text() {
        let ast = parse("f(\"${var.x}\")").ok();
        let Some(Ast {
            kind: AstKind::Call { args, .. },
            ..
        }) = ast
        else {
            panic!("not a call")
        };
        let Some(AstKind::Str(parts)) = args.first().map(|a| &a.kind) else {
            panic!("not a string")
        };
        let Some(StrPart::Interp(inner)) = parts.first() else {
            panic!("no interpolation")
        };
        assert_eq!(inner.span, 5..10);
    }

    #[test]
    fn template_segments() {
        let segs = segments("a ${x} %{ for i in l ~}\n  - ${i}\n%{~ endfor } $${no}").ok();
        assert_eq!(
            segs,
            Some(vec![
                Segment::Literal("a ".into()),
                Segment::Interp {
                    text: "x".into(),
                    start: 4
                },
                Segment::Literal(" ".into()),
                Segment::Directive {
                    text: "for i in l".into(),
                    start: 10
                },
                Segment::Literal("- ".into()),
                Segment::Interp {
                    text: "i".into(),
                    start: 30
                },
                Segment::Directive {
                    text: "endfor".into(),
                    start: 37
                },
                Segment::Literal(" ${no}".into()),
            ])
        );
        assert!(segments("${x").is_err());
    }

    #[test]
    fn braces() {
        assert_eq!(closing_brace("a}", 0), Some(2));
        assert_eq!(closing_brace("{a = \"}\"}} x", 0), Some(10));
        assert_eq!(closing_brace("\"${x}\"}", 0), Some(7));
        assert_eq!(closing_brace("{", 0), None);
    }
}
