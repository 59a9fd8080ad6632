//! The canonical form of a stack file (`cairn fmt`).
//!
//! Only layout changes; what the file says, its comments and its order stay as written:
//!
//! - keys and values are written `key = value`, dotted keys and table headers without spaces
//!   (`a.b = 1`, `[aws_vpc.main]`), and nothing is indented but the inside of a list or table
//!   written over several lines;
//! - a list or inline table written on one line stays on one line (`[1, 2]`, `{ a = 1 }`);
//!   one written over several lines has one element per line, indented two spaces more than
//!   the line it opens on, each followed by a comma, the closing bracket on a line of its own.
//!   An inline table is laid out over several lines only when it already was (newlines inside
//!   `{ }` need TOML 1.1), so a TOML 1.0 file stays TOML 1.0;
//! - one blank line before every table header (and the comments right above it), none right
//!   after one, at most one anywhere else, none at the start or end; the file ends with one
//!   newline;
//! - comments stay where they are: on their own line, indented like what follows them, or
//!   after a value, where the comments of consecutive lines are aligned one space after the
//!   longest of those lines;
//! - strings, numbers, dates and keys keep their spelling (quotes, escapes, underscores);
//! - lines end in `\n`, except inside a multi-line string, whose `\r\n` is part of its value.
//!
//! Lines are never joined or split to fit a width. The result parses to the same TOML as the
//! input, which is checked each time: a file is never rewritten into something that means
//! something else.

use std::ops::Range;

use toml_parser::parser::{parse_document, Event, EventKind};
use toml_parser::Source;

/// Why a file could not be formatted: it is not valid TOML (`span` is where), or, a bug,
/// formatting would have changed what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub message: String,
    pub span: Range<usize>,
}

/// The canonical form of the TOML text `text`.
pub fn format(text: &str) -> Result<String, FormatError> {
    let before = parse(text)?;
    let mut events: Vec<Event> = Vec::new();
    let mut errors = Vec::new();
    let tokens = Source::new(text).lex().into_vec();
    parse_document(&tokens, &mut events, &mut errors);
    if !errors.is_empty() {
        return Err(FormatError {
            message: "cannot read this file's layout".into(),
            span: 0..0,
        });
    }
    let mut reader = Reader {
        text,
        events: &events,
        pos: 0,
    };
    let items = reader.document().ok_or_else(|| FormatError {
        message: "cannot read this file's layout".into(),
        span: 0..0,
    })?;
    let out = render(&normalize(items));
    match parse(&out) {
        Ok(after) if format!("{before:?}") == format!("{after:?}") => Ok(out),
        _ => Err(FormatError {
            message: "formatting would change what this file says (a bug in cairn fmt); \
                      the file is left as it is"
                .into(),
            span: 0..0,
        }),
    }
}

fn parse(text: &str) -> Result<toml::Table, FormatError> {
    text.parse::<toml::Table>().map_err(|e| FormatError {
        message: e.message().trim().to_string(),
        span: e.span().unwrap_or(0..0),
    })
}

/// A line of the document outside any value.
#[derive(Debug)]
enum Top<'a> {
    Blank,
    Comment(&'a str),
    Header {
        array: bool,
        key: String,
        comment: Option<&'a str>,
    },
    Entry {
        key: String,
        value: Value<'a>,
        comment: Option<&'a str>,
    },
}

#[derive(Debug)]
enum Value<'a> {
    /// A string, number, bool or date, as written.
    Scalar(&'a str),
    Array(Container<'a>),
    Table(Container<'a>),
}

/// The inside of a list or an inline table.
#[derive(Debug)]
struct Container<'a> {
    /// Laid out one element per line.
    broken: bool,
    /// The text spans lines (at any depth, outside strings).
    multiline: bool,
    /// A comment right after the opening bracket.
    open_comment: Option<&'a str>,
    items: Vec<Item<'a>>,
}

#[derive(Debug)]
enum Item<'a> {
    Blank,
    Comment(&'a str),
    Element {
        /// `Some` in an inline table.
        key: Option<String>,
        value: Value<'a>,
        comment: Option<&'a str>,
    },
}

/// Reads the parser's events (every token, whitespace and comments included) into lines.
struct Reader<'a, 'e> {
    text: &'a str,
    events: &'e [Event],
    pos: usize,
}

impl<'a> Reader<'a, '_> {
    fn next(&mut self) -> Option<Event> {
        let e = self.events.get(self.pos).copied();
        self.pos += 1;
        e
    }

    fn raw(&self, e: &Event) -> &'a str {
        let span = e.span();
        &self.text[span.start()..span.end()]
    }

    fn comment(&self, e: &Event) -> &'a str {
        self.raw(e).trim_end()
    }

    fn document(&mut self) -> Option<Vec<Top<'a>>> {
        let mut items = Vec::new();
        // Nothing but whitespace on the current line so far.
        let mut line_empty = true;
        while let Some(e) = self.next() {
            match e.kind() {
                EventKind::Whitespace => {}
                EventKind::Newline => {
                    if line_empty {
                        items.push(Top::Blank);
                    }
                    line_empty = true;
                }
                EventKind::Comment => {
                    let text = self.comment(&e);
                    let trailing = match items.last_mut() {
                        Some(Top::Header { comment, .. } | Top::Entry { comment, .. })
                            if !line_empty && comment.is_none() =>
                        {
                            *comment = Some(text);
                            true
                        }
                        _ => false,
                    };
                    if !trailing {
                        items.push(Top::Comment(text));
                    }
                    line_empty = false;
                }
                EventKind::StdTableOpen | EventKind::ArrayTableOpen => {
                    let array = e.kind() == EventKind::ArrayTableOpen;
                    let key = self.key(&[EventKind::StdTableClose, EventKind::ArrayTableClose])?;
                    items.push(Top::Header {
                        array,
                        key,
                        comment: None,
                    });
                    line_empty = false;
                }
                EventKind::SimpleKey => {
                    self.pos -= 1;
                    let key = self.key(&[EventKind::KeyValSep])?;
                    let value = self.value()?;
                    items.push(Top::Entry {
                        key,
                        value,
                        comment: None,
                    });
                    line_empty = false;
                }
                _ => return None,
            }
        }
        Some(items)
    }

    /// A key (dotted or not) up to and including the event of kind `end`.
    fn key(&mut self, end: &[EventKind]) -> Option<String> {
        let mut parts: Vec<&str> = Vec::new();
        loop {
            let e = self.next()?;
            match e.kind() {
                EventKind::SimpleKey => parts.push(self.raw(&e)),
                EventKind::KeySep | EventKind::Whitespace => {}
                k if end.contains(&k) => break,
                _ => return None,
            }
        }
        if parts.is_empty() || parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        Some(parts.join("."))
    }

    /// The value after `=` (leading whitespace skipped).
    fn value(&mut self) -> Option<Value<'a>> {
        loop {
            let e = self.next()?;
            return match e.kind() {
                EventKind::Whitespace => continue,
                EventKind::Scalar => Some(Value::Scalar(self.raw(&e))),
                EventKind::ArrayOpen => Some(Value::Array(self.container(false)?)),
                EventKind::InlineTableOpen => Some(Value::Table(self.container(true)?)),
                _ => None,
            };
        }
    }

    /// The inside of a list (`keyed` false) or an inline table, after its opening bracket.
    fn container(&mut self, keyed: bool) -> Option<Container<'a>> {
        let close = if keyed {
            EventKind::InlineTableClose
        } else {
            EventKind::ArrayClose
        };
        let mut c = Container {
            broken: false,
            multiline: false,
            open_comment: None,
            items: Vec::new(),
        };
        let mut direct_newline = false;
        // Still on the line of the opening bracket or of the last element.
        let mut same_line = true;
        let mut last_element: Option<usize> = None;
        let mut newlines = 0;
        loop {
            let e = self.next()?;
            match e.kind() {
                EventKind::Whitespace | EventKind::ValueSep => {}
                EventKind::Newline => {
                    direct_newline = true;
                    same_line = false;
                    newlines += 1;
                }
                EventKind::Comment => {
                    direct_newline = true;
                    let text = self.comment(&e);
                    if same_line {
                        match last_element.map(|i| &mut c.items[i]) {
                            Some(Item::Element { comment, .. }) => {
                                *comment = Some(join_comment(*comment, text));
                            }
                            _ => c.open_comment = Some(join_comment(c.open_comment, text)),
                        }
                    } else {
                        if newlines > 1 && !c.items.is_empty() {
                            c.items.push(Item::Blank);
                        }
                        c.items.push(Item::Comment(text));
                        last_element = None;
                    }
                    newlines = 0;
                }
                k if k == close => break,
                k => {
                    let key = if keyed {
                        if k != EventKind::SimpleKey {
                            return None;
                        }
                        self.pos -= 1;
                        Some(self.key(&[EventKind::KeyValSep])?)
                    } else {
                        self.pos -= 1;
                        None
                    };
                    let value = self.value()?;
                    if let Value::Array(inner) | Value::Table(inner) = &value {
                        c.multiline |= inner.multiline;
                    }
                    if newlines > 1 && !c.items.is_empty() {
                        c.items.push(Item::Blank);
                    }
                    c.items.push(Item::Element {
                        key,
                        value,
                        comment: None,
                    });
                    last_element = Some(c.items.len() - 1);
                    same_line = true;
                    newlines = 0;
                }
            }
        }
        c.multiline |= direct_newline;
        // A list may always span lines; an inline table only in TOML 1.1, so only when it
        // already did.
        c.broken = if keyed { direct_newline } else { c.multiline };
        Some(c)
    }
}

fn join_comment<'a>(old: Option<&'a str>, new: &'a str) -> &'a str {
    // Two comments cannot end the same line: keep the first (cannot happen in valid TOML).
    old.unwrap_or(new)
}

/// Blank lines where the canonical form has them.
fn normalize(items: Vec<Top<'_>>) -> Vec<Top<'_>> {
    let mut out: Vec<Top<'_>> = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Top::Blank => {
                if !matches!(out.last(), None | Some(Top::Blank | Top::Header { .. })) {
                    out.push(Top::Blank);
                }
            }
            Top::Header { .. } => {
                // Before the comments right above the header.
                let mut at = out.len();
                while at > 0 && matches!(out[at - 1], Top::Comment(_)) {
                    at -= 1;
                }
                if at > 0 && !matches!(out[at - 1], Top::Blank) {
                    out.insert(at, Top::Blank);
                }
                out.push(item);
            }
            _ => out.push(item),
        }
    }
    while matches!(out.last(), Some(Top::Blank)) {
        out.pop();
    }
    out
}

/// One output line: its text, and the comment that ends it.
#[derive(Default)]
struct Line<'a> {
    text: String,
    comment: Option<&'a str>,
}

#[derive(Default)]
struct Writer<'a> {
    lines: Vec<Line<'a>>,
    cur: Line<'a>,
}

impl<'a> Writer<'a> {
    fn newline(&mut self, indent: usize) {
        let line = std::mem::take(&mut self.cur);
        self.lines.push(line);
        self.cur.text = "  ".repeat(indent);
    }

    fn push(&mut self, s: &str) {
        self.cur.text.push_str(s);
    }

    fn comment(&mut self, c: &'a str) {
        self.cur.comment = Some(join_comment(self.cur.comment, c));
    }

    fn value(&mut self, v: &Value<'a>, indent: usize) {
        let (c, open, close, pad) = match v {
            Value::Scalar(raw) => return self.push(raw),
            Value::Array(c) => (c, "[", "]", ""),
            Value::Table(c) => (c, "{", "}", " "),
        };
        if c.items.is_empty() && c.open_comment.is_none() {
            self.push(open);
            self.push(close);
        } else if !c.broken {
            self.push(open);
            self.push(pad);
            let mut first = true;
            for item in &c.items {
                if let Item::Element { key, value, .. } = item {
                    if !first {
                        self.push(", ");
                    }
                    first = false;
                    if let Some(k) = key {
                        self.push(k);
                        self.push(" = ");
                    }
                    self.value(value, indent);
                }
            }
            self.push(pad);
            self.push(close);
        } else {
            self.push(open);
            if let Some(comment) = c.open_comment {
                self.comment(comment);
            }
            for item in &c.items {
                match item {
                    Item::Blank => self.newline(0),
                    Item::Comment(text) => {
                        self.newline(indent + 1);
                        self.push(text);
                    }
                    Item::Element {
                        key,
                        value,
                        comment,
                    } => {
                        self.newline(indent + 1);
                        if let Some(k) = key {
                            self.push(k);
                            self.push(" = ");
                        }
                        self.value(value, indent + 1);
                        self.push(",");
                        if let Some(comment) = comment {
                            self.comment(comment);
                        }
                    }
                }
            }
            self.newline(indent);
            self.push(close);
        }
    }
}

fn render(items: &[Top<'_>]) -> String {
    let mut w = Writer::default();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.newline(0);
        }
        match item {
            Top::Blank => {}
            Top::Comment(text) => w.push(text),
            Top::Header {
                array,
                key,
                comment,
            } => {
                let (open, close) = if *array { ("[[", "]]") } else { ("[", "]") };
                w.push(open);
                w.push(key);
                w.push(close);
                if let Some(c) = comment {
                    w.comment(c);
                }
            }
            Top::Entry {
                key,
                value,
                comment,
            } => {
                w.push(key);
                w.push(" = ");
                w.value(value, 0);
                if let Some(c) = comment {
                    w.comment(c);
                }
            }
        }
    }
    if items.is_empty() {
        return String::new();
    }
    let last = std::mem::take(&mut w.cur);
    w.lines.push(last);

    // Comments that end consecutive lines start in one column.
    let width = |l: &Line<'_>| l.text.rsplit('\n').next().unwrap_or("").chars().count();
    let mut out = String::new();
    let mut i = 0;
    while i < w.lines.len() {
        let mut end = i;
        while end < w.lines.len() && w.lines[end].comment.is_some() {
            end += 1;
        }
        if end == i {
            out.push_str(&w.lines[i].text);
            out.push('\n');
            i += 1;
            continue;
        }
        let column = w.lines[i..end].iter().map(width).max().unwrap_or(0);
        for line in &w.lines[i..end] {
            out.push_str(&line.text);
            if !line.text.is_empty() {
                out.push_str(&" ".repeat(column - width(line) + 1));
            }
            out.push_str(line.comment.unwrap_or_default());
            out.push('\n');
        }
        i = end;
    }
    out
}
