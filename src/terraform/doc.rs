//! The stack files `cairn import --from-terraform` writes, as tables of items that can still
//! be changed (an item whose expression cairn cannot compute, or computes to something other
//! than what exists, is replaced by the value that exists) and then rendered, with the lines
//! each item takes, so that an error the loader reports on a line finds its item.

use std::fmt::Write as _;

use crate::adopt::{comment_text, quote, Tv};

/// One `key = value` line (or lines).
#[derive(Clone, Debug)]
pub struct Item {
    pub key: String,
    /// The TOML value, rendered.
    pub value: String,
    /// Comment lines written above it.
    pub comments: Vec<String>,
    /// The Terraform expression it was converted from, if any (named when it falls back).
    pub origin: Option<String>,
    /// Written commented out (a setting cairn does not have).
    pub disabled: bool,
}

impl Item {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Item {
            key: key.into(),
            value: value.into(),
            comments: Vec::new(),
            origin: None,
            disabled: false,
        }
    }
}

/// What a table is.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `[stack]`, `[provider.aws]`, `[locals]`, `[module.x]`, …: written as converted.
    Plain,
    /// `[variable.x]`.
    Variable(String),
    /// `[output.x]`.
    Output(String),
    /// `[locals]`.
    Locals,
    /// A resource: the index of its declaration.
    Resource(usize),
    /// A data source: its Terraform address.
    Data(String),
}

/// One table.
#[derive(Clone, Debug)]
pub struct Table {
    pub header: String,
    pub kind: Kind,
    pub comments: Vec<String>,
    pub items: Vec<Item>,
    /// Comment lines after the items.
    pub trailing: Vec<String>,
    /// Written commented out as a whole (a data source cairn does not have).
    pub disabled: bool,
}

impl Table {
    pub fn new(header: impl Into<String>, kind: Kind) -> Self {
        Table {
            header: header.into(),
            kind,
            comments: Vec::new(),
            items: Vec::new(),
            trailing: Vec::new(),
            disabled: false,
        }
    }
}

/// A stack file.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    /// Comment lines at the top.
    pub header: Vec<String>,
    pub tables: Vec<Table>,
}

/// Where an item's lines are: (first line, last line, table, item), lines 1-based.
pub type Lines = Vec<(usize, usize, usize, Option<usize>)>;

impl Doc {
    /// The file's text, and which lines each table and item took.
    pub fn render(&self) -> (String, Lines) {
        let mut out = String::new();
        let mut lines: Lines = Vec::new();
        let line_no = |s: &str| s.matches('\n').count() + 1;
        for c in &self.header {
            let _ = writeln!(out, "# {}", comment_text(c));
        }
        for (t, table) in self.tables.iter().enumerate() {
            if !out.is_empty() {
                out.push('\n');
            }
            let off = if table.disabled { "# " } else { "" };
            for c in &table.comments {
                let _ = writeln!(out, "# {}", comment_text(c));
            }
            let first = line_no(&out);
            let _ = writeln!(out, "{off}[{}]", table.header);
            lines.push((first, first, t, None));
            for (i, item) in table.items.iter().enumerate() {
                for c in &item.comments {
                    let _ = writeln!(out, "# {}", comment_text(c));
                }
                let first = line_no(&out);
                let off = if table.disabled || item.disabled {
                    "# "
                } else {
                    ""
                };
                let text = format!("{} = {}", crate::adopt::key(&item.key), item.value);
                for line in text.lines() {
                    let _ = writeln!(out, "{off}{line}");
                }
                lines.push((first, line_no(&out) - 1, t, Some(i)));
            }
            for c in &table.trailing {
                let _ = writeln!(out, "# {}", comment_text(c));
            }
        }
        (out, lines)
    }
}

/// The table and item on `line`.
pub fn at_line(lines: &Lines, line: usize) -> Option<(usize, Option<usize>)> {
    lines
        .iter()
        .rev()
        .find(|(first, last, _, item)| {
            (*first..=*last).contains(&line) || (item.is_none() && *first == line)
        })
        .map(|(_, _, t, i)| (*t, *i))
}

/// A TOML string holding one expression: `'${...}'` when that needs no escapes.
pub fn expression(expr: &str) -> String {
    let text = format!("${{{expr}}}");
    if !text.contains('\'') && !text.contains('\n') && !text.contains('\r') {
        format!("'{text}'")
    } else {
        quote(&text, false)
    }
}

/// `t` as an expression in the stack language (a literal, or a reference).
pub fn expr_of(t: &Tv) -> String {
    match t {
        Tv::Str(s) => hcl_string(s),
        Tv::Ref(r) => r
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .unwrap_or(r)
            .to_string(),
        Tv::Scalar(v) => v.to_string(),
        Tv::Raw(r) => r.clone(),
        Tv::Arr(items) => format!(
            "[{}]",
            items.iter().map(expr_of).collect::<Vec<_>>().join(", ")
        ),
        Tv::Obj(fields) => format!(
            "{{ {} }}",
            fields
                .iter()
                .map(|(k, v)| format!("{} = {}", hcl_string(k), expr_of(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A quoted string in the expression language (`${` escaped as `$${`).
pub fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_found_by_their_lines() {
        let mut t = Table::new("aws_vpc.main", Kind::Resource(0));
        t.items.push(Item::new("cidr_block", "\"10.0.0.0/16\""));
        let mut tags = Item::new("tags", "{ Name = \"a\" }");
        tags.comments.push("was: local.tags".into());
        t.items.push(tags);
        let doc = Doc {
            header: vec!["imported".into()],
            tables: vec![Table::new("stack", Kind::Plain), t],
        };
        let (text, lines) = doc.render();
        assert_eq!(
            text,
            "# imported\n\n[stack]\n\n[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n# was: local.tags\ntags = { Name = \"a\" }\n"
        );
        assert_eq!(at_line(&lines, 6), Some((1, Some(0))));
        assert_eq!(at_line(&lines, 8), Some((1, Some(1))));
        assert_eq!(at_line(&lines, 5), Some((1, None)));
    }

    #[test]
    fn values_as_expressions() {
        let t = Tv::Arr(vec![
            Tv::Str("a${b}".into()),
            Tv::Ref("${aws_vpc.main.id}".into()),
            Tv::Scalar(serde_json::json!(3)),
        ]);
        assert_eq!(expr_of(&t), "[\"a$${b}\", aws_vpc.main.id, 3]");
        assert_eq!(expression("x[count.index]"), "'${x[count.index]}'");
    }
}
