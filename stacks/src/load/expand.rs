//! Expanding declarations into resources: `[locals]`, `for_each` instances, module calls
//! (a module's declarations loaded again under `module.NAME.`), and the root's `[[moved]]`
//! and `[[import]]` blocks.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use cairn_model::{
    Address, AttrType, Config, Expr, Import, InstanceKey, Move, PathSeg, Reference, ResourceConfig,
    Value,
};

use super::{
    literal_value, valid_name, Loader, NamedDecl, ResourceDecl, Scope, NO_BINDINGS, NO_MODULES,
};
use crate::diagnostics::{suggestion, Diagnostic};
use crate::syntax::{self, Entry, Node, NodeKind, Piece, Step};
use crate::types;

/// Where each name of a stack (or module) was first defined.
type Seen = BTreeMap<String, (usize, Range<usize>)>;

/// A name's value as references see it: a variable, a local, `each.value`, a module output.
#[derive(Clone, Debug)]
pub(super) struct Binding {
    pub expr: Expr,
    pub ty: AttrType,
    pub sensitive: bool,
}

/// What a module call shows its caller.
#[derive(Clone, Debug, Default)]
pub(super) struct ModuleView {
    pub outputs: BTreeMap<String, Binding>,
    /// Every resource of the module (and of the modules it calls), for `depends_on`.
    pub addresses: Vec<Address>,
    /// The module had errors (reported there): references to it are not reported again.
    pub failed: bool,
}

/// Which instances of a resource a reference takes.
enum Pick {
    /// One: the instance of this key, or the resource without `for_each` or `count`.
    One(Option<InstanceKey>),
    /// All of a `for_each` resource's instances (`[*]`).
    All,
}

/// A reference to a `for_each` resource as a whole (or to one instance of it, without an
/// attribute): a map of its instances by key, each a map of its attributes. While the keys
/// are not known, the reference to the resource itself.
fn whole_resource(
    bare: &Address,
    declared: &Declared,
    pick: Pick,
    keys_known: bool,
) -> (Expr, AttrType) {
    let at = |key: Option<InstanceKey>| {
        Expr::Ref(Reference {
            address: Address {
                key,
                ..bare.clone()
            },
            path: Vec::new(),
        })
    };
    match pick {
        _ if !keys_known => (at(None), AttrType::Any),
        Pick::One(Some(k)) => (at(Some(k)), AttrType::Any),
        _ if declared.counted => {
            let keys = declared.keys.clone().unwrap_or_default();
            let list = keys.into_iter().map(|k| at(Some(k))).collect();
            (Expr::List(list), AttrType::List(Box::new(AttrType::Any)))
        }
        _ => {
            let keys = declared.keys.clone().unwrap_or_default();
            let map = keys
                .into_iter()
                .map(|k| (key_text(&k), at(Some(k))))
                .collect();
            (Expr::Map(map), AttrType::Map(Box::new(AttrType::Any)))
        }
    }
}

/// A declared resource as references see it.
#[derive(Clone, Debug)]
pub(super) struct Declared {
    /// With `for_each` or `count`: its keys, in order.
    pub keys: Option<Vec<InstanceKey>>,
    /// Its instances come from `count` (keys are indexes; the whole resource is a list).
    pub counted: bool,
    /// Its `for_each` had errors (reported there): references are not reported again.
    pub failed: bool,
}

/// The declarations of one directory: the stack's, or one module's.
#[derive(Default)]
pub(super) struct Decls {
    pub stack_table: Option<(usize, Range<usize>, Node)>,
    pub backend: Option<(usize, Node)>,
    pub providers: Vec<NamedDecl>,
    pub variables: Vec<NamedDecl>,
    pub outputs: Vec<NamedDecl>,
    pub locals: Vec<NamedDecl>,
    pub modules: Vec<NamedDecl>,
    /// `[[moved]]` tables (root only).
    pub moved: Vec<Node>,
    /// `[[import]]` tables (root only).
    pub imports: Vec<Node>,
    pub resources: Vec<ResourceDecl>,
}

/// What one module instance (or the root) produced.
#[derive(Default)]
pub(super) struct Expanded {
    pub resources: Vec<ResourceConfig>,
    pub outputs: BTreeMap<String, (Binding, bool)>,
}

/// A local or a module call, evaluated in dependency order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Named {
    Local(usize),
    Module(usize),
}

/// Keys a resource's `for_each` (or `count`) makes, with each instance's `each.value`
/// (`count.index`).
type Instances = Vec<(InstanceKey, Expr)>;

/// An instance key as written in an address: `["a"]`, `[0]`.
fn shown_key(k: &InstanceKey) -> String {
    match k {
        InstanceKey::Str(s) => format!("[{s:?}]"),
        InstanceKey::Int(n) => format!("[{n}]"),
    }
}

/// An instance key as a map key or in a message.
pub(super) fn key_text(k: &InstanceKey) -> String {
    match k {
        InstanceKey::Str(s) => s.clone(),
        InstanceKey::Int(n) => n.to_string(),
    }
}

/// Every declared resource with the keys its `for_each` makes (`None`: no `for_each`; a
/// failed one is marked failed, so references to it are not reported again).
fn known_resources(
    decls: &Decls,
    instances: &BTreeMap<Address, Option<Instances>>,
) -> BTreeMap<Address, Declared> {
    decls
        .resources
        .iter()
        .map(|r| {
            let counted = r.body.get("count").is_some();
            let declared = match instances.get(&r.address) {
                None => Declared {
                    keys: None,
                    counted,
                    failed: false,
                },
                Some(None) => Declared {
                    keys: Some(Vec::new()),
                    counted,
                    failed: true,
                },
                Some(Some(list)) => Declared {
                    keys: Some(list.iter().map(|(k, _)| k.clone()).collect()),
                    counted,
                    failed: false,
                },
            };
            (r.address.clone(), declared)
        })
        .collect()
}

impl Loader<'_> {
    /// Splits parsed files into declarations, reporting duplicates at both places and what a
    /// module may not hold.
    pub(super) fn declarations(&mut self, roots: &[Node], prefix: &[String]) -> Decls {
        let in_module = !prefix.is_empty() || self.in_module;
        let mut seen = Seen::new();
        let mut d = Decls::default();
        for root in roots {
            let file = root.file;
            for entry in root.entries().unwrap_or_default() {
                let key = entry.key.as_str();
                match key {
                    "stack" | "backend" | "provider" if in_module => {
                        self.error(
                            file,
                            &entry.key_span,
                            format!("a module has no [{key}]"),
                            "not allowed in a module",
                            Some(format!(
                                "[{key}] belongs to the stack that calls the module; a module only declares variables, locals, resources, modules and outputs"
                            )),
                        );
                    }
                    "moved" | "import" if in_module => {
                        self.error(
                            file,
                            &entry.key_span,
                            format!("[[{key}]] blocks are only allowed at the root of a stack"),
                            "not allowed in a module",
                            Some("write it in the calling stack, with the module's address, e.g. module.NAME.aws_vpc.main".into()),
                        );
                    }
                    "stack" | "backend" => {
                        if !self.expect_table(&entry.value, key) {
                            continue;
                        }
                        if self.unique(&mut seen, file, key.to_string(), &entry.key_span) {
                            if key == "stack" {
                                d.stack_table =
                                    Some((file, entry.key_span.clone(), entry.value.clone()));
                            } else {
                                d.backend = Some((file, entry.value.clone()));
                            }
                        }
                    }
                    "moved" | "import" => self.blocks(file, entry, &mut d),
                    "locals" => self.locals_table(file, entry, &mut seen, &mut d),
                    "provider" | "variable" | "output" | "module" => {
                        self.named_tables(file, entry, &mut seen, &mut d)
                    }
                    "data" => self.data_tables(file, entry, prefix, &mut seen, &mut d),
                    rtype => self.resource_table(file, rtype, entry, prefix, &mut seen, &mut d),
                }
            }
        }
        d
    }

    /// Whether `id` is defined here for the first time; else reports it with both places.
    fn unique(&mut self, seen: &mut Seen, file: usize, id: String, span: &Range<usize>) -> bool {
        if let Some((f0, s0)) = seen.get(&id) {
            let first = self.label(*f0, s0, "first defined here");
            let primary = self.label(file, span, "defined again here");
            self.diags.push(Diagnostic {
                message: format!("`{id}` is defined twice"),
                primary,
                secondary: vec![first],
                help: Some("each name may be defined once per stack".into()),
            });
            false
        } else {
            seen.insert(id, (file, span.clone()));
            true
        }
    }

    /// Whether `e`'s key is a valid name for a `what` (local, module, resource); else
    /// reports it.
    fn check_name(&mut self, file: usize, e: &Entry, what: &str) -> bool {
        if valid_name(&e.key) {
            return true;
        }
        self.error(
            file,
            &e.key_span,
            format!("invalid {what} name `{}`", e.key),
            "letters, digits, `_` and `-`, not starting with a digit",
            None,
        );
        false
    }

    /// `[[moved]]` and `[[import]]` blocks.
    fn blocks(&mut self, file: usize, entry: &Entry, d: &mut Decls) {
        let key = entry.key.as_str();
        let NodeKind::Array(items) = &entry.value.kind else {
            self.error(
                file,
                &entry.key_span,
                format!("`{key}` is a list of tables: write [[{key}]]"),
                "not [[...]]",
                None,
            );
            return;
        };
        for item in items {
            if self.expect_table(item, &format!("a [[{key}]] block")) {
                if key == "moved" {
                    d.moved.push(item.clone());
                } else {
                    d.imports.push(item.clone());
                }
            }
        }
    }

    /// `[locals]`: each a named declaration.
    fn locals_table(&mut self, file: usize, entry: &Entry, seen: &mut Seen, d: &mut Decls) {
        if !self.expect_table(&entry.value, "[locals]") {
            return;
        }
        for e in entry.value.entries().unwrap_or_default() {
            if !self.check_name(file, e, "local") {
                continue;
            }
            if self.unique(seen, file, format!("local.{}", e.key), &e.key_span) {
                d.locals.push(NamedDecl {
                    name: e.key.clone(),
                    file,
                    span: e.key_span.clone(),
                    body: e.value.clone(),
                });
            }
        }
    }

    /// `[provider.X]`, `[variable.X]`, `[output.X]` and `[module.X]`.
    fn named_tables(&mut self, file: usize, entry: &Entry, seen: &mut Seen, d: &mut Decls) {
        let key = entry.key.as_str();
        if !self.expect_table(&entry.value, key) {
            return;
        }
        for e in entry.value.entries().unwrap_or_default() {
            let what = match key {
                "provider" => "a provider",
                "module" => "a module call",
                _ => "a table",
            };
            if !self.expect_table(&e.value, what) {
                continue;
            }
            if key == "module" && !self.check_name(file, e, "module") {
                continue;
            }
            if !self.unique(seen, file, format!("{key}.{}", e.key), &e.key_span) {
                continue;
            }
            let decl = NamedDecl {
                name: e.key.clone(),
                file,
                span: e.key_span.clone(),
                body: e.value.clone(),
            };
            match key {
                "provider" => d.providers.push(decl),
                "variable" => d.variables.push(decl),
                "module" => d.modules.push(decl),
                _ => d.outputs.push(decl),
            }
        }
    }

    /// `[data.<type>.<name>]`: data sources, declared like resources under the type
    /// `data.<type>`.
    fn data_tables(
        &mut self,
        file: usize,
        entry: &Entry,
        prefix: &[String],
        seen: &mut Seen,
        d: &mut Decls,
    ) {
        if !self.expect_table(
            &entry.value,
            "a table of data sources ([data.<type>.<name>])",
        ) {
            return;
        }
        for e in entry.value.entries().unwrap_or_default() {
            if self.catalog.data.contains_key(&e.key) {
                let dtype = format!("{}{}", cairn_model::DATA_PREFIX, e.key);
                self.resource_table(file, &dtype, e, prefix, seen, d);
                continue;
            }
            let help = suggestion(&e.key, self.catalog.data.keys().map(String::as_str))
                .or_else(|| Some("`cairn schema data` lists the data sources".into()));
            self.error(
                file,
                &e.key_span,
                format!("unknown data source `{}`", e.key),
                "not a data source",
                help,
            );
        }
    }

    /// `[<type>.<name>]` of a type in the catalog.
    fn resource_table(
        &mut self,
        file: usize,
        rtype: &str,
        entry: &Entry,
        prefix: &[String],
        seen: &mut Seen,
        d: &mut Decls,
    ) {
        if self.catalog.get(rtype).is_none() {
            let names = self
                .catalog
                .types
                .keys()
                .map(String::as_str)
                .chain(super::RESERVED);
            let help = crate::terraform::resource_type(rtype)
                .map(str::to_string)
                .or_else(|| suggestion(rtype, names));
            self.error(
                file,
                &entry.key_span,
                format!("unknown resource type `{rtype}`"),
                "not a resource type",
                help,
            );
            return;
        }
        if !self.expect_table(&entry.value, "a table of resources") {
            return;
        }
        for e in entry.value.entries().unwrap_or_default() {
            if !self.check_name(file, e, "resource") {
                continue;
            }
            if !self.expect_table(&e.value, "a resource") {
                continue;
            }
            let address = Address {
                module: prefix.to_vec(),
                rtype: rtype.to_string(),
                name: e.key.clone(),
                key: None,
            };
            let id = format!("{rtype}.{}", e.key);
            if self.unique(seen, file, id, &e.key_span) {
                d.resources.push(ResourceDecl {
                    address,
                    file,
                    span: e.key_span.clone(),
                    body: e.value.clone(),
                });
            }
        }
    }

    /// Expands the declarations of the root or of one module call (`prefix`): locals,
    /// `for_each` keys, module calls, resources and outputs.
    pub(super) fn instance(
        &mut self,
        decls: &Decls,
        prefix: &[String],
        vars: &BTreeMap<String, Binding>,
    ) -> Expanded {
        let stack_name = self.stack_name.clone();
        let local_names: Vec<String> = decls.locals.iter().map(|d| d.name.clone()).collect();
        let order = self.evaluation_order(decls);

        // First pass: the keys of every `for_each` (see `for_each_keys`).
        let bare: BTreeMap<Address, Declared> = decls
            .resources
            .iter()
            .map(|r| {
                let declared = Declared {
                    keys: None,
                    counted: false,
                    failed: false,
                };
                (r.address.clone(), declared)
            })
            .collect();
        let first_pass = Scope {
            variables: vars,
            locals: &NO_BINDINGS,
            declared_locals: &local_names,
            modules: &NO_MODULES,
            stack_name: &stack_name,
            prefix,
            resources: Some(&bare),
            keys_known: false,
            each: None,
            count: None,
            this: None,
        };
        let instances = self.for_each_keys(decls, &order, first_pass);
        let known = known_resources(decls, &instances);

        // Second pass: locals and module calls in dependency order, then resources.
        let second_pass = Scope {
            resources: Some(&known),
            keys_known: true,
            ..first_pass
        };
        let mut out = Expanded::default();
        let mut locals = BTreeMap::new();
        let mut modules: BTreeMap<String, ModuleView> = BTreeMap::new();
        for item in &order {
            let scope = Scope {
                locals: &locals,
                modules: &modules,
                ..second_pass
            };
            match *item {
                Named::Local(i) => {
                    let d = &decls.locals[i];
                    if let Some(b) = self.binding(&d.body, &scope) {
                        locals.insert(d.name.clone(), b);
                    }
                }
                Named::Module(i) => {
                    let d = &decls.modules[i];
                    let (view, resources) = match self.module_call(d, prefix, &scope) {
                        Some(found) => found,
                        None => (
                            ModuleView {
                                failed: true,
                                ..ModuleView::default()
                            },
                            Vec::new(),
                        ),
                    };
                    out.resources.extend(resources);
                    modules.insert(d.name.clone(), view);
                }
            }
        }
        // Modules that were never reached (a cycle, reported) stay silent to references.
        for d in &decls.modules {
            modules.entry(d.name.clone()).or_insert(ModuleView {
                failed: true,
                ..ModuleView::default()
            });
        }
        let scope = Scope {
            locals: &locals,
            modules: &modules,
            ..second_pass
        };
        let resources = self.resources_of(decls, &instances, &scope);
        out.resources.extend(resources);
        out.outputs = self.outputs_of(decls, &scope);
        out
    }

    /// The first pass: the keys of every `for_each`, which must be known before any resource
    /// is (locals are evaluated with every resource declared but no instance known yet; what
    /// this pass reports, the second reports again where it still holds). `None` for a
    /// `for_each` that failed.
    fn for_each_keys(
        &mut self,
        decls: &Decls,
        order: &[Named],
        first_pass: Scope<'_>,
    ) -> BTreeMap<Address, Option<Instances>> {
        let reported = self.diags.len();
        let mut locals = BTreeMap::new();
        for item in order {
            if let Named::Local(i) = *item {
                let d = &decls.locals[i];
                let scope = Scope {
                    locals: &locals,
                    ..first_pass
                };
                if let Some(b) = self.binding(&d.body, &scope) {
                    locals.insert(d.name.clone(), b);
                }
            }
        }
        self.diags.truncate(reported);
        let mut instances = BTreeMap::new();
        for r in &decls.resources {
            let scope = Scope {
                locals: &locals,
                ..first_pass
            };
            let keys = match (r.body.get("for_each"), r.body.get("count")) {
                (None, None) => continue,
                (Some(e), None) => self.for_each(&e.value, &scope),
                (None, Some(c)) => self.count(&c.value, &scope),
                (Some(_), Some(c)) => {
                    self.error(
                        r.file,
                        &c.key_span,
                        format!("`{}` has both `for_each` and `count`", r.address),
                        "one or the other",
                        Some(
                            "`count = N` makes instances [0]..[N-1]; `for_each` makes one per key"
                                .into(),
                        ),
                    );
                    None
                }
            };
            instances.insert(r.address.clone(), keys);
        }
        instances
    }

    /// Every resource (every `for_each` instance) of `decls`, resolved in `scope`.
    fn resources_of(
        &mut self,
        decls: &Decls,
        instances: &BTreeMap<Address, Option<Instances>>,
        scope: &Scope<'_>,
    ) -> Vec<ResourceConfig> {
        let mut out = Vec::new();
        let default_tags = self.default_tags.clone();
        for r in &decls.resources {
            match instances.get(&r.address) {
                None => {
                    if let Some(c) = self.resource(r, scope, &default_tags) {
                        self.spans
                            .insert(c.address.clone(), (r.file, r.span.clone()));
                        out.push(c);
                    }
                }
                Some(None) => {}
                Some(Some(list)) => {
                    for (key, value) in list {
                        let decl = ResourceDecl {
                            address: Address {
                                key: Some(key.clone()),
                                ..r.address.clone()
                            },
                            file: r.file,
                            span: r.span.clone(),
                            body: r.body.clone(),
                        };
                        let scope = match key {
                            InstanceKey::Str(k) => Scope {
                                each: Some((k.as_str(), value)),
                                ..*scope
                            },
                            InstanceKey::Int(i) => Scope {
                                count: Some(*i),
                                ..*scope
                            },
                        };
                        if let Some(c) = self.resource(&decl, &scope, &default_tags) {
                            self.spans
                                .insert(c.address.clone(), (r.file, r.span.clone()));
                            out.push(c);
                        }
                    }
                }
            }
        }
        out
    }

    /// The outputs of `decls`, each with its sensitivity.
    fn outputs_of(
        &mut self,
        decls: &Decls,
        scope: &Scope<'_>,
    ) -> BTreeMap<String, (Binding, bool)> {
        let mut out = BTreeMap::new();
        for d in &decls.outputs {
            if let Some((o, referenced)) = self.output(d, scope) {
                let ty = expr_type(&o.value, referenced, AttrType::Any);
                let binding = Binding {
                    expr: o.value,
                    ty,
                    sensitive: o.sensitive,
                };
                out.insert(d.name.clone(), (binding, o.sensitive));
            }
        }
        out
    }

    /// A local's value and type.
    fn binding(&mut self, node: &Node, scope: &Scope<'_>) -> Option<Binding> {
        let r = self.resolve(node, &AttrType::Any, scope)?;
        let ty = expr_type(&r.expr, r.referenced, AttrType::Any);
        Some(Binding {
            expr: r.expr,
            ty,
            sensitive: r.sensitive,
        })
    }

    /// The instances `for_each` makes: keys must be known while loading.
    fn for_each(&mut self, node: &Node, scope: &Scope<'_>) -> Option<Instances> {
        let expr = self.expr(node, &AttrType::Any, scope)?;
        let unknown = |l: &mut Self, why: &str| {
            l.error(
                node.file,
                &node.span,
                "the keys of `for_each` must be known before anything is created",
                why.to_string(),
                Some("take the keys from a variable, a local or a literal map or list (the availability zones, names, ...); the values may refer to resources: each.value".into()),
            );
            None
        };
        let strings = |l: &mut Self, items: Vec<Value>| -> Option<Instances> {
            let mut out: Instances = Vec::new();
            for item in items {
                let Value::String(s) = item else {
                    l.error(
                        node.file,
                        &node.span,
                        "`for_each` over a list takes a list of strings",
                        format!("has {}", types::kind(&item)),
                        Some("use a map to give each instance a value: { key = value }".into()),
                    );
                    return None;
                };
                if out.iter().any(|(k, _)| *k == InstanceKey::Str(s.clone())) {
                    l.error(
                        node.file,
                        &node.span,
                        format!("`for_each` lists \"{s}\" twice"),
                        "duplicate key",
                        Some("each key makes one instance: list it once".into()),
                    );
                    return None;
                }
                out.push((InstanceKey::Str(s.clone()), Expr::Value(Value::String(s))));
            }
            // Instances are in key order, whatever the list's order.
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Some(out)
        };
        match expr {
            Expr::Value(Value::Map(m)) => Some(
                m.into_iter()
                    .map(|(k, v)| (InstanceKey::Str(k), Expr::Value(v)))
                    .collect(),
            ),
            Expr::Map(m) => Some(
                m.into_iter()
                    .map(|(k, v)| (InstanceKey::Str(k), v))
                    .collect(),
            ),
            Expr::Value(Value::List(items)) => strings(self, items),
            Expr::List(items) => {
                let mut values = Vec::new();
                for item in items {
                    match item {
                        Expr::Value(v) => values.push(v),
                        _ => return unknown(self, "a key here is only known after apply"),
                    }
                }
                strings(self, values)
            }
            Expr::Value(v) if v != Value::Unknown => {
                self.error(
                    node.file,
                    &node.span,
                    "`for_each` takes a map or a list of strings",
                    format!("found {}", types::kind(&v)),
                    None,
                );
                None
            }
            _ => unknown(self, "only known after apply"),
        }
    }

    /// The instances `count` makes: `[0]` to `[count - 1]`, known while loading.
    fn count(&mut self, node: &Node, scope: &Scope<'_>) -> Option<Instances> {
        let expr = self.expr(node, &AttrType::Any, scope)?;
        let n = match &expr {
            Expr::Value(Value::Number(n)) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            }),
            Expr::Value(Value::String(s)) => s.parse().ok(),
            Expr::Value(Value::Unknown) | Expr::Value(_) => None,
            _ => {
                self.error(
                    node.file,
                    &node.span,
                    "`count` must be known before anything is created",
                    "only known after apply",
                    Some("compute it from variables, locals and literals (`${var.enabled ? 1 : 0}`, `${length(var.zones)}`)".into()),
                );
                return None;
            }
        };
        match n {
            Some(n) if n <= 1000 => Some(
                (0..n)
                    .map(|i| (InstanceKey::Int(i), Expr::Value(Value::from(i as i64))))
                    .collect(),
            ),
            _ => {
                let found = match &expr {
                    Expr::Value(v) => types::kind(v),
                    _ => "an expression".into(),
                };
                self.error(
                    node.file,
                    &node.span,
                    "`count` takes a whole number from 0 to 1000",
                    format!("found {found}"),
                    None,
                );
                None
            }
        }
    }

    /// The order to evaluate locals and module calls in: each after what it refers to.
    /// Cycles are reported, and their members left out.
    fn evaluation_order(&mut self, decls: &Decls) -> Vec<Named> {
        let mut deps: BTreeMap<Named, BTreeSet<Named>> = BTreeMap::new();
        let by_name: BTreeMap<String, Named> = decls
            .locals
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("local.{}", d.name), Named::Local(i)))
            .chain(
                decls
                    .modules
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (format!("module.{}", d.name), Named::Module(i))),
            )
            .collect();
        for (name, &n) in &by_name {
            let body = match n {
                Named::Local(i) => &decls.locals[i].body,
                Named::Module(i) => &decls.modules[i].body,
            };
            let mut mentioned = BTreeSet::new();
            mentions(body, &mut mentioned);
            let _ = name;
            deps.insert(
                n,
                mentioned
                    .iter()
                    .filter_map(|m| by_name.get(m).copied())
                    .collect(),
            );
        }
        let mut order = Vec::new();
        let mut done: BTreeSet<Named> = BTreeSet::new();
        loop {
            let ready: Vec<Named> = deps
                .iter()
                .filter(|(n, d)| !done.contains(*n) && d.iter().all(|x| done.contains(x)))
                .map(|(n, _)| *n)
                .collect();
            if ready.is_empty() {
                break;
            }
            for n in ready {
                done.insert(n);
                order.push(n);
            }
        }
        let stuck: Vec<Named> = deps
            .keys()
            .filter(|n| !done.contains(*n))
            .copied()
            .collect();
        if !stuck.is_empty() {
            let name_of = |n: Named| match n {
                Named::Local(i) => format!("local.{}", decls.locals[i].name),
                Named::Module(i) => format!("module.{}", decls.modules[i].name),
            };
            let place = |n: Named| match n {
                Named::Local(i) => (decls.locals[i].file, decls.locals[i].span.clone()),
                Named::Module(i) => (decls.modules[i].file, decls.modules[i].span.clone()),
            };
            let chain = stuck
                .iter()
                .map(|n| name_of(*n))
                .collect::<Vec<_>>()
                .join(" → ");
            let (file, span) = place(stuck[0]);
            let primary = self.label(file, &span, "part of the cycle");
            let secondary = stuck[1..]
                .iter()
                .map(|n| {
                    let (f, s) = place(*n);
                    self.label(f, &s, "part of the cycle")
                })
                .collect();
            self.diags.push(Diagnostic {
                message: format!("these refer to each other in a circle: {chain}"),
                primary,
                secondary,
                help: Some("a local or module input cannot depend on itself".into()),
            });
        }
        order
    }

    /// Loads the module that `decl` calls, with its inputs evaluated in the caller's scope.
    fn module_call(
        &mut self,
        decl: &NamedDecl,
        prefix: &[String],
        scope: &Scope<'_>,
    ) -> Option<(ModuleView, Vec<ResourceConfig>)> {
        let Some(source) = decl.body.get("source") else {
            self.error(
                decl.file,
                &decl.span,
                format!("module `{}` has no `source`", decl.name),
                "source missing",
                Some("source = \"../modules/vpc\": a directory, relative to this file".into()),
            );
            return None;
        };
        let Some(src) = source.value.as_str() else {
            self.error(
                source.value.file,
                &source.value.span,
                "`source` is a directory path",
                "not a string",
                None,
            );
            return None;
        };
        let base = self.files[decl.file]
            .0
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut dir = normalize(&base.join(src));
        if dir.as_os_str().is_empty() {
            // `source = "."` from a file given by a relative path.
            dir = PathBuf::from(".");
        }
        let canonical = match dir.canonicalize() {
            Ok(c) if c.is_dir() => c,
            Ok(_) => {
                self.error(
                    source.value.file,
                    &source.value.span,
                    format!("module source {} is not a directory", dir.display()),
                    "not a directory",
                    None,
                );
                return None;
            }
            Err(e) => {
                self.error(
                    source.value.file,
                    &source.value.span,
                    format!("cannot read module source {}: {e}", dir.display()),
                    "no such directory",
                    Some(
                        "a module source is a directory relative to the file that calls it".into(),
                    ),
                );
                return None;
            }
        };
        if self.visiting.contains(&canonical) {
            let caller_dir = if base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                base.as_path()
            };
            let help = if caller_dir.canonicalize().is_ok_and(|b| b == canonical) {
                "the source is the directory of the file that calls it: a module is another directory of *.toml files (e.g. `source = \"./modules/network\"`); what belongs to this directory is declared here directly"
            } else {
                "a module cannot call a module that calls it"
            };
            self.error(
                source.value.file,
                &source.value.span,
                format!(
                    "module `{}` calls itself (through {})",
                    decl.name,
                    dir.display()
                ),
                "recursive module",
                Some(help.into()),
            );
            return None;
        }
        let roots = match self.module_files.get(&canonical) {
            Some(roots) => roots.clone(),
            None => {
                let roots = self.read_dir_at(&dir, &[], source.value.file, &source.value.span)?;
                self.module_files.insert(canonical.clone(), roots.clone());
                roots
            }
        };
        let mut path = prefix.to_vec();
        path.push(decl.name.clone());
        let was_in_module = std::mem::replace(&mut self.in_module, true);
        let child = self.declarations(&roots, &path);
        self.in_module = was_in_module;
        let (vars, inputs_ok) = self.module_inputs(decl, &child.variables, scope);

        let names: Vec<String> = child.variables.iter().map(|v| v.name.clone()).collect();
        let saved = std::mem::replace(&mut self.declared_vars, names);
        let provider = self.module_providers(decl);
        let outer_provider = std::mem::replace(&mut self.module_provider, provider);
        self.visiting.push(canonical);
        let expanded = self.instance(&child, &path, &vars);
        self.visiting.pop();
        self.module_provider = outer_provider;
        self.declared_vars = saved;
        let view = ModuleView {
            outputs: expanded
                .outputs
                .into_iter()
                .map(|(k, (b, _))| (k, b))
                .collect(),
            addresses: expanded
                .resources
                .iter()
                .map(|r| r.address.clone())
                .collect(),
            // References to a module whose inputs failed are not reported again.
            failed: !inputs_ok,
        };
        Some((view, expanded.resources))
    }

    /// `providers = { aws = "aws.<alias>" }` of a module call: the alias its resources use
    /// (else the caller's).
    fn module_providers(&mut self, call: &NamedDecl) -> Option<String> {
        let Some(e) = call.body.get("providers") else {
            return self.module_provider.clone();
        };
        let Some(entries) = e.value.entries() else {
            self.type_error(
                &e.value,
                &AttrType::Map(Box::new(AttrType::String)),
                e.value.kind_name(),
            );
            return self.module_provider.clone();
        };
        let mut chosen = self.module_provider.clone();
        for entry in entries {
            if entry.key != "aws" {
                self.error(
                    call.file,
                    &entry.key_span,
                    format!("no provider `{}` to pass", entry.key),
                    "cairn manages AWS",
                    Some("providers = { aws = \"aws.<alias>\" }".into()),
                );
                continue;
            }
            if let Some(alias) = self.provider_alias(&entry.value) {
                chosen = alias;
            }
        }
        chosen
    }

    /// The values of a module's variables: the call's keys, evaluated where the call is,
    /// else the variables' defaults; and whether all of them had one.
    fn module_inputs(
        &mut self,
        call: &NamedDecl,
        variables: &[NamedDecl],
        scope: &Scope<'_>,
    ) -> (BTreeMap<String, Binding>, bool) {
        let mut ok = true;
        let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
        for e in call.body.entries().unwrap_or_default() {
            if e.key != "source" && e.key != "providers" && !names.contains(&e.key.as_str()) {
                ok = false;
                let help = suggestion(&e.key, names.iter().copied())
                    .or_else(|| Some(format!("the module's variables: {}", names.join(", "))));
                self.error(
                    call.file,
                    &e.key_span,
                    format!("module `{}` has no variable `{}`", call.name, e.key),
                    "unknown input",
                    help,
                );
            }
        }
        let mut out = BTreeMap::new();
        for v in variables {
            let (ty, sensitive) = self.variable_decl(v);
            match call.body.get(&v.name) {
                Some(e) => match self.resolve(&e.value, &ty, scope) {
                    Some(r) => {
                        let actual = match &r.expr {
                            Expr::Ref(_) => r.referenced.unwrap_or_else(|| ty.clone()),
                            _ => ty.clone(),
                        };
                        out.insert(
                            v.name.clone(),
                            Binding {
                                expr: r.expr,
                                ty: actual,
                                sensitive: sensitive || r.sensitive,
                            },
                        );
                    }
                    None => ok = false,
                },
                None => match v.body.get("default") {
                    Some(d) => {
                        let value = literal_value(&d.value);
                        if let Err(message) = types::check_value(&ty, &value) {
                            ok = false;
                            self.error(
                                d.value.file,
                                &d.value.span,
                                format!("wrong type for variable `{}`", v.name),
                                message,
                                None,
                            );
                            continue;
                        }
                        out.insert(
                            v.name.clone(),
                            Binding {
                                expr: Expr::Value(value),
                                ty,
                                sensitive,
                            },
                        );
                    }
                    None => {
                        ok = false;
                        let primary = self.label(
                            call.file,
                            &call.span,
                            format!("needs `{}` ({})", v.name, ty.describe()),
                        );
                        let secondary = vec![self.label(v.file, &v.span, "declared here")];
                        self.diags.push(Diagnostic {
                            message: format!(
                                "module `{}` needs a value for its variable `{}`",
                                call.name, v.name
                            ),
                            primary,
                            secondary,
                            help: Some(format!("add `{} = ...` to [module.{}]", v.name, call.name)),
                        });
                    }
                },
            }
        }
        (out, ok)
    }

    /// `[[moved]]` blocks: `from` and `to` addresses; `from` must no longer be configured.
    pub(super) fn moves(&mut self, nodes: &[Node], config: &Config) -> Vec<Move> {
        let configured: BTreeSet<&Address> = config.resources.iter().map(|r| &r.address).collect();
        let mut out = Vec::new();
        for node in nodes {
            self.only_keys(node, &["from", "to"], "a [[moved]] block");
            let (Some(from), Some(to)) = (
                self.address_key(node, "from", "[[moved]]"),
                self.address_key(node, "to", "[[moved]]"),
            ) else {
                continue;
            };
            let still = configured.contains(&from)
                || (from.key.is_none()
                    && configured.iter().any(|a| {
                        a.key.is_some()
                            && Address {
                                key: None,
                                ..(*a).clone()
                            } == from
                    }));
            if still {
                if let Some(e) = node.get("from") {
                    self.error(
                        e.value.file,
                        &e.value.span,
                        format!("`{from}` is still in the configuration"),
                        "moved from here, but still declared",
                        Some(format!(
                            "rename its block to `{to}` (the block's new name is the move's `to`)"
                        )),
                    );
                }
                continue;
            }
            out.push(Move { from, to });
        }
        out
    }

    /// `[[import]]` blocks: `to` must be a configured resource, `id` a non-empty string.
    pub(super) fn imports(&mut self, nodes: &[Node], config: &Config) -> Vec<Import> {
        let configured: Vec<String> = config
            .resources
            .iter()
            .map(|r| r.address.to_string())
            .collect();
        let mut seen: BTreeSet<Address> = BTreeSet::new();
        let mut out = Vec::new();
        for node in nodes {
            self.only_keys(node, &["to", "id"], "an [[import]] block");
            let Some(to) = self.address_key(node, "to", "[[import]]") else {
                continue;
            };
            let id = match node.get("id") {
                Some(e) => match e.value.as_str() {
                    Some(s) if !s.trim().is_empty() => s.to_string(),
                    _ => {
                        self.error(
                            e.value.file,
                            &e.value.span,
                            "an import `id` is a non-empty string",
                            "not an id",
                            Some("`cairn schema TYPE` shows the type's import id".into()),
                        );
                        continue;
                    }
                },
                None => {
                    self.error(
                        node.file,
                        &node.span,
                        "[[import]] has no `id`",
                        "id missing",
                        Some("`cairn schema TYPE` shows the type's import id".into()),
                    );
                    continue;
                }
            };
            let shown = to.to_string();
            if let Some(e) = node.get("to") {
                if !configured.contains(&shown) {
                    let help = suggestion(&shown, configured.iter().map(String::as_str))
                        .or_else(|| Some(format!("declare [{}.{}] first", to.rtype, to.name)));
                    self.error(
                        e.value.file,
                        &e.value.span,
                        format!("`{shown}` is not in the configuration"),
                        "nothing to import into",
                        help,
                    );
                    continue;
                }
                if !seen.insert(to.clone()) {
                    self.error(
                        e.value.file,
                        &e.value.span,
                        format!("`{shown}` is imported twice"),
                        "second import",
                        None,
                    );
                    continue;
                }
            }
            out.push(Import { to, id });
        }
        out
    }

    /// A key of a [[moved]] or [[import]] block that holds a resource address.
    fn address_key(&mut self, node: &Node, key: &str, what: &str) -> Option<Address> {
        let Some(e) = node.get(key) else {
            self.error(
                node.file,
                &node.span,
                format!("{what} has no `{key}`"),
                format!("`{key}` missing"),
                Some("e.g. 'module.network.aws_subnet.public[\"us-east-1a\"]'".into()),
            );
            return None;
        };
        let Some(text) = e.value.as_str() else {
            self.error(
                e.value.file,
                &e.value.span,
                format!("`{key}` is a resource address"),
                "not a string",
                None,
            );
            return None;
        };
        match text.parse::<Address>() {
            Ok(a) => Some(a),
            Err(err) => {
                self.error(
                    e.value.file,
                    &e.value.span,
                    err.to_string(),
                    "not an address",
                    None,
                );
                None
            }
        }
    }

    /// A variable declaration's type and sensitivity (its errors are reported where it is).
    pub(super) fn variable_decl(&mut self, d: &NamedDecl) -> (AttrType, bool) {
        let ty = match d.body.get("type") {
            None => AttrType::Any,
            Some(e) => match e.value.as_str().and_then(types::variable_type) {
                Some(t) => t,
                None => AttrType::Any,
            },
        };
        let sensitive = matches!(
            d.body.get("sensitive").map(|e| &e.value.kind),
            Some(NodeKind::Bool(true))
        );
        (ty, sensitive)
    }

    /// Resolves `[each.key]`-style index steps to the key or index they name, and checks a
    /// reference to a resource for its `for_each` instances: the expression it stands for
    /// (a list of references for `[*]`).
    pub(super) fn resolve_steps(
        &mut self,
        node: &Node,
        steps: Vec<Step>,
        range: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<Vec<Step>> {
        let mut out = Vec::with_capacity(steps.len());
        for step in steps {
            match step {
                Step::Dynamic(text) => {
                    let (expr, _) = self.reference(node, &text, range, scope)?;
                    match expr {
                        Expr::Value(Value::String(s)) => out.push(Step::Key(s)),
                        Expr::Value(Value::Number(n)) if n.as_u64().is_some() => {
                            out.push(Step::Index(n.as_u64().unwrap_or_default()))
                        }
                        Expr::Value(v) => {
                            let span = self.inner_span(node, range);
                            self.error(
                                node.file,
                                &span,
                                format!("`[{text}]` is {}, not a key or an index", types::kind(&v)),
                                "not a key",
                                None,
                            );
                            return None;
                        }
                        _ => {
                            let span = self.inner_span(node, range);
                            self.error(
                                node.file,
                                &span,
                                format!("`[{text}]` is only known after apply"),
                                "index must be known while planning",
                                Some("index with each.key, a variable or a local".into()),
                            );
                            return None;
                        }
                    }
                }
                other => out.push(other),
            }
        }
        Some(out)
    }

    /// A reference to a resource's attribute, `address` being the resource's bare address
    /// and `rest` the steps after its name (an instance key or `[*]` first, then the
    /// attribute path): the expression, its type, or nothing (reported).
    pub(super) fn resource_reference(
        &mut self,
        node: &Node,
        span: &Range<usize>,
        text: &str,
        bare: Address,
        rest: &[Step],
        scope: &Scope<'_>,
    ) -> Option<(Expr, AttrType)> {
        let file = node.file;
        let Some(resources) = scope.resources else {
            self.error(
                file,
                span,
                "resources cannot be referenced here",
                "must be known before any resource exists",
                None,
            );
            return None;
        };
        let Some(declared) = resources.get(&bare) else {
            self.unknown_resource(file, span, &bare, scope);
            return None;
        };
        if declared.failed {
            return None;
        }
        let (pick, rest) = match rest.first() {
            Some(Step::Key(k)) => (Pick::One(Some(InstanceKey::Str(k.clone()))), &rest[1..]),
            Some(Step::Index(i)) if declared.counted => {
                (Pick::One(Some(InstanceKey::Int(*i))), &rest[1..])
            }
            Some(Step::Index(i)) => (Pick::One(Some(InstanceKey::Str(i.to_string()))), &rest[1..]),
            Some(Step::Splat) => (Pick::All, &rest[1..]),
            _ => (Pick::One(None), rest),
        };
        if scope.keys_known && !self.instance_exists(file, span, &bare, declared, &pick, rest) {
            return None;
        }
        // A `for_each` resource as a whole: a map of its instances by key (each a map of
        // its attributes), e.g. to pass to a module or to take `[each.key].id` from.
        if rest.is_empty() && (declared.keys.is_some() || !scope.keys_known) {
            return Some(whole_resource(&bare, declared, pick, scope.keys_known));
        }
        let (path, ty) = self.attribute_path(file, span, text, &bare, rest)?;
        let at = |key: Option<InstanceKey>| Address {
            key,
            ..bare.clone()
        };
        match pick {
            Pick::One(key) => {
                let address = at(key);
                if scope.this.is_some_and(|(a, _, _)| a == &address) {
                    self.error(
                        file,
                        span,
                        format!("`{address}` refers to itself"),
                        "self reference",
                        Some("use `${self.<attribute>}` for the resource's own configured attributes".into()),
                    );
                    return None;
                }
                Some((Expr::Ref(Reference { address, path }), ty))
            }
            Pick::All if !scope.keys_known => Some((
                Expr::Ref(Reference {
                    address: bare,
                    path,
                }),
                AttrType::List(Box::new(ty)),
            )),
            Pick::All => {
                if scope.this.is_some_and(|(a, _, _)| {
                    Address {
                        key: None,
                        ..a.clone()
                    } == bare
                }) {
                    self.error(
                        file,
                        span,
                        format!("`{text}` refers to the resource's own instances"),
                        "self reference",
                        None,
                    );
                    return None;
                }
                let items: Vec<Expr> = declared
                    .keys
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| {
                        Expr::Ref(Reference {
                            address: at(Some(k)),
                            path: path.clone(),
                        })
                    })
                    .collect();
                let expr = if items.is_empty() {
                    Expr::Value(Value::List(Vec::new()))
                } else {
                    Expr::List(items)
                };
                Some((expr, AttrType::List(Box::new(ty))))
            }
        }
    }

    /// Whether the instance `pick` names exists, for a reference to `bare` followed by
    /// `rest`: reports an instance key for a resource without `for_each`, a missing or
    /// unknown key for one with it.
    fn instance_exists(
        &mut self,
        file: usize,
        span: &Range<usize>,
        bare: &Address,
        declared: &Declared,
        pick: &Pick,
        rest: &[Step],
    ) -> bool {
        match (pick, &declared.keys) {
            (Pick::One(Some(k)), None) => {
                let k = Address {
                    key: Some(k.clone()),
                    ..bare.clone()
                };
                self.error(
                    file,
                    span,
                    format!("`{bare}` has no `for_each` or `count`: there is no `{k}`"),
                    "not a for_each resource",
                    Some(format!("refer to it as `${{{bare}.<attribute>}}`")),
                );
                false
            }
            (Pick::All, None) => {
                self.error(
                    file,
                    span,
                    format!("`{bare}` has no `for_each` or `count`: `[*]` needs instances"),
                    "not a for_each resource",
                    Some(format!("refer to it as `${{{bare}.<attribute>}}`")),
                );
                false
            }
            (Pick::One(None), Some(keys)) if !rest.is_empty() => {
                let shown: Vec<String> = keys.iter().map(shown_key).collect();
                let how = if declared.counted {
                    "count"
                } else {
                    "for_each"
                };
                self.error(
                    file,
                    span,
                    format!("`{bare}` has `{how}`: say which instance"),
                    "instance missing",
                    Some(format!(
                        "`{bare}[KEY]` for one ({}), `{bare}[*]` for the list of all",
                        shown.join(", ")
                    )),
                );
                false
            }
            (Pick::One(Some(k)), Some(keys)) if !keys.contains(k) => {
                let texts: Vec<String> = keys.iter().map(key_text).collect();
                let similar = match declared.counted {
                    true => None,
                    false => suggestion(&key_text(k), texts.iter().map(String::as_str)),
                };
                let help = similar.or_else(|| {
                    let shown: Vec<String> = keys.iter().map(shown_key).collect();
                    Some(if shown.is_empty() {
                        "it has no instances".to_string()
                    } else {
                        format!("its instances: {}", shown.join(", "))
                    })
                });
                self.error(
                    file,
                    span,
                    format!("`{bare}` has no instance {}", shown_key(k)),
                    "no such instance",
                    help,
                );
                false
            }
            _ => true,
        }
    }

    /// The attribute path `rest` names on a resource of `bare`'s type, and the type of the
    /// value there; reports a missing or unknown attribute. A sensitive attribute taints
    /// the expression.
    fn attribute_path(
        &mut self,
        file: usize,
        span: &Range<usize>,
        text: &str,
        bare: &Address,
        rest: &[Step],
    ) -> Option<(Vec<PathSeg>, AttrType)> {
        let schema = self.catalog.get(&bare.rtype)?;
        let Some(Step::Name(attr)) = rest.first() else {
            self.error(
                file,
                span,
                format!("name an attribute of `{bare}`"),
                "attribute missing",
                Some(format!("e.g. `${{{text}.id}}`")),
            );
            return None;
        };
        let target = schema.outputs.get(attr).or_else(|| schema.inputs.get(attr));
        if target.is_some_and(|a| a.sensitive) {
            self.tainted = true;
        }
        let Some(attr_ty) = target.map(|a| a.ty.clone()) else {
            let names = schema
                .inputs
                .keys()
                .chain(schema.outputs.keys())
                .map(String::as_str);
            let help = suggestion(attr, names);
            self.error(
                file,
                span,
                format!("{} has no attribute `{attr}`", bare.rtype),
                "unknown attribute",
                help,
            );
            return None;
        };
        let path: Vec<PathSeg> = rest.iter().filter_map(path_seg).collect();
        let ty = types::at_path(&attr_ty, &path[1..]).unwrap_or(AttrType::Any);
        Some((path, ty))
    }

    /// `depends_on = ["module.NAME"]`: every resource of that module call.
    pub(super) fn module_addresses(&self, text: &str, scope: &Scope<'_>) -> Option<Vec<Address>> {
        let name = text.strip_prefix("module.")?;
        if name.contains('.') {
            return None;
        }
        scope.modules.get(name).map(|m| m.addresses.clone())
    }

    /// Parses every `*.toml` of a module directory; errors point at `file`/`span` (the
    /// module's `source`).
    fn read_dir_at(
        &mut self,
        dir: &Path,
        skip: &[PathBuf],
        file: usize,
        span: &Range<usize>,
    ) -> Option<Vec<Node>> {
        let roots = self.read_dir(dir, skip, file, span)?;
        for r in &roots {
            self.extra_files.push(r.file);
        }
        Some(roots)
    }
}

/// What a reference's value is at `path` below a binding.
pub(super) fn descend(expr: &Expr, path: &[PathSeg]) -> Option<Expr> {
    let Some((first, rest)) = path.split_first() else {
        return Some(expr.clone());
    };
    match expr {
        Expr::Value(v) => v.get_path(path).map(Expr::Value),
        Expr::Map(m) => match first {
            PathSeg::Key(k) => descend(m.get(k)?, rest),
            PathSeg::Index(_) => None,
        },
        Expr::List(items) => match first {
            PathSeg::Index(i) => descend(items.get(*i)?, rest),
            PathSeg::Key(_) => None,
        },
        Expr::Ref(r) => Some(Expr::Ref(Reference {
            address: r.address.clone(),
            path: r.path.iter().chain(path).cloned().collect(),
        })),
        Expr::Template(_) => None,
        // A computed value: indexed when it is known.
        computed => Some(computed.clone().indexed(path)),
    }
}

/// A reference step as a path segment (`[*]` and dynamic steps are resolved before).
pub(super) fn path_seg(s: &Step) -> Option<PathSeg> {
    match s {
        Step::Name(n) | Step::Key(n) => Some(PathSeg::Key(n.clone())),
        Step::Index(i) => Some(PathSeg::Index(*i as usize)),
        Step::Splat | Step::Dynamic(_) => None,
    }
}

/// Every `local.NAME` and `module.NAME` a value mentions.
fn mentions(node: &Node, out: &mut BTreeSet<String>) {
    match &node.kind {
        NodeKind::Str(s) => {
            let Ok(pieces) = syntax::template(s) else {
                return;
            };
            for p in pieces {
                let Piece::Interp { text, .. } = p else {
                    continue;
                };
                let Ok(ast) = crate::expression::parse(&text) else {
                    continue;
                };
                for reference in ast.references() {
                    // Also inside index brackets: `aws_x.y[local.k]`.
                    for part in reference.split(['[', ']']) {
                        if let Ok(steps) = syntax::steps(part.trim()) {
                            if let [Step::Name(root), Step::Name(name), ..] = steps.as_slice() {
                                if root == "local" || root == "module" {
                                    out.insert(format!("{root}.{name}"));
                                }
                            }
                        }
                    }
                }
            }
        }
        NodeKind::Array(items) => items.iter().for_each(|i| mentions(i, out)),
        NodeKind::Table(entries) => entries.iter().for_each(|e| mentions(&e.value, out)),
        _ => {}
    }
}

/// `a/b/../c/.` as `a/c`, without asking the file system (paths as shown in messages).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The type of a local's or output's expression: a whole reference has the referenced type
/// (`referenced`, the last one the checker saw, which is this one's only for a whole
/// reference), a template is a string, a list or table built around references is a list or
/// map, and a literal is `literal` (its value is checked where it is used).
fn expr_type(expr: &Expr, referenced: Option<AttrType>, literal: AttrType) -> AttrType {
    match expr {
        Expr::Template(_) => AttrType::String,
        Expr::List(_) => AttrType::List(Box::new(AttrType::Any)),
        Expr::Map(_) => AttrType::Map(Box::new(AttrType::Any)),
        Expr::Value(_) => literal,
        // A reference or a computed value: what resolving it found.
        _ => referenced.unwrap_or(AttrType::Any),
    }
}
