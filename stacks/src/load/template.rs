//! `templatefile`: a template file rendered with its variables — `${...}` interpolations
//! (any expression; bare names are the template's variables) and the `%{ if }`/`%{ else }`/
//! `%{ endif }` and `%{ for x in xs }`/`%{ for k, v in m }`/`%{ endfor }` directives, whose
//! conditions and collections must be known while planning.

use std::collections::BTreeMap;

use cairn_model::functions;
use cairn_model::{AttrType, Expr, Part, Value};

use super::compute::Site;
use super::{fold_template, Loader, Scope};
use crate::expression::{self, Segment, StrPart};
use crate::syntax::Node;

/// A directive, as far as rendering needs it.
enum Directive<'t> {
    If(&'t str),
    Else,
    EndIf,
    For {
        key: Option<&'t str>,
        value: &'t str,
        collection: &'t str,
    },
    EndFor,
}

impl Loader<'_> {
    /// The rendered template `text` (the content of `node`'s file).
    pub(super) fn template_file(
        &mut self,
        node: &Node,
        text: &str,
        vars: &BTreeMap<String, Expr>,
        scope: &Scope<'_>,
    ) -> Option<(Expr, AttrType)> {
        let segments = match expression::segments(text) {
            Ok(s) => s,
            Err(e) => {
                self.error(node.file, &e.span, e.message, "here", e.help);
                return None;
            }
        };
        let mut parts = Vec::new();
        self.render(node, &segments, vars, scope, &mut parts)?;
        Some((fold_template(parts), AttrType::String))
    }

    fn render(
        &mut self,
        node: &Node,
        segments: &[Segment],
        vars: &BTreeMap<String, Expr>,
        scope: &Scope<'_>,
        out: &mut Vec<Part>,
    ) -> Option<()> {
        let mut i = 0;
        while let Some(segment) = segments.get(i) {
            match segment {
                Segment::Literal(l) => out.push(Part::Literal(l.clone())),
                Segment::Interp { text, start } => {
                    let site = Site {
                        node,
                        base: *start,
                        vars: Some(vars),
                    };
                    let ast = self.template_ast(&site, text)?;
                    let (expr, _) = self.quoted_one(&site, ast, scope)?;
                    match expr {
                        Expr::Value(Value::String(s)) => out.push(Part::Literal(s)),
                        Expr::Template(parts) => out.extend(parts),
                        other => out.push(Part::Expr(Box::new(other))),
                    }
                }
                Segment::Directive { text, start } => {
                    i = self.directive(node, segments, i, text, *start, vars, scope, out)?;
                }
            }
            i += 1;
        }
        Some(())
    }

    fn template_ast(&mut self, site: &Site<'_>, text: &str) -> Option<expression::Ast> {
        match expression::parse(text) {
            Ok(a) => Some(a),
            Err(e) => {
                let span = site.base + e.span.start..site.base + e.span.end;
                self.error(site.node.file, &span, e.message, "here", e.help);
                None
            }
        }
    }

    /// An interpolation as a piece of text.
    fn quoted_one(
        &mut self,
        site: &Site<'_>,
        ast: expression::Ast,
        scope: &Scope<'_>,
    ) -> Option<(Expr, AttrType)> {
        self.quoted(site, &[StrPart::Interp(ast)], scope)
    }

    /// Renders the directive at `segments[i]` and what it encloses; the index of its last
    /// segment (its `endif`/`endfor`).
    #[allow(clippy::too_many_arguments)]
    fn directive(
        &mut self,
        node: &Node,
        segments: &[Segment],
        i: usize,
        text: &str,
        start: usize,
        vars: &BTreeMap<String, Expr>,
        scope: &Scope<'_>,
        out: &mut Vec<Part>,
    ) -> Option<usize> {
        let span = start..start + text.len();
        let Some(directive) = parse_directive(text) else {
            let message = format!("`%{{ {text} }}` is not a directive");
            let help = "directives are `if COND`, `else`, `endif`, `for X in LIST`, `for K, V in MAP` and `endfor`";
            self.error(node.file, &span, message, "here", Some(help.into()));
            return None;
        };
        let (end, middle) = match &directive {
            Directive::If(_) | Directive::For { .. } => match matching_end(segments, i) {
                Some(found) => found,
                None => {
                    let closing = if matches!(directive, Directive::If(_)) {
                        "endif"
                    } else {
                        "endfor"
                    };
                    let message = format!("`%{{ {text} }}` has no `%{{ {closing} }}`");
                    self.error(node.file, &span, message, "opened here", None);
                    return None;
                }
            },
            _ => {
                let message = format!("`%{{ {text} }}` closes nothing");
                self.error(node.file, &span, message, "here", None);
                return None;
            }
        };
        let site = Site {
            node,
            base: start,
            vars: Some(vars),
        };
        match directive {
            Directive::If(cond) => {
                let base = start + (text.len() - cond.len());
                let site = Site { base, ..site };
                let ast = self.template_ast(&site, cond)?;
                let (value, _) = self.compute(&site, &ast, scope)?;
                let truth = match &value {
                    Expr::Value(v) => functions::condition(v).ok().flatten(),
                    _ => None,
                };
                let Some(truth) = truth else {
                    let message =
                        format!("the condition `{cond}` must be a bool known while planning");
                    self.error(node.file, &(base..base + cond.len()), message, "here", None);
                    return None;
                };
                let (then, otherwise) = match middle {
                    Some(m) => (&segments[i + 1..m], &segments[m + 1..end]),
                    None => (&segments[i + 1..end], &segments[end..end]),
                };
                self.render(node, if truth { then } else { otherwise }, vars, scope, out)?;
            }
            Directive::For {
                key,
                value,
                collection,
            } => {
                let base = start + (text.len() - collection.len());
                let site = Site { base, ..site };
                let ast = self.template_ast(&site, collection)?;
                let (items, _) = self.compute(&site, &ast, scope)?;
                let pairs: Vec<(Value, Expr)> = match items {
                    Expr::Value(Value::List(l)) => (0..)
                        .map(Value::from)
                        .zip(l.into_iter().map(Expr::Value))
                        .collect(),
                    Expr::List(l) => (0..).map(Value::from).zip(l).collect(),
                    Expr::Value(Value::Map(m)) => m
                        .into_iter()
                        .map(|(k, v)| (Value::String(k), Expr::Value(v)))
                        .collect(),
                    Expr::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
                    _ => {
                        let message =
                            format!("`{collection}` must be a list or map known while planning");
                        self.error(
                            node.file,
                            &(base..base + collection.len()),
                            message,
                            "here",
                            None,
                        );
                        return None;
                    }
                };
                let body = &segments[i + 1..end];
                for (k, v) in pairs {
                    let mut inner = vars.clone();
                    inner.insert(value.to_string(), v);
                    if let Some(key) = key {
                        inner.insert(key.to_string(), Expr::Value(k));
                    }
                    self.render(node, body, &inner, scope, out)?;
                }
            }
            _ => {}
        }
        Some(end)
    }
}

fn parse_directive(text: &str) -> Option<Directive<'_>> {
    let name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match text {
        "else" => return Some(Directive::Else),
        "endif" => return Some(Directive::EndIf),
        "endfor" => return Some(Directive::EndFor),
        _ => {}
    }
    if let Some(cond) = text.strip_prefix("if ") {
        return Some(Directive::If(cond.trim()));
    }
    let rest = text.strip_prefix("for ")?;
    let (names, collection) = rest.split_once(" in ")?;
    let (key, value) = match names.split_once(',') {
        Some((k, v)) => (Some(k.trim()), v.trim()),
        None => (None, names.trim()),
    };
    (name(value) && key.is_none_or(name)).then(|| Directive::For {
        key,
        value,
        collection: collection.trim(),
    })
}

/// The index of the `endif`/`endfor` closing the directive at `open`, and of its `else`.
fn matching_end(segments: &[Segment], open: usize) -> Option<(usize, Option<usize>)> {
    let mut depth = 0usize;
    let mut middle = None;
    for (i, segment) in segments.iter().enumerate().skip(open) {
        let Segment::Directive { text, .. } = segment else {
            continue;
        };
        match parse_directive(text) {
            Some(Directive::If(_) | Directive::For { .. }) => depth += 1,
            Some(Directive::Else) if depth == 1 => middle = Some(i),
            Some(Directive::EndIf | Directive::EndFor) => {
                depth -= 1;
                if depth == 0 {
                    return Some((i, middle));
                }
            }
            _ => {}
        }
    }
    None
}
