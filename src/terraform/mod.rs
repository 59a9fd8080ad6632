//! `cairn import --from-terraform PATH`: takes over what a Terraform working directory (or a
//! state file) manages. Terraform's state says what exists and at which address; each
//! instance of a type cairn has is read through that type's import, as adoption from
//! CloudFormation does. The stack written keeps what the team wrote where PATH holds the
//! `.tf` files (`hcl.rs` converts them), else it is what exists, with the ids of other
//! imported resources made references. Then the stack is planned against the state about to
//! be written: every attribute whose expression cairn cannot compute, or computes to other
//! than what exists, falls back to the value that exists, with a comment naming the
//! expression, until the plan is empty. Terraform's files and state are only read.

mod doc;
mod hcl;
mod tfstate;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context};
use cairn_engine::{plan_scoped, Action, Change, Observed, OutputState, PlanMode, Provider, Scope};
use cairn_model::{Address, Catalog, InstanceKey, PathSeg, Value};
use cairn_providers::{AwsProvider, AwsSettings};
use cairn_stacks::Stack;
use cairn_state::StateFile;
use serde_json::Value as Json;

use crate::adopt::{self, Tv};
use crate::workspace::{self, Failure, Outcome};
use crate::{statefile, Exit, VarArgs};
use doc::{Doc, Item, Kind, Table};

/// Imports in flight at once.
const CONCURRENT_READS: usize = 8;
/// Rounds of planning and falling back before giving up on an empty plan.
const ROUNDS: usize = 6;

/// What became of one Terraform resource declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Fate {
    Imported,
    /// cairn keeps it inline in another resource (Terraform's address of the parent).
    Folded {
        into: String,
        becomes: &'static str,
    },
    /// cairn has no such type.
    Unsupported,
    /// Not imported, and why.
    LeftOut(String),
}

/// How many instances a declaration has.
#[derive(Clone, Debug, PartialEq)]
pub enum Repeat {
    Single,
    Count(usize),
    ForEach(Vec<String>),
}

/// One instance Terraform recorded.
pub struct Inst {
    pub key: Option<InstanceKey>,
    pub tf: tfstate::TfInstance,
    pub import_id: Result<String, String>,
    pub observed: Option<Observed>,
}

/// One Terraform `resource` block of one module instance.
pub struct Decl {
    /// Terraform's address without a key: `module.net.aws_subnet.public`.
    pub tf_base: String,
    /// The unit (stack directory) it is written into.
    pub unit: usize,
    pub rtype: String,
    pub name: String,
    pub repeat: Repeat,
    pub alias: Option<String>,
    pub instances: Vec<Inst>,
    pub fate: Fate,
    /// Each attribute's value as it exists (instances merged), in writing order: what an
    /// attribute falls back to. `None` for an attribute that no instance has.
    pub existing: Vec<(String, String)>,
    /// Sensitive attributes, with the variable that carries each.
    pub secrets: Vec<(String, String)>,
    /// What this declaration's existing values refer to (declarations).
    pub refers_to: BTreeSet<usize>,
}

impl Decl {
    pub fn existing(&self, attr: &str) -> Option<&str> {
        self.existing
            .iter()
            .find(|(k, _)| k == attr)
            .map(|(_, v)| v.as_str())
    }
}

/// One stack directory written: the root or a module instance.
pub struct Unit {
    /// cairn module names from the root (empty for the root).
    pub module: Vec<String>,
    /// Terraform's module path (`module.net`), empty for the root.
    pub tf_module: String,
    /// Where it is written, relative to the stack directory.
    pub dir: PathBuf,
    pub doc: Doc,
    /// Why it is not converted from `.tf` files, if it is not.
    pub written_as_it_exists: Option<String>,
}

/// A sensitive variable the stack declares, with the value it must be given.
pub struct SecretVar {
    pub name: String,
    pub value: String,
    pub used_by: String,
}

/// Everything the import worked out.
pub struct Import {
    pub decls: Vec<Decl>,
    pub units: Vec<Unit>,
    pub secrets: Vec<SecretVar>,
    /// Terraform data sources cairn has no type for (addresses).
    pub unsupported_data: Vec<String>,
    /// Outputs and their values as Terraform recorded them.
    pub outputs: BTreeMap<String, tfstate::TfOutput>,
    /// Notes printed at the end (conversions that fell back and why).
    pub notes: Vec<String>,
    /// The region of the default provider configuration.
    pub region: String,
    /// The region of each provider alias the resources use.
    pub aliases: BTreeMap<String, String>,
}

/// `cairn import --from-terraform SOURCE` into `dir`.
pub async fn from_terraform(dir: &Path, source: &Path) -> Outcome {
    adopt::refuse_existing(dir)?;
    let (state_path, tf) = tfstate::read(source)?;
    let tf_dir = source.is_dir().then(|| source.to_path_buf());
    let config_files = tf_dir.as_deref().map(hcl::tf_files).unwrap_or_default();
    let catalog = workspace::catalog();
    let region = hcl::default_region(&config_files)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(|| region_of_arns(tf.resources.iter().flat_map(|r| &r.instances)))
        .unwrap_or_else(|| "us-east-1".into());
    let mut import = declarations(&tf, catalog, region);
    read_all(&mut import, &tf, &config_files).await;
    // Terraform reads relative file names from its working directory (or, for a state
    // file, beside it): from the stack's directory, that is `working`.
    let working_dir = match &tf_dir {
        Some(d) => d.clone(),
        None => state_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let working = hcl::relative_path(dir, &working_dir)?;
    existing_values(&mut import, catalog, (dir, &working));
    // The stack as it exists, then (with `.tf` files) as written.
    for u in 0..import.units.len() {
        import.units[u].doc = as_it_exists(&import, u);
    }
    if let Some(tf_dir) = &tf_dir {
        if !config_files.is_empty() {
            hcl::convert(&mut import, tf_dir, dir, catalog)?;
        }
    }
    header(
        &mut import,
        &state_path,
        &tf,
        tf_dir.is_some() && !config_files.is_empty(),
    );

    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    adopt::refuse_existing(dir)?;
    let written = verify(dir, &mut import).await;
    let (stack, state_file) = match written {
        Ok(done) => done,
        Err(failure) => {
            // Never leave a stack behind that does not load or plan: keep it aside.
            for u in &import.units {
                let path = dir.join(&u.dir).join(FILE);
                let _ = std::fs::rename(&path, path.with_extension("toml.rejected"));
            }
            eprintln!(
                "error: the stack written from {} does not plan empty (kept as *.toml.rejected, no state written):",
                source.display()
            );
            return Err(failure);
        }
    };
    let backend = workspace::backend(dir, Some(&stack)).await?;
    let _lock = backend.lock("import --from-terraform").await?;
    if backend.read().await?.is_some() {
        return Err(anyhow!(
            "{} already holds a state: nothing was recorded",
            backend.describe()
        )
        .into());
    }
    let mut state_file = state_file;
    backend.write(&mut state_file).await?;
    print_summary(dir, source, &import);
    Ok(Exit::Ok)
}

/// The stack file written in each unit's directory.
pub const FILE: &str = "main.toml";

/// The region the first ARN Terraform recorded for `instances` names.
fn region_of_arns<'a>(
    instances: impl IntoIterator<Item = &'a tfstate::TfInstance>,
) -> Option<String> {
    instances
        .into_iter()
        .filter_map(|i| i.attr("arn"))
        .filter_map(|arn| arn.split(':').nth(3))
        .find(|r| !r.is_empty())
        .map(str::to_string)
}

/// A cairn name for a Terraform module step: `net`, `net["a"]` → `net_a`.
fn module_name(step: &str) -> String {
    match step.split_once('[') {
        None => step.to_string(),
        Some((name, key)) => {
            let key: String = key
                .trim_end_matches(']')
                .trim_matches('"')
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            format!("{name}_{key}")
        }
    }
}

/// cairn module names of a Terraform module path (`module.a["k"].module.b`).
fn module_path(tf_module: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = tf_module;
    while let Some(after) = rest.strip_prefix("module.") {
        // The step ends at the next `.module.` outside brackets.
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                '.' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        out.push(module_name(&after[..end]));
        rest = after[end..].trim_start_matches('.');
    }
    out
}

/// Groups the managed resources of the state into declarations and units.
fn declarations(tf: &tfstate::TfState, catalog: &Catalog, region: String) -> Import {
    let mut units: Vec<Unit> = vec![Unit {
        module: Vec::new(),
        tf_module: String::new(),
        dir: PathBuf::new(),
        doc: Doc::default(),
        written_as_it_exists: None,
    }];
    let mut decls = Vec::new();
    let mut unsupported_data = Vec::new();
    for r in &tf.resources {
        if r.mode == "data" {
            if catalog.get(&format!("data.{}", r.rtype)).is_none() {
                unsupported_data.push(r.address());
            }
            continue;
        }
        if r.mode != "managed" {
            continue;
        }
        let tf_module = r.module.clone().unwrap_or_default();
        let unit = match units.iter().position(|u| u.tf_module == tf_module) {
            Some(u) => u,
            None => {
                let module = module_path(&tf_module);
                units.push(Unit {
                    dir: PathBuf::from("modules").join(module.join("__")),
                    module,
                    tf_module: tf_module.clone(),
                    doc: Doc::default(),
                    written_as_it_exists: None,
                });
                units.len() - 1
            }
        };
        let instances: Vec<Inst> = r
            .instances
            .iter()
            .filter(|i| i.deposed.is_none())
            .map(|i| Inst {
                key: i.key(),
                tf: i.clone(),
                import_id: tfstate::import_id(&r.rtype, &i.attributes),
                observed: None,
            })
            .collect();
        let repeat = match instances.first().and_then(|i| i.key.clone()) {
            None => Repeat::Single,
            Some(InstanceKey::Int(_)) => Repeat::Count(instances.len()),
            Some(InstanceKey::Str(_)) => Repeat::ForEach(
                instances
                    .iter()
                    .filter_map(|i| match &i.key {
                        Some(InstanceKey::Str(s)) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        let fate = if catalog.get(&r.rtype).is_some() {
            Fate::Imported
        } else if let Some((parent, by, becomes)) = tfstate::folded(&r.rtype) {
            let names: Vec<&str> = instances.iter().filter_map(|i| i.tf.attr(by)).collect();
            let into = tf
                .resources
                .iter()
                .filter(|p| p.mode == "managed" && p.rtype == parent && p.module == r.module)
                .find(|p| {
                    p.instances.iter().any(|i| {
                        names.contains(&i.attr("id").unwrap_or_default())
                            || names.contains(&i.attr("name").unwrap_or_default())
                    })
                });
            match into {
                Some(p) => Fate::Folded {
                    into: p.address(),
                    becomes,
                },
                None => Fate::LeftOut(format!(
                    "cairn keeps it inline in its {parent}, which is not in this state"
                )),
            }
        } else {
            Fate::Unsupported
        };
        decls.push(Decl {
            tf_base: r.address(),
            unit,
            rtype: r.rtype.clone(),
            name: r.name.clone(),
            repeat,
            alias: r.provider_alias(),
            instances,
            fate,
            existing: Vec::new(),
            secrets: Vec::new(),
            refers_to: BTreeSet::new(),
        });
    }
    Import {
        decls,
        units,
        secrets: Vec::new(),
        unsupported_data,
        outputs: BTreeMap::new(),
        notes: Vec::new(),
        region,
        aliases: BTreeMap::new(),
    }
}

/// Reads every instance to import, [`CONCURRENT_READS`] at a time, each through the
/// provider configuration (region) it was made with.
async fn read_all(import: &mut Import, tf: &tfstate::TfState, config_files: &[hcl::TfFile]) {
    let mut regions: BTreeMap<Option<String>, String> = BTreeMap::new();
    regions.insert(None, import.region.clone());
    for d in &import.decls {
        if let Some(alias) = &d.alias {
            let region = hcl::alias_region(config_files, alias)
                .or_else(|| region_of_arns(d.instances.iter().map(|i| &i.tf)))
                .unwrap_or_else(|| import.region.clone());
            regions.insert(Some(alias.clone()), region.clone());
            import.aliases.insert(alias.clone(), region);
        }
    }
    let mut providers: HashMap<Option<String>, Arc<AwsProvider>> = HashMap::new();
    for (alias, region) in &regions {
        let settings = AwsSettings {
            region: Some(region.clone()),
            ..AwsSettings::default()
        };
        providers.insert(alias.clone(), Arc::new(AwsProvider::new(settings).await));
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_READS));
    let mut reads = tokio::task::JoinSet::new();
    for (d, decl) in import.decls.iter().enumerate() {
        if decl.fate != Fate::Imported {
            continue;
        }
        for (n, inst) in decl.instances.iter().enumerate() {
            let Ok(id) = inst.import_id.clone() else {
                continue;
            };
            let provider = providers[&decl.alias].clone();
            let limit = limit.clone();
            let rtype = decl.rtype.clone();
            reads.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let got = provider.import(&rtype, &id).await;
                (d, n, got)
            });
        }
    }
    let mut failed: BTreeMap<usize, String> = BTreeMap::new();
    while let Some(done) = reads.join_next().await {
        let Ok((d, n, got)) = done else { continue };
        let base = import.decls[d].tf_base.clone();
        let inst = &mut import.decls[d].instances[n];
        let address = tfstate::instance_address(&base, inst.key.as_ref());
        match got {
            Ok(Some(observed)) => inst.observed = Some(observed),
            Ok(None) => {
                failed.insert(
                    d,
                    format!("{address} does not exist any more (deleted outside Terraform?)"),
                );
            }
            Err(e) => {
                failed.insert(
                    d,
                    format!(
                        "reading {address} failed: {}",
                        adopt::one_line(&e.to_string())
                    ),
                );
            }
        }
    }
    for (d, decl) in import.decls.iter_mut().enumerate() {
        if decl.fate != Fate::Imported {
            continue;
        }
        if let Some(why) = failed.remove(&d) {
            decl.fate = Fate::LeftOut(why);
        } else if let Some(Err(why)) = decl
            .instances
            .iter()
            .map(|i| &i.import_id)
            .find(|i| i.is_err())
        {
            decl.fate = Fate::LeftOut(format!("no import id: {why}"));
        } else if decl.instances.is_empty() {
            decl.fate = Fate::LeftOut("Terraform recorded no instance of it".into());
        }
    }
    import.outputs = tf.outputs.clone();
}

/// The cairn address of instance `key` of declaration `d`.
fn address(import: &Import, d: usize, key: Option<&InstanceKey>) -> Address {
    let decl = &import.decls[d];
    Address {
        module: import.units[decl.unit].module.clone(),
        rtype: decl.rtype.clone(),
        name: decl.name.clone(),
        key: key.cloned(),
    }
}

/// A reference to instance `key` of declaration `d` from within its own unit.
fn local_reference(decl: &Decl, key: Option<&InstanceKey>, attr: &str) -> String {
    let base = format!("{}.{}", decl.rtype, decl.name);
    format!("${{{}.{attr}}}", tfstate::instance_address(&base, key))
}

/// Works out, for every imported declaration, the values that exist: sensitive ones become
/// variables, settings AWS does not keep come from Terraform's state, ids and ARNs of other
/// imported resources of the same unit become references, and the instances are merged into
/// one value per attribute.
fn existing_values(import: &mut Import, catalog: &Catalog, (dir, working): (&Path, &str)) {
    // Every imported instance's id and ARN, to where it is.
    let mut index: HashMap<String, Vec<(usize, usize, &'static str)>> = HashMap::new();
    for (d, decl) in import.decls.iter().enumerate() {
        for (n, inst) in decl.instances.iter().enumerate() {
            let Some(o) = &inst.observed else { continue };
            index.entry(o.id.clone()).or_default().push((d, n, "id"));
            if let Some(arn) = o.outputs.get("arn").and_then(Json::as_str) {
                if arn != o.id {
                    index
                        .entry(arn.to_string())
                        .or_default()
                        .push((d, n, "arn"));
                }
            }
        }
    }
    let mut secrets: Vec<SecretVar> = Vec::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for d in 0..import.decls.len() {
        if import.decls[d].fate != Fate::Imported {
            continue;
        }
        let schema = catalog.get(&import.decls[d].rtype);
        // What AWS does not return: sensitive values and cairn's own settings, from
        // Terraform's state.
        let mut secret_attrs: BTreeSet<String> = BTreeSet::new();
        for inst in &mut import.decls[d].instances {
            let tf_sensitive = inst.tf.sensitive();
            let Some(o) = inst.observed.as_mut() else {
                continue;
            };
            let Some(schema) = schema else { continue };
            for (name, attr) in &schema.inputs {
                let Some(v) = inst.tf.attributes.get(name).filter(|v| !v.is_null()) else {
                    continue;
                };
                let sensitive = attr.sensitive || tf_sensitive.contains(name);
                if sensitive && v.as_str().is_some_and(|s| !s.is_empty()) {
                    secret_attrs.insert(name.clone());
                    o.inputs[name.as_str()] = v.clone();
                } else if attr.not_in_aws {
                    // cairn's own setting, which a read cannot know: Terraform's is the one.
                    let rtype = schema.type_name.as_str();
                    o.inputs[name.as_str()] = match v.as_str() {
                        Some(p)
                            if hcl::FILE_ATTRS.contains(&(rtype, name.as_str()))
                                && Path::new(p).is_relative() =>
                        {
                            Json::String(format!("{working}/{}", p.trim_start_matches("./")))
                        }
                        _ => v.clone(),
                    };
                }
            }
        }
        if import.decls[d].rtype == "aws_s3_object" {
            for inst in &mut import.decls[d].instances {
                if let Some(o) = inst.observed.as_mut() {
                    object_bytes(o, &inst.tf.attributes, dir);
                }
            }
        }
        let decl = &import.decls[d];
        let mut secret_vars = Vec::new();
        for attr in &secret_attrs {
            let values: BTreeSet<&str> = decl
                .instances
                .iter()
                .filter_map(|i| i.tf.attr(attr))
                .collect();
            if values.len() != 1 {
                import.notes.push(format!(
                    "{}: the instances have different `{attr}` values; cairn gives them one variable, so the plan will change all but one",
                    decl.tf_base
                ));
            }
            let mut name = format!("{}_{}", decl.name, attr);
            if !import.units[decl.unit].module.is_empty() {
                name = format!("{}_{name}", import.units[decl.unit].module.join("_"));
            }
            let base = name.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            let value = values
                .iter()
                .next()
                .copied()
                .unwrap_or_default()
                .to_string();
            secrets.push(SecretVar {
                name: name.clone(),
                value,
                used_by: format!("{}.{attr}", decl.tf_base),
            });
            secret_vars.push((attr.clone(), name));
        }
        // Each instance's body, references in place.
        let unit = decl.unit;
        let mut refers_to = BTreeSet::new();
        let mut bodies: Vec<BTreeMap<String, Tv>> = Vec::new();
        for inst in &decl.instances {
            let Some(o) = &inst.observed else {
                bodies.push(BTreeMap::new());
                continue;
            };
            let mut inputs = o.inputs.clone();
            for attr in &secret_attrs {
                if let Some(m) = inputs.as_object_mut() {
                    m.remove(attr);
                }
            }
            let (body, _) = adopt::body_of(&inputs, schema, &mut |s| {
                let [(j, n, attr)] = index.get(s)?.as_slice() else {
                    return None;
                };
                let target = &import.decls[*j];
                if *j == d || target.unit != unit {
                    return None;
                }
                refers_to.insert(*j);
                Some(local_reference(
                    target,
                    target.instances[*n].key.as_ref(),
                    attr,
                ))
            });
            let mut body: BTreeMap<String, Tv> = body.into_iter().collect();
            // A name and the prefix it was generated from: the name is what exists.
            let prefixed: Vec<String> = body
                .keys()
                .filter_map(|k| k.strip_suffix("_prefix"))
                .filter(|k| body.contains_key(*k))
                .map(|k| format!("{k}_prefix"))
                .collect();
            for k in prefixed {
                body.remove(&k);
            }
            bodies.push(body);
        }
        let mut keys: Vec<String> = Vec::new();
        for b in &bodies {
            for k in b.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        keys.sort_by_key(|k| (k.as_str() != "name", k.as_str() == "tags", k.clone()));
        let mut existing: Vec<(String, String)> = Vec::new();
        for k in keys {
            let values: Vec<Option<&Tv>> = bodies.iter().map(|b| b.get(&k)).collect();
            existing.push((k.clone(), merged(&decl.repeat, &values)));
        }
        for (attr, var) in &secret_vars {
            existing.push((attr.clone(), doc::expression(&format!("var.{var}"))));
        }
        let decl = &mut import.decls[d];
        decl.existing = existing;
        decl.secrets = secret_vars;
        refers_to.remove(&d);
        decl.refers_to = refers_to;
    }
    import.secrets = secrets;
}

/// The bytes of an S3 object, which an import cannot know: Terraform's `content`, or the
/// hash of its `source` file, where S3's ETag says the object holds them.
fn object_bytes(o: &mut Observed, tf: &Json, dir: &Path) {
    use cairn_providers::s3_object::{md5_hex, source_sha256};
    let etag = o
        .inputs
        .get("etag")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(source) = o.inputs.get("source").and_then(Json::as_str) {
        // Lexically: the stack's directory may not exist yet.
        if let Ok(bytes) = std::fs::read(hcl::lexical(&dir.join(source))) {
            if md5_hex(&bytes) == etag {
                o.inputs["source_hash"] = Json::String(source_sha256(&bytes));
            }
        }
    }
    if let Some(content) = tf.get("content").and_then(Json::as_str) {
        if md5_hex(content.as_bytes()) == etag {
            o.inputs["content"] = Json::String(content.to_string());
        }
    }
}

/// One value for all instances: the value when they agree, else one per instance, chosen by
/// `count.index` or `each.key`.
fn merged(repeat: &Repeat, values: &[Option<&Tv>]) -> String {
    let first = values.first().copied().flatten();
    if values.iter().all(|v| *v == first) {
        return match first {
            Some(t) => adopt::render(t, 0, 0),
            None => "null".into(),
        };
    }
    let expr = |v: &Option<&Tv>| v.map_or_else(|| "null".to_string(), doc::expr_of);
    let choice = match repeat {
        Repeat::ForEach(keys) => format!(
            "{{ {} }}[each.key]",
            keys.iter()
                .zip(values)
                .map(|(k, v)| format!("{} = {}", doc::hcl_string(k), expr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!(
            "[{}][count.index]",
            values.iter().map(expr).collect::<Vec<_>>().join(", ")
        ),
    };
    doc::expression(&choice)
}

/// The `count`/`for_each` item of a declaration, as it exists.
fn repeat_item(repeat: &Repeat) -> Option<Item> {
    match repeat {
        Repeat::Single => None,
        Repeat::Count(n) => Some(Item::new("count", n.to_string())),
        Repeat::ForEach(keys) => Some(Item::new(
            "for_each",
            format!(
                "[{}]",
                keys.iter()
                    .map(|k| adopt::quote(k, true))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The resource table of declaration `d` as it exists.
pub fn existing_table(import: &Import, d: usize) -> Table {
    let decl = &import.decls[d];
    let mut t = Table::new(
        format!("{}.{}", decl.rtype, adopt::key(&decl.name)),
        Kind::Resource(d),
    );
    t.items.extend(repeat_item(&decl.repeat));
    if let Some(alias) = &decl.alias {
        t.items.push(Item::new(
            "provider",
            adopt::quote(&format!("aws.{alias}"), true),
        ));
    }
    for (k, v) in &decl.existing {
        t.items.push(Item::new(k.clone(), v.clone()));
    }
    t
}

/// Each unit's stack file as what exists: resources in dependency order, module calls, and
/// (at the root) Terraform's outputs with their values.
fn as_it_exists(import: &Import, u: usize) -> Doc {
    let mut doc = Doc::default();
    if u == 0 {
        doc.tables.push(stack_table());
        doc.tables.push(provider_table(&import.region, None));
        for (alias, region) in &import.aliases {
            doc.tables.push(provider_table(region, Some(alias)));
        }
        for s in &import.secrets {
            doc.tables.push(secret_variable(s));
        }
    } else {
        for s in import
            .secrets
            .iter()
            .filter(|s| secret_in_unit(import, s, u))
        {
            doc.tables.push(secret_variable(s));
        }
    }
    let members: Vec<usize> = (0..import.decls.len())
        .filter(|&d| import.decls[d].unit == u && import.decls[d].fate == Fate::Imported)
        .collect();
    for d in dependency_order(import, &members) {
        doc.tables.push(existing_table(import, d));
    }
    for (c, child) in import.units.iter().enumerate() {
        if child.module.len() == import.units[u].module.len() + 1
            && child.module.starts_with(&import.units[u].module)
        {
            doc.tables.push(module_call(import, u, c));
        }
    }
    if u == 0 {
        for (name, o) in &import.outputs {
            if o.sensitive {
                continue;
            }
            let mut t = Table::new(
                format!("output.{}", adopt::key(name)),
                Kind::Output(name.clone()),
            );
            t.items.push(Item::new("value", literal(&o.value)));
            doc.tables.push(t);
        }
    }
    doc
}

/// A JSON value as a TOML literal (`${` escaped).
pub fn literal(v: &Json) -> String {
    let tv = adopt::tree(v, &mut |_| None, true);
    adopt::render(&tv, 0, 0)
}

pub fn stack_table() -> Table {
    let mut t = Table::new("stack", Kind::Plain);
    t.items
        .push(Item::new("name", adopt::quote("imported", true)));
    t
}

pub fn provider_table(region: &str, alias: Option<&str>) -> Table {
    let header = match alias {
        Some(a) => format!("provider.aws.{}", adopt::key(a)),
        None => "provider.aws".into(),
    };
    let mut t = Table::new(header, Kind::Plain);
    t.items
        .push(Item::new("region", adopt::quote(region, true)));
    t
}

fn secret_in_unit(import: &Import, s: &SecretVar, u: usize) -> bool {
    import
        .decls
        .iter()
        .any(|d| d.unit == u && d.secrets.iter().any(|(_, v)| *v == s.name))
}

pub fn secret_variable(s: &SecretVar) -> Table {
    let mut t = Table::new(
        format!("variable.{}", adopt::key(&s.name)),
        Kind::Variable(s.name.clone()),
    );
    t.comments.push(format!(
        "{}: sensitive, never written here; give it with --var {}=... or CAIRN_VAR_{}",
        s.used_by, s.name, s.name
    ));
    t.items.push(Item::new("type", "\"string\""));
    t.items.push(Item::new("sensitive", "true"));
    t
}

/// The call of unit `c` from its parent `u`: its source, and the sensitive variables its
/// resources take, passed down.
fn module_call(import: &Import, u: usize, c: usize) -> Table {
    let child = &import.units[c];
    let name = child.module.last().cloned().unwrap_or_default();
    let mut t = Table::new(format!("module.{}", adopt::key(&name)), Kind::Plain);
    t.comments.push(format!(
        "Terraform's {}{}",
        child.tf_module,
        child
            .written_as_it_exists
            .as_deref()
            .map(|w| format!(": {w}"))
            .unwrap_or_default()
    ));
    let from = &import.units[u].dir;
    let source = relative(from, &child.dir);
    t.items
        .push(Item::new("source", adopt::quote(&source, true)));
    for s in &import.secrets {
        let below = import.units.iter().enumerate().any(|(k, unit)| {
            unit.module.starts_with(&child.module) && secret_in_unit(import, s, k)
        });
        if below {
            t.items.push(Item::new(
                s.name.clone(),
                doc::expression(&format!("var.{}", s.name)),
            ));
        }
    }
    t
}

/// `to` relative to `from` (both relative to the stack directory), `./`-prefixed.
pub fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec![".".into()];
    parts.extend(std::iter::repeat_n("..".to_string(), from.len() - common));
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.len() > 1 && parts[1] == ".." {
        parts.remove(0);
    }
    parts.join("/")
}

/// `members` with what each refers to first, else in Terraform's order.
fn dependency_order(import: &Import, members: &[usize]) -> Vec<usize> {
    let edges: Vec<BTreeSet<usize>> = members
        .iter()
        .map(|&d| {
            import.decls[d]
                .refers_to
                .iter()
                .filter_map(|j| members.iter().position(|m| m == j))
                .collect()
        })
        .collect();
    adopt::topological(&edges)
        .into_iter()
        .map(|i| members[i])
        .collect()
}

/// The comment at the top of the root file: where it comes from, and what was left out.
fn header(import: &mut Import, state_path: &Path, tf: &tfstate::TfState, from_config: bool) {
    let mut h = vec![
        format!(
            "Imported from the Terraform state {} (Terraform {}) by `cairn import --from-terraform`.",
            state_path.display(),
            if tf.terraform_version.is_empty() { "?" } else { &tf.terraform_version }
        ),
        if from_config {
            "Converted from the .tf files beside it; where cairn could not compute an expression as Terraform did, the value that exists is written instead, with the expression in a comment.".into()
        } else {
            "Written as the resources exist (no .tf files were given).".into()
        },
    ];
    let folded: Vec<String> = import
        .decls
        .iter()
        .filter_map(|d| match &d.fate {
            Fate::Folded { into, becomes } => {
                Some(format!("  {} → `{becomes}` in {into}", d.tf_base))
            }
            _ => None,
        })
        .collect();
    if !folded.is_empty() {
        h.push(String::new());
        h.push("Folded (cairn keeps them inline):".into());
        h.extend(folded);
    }
    let left: Vec<String> = import
        .decls
        .iter()
        .filter_map(|d| match &d.fate {
            Fate::Unsupported => Some(format!("  {} (cairn has no type {})", d.tf_base, d.rtype)),
            Fate::LeftOut(why) => Some(format!("  {}: {why}", d.tf_base)),
            _ => None,
        })
        .chain(
            import
                .unsupported_data
                .iter()
                .map(|a| format!("  {a} (cairn has no such data source)")),
        )
        .collect();
    if !left.is_empty() {
        h.push(String::new());
        h.push("Left out (Terraform still manages them):".into());
        h.extend(left);
    }
    import.units[0].doc.header = h;
}

/// Writes the stack, loads it and plans it against the state about to be written, falling
/// back to what exists wherever cairn disagrees, until the plan is empty. Returns the stack
/// and the state to write.
async fn verify(dir: &Path, import: &mut Import) -> Result<(Stack, StateFile), Failure> {
    let mut last_problem = String::new();
    hcl::fall_back_unsupported(import);
    for round in 0..ROUNDS {
        for u in &mut import.units {
            hcl::order_tables(&mut u.doc);
        }
        let vars = VarArgs {
            vars: needed_secrets(import)
                .map(|s| format!("{}={}", s.name, s.value))
                .collect(),
            var_files: Vec::new(),
        };
        let lines = write_units(dir, import)?;
        let mut stack = match workspace::load_stack(dir, &vars) {
            Ok(s) => s,
            Err(Failure::Diagnostics(diagnostics)) => {
                let mut fixed = false;
                for d in &diagnostics.items {
                    fixed |= hcl::fall_back_at(
                        import,
                        dir,
                        &lines,
                        &d.primary.location.file,
                        d.primary.location.line,
                        &d.message,
                    );
                }
                if !fixed {
                    return Err(Failure::Diagnostics(diagnostics));
                }
                last_problem = format!("round {round}: the stack did not load");
                continue;
            }
            Err(other) => return Err(other),
        };
        let provider = workspace::provider(&stack).await?;
        let backend = workspace::backend(dir, Some(&stack)).await?;
        let secrets = workspace::secrets(&backend).await?;
        workspace::read_data(&mut stack, &*provider).await?;
        let file = state_file(import, &stack, provider.catalog(), &secrets);
        let state = statefile::to_engine(&file).map_err(|e| anyhow!("{e}"))?;
        let plan = plan_scoped(
            &stack.config,
            &state,
            &cairn_engine::Refreshed::new(),
            provider.catalog(),
            PlanMode::Normal,
            &|v: &Value| secrets.digest(v),
            &Scope::default(),
        )
        .map_err(|e| anyhow!("{e}"))?;
        // Attributes computed as unknown may only wait for another fall-back (a
        // replacement upstream): those with a known value that differs go first.
        let mut known: Vec<(&Change, BTreeSet<String>)> = Vec::new();
        let mut unknown: Vec<(&Change, BTreeSet<String>)> = Vec::new();
        for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
            let (mut k, mut u) = (BTreeSet::new(), BTreeSet::new());
            for a in change.attributes.iter().filter(|a| a.before != a.after) {
                let Some(PathSeg::Key(name)) = a.path.0.first() else {
                    continue;
                };
                if a.after.as_ref().is_none_or(Value::is_known) {
                    k.insert(name.clone());
                } else {
                    u.insert(name.clone());
                }
            }
            if matches!(change.action, Action::Create | Action::Delete) || !k.is_empty() {
                known.push((change, k));
            } else {
                unknown.push((change, u));
            }
        }
        let mut fixed = false;
        for (change, attrs) in known {
            fixed |= hcl::fall_back_change(import, &change.address, change.action, &attrs);
        }
        if !fixed {
            for (change, attrs) in unknown {
                fixed |= hcl::fall_back_change(import, &change.address, change.action, &attrs);
            }
        }
        for (name, o) in &plan.outputs {
            if o.before.as_ref() != Some(&o.after) {
                fixed |= hcl::fall_back_output(
                    import,
                    name,
                    "cairn computes another value than Terraform recorded",
                );
            }
        }
        if plan.is_empty() {
            // In `cairn fmt`'s layout, so that `cairn fmt --check` passes on what was written.
            for u in &import.units {
                let path = dir.join(&u.dir).join(FILE);
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                if let Ok(formatted) = cairn_stacks::format::format(&text) {
                    std::fs::write(&path, formatted)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
            }
            // Outputs as Terraform recorded them (the plan computed the same).
            let file = state_file(import, &stack, provider.catalog(), &secrets);
            return Ok((stack, file));
        }
        last_problem = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| {
                let attrs: Vec<String> = c.attributes.iter().map(|a| a.path.to_string()).collect();
                format!("{} {} ({})", c.action, c.address, attrs.join(", "))
            })
            .chain(
                plan.outputs
                    .iter()
                    .filter(|(_, o)| o.before.as_ref() != Some(&o.after))
                    .map(|(n, _)| format!("output {n}")),
            )
            .collect::<Vec<_>>()
            .join("; ");
        if !fixed {
            break;
        }
    }
    Err(anyhow!(
        "cairn could not write a stack that plans no changes against what Terraform made: {last_problem}"
    )
    .into())
}

/// The sensitive variables the stack declares (some may have been needed only by
/// expressions that cairn computes as Terraform did).
fn needed_secrets(import: &Import) -> impl Iterator<Item = &SecretVar> {
    import.secrets.iter().filter(|s| {
        import.units.iter().any(|u| {
            u.doc
                .tables
                .iter()
                .any(|t| !t.disabled && t.kind == Kind::Variable(s.name.clone()))
        })
    })
}

/// Writes every unit's stack file; the lines each item took, per unit.
fn write_units(dir: &Path, import: &Import) -> Result<Vec<doc::Lines>, Failure> {
    let mut all = Vec::new();
    for u in &import.units {
        let (text, lines) = u.doc.render();
        let udir = dir.join(&u.dir);
        std::fs::create_dir_all(&udir)
            .with_context(|| format!("cannot create {}", udir.display()))?;
        let path = udir.join(FILE);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        all.push(lines);
    }
    Ok(all)
}

/// The cairn state for the imported resources and Terraform's outputs.
fn state_file(
    import: &Import,
    stack: &Stack,
    catalog: &Catalog,
    secrets: &crate::secrets::Secrets,
) -> StateFile {
    let resources = import
        .decls
        .iter()
        .enumerate()
        .filter(|(_, decl)| decl.fate == Fate::Imported)
        .flat_map(|(d, decl)| {
            decl.instances.iter().filter_map(move |inst| {
                let observed = inst.observed.clone()?;
                Some((address(import, d, inst.key.as_ref()), observed))
            })
        });
    let outputs = stack.config.outputs.iter().filter_map(|(name, o)| {
        let tf = import.outputs.get(name)?;
        let value = OutputState {
            value: Value::from_json(tf.value.clone()),
            sensitive: o.sensitive,
        };
        Some((name.clone(), value))
    });
    adopt::recorded_state(stack, resources, outputs, catalog, secrets)
}

/// What was imported, converted, folded and left out, and what to do next.
fn print_summary(dir: &Path, source: &Path, import: &Import) {
    let imported: usize = import
        .decls
        .iter()
        .filter(|d| d.fate == Fate::Imported)
        .map(|d| d.instances.len())
        .sum();
    println!(
        "Imported {imported} resources from the Terraform state of {} into {}:",
        source.display(),
        dir.join(FILE).display()
    );
    for (d, decl) in import.decls.iter().enumerate() {
        if decl.fate != Fate::Imported {
            continue;
        }
        for inst in &decl.instances {
            println!(
                "  + {}  ({})",
                address(import, d, inst.key.as_ref()),
                inst.observed
                    .as_ref()
                    .map(|o| o.id.as_str())
                    .unwrap_or_default()
            );
        }
    }
    if import.units.len() > 1 {
        println!();
    }
    for u in import.units.iter().skip(1) {
        println!(
            "Terraform's {} became the cairn module `{}` ({}){}",
            u.tf_module,
            u.module.join("."),
            u.dir.display(),
            u.written_as_it_exists
                .as_deref()
                .map(|w| format!(": {w}"))
                .unwrap_or_default()
        );
    }
    let folded: Vec<&Decl> = import
        .decls
        .iter()
        .filter(|d| matches!(d.fate, Fate::Folded { .. }))
        .collect();
    if !folded.is_empty() {
        println!("\nFolded into imported resources ({}):", folded.len());
        for d in folded {
            if let Fate::Folded { into, becomes } = &d.fate {
                println!("  ~ {}: `{becomes}` in {into}", d.tf_base);
            }
        }
    }
    let left: Vec<String> = import
        .decls
        .iter()
        .filter_map(|d| match &d.fate {
            Fate::Unsupported => Some(format!("  - {}: cairn has no type {}", d.tf_base, d.rtype)),
            Fate::LeftOut(why) => Some(format!("  - {}: {why}", d.tf_base)),
            _ => None,
        })
        .chain(
            import
                .unsupported_data
                .iter()
                .map(|a| format!("  - {a}: cairn has no such data source")),
        )
        .collect();
    if !left.is_empty() {
        println!(
            "\nLeft out ({}): not in the cairn stack; Terraform still manages them:",
            left.len()
        );
        for l in left {
            println!("{l}");
        }
    }
    if !import.notes.is_empty() {
        println!("\nConverted with changes ({}):", import.notes.len());
        for n in &import.notes {
            println!("  * {n}");
        }
    }
    let vars: String = needed_secrets(import)
        .map(|s| format!(" --var {}=...", s.name))
        .collect();
    if !vars.is_empty() {
        println!("\nSensitive values are not written into the stack; give them as variables:");
        for s in needed_secrets(import) {
            println!("  --var {}=...   ({})", s.name, s.used_by);
        }
    }
    println!(
        "\nNext: `cairn -C {}{vars} plan` should show no changes. Then hand over: `terraform state rm` each address above (or archive the Terraform directory) so that only cairn manages them.",
        dir.display()
    );
}
