//! Expressions beyond a single reference inside `${...}`: function calls, operators, the
//! conditional, indexes, list and object constructors, `try`/`can`, and the functions that
//! read files beside the stack (`file`, `templatefile`, `filemd5`, ...). Each becomes an
//! `Expr`, computed at once when everything it uses is known while loading; what uses a
//! resource's attribute is left for the engine, which computes it when that is known.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use cairn_model::functions::{self, BinaryOp, UnaryOp};
use cairn_model::{AttrType, Expr, Part, Value};

use super::expand::{descend, path_seg};
use super::{fold, fold_template, Loader, Scope};
use crate::diagnostics::suggestion;
use crate::expression::{self, Ast, AstKind, StrPart};
use crate::syntax::{self, Node, NodeKind, Step};
use crate::types::{self, article};

/// Where an expression is written: the string node, the offset of the parsed text in the
/// string's content, and — inside a template file — the template's variables.
#[derive(Clone, Copy)]
pub(super) struct Site<'a> {
    pub node: &'a Node,
    pub base: usize,
    pub vars: Option<&'a BTreeMap<String, Expr>>,
}

type Typed = (Expr, AttrType);

impl Loader<'_> {
    /// The inside of one `${...}`, starting at `start` in the string's content, whose whole
    /// `${...}` is at `range`: the expression it stands for and its type.
    pub(super) fn interpolation(
        &mut self,
        node: &Node,
        text: &str,
        start: usize,
        range: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let site = Site {
            node,
            base: start,
            vars: None,
        };
        let ast = self.parsed(&site, text)?;
        if let Some(reference) = ast.as_reference() {
            return self.reference(node, reference, range, scope);
        }
        self.compute(&site, &ast, scope)
    }

    fn parsed(&mut self, site: &Site<'_>, text: &str) -> Option<Ast> {
        match expression::parse(text) {
            Ok(ast) => Some(ast),
            Err(e) => {
                let span = self.site_span(site, &e.span);
                let help = e.help.or_else(|| {
                    text.contains('\'')
                        .then(|| "strings in expressions take double quotes".to_string())
                });
                self.error(site.node.file, &span, e.message, "here", help);
                None
            }
        }
    }

    /// The span in the file of `span` (relative to the parsed text).
    fn site_span(&self, site: &Site<'_>, span: &Range<usize>) -> Range<usize> {
        self.inner_span(site.node, &(site.base + span.start..site.base + span.end))
    }

    fn site_error(
        &mut self,
        site: &Site<'_>,
        span: &Range<usize>,
        message: String,
        help: Option<String>,
    ) {
        let span = self.site_span(site, span);
        self.error(site.node.file, &span, message, "here", help);
    }

    /// One expression: computed when all it uses is known, else kept for the engine.
    pub(super) fn compute(
        &mut self,
        site: &Site<'_>,
        ast: &Ast,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let value = |v: Value, t: AttrType| Some((Expr::Value(v), t));
        match &ast.kind {
            AstKind::Null => value(Value::Null, AttrType::Any),
            AstKind::Bool(b) => value(Value::Bool(*b), AttrType::Bool),
            AstKind::Number(n) => value(Value::Number(n.clone()), AttrType::Number),
            AstKind::Str(parts) => self.quoted(site, parts, scope),
            AstKind::Reference(text) => self.site_reference(site, text, &ast.span, scope),
            AstKind::Call {
                name,
                name_span,
                args,
            } => self.call(site, name, name_span, args, &ast.span, scope),
            AstKind::Unary(op, operand) => {
                let (e, _) = self.compute(site, operand, scope)?;
                let ty = match op {
                    UnaryOp::Not => AttrType::Bool,
                    UnaryOp::Neg => AttrType::Number,
                };
                let expr = Expr::Unary(*op, Box::new(e));
                self.folded(site, &ast.span, expr, ty, None)
            }
            AstKind::Binary(op, left, right) => {
                let l = self.compute(site, left, scope);
                let r = self.compute(site, right, scope);
                let ((l, _), (r, _)) = (l?, r?);
                let ty = match op {
                    BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Mod => AttrType::Number,
                    _ => AttrType::Bool,
                };
                let expr = Expr::Binary(*op, Box::new(l), Box::new(r));
                self.folded(site, &ast.span, expr, ty, None)
            }
            AstKind::Conditional(cond, then, otherwise) => {
                self.conditional(site, cond, then, otherwise, &ast.span, scope)
            }
            AstKind::Index(base, key) => {
                let b = self.compute(site, base, scope);
                let k = self.compute(site, key, scope);
                let ((b, _), (k, _)) = (b?, k?);
                let expr = Expr::Index(Box::new(b), Box::new(k));
                self.folded(site, &ast.span, expr, AttrType::Any, None)
            }
            AstKind::List(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for item in items {
                    match self.compute(site, item, scope) {
                        Some((e, _)) => out.push(e),
                        None => ok = false,
                    }
                }
                ok.then(|| {
                    (
                        fold(Expr::List(out)),
                        AttrType::List(Box::new(AttrType::Any)),
                    )
                })
            }
            AstKind::Object(items) => {
                let mut out = BTreeMap::new();
                let mut ok = true;
                for (key, _, item) in items {
                    match self.compute(site, item, scope) {
                        Some((e, _)) => {
                            out.insert(key.clone(), e);
                        }
                        None => ok = false,
                    }
                }
                ok.then(|| (fold(Expr::Map(out)), AttrType::Map(Box::new(AttrType::Any))))
            }
        }
    }

    /// An expression computed now when it uses nothing unknown; an error located at `span`
    /// (with the function's signature, for a call) when computing it fails.
    fn folded(
        &mut self,
        site: &Site<'_>,
        span: &Range<usize>,
        expr: Expr,
        ty: AttrType,
        signature: Option<&str>,
    ) -> Option<Typed> {
        if !expr.references().is_empty() || !computable(&expr) {
            return Some((expr, ty));
        }
        match expr.eval(&|_| Err("no references here".into())) {
            Ok(v) => {
                let ty = if matches!(ty, AttrType::Any) {
                    type_of(&v)
                } else {
                    ty
                };
                Some((Expr::Value(v), ty))
            }
            Err(message) => {
                let help = signature.map(|s| format!("the signature is `{s}`"));
                self.site_error(site, span, message, help);
                None
            }
        }
    }

    /// A quoted string inside an expression: literal text and interpolations.
    pub(super) fn quoted(
        &mut self,
        site: &Site<'_>,
        parts: &[StrPart],
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let mut out = Vec::new();
        let mut ok = true;
        for part in parts {
            match part {
                StrPart::Literal(l) => out.push(Part::Literal(l.clone())),
                StrPart::Interp(ast) => match self.compute(site, ast, scope) {
                    Some((Expr::Value(v), _)) => match v.interpolated() {
                        Some(text) => out.push(Part::Literal(text)),
                        None if v == Value::Unknown => {
                            out.push(Part::Expr(Box::new(Expr::Value(v))))
                        }
                        None => {
                            ok = false;
                            let message = format!("cannot put {} into a string", types::kind(&v));
                            self.site_error(site, &ast.span, message, None);
                        }
                    },
                    Some((Expr::Ref(r), ty)) if !is_collection(&ty) => out.push(Part::Ref(r)),
                    Some((Expr::Template(inner), _)) => out.extend(inner),
                    Some((e, ty)) if !is_collection(&ty) => out.push(Part::Expr(Box::new(e))),
                    Some((_, ty)) => {
                        ok = false;
                        let message = format!("cannot put {} into a string", article(&ty));
                        self.site_error(site, &ast.span, message, None);
                    }
                    None => ok = false,
                },
            }
        }
        ok.then(|| (fold_template(out), AttrType::String))
    }

    /// A reference inside an expression: to the stack (`var.x`, `aws_vpc.main.id`), or in a
    /// template file to one of its variables.
    fn site_reference(
        &mut self,
        site: &Site<'_>,
        text: &str,
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let range = site.base + span.start..site.base + span.end;
        let Some(vars) = site.vars else {
            return self.reference(site.node, text, &range, scope);
        };
        let steps = match syntax::steps(text) {
            Ok(steps) => steps,
            Err(message) => {
                self.site_error(site, span, message, None);
                return None;
            }
        };
        let Some((Step::Name(name), rest)) = steps.split_first() else {
            self.site_error(site, span, format!("`{text}` is not a reference"), None);
            return None;
        };
        let Some(bound) = vars.get(name) else {
            let help = suggestion(name, vars.keys().map(String::as_str)).or_else(|| {
                let names: Vec<&str> = vars.keys().map(String::as_str).collect();
                Some(format!(
                    "the template's variables are: {}",
                    names.join(", ")
                ))
            });
            self.site_error(
                site,
                span,
                format!("the template has no variable `{name}`"),
                help,
            );
            return None;
        };
        let path: Option<Vec<_>> = rest.iter().map(path_seg).collect();
        match path.and_then(|p| descend(bound, &p)) {
            Some(e) => {
                let ty = match &e {
                    Expr::Value(v) => type_of(v),
                    _ => AttrType::Any,
                };
                Some((e, ty))
            }
            None => {
                self.site_error(
                    site,
                    span,
                    format!("`{text}` does not exist in the value"),
                    None,
                );
                None
            }
        }
    }

    /// `cond ? then : otherwise`: when the condition is known, only the branch taken.
    fn conditional(
        &mut self,
        site: &Site<'_>,
        cond: &Ast,
        then: &Ast,
        otherwise: &Ast,
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let (c, _) = self.compute(site, cond, scope)?;
        if let Expr::Value(v) = &c {
            return match functions::condition(v) {
                Ok(Some(true)) => self.compute(site, then, scope),
                Ok(Some(false)) => self.compute(site, otherwise, scope),
                Ok(None) => self.both(site, c, then, otherwise, span, scope),
                Err(message) => {
                    self.site_error(site, &cond.span, format!("the condition: {message}"), None);
                    None
                }
            };
        }
        self.both(site, c, then, otherwise, span, scope)
    }

    fn both(
        &mut self,
        site: &Site<'_>,
        cond: Expr,
        then: &Ast,
        otherwise: &Ast,
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let t = self.compute(site, then, scope);
        let e = self.compute(site, otherwise, scope);
        let ((t, tt), (e, et)) = (t?, e?);
        let ty = if tt == et { tt } else { AttrType::Any };
        let expr = Expr::Conditional(Box::new(cond), Box::new(t), Box::new(e));
        self.folded(site, span, expr, ty, None)
    }

    /// A function call.
    fn call(
        &mut self,
        site: &Site<'_>,
        name: &str,
        name_span: &Range<usize>,
        args: &[Ast],
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let Some(signature) = functions::signature(name) else {
            let help = crate::terraform::function(name)
                .map(str::to_string)
                .or_else(|| suggestion(name, functions::names()))
                .or_else(|| Some("`cairn schema functions` lists the functions".into()));
            self.site_error(
                site,
                name_span,
                format!("there is no function `{name}`"),
                help,
            );
            return None;
        };
        match name {
            "try" => return self.attempt(site, args, span, scope),
            "can" => return self.can(site, args, span, scope),
            "file" | "filemd5" | "filebase64" | "filebase64sha256" | "templatefile" => {
                return self.file_call(site, name, args, span, scope)
            }
            _ => {}
        }
        let mut out = Vec::new();
        let mut ok = true;
        for arg in args {
            match self.compute(site, arg, scope) {
                Some((e, _)) => out.push(e),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let ty = match functions::returns(name) {
            Some("string") => AttrType::String,
            Some("number") => AttrType::Number,
            Some("bool") => AttrType::Bool,
            Some("list") => AttrType::List(Box::new(AttrType::Any)),
            Some("map") => AttrType::Map(Box::new(AttrType::Any)),
            _ => AttrType::Any,
        };
        self.folded(
            site,
            span,
            Expr::Call(name.to_string(), out),
            ty,
            Some(signature),
        )
    }

    /// `try(a, b, ...)`: the first argument that resolves without an error; what can only
    /// be tried once resources are known is left to the engine.
    fn attempt(
        &mut self,
        site: &Site<'_>,
        args: &[Ast],
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let mut pending: Vec<Typed> = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            let mark = self.diags.len();
            let last = i + 1 == args.len();
            match self.compute(site, arg, scope) {
                Some((Expr::Value(v), ty)) if pending.is_empty() => {
                    return Some((Expr::Value(v), ty))
                }
                Some(typed) => pending.push(typed),
                None if last && pending.is_empty() => return None,
                None => self.diags.truncate(mark),
            }
        }
        if pending.is_empty() {
            self.site_error(
                site,
                span,
                "`try` needs at least one expression".into(),
                None,
            );
            return None;
        }
        let ty = pending[0].1.clone();
        let ty = if pending.iter().all(|(_, t)| *t == ty) {
            ty
        } else {
            AttrType::Any
        };
        if pending.len() == 1 {
            return pending.pop();
        }
        Some((Expr::Try(pending.into_iter().map(|(e, _)| e).collect()), ty))
    }

    /// `can(x)`: whether `x` resolves without an error.
    fn can(
        &mut self,
        site: &Site<'_>,
        args: &[Ast],
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let [arg] = args else {
            let message = format!("`can` takes 1 argument, got {}", args.len());
            self.site_error(
                site,
                span,
                message,
                Some("the signature is `can(expression) → bool`".into()),
            );
            return None;
        };
        let mark = self.diags.len();
        let ok = self.compute(site, arg, scope).is_some();
        self.diags.truncate(mark);
        Some((Expr::Value(Value::Bool(ok)), AttrType::Bool))
    }

    /// `file`, `filemd5`, `filebase64`, `filebase64sha256` and `templatefile`: a file
    /// relative to the directory of the stack file (or module file) the call is written in.
    fn file_call(
        &mut self,
        site: &Site<'_>,
        name: &str,
        args: &[Ast],
        span: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Typed> {
        let signature = functions::signature(name).unwrap_or(name);
        let wanted = if name == "templatefile" { 2 } else { 1 };
        if args.len() != wanted {
            let message = format!(
                "`{name}` takes {wanted} argument{}, got {}",
                if wanted == 1 { "" } else { "s" },
                args.len()
            );
            self.site_error(
                site,
                span,
                message,
                Some(format!("the signature is `{signature}`")),
            );
            return None;
        }
        let (path_expr, _) = self.compute(site, &args[0], scope)?;
        let Expr::Value(Value::String(path)) = path_expr else {
            let message = format!("the path of `{name}` must be a string known while planning");
            self.site_error(site, &args[0].span, message, None);
            return None;
        };
        let dir = self
            .files
            .get(site.node.file)
            .and_then(|(f, _)| f.parent().map(PathBuf::from))
            .unwrap_or_default();
        let full = dir.join(&path);
        let bytes = match std::fs::read(&full) {
            Ok(b) => b,
            Err(e) => {
                let message = format!("cannot read `{}`: {e}", full.display());
                let help =
                    Some("paths are relative to the directory of the file that names them".into());
                self.site_error(site, &args[0].span, message, help);
                return None;
            }
        };
        let digest = |f: &str| functions::digest(f, &bytes);
        let text = match name {
            "filemd5" => {
                return Some((Expr::Value(Value::String(digest("md5"))), AttrType::String))
            }
            "filebase64" => {
                return Some((
                    Expr::Value(Value::String(digest("base64"))),
                    AttrType::String,
                ))
            }
            "filebase64sha256" => {
                return Some((
                    Expr::Value(Value::String(digest("base64sha256"))),
                    AttrType::String,
                ))
            }
            _ => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    let message = format!("`{}` is not UTF-8 text", full.display());
                    let help = Some("`filebase64` reads binary files".into());
                    self.site_error(site, &args[0].span, message, help);
                    return None;
                }
            },
        };
        if name == "file" {
            return Some((Expr::Value(Value::String(text)), AttrType::String));
        }
        let (vars, _) = self.compute(site, &args[1], scope)?;
        let vars: BTreeMap<String, Expr> = match vars {
            Expr::Value(Value::Map(m)) => m.into_iter().map(|(k, v)| (k, Expr::Value(v))).collect(),
            Expr::Map(m) => m,
            _ => {
                let message =
                    "the variables of `templatefile` must be an object (`{ name = value }`)"
                        .to_string();
                self.site_error(site, &args[1].span, message, None);
                return None;
            }
        };
        let file = self.add_file(display(&full), text.clone());
        let node = Node {
            file,
            span: 0..text.len(),
            kind: NodeKind::Str(text.clone()),
        };
        self.template_file(&node, &text, &vars, scope)
    }
}

/// `expr` converted to `ty` where Terraform converts implicitly — a number or bool where a
/// string goes; when known, a numeric string where a number goes and "true"/"false" where
/// a bool goes — with the type it then has; else as it is.
pub(super) fn converted(expr: Expr, actual: AttrType, ty: &AttrType) -> (Expr, AttrType) {
    use AttrType as T;
    let function = match (ty, &actual) {
        (T::String, T::Number | T::Bool) => "tostring",
        (T::Number, T::String) => "tonumber",
        (T::Bool, T::String) => "tobool",
        _ => return (expr, actual),
    };
    match expr {
        Expr::Value(v) => match functions::call(function, vec![v.clone()]) {
            Ok(converted) => (Expr::Value(converted), ty.clone()),
            Err(_) => (Expr::Value(v), actual),
        },
        // A resource's attribute of another type: a number or bool always reads as a
        // string; a string attribute where a number or bool goes is a mistake to report.
        other if function == "tostring" => {
            (Expr::Call(function.to_string(), vec![other]), ty.clone())
        }
        other => (other, actual),
    }
}

/// Whether computing `expr` now could fail only on what a user wrote (not on a reference).
fn computable(expr: &Expr) -> bool {
    !matches!(expr, Expr::Value(Value::Unknown))
}

fn is_collection(ty: &AttrType) -> bool {
    matches!(
        ty,
        AttrType::List(_) | AttrType::Set(_) | AttrType::Map(_) | AttrType::Object(_)
    )
}

/// The type a computed value has, for the checks of where it is used.
pub(super) fn type_of(v: &Value) -> AttrType {
    match v {
        Value::String(_) => AttrType::String,
        Value::Number(_) => AttrType::Number,
        Value::Bool(_) => AttrType::Bool,
        Value::List(_) => AttrType::List(Box::new(AttrType::Any)),
        Value::Map(_) => AttrType::Map(Box::new(AttrType::Any)),
        Value::Null | Value::Unknown => AttrType::Any,
    }
}

fn display(path: &std::path::Path) -> PathBuf {
    path.components().collect()
}
