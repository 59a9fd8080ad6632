//! `cairn import --from-cloudformation`: adopts a CloudFormation stack. Each resource of a type
//! cairn has is read through that type's import (`Provider::import`), and its stack file entry
//! is what the read shows, with the ids and ARNs of other adopted resources turned into
//! references: so the configuration equals what exists by construction, the references give
//! the dependency graph, and `cairn plan` right after has nothing to do. Resources cairn keeps
//! inline elsewhere (routes, gateway attachments, security group rules, inline role policies)
//! are folded into their parent; the rest are listed and left out.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context};
use cairn_engine::{Changed, Observed, OutputState, Provider, ResourceState, State};
use cairn_model::schema::normalize_value;
use cairn_model::{Address, AttrType, Attribute, Catalog, ResourceSchema, Value};
use cairn_providers::cloudformation::{self, Mapping, Stack, StackReader, StackResource};
use cairn_providers::{AwsProvider, AwsSettings};
use cairn_state::{LocalBackend, StateFile};
use serde_json::Value as Json;

use crate::workspace::{self, Failure, Outcome};
use crate::{statefile, Exit, VarArgs};

/// The stack file adoption writes.
const FILE: &str = "main.toml";
/// Imports in flight at once.
const CONCURRENT_READS: usize = 8;
/// Where arrays start to take one line per item.
const WIDTH: usize = 100;

/// Writes stack files and state for the CloudFormation stack `stack_name` into `dir`.
pub async fn from_cloudformation(dir: &Path, stack_name: &str) -> Outcome {
    refuse_existing(dir)?;
    let settings = AwsSettings::default();
    let reader = StackReader::new(&settings).await;
    let region = reader.region().to_string();
    let stack = reader
        .read(stack_name)
        .await
        .map_err(|e| {
            let e = one_line(&e.to_string());
            anyhow!("cannot read the CloudFormation stack `{stack_name}`: {e}")
        })?
        .ok_or_else(|| {
            anyhow!(
                "there is no CloudFormation stack `{stack_name}` in {region} (is the name right, and the region? it comes from AWS_REGION or the profile)"
            )
        })?;
    if stack.status == "DELETE_COMPLETE" {
        return Err(anyhow!(
            "the CloudFormation stack `{stack_name}` has been deleted: there is nothing to adopt"
        )
        .into());
    }
    if stack.status.ends_with("_IN_PROGRESS") {
        return Err(anyhow!(
            "the CloudFormation stack `{}` is changing ({}): adopt it once that has finished",
            stack.name,
            stack.status
        )
        .into());
    }
    let provider = Arc::new(AwsProvider::new(settings).await);
    let adoption = adopt(&reader, provider.clone(), &stack).await;
    let cairn_name = stack_name_for(&stack.name);
    let text = render_file(&stack, &cairn_name, &region, &adoption);
    // In `cairn fmt`'s layout, so that `cairn fmt --check` passes on an adopted stack.
    let text = cairn_stacks::format::format(&text).unwrap_or(text);

    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    refuse_existing(dir)?;
    let path = dir.join(FILE);
    write_new(&path, &text)?;
    let loaded = match workspace::load_stack(dir, &VarArgs::default()) {
        Ok(s) => s,
        Err(failure) => {
            // Never leave a stack behind that does not load: keep it aside for a bug report.
            let aside = dir.join(format!("{FILE}.rejected"));
            let _ = std::fs::rename(&path, &aside);
            eprintln!(
                "error: the stack written for `{}` does not load (a cairn bug; kept as {}, no state written):",
                stack.name,
                aside.display()
            );
            return Err(failure);
        }
    };
    save_state(dir, &loaded, &adoption, provider.catalog()).await?;
    print_summary(dir, &path, &stack, &region, &adoption);
    Ok(Exit::Ok)
}

/// Refuses a directory that already holds stack files or a state: adoption never overwrites.
pub(crate) fn refuse_existing(dir: &Path) -> Result<(), Failure> {
    let mut found: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                found.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    let state = LocalBackend::new(dir).state_path();
    if state.exists() {
        found.push(state.display().to_string());
    }
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    Err(anyhow!(
        "{} already holds a stack ({}): adopt into an empty directory (`-C DIR`); nothing was changed",
        dir.display(),
        found.join(", ")
    )
    .into())
}

/// Writes `text` to `path`, which must not exist yet.
pub(crate) fn write_new(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A cairn stack name (`[a-z0-9-]+`) for a CloudFormation stack name.
fn stack_name_for(cfn: &str) -> String {
    let name: String = cfn
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-') => c,
            _ => '-',
        })
        .collect();
    if name.is_empty() {
        "adopted".into()
    } else {
        name
    }
}

/// A resource or output name for a logical id: `PublicSubnetA` → `public_subnet_a`,
/// `VPCGatewayAttachment` → `vpc_gateway_attachment`.
pub(crate) fn snake_case(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_end_matches('_').to_string();
    match out.chars().next() {
        None => "resource".into(),
        Some(c) if c.is_ascii_digit() => format!("r_{out}"),
        Some(_) => out,
    }
}

/// One resource adopted.
struct Adopted {
    logical_id: String,
    cfn_type: String,
    address: Address,
    observed: Observed,
    /// `DeletionPolicy: Retain` becomes `prevent_destroy`.
    prevent_destroy: bool,
    /// What CloudFormation set for it that the stack does not carry, each with why
    /// (`LocalSecondaryIndexes (cairn cannot represent it yet)`).
    not_adopted: Vec<String>,
}

/// What became of one resource of the CloudFormation stack.
enum Fate {
    /// Index into [`Adoption::adopted`].
    Adopted(usize),
    /// Kept inline in these adopted resources.
    Folded {
        into: Vec<Address>,
        becomes: &'static str,
    },
    /// cairn has no type for it.
    Unsupported,
    /// A type cairn has, but not adopted, and why.
    LeftOut(String),
    /// Being read.
    Reading,
}

/// One resource of the CloudFormation stack and its fate.
struct Entry {
    logical_id: String,
    cfn_type: String,
    physical_id: Option<String>,
    fate: Fate,
}

/// Everything adoption decided, ready to be written.
struct Adoption {
    entries: Vec<Entry>,
    adopted: Vec<Adopted>,
    /// Per adopted resource (same index): its attributes, references in place.
    bodies: Vec<Vec<(String, Tv)>>,
    /// Per adopted resource: explicit `depends_on` (indices), from the template's `DependsOn`
    /// where references do not already give the order.
    depends_on: Vec<BTreeSet<usize>>,
    /// Indices of adopted resources in the order they are written (dependencies first).
    order: Vec<usize>,
    /// Per adopted resource: attributes left out of the file because they are sensitive.
    withheld: Vec<Vec<String>>,
    /// Per adopted resource: ids kept literal because a reference would close a cycle, as
    /// `<id> is <address>'s <attribute>; a reference would form a cycle`.
    cycles: Vec<Vec<String>>,
    /// Stack outputs carried over: name, reference, value.
    outputs: Vec<(String, String, String)>,
    /// Stack outputs not carried over (their value is no adopted resource's id or ARN).
    outputs_left: Vec<String>,
}

/// Decides what becomes of every resource of `stack`, reads those cairn adopts, and builds
/// their configuration, in seven phases.
async fn adopt(reader: &StackReader, provider: Arc<AwsProvider>, stack: &Stack) -> Adoption {
    // 1. What each resource maps to; the import ids of those cairn can adopt.
    let (mut entries, to_import) = map_resources(reader, stack).await;
    // 2. Read them, a few at a time, and record what was found.
    let results = read_all(&provider, to_import).await;
    let catalog = provider.catalog();
    let mut adopted = record_reads(stack, catalog, &mut entries, results);
    // 3. Folded resources belong to adopted parents, or are left out.
    let owners = fold(stack, &mut entries, &adopted);
    note_folded_leftovers(stack, &entries, &mut adopted);
    // 4. References: every string equal to exactly one other adopted resource's id or ARN.
    let index = id_index(&adopted);
    let Bodies {
        mut edges,
        bodies,
        withheld,
        cycles,
    } = bodies_with_references(&adopted, catalog, &index);
    // 5. The template's DependsOn, where references do not already order the two.
    let depends_on = template_depends_on(stack, &owners, &mut edges);
    // 6. Dependencies first, else in the template's order.
    let order = topological(&edges);
    // 7. Outputs whose value is an adopted resource's id or ARN.
    let (outputs, outputs_left) = carried_outputs(&stack.outputs, &index, &adopted);
    Adoption {
        entries,
        adopted,
        bodies,
        depends_on,
        order,
        withheld,
        cycles,
        outputs,
        outputs_left,
    }
}

/// A resource to read.
struct ToImport {
    /// Its entry.
    at: usize,
    cairn_type: &'static str,
    import_id: String,
    /// For a part of the entry's resource (a rule's target), the part.
    part: Option<cloudformation::Part>,
}

/// A read's result, with what was read.
struct ReadResult {
    read: ToImport,
    got: Result<Option<Observed>, cairn_engine::ProviderError>,
}

/// Phase 1: an entry per resource of the stack (template order first, what the author
/// wrote, then anything only the stack lists) with what becomes of it, and what to read.
async fn map_resources(reader: &StackReader, stack: &Stack) -> (Vec<Entry>, Vec<ToImport>) {
    let position = |logical: &str| {
        stack
            .template
            .resources
            .iter()
            .position(|r| r.logical_id == logical)
            .unwrap_or(usize::MAX)
    };
    let mut resources: Vec<&StackResource> = stack.resources.iter().collect();
    resources.sort_by_key(|r| position(&r.logical_id));
    let mut entries: Vec<Entry> = Vec::new();
    let mut to_import: Vec<ToImport> = Vec::new();
    for r in resources {
        let fate = match cloudformation::mapping(&r.cfn_type) {
            Mapping::Unsupported => Fate::Unsupported,
            Mapping::Folded { .. } => Fate::Folded {
                into: Vec::new(),
                becomes: "",
            },
            Mapping::Type(cairn_type) => match r.physical_id.as_deref() {
                None => Fate::LeftOut(format!(
                    "CloudFormation has no physical id for it (status {})",
                    r.status
                )),
                Some(_) if r.status == "DELETE_COMPLETE" => {
                    Fate::LeftOut("CloudFormation has deleted it".into())
                }
                Some(physical) => match reader.import_id(stack, r, physical).await {
                    Ok(import_id) => {
                        let parts = stack
                            .template
                            .resource(&r.logical_id)
                            .map(|t| cloudformation::parts(t, &import_id))
                            .unwrap_or_default();
                        let at = entries.len();
                        to_import.push(ToImport {
                            at,
                            cairn_type,
                            import_id,
                            part: None,
                        });
                        to_import.extend(parts.into_iter().map(|p| ToImport {
                            at,
                            cairn_type: p.cairn_type,
                            import_id: p.import_id.clone(),
                            part: Some(p),
                        }));
                        Fate::Reading
                    }
                    Err(why) => Fate::LeftOut(one_line(&why)),
                },
            },
        };
        entries.push(Entry {
            logical_id: r.logical_id.clone(),
            cfn_type: r.cfn_type.clone(),
            physical_id: r.physical_id.clone(),
            fate,
        });
    }
    (entries, to_import)
}

/// Phase 2: reads every resource to import, [`CONCURRENT_READS`] at a time, in the order
/// asked.
async fn read_all(provider: &Arc<AwsProvider>, to_import: Vec<ToImport>) -> Vec<ReadResult> {
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_READS));
    let mut reads = tokio::task::JoinSet::new();
    for (n, read) in to_import.into_iter().enumerate() {
        let provider = provider.clone();
        let limit = limit.clone();
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let got = provider.import(read.cairn_type, &read.import_id).await;
            (n, ReadResult { read, got })
        });
    }
    let mut results = Vec::new();
    while let Some(done) = reads.join_next().await {
        match done {
            Ok(r) => results.push(r),
            // A read that panicked: its resource stays `Reading`, and is left out below.
            Err(e) => eprintln!("warning: a read failed: {}", one_line(&e.to_string())),
        }
    }
    results.sort_by_key(|r| r.0);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Phase 2, what was read: each entry adopted or left out (with why), and the parts of
/// adopted resources beside them (a part that cannot be read is reported with its parent,
/// which stays adopted: CloudFormation's copy of the part is untouched). Each adopted resource
/// notes what its template sets that cairn does not carry over.
fn record_reads(
    stack: &Stack,
    catalog: &Catalog,
    entries: &mut [Entry],
    results: Vec<ReadResult>,
) -> Vec<Adopted> {
    // Parts after every entry: a part is adopted only beside its adopted parent.
    let (part_results, results): (Vec<_>, Vec<_>) =
        results.into_iter().partition(|r| r.read.part.is_some());
    let mut adopted: Vec<Adopted> = Vec::new();
    let mut taken: BTreeSet<Address> = BTreeSet::new();
    for ReadResult { read, got } in results {
        let entry = &mut entries[read.at];
        let schema = catalog.get(read.cairn_type);
        entry.fate = match got {
            Ok(Some(observed)) => match missing_required(schema, &observed) {
                Some((missing, sensitive)) => Fate::LeftOut(format!(
                    "its configuration must set `{missing}`, {}: write it into the stack (from a variable), then `cairn import {}.{} {}`",
                    if sensitive {
                        "which is sensitive and never written into a stack file"
                    } else {
                        "which AWS does not return"
                    },
                    read.cairn_type,
                    snake_case(&entry.logical_id),
                    read.import_id
                )),
                None => {
                    let template = stack.template.resource(&entry.logical_id);
                    let retain = template.and_then(|t| t.deletion_policy.as_deref())
                        == Some("Retain");
                    adopted.push(Adopted {
                        logical_id: entry.logical_id.clone(),
                        cfn_type: entry.cfn_type.clone(),
                        address: unique_address(read.cairn_type, &entry.logical_id, &mut taken),
                        observed,
                        prevent_destroy: retain,
                        not_adopted: template
                            .map(cloudformation::leftovers)
                            .unwrap_or_default()
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                    });
                    Fate::Adopted(adopted.len() - 1)
                }
            },
            Ok(None) => Fate::LeftOut(format!(
                "`{}` does not exist (deleted outside CloudFormation?)",
                read.import_id
            )),
            Err(e) => {
                let e = one_line(&e.to_string());
                Fate::LeftOut(format!("reading `{}` failed: {e}", read.import_id))
            }
        };
    }
    for e in entries.iter_mut() {
        if matches!(e.fate, Fate::Reading) {
            e.fate = Fate::LeftOut("reading it failed".into());
        }
    }
    for ReadResult { read, got } in part_results {
        let (Fate::Adopted(parent), Some(part)) = (&entries[read.at].fate, read.part) else {
            continue;
        };
        let parent = *parent;
        let name = &part.name;
        let failed = |why: String| format!("its target `{name}` ({})", one_line(&why));
        match got {
            Ok(Some(observed)) => {
                let p = &adopted[parent];
                let logical_id = p.logical_id.clone();
                adopted.push(Adopted {
                    cfn_type: format!("{}, its target `{name}`", p.cfn_type),
                    address: unique_address(
                        read.cairn_type,
                        &format!("{logical_id}_{name}"),
                        &mut taken,
                    ),
                    logical_id,
                    observed,
                    prevent_destroy: p.prevent_destroy,
                    not_adopted: part.leftovers.iter().map(ToString::to_string).collect(),
                });
            }
            Ok(None) => adopted[parent]
                .not_adopted
                .push(failed(format!("`{}` does not exist", read.import_id))),
            Err(e) => adopted[parent]
                .not_adopted
                .push(failed(format!("reading `{}` failed: {e}", read.import_id))),
        }
    }
    adopted
}

/// Phase 3, what the folded resources set that cairn does not carry over, noted in each
/// resource they were folded into (`AppFromLb's CidrIpv6 (...)`).
fn note_folded_leftovers(stack: &Stack, entries: &[Entry], adopted: &mut [Adopted]) {
    for e in entries {
        let Fate::Folded { into, .. } = &e.fate else {
            continue;
        };
        let Some(template) = stack.template.resource(&e.logical_id) else {
            continue;
        };
        for leftover in cloudformation::leftovers(template) {
            let note = format!("{}'s {leftover}", e.logical_id);
            for a in adopted.iter_mut().filter(|a| into.contains(&a.address)) {
                a.not_adopted.push(note.clone());
            }
        }
    }
}

/// Which adopted resources hold each logical id: itself when adopted, else the parents a
/// folded resource was folded into.
#[derive(Default)]
struct Owners {
    adopted_at: HashMap<String, usize>,
    folded_into: HashMap<String, Vec<usize>>,
}

impl Owners {
    fn of(&self, logical: &str) -> Vec<usize> {
        match self.adopted_at.get(logical) {
            Some(&i) => vec![i],
            None => self.folded_into.get(logical).cloned().unwrap_or_default(),
        }
    }
}

/// Phase 3: each folded resource (a route, a rule, an inline policy) goes into its adopted
/// parents, or is left out saying why.
fn fold(stack: &Stack, entries: &mut [Entry], adopted: &[Adopted]) -> Owners {
    let mut owners = Owners {
        adopted_at: entries
            .iter()
            .filter_map(|e| match e.fate {
                Fate::Adopted(i) => Some((e.logical_id.clone(), i)),
                _ => None,
            })
            .collect(),
        folded_into: HashMap::new(),
    };
    for e in entries.iter_mut() {
        let Mapping::Folded { property, becomes } = cloudformation::mapping(&e.cfn_type) else {
            continue;
        };
        let parents = stack
            .template
            .resource(&e.logical_id)
            .map(|t| cloudformation::parents(t, property))
            .unwrap_or_default();
        let found: Option<Vec<usize>> = parents
            .iter()
            .map(|p| owners.adopted_at.get(p.as_str()).copied())
            .collect();
        e.fate = match found {
            Some(found) if !found.is_empty() => {
                owners.folded_into.insert(e.logical_id.clone(), found.clone());
                Fate::Folded {
                    into: found.iter().map(|&i| adopted[i].address.clone()).collect(),
                    becomes,
                }
            }
            _ if parents.is_empty() => Fate::LeftOut(format!(
                "cairn keeps it inline in its parent, but the template's `{property}` names no resource of this stack"
            )),
            _ => Fate::LeftOut(format!(
                "cairn keeps it inline in {}, which is not adopted",
                parents.join(", ")
            )),
        };
    }
    owners
}

/// Every adopted resource's id and ARN, to what it is of (a value may be several's).
type IdIndex = HashMap<String, Vec<(usize, &'static str)>>;

/// Phase 4, the index: each adopted resource's id, and its ARN where that differs.
fn id_index(adopted: &[Adopted]) -> IdIndex {
    let mut index: IdIndex = HashMap::new();
    for (i, a) in adopted.iter().enumerate() {
        index
            .entry(a.observed.id.clone())
            .or_default()
            .push((i, "id"));
        if let Some(arn) = a.observed.outputs.get("arn").and_then(Json::as_str) {
            if arn != a.observed.id {
                index.entry(arn.to_string()).or_default().push((i, "arn"));
            }
        }
    }
    index
}

/// Phase 4's result, per adopted resource (same index).
struct Bodies {
    /// What each refers to.
    edges: Vec<BTreeSet<usize>>,
    /// Its attributes, references in place.
    bodies: Vec<Vec<(String, Tv)>>,
    /// Its attributes withheld as sensitive.
    withheld: Vec<Vec<String>>,
    /// The ids it keeps literal because a reference would close a cycle, saying so.
    cycles: Vec<Vec<String>>,
}

/// Phase 4: each adopted resource's attributes as written, with every string that is
/// exactly one other adopted resource's id or ARN made a reference to it, unless that would
/// close a cycle (the references of resources earlier in the template are kept, and the id
/// that would close the cycle stays literal, noted); the dependency edges those references
/// make; the attributes withheld as sensitive.
fn bodies_with_references(adopted: &[Adopted], catalog: &Catalog, index: &IdIndex) -> Bodies {
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); adopted.len()];
    let mut bodies = Vec::new();
    let mut withheld = Vec::new();
    let mut cycles = Vec::new();
    for i in 0..adopted.len() {
        let schema = catalog.get(adopted[i].address.rtype.as_str());
        let mut kept: Vec<String> = Vec::new();
        let (body, secret) = body_of(&adopted[i].observed.inputs, schema, &mut |s| {
            let [(j, attr)] = index.get(s)?.as_slice() else {
                return None;
            };
            let target = &adopted[*j].address;
            if *j == i {
                return None;
            }
            if reaches(&edges, *j, i) {
                let note = format!("{s} is {target}'s {attr}; a reference would form a cycle");
                if !kept.contains(&note) {
                    kept.push(note);
                }
                return None;
            }
            edges[i].insert(*j);
            Some(format!("${{{target}.{attr}}}"))
        });
        bodies.push(body);
        withheld.push(secret);
        cycles.push(kept);
    }
    Bodies {
        edges,
        bodies,
        withheld,
        cycles,
    }
}

/// Phase 5: the template's `DependsOn` as `depends_on`, where references do not already
/// order the two either way (added to `edges` too).
fn template_depends_on(
    stack: &Stack,
    owners: &Owners,
    edges: &mut [BTreeSet<usize>],
) -> Vec<BTreeSet<usize>> {
    let mut depends_on: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); edges.len()];
    for t in &stack.template.resources {
        for from in owners.of(&t.logical_id) {
            for dep in &t.depends_on {
                for to in owners.of(dep) {
                    if from != to && !reaches(edges, from, to) && !reaches(edges, to, from) {
                        edges[from].insert(to);
                        depends_on[from].insert(to);
                    }
                }
            }
        }
    }
    depends_on
}

/// Phase 7: the stack's outputs whose value is exactly one adopted resource's id or ARN, as
/// (name in snake case, made unique; reference; value), and the keys of the others.
#[allow(clippy::type_complexity)]
fn carried_outputs(
    outputs: &[cloudformation::StackOutput],
    index: &IdIndex,
    adopted: &[Adopted],
) -> (Vec<(String, String, String)>, Vec<String>) {
    let mut carried = Vec::new();
    let mut left = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for o in outputs {
        match index.get(&o.value).map(Vec::as_slice) {
            Some([(j, attr)]) => {
                let mut name = snake_case(&o.key);
                let base = name.clone();
                let mut n = 2;
                while !names.insert(name.clone()) {
                    name = format!("{base}_{n}");
                    n += 1;
                }
                carried.push((
                    name,
                    format!("${{{}.{attr}}}", adopted[*j].address),
                    o.value.clone(),
                ));
            }
            _ => left.push(o.key.clone()),
        }
    }
    (carried, left)
}

/// A required input attribute that the stack file cannot set: the read did not give it, or
/// it is sensitive (never written into a stack file).
/// Its name, and whether it is sensitive.
fn missing_required(
    schema: Option<&ResourceSchema>,
    observed: &Observed,
) -> Option<(String, bool)> {
    let schema = schema?;
    schema
        .inputs
        .iter()
        .find(|(name, attr)| {
            attr.required
                && (attr.sensitive || observed.inputs.get(name.as_str()).is_none_or(Json::is_null))
        })
        .map(|(name, attr)| (name.clone(), attr.sensitive))
}

/// `<type>.<logical id in snake case>`, numbered when that is taken.
fn unique_address(rtype: &str, logical_id: &str, taken: &mut BTreeSet<Address>) -> Address {
    let base = snake_case(logical_id);
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&Address::new(rtype, name.as_str())) {
        name = format!("{base}_{n}");
        n += 1;
    }
    let address = Address::new(rtype, name);
    taken.insert(address.clone());
    address
}

/// Whether `to` can be reached from `from` along `edges`.
pub(crate) fn reaches(edges: &[BTreeSet<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        stack.extend(edges[n].iter().copied());
    }
    false
}

/// Indices in dependency order (`edges[i]` are what `i` depends on), ties in index order.
/// `edges` has no cycles (references and `depends_on` are added only where they close none).
pub(crate) fn topological(edges: &[BTreeSet<usize>]) -> Vec<usize> {
    let mut placed = vec![false; edges.len()];
    let mut order = Vec::with_capacity(edges.len());
    while order.len() < edges.len() {
        let next = (0..edges.len())
            .find(|&i| !placed[i] && edges[i].iter().all(|&d| placed[d]))
            // Unreachable without cycles; never loop forever.
            .or_else(|| (0..edges.len()).find(|&i| !placed[i]));
        let Some(i) = next else { break };
        placed[i] = true;
        order.push(i);
    }
    order
}

/// A value to write: literal strings are escaped (`${` → `$${`), references are not.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tv {
    Str(String),
    /// Text written as it is (a converted expression or template, already a TOML value).
    Raw(String),
    Ref(String),
    Scalar(Json),
    Arr(Vec<Tv>),
    Obj(Vec<(String, Tv)>),
}

/// The attributes to write for a resource read as `inputs`: nulls, values equal to the
/// type's default (the stack fills those in) and sensitive values (listed apart) left out,
/// strings that name another adopted resource replaced by `refer`. Tags are kept literal.
pub(crate) fn body_of(
    inputs: &Json,
    schema: Option<&ResourceSchema>,
    refer: &mut dyn FnMut(&str) -> Option<String>,
) -> (Vec<(String, Tv)>, Vec<String>) {
    let mut body = Vec::new();
    let mut secret = Vec::new();
    let Some(fields) = inputs.as_object() else {
        return (body, secret);
    };
    let mut keys: Vec<&String> = fields.keys().collect();
    // The name first and tags last, as people write them.
    keys.sort_by_key(|k| (k.as_str() != "name", k.as_str() == "tags", k.as_str()));
    for key in keys {
        let v = &fields[key.as_str()];
        let attr = schema.and_then(|s| s.inputs.get(key.as_str()));
        if attr.is_some_and(|a| a.sensitive) && !v.is_null() {
            secret.push(key.clone());
            continue;
        }
        let Some(v) = without_defaults(attr, v) else {
            continue;
        };
        let literal = key == "tags";
        body.push((key.clone(), tree(&v, refer, literal)));
    }
    (body, secret)
}

/// `v` without what the stack would fill in anyway: `None` when it is null or equal to the
/// attribute's default; inside blocks (and lists of them), the fields equal to theirs.
fn without_defaults(attr: Option<&Attribute>, v: &Json) -> Option<Json> {
    if v.is_null() {
        return None;
    }
    let Some(attr) = attr else {
        return Some(v.clone());
    };
    if let Some(default) = &attr.default {
        if normalize_value(&attr.ty, default).to_json_lossy() == *v {
            return None;
        }
    }
    Some(strip_type(&attr.ty, v))
}

fn strip_type(ty: &AttrType, v: &Json) -> Json {
    match (ty, v) {
        (AttrType::Object(fields), Json::Object(m)) => Json::Object(
            m.iter()
                .filter_map(|(k, item)| {
                    let kept = without_defaults(fields.get(k.as_str()), item)?;
                    Some((k.clone(), kept))
                })
                .collect(),
        ),
        (AttrType::List(t) | AttrType::Set(t), Json::Array(items)) => {
            Json::Array(items.iter().map(|i| strip_type(t, i)).collect())
        }
        (AttrType::Map(t), Json::Object(m)) => Json::Object(
            m.iter()
                .map(|(k, i)| (k.clone(), strip_type(t, i)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

pub(crate) fn tree(v: &Json, refer: &mut dyn FnMut(&str) -> Option<String>, literal: bool) -> Tv {
    match v {
        Json::String(s) => match (!literal).then(|| refer(s)).flatten() {
            Some(reference) => Tv::Ref(reference),
            None => Tv::Str(s.clone()),
        },
        Json::Array(items) => Tv::Arr(
            items
                .iter()
                .filter(|i| !i.is_null())
                .map(|i| tree(i, refer, literal))
                .collect(),
        ),
        Json::Object(m) => Tv::Obj(
            m.iter()
                .filter(|(_, i)| !i.is_null())
                .map(|(k, i)| (k.clone(), tree(i, refer, literal)))
                .collect(),
        ),
        other => Tv::Scalar(other.clone()),
    }
}

/// A TOML basic string; `${` doubled in literal text so that it is not read as a reference.
pub(crate) fn quote(s: &str, literal_text: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if literal_text && chars.peek() == Some(&'{') => out.push_str("$$"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be.
pub(crate) fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        quote(k, false)
    }
}

pub(crate) fn scalar(v: &Json) -> String {
    match v {
        Json::Bool(b) => b.to_string(),
        Json::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        Json::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            // `{:?}` keeps a fraction or exponent (`1.0`, `1e300`): a TOML float.
            format!("{f:?}")
        }
        Json::String(s) => quote(s, true),
        _ => "\"\"".into(),
    }
}

/// On one line.
pub(crate) fn flat(t: &Tv) -> String {
    match t {
        Tv::Str(s) => quote(s, true),
        Tv::Ref(r) => quote(r, false),
        Tv::Raw(r) => r.clone(),
        Tv::Scalar(v) => scalar(v),
        Tv::Arr(items) => format!(
            "[{}]",
            items.iter().map(flat).collect::<Vec<_>>().join(", ")
        ),
        Tv::Obj(fields) if fields.is_empty() => "{}".into(),
        Tv::Obj(fields) => format!(
            "{{ {} }}",
            fields
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), flat(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `t` starting at column `col` of a line indented by `indent`: arrays that do not fit take
/// one line per item (inline tables stay on one line, as TOML wants, apart from the arrays
/// inside them).
pub(crate) fn render(t: &Tv, indent: usize, col: usize) -> String {
    let one_line = flat(t);
    if col + one_line.len() <= WIDTH {
        return one_line;
    }
    match t {
        // A single plain item stays where it is.
        Tv::Arr(items) if items.len() == 1 && !matches!(items[0], Tv::Arr(_) | Tv::Obj(_)) => {
            one_line
        }
        Tv::Arr(items) if !items.is_empty() => {
            let pad = " ".repeat(indent + 2);
            let mut out = String::from("[\n");
            for item in items {
                out.push_str(&pad);
                out.push_str(&render(item, indent + 2, indent + 2));
                out.push_str(",\n");
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
            out
        }
        Tv::Obj(fields) if !fields.is_empty() => {
            let mut out = String::from("{ ");
            let mut at = col + 2;
            for (n, (k, v)) in fields.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                    at += 2;
                }
                let head = format!("{} = ", key(k));
                at += head.len();
                let value = render(v, indent, at);
                at = match value.rfind('\n') {
                    Some(nl) => value.len() - nl - 1,
                    None => at + value.len(),
                };
                out.push_str(&head);
                out.push_str(&value);
            }
            out.push_str(" }");
            out
        }
        _ => one_line,
    }
}

/// Text for a comment line (no line breaks).
pub(crate) fn comment_text(s: &str) -> String {
    s.replace('\r', "").replace('\n', "\\n")
}

/// Longest explanation of a failure kept (in characters): a reason, not a dump.
const REASON_CHARS: usize = 240;

/// A failure's explanation in one line: whitespace runs (line breaks included) made one
/// space, and cut after [`REASON_CHARS`] characters.
pub(crate) fn one_line(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(REASON_CHARS) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line,
    }
}

/// The stack file: a header naming the source stack, its parameters and what was not
/// adopted; `[stack]`, `[provider.aws]`, the resources in dependency order, the outputs.
fn render_file(stack: &Stack, cairn_name: &str, region: &str, adoption: &Adoption) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Adopted from the CloudFormation stack `{}` in {region}",
        comment_text(&stack.name)
    );
    let _ = writeln!(
        out,
        "# ({}) by `cairn import --from-cloudformation`.",
        comment_text(&stack.id)
    );
    if let Some(d) = stack
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        let _ = writeln!(out, "# Description: {}", comment_text(d.trim()));
    }
    if !stack.parameters.is_empty() {
        let _ = writeln!(out, "#\n# Its parameters:");
        for (k, v) in &stack.parameters {
            let _ = writeln!(out, "#   {} = {}", comment_text(k), comment_text(v));
        }
    }
    let folded: Vec<&Entry> = adoption
        .entries
        .iter()
        .filter(|e| matches!(e.fate, Fate::Folded { .. }))
        .collect();
    if !folded.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Folded into the resources below (cairn keeps them inline):"
        );
        for e in folded {
            if let Fate::Folded { into, becomes } = &e.fate {
                let _ = writeln!(
                    out,
                    "#   {} ({}): {becomes} in {}",
                    e.logical_id,
                    e.cfn_type,
                    join(into)
                );
            }
        }
    }
    let left: Vec<&Entry> = adoption
        .entries
        .iter()
        .filter(|e| matches!(e.fate, Fate::Unsupported | Fate::LeftOut(_) | Fate::Reading))
        .collect();
    if !left.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Left out (not managed by this stack; CloudFormation still has them):"
        );
        for e in left {
            let why = match &e.fate {
                Fate::LeftOut(why) => comment_text(why),
                _ => "cairn has no type for it".into(),
            };
            let _ = writeln!(
                out,
                "#   {} ({}{}): {why}",
                e.logical_id,
                e.cfn_type,
                e.physical_id
                    .as_deref()
                    .map(|p| format!(", {}", comment_text(p)))
                    .unwrap_or_default()
            );
        }
    }
    if !adoption.outputs_left.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Outputs not carried over (not an adopted resource's id or ARN): {}",
            comment_text(&adoption.outputs_left.join(", "))
        );
    }
    let _ = writeln!(out, "\n[stack]\nname = {}", quote(cairn_name, true));
    let _ = writeln!(out, "\n[provider.aws]\nregion = {}", quote(region, true));
    for &i in &adoption.order {
        render_resource(&mut out, adoption, i);
    }
    for (name, reference, _) in &adoption.outputs {
        let _ = writeln!(
            out,
            "\n[output.{}]\nvalue = {}",
            key(name),
            quote(reference, false)
        );
    }
    out
}

/// The adopted resource `i`: where it comes from and what it does not carry (comments), its
/// table, the ids kept literal to avoid a cycle, `depends_on` and `lifecycle`.
fn render_resource(out: &mut String, adoption: &Adoption, i: usize) {
    let a = &adoption.adopted[i];
    let _ = writeln!(
        out,
        "\n# {} ({}): {}",
        a.logical_id,
        a.cfn_type,
        comment_text(&a.observed.id)
    );
    for note in &a.not_adopted {
        let _ = writeln!(out, "# not adopted: {}", comment_text(note));
    }
    let pinned_code = adoption.bodies[i]
        .iter()
        .any(|(k, _)| k == "source_code_hash")
        && !adoption.bodies[i].iter().any(|(k, _)| k == "source");
    if pinned_code {
        let _ = writeln!(
            out,
            "# Its code stays as deployed (`source_code_hash`); to manage it here, set `source`\n# to the directory of the code and remove `source_code_hash`."
        );
    }
    let _ = writeln!(out, "[{}.{}]", a.address.rtype, key(&a.address.name));
    for (k, v) in &adoption.bodies[i] {
        let head = format!("{} = ", key(k));
        let _ = writeln!(out, "{head}{}", render(v, 0, head.len()));
    }
    for k in &adoption.withheld[i] {
        let _ = writeln!(
            out,
            "# {k}: sensitive, not written here (set it from a sensitive variable)"
        );
    }
    for note in &adoption.cycles[i] {
        let _ = writeln!(out, "# {}", comment_text(note));
    }
    let deps = &adoption.depends_on[i];
    if !deps.is_empty() {
        let list: Vec<String> = deps
            .iter()
            .map(|&d| quote(&adoption.adopted[d].address.to_string(), true))
            .collect();
        let _ = writeln!(out, "depends_on = [{}]", list.join(", "));
    }
    if a.prevent_destroy {
        let _ = writeln!(
            out,
            "lifecycle = {{ prevent_destroy = true }} # DeletionPolicy: Retain"
        );
    }
}

fn join(addresses: &[Address]) -> String {
    addresses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Records the adopted resources (and the outputs carried over) as a new state, with the
/// dependencies the written stack gives them.
async fn save_state(
    dir: &Path,
    stack: &cairn_stacks::Stack,
    adoption: &Adoption,
    catalog: &Catalog,
) -> Result<(), Failure> {
    let backend = workspace::backend(dir, Some(stack)).await?;
    let _lock = backend.lock("import --from-cloudformation").await?;
    if backend.read().await?.is_some() {
        return Err(anyhow!(
            "{} already holds a state: nothing was recorded",
            backend.describe()
        )
        .into());
    }
    let secrets = workspace::secrets(&backend).await?;
    let resources = adoption
        .adopted
        .iter()
        .map(|a| (a.address.clone(), a.observed.clone()));
    let outputs = adoption.outputs.iter().map(|(name, _, value)| {
        let value = OutputState {
            value: Value::string(value.clone()),
            sensitive: false,
        };
        (name.clone(), value)
    });
    let mut file = recorded_state(stack, resources, outputs, catalog, &secrets);
    backend.write(&mut file).await?;
    Ok(())
}

/// A new state recording `resources`, each with the dependencies and protection the loaded
/// `stack` gives it, and `outputs`, its sensitive inputs and outputs redacted (shared by
/// adoption from CloudFormation and from Terraform).
pub(crate) fn recorded_state(
    stack: &cairn_stacks::Stack,
    resources: impl IntoIterator<Item = (Address, Observed)>,
    outputs: impl IntoIterator<Item = (String, OutputState)>,
    catalog: &Catalog,
    secrets: &crate::secrets::Secrets,
) -> StateFile {
    let mut state = State::default();
    for (address, observed) in resources {
        let configured = stack.config.resources.iter().find(|r| r.address == address);
        let dependencies = configured.map(|r| r.dependencies()).unwrap_or_default();
        let prevent_destroy = configured.is_some_and(|r| r.lifecycle.prevent_destroy);
        state.resources.insert(
            address.clone(),
            ResourceState::recorded(address, observed, dependencies, prevent_destroy),
        );
    }
    state.outputs.extend(outputs);
    let mut file = StateFile::new(env!("CARGO_PKG_VERSION"));
    let config = &stack.config;
    let redaction = statefile::Redaction {
        inputs: &|address, inputs| secrets.redact_inputs(address, inputs, catalog, config),
        output: &|value| secrets.digest(value),
    };
    statefile::Recorder::default().update(&mut file, &state, Changed::Anything, &redaction);
    file
}

/// What was adopted, folded and left out, and what to do next.
fn print_summary(dir: &Path, path: &Path, stack: &Stack, region: &str, adoption: &Adoption) {
    let shown: PathBuf = path.to_path_buf();
    println!(
        "Adopted {} of the {} resources of the CloudFormation stack `{}` ({region}) into {}:",
        adoption
            .entries
            .iter()
            .filter(|e| matches!(e.fate, Fate::Adopted(_)))
            .count(),
        adoption.entries.len(),
        stack.name,
        shown.display()
    );
    let width = adoption
        .adopted
        .iter()
        .map(|a| a.address.to_string().len())
        .max()
        .unwrap_or(0);
    for &i in &adoption.order {
        let a = &adoption.adopted[i];
        println!(
            "  + {:width$}  {} ({}) {}",
            a.address.to_string(),
            a.logical_id,
            a.cfn_type,
            a.observed.id
        );
    }
    let folded: Vec<&Entry> = adoption
        .entries
        .iter()
        .filter(|e| matches!(e.fate, Fate::Folded { .. }))
        .collect();
    if !folded.is_empty() {
        println!("\nFolded into adopted resources ({}):", folded.len());
        for e in folded {
            if let Fate::Folded { into, becomes } = &e.fate {
                println!(
                    "  ~ {} ({}): {becomes} in {}",
                    e.logical_id,
                    e.cfn_type,
                    join(into)
                );
            }
        }
    }
    let left: Vec<&Entry> = adoption
        .entries
        .iter()
        .filter(|e| matches!(e.fate, Fate::Unsupported | Fate::LeftOut(_) | Fate::Reading))
        .collect();
    if !left.is_empty() {
        println!(
            "\nLeft out ({}): not in the cairn stack; CloudFormation still manages them:",
            left.len()
        );
        for e in left {
            let why = match &e.fate {
                Fate::LeftOut(why) => why.as_str(),
                _ => "cairn has no type for it",
            };
            println!("  - {} ({}): {why}", e.logical_id, e.cfn_type);
        }
    }
    print_not_adopted(adoption);
    if !adoption.outputs.is_empty() || !adoption.outputs_left.is_empty() {
        println!(
            "\nOutputs: {} carried over{}.",
            adoption.outputs.len(),
            if adoption.outputs_left.is_empty() {
                String::new()
            } else {
                format!(", not carried over: {}", adoption.outputs_left.join(", "))
            }
        );
    }
    println!(
        "\nNext: `cairn -C {} plan` should show no changes.",
        dir.display()
    );
    println!(
        "The CloudFormation stack still exists and still manages these resources. To hand them over, set `DeletionPolicy: Retain` on each adopted resource, update the stack, then delete it: the resources stay."
    );
}

/// What CloudFormation set on adopted resources that the stack does not carry.
fn print_not_adopted(adoption: &Adoption) {
    let count: usize = adoption.adopted.iter().map(|a| a.not_adopted.len()).sum();
    if count == 0 {
        return;
    }
    println!(
        "\nNot adopted ({count}): set by CloudFormation and kept by AWS, but not in the cairn stack (a replacement would lose them):"
    );
    for &i in &adoption.order {
        let a = &adoption.adopted[i];
        for note in &a.not_adopted {
            println!("  ! {} ({}): {note}", a.address, a.logical_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adopted(address: &str, id: &str, arn: Option<&str>) -> Adopted {
        Adopted {
            logical_id: address.to_string(),
            cfn_type: "AWS::EC2::VPC".into(),
            address: address.parse().expect("address"),
            observed: Observed {
                id: id.into(),
                inputs: serde_json::json!({}),
                outputs: arn.map_or(serde_json::json!({}), |a| serde_json::json!({"arn": a})),
            },
            prevent_destroy: false,
            not_adopted: Vec::new(),
        }
    }

    fn output(key: &str, value: &str) -> cloudformation::StackOutput {
        cloudformation::StackOutput {
            key: key.into(),
            value: value.into(),
            description: None,
        }
    }

    #[test]
    fn outputs_naming_one_adopted_resource_become_references_with_unique_names() {
        let adopted = [
            adopted("aws_vpc.main", "vpc-1", None),
            adopted("aws_s3_bucket.logs", "logs", Some("arn:aws:s3:::logs")),
            // The same id twice: an output of it is ambiguous.
            adopted("aws_sqs_queue.a", "shared", None),
            adopted("aws_sqs_queue.b", "shared", None),
        ];
        let index = id_index(&adopted);
        let (carried, left) = carried_outputs(
            &[
                output("VpcId", "vpc-1"),
                output("vpc_id", "vpc-1"),
                output("LogsArn", "arn:aws:s3:::logs"),
                output("Queue", "shared"),
                output("Endpoint", "https://example.com"),
            ],
            &index,
            &adopted,
        );
        let expected = [
            ("vpc_id", "${aws_vpc.main.id}"),
            ("vpc_id_2", "${aws_vpc.main.id}"),
            ("logs_arn", "${aws_s3_bucket.logs.arn}"),
        ];
        let carried: Vec<(&str, &str)> = carried
            .iter()
            .map(|(n, r, _)| (n.as_str(), r.as_str()))
            .collect();
        assert_eq!(carried, expected);
        assert_eq!(left, ["Queue", "Endpoint"]);
    }

    #[test]
    fn depends_on_is_kept_only_where_references_do_not_order_the_two() {
        use cloudformation::{Template, TemplateResource};
        let resource = |id: &str, deps: &[&str]| TemplateResource {
            logical_id: id.into(),
            cfn_type: "AWS::EC2::VPC".into(),
            properties: serde_json::json!({}),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            deletion_policy: None,
        };
        let stack = Stack {
            name: "s".into(),
            id: "arn".into(),
            status: "CREATE_COMPLETE".into(),
            description: None,
            parameters: Vec::new(),
            outputs: Vec::new(),
            template: Template {
                resources: vec![
                    resource("A", &[]),
                    resource("B", &["A"]),
                    resource("C", &["A", "Route"]),
                    resource("Route", &[]),
                ],
            },
            resources: Vec::new(),
        };
        let owners = Owners {
            adopted_at: [("A", 0), ("B", 1), ("C", 2)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            // A folded route depends through its table, C here.
            folded_into: [("Route".to_string(), vec![2])].into_iter().collect(),
        };
        // B already refers to A.
        let mut edges = vec![BTreeSet::new(), BTreeSet::from([0]), BTreeSet::new()];
        let depends_on = template_depends_on(&stack, &owners, &mut edges);
        assert_eq!(
            depends_on,
            [BTreeSet::new(), BTreeSet::new(), BTreeSet::from([0])]
        );
        assert_eq!(edges[2], BTreeSet::from([0]));
    }

    #[test]
    fn logical_ids_become_snake_case_names() {
        for (id, name) in [
            ("PublicSubnetA", "public_subnet_a"),
            ("VPC", "vpc"),
            ("AppVPC", "app_vpc"),
            ("VPCGatewayAttachment", "vpc_gateway_attachment"),
            ("WebSG", "web_sg"),
            ("Subnet1", "subnet1"),
            ("Subnet1A", "subnet1_a"),
            ("myBucket", "my_bucket"),
            ("already_snake", "already_snake"),
            ("9Lives", "r_9_lives"),
        ] {
            assert_eq!(snake_case(id), name, "{id}");
        }
        assert_eq!(stack_name_for("My_Stack-1"), "my-stack-1");
    }

    #[test]
    fn toml_values_escape_literals_and_keep_references() {
        assert_eq!(
            quote("a \"b\" ${aws:username}\n", true),
            r#""a \"b\" $${aws:username}\n""#
        );
        assert_eq!(
            quote("${aws_vpc.main.id}", false),
            r#""${aws_vpc.main.id}""#
        );
        assert_eq!(key("aws:SourceArn"), r#""aws:SourceArn""#);
        assert_eq!(key("cidr_block"), "cidr_block");
        assert_eq!(scalar(&serde_json::json!(1.5)), "1.5");
        assert_eq!(scalar(&serde_json::json!(3)), "3");
    }

    #[test]
    fn rendered_values_are_valid_toml_and_break_long_arrays() {
        let doc = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bucket-with-a-long-name/*"},
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
            ]
        });
        let t = tree(&doc, &mut |_| None, false);
        let text = format!("policy = {}\n", render(&t, 0, 9));
        assert!(text.contains("Statement = [\n"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        let back = serde_json::to_value(&parsed["policy"]).expect("json");
        assert_eq!(back, doc);
    }

    #[test]
    fn references_replace_ids_but_not_tags() {
        let inputs = serde_json::json!({
            "vpc_id": "vpc-1",
            "tags": {"Name": "vpc-1"},
            "enable_dns_support": true,
            "nothing": null,
        });
        let (body, secret) = body_of(&inputs, None, &mut |s| {
            (s == "vpc-1").then(|| "${aws_vpc.main.id}".to_string())
        });
        assert!(secret.is_empty());
        assert_eq!(
            body,
            vec![
                (
                    "enable_dns_support".into(),
                    Tv::Scalar(serde_json::json!(true))
                ),
                ("vpc_id".into(), Tv::Ref("${aws_vpc.main.id}".into())),
                (
                    "tags".into(),
                    Tv::Obj(vec![("Name".into(), Tv::Str("vpc-1".into()))])
                ),
            ]
        );
    }

    #[test]
    fn an_id_that_would_close_a_cycle_stays_literal_and_says_so() {
        let group = |address: &str, id: &str, other: &str| {
            let mut a = adopted(address, id, None);
            a.observed.inputs = serde_json::json!({
                "name": address,
                "ingress": [{"protocol": "tcp", "from_port": 1, "to_port": 1, "security_groups": [other]}],
            });
            a
        };
        let adopted = [
            group("aws_security_group.web", "sg-1", "sg-2"),
            group("aws_security_group.db", "sg-2", "sg-1"),
        ];
        let index = id_index(&adopted);
        let bodies = bodies_with_references(&adopted, cairn_providers::shared_catalog(), &index);
        assert_eq!(bodies.edges, [BTreeSet::from([1]), BTreeSet::new()]);
        assert!(bodies.cycles[0].is_empty());
        assert_eq!(
            bodies.cycles[1],
            ["sg-1 is aws_security_group.web's id; a reference would form a cycle"]
        );
        let flat_body = |i: usize| {
            bodies.bodies[i]
                .iter()
                .map(|(k, v)| format!("{k} = {}", flat(v)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            flat_body(0).contains(r#"security_groups = ["${aws_security_group.db.id}"]"#),
            "{}",
            flat_body(0)
        );
        assert!(
            flat_body(1).contains(r#"security_groups = ["sg-1"]"#),
            "{}",
            flat_body(1)
        );
    }

    #[test]
    fn failures_are_explained_in_one_short_line() {
        assert_eq!(
            one_line("DescribeTable t: InternalError:\n  Traceback:\n\tline 1\r\n"),
            "DescribeTable t: InternalError: Traceback: line 1"
        );
        let long = one_line(&"é ".repeat(400));
        assert_eq!(long.chars().count(), REASON_CHARS);
        assert!(long.ends_with('…') && !long.contains('\n'));
    }

    #[test]
    fn order_puts_dependencies_first_and_cycles_are_never_closed() {
        let mut edges = vec![BTreeSet::new(); 3];
        edges[0].insert(2);
        edges[2].insert(1);
        assert!(reaches(&edges, 0, 1));
        assert!(!reaches(&edges, 1, 0));
        assert_eq!(topological(&edges), vec![1, 2, 0]);
    }
}
