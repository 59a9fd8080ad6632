//! Loading a stack: files → declarations → variables → resolved, type-checked configuration.
//! Every error is collected with its location; nothing stops at the first one.

mod compute;
mod expand;
mod template;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use cairn_model::{
    Address, AttrType, Attribute, Catalog, Config, Expr, Lifecycle, OutputConfig, Part, PathSeg,
    ResourceConfig, ResourceSchema, Value,
};

use expand::{descend, Binding, Declared, ModuleView};

use crate::diagnostics::{suggestion, Diagnostic, Diagnostics, Label, LineIndex, Location};
use crate::syntax::{self, Entry, Node, NodeKind, Piece, Step};
use crate::types::{self, article};
use crate::{BackendSettings, ProviderSettings, Stack, StackSettings, VarInputs, VariableValue};

/// Top-level tables that are not resource types.
const RESERVED: [&str; 10] = [
    "stack", "provider", "backend", "variable", "output", "locals", "module", "moved", "import",
    "data",
];
/// Keys of a resource table that are not attributes.
const META: [&str; 5] = ["depends_on", "lifecycle", "for_each", "count", "provider"];
const COMMAND_LINE: &str = "<command line>";

/// Reads, resolves and type-checks the stack in `dir` against the resource types of
/// `catalog`. Returns every error found, located, when there is any.
/// The output name under which [`evaluate`] resolves its expression (no stack can declare
/// it: output names are identifiers).
const PROBE: &str = "<expression>";

/// Loads the stack in `dir` like [`load`], and resolves `expression` (what is written
/// inside `${...}`) in it, as an output of the stack would be: for `cairn eval`.
pub fn evaluate(
    dir: &Path,
    vars: &VarInputs,
    catalog: &Catalog,
    expression: &str,
) -> Result<(Stack, OutputConfig), Diagnostics> {
    let mut loader = Loader::new(catalog);
    loader.probe = Some(expression.to_string());
    let stack = loader.run(dir, vars);
    let mut stack = loader.finish(stack)?;
    let probe = stack.config.outputs.remove(PROBE).unwrap_or(OutputConfig {
        value: Expr::Value(Value::Null),
        sensitive: false,
    });
    Ok((stack, probe))
}

pub fn load(dir: &Path, vars: &VarInputs, catalog: &Catalog) -> Result<Stack, Diagnostics> {
    let mut l = Loader::new(catalog);
    let stack = l.run(dir, vars);
    l.finish(stack)
}

/// Only `[backend]` (whose values must be literal: no variables, no references) and
/// `[provider.aws]` of the stack in `dir`: what commands that just read or move state
/// (`output`, `state ...`, `force-unlock`) need, so they work without variable values. A
/// provider setting that needs a variable is left to the AWS configuration chain.
pub fn load_settings(dir: &Path) -> Result<StackSettings, Diagnostics> {
    let catalog = Catalog::default();
    let mut l = Loader::new(&catalog);
    let settings = l.settings(dir);
    l.finish(settings)
}

impl<'c> Loader<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        Loader {
            catalog,
            files: Vec::new(),
            lines: Vec::new(),
            diags: Vec::new(),
            declared_vars: Vec::new(),
            tainted: false,
            probe: None,
            last_type: None,
            stack_name: String::new(),
            default_tags: BTreeMap::new(),
            provider_aliases: BTreeMap::new(),
            module_provider: None,
            spans: BTreeMap::new(),
            identifying: BTreeMap::new(),
            spread: BTreeMap::new(),
            visiting: Vec::new(),
            module_files: BTreeMap::new(),
            extra_files: Vec::new(),
            in_module: false,
        }
    }

    /// `result` when nothing was reported, else every diagnostic in reading order.
    fn finish<T>(mut self, result: Option<T>) -> Result<T, Diagnostics> {
        let sources = self.files.iter().cloned().collect();
        // In reading order: files by name, then by position.
        let order: BTreeMap<PathBuf, usize> = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.0.clone(), i))
            .collect();
        self.diags.sort_by_key(|d| {
            let loc = &d.primary.location;
            (order.get(&loc.file).copied(), loc.span.start)
        });
        // The same error in every instance of a `for_each` or a module is reported once.
        let mut seen = std::collections::BTreeSet::new();
        self.diags.retain(|d| {
            let loc = &d.primary.location;
            seen.insert((
                d.message.clone(),
                loc.file.clone(),
                loc.span.start,
                loc.span.end,
            ))
        });
        match result {
            Some(stack) if self.diags.is_empty() => Ok(stack),
            _ => Err(Diagnostics {
                items: self.diags,
                sources,
            }),
        }
    }

    fn settings(&mut self, dir: &Path) -> Option<StackSettings> {
        let command_line = self.command_line(&VarInputs::default());
        let roots = self.read_dir(dir, &[], command_line, &(0..0))?;
        let mut backend = None;
        let mut providers = Vec::new();
        for root in &roots {
            for entry in root.entries().unwrap_or_default() {
                match entry.key.as_str() {
                    "backend" if backend.is_none() => {
                        backend = Some((root.file, entry.value.clone()));
                    }
                    "provider" => {
                        for e in entry.value.entries().unwrap_or_default() {
                            providers.push(NamedDecl {
                                name: e.key.clone(),
                                file: root.file,
                                span: e.key_span.clone(),
                                body: e.value.clone(),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        let variables = BTreeMap::new();
        let scope = Scope::bare(&variables, "");
        // A provider setting that needs a variable is left to the AWS configuration chain.
        let reported = self.diags.len();
        let mut provider = self.provider(&providers, &scope);
        if self.diags.len() > reported {
            self.diags.truncate(reported);
            provider = ProviderSettings::default();
        }
        let backend = match backend {
            Some((file, node)) => Some(self.backend(file, &node)?),
            None => None,
        };
        Some(StackSettings { provider, backend })
    }
}

struct Loader<'c> {
    catalog: &'c Catalog,
    /// Every file a location can point into: stack files, var files, the command line.
    files: Vec<(PathBuf, String)>,
    /// Line starts of each of `files`, for locations.
    lines: Vec<LineIndex>,
    diags: Vec<Diagnostic>,
    /// Every declared variable, with or without a value (errors for those without are
    /// reported once, at the declaration).
    declared_vars: Vec<String>,
    /// Set while resolving one value when it takes anything from something sensitive: read
    /// only by [`Loader::resolve`].
    tainted: bool,
    /// An expression to resolve as if it were an output ([`evaluate`]).
    probe: Option<String>,
    /// The type of the last whole-string reference resolved (for locals and module inputs):
    /// read only by [`Loader::resolve`].
    last_type: Option<AttrType>,
    stack_name: String,
    /// `[provider.aws] default_tags`, merged into every taggable resource, in modules too.
    default_tags: BTreeMap<String, String>,
    /// `[provider.aws.<alias>]`: each alias with its default tags.
    provider_aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// The provider alias a module call passes its resources (`providers = { aws = "aws.x" }`).
    module_provider: Option<String>,
    /// Where each resource (each instance) is declared.
    spans: BTreeMap<Address, (usize, Range<usize>)>,
    /// Where each attribute that AWS echoes into ids and names (`identifying`) is written, to
    /// refuse a sensitive value there once sensitivity has spread.
    identifying: BTreeMap<(Address, String), (usize, Range<usize>)>,
    /// Where each attribute whose ids must name resources spread over several values of
    /// an attribute (`Constraints::spread`) is written, for the check across resources.
    spread: BTreeMap<(Address, String), (usize, Range<usize>)>,
    /// Canonical directories of the module calls being loaded, outermost first.
    visiting: Vec<PathBuf>,
    /// Each module directory's parsed files, read once however often it is called.
    module_files: BTreeMap<PathBuf, Vec<Node>>,
    /// Files of modules, part of the stack's configuration besides its own files.
    extra_files: Vec<usize>,
    /// Loading a module's declarations (no [stack], [[moved]], ...).
    in_module: bool,
}

/// Where a reference is written and its steps (`var`, `name`, `[0]`, ...), for the
/// functions that resolve each kind.
struct RefAt<'t> {
    file: usize,
    /// Of the reference inside its string.
    span: Range<usize>,
    text: &'t str,
    steps: Vec<Step>,
}

impl RefAt<'_> {
    /// The `i`th step, when it is a name.
    fn name(&self, i: usize) -> Option<&str> {
        match self.steps.get(i) {
            Some(Step::Name(n)) => Some(n.as_str()),
            _ => None,
        }
    }
}

/// A `[variable.NAME]` as declared.
struct DeclaredVariable {
    ty: AttrType,
    sensitive: bool,
    default: Option<Node>,
}

/// A value resolved by [`Loader::resolve`].
struct Resolved {
    expr: Expr,
    /// For a whole reference (`"${x.y}"`), the type of what it refers to.
    referenced: Option<AttrType>,
    /// Something sensitive flowed into the value.
    sensitive: bool,
}

/// A declared `[type.name]`.
struct ResourceDecl {
    address: Address,
    file: usize,
    /// The `name` key of the header.
    span: Range<usize>,
    body: Node,
}

/// A `[kind.name]` of a reserved table (variable, output, provider).
struct NamedDecl {
    name: String,
    file: usize,
    span: Range<usize>,
    body: Node,
}

/// What references may see while resolving one value.
#[derive(Clone, Copy)]
struct Scope<'a> {
    variables: &'a BTreeMap<String, Binding>,
    locals: &'a BTreeMap<String, Binding>,
    /// Every local declared where the value is (those that failed too: not reported twice).
    declared_locals: &'a [String],
    /// Module calls evaluated so far.
    modules: &'a BTreeMap<String, ModuleView>,
    stack_name: &'a str,
    /// The module path of the resources being resolved (empty at the root).
    prefix: &'a [String],
    /// Declared resources (bare addresses); `None` where resources may not be referenced.
    resources: Option<&'a BTreeMap<Address, Declared>>,
    /// `false` while `for_each` keys are worked out: instance keys are not checked.
    keys_known: bool,
    /// `each.key` and `each.value` inside a `for_each` resource.
    each: Option<(&'a str, &'a Expr)>,
    /// `count.index` inside a `count` resource.
    count: Option<u64>,
    /// The resource being resolved, for `self.*`.
    this: Option<(&'a Address, &'a ResourceSchema, &'a Node)>,
}

static NO_BINDINGS: BTreeMap<String, Binding> = BTreeMap::new();
static NO_MODULES: BTreeMap<String, ModuleView> = BTreeMap::new();

impl<'a> Scope<'a> {
    /// Variables and `stack.name` only: for provider and backend settings.
    fn bare(variables: &'a BTreeMap<String, Binding>, stack_name: &'a str) -> Scope<'a> {
        Scope {
            variables,
            locals: &NO_BINDINGS,
            declared_locals: &[],
            modules: &NO_MODULES,
            stack_name,
            prefix: &[],
            resources: None,
            keys_known: true,
            each: None,
            count: None,
            this: None,
        }
    }
}

impl Loader<'_> {
    fn location(&self, file: usize, span: &Range<usize>) -> Location {
        let (path, text) = &self.files[file];
        let (line, col) = self.lines[file].line_col(text, span.start);
        Location {
            file: path.clone(),
            line,
            col,
            span: span.clone(),
        }
    }

    fn label(&self, file: usize, span: &Range<usize>, message: impl Into<String>) -> Label {
        Label {
            location: self.location(file, span),
            message: message.into(),
        }
    }

    fn error(
        &mut self,
        file: usize,
        span: &Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let primary = self.label(file, span, label);
        self.diags.push(Diagnostic {
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help,
        });
    }

    fn add_file(&mut self, path: PathBuf, text: String) -> usize {
        self.lines.push(LineIndex::new(&text));
        self.files.push((path, text));
        self.files.len() - 1
    }

    fn run(&mut self, dir: &Path, vars: &VarInputs) -> Option<Stack> {
        let command_line = self.command_line(vars);
        let roots = self.read_dir(dir, &vars.files, command_line, &(0..0))?;
        let mut decls = self.declarations(&roots, &[]);
        if let Some(expression) = self.probe.clone() {
            decls.outputs.push(self.probe_output(&expression));
        }

        let variables = self.variables(&decls.variables, vars, command_line);
        let name = self.stack_name(decls.stack_table.as_ref(), roots.first().map(|r| r.file));
        self.stack_name = name.clone().unwrap_or_default();
        let bindings: BTreeMap<String, Binding> = variables
            .iter()
            .map(|(k, (v, ty))| {
                let b = Binding {
                    expr: Expr::Value(v.value.clone()),
                    ty: ty.clone(),
                    sensitive: v.sensitive,
                };
                (k.clone(), b)
            })
            .collect();
        let stack_name = self.stack_name.clone();
        let scope = Scope::bare(&bindings, &stack_name);
        self.validations(&decls.variables, &variables, &scope);
        let provider = self.provider(&decls.providers, &scope);
        let backend = decls
            .backend
            .as_ref()
            .map(|(file, node)| self.backend(*file, node));
        self.default_tags = provider.default_tags.clone();
        self.provider_aliases = provider
            .aliases
            .iter()
            .map(|(k, v)| (k.clone(), v.default_tags.clone()))
            .collect();
        if let Ok(canonical) = dir.canonicalize() {
            self.visiting.push(canonical);
        }

        let expanded = self.instance(&decls, &[], &bindings);
        let mut config = Config {
            resources: expanded.resources,
            ..Config::default()
        };
        for (name, (binding, sensitive)) in expanded.outputs {
            config.outputs.insert(
                name,
                OutputConfig {
                    value: binding.expr,
                    sensitive,
                },
            );
        }
        // Data sources were expanded like resources (instances, references, cycles): they go
        // apart now, for the engine to read before planning.
        let (data, resources) = std::mem::take(&mut config.resources)
            .into_iter()
            .partition(|r| r.address.data_type().is_some());
        config.resources = resources;
        config.data = data;
        config.moves = self.moves(&decls.moved, &config);
        config.imports = self.imports(&decls.imports, &config);
        self.cycles(&config);
        spread_sensitivity(&mut config);
        self.secrets_in_identifiers(&config);
        self.spread_across(&config);

        let locations = self
            .spans
            .clone()
            .into_iter()
            .map(|(a, (file, span))| (a, self.location(file, &span)))
            .collect();
        let files = roots
            .iter()
            .map(|n| n.file)
            .chain(self.extra_files.iter().copied())
            .map(|f| self.files[f].clone())
            .collect();
        Some(Stack {
            name: name?,
            dir: dir.to_path_buf(),
            provider,
            backend: backend.flatten(),
            config,
            variables: variables.into_iter().map(|(k, (v, _))| (k, v)).collect(),
            locations,
            files,
        })
    }

    /// A pseudo file holding the command line's `--var` and `--var-file` arguments, so that
    /// errors in them are located like any other.
    /// The output that [`evaluate`]'s expression is resolved as, in a file of its own.
    fn probe_output(&mut self, expression: &str) -> NamedDecl {
        let quoted = toml::Value::String(format!("${{{expression}}}")).to_string();
        let text = format!("value = {quoted}\n");
        let file = self.add_file(PathBuf::from(PROBE), text.clone());
        let body = syntax::parse_file(file, &text).unwrap_or(Node {
            file,
            span: 0..0,
            kind: NodeKind::Table(Vec::new()),
        });
        NamedDecl {
            name: PROBE.to_string(),
            file,
            span: 0..0,
            body,
        }
    }

    fn command_line(&mut self, vars: &VarInputs) -> usize {
        let mut text = String::new();
        for a in &vars.assignments {
            text.push_str(&format!("--var {a}\n"));
        }
        for f in &vars.files {
            text.push_str(&format!("--var-file {}\n", f.display()));
        }
        for (name, value) in &vars.environment {
            text.push_str(&format!("{ENV_PREFIX}{name}= {value}\n"));
        }
        self.add_file(PathBuf::from(COMMAND_LINE), text)
    }

    /// Span of line `n` (0-based) of the command-line pseudo file, after its flag.
    fn command_line_span(&self, file: usize, n: usize) -> Range<usize> {
        let text = &self.files[file].1;
        let mut start = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i == n {
                let flag = line.find(' ').map_or(0, |s| s + 1);
                return start + flag..start + line.trim_end().len();
            }
            start += line.len();
        }
        0..0
    }

    /// Parses every `*.toml` of `dir` in name order, except files given as `--var-file`.
    fn read_dir(
        &mut self,
        dir: &Path,
        var_files: &[PathBuf],
        err_file: usize,
        err_span: &Range<usize>,
    ) -> Option<Vec<Node>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.error(
                    err_file,
                    err_span,
                    format!("cannot read the stack directory {}: {e}", dir.display()),
                    "",
                    None,
                );
                return None;
            }
        };
        // Every `*.toml` entry is read or reported (see [`toml_files`]).
        let mut paths: Vec<PathBuf> = Vec::new();
        for found in toml_files(dir, entries) {
            match found {
                Ok(path) => paths.push(path),
                Err(unreadable) => {
                    let file = self.add_file(display_path(&unreadable.path), String::new());
                    self.error(file, &(0..0), unreadable.message, "", Some(unreadable.help));
                }
            }
        }
        let var_files: Vec<PathBuf> = var_files
            .iter()
            .filter_map(|f| f.canonicalize().ok())
            .collect();
        paths.retain(|p| !p.canonicalize().is_ok_and(|c| var_files.contains(&c)));
        paths.sort();
        if paths.is_empty() {
            self.error(
                err_file,
                err_span,
                format!("no *.toml files in {}", dir.display()),
                "",
                Some("a stack or a module is a directory of TOML files".into()),
            );
            return None;
        }
        let mut roots = Vec::new();
        for path in paths {
            let shown = display_path(&path);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let file = self.add_file(shown, text);
                    match syntax::parse_file(file, &self.files[file].1) {
                        Ok(root) => roots.push(root),
                        Err(e) => self.error(file, &e.span, "invalid TOML", e.message, None),
                    }
                }
                Err(e) => {
                    let unreadable = Unreadable::new(&path, &e);
                    let file = self.add_file(shown, String::new());
                    self.error(file, &(0..0), unreadable.message, "", Some(unreadable.help));
                }
            }
        }
        Some(roots)
    }

    /// Refuses a sensitive value in an attribute AWS echoes into the resource's id, ARN or
    /// name: state, plans and progress would then show it in clear, whatever cairn redacts.
    fn secrets_in_identifiers(&mut self, config: &Config) {
        let mut reported = BTreeSet::new();
        for r in &config.resources {
            let Some(schema) = self.catalog.get(&r.address.rtype) else {
                continue;
            };
            for name in &r.sensitive {
                if !schema.inputs.get(name).is_some_and(|a| a.identifying) {
                    continue;
                }
                let Some((file, span)) = self.identifying.get(&(r.address.clone(), name.clone()))
                else {
                    continue;
                };
                // Every instance of a for_each or module shares the span: one error.
                if !reported.insert((*file, span.start)) {
                    continue;
                }
                let (file, span) = (*file, span.clone());
                self.error(
                    file,
                    &span,
                    format!(
                        "`{}`'s `{name}` is built from a sensitive value, and AWS puts `{name}` in the id, ARN or name it answers with",
                        r.address
                    ),
                    "sensitive value here",
                    Some(format!(
                        "state, plans and apply's output would show it in clear: keep secrets out of `{name}` (put them in a sensitive attribute such as a value or password), or make the variable it comes from not sensitive if it is not a secret"
                    )),
                );
            }
        }
    }

    /// Refuses ids that must name resources spread over several values of an attribute
    /// (a load balancer's subnets over two availability zones) when every value is known
    /// and there are too few.
    fn spread_across(&mut self, config: &Config) {
        let by_address: BTreeMap<&Address, &ResourceConfig> =
            config.resources.iter().map(|r| (&r.address, r)).collect();
        let mut reported = BTreeSet::new();
        for r in &config.resources {
            let Some(schema) = self.catalog.get(&r.address.rtype) else {
                continue;
            };
            for (name, attr) in &schema.inputs {
                let Some((attribute, at_least)) = &attr.constraints.spread else {
                    continue;
                };
                let Some(Expr::List(items)) = r.attributes.get(name) else {
                    continue;
                };
                let values: Option<BTreeSet<String>> = items
                    .iter()
                    .map(|item| match item {
                        Expr::Ref(reference) => {
                            match by_address
                                .get(&reference.address)?
                                .attributes
                                .get(attribute)
                            {
                                Some(Expr::Value(v)) => Some(v.canonical_json()),
                                _ => None,
                            }
                        }
                        _ => None,
                    })
                    .collect();
                let Some(values) = values.filter(|v| v.len() < *at_least) else {
                    continue;
                };
                let key = (r.address.clone(), name.clone());
                let Some((file, span)) = self.spread.get(&key).cloned() else {
                    continue;
                };
                if !reported.insert((file, span.start)) {
                    continue;
                }
                let shown: Vec<&str> = values.iter().map(String::as_str).collect();
                self.error(
                    file,
                    &span,
                    format!(
                        "`{}`'s `{name}` must name resources with at least {at_least} different `{attribute}`; these all have {}",
                        r.address,
                        shown.join(", ")
                    ),
                    "AWS would refuse this",
                    None,
                );
            }
        }
    }

    fn expect_table(&mut self, node: &Node, what: &str) -> bool {
        if node.entries().is_some() {
            return true;
        }
        self.error(
            node.file,
            &node.span,
            format!("expected {what} (a TOML table), found {}", node.kind_name()),
            "not a table",
            None,
        );
        false
    }

    /// Reports keys of `table` that are not in `allowed`.
    fn only_keys(&mut self, table: &Node, allowed: &[&str], what: &str) {
        for e in table.entries().unwrap_or_default() {
            if !allowed.contains(&e.key.as_str()) {
                let help = suggestion(&e.key, allowed.iter().copied())
                    .or_else(|| Some(format!("{what} takes: {}", allowed.join(", "))));
                self.error(
                    table.file,
                    &e.key_span,
                    format!("unknown key `{}` in {what}", e.key),
                    "unknown key",
                    help,
                );
            }
        }
    }

    fn stack_name(
        &mut self,
        table: Option<&(usize, Range<usize>, Node)>,
        first_file: Option<usize>,
    ) -> Option<String> {
        let Some((file, span, node)) = table else {
            if let Some(f) = first_file {
                self.error(
                    f,
                    &(0..0),
                    "the stack has no [stack] table",
                    "",
                    Some("add `[stack]` with `name = \"...\"` to one of its files".into()),
                );
            }
            return None;
        };
        self.only_keys(node, &["name", "description"], "[stack]");
        let Some(entry) = node.get("name") else {
            self.error(*file, span, "[stack] has no `name`", "name missing", None);
            return None;
        };
        match entry.value.as_str() {
            Some(n)
                if !n.is_empty()
                    && n.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') =>
            {
                Some(n.to_string())
            }
            _ => {
                self.error(
                    *file,
                    &entry.value.span,
                    "invalid stack name",
                    "lowercase letters, digits and `-`",
                    None,
                );
                None
            }
        }
    }

    /// Every declared variable with a value: given (var files, then `--var`, later wins) or
    /// its default, checked against its type; with the type, for references.
    fn variables(
        &mut self,
        decls: &[NamedDecl],
        inputs: &VarInputs,
        command_line: usize,
    ) -> BTreeMap<String, (VariableValue, AttrType)> {
        let declared = self.declared_variables(decls);
        self.declared_vars = declared.keys().cloned().collect();
        let (given, rejected) = self.given_values(&declared, inputs, command_line);
        let mut out = BTreeMap::new();
        for d in decls {
            let Some(decl) = declared.get(&d.name) else {
                continue;
            };
            let supplied = given.contains_key(&d.name);
            let node = given.get(&d.name).or(decl.default.as_ref());
            let Some(node) = node else {
                if rejected.contains(&d.name) {
                    continue;
                }
                self.error(
                    d.file,
                    &d.span,
                    format!("variable `{}` has no value", d.name),
                    "declared here without a default",
                    Some(format!(
                        "give it a value with --var {}=VALUE or in a --var-file",
                        d.name
                    )),
                );
                continue;
            };
            // A --var node's span points into the command line; deeper spans are not kept.
            let value = literal_value(node);
            if let Err(message) = types::check_value(&decl.ty, &value) {
                let file = if node.file == usize::MAX {
                    command_line
                } else {
                    node.file
                };
                self.error(
                    file,
                    &node.span,
                    format!("wrong type for variable `{}`", d.name),
                    message,
                    None,
                );
                continue;
            }
            out.insert(
                d.name.clone(),
                (
                    VariableValue {
                        value,
                        sensitive: decl.sensitive,
                        given: supplied,
                    },
                    decl.ty.clone(),
                ),
            );
        }
        out
    }

    /// Each `[variable.NAME]`: its type, sensitivity and default.
    /// Each variable's `validation = [{ condition = "${...}", error_message = "..." }]`: a
    /// condition that is false is an error with its message, at the condition.
    fn validations(
        &mut self,
        decls: &[NamedDecl],
        values: &BTreeMap<String, (VariableValue, AttrType)>,
        scope: &Scope<'_>,
    ) {
        for d in decls {
            let (Some(rules), Some((value, _))) = (d.body.get("validation"), values.get(&d.name))
            else {
                continue;
            };
            let NodeKind::Array(items) = &rules.value.kind else {
                self.error(
                    d.file,
                    &rules.value.span,
                    "`validation` is a list of { condition = \"${...}\", error_message = \"...\" }",
                    "not a list",
                    None,
                );
                continue;
            };
            for rule in items {
                if !self.expect_table(rule, "a validation rule") {
                    continue;
                }
                self.only_keys(rule, &["condition", "error_message"], "a validation rule");
                let (Some(condition), Some(message)) =
                    (rule.get("condition"), rule.get("error_message"))
                else {
                    self.error(
                        rule.file,
                        &rule.span,
                        "a validation rule needs `condition` and `error_message`",
                        "here",
                        Some("e.g. { condition = '${length(var.zones) > 0}', error_message = \"at least one zone\" }".into()),
                    );
                    continue;
                };
                let Some(expr) = self.expr(&condition.value, &AttrType::Bool, scope) else {
                    continue;
                };
                let message = message.value.as_str().unwrap_or_default().to_string();
                match expr {
                    Expr::Value(Value::Bool(true)) => {}
                    Expr::Value(Value::Bool(false)) => {
                        let shown = if value.sensitive {
                            "(sensitive)".to_string()
                        } else {
                            value.value.to_json_lossy().to_string()
                        };
                        self.error(
                            condition.value.file,
                            &condition.value.span,
                            format!("invalid value for variable `{}`: {message}", d.name),
                            format!("false for {shown}"),
                            None,
                        );
                    }
                    _ => self.error(
                        condition.value.file,
                        &condition.value.span,
                        "a validation condition must be a bool known before anything is created",
                        "not a known bool",
                        None,
                    ),
                }
            }
        }
    }

    fn declared_variables(&mut self, decls: &[NamedDecl]) -> BTreeMap<String, DeclaredVariable> {
        let mut declared: BTreeMap<String, DeclaredVariable> = BTreeMap::new();
        for d in decls {
            self.only_keys(
                &d.body,
                &["type", "default", "sensitive", "description", "validation"],
                "a variable",
            );
            let ty = match d.body.get("type") {
                None => AttrType::Any,
                Some(e) => match e.value.as_str().and_then(types::variable_type) {
                    Some(t) => t,
                    None => {
                        let got = e.value.as_str().unwrap_or_default();
                        let help = suggestion(got, types::VARIABLE_TYPES);
                        self.error(
                            d.file,
                            &e.value.span,
                            "invalid variable type",
                            "not a type",
                            help.or_else(|| {
                                Some(format!(
                                    "a type is built from {}",
                                    types::VARIABLE_TYPES.join(", ")
                                ))
                            }),
                        );
                        AttrType::Any
                    }
                },
            };
            let sensitive = self.bool_key(&d.body, "sensitive").unwrap_or(false);
            let default = d.body.get("default").map(|e| e.value.clone());
            declared.insert(
                d.name.clone(),
                DeclaredVariable {
                    ty,
                    sensitive,
                    default,
                },
            );
        }
        declared
    }

    /// Values from var files, then from `--var` (later wins), as nodes located where they
    /// were written; and the variables given a value that was rejected (not also reported
    /// as missing).
    fn given_values(
        &mut self,
        declared: &BTreeMap<String, DeclaredVariable>,
        inputs: &VarInputs,
        command_line: usize,
    ) -> (BTreeMap<String, Node>, Vec<String>) {
        let mut given: BTreeMap<String, Node> = BTreeMap::new();
        // Variables given a value that was rejected: not also reported as missing.
        let mut rejected: Vec<String> = Vec::new();
        for (i, path) in inputs.files.iter().enumerate() {
            let line = inputs.assignments.len() + i;
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    let span = self.command_line_span(command_line, line);
                    self.error(
                        command_line,
                        &span,
                        format!("cannot read variable file {}: {e}", path.display()),
                        "this file",
                        None,
                    );
                    continue;
                }
            };
            let file = self.add_file(display_path(path), text);
            let root = match syntax::parse_file(file, &self.files[file].1) {
                Ok(r) => r,
                Err(e) => {
                    self.error(file, &e.span, "invalid TOML", e.message, None);
                    continue;
                }
            };
            for e in root.entries().unwrap_or_default() {
                if declared.contains_key(&e.key) {
                    given.insert(e.key.clone(), e.value.clone());
                } else {
                    self.unknown_variable(file, &e.key_span, &e.key);
                }
            }
        }
        for (i, (name, raw)) in inputs.environment.iter().enumerate() {
            // Lowest first: the environment, then var files, then --var (later ones win).
            // A variable this stack does not declare is for another stack: not an error.
            let Some(d) = declared.get(name.as_str()) else {
                continue;
            };
            if given.contains_key(name) {
                continue;
            }
            let line = inputs.assignments.len() + inputs.files.len() + i;
            let span = self.command_line_span(command_line, line);
            match assigned(&d.ty, raw) {
                Ok(kind) => {
                    given.insert(
                        name.clone(),
                        Node {
                            file: command_line,
                            span,
                            kind,
                        },
                    );
                }
                Err(message) => {
                    rejected.push(name.clone());
                    self.error(
                        command_line,
                        &span,
                        format!("invalid value for variable `{name}` (from {ENV_PREFIX}{name})"),
                        message,
                        None,
                    )
                }
            }
        }
        for (i, a) in inputs.assignments.iter().enumerate() {
            let span = self.command_line_span(command_line, i);
            let Some((name, raw)) = a.split_once('=') else {
                self.error(command_line, &span, "a --var is NAME=VALUE", "no `=`", None);
                continue;
            };
            let name = name.trim();
            let Some(d) = declared.get(name) else {
                self.unknown_variable(command_line, &span, name);
                continue;
            };
            let kind = assigned(&d.ty, raw);
            match kind {
                Ok(kind) => {
                    given.insert(
                        name.to_string(),
                        Node {
                            file: command_line,
                            span: span.clone(),
                            kind,
                        },
                    );
                }
                Err(message) => {
                    rejected.push(name.to_string());
                    self.error(
                        command_line,
                        &span,
                        format!("invalid value for variable `{name}`"),
                        message,
                        None,
                    )
                }
            }
        }

        (given, rejected)
    }

    /// A value given for a variable nobody declared.
    fn unknown_variable(&mut self, file: usize, span: &Range<usize>, name: &str) {
        let help = suggestion(name, self.declared_vars.iter().map(String::as_str));
        self.error(
            file,
            span,
            format!("no variable named `{name}` is declared"),
            "unknown variable",
            help.or_else(|| Some(format!("declare it with [variable.{name}]"))),
        );
    }

    fn bool_key(&mut self, table: &Node, key: &str) -> Option<bool> {
        let e = table.get(key)?;
        match e.value.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                self.error(
                    e.value.file,
                    &e.value.span,
                    format!("`{key}` must be true or false"),
                    format!("found {}", e.value.kind_name()),
                    None,
                );
                None
            }
        }
    }

    fn provider(&mut self, decls: &[NamedDecl], scope: &Scope<'_>) -> ProviderSettings {
        let mut out = ProviderSettings::default();
        for d in decls {
            if d.name == "aws" {
                out = self.provider_settings(&d.body, "[provider.aws]", true, scope);
                continue;
            }
            let help = suggestion(&d.name, ["aws"]);
            self.error(
                d.file,
                &d.span,
                format!("unknown provider `{}`", d.name),
                "cairn manages AWS",
                help.or_else(|| Some("use [provider.aws]".into())),
            );
        }
        out
    }

    /// The settings of `[provider.aws]` (with its aliases, when `root`) or of one alias.
    fn provider_settings(
        &mut self,
        body: &Node,
        what: &str,
        root: bool,
        scope: &Scope<'_>,
    ) -> ProviderSettings {
        const KEYS: [&str; 5] = [
            "region",
            "endpoint",
            "profile",
            "default_tags",
            "assume_role",
        ];
        let mut out = ProviderSettings::default();
        let string_ty = AttrType::String;
        let tags_ty = AttrType::Map(Box::new(AttrType::String));
        let role_ty = AttrType::Map(Box::new(AttrType::String));
        for e in body.entries().unwrap_or_default() {
            if !KEYS.contains(&e.key.as_str()) {
                if root && matches!(e.value.kind, NodeKind::Table(_)) && valid_name(&e.key) {
                    let alias_what = format!("[provider.aws.{}]", e.key);
                    let alias = self.provider_settings(&e.value, &alias_what, false, scope);
                    out.aliases.insert(e.key.clone(), alias);
                    continue;
                }
                let help = suggestion(&e.key, KEYS).or_else(|| {
                    Some(format!(
                        "{what} takes {}{}",
                        KEYS.join(", "),
                        if root {
                            ", and aliases as [provider.aws.<alias>] tables"
                        } else {
                            ""
                        }
                    ))
                });
                self.error(
                    body.file,
                    &e.key_span,
                    format!("unknown key `{}` in {what}", e.key),
                    "unknown key",
                    help,
                );
                continue;
            }
            let ty = match e.key.as_str() {
                "default_tags" => &tags_ty,
                "assume_role" => &role_ty,
                _ => &string_ty,
            };
            let Some(v) = self
                .expr(&e.value, ty, scope)
                .and_then(|x| self.literal(&e.value, x))
            else {
                continue;
            };
            match (e.key.as_str(), v) {
                ("region", Value::String(s)) => out.region = Some(s),
                ("endpoint", Value::String(s)) => out.endpoint = Some(s),
                ("profile", Value::String(s)) => out.profile = Some(s),
                ("default_tags", Value::Map(m)) => {
                    out.default_tags = m
                        .into_iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                        .collect();
                }
                ("assume_role", Value::Map(m)) => {
                    let text = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
                    let unknown: Vec<&String> = m
                        .keys()
                        .filter(|k| {
                            !["role_arn", "session_name", "external_id"].contains(&k.as_str())
                        })
                        .collect();
                    if let Some(k) = unknown.first() {
                        self.error(
                            e.value.file,
                            &e.value.span,
                            format!("unknown key `{k}` in `assume_role`"),
                            "unknown key",
                            Some("assume_role takes role_arn, session_name and external_id".into()),
                        );
                    }
                    match text("role_arn") {
                        Some(role_arn) => {
                            out.assume_role = Some(crate::AssumeRole {
                                role_arn,
                                session_name: text("session_name"),
                                external_id: text("external_id"),
                            })
                        }
                        None => self.error(
                            e.value.file,
                            &e.value.span,
                            "`assume_role` needs `role_arn`",
                            "role_arn missing",
                            None,
                        ),
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// A resource's `provider = "aws.<alias>"`: the alias, checked against the declared ones.
    fn provider_alias(&mut self, node: &Node) -> Option<Option<String>> {
        let Some(text) = node.as_str() else {
            self.type_error(node, &AttrType::String, node.kind_name());
            return None;
        };
        if text == "aws" {
            return Some(None);
        }
        let aliases: Vec<String> = self.provider_aliases.keys().cloned().collect();
        let shown: Vec<String> = aliases.iter().map(|a| format!("aws.{a}")).collect();
        match text.strip_prefix("aws.") {
            Some(alias) if self.provider_aliases.contains_key(alias) => {
                Some(Some(alias.to_string()))
            }
            _ => {
                let help = suggestion(text, shown.iter().map(String::as_str)).or_else(|| {
                    Some(if shown.is_empty() {
                        "declare the configuration as [provider.aws.<alias>] (region, profile, assume_role, ...)".to_string()
                    } else {
                        format!("the providers are: aws, {}", shown.join(", "))
                    })
                });
                self.error(
                    node.file,
                    &node.span,
                    format!("no provider `{text}`"),
                    "not declared",
                    help,
                );
                None
            }
        }
    }

    /// `[backend]`. Its values must be literal (no variables, no references): commands that
    /// only read or move state find it without variable values (see [`load_settings`]).
    fn backend(&mut self, file: usize, node: &Node) -> Option<BackendSettings> {
        let variables = BTreeMap::new();
        let scope = &Scope::bare(&variables, "");
        let Some(kind) = node.get("type") else {
            self.error(
                file,
                &node.span,
                "[backend] has no `type`",
                "type missing",
                Some("e.g. type = \"local\"".into()),
            );
            return None;
        };
        let Some(kind) = kind.value.as_str().map(str::to_string) else {
            self.error(
                file,
                &kind.value.span,
                "[backend] `type` must be a string",
                "not a string",
                Some("type = \"local\" or type = \"s3\"".into()),
            );
            return None;
        };
        // Every backend type's settings: (key, required). All are strings.
        let keys: &[(&str, bool)] = match kind.as_str() {
            "local" => &[],
            "s3" => &[
                ("bucket", true),
                ("key", true),
                ("region", false),
                ("endpoint", false),
                ("kms_key_id", false),
            ],
            _ => {
                let span = node.get("type").map(|t| t.value.span.clone());
                let help = suggestion(&kind, ["local", "s3"]).or_else(|| {
                    Some("cairn keeps state in \"local\" (the default) or \"s3\"".into())
                });
                self.error(
                    file,
                    &span.unwrap_or_else(|| node.span.clone()),
                    format!("unknown backend type `{kind}`"),
                    "unknown backend type",
                    help,
                );
                return None;
            }
        };
        let mut allowed: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
        allowed.push("type");
        self.only_keys(node, &allowed, &format!("a backend of type \"{kind}\""));
        for (key, required) in keys {
            match node.get(key) {
                None if *required => self.error(
                    file,
                    &node.span,
                    format!("a backend of type \"{kind}\" needs `{key}`"),
                    format!("`{key}` missing"),
                    None,
                ),
                Some(e) if e.value.as_str().is_none() => self.error(
                    e.value.file,
                    &e.value.span,
                    format!("[backend] `{key}` must be a string"),
                    "not a string",
                    None,
                ),
                _ => {}
            }
        }
        let mut settings = BTreeMap::new();
        for e in node.entries().unwrap_or_default() {
            if e.key == "type" || !allowed.contains(&e.key.as_str()) {
                continue;
            }
            let reported = self.diags.len();
            let value = self
                .expr(&e.value, &AttrType::Any, scope)
                .and_then(|x| self.literal(&e.value, x));
            if self.diags.len() > reported {
                // Whatever the reference, one clear reason.
                self.diags.truncate(reported);
                self.error(
                    e.value.file,
                    &e.value.span,
                    "[backend] values must be literal",
                    "uses a variable or a reference",
                    Some("the backend is read before variables have values (`cairn state` commands need no variables); write the value itself".into()),
                );
                continue;
            }
            if let Some(v) = value {
                settings.insert(e.key.clone(), v);
            }
        }
        Some(BackendSettings { kind, settings })
    }

    /// A value that must be known while loading (no resource references).
    fn literal(&mut self, node: &Node, e: Expr) -> Option<Value> {
        match e {
            Expr::Value(v) => Some(v),
            _ => {
                self.error(
                    node.file,
                    &node.span,
                    "this value must be known before any resource exists",
                    "refers to a resource",
                    None,
                );
                None
            }
        }
    }

    fn resource(
        &mut self,
        decl: &ResourceDecl,
        scope: &Scope<'_>,
        default_tags: &BTreeMap<String, String>,
    ) -> Option<ResourceConfig> {
        let schema = self.catalog.get(&decl.address.rtype)?;
        let this_scope = Scope {
            this: Some((&decl.address, schema, &decl.body)),
            ..*scope
        };
        let mut ok = true;
        let mut attributes = BTreeMap::new();
        let mut depends_on = Vec::new();
        let mut lifecycle = Lifecycle::default();
        let mut sensitive = std::collections::BTreeSet::new();
        let mut provider = self.module_provider.clone();
        for e in decl.body.entries().unwrap_or_default() {
            match e.key.as_str() {
                "depends_on" => depends_on = self.depends_on(&e.value, scope),
                "lifecycle" if decl.address.data_type().is_some() => {
                    ok = false;
                    self.error(
                        decl.file,
                        &e.key_span,
                        "a data source has no `lifecycle`",
                        "nothing to create, change or delete",
                        None,
                    );
                }
                "lifecycle" => lifecycle = self.lifecycle(&e.value, schema),
                "for_each" | "count" => {}
                "provider" => match self.provider_alias(&e.value) {
                    Some(alias) => provider = alias,
                    None => ok = false,
                },
                name => {
                    let Some(attr) = schema.inputs.get(name) else {
                        ok = false;
                        self.unknown_attribute(decl.file, e, schema);
                        continue;
                    };
                    if attr.constraints.spread.is_some() {
                        self.spread.insert(
                            (decl.address.clone(), name.to_string()),
                            (decl.file, e.value.span.clone()),
                        );
                    }
                    if attr.identifying {
                        self.identifying.insert(
                            (decl.address.clone(), name.to_string()),
                            (decl.file, e.value.span.clone()),
                        );
                    }
                    match self.resolve(&e.value, &attr.ty, &this_scope) {
                        Some(r) => {
                            if !self.accepted(&e.value, name, attr, &r.expr) {
                                ok = false;
                            }
                            if !self.readable(&decl.address, &e.value, &r.expr) {
                                ok = false;
                            }
                            // An attribute that is `null` when the stack loads is not set,
                            // as in Terraform (`x = var.y == "" ? null : var.y`).
                            if matches!(r.expr, Expr::Value(Value::Null)) {
                                continue;
                            }
                            attributes.insert(name.to_string(), r.expr);
                            if r.sensitive && !attr.sensitive {
                                sensitive.insert(name.to_string());
                            }
                        }
                        None => ok = false,
                    }
                }
            }
        }
        for rule in &schema.rules {
            let known = |k: &str| match attributes.get(k) {
                Some(Expr::Value(v)) => Some(v.clone()),
                Some(_) => None,
                None => schema.inputs.get(k).and_then(|a| a.default.clone()),
            };
            let given = rule.given.iter().all(|g| decl.body.get(g).is_some());
            if !given || !rule.applies(known) {
                continue;
            }
            for name in rule.require.iter().filter(|n| decl.body.get(n).is_none()) {
                ok = false;
                self.error(
                    decl.file,
                    &decl.span,
                    format!(
                        "`{}` needs `{name}` when {}",
                        decl.address,
                        rule.condition()
                    ),
                    format!("needs `{name}`"),
                    schema.inputs.get(name).and_then(|a| a.description.clone()),
                );
            }
            for name in &rule.forbid {
                let Some(e) = decl
                    .body
                    .entries()
                    .unwrap_or_default()
                    .iter()
                    .find(|e| &e.key == name)
                else {
                    continue;
                };
                ok = false;
                let (file, span) = (decl.file, e.key_span.clone());
                self.error(
                    file,
                    &span,
                    format!(
                        "`{}` cannot have `{name}` when {}",
                        decl.address,
                        rule.condition()
                    ),
                    "AWS would refuse this",
                    None,
                );
            }
        }
        for (name, attr) in &schema.inputs {
            if attr.required && decl.body.get(name).is_none() {
                ok = false;
                self.error(
                    decl.file,
                    &decl.span,
                    format!("`{}` is missing required attribute `{name}`", decl.address),
                    format!("needs `{name}` ({})", attr.ty.describe()),
                    attr.description.clone(),
                );
            }
        }
        // An aliased provider's own default tags.
        let alias_tags;
        let default_tags = match provider.as_ref().and_then(|a| self.provider_aliases.get(a)) {
            Some(tags) => {
                alias_tags = tags.clone();
                &alias_tags
            }
            None => default_tags,
        };
        // A data source's `tags` say what to look for: default tags are not merged there.
        if schema.taggable() && !default_tags.is_empty() && decl.address.data_type().is_none() {
            let defaults: BTreeMap<String, Expr> = default_tags
                .iter()
                .map(|(k, v)| (k.clone(), Expr::Value(Value::string(v.clone()))))
                .collect();
            let merged = match attributes.remove("tags") {
                None => Some(Expr::Map(defaults)),
                Some(Expr::Map(own)) => Some(Expr::Map(defaults.into_iter().chain(own).collect())),
                Some(Expr::Value(Value::Map(own))) => Some(Expr::Map(
                    defaults
                        .into_iter()
                        .chain(own.into_iter().map(|(k, v)| (k, Expr::Value(v))))
                        .collect(),
                )),
                // A whole-map reference: known only later; the resource's own tags win.
                Some(other) => Some(other),
            };
            if let Some(m) = merged {
                attributes.insert("tags".into(), fold(m));
            }
        }
        ok.then(|| ResourceConfig {
            address: decl.address.clone(),
            attributes,
            depends_on,
            lifecycle,
            sensitive,
            provider,
        })
    }

    /// Whether the value of attribute `name`, where known, is one AWS accepts (the
    /// attribute's declared constraints); reports it at `node` when not.
    fn accepted(&mut self, node: &Node, name: &str, attr: &Attribute, expr: &Expr) -> bool {
        let Expr::Value(value) = expr else {
            return true;
        };
        match attr.constraints.check(value) {
            Ok(()) => true,
            Err(message) => {
                self.error(
                    node.file,
                    &node.span,
                    format!("`{name}`: {message}"),
                    "AWS would refuse this",
                    None,
                );
                false
            }
        }
    }

    /// Whether an argument of a data source that reads from AWS is known while planning: a
    /// resource's attribute is not (a data source computed without AWS, such as
    /// `aws_iam_policy_document`, may wait for apply).
    fn readable(&mut self, address: &Address, node: &Node, expr: &Expr) -> bool {
        let Some(dtype) = address.data_type() else {
            return true;
        };
        let computed = format!("{}{dtype}", cairn_model::DATA_PREFIX);
        if cairn_model::functions::signature(&computed).is_some() {
            return true;
        }
        let Some(resource) = expr
            .references()
            .into_iter()
            .find(|r| r.address.data_type().is_none())
        else {
            return true;
        };
        self.error(
            node.file,
            &node.span,
            format!(
                "`{address}` reads while planning, and `{}` is a resource of this stack, known only after apply",
                resource.address
            ),
            "not known while planning",
            Some("refer to the resource's attributes directly instead of reading it back".into()),
        );
        false
    }

    fn unknown_attribute(&mut self, file: usize, e: &Entry, schema: &ResourceSchema) {
        let t = &schema.type_name;
        if schema.outputs.contains_key(&e.key) && !schema.inputs.contains_key(&e.key) {
            self.error(
                file,
                &e.key_span,
                format!(
                    "`{}` is an output of {t}: AWS sets it, it cannot be configured",
                    e.key
                ),
                "output attribute",
                Some(format!("refer to it as `${{{t}.<name>.{}}}`", e.key)),
            );
            return;
        }
        let names = schema.inputs.keys().map(String::as_str).chain(META);
        let help = crate::terraform::attribute(t, &e.key)
            .map(str::to_string)
            .or_else(|| suggestion(&e.key, names));
        self.error(
            file,
            &e.key_span,
            format!("unknown attribute `{}` for {t}", e.key),
            "unknown attribute",
            help,
        );
    }

    fn depends_on(&mut self, node: &Node, scope: &Scope<'_>) -> Vec<Address> {
        let NodeKind::Array(items) = &node.kind else {
            self.error(
                node.file,
                &node.span,
                "`depends_on` is a list of resource addresses",
                format!("found {}", node.kind_name()),
                Some("e.g. depends_on = [\"aws_vpc.main\"]".into()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(text) = item.as_str() else {
                self.error(
                    item.file,
                    &item.span,
                    "`depends_on` is a list of resource addresses",
                    format!("found {}", item.kind_name()),
                    None,
                );
                continue;
            };
            let text = text
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(text)
                .trim();
            if let Some(all) = self.module_addresses(text, scope) {
                out.extend(all);
                continue;
            }
            let a = match text.parse::<Address>() {
                Ok(a) => Address {
                    module: scope.prefix.iter().cloned().chain(a.module).collect(),
                    ..a
                },
                Err(e) => {
                    self.error(item.file, &item.span, e.to_string(), "not an address", None);
                    continue;
                }
            };
            let bare = Address {
                key: None,
                ..a.clone()
            };
            match scope.resources.and_then(|r| r.get(&bare)) {
                Some(Declared {
                    keys: Some(keys), ..
                }) if a.key.is_none() => {
                    // A `for_each` resource: every instance.
                    out.extend(keys.iter().map(|k| Address {
                        key: Some(k.clone()),
                        ..bare.clone()
                    }));
                }
                Some(_) => out.push(a),
                None => self.unknown_resource(item.file, &item.span, &a, scope),
            }
        }
        out
    }

    fn lifecycle(&mut self, node: &Node, schema: &ResourceSchema) -> Lifecycle {
        let mut out = Lifecycle::default();
        if !self.expect_table(node, "`lifecycle`") {
            return out;
        }
        self.only_keys(
            node,
            &["prevent_destroy", "create_before_destroy", "ignore_changes"],
            "`lifecycle`",
        );
        out.prevent_destroy = self.bool_key(node, "prevent_destroy").unwrap_or(false);
        out.create_before_destroy = self
            .bool_key(node, "create_before_destroy")
            .unwrap_or(false);
        if let Some(e) = node.get("ignore_changes") {
            let NodeKind::Array(items) = &e.value.kind else {
                self.error(
                    e.value.file,
                    &e.value.span,
                    "`ignore_changes` is a list of attribute names",
                    format!("found {}", e.value.kind_name()),
                    None,
                );
                return out;
            };
            for item in items {
                match item.as_str() {
                    Some(name) if schema.inputs.contains_key(name) => {
                        out.ignore_changes.push(name.to_string())
                    }
                    _ => {
                        let name = item.as_str().unwrap_or_default();
                        let help = suggestion(name, schema.inputs.keys().map(String::as_str));
                        self.error(
                            item.file,
                            &item.span,
                            format!("`{name}` is not an attribute of {}", schema.type_name),
                            "not an attribute",
                            help,
                        );
                    }
                }
            }
        }
        out
    }

    /// `node` resolved as a value of type `ty` against `scope`, with what resolving found out
    /// on the way (the type of a whole reference, whether anything sensitive flowed in).
    /// The only reader of the `tainted` and `last_type` fields, which the resolution of
    /// references sets deep inside; nested calls add their taint to the outer value's.
    fn resolve(&mut self, node: &Node, ty: &AttrType, scope: &Scope<'_>) -> Option<Resolved> {
        let outer = (std::mem::take(&mut self.tainted), self.last_type.take());
        let expr = self.expr(node, ty, scope);
        let resolved = expr.map(|expr| Resolved {
            expr,
            referenced: self.last_type.take(),
            sensitive: self.tainted,
        });
        self.tainted |= outer.0;
        self.last_type = outer.1;
        resolved
    }

    fn output(
        &mut self,
        decl: &NamedDecl,
        scope: &Scope<'_>,
    ) -> Option<(OutputConfig, Option<AttrType>)> {
        self.only_keys(
            &decl.body,
            &["value", "sensitive", "description"],
            "an output",
        );
        let sensitive = self.bool_key(&decl.body, "sensitive").unwrap_or(false);
        let Some(e) = decl.body.get("value") else {
            self.error(
                decl.file,
                &decl.span,
                format!("output `{}` has no `value`", decl.name),
                "value missing",
                None,
            );
            return None;
        };
        let r = self.resolve(&e.value, &AttrType::Any, scope)?;
        let output = OutputConfig {
            value: r.expr,
            sensitive: sensitive || r.sensitive,
        };
        Some((output, r.referenced))
    }

    fn cycles(&mut self, config: &Config) {
        use petgraph::graph::DiGraph;
        let mut g = DiGraph::<usize, ()>::new();
        let all: Vec<&ResourceConfig> = config.resources.iter().chain(&config.data).collect();
        let index: BTreeMap<&Address, _> = all
            .iter()
            .enumerate()
            .map(|(i, r)| (&r.address, g.add_node(i)))
            .collect();
        for r in &all {
            for d in r.dependencies() {
                if let (Some(&from), Some(&to)) = (index.get(&r.address), index.get(&d)) {
                    g.add_edge(from, to, ());
                }
            }
        }
        for scc in petgraph::algo::tarjan_scc(&g) {
            if scc.len() < 2 {
                continue;
            }
            let mut members: Vec<&Address> = scc.iter().map(|n| &all[g[*n]].address).collect();
            members.sort();
            let spans = self.spans.clone();
            let loc_of = |a: &Address| spans.get(a);
            let chain = members
                .iter()
                .chain(members.first())
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" → ");
            let Some(first) = loc_of(members[0]) else {
                continue;
            };
            let primary = self.label(first.0, &first.1, "part of the cycle");
            let secondary = members[1..]
                .iter()
                .filter_map(|a| loc_of(a))
                .map(|d| self.label(d.0, &d.1, "part of the cycle"))
                .collect();
            self.diags.push(Diagnostic {
                message: format!("dependency cycle: {chain}"),
                primary,
                secondary,
                help: Some(
                    "resources cannot depend on each other in a circle; for security groups that allow each other, move one direction into an aws_security_group_rule".into(),
                ),
            });
        }
    }

    fn unknown_resource(
        &mut self,
        file: usize,
        span: &Range<usize>,
        a: &Address,
        scope: &Scope<'_>,
    ) {
        // As written where the reference is: inside a module, without the module's path.
        let local = |a: &Address| Address {
            module: a
                .module
                .get(scope.prefix.len()..)
                .unwrap_or_default()
                .to_vec(),
            ..a.clone()
        };
        let known: Vec<String> = scope
            .resources
            .map(|r| r.keys().map(|a| local(a).to_string()).collect())
            .unwrap_or_default();
        let shown = local(a).to_string();
        let help =
            suggestion(&shown, known.iter().map(String::as_str)).or_else(|| match a.data_type() {
                Some(dtype) if self.catalog.data.contains_key(dtype) => {
                    Some(format!("declare it: [data.{dtype}.{}]", a.name))
                }
                Some(dtype) => suggestion(dtype, self.catalog.data.keys().map(String::as_str)),
                None if self.catalog.get(&a.rtype).is_none() => {
                    suggestion(&a.rtype, self.catalog.types.keys().map(String::as_str))
                }
                None => None,
            });
        let (what, label) = match a.data_type() {
            Some(_) => ("data source", "no such data source"),
            None => ("resource", "no such resource"),
        };
        self.error(
            file,
            span,
            format!("reference to undeclared {what} `{shown}`"),
            label,
            help,
        );
    }

    /// Span of `range` (relative to a string's content) in the file, when the string is
    /// written without escapes; else the whole string.
    fn inner_span(&self, node: &Node, range: &Range<usize>) -> Range<usize> {
        let text = &self
            .files
            .get(node.file)
            .map(|f| f.1.as_str())
            .unwrap_or("");
        let raw = text.get(node.span.clone()).unwrap_or("");
        if let Some(content) = node.as_str() {
            if raw == content {
                // A file that is itself the string (a template).
                return node.span.start + range.start..node.span.start + range.end;
            }
            let quoted = [format!("\"{content}\""), format!("'{content}'")];
            if quoted.iter().any(|q| q == raw) {
                let start = node.span.start + 1;
                return start + range.start..start + range.end;
            }
        }
        node.span.clone()
    }

    fn type_error(&mut self, node: &Node, expected: &AttrType, found: &str) {
        self.error(
            node.file,
            &node.span,
            format!("expected {}, found {found}", article(expected)),
            "wrong type",
            None,
        );
    }

    /// Resolves and type-checks one configured value.
    fn expr(&mut self, node: &Node, ty: &AttrType, scope: &Scope<'_>) -> Option<Expr> {
        use AttrType as T;
        match (&node.kind, ty) {
            (NodeKind::Str(s), _) => self.string(node, s, ty, scope),
            (NodeKind::Int(n), T::Number | T::Any | T::Document) => {
                Some(Expr::Value(Value::from(*n)))
            }
            (NodeKind::Float(f), T::Number | T::Any | T::Document) => {
                match serde_json::Number::from_f64(*f) {
                    Some(n) => Some(Expr::Value(Value::Number(n))),
                    None => {
                        self.error(node.file, &node.span, "not a finite number", "", None);
                        None
                    }
                }
            }
            (NodeKind::Bool(b), T::Bool | T::Any | T::Document) => {
                Some(Expr::Value(Value::Bool(*b)))
            }
            (NodeKind::Datetime(d), T::String | T::Any | T::Document) => {
                Some(Expr::Value(Value::string(d.clone())))
            }
            (NodeKind::Array(items), T::List(t) | T::Set(t)) => self.list(items, t, scope),
            (NodeKind::Array(items), T::Any | T::Document) => self.list(items, &T::Any, scope),
            (NodeKind::Table(entries), T::Object(fields)) => {
                let mut ok = true;
                let mut out = BTreeMap::new();
                for e in entries {
                    match fields.get(&e.key) {
                        Some(f) => match self.expr(&e.value, &f.ty, scope) {
                            Some(x) => {
                                if !self.accepted(&e.value, &e.key, f, &x) {
                                    ok = false;
                                }
                                out.insert(e.key.clone(), x);
                            }
                            None => ok = false,
                        },
                        None => {
                            ok = false;
                            let help = suggestion(&e.key, fields.keys().map(String::as_str))
                                .or_else(|| {
                                    let names: Vec<&str> =
                                        fields.keys().map(String::as_str).collect();
                                    Some(format!("this block takes: {}", names.join(", ")))
                                });
                            self.error(
                                node.file,
                                &e.key_span,
                                format!("unknown attribute `{}`", e.key),
                                "unknown attribute",
                                help,
                            );
                        }
                    }
                }
                for (k, f) in fields {
                    if f.required && !out.contains_key(k) && !entries.iter().any(|e| &e.key == k) {
                        ok = false;
                        self.error(
                            node.file,
                            &node.span,
                            format!("missing required attribute `{k}`"),
                            format!("needs `{k}` ({})", f.ty.describe()),
                            None,
                        );
                    }
                }
                ok.then(|| fold(Expr::Map(out)))
            }
            (NodeKind::Table(entries), T::Map(_) | T::Any | T::Document) => {
                let item_ty = match ty {
                    T::Map(t) => (**t).clone(),
                    _ => T::Any,
                };
                let mut ok = true;
                let mut out = BTreeMap::new();
                for e in entries {
                    match self.expr(&e.value, &item_ty, scope) {
                        Some(x) => {
                            out.insert(e.key.clone(), x);
                        }
                        None => ok = false,
                    }
                }
                ok.then(|| fold(Expr::Map(out)))
            }
            _ => {
                self.type_error(node, ty, node.kind_name());
                None
            }
        }
    }

    fn list(&mut self, items: &[Node], t: &AttrType, scope: &Scope<'_>) -> Option<Expr> {
        let mut ok = true;
        let mut out = Vec::new();
        for item in items {
            match self.expr(item, t, scope) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then(|| fold(Expr::List(out)))
    }

    /// A string: a literal, one whole `${...}` (keeps the referenced type) or a template.
    fn string(&mut self, node: &Node, s: &str, ty: &AttrType, scope: &Scope<'_>) -> Option<Expr> {
        let pieces = match syntax::template(s) {
            Ok(p) => p,
            Err((message, range)) => {
                let span = self.inner_span(node, &range);
                self.error(node.file, &span, message, "unterminated", None);
                return None;
            }
        };
        if let [Piece::Interp { text, start, range }] = pieces.as_slice() {
            let (expr, actual) = self.interpolation(node, text, *start, range, scope)?;
            let (expr, actual) = compute::converted(expr, actual, ty);
            self.last_type = Some(actual.clone());
            if let Expr::Value(v) = &expr {
                if let Err(message) = types::check_value(ty, v) {
                    let span = self.inner_span(node, range);
                    self.error(
                        node.file,
                        &span,
                        format!("`${{{text}}}` does not fit here: {message}"),
                        "wrong type",
                        None,
                    );
                    return None;
                }
            } else if !types::compatible(ty, &actual) {
                let span = self.inner_span(node, range);
                self.error(
                    node.file,
                    &span,
                    format!(
                        "expected {}, but `{text}` is {}",
                        article(ty),
                        article(&actual)
                    ),
                    "type mismatch",
                    None,
                );
                return None;
            }
            return Some(expr);
        }
        // A literal number or bool written as a string converts, as in Terraform
        // (`idle_timeout = "60"`, `enabled = "false"`).
        if let (AttrType::Number | AttrType::Bool, [Piece::Literal(text)]) = (ty, pieces.as_slice())
        {
            let literal = Expr::Value(Value::String(text.clone()));
            let (expr, actual) = compute::converted(literal, AttrType::String, ty);
            if actual == *ty {
                self.last_type = Some(actual);
                return Some(expr);
            }
        }
        if !matches!(
            ty,
            AttrType::String | AttrType::Enum(_) | AttrType::Document | AttrType::Any
        ) {
            self.type_error(node, ty, "a string");
            return None;
        }
        let mut parts: Vec<Part> = Vec::new();
        let mut ok = true;
        for piece in &pieces {
            match piece {
                Piece::Literal(l) => parts.push(Part::Literal(l.clone())),
                Piece::Interp { text, start, range } => {
                    let Some((expr, actual)) = self.interpolation(node, text, *start, range, scope)
                    else {
                        ok = false;
                        continue;
                    };
                    let bad = |l: &mut Self, what: &str| {
                        let span = l.inner_span(node, range);
                        l.error(
                            node.file,
                            &span,
                            format!("cannot put {what} into a string: `${{{text}}}`"),
                            "not a string, number or bool",
                            Some("only whole-string references keep lists and maps".into()),
                        );
                    };
                    match expr {
                        Expr::Value(v) => match v.interpolated() {
                            Some(t) => parts.push(Part::Literal(t)),
                            None => {
                                ok = false;
                                bad(self, &types::kind(&v));
                            }
                        },
                        Expr::Ref(r) => {
                            if matches!(
                                actual,
                                AttrType::List(_)
                                    | AttrType::Set(_)
                                    | AttrType::Map(_)
                                    | AttrType::Object(_)
                            ) {
                                ok = false;
                                bad(self, &article(&actual));
                            } else {
                                parts.push(Part::Ref(r));
                            }
                        }
                        Expr::Template(inner) => parts.extend(inner),
                        Expr::List(_) | Expr::Map(_) => {
                            ok = false;
                            bad(self, "a list or map");
                        }
                        computed => {
                            if matches!(
                                actual,
                                AttrType::List(_)
                                    | AttrType::Set(_)
                                    | AttrType::Map(_)
                                    | AttrType::Object(_)
                            ) {
                                ok = false;
                                bad(self, &article(&actual));
                            } else {
                                parts.push(Part::Expr(Box::new(computed)));
                            }
                        }
                    }
                }
            }
        }
        if !ok {
            return None;
        }
        let expr = fold_template(parts);
        if let (Expr::Value(v), AttrType::Enum(_) | AttrType::Document) = (&expr, ty) {
            if let Err(message) = types::check_value(ty, v) {
                self.error(node.file, &node.span, message, "invalid value", None);
                return None;
            }
        }
        Some(expr)
    }

    /// Resolves the inside of one `${...}`: the expression it stands for and its type.
    fn reference(
        &mut self,
        node: &Node,
        text: &str,
        range: &Range<usize>,
        scope: &Scope<'_>,
    ) -> Option<(Expr, AttrType)> {
        let span = self.inner_span(node, range);
        let file = node.file;
        let steps = match syntax::steps(text) {
            Ok(s) => s,
            Err(message) => {
                self.error(
                    file,
                    &span,
                    format!("invalid reference: {message}"),
                    "here",
                    None,
                );
                return None;
            }
        };
        if let Some(help) = match steps.first() {
            Some(Step::Name(root)) => crate::terraform::reference_root(root),
            _ => None,
        } {
            self.error(
                file,
                &span,
                format!("`{text}` is not a cairn reference"),
                "not supported yet",
                Some(help.to_string()),
            );
            return None;
        }
        let steps = self.resolve_steps(node, steps, range, scope)?;
        let at = RefAt {
            file,
            span,
            text,
            steps,
        };
        let Some(root) = at.name(0) else {
            self.error(
                file,
                &at.span,
                "invalid reference",
                "expected a name first",
                None,
            );
            return None;
        };
        match root {
            "var" => self.var_reference(&at, scope),
            "local" => self.local_reference(&at, scope),
            "each" => self.each_reference(&at, scope),
            "module" => self.module_reference(&at, scope),
            "stack" => {
                if at.name(1) == Some("name") && at.steps.len() == 2 {
                    Some((
                        Expr::Value(Value::string(scope.stack_name)),
                        AttrType::String,
                    ))
                } else {
                    self.error(
                        file,
                        &at.span,
                        "`stack` has only `stack.name`",
                        "here",
                        None,
                    );
                    None
                }
            }
            "self" => self.self_reference(node, &at.span, &at.steps, scope),
            "data" => {
                let (Some(dtype), Some(name)) = (at.name(1), at.name(2)) else {
                    self.error(
                        file,
                        &at.span,
                        format!("`{text}` is not a reference to a data source"),
                        "expected `data.<type>.<name>.<attribute>`",
                        None,
                    );
                    return None;
                };
                let bare = Address {
                    module: scope.prefix.to_vec(),
                    ..Address::data(dtype, name)
                };
                self.resource_reference(node, &at.span, text, bare, &at.steps[3..], scope)
            }
            "count" => match (at.name(1), scope.count) {
                (Some("index"), Some(i)) if at.steps.len() == 2 => {
                    Some((Expr::Value(Value::from(i as i64)), AttrType::Number))
                }
                (Some("index"), None) if at.steps.len() == 2 && !scope.keys_known => {
                    Some((Expr::Value(Value::Unknown), AttrType::Number))
                }
                (Some("index"), None) if at.steps.len() == 2 => {
                    self.error(
                        file,
                        &at.span,
                        "`count.index` is only known in a resource with `count`",
                        "here",
                        None,
                    );
                    None
                }
                _ => {
                    self.error(
                        file,
                        &at.span,
                        "`count` has only `count.index`",
                        "here",
                        None,
                    );
                    None
                }
            },
            "path" => match at.name(1) {
                Some("module" | "root") if at.steps.len() == 2 => {
                    Some((Expr::Value(Value::string(".")), AttrType::String))
                }
                _ => {
                    self.error(
                        file,
                        &at.span,
                        "`path` has `path.module` and `path.root`",
                        "here",
                        Some("paths in a stack are relative to the directory of the file that names them".into()),
                    );
                    None
                }
            },
            rtype => {
                let Some(name) = at.name(1) else {
                    self.error(
                        file,
                        &at.span,
                        format!("`{text}` is not a reference"),
                        "expected `<type>.<name>.<attribute>`",
                        Some("references are `var.<name>`, `local.<name>`, `each.key`, `each.value`, `module.<name>.<output>`, `stack.name`, `self.<attribute>` or `<type>.<name>.<attribute>`".into()),
                    );
                    return None;
                };
                let bare = Address {
                    module: scope.prefix.to_vec(),
                    rtype: rtype.to_string(),
                    name: name.to_string(),
                    key: None,
                };
                self.resource_reference(node, &at.span, text, bare, &at.steps[2..], scope)
            }
        }
    }

    /// The value of a binding (variable, local, module output, each.value) below `rest`.
    fn bound(&mut self, at: &RefAt<'_>, b: &Binding, rest: &[Step]) -> Option<(Expr, AttrType)> {
        if b.sensitive {
            self.tainted = true;
        }
        if rest.iter().any(|s| matches!(s, Step::Splat)) {
            self.error(
                at.file,
                &at.span,
                "`[*]` applies to a resource with `for_each`",
                "here",
                None,
            );
            return None;
        }
        let path: Vec<PathSeg> = rest.iter().filter_map(expand::path_seg).collect();
        let Some(value) = descend(&b.expr, &path) else {
            self.error(
                at.file,
                &at.span,
                format!("`{}` does not exist in the value", at.text),
                "no such element",
                None,
            );
            return None;
        };
        let ty = if path.is_empty() {
            b.ty.clone()
        } else {
            AttrType::Any
        };
        Some((value, ty))
    }

    /// `var.<name>...`
    fn var_reference(&mut self, at: &RefAt<'_>, scope: &Scope<'_>) -> Option<(Expr, AttrType)> {
        let Some(name) = at.name(1) else {
            self.error(at.file, &at.span, "expected `var.<name>`", "here", None);
            return None;
        };
        let Some(b) = scope.variables.get(name) else {
            if self.declared_vars.iter().any(|d| d == name) {
                // Declared without a value: reported at the declaration.
                return None;
            }
            self.unknown_variable(at.file, &at.span, name);
            return None;
        };
        self.bound(at, b, &at.steps[2..])
    }

    /// `local.<name>...`
    fn local_reference(&mut self, at: &RefAt<'_>, scope: &Scope<'_>) -> Option<(Expr, AttrType)> {
        let Some(name) = at.name(1) else {
            self.error(at.file, &at.span, "expected `local.<name>`", "here", None);
            return None;
        };
        let Some(b) = scope.locals.get(name) else {
            if scope.declared_locals.iter().any(|d| d == name) {
                // Failed where it is declared, or part of a reported cycle.
                return None;
            }
            let help = suggestion(name, scope.declared_locals.iter().map(String::as_str));
            self.error(
                at.file,
                &at.span,
                format!("no local named `{name}` is declared"),
                "unknown local",
                help.or_else(|| Some(format!("declare it in [locals]: {name} = ..."))),
            );
            return None;
        };
        self.bound(at, b, &at.steps[2..])
    }

    /// `each.key`, `each.value...`
    fn each_reference(&mut self, at: &RefAt<'_>, scope: &Scope<'_>) -> Option<(Expr, AttrType)> {
        let Some((key, value)) = scope.each else {
            self.error(
                at.file,
                &at.span,
                "`each` is only available in a resource with `for_each`",
                "no for_each here",
                None,
            );
            return None;
        };
        match at.name(1) {
            Some("key") if at.steps.len() == 2 => {
                Some((Expr::Value(Value::string(key)), AttrType::String))
            }
            Some("value") => {
                let b = Binding {
                    expr: value.clone(),
                    ty: AttrType::Any,
                    sensitive: false,
                };
                self.bound(at, &b, &at.steps[2..])
            }
            _ => {
                self.error(
                    at.file,
                    &at.span,
                    "`each` has `each.key` and `each.value`",
                    "here",
                    None,
                );
                None
            }
        }
    }

    /// `module.<name>.<output>...`
    fn module_reference(&mut self, at: &RefAt<'_>, scope: &Scope<'_>) -> Option<(Expr, AttrType)> {
        let (Some(name), Some(output)) = (at.name(1), at.name(2)) else {
            self.error(
                at.file,
                &at.span,
                "expected `module.<name>.<output>`",
                "here",
                None,
            );
            return None;
        };
        if !scope.keys_known {
            // Module outputs are not known while `for_each` keys are worked out.
            let placeholder = Address::new("module", name);
            return Some((
                Expr::Ref(cairn_model::Reference {
                    address: placeholder,
                    path: Vec::new(),
                }),
                AttrType::Any,
            ));
        }
        let Some(view) = scope.modules.get(name) else {
            let names: Vec<&str> = scope.modules.keys().map(String::as_str).collect();
            let help = suggestion(name, names.iter().copied());
            self.error(
                at.file,
                &at.span,
                format!("no module named `{name}` is called here"),
                "unknown module",
                help.or_else(|| Some(format!("call it with [module.{name}]"))),
            );
            return None;
        };
        if view.failed {
            return None;
        }
        let Some(b) = view.outputs.get(output) else {
            let names: Vec<&str> = view.outputs.keys().map(String::as_str).collect();
            let help = suggestion(output, names.iter().copied())
                .or_else(|| Some(format!("module `{name}` has outputs: {}", names.join(", "))));
            self.error(
                at.file,
                &at.span,
                format!("module `{name}` has no output `{output}`"),
                "unknown output",
                help,
            );
            return None;
        };
        let b = b.clone();
        self.bound(at, &b, &at.steps[3..])
    }

    fn self_reference(
        &mut self,
        node: &Node,
        span: &Range<usize>,
        steps: &[Step],
        scope: &Scope<'_>,
    ) -> Option<(Expr, AttrType)> {
        let file = node.file;
        let Some((_, schema, body)) = scope.this else {
            self.error(
                file,
                span,
                "`self` is only available inside a resource",
                "here",
                None,
            );
            return None;
        };
        let Some(Step::Name(attr)) = steps.get(1) else {
            self.error(file, span, "expected `self.<attribute>`", "here", None);
            return None;
        };
        let Some(def) = schema.inputs.get(attr) else {
            let help = suggestion(attr, schema.inputs.keys().map(String::as_str));
            self.error(
                file,
                span,
                format!("{} has no input attribute `{attr}`", schema.type_name),
                "unknown attribute",
                help,
            );
            return None;
        };
        if def.sensitive {
            self.tainted = true;
        }
        let expr = match body.get(attr) {
            Some(e) => {
                // `self.x` inside `x` itself (directly or through another self reference)
                // would never end: only attributes without self references may be used.
                if contains_self(&e.value) {
                    self.error(
                        file,
                        span,
                        format!("`self.{attr}` refers to an attribute that itself uses `self`"),
                        "circular self reference",
                        None,
                    );
                    return None;
                }
                self.expr(&e.value, &def.ty, scope)?
            }
            None => match &def.default {
                Some(d) => Expr::Value(d.clone()),
                None => {
                    self.error(
                        file,
                        span,
                        format!("`self.{attr}` is not set in this resource"),
                        "not configured",
                        Some("`self` sees configured attributes; refer to outputs by the resource's address".into()),
                    );
                    return None;
                }
            },
        };
        if steps.len() > 2 {
            let rest: Vec<PathSeg> = steps[2..].iter().filter_map(expand::path_seg).collect();
            let Expr::Value(v) = &expr else {
                self.error(
                    file,
                    span,
                    "only whole attributes of `self` can be used when they hold references",
                    "here",
                    None,
                );
                return None;
            };
            let Some(inner) = v.get_path(&rest) else {
                self.error(
                    file,
                    span,
                    "no such element in this attribute",
                    "here",
                    None,
                );
                return None;
            };
            let ty = types::at_path(&def.ty, &rest).unwrap_or(AttrType::Any);
            return Some((Expr::Value(inner), ty));
        }
        Some((expr, def.ty.clone()))
    }
}

/// Marks attributes and outputs that reference an attribute another resource holds as
/// sensitive, until nothing changes (references may point forward or through several hops).
fn spread_sensitivity(config: &mut Config) {
    loop {
        let marked: BTreeMap<Address, std::collections::BTreeSet<String>> = config
            .resources
            .iter()
            .map(|r| (r.address.clone(), r.sensitive.clone()))
            .collect();
        let hits = |e: &Expr| {
            e.references().iter().any(|r| {
                let top = match r.path.first() {
                    Some(PathSeg::Key(k)) => k.as_str(),
                    _ => return false,
                };
                marked.get(&r.address).is_some_and(|s| s.contains(top))
            })
        };
        let mut changed = false;
        for r in &mut config.resources {
            let add: Vec<String> = r
                .attributes
                .iter()
                .filter(|(name, e)| !r.sensitive.contains(*name) && hits(e))
                .map(|(name, _)| name.clone())
                .collect();
            changed |= !add.is_empty();
            r.sensitive.extend(add);
        }
        for o in config.outputs.values_mut() {
            if !o.sensitive && hits(&o.value) {
                o.sensitive = true;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Whether a value mentions `${self.` anywhere.
fn contains_self(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Str(s) => s.contains("${self.") || s.contains("${ self."),
        NodeKind::Array(items) => items.iter().any(contains_self),
        NodeKind::Table(entries) => entries.iter().any(|e| contains_self(&e.value)),
        _ => false,
    }
}

/// A node's value, read literally (variable values and defaults take no references).
fn literal_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Str(s) | NodeKind::Datetime(s) => Value::string(s.clone()),
        NodeKind::Int(n) => Value::from(*n),
        NodeKind::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Array(items) => Value::List(items.iter().map(literal_value).collect()),
        NodeKind::Table(entries) => Value::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), literal_value(&e.value)))
                .collect(),
        ),
    }
}

/// Lists and maps of plain values become one plain value.
fn fold(e: Expr) -> Expr {
    match e {
        Expr::List(items) if items.iter().all(|i| matches!(i, Expr::Value(_))) => {
            Expr::Value(Value::List(
                items
                    .into_iter()
                    .filter_map(|i| match i {
                        Expr::Value(v) => Some(v),
                        _ => None,
                    })
                    .collect(),
            ))
        }
        Expr::Map(m) if m.values().all(|i| matches!(i, Expr::Value(_))) => Expr::Value(Value::Map(
            m.into_iter()
                .filter_map(|(k, i)| match i {
                    Expr::Value(v) => Some((k, v)),
                    _ => None,
                })
                .collect(),
        )),
        other => other,
    }
}

/// Adjacent literals merged; a template of literals only is a plain string.
fn fold_template(parts: Vec<Part>) -> Expr {
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Literal(prev)), Part::Literal(l)) => prev.push_str(&l),
            (_, p) => out.push(p),
        }
    }
    match out.as_slice() {
        [] => Expr::Value(Value::string("")),
        [Part::Literal(l)] => Expr::Value(Value::string(l.clone())),
        _ => Expr::Template(out),
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A path as shown in messages: relative to the working directory when it is below it.
fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// A `*.toml` entry of a stack or module directory that cannot be read.
#[derive(Debug)]
pub struct Unreadable {
    pub path: PathBuf,
    /// What is wrong, in words ("cannot read stack file: it is a symbolic link to ...").
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Unreadable {
    fn new(path: &Path, e: &std::io::Error) -> Self {
        let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let consequence = "nothing is planned from a stack with a file missing: a plan would delete what that file declares";
        let (message, help) = if link && e.kind() == std::io::ErrorKind::NotFound {
            let to = std::fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            (
                format!(
                    "cannot read stack file: it is a symbolic link to {to}, which does not exist"
                ),
                format!(
                    "mount or restore the file it points to, or remove the link; {consequence}"
                ),
            )
        } else if link {
            // A loop reads as "too many levels of symbolic links".
            (
                format!("cannot read stack file (a symbolic link): {e}"),
                format!("point the link at the real file, or remove it; {consequence}"),
            )
        } else {
            (
                format!("cannot read stack file: {e}"),
                format!("make it readable, or move it out of the directory; {consequence}"),
            )
        };
        Unreadable {
            path: path.to_path_buf(),
            message,
            help,
        }
    }
}

/// The `*.toml` entries of a directory listing (not in order), each a path to read or the
/// reason it cannot be: a symbolic link to nothing or in a loop, an entry that cannot be
/// listed or examined. Directories named `*.toml` are not stack files and are left out.
pub fn toml_files(dir: &Path, entries: std::fs::ReadDir) -> Vec<Result<PathBuf, Unreadable>> {
    let mut out = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.push(Err(Unreadable {
                    path: dir.to_path_buf(),
                    message: format!("cannot list the directory: {e}"),
                    help: "make the directory readable".into(),
                }));
                continue;
            }
        };
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "toml") || is_var_file(&path) {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => out.push(Ok(path)),
            Err(e) => out.push(Err(Unreadable::new(&path, &e))),
        }
    }
    out
}

/// The prefix of environment variables that give stack variables values
/// (`CAIRN_VAR_env=prod`), as Terraform's `TF_VAR_`.
pub const ENV_PREFIX: &str = "CAIRN_VAR_";

/// The value a `--var NAME=RAW` (or `CAIRN_VAR_NAME=RAW`) gives a variable of type `ty`:
/// strings as written, numbers and bools parsed, lists, sets, maps and objects as TOML.
fn assigned(ty: &AttrType, raw: &str) -> Result<NodeKind, String> {
    match ty {
        AttrType::String => Ok(NodeKind::Str(raw.to_string())),
        AttrType::Number => raw
            .trim()
            .parse::<i64>()
            .map(NodeKind::Int)
            .or_else(|_| raw.trim().parse::<f64>().map(NodeKind::Float))
            .map_err(|_| format!("`{raw}` is not a number")),
        AttrType::Bool => raw
            .trim()
            .parse::<bool>()
            .map(NodeKind::Bool)
            .map_err(|_| format!("`{raw}` is not true or false")),
        AttrType::List(_) | AttrType::Set(_) | AttrType::Map(_) | AttrType::Object(_) => {
            syntax::parse_value(raw)
                .map(|n| n.kind)
                .map_err(|e| format!("not a TOML {}: {e}", article(ty)))
        }
        _ => Ok(syntax::parse_value(raw)
            .map(|n| n.kind)
            .unwrap_or_else(|_| NodeKind::Str(raw.to_string()))),
    }
}

/// Whether `path` is a variable file (`*.vars.toml`): values for `--var-file`, kept beside
/// the stack but never read as part of it.
pub fn is_var_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".vars.toml"))
}
