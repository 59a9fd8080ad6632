//! Terraform's `.tf` files converted to cairn's stack language (parsed with `hcl-rs`):
//! variables (types, defaults, values from `terraform.tfvars`), locals, outputs, data
//! sources cairn has, resources with `count`/`for_each`, their blocks (shaped by cairn's
//! schema) and expressions (Terraform's syntax, which cairn's `${...}` takes), and calls of
//! local modules. What has no cairn equivalent (a `for` expression, a `dynamic` block, a
//! template directive, a setting cairn lacks) is marked, and the import writes the value
//! that exists in its place, naming the original.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use cairn_model::{AttrType, Attribute, Catalog};
use hcl::expr::{Expression, ObjectKey, Operation, TemplateExpr, TraversalOperator};
use hcl::template::{Element, Template};
use hcl::{Block, BlockLabel, Body, Structure};

use super::doc::{self, Item, Kind, Table};
use super::{Fate, Import, Repeat};
use crate::adopt::{self, Tv};
use crate::workspace::Failure;

/// One parsed `.tf` file.
pub struct TfFile {
    pub body: Body,
}

/// The `.tf` files of `dir`, in name order. A file that does not parse is skipped with a
/// warning: its declarations are then written as they exist.
pub fn tf_files(dir: &Path) -> Vec<TfFile> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "tf"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match hcl::parse(&text) {
            Ok(body) => files.push(TfFile { body }),
            Err(e) => eprintln!(
                "warning: {} does not parse as HCL ({}): what it declares is written as it exists",
                path.display(),
                adopt::one_line(&e.to_string())
            ),
        }
    }
    files
}

fn label(b: &Block, n: usize) -> Option<&str> {
    b.labels.get(n).map(BlockLabel::as_str)
}

fn blocks<'a>(files: &'a [TfFile], kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    files
        .iter()
        .flat_map(|f| f.body.blocks())
        .filter(move |b| b.identifier.as_str() == kind)
}

fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == name)
        .map(|a| &a.expr)
}

fn literal_str(e: Option<&Expression>) -> Option<String> {
    match e? {
        Expression::String(s) => Some(s.clone()),
        Expression::TemplateExpr(t) => {
            let t = Template::from_expr(t).ok()?;
            match t.elements() {
                [Element::Literal(s)] => Some(s.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn provider_region(files: &[TfFile], alias: Option<&str>) -> Option<String> {
    blocks(files, "provider")
        .filter(|b| label(b, 0) == Some("aws"))
        .find(|b| literal_str(attr(&b.body, "alias")).as_deref() == alias)
        .and_then(|b| literal_str(attr(&b.body, "region")))
}

/// The region of the default `provider "aws"` block, when it is a literal.
pub fn default_region(files: &[TfFile]) -> Option<String> {
    provider_region(files, None)
}

/// The region of `provider "aws" { alias = ALIAS }`, when it is a literal.
pub fn alias_region(files: &[TfFile], alias: &str) -> Option<String> {
    provider_region(files, Some(alias))
}

/// Why an expression has no cairn equivalent.
type Unsupported = String;

/// What the conversion of one module directory needs to know.
struct Cx {
    /// The stack language's `path.module` for this module: the Terraform directory relative
    /// to where the stack file is written.
    path_module: String,
    /// Module calls whose callee is converted (their outputs exist).
    converted_modules: Vec<String>,
}

impl Cx {
    /// `e` in the expression language, on one line.
    fn expr(&self, e: &Expression) -> Result<String, Unsupported> {
        Ok(match e {
            Expression::Null => "null".into(),
            Expression::Bool(b) => b.to_string(),
            Expression::Number(n) => n.to_string(),
            Expression::String(s) => doc::hcl_string(s),
            Expression::Array(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(", ")
            ),
            Expression::Object(fields) => {
                let mut parts = Vec::new();
                for (k, v) in fields {
                    let k = match k {
                        ObjectKey::Identifier(id) => id.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => doc::hcl_string(s),
                        ObjectKey::Expression(e) => format!("({})", self.expr(e)?),
                        #[allow(unreachable_patterns)]
                        _ => return Err("an object key cairn does not know".into()),
                    };
                    parts.push(format!("{k} = {}", self.expr(v)?));
                }
                if parts.is_empty() {
                    "{}".into()
                } else {
                    format!("{{ {} }}", parts.join(", "))
                }
            }
            Expression::TemplateExpr(t) => format!("\"{}\"", self.template(t, true)?),
            Expression::Variable(v) => v.as_str().to_string(),
            Expression::Traversal(t) => {
                let root = match &t.expr {
                    Expression::Variable(v) => v.as_str().to_string(),
                    other => self.expr(other)?,
                };
                let first = match t.operators.first() {
                    Some(TraversalOperator::GetAttr(id)) => Some(id.as_str()),
                    _ => None,
                };
                match (root.as_str(), first) {
                    ("path", Some("module" | "root" | "cwd")) => {
                        return Ok(doc::hcl_string(&self.path_module))
                    }
                    ("terraform", Some("workspace")) => return Ok("\"default\"".into()),
                    ("module", Some(m)) if !self.converted_modules.iter().any(|c| c == m) => {
                        return Err(format!(
                            "module.{m}'s outputs: the module is written as it exists"
                        ))
                    }
                    _ => {}
                }
                let mut out = root;
                for op in &t.operators {
                    match op {
                        TraversalOperator::GetAttr(id) => {
                            out.push('.');
                            out.push_str(id.as_str());
                        }
                        TraversalOperator::Index(i) => {
                            out.push('[');
                            out.push_str(&self.expr(i)?);
                            out.push(']');
                        }
                        TraversalOperator::LegacyIndex(n) => out.push_str(&format!("[{n}]")),
                        TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
                            out.push_str("[*]")
                        }
                    }
                }
                out
            }
            Expression::FuncCall(f) => {
                if !f.name.namespace.is_empty() {
                    return Err(format!("the provider function {}", f.name));
                }
                if f.expand_final {
                    return Err("`...` argument expansion".into());
                }
                format!(
                    "{}({})",
                    f.name.name.as_str(),
                    f.args
                        .iter()
                        .map(|a| self.expr(a))
                        .collect::<Result<Vec<_>, _>>()?
                        .join(", ")
                )
            }
            Expression::Parenthesis(e) => format!("({})", self.expr(e)?),
            Expression::Conditional(c) => format!(
                "{} ? {} : {}",
                self.expr(&c.cond_expr)?,
                self.expr(&c.true_expr)?,
                self.expr(&c.false_expr)?
            ),
            Expression::Operation(op) => match &**op {
                Operation::Unary(u) => format!("{}{}", u.operator.as_str(), self.expr(&u.expr)?),
                Operation::Binary(b) => format!(
                    "{} {} {}",
                    self.expr(&b.lhs_expr)?,
                    b.operator.as_str(),
                    self.expr(&b.rhs_expr)?
                ),
            },
            Expression::ForExpr(_) => return Err("a `for` expression".into()),
            #[allow(unreachable_patterns)]
            _ => return Err("an expression cairn does not know".into()),
        })
    }

    /// The inside of a template string, interpolations converted: literal text escaped for
    /// a quoted string of the expression language (`quoted`), else as the text of a stack
    /// file's string, where only `${` is escaped.
    fn template(&self, t: &TemplateExpr, quoted: bool) -> Result<String, Unsupported> {
        let literal = |s: &str| -> String {
            if quoted {
                let q = doc::hcl_string(s);
                q[1..q.len() - 1].to_string()
            } else {
                s.replace("${", "$${")
            }
        };
        // `<<-`: the indentation the lines share is not part of the text.
        let dedented;
        let t = match t {
            TemplateExpr::Heredoc(h) if matches!(h.strip, hcl::expr::HeredocStripMode::Indent) => {
                let mut h = h.clone();
                h.template = dedent(&h.template);
                h.strip = hcl::expr::HeredocStripMode::None;
                dedented = TemplateExpr::Heredoc(h);
                &dedented
            }
            t => t,
        };
        let template = Template::from_expr(t).map_err(|e| format!("a template ({e})"))?;
        let mut out = String::new();
        for element in template.elements() {
            match element {
                Element::Literal(s) => out.push_str(&literal(s)),
                Element::Interpolation(i) if is_path(&i.expr) => {
                    out.push_str(&literal(&self.path_module))
                }
                Element::Interpolation(i) => {
                    out.push_str("${");
                    out.push_str(&self.expr(&i.expr)?);
                    out.push('}');
                }
                Element::Directive(_) => {
                    return Err("a template directive (`%{ if }`/`%{ for }`)".into())
                }
            }
        }
        Ok(out)
    }

    /// `e` as a TOML value: literals as TOML, templates as strings, the rest as `${...}`.
    fn value(&self, e: &Expression) -> Result<Tv, Unsupported> {
        Ok(match e {
            Expression::Null => Tv::Raw("null".into()),
            Expression::Bool(_) | Expression::Number(_) => {
                Tv::Scalar(serde_json::from_str(&self.expr(e)?).map_err(|e| e.to_string())?)
            }
            Expression::String(s) => Tv::Str(s.clone()),
            Expression::Array(items) => Tv::Arr(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Expression::Object(fields)
                if fields.keys().all(|k| {
                    matches!(
                        k,
                        ObjectKey::Identifier(_) | ObjectKey::Expression(Expression::String(_))
                    )
                }) =>
            {
                let mut out = Vec::new();
                for (k, v) in fields {
                    let k = match k {
                        ObjectKey::Identifier(id) => id.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.clone(),
                        _ => unreachable!("filtered above"),
                    };
                    out.push((k, self.value(v)?));
                }
                Tv::Obj(out)
            }
            Expression::TemplateExpr(t) => {
                let text = self.template(t, false)?;
                let multiline = text.contains('\n')
                    && !text.contains("'''")
                    && !text
                        .chars()
                        .any(|c| c.is_control() && c != '\n' && c != '\t');
                if multiline {
                    // A heredoc stays a block of text.
                    Tv::Raw(format!("'''\n{text}'''"))
                } else {
                    Tv::Raw(adopt::quote(&text, false))
                }
            }
            _ => Tv::Raw(doc::expression(&self.expr(e)?)),
        })
    }
}

/// `path.module`, `path.root` or `path.cwd`.
fn is_path(e: &Expression) -> bool {
    let Expression::Traversal(t) = e else {
        return false;
    };
    matches!(&t.expr, Expression::Variable(v) if v.as_str() == "path")
        && matches!(t.operators.as_slice(), [TraversalOperator::GetAttr(a)] if matches!(a.as_str(), "module" | "root" | "cwd"))
}

/// A `<<-` heredoc's text without the indentation its lines share.
fn dedent(s: &str) -> String {
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    s.split('\n')
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One converted attribute, or why it falls back, with the text of the original expression.
fn item(cx: &Cx, key: &str, e: &Expression) -> Item {
    let origin = cx
        .expr(e)
        .ok()
        .or_else(|| hcl::format::to_string(e).ok().map(|s| adopt::one_line(&s)));
    let mut item = match cx.value(e) {
        Ok(tv) => Item::new(key, adopt::render(&tv, 0, key.len() + 3)),
        Err(why) => {
            let mut i = Item::new(key, "null");
            i.comments.push(format!("unsupported: {why}"));
            i
        }
    };
    item.origin = origin;
    item
}

/// The items of a block's body shaped by `fields` (a resource's inputs or a block's fields):
/// attributes, and nested blocks as a block or a list of blocks.
fn body_items(
    cx: &Cx,
    body: &Body,
    fields: Option<&BTreeMap<String, Attribute>>,
    skip: &[&str],
) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut nested: Vec<(String, Vec<&Block>)> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                if skip.contains(&key) {
                    continue;
                }
                let mut i = item(cx, key, &a.expr);
                if fields.is_some_and(|f| !f.contains_key(key)) {
                    i.disabled = true;
                    i.comments
                        .push(format!("`{key}`: not a setting of cairn's"));
                }
                if i.value == "null" && i.comments.is_empty() {
                    continue;
                }
                items.push(i);
            }
            Structure::Block(b) => {
                let name = b.identifier.as_str().to_string();
                if skip.contains(&name.as_str()) {
                    continue;
                }
                match nested.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, list)) => list.push(b),
                    None => nested.push((name, vec![b])),
                }
            }
        }
    }
    for (name, list) in nested {
        let field = fields.and_then(|f| f.get(&name));
        let value = if name == "dynamic" {
            Err("a `dynamic` block".to_string())
        } else {
            block_value(cx, &list, field.map(|f| &f.ty))
        };
        let mut i = match value {
            Ok(tv) => Item::new(name.clone(), adopt::render(&tv, 0, name.len() + 3)),
            Err(why) => {
                let mut i = Item::new(name.clone(), "null");
                i.comments.push(format!("unsupported: {why}"));
                i
            }
        };
        i.origin = Some(format!("{name} {{ ... }}"));
        if name == "dynamic" {
            // The block it makes is named by its label.
            if let Some(l) = list.first().and_then(|b| label(b, 0)) {
                i.key = l.to_string();
            }
        } else if fields.is_some_and(|f| !f.contains_key(&name)) {
            i.disabled = true;
            i.comments
                .push(format!("`{name}` blocks: not a setting of cairn's"));
        }
        items.push(i);
    }
    items
}

/// Blocks as cairn's type for them: one block, or a list of blocks.
fn block_value(cx: &Cx, list: &[&Block], ty: Option<&AttrType>) -> Result<Tv, Unsupported> {
    let (single, fields) = match ty {
        Some(AttrType::Object(f)) => (true, Some(f)),
        Some(AttrType::List(t) | AttrType::Set(t)) => match &**t {
            AttrType::Object(f) => (false, Some(f)),
            _ => (false, None),
        },
        _ => (false, None),
    };
    let objects: Vec<Tv> = list
        .iter()
        .map(|b| {
            let items = body_items(cx, &b.body, fields, &[]);
            if let Some(bad) = items
                .iter()
                .find(|i| i.value == "null" && !i.comments.is_empty())
            {
                return Err(bad.comments.join("; "));
            }
            Ok(Tv::Obj(
                items
                    .into_iter()
                    .filter(|i| !i.disabled)
                    .map(|i| (i.key, Tv::Raw(i.value)))
                    .collect(),
            ))
        })
        .collect::<Result<_, _>>()?;
    if single {
        match <[Tv; 1]>::try_from(objects) {
            Ok([one]) => Ok(one),
            Err(_) => Err("several blocks where cairn takes one".into()),
        }
    } else {
        Ok(Tv::Arr(objects))
    }
}

/// Values given in `terraform.tfvars` and `*.auto.tfvars`, by variable.
fn tfvars(dir: &Path) -> BTreeMap<String, Expression> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    n == "terraform.tfvars" || n.ends_with(".auto.tfvars")
                })
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let mut out = BTreeMap::new();
    for p in paths {
        let Ok(body) = std::fs::read_to_string(&p).map(|t| hcl::parse(&t)) else {
            continue;
        };
        if let Ok(body) = body {
            for a in body.attributes() {
                out.insert(a.key.as_str().to_string(), a.expr.clone());
            }
        }
    }
    out
}

/// Where a module call's source is: a local directory, or one `terraform init` downloaded.
fn module_dir(tf_dir: &Path, key: &str, source: &str) -> Option<PathBuf> {
    if source.starts_with("./") || source.starts_with("../") {
        let dir = tf_dir.join(source);
        return dir.is_dir().then_some(dir);
    }
    let manifest = tf_dir.join(".terraform/modules/modules.json");
    let text = std::fs::read_to_string(manifest).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let found = json
        .get("Modules")?
        .as_array()?
        .iter()
        .find(|m| m.get("Key").and_then(serde_json::Value::as_str) == Some(key))?;
    let dir = tf_dir.join(found.get("Dir")?.as_str()?);
    dir.is_dir().then_some(dir)
}

/// Replaces each unit's stack with the conversion of its `.tf` files: the root from
/// `tf_dir`, and each module instance called once without `count`/`for_each` from its
/// module's directory.
pub fn convert(
    import: &mut Import,
    tf_dir: &Path,
    out_dir: &Path,
    catalog: &Catalog,
) -> Result<(), Failure> {
    convert_unit(import, 0, tf_dir, out_dir, catalog)
}

fn convert_unit(
    import: &mut Import,
    u: usize,
    tf_dir: &Path,
    out_dir: &Path,
    catalog: &Catalog,
) -> Result<(), Failure> {
    let files = tf_files(tf_dir);
    let unit_dir = out_dir.join(&import.units[u].dir);
    let path_module = relative_path(&unit_dir, tf_dir)?;
    // Module calls: converted where the module can be.
    let mut converted_modules = Vec::new();
    let mut calls: Vec<(String, &Block, Option<usize>, Option<String>)> = Vec::new();
    for b in blocks(&files, "module") {
        let Some(name) = label(b, 0) else { continue };
        let tf_module = if import.units[u].tf_module.is_empty() {
            format!("module.{name}")
        } else {
            format!("{}.module.{name}", import.units[u].tf_module)
        };
        let child = import.units.iter().position(|c| c.tf_module == tf_module);
        let source = literal_str(attr(&b.body, "source")).unwrap_or_default();
        let why_not = if attr(&b.body, "count").is_some() || attr(&b.body, "for_each").is_some() {
            Some("a module called with count or for_each is written as it exists, one cairn module per instance".to_string())
        } else if child.is_none() {
            None
        } else {
            let key = tf_module
                .split('.')
                .filter(|s| *s != "module")
                .collect::<Vec<_>>()
                .join(".");
            match module_dir(tf_dir, &key, &source) {
                Some(dir) => {
                    if let Some(c) = child {
                        convert_unit(import, c, &dir, out_dir, catalog)?;
                    }
                    converted_modules.push(name.to_string());
                    None
                }
                None => Some(format!(
                    "its source `{source}` is not a local directory nor one `terraform init` downloaded: written as it exists"
                )),
            }
        };
        if let Some(why) = &why_not {
            let instance = format!("{tf_module}[");
            for c in import.units.iter_mut() {
                if c.tf_module == tf_module || c.tf_module.starts_with(&instance) {
                    c.written_as_it_exists = Some(why.clone());
                }
            }
        }
        calls.push((name.to_string(), b, child, why_not));
    }
    let cx = Cx {
        path_module,
        converted_modules,
    };
    let existing = std::mem::take(&mut import.units[u].doc);
    let mut doc = doc::Doc::default();
    let is_root = u == 0;
    if is_root {
        doc.tables.push(super::stack_table());
        doc.tables.push(super::provider_table(&import.region, None));
        for b in blocks(&files, "provider").filter(|b| label(b, 0) == Some("aws")) {
            if let Some(alias) = literal_str(attr(&b.body, "alias")) {
                let region =
                    literal_str(attr(&b.body, "region")).unwrap_or_else(|| import.region.clone());
                doc.tables
                    .push(super::provider_table(&region, Some(&alias)));
            } else if let Some(tags) = b
                .body
                .blocks()
                .find(|t| t.identifier.as_str() == "default_tags")
            {
                if let Some(e) = attr(&tags.body, "tags") {
                    if let Some(t) = doc.tables.iter_mut().find(|t| t.header == "provider.aws") {
                        t.items.push(item(&cx, "default_tags", e));
                    }
                }
            }
        }
    }
    // Variables.
    let values = tfvars(tf_dir);
    let mut secret_names: Vec<String> = Vec::new();
    for b in blocks(&files, "variable") {
        let Some(name) = label(b, 0) else { continue };
        let mut t = Table::new(
            format!("variable.{}", adopt::key(name)),
            Kind::Variable(name.to_string()),
        );
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => {
                        if let Ok(ty) = cx.expr(&a.expr) {
                            t.items.push(Item::new("type", adopt::quote(&ty, true)));
                        }
                    }
                    "default" if !values.contains_key(name) => {
                        t.items.push(item(&cx, "default", &a.expr));
                    }
                    "description" | "sensitive" => t.items.push(item(&cx, a.key.as_str(), &a.expr)),
                    _ => {}
                },
                Structure::Block(v) if v.identifier.as_str() == "validation" => {
                    let fields = body_items(&cx, &v.body, None, &[]);
                    let obj = Tv::Obj(
                        fields
                            .into_iter()
                            .map(|i| (i.key, Tv::Raw(i.value)))
                            .collect(),
                    );
                    match t.items.iter_mut().find(|i| i.key == "validation") {
                        Some(existing) => {
                            existing.value = format!(
                                "{}, {}]",
                                existing.value.trim_end_matches(']'),
                                adopt::render(&obj, 0, 0)
                            )
                        }
                        None => t.items.push(Item::new(
                            "validation",
                            format!("[{}]", adopt::render(&obj, 0, 0)),
                        )),
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = values.get(name) {
            let mut i = item(&cx, "default", v);
            i.comments.push("from terraform.tfvars".into());
            t.items.push(i);
        }
        if matches!(attr(&b.body, "sensitive"), Some(Expression::Bool(true))) {
            secret_names.push(name.to_string());
        }
        doc.tables.push(t);
    }
    // Locals.
    let mut locals = Table::new("locals", Kind::Locals);
    for b in blocks(&files, "locals") {
        for a in b.body.attributes() {
            locals.items.push(item(&cx, a.key.as_str(), &a.expr));
        }
    }
    if !locals.items.is_empty() {
        doc.tables.push(locals);
    }
    // Data sources.
    for b in blocks(&files, "data") {
        let (Some(dtype), Some(name)) = (label(b, 0), label(b, 1)) else {
            continue;
        };
        let schema = catalog.get(&format!("data.{dtype}"));
        let mut t = Table::new(
            format!("data.{dtype}.{}", adopt::key(name)),
            Kind::Data(format!("data.{dtype}.{name}")),
        );
        t.items = meta_items(&cx, &b.body);
        t.items
            .extend(body_items(&cx, &b.body, schema.map(|s| &s.inputs), META));
        if schema.is_none() {
            t.disabled = true;
            t.comments.push(format!("cairn has no data source {dtype}: what uses it falls back to the value that exists"));
        }
        doc.tables.push(t);
    }
    // Resources.
    for b in blocks(&files, "resource") {
        let (Some(rtype), Some(name)) = (label(b, 0), label(b, 1)) else {
            continue;
        };
        let d = import
            .decls
            .iter()
            .position(|d| d.unit == u && d.rtype == rtype && d.name == name);
        let Some(schema) = catalog.get(rtype) else {
            continue;
        };
        let Some(d) = d.filter(|&d| import.decls[d].fate == Fate::Imported) else {
            if d.is_none() {
                // Declared, but Terraform made no instance (count = 0): kept as written.
                let mut t = Table::new(format!("{rtype}.{}", adopt::key(name)), Kind::Plain);
                t.items = meta_items(&cx, &b.body);
                t.items
                    .extend(body_items(&cx, &b.body, Some(&schema.inputs), META));
                doc.tables.push(t);
            }
            continue;
        };
        let mut t = Table::new(format!("{rtype}.{}", adopt::key(name)), Kind::Resource(d));
        t.items = meta_items(&cx, &b.body);
        t.items
            .extend(body_items(&cx, &b.body, Some(&schema.inputs), META));
        // A file named by a relative path: Terraform reads it from its working directory,
        // cairn from the stack's.
        let literal = |key: &str| matches!(attr(&b.body, key), Some(Expression::String(_)));
        for i in t
            .items
            .iter_mut()
            .filter(|i| FILE_ATTRS.contains(&(rtype, i.key.as_str())) && literal(&i.key))
        {
            let Ok(path) = toml::from_str::<toml::Value>(&format!("v = {}", i.value)) else {
                continue;
            };
            if let Some(p) = path.get("v").and_then(toml::Value::as_str) {
                if !p.contains("${") && Path::new(p).is_relative() {
                    let rebased = format!("{}/{}", cx.path_module, p.trim_start_matches("./"));
                    i.value = adopt::quote(&rebased, true);
                }
            }
        }
        // What Terraform's split resources set, as it exists.
        for f in &import.decls {
            let Fate::Folded { into, becomes } = &f.fate else {
                continue;
            };
            if *into != import.decls[d].tf_base || t.items.iter().any(|i| i.key == *becomes) {
                continue;
            }
            if let Some(v) = import.decls[d].existing(becomes) {
                let mut i = Item::new(*becomes, v.to_string());
                i.comments
                    .push(format!("from {} (as it exists)", f.tf_base));
                t.items.push(i);
            }
        }
        // Sensitive values: the variable the configuration names, else a variable of ours.
        let secrets = import.decls[d].secrets.clone();
        for (k, (attr_name, var)) in secrets.into_iter().enumerate() {
            let Some(i) = t.items.iter_mut().find(|i| i.key == attr_name) else {
                continue;
            };
            let own = i
                .origin
                .as_deref()
                .and_then(|o| o.strip_prefix("var."))
                .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .filter(|v| secret_names.iter().any(|n| n == v))
                .map(str::to_string);
            // Anything else is kept as written when cairn computes the same (its digest is
            // compared), else it falls back to a sensitive variable of ours.
            if let Some(v) = own {
                if let Some(s) = import.secrets.iter_mut().find(|s| s.name == var) {
                    s.name = v.clone();
                }
                import.decls[d].secrets[k].1 = v;
            }
        }
        doc.tables.push(t);
    }
    // Module calls.
    for (name, b, child, why_not) in calls {
        let Some(c) = child else { continue };
        let mut t = match why_not {
            Some(_) => {
                // As it exists: the existing doc's call.
                existing
                    .tables
                    .iter()
                    .find(|t| t.header == format!("module.{}", adopt::key(&name)))
                    .cloned()
                    .unwrap_or_else(|| Table::new(format!("module.{name}"), Kind::Plain))
            }
            None => {
                let mut t = Table::new(format!("module.{}", adopt::key(&name)), Kind::Plain);
                let source = super::relative(&import.units[u].dir, &import.units[c].dir);
                t.items
                    .push(Item::new("source", adopt::quote(&source, true)));
                for a in b.body.attributes() {
                    if matches!(
                        a.key.as_str(),
                        "source" | "version" | "providers" | "depends_on"
                    ) {
                        continue;
                    }
                    t.items.push(item(&cx, a.key.as_str(), &a.expr));
                }
                t
            }
        };
        t.comments.insert(0, format!("Terraform's module.{name}"));
        doc.tables.push(t);
    }
    // Module instances of count/for_each calls, written as they exist.
    for t in &existing.tables {
        if t.header.starts_with("module.") && !doc.tables.iter().any(|d| d.header == t.header) {
            doc.tables.push(t.clone());
        }
    }
    // Resources Terraform has that the files do not declare (a file that did not parse).
    for t in &existing.tables {
        if let Kind::Resource(d) = t.kind {
            if !doc.tables.iter().any(|x| x.kind == Kind::Resource(d)) {
                let mut t = t.clone();
                t.comments
                    .push("not found in the .tf files: written as it exists".into());
                doc.tables.push(t);
            }
        }
    }
    // Outputs.
    for b in blocks(&files, "output") {
        let Some(name) = label(b, 0) else { continue };
        let mut t = Table::new(
            format!("output.{}", adopt::key(name)),
            Kind::Output(name.to_string()),
        );
        for a in b.body.attributes() {
            if matches!(a.key.as_str(), "value" | "sensitive" | "description") {
                t.items.push(item(&cx, a.key.as_str(), &a.expr));
            }
        }
        doc.tables.push(t);
    }
    // Sensitive variables of ours the module needs, declared once.
    let mut seen = std::collections::BTreeSet::new();
    doc.tables.retain(|t| match &t.kind {
        Kind::Variable(v) => seen.insert(v.clone()),
        _ => true,
    });
    import.units[u].doc = doc;
    Ok(())
}

/// The meta-arguments cairn takes: `count`, `for_each`, `provider`, `depends_on`,
/// `lifecycle`.
fn meta_items(cx: &Cx, body: &Body) -> Vec<Item> {
    let mut items = Vec::new();
    for key in ["count", "for_each"] {
        if let Some(e) = attr(body, key) {
            items.push(item(cx, key, e));
        }
    }
    if let Some(e) = attr(body, "provider") {
        if let Ok(p) = cx.expr(e) {
            items.push(Item::new("provider", adopt::quote(&p, true)));
        }
    }
    if let Some(Expression::Array(list)) = attr(body, "depends_on") {
        let deps: Vec<String> = list
            .iter()
            .filter_map(|e| cx.expr(e).ok())
            .filter(|d| !d.starts_with("module."))
            .map(|d| adopt::quote(&d, true))
            .collect();
        if !deps.is_empty() {
            items.push(Item::new("depends_on", format!("[{}]", deps.join(", "))));
        }
    }
    if let Some(l) = body.blocks().find(|b| b.identifier.as_str() == "lifecycle") {
        let mut fields = Vec::new();
        for a in l.body.attributes() {
            match a.key.as_str() {
                "prevent_destroy" | "create_before_destroy" => {
                    if let Ok(v) = cx.expr(&a.expr) {
                        fields.push(format!("{} = {v}", a.key.as_str()));
                    }
                }
                "ignore_changes" => {
                    if let Expression::Array(list) = &a.expr {
                        let names: Vec<String> = list
                            .iter()
                            .filter_map(|e| cx.expr(e).ok())
                            .map(|n| adopt::quote(&n, true))
                            .collect();
                        fields.push(format!("ignore_changes = [{}]", names.join(", ")));
                    }
                }
                _ => {}
            }
        }
        if !fields.is_empty() {
            items.push(Item::new(
                "lifecycle",
                format!("{{ {} }}", fields.join(", ")),
            ));
        }
    }
    items
}

/// Attributes that name a file (relative to the directory of the stack in cairn, of the
/// working directory in Terraform).
pub const FILE_ATTRS: &[(&str, &str)] = &[
    ("aws_s3_object", "source"),
    ("aws_lambda_function", "source"),
];

/// Keys of a resource or data block that are meta-arguments, not settings.
const META: &[&str] = &[
    "count",
    "for_each",
    "provider",
    "depends_on",
    "lifecycle",
    "provisioner",
    "connection",
];

/// Declares the sensitive variable `var` in unit `u`, unless it is declared already.
fn declare_secret(import: &mut Import, u: usize, var: &str) {
    let doc = &mut import.units[u].doc;
    if doc
        .tables
        .iter()
        .any(|t| t.kind == Kind::Variable(var.to_string()))
    {
        return;
    }
    let Some(s) = import.secrets.iter().find(|s| s.name == var) else {
        return;
    };
    // At the end, so that the tables' indices stay; `order_tables` moves it up later.
    doc.tables.push(super::secret_variable(s));
}

/// Variables after the stack's and provider's tables, before the rest (a stable order).
pub fn order_tables(doc: &mut doc::Doc) {
    let rank = |t: &Table| match t.kind {
        Kind::Plain if t.header == "stack" || t.header.starts_with("provider.") => 0,
        Kind::Variable(_) => 1,
        _ => 2,
    };
    doc.tables.sort_by_key(rank);
}

/// `p` with `.` and `..` resolved without touching the file system (a directory named may
/// not exist yet): `..` takes back a name before it, stays at the start of a relative path,
/// and goes nowhere above the root.
pub fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                None | Some(Component::ParentDir) => out.push(".."),
                Some(_) => {}
            },
            c => out.push(c),
        }
    }
    out
}

/// `to` relative to `from`, both existing or about to (the stack directory may not exist
/// yet): the stack language's `path.module`.
pub fn relative_path(from: &Path, to: &Path) -> Result<String, Failure> {
    let abs = |p: &Path| -> anyhow::Result<PathBuf> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()?.join(p)
        };
        Ok(lexical(&p))
    };
    let from = abs(from).context("cannot find the current directory")?;
    let to = abs(to).context("cannot find the current directory")?;
    let rel = super::relative(&from, &to);
    if rel.is_empty() {
        return Err(anyhow!("empty path").into());
    }
    Ok(rel.trim_end_matches('/').to_string())
}

/// Every item marked unsupported falls back before the stack is first loaded.
pub fn fall_back_unsupported(import: &mut Import) {
    for u in 0..import.units.len() {
        for t in 0..import.units[u].doc.tables.len() {
            for i in 0..import.units[u].doc.tables[t].items.len() {
                let item = &import.units[u].doc.tables[t].items[i];
                if item.disabled {
                    continue;
                }
                let why = item
                    .comments
                    .iter()
                    .find_map(|c| c.strip_prefix("unsupported: "))
                    .map(|w| format!("no cairn equivalent: {w}"));
                if let Some(why) = why {
                    fall_back_item(import, u, t, i, &why);
                }
            }
        }
    }
}

/// Decides what replaces the item a loader error points at: the value that exists, with
/// the expression in a comment. False when the error is not in an item that can fall back.
pub fn fall_back_at(
    import: &mut Import,
    dir: &Path,
    lines: &[doc::Lines],
    file: &Path,
    line: usize,
    message: &str,
) -> bool {
    let Some(u) = import
        .units
        .iter()
        .position(|u| same_file(&dir.join(&u.dir).join(super::FILE), file))
    else {
        return false;
    };
    let Some((t, i)) = doc::at_line(&lines[u], line) else {
        return false;
    };
    let why = adopt::one_line(message);
    match (i, import.units[u].doc.tables[t].kind.clone()) {
        (Some(i), _) => fall_back_item(import, u, t, i, &format!("cairn: {why}")),
        (None, Kind::Resource(d)) => add_needed(import, u, t, d, &why),
        (None, _) => disable_table(import, u, t, &why),
    }
}

/// A resource that lacks what cairn needs (`needs \`payload_format_version\``): the
/// attributes the error names, as they exist. False if none can be added.
fn add_needed(import: &mut Import, u: usize, t: usize, d: usize, why: &str) -> bool {
    let mut added = false;
    for name in why.split('`').skip(1).step_by(2) {
        let table = &import.units[u].doc.tables[t];
        if table.items.iter().any(|i| i.key == name && !i.disabled) {
            continue;
        }
        let header = table.header.clone();
        if let Some(v) = import.decls[d].existing(name) {
            let mut item = Item::new(name, v.to_string());
            item.comments.push(format!("as it exists (cairn: {why})"));
            import.units[u].doc.tables[t].items.push(item);
            import.notes.push(format!(
                "{header}.{name}: added as it exists (cairn: {why})"
            ));
            added = true;
        }
    }
    added
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || a.canonicalize()
            .ok()
            .zip(b.canonicalize().ok())
            .is_some_and(|(a, b)| a == b)
}

/// Comments out table `t` of unit `u` (a local, a data source, an output that cannot be
/// computed). False if it already is.
fn disable_table(import: &mut Import, u: usize, t: usize, why: &str) -> bool {
    let table = &mut import.units[u].doc.tables[t];
    if table.disabled || matches!(table.kind, Kind::Resource(_)) {
        return false;
    }
    table.disabled = true;
    table.comments.push(format!("left out: {why}"));
    import
        .notes
        .push(format!("[{}] left out: {why}", table.header));
    true
}

/// Item `i` of table `t` of unit `u` falls back: for a resource, to the value that exists;
/// for a local, an output or a variable's default, it is commented out (what uses it falls
/// back in turn). False if it already has.
fn fall_back_item(import: &mut Import, u: usize, t: usize, i: usize, why: &str) -> bool {
    let kind = import.units[u].doc.tables[t].kind.clone();
    let header = import.units[u].doc.tables[t].header.clone();
    let item = &import.units[u].doc.tables[t].items[i];
    if item.disabled || item.comments.iter().any(|c| c.starts_with("was: ")) {
        return match kind {
            Kind::Resource(_) => false,
            _ => disable_table(import, u, t, why),
        };
    }
    let origin = item.origin.clone().unwrap_or_else(|| item.value.clone());
    let key = item.key.clone();
    match kind {
        Kind::Resource(d) => {
            let decl = &import.decls[d];
            let replacement = match key.as_str() {
                "count" => match &decl.repeat {
                    Repeat::Count(n) => Some(n.to_string()),
                    _ => None,
                },
                "for_each" => super::repeat_item(&decl.repeat).map(|i| i.value),
                _ => decl.existing(&key).map(str::to_string),
            };
            let secret = import.decls[d]
                .secrets
                .iter()
                .find(|(a, _)| *a == key)
                .map(|(_, v)| v.clone());
            if let Some(var) = secret {
                declare_secret(import, u, &var);
            }
            let item = &mut import.units[u].doc.tables[t].items[i];
            item.comments.retain(|c| !c.starts_with("unsupported: "));
            item.disabled = false;
            item.comments
                .push(format!("was: {} ({why})", adopt::one_line(&origin)));
            match replacement {
                Some(v) => item.value = v,
                None => item.disabled = true,
            }
            import.notes.push(format!(
                "{}.{key}: `{}` → the value that exists ({why})",
                header,
                adopt::one_line(&origin)
            ));
            true
        }
        Kind::Output(name) if u == 0 && import.outputs.contains_key(&name) => {
            fall_back_output(import, &name, why)
        }
        Kind::Output(_) | Kind::Data(_) => disable_table(import, u, t, why),
        Kind::Locals | Kind::Variable(_) | Kind::Plain => {
            let item = &mut import.units[u].doc.tables[t].items[i];
            item.disabled = true;
            item.comments.retain(|c| !c.starts_with("unsupported: "));
            item.comments.push(format!("left out: {why}"));
            import
                .notes
                .push(format!("[{header}] {key}: left out ({why})"));
            true
        }
    }
}

/// The attributes a plan would change on `address` fall back to what exists (a create —
/// an instance Terraform does not have — comments out its table's `count`/`for_each` as it
/// exists). False when nothing could change.
pub fn fall_back_change(
    import: &mut Import,
    address: &cairn_model::Address,
    action: cairn_engine::Action,
    attrs: &std::collections::BTreeSet<String>,
) -> bool {
    let Some(u) = import.units.iter().position(|u| u.module == address.module) else {
        return false;
    };
    let Some(t) = import.units[u]
        .doc
        .tables
        .iter()
        .position(|t| match t.kind {
            Kind::Resource(d) => {
                import.decls[d].rtype == address.rtype && import.decls[d].name == address.name
            }
            _ => false,
        })
    else {
        // A resource Terraform did not make: its table is left out.
        let header = format!("{}.{}", address.rtype, adopt::key(&address.name));
        return match import.units[u]
            .doc
            .tables
            .iter()
            .position(|t| t.header == header)
        {
            Some(t) => disable_table(import, u, t, "Terraform made no such resource"),
            None => false,
        };
    };
    let Kind::Resource(d) = import.units[u].doc.tables[t].kind else {
        return false;
    };
    let mut fixed = false;
    if matches!(
        action,
        cairn_engine::Action::Create | cairn_engine::Action::Delete
    ) {
        for key in ["count", "for_each"] {
            if let Some(i) = import.units[u].doc.tables[t]
                .items
                .iter()
                .position(|i| i.key == key)
            {
                fixed |= fall_back_item(
                    import,
                    u,
                    t,
                    i,
                    "cairn counts other instances than Terraform made",
                );
            }
        }
        return fixed;
    }
    for a in attrs {
        let why = "cairn computes another value than what exists";
        match import.units[u].doc.tables[t]
            .items
            .iter()
            .position(|i| i.key == *a && !i.disabled)
        {
            Some(i) => fixed |= fall_back_item(import, u, t, i, why),
            None => {
                // Not written (Terraform's default, or set by a resource folded in).
                if let Some(v) = import.decls[d].existing(a) {
                    let folded: Vec<String> = import
                        .decls
                        .iter()
                        .filter(|f| matches!(&f.fate, Fate::Folded { into, .. } if *into == import.decls[d].tf_base))
                        .map(|f| f.tf_base.clone())
                        .collect();
                    let mut item = Item::new(a.clone(), v.to_string());
                    item.comments.push(if folded.is_empty() {
                        "as it exists (cairn's default differs from Terraform's)".to_string()
                    } else {
                        format!("as it exists (from {})", folded.join(", "))
                    });
                    import.units[u].doc.tables[t].items.push(item);
                    fixed = true;
                }
            }
        }
    }
    fixed
}

/// An output whose value cairn computes differently is written as Terraform recorded it.
pub fn fall_back_output(import: &mut Import, name: &str, why: &str) -> bool {
    let Some(t) = import.units[0]
        .doc
        .tables
        .iter()
        .position(|t| t.kind == Kind::Output(name.to_string()))
    else {
        return false;
    };
    let Some(value) = import.outputs.get(name).map(|o| super::literal(&o.value)) else {
        return disable_table(import, 0, t, "Terraform recorded no value for it");
    };
    let table = &mut import.units[0].doc.tables[t];
    let Some(item) = table.items.iter_mut().find(|i| i.key == "value") else {
        return false;
    };
    if item.comments.iter().any(|c| c.starts_with("was: ")) {
        return false;
    }
    let origin = item.origin.clone().unwrap_or_default();
    item.comments.push(format!("was: {origin} ({why})"));
    item.value = value;
    import.notes.push(format!(
        "output {name}: `{origin}` → the value Terraform recorded ({why})"
    ));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Converts the HCL expression `hcl` as an attribute's value: the TOML written, or the
    /// comment that marks it unsupported.
    fn check(hcl: &str, expected: &str) {
        let body = hcl::parse(&format!("x = {hcl}\n")).expect("HCL");
        let e = attr(&body, "x").expect("attribute");
        let cx = Cx {
            path_module: "../tf".into(),
            converted_modules: vec!["net".into()],
        };
        let i = item(&cx, "x", e);
        let got = match i.comments.first() {
            Some(c) => c.clone(),
            None => i.value,
        };
        assert_eq!(got, expected, "{hcl}");
    }

    #[test]
    fn paths_resolve_lexically() {
        for (path, expected) in [
            ("c/../tf/lambda.zip", "tf/lambda.zip"),
            ("c/./x/../../../tf/a", "../tf/a"),
            ("../../a", "../../a"),
            ("/../a/b/..", "/a"),
        ] {
            assert_eq!(lexical(Path::new(path)), Path::new(expected), "{path}");
        }
    }

    #[test]
    fn expressions_convert_to_the_stack_language() {
        check(r#""10.0.0.0/16""#, r#""10.0.0.0/16""#);
        check("var.cidr", "'${var.cidr}'");
        check(r#""${var.name}-app""#, r#""${var.name}-app""#);
        check("aws_subnet.public.*.id", "'${aws_subnet.public[*].id}'");
        check(
            "element(aws_subnet.x.*.id, count.index)",
            "'${element(aws_subnet.x[*].id, count.index)}'",
        );
        check(
            r#"{ Name = var.name, Env = "dev" }"#,
            r#"{ Name = '${var.name}', Env = "dev" }"#,
        );
        check(r#""${path.module}/lambda.zip""#, r#""../tf/lambda.zip""#);
        check(
            "jsonencode({ a = var.x, b = [1, 2] })",
            "'${jsonencode({ a = var.x, b = [1, 2] })}'",
        );
        check(r#""$${literal}""#, r#""$${literal}""#);
        check("var.on ? 1 : 0", "'${var.on ? 1 : 0}'");
        check("!var.off", "'${!var.off}'");
        check(
            r#"format("%s-%s", var.a, "it's")"#,
            r#""${format(\"%s-%s\", var.a, \"it's\")}""#,
        );
        check("module.net.vpc_id", "'${module.net.vpc_id}'");
        check(
            "<<-EOT\n  a ${var.b}\n  c\n  EOT\n",
            "'''\na ${var.b}\nc\n'''",
        );
        check("[for s in var.x : s.id]", "unsupported: a `for` expression");
        check(
            "module.other.id",
            "unsupported: module.other's outputs: the module is written as it exists",
        );
        check(
            r#""%{ if var.a }x%{ endif }""#,
            "unsupported: a template directive (`%{ if }`/`%{ for }`)",
        );
        check("concat(var.a...)", "unsupported: `...` argument expansion");
    }
}
