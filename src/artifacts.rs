//! The local files resources upload: the code packages of Lambda functions and the files of S3
//! objects. Each `aws_lambda_function` with a `source` is zipped when the stack is loaded,
//! before anything is planned, so that the plan knows the code's hash and shows a change of
//! code as a change of `source_code_hash`; each `aws_s3_object` with a `source` file is copied
//! as it is, its SHA-256 (hex) set as `source_hash`, so that only a file whose bytes changed
//! is uploaded again.
//!
//! The zip is deterministic (entries sorted by path, every timestamp 1980-01-01 00:00, modes
//! 0644, or 0755 for executable files, deflate at a fixed level): the same files give the same
//! bytes, hence the same hash as Lambda's `CodeSha256` of what was uploaded last. A `.zip`
//! file as `source` is taken as it is. The zips and files are left in
//! `<stack>/.cairn/artifacts`, named by hash, where the provider takes them from when it
//! creates or updates a function or object; every run makes them afresh and removes, after an
//! hour, those no configuration names any more.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context};
use cairn_model::{Address, Expr, ResourceConfig, Value};
use cairn_providers::lambda::function::{artifact_path, code_sha256, ARTIFACTS, TYPE};
use cairn_providers::s3_object;
use cairn_stacks::{Diagnostic, Diagnostics, Label, Stack};

use crate::workspace::Failure;

/// How long a zip no configuration names is kept (another run on the same directory may
/// still be about to upload it).
const KEEP_UNUSED: Duration = Duration::from_secs(3600);

/// A problem with one resource's `source`: its address, what is wrong, and a hint.
type Problem = (Address, String, Option<String>);

/// Zips the `source` of every Lambda function of `stack` and sets its `source_code_hash` to
/// the zip's hash; copies the `source` file of every S3 object and sets its `source_hash`;
/// leaves both in the stack's artifact directory. A source that cannot be read, a `source`
/// that is not a plain string, and a configured hash that is not the source's are errors at
/// the resource's declaration.
pub fn prepare(stack: &mut Stack) -> Result<(), Failure> {
    let dir = stack.dir.join(ARTIFACTS);
    let mut problems: Vec<Problem> = Vec::new();
    let mut kept: BTreeSet<PathBuf> = BTreeSet::new();
    functions(stack, &dir, &mut kept, &mut problems);
    objects(stack, &dir, &mut kept, &mut problems);
    if !problems.is_empty() {
        return Err(report(stack, problems));
    }
    prune(&dir, &kept);
    Ok(())
}

/// Where `source` lies: relative to the stack's directory.
fn source_help(stack: &Stack, what: &str) -> Option<String> {
    Some(format!(
        "`source` is {what}, relative to the stack's directory ({})",
        std::fs::canonicalize(&stack.dir)
            .unwrap_or_else(|_| stack.dir.clone())
            .display()
    ))
}

/// The plain string `source` of `resource`, if it has one; a problem if it is not a string
/// known when the stack is loaded.
fn source_of(resource: &ResourceConfig, problems: &mut Vec<Problem>) -> Option<String> {
    match resource.attributes.get("source")? {
        Expr::Value(Value::String(source)) => Some(source.clone()),
        _ => {
            problems.push((
                resource.address.clone(),
                "`source` must be known when the stack is loaded: a path, not a reference to another resource".into(),
                None,
            ));
            None
        }
    }
}

/// Sets `attribute` of `resource` to `hash`, unless it is configured as something else (a
/// problem: cairn computes it).
fn set_hash(
    resource: &mut ResourceConfig,
    attribute: &str,
    hash: &str,
    what: String,
    problems: &mut Vec<Problem>,
) -> bool {
    match resource.attributes.get(attribute) {
        None => {}
        Some(Expr::Value(Value::String(h))) if h == hash => {}
        Some(_) => {
            problems.push((
                resource.address.clone(),
                format!("{attribute} is not the hash of {what} ({hash})"),
                Some(format!(
                    "leave {attribute} out: cairn computes it from source"
                )),
            ));
            return false;
        }
    }
    resource.attributes.insert(
        attribute.into(),
        Expr::Value(Value::String(hash.to_string())),
    );
    true
}

/// The Lambda functions' code: zipped, hashed into `source_code_hash`.
fn functions(
    stack: &mut Stack,
    dir: &Path,
    kept: &mut BTreeSet<PathBuf>,
    problems: &mut Vec<Problem>,
) {
    let skip = std::fs::canonicalize(stack.dir.join(".cairn")).ok();
    let help = source_help(stack, "a directory or a file");
    let mut built: BTreeMap<PathBuf, String> = BTreeMap::new();
    for resource in stack
        .config
        .resources
        .iter_mut()
        .filter(|r| r.address.rtype == TYPE)
    {
        let Some(source) = source_of(resource, problems) else {
            continue;
        };
        let path = stack.dir.join(&source);
        let hash = match built.get(&path) {
            Some(h) => h.clone(),
            None => match build(&path, skip.as_deref(), dir) {
                Ok(h) => {
                    built.insert(path.clone(), h.clone());
                    h
                }
                Err(e) => {
                    problems.push((
                        resource.address.clone(),
                        format!("source `{source}`: {e:#}"),
                        help.clone(),
                    ));
                    continue;
                }
            },
        };
        let what = format!("the zip of source `{source}`");
        if set_hash(resource, "source_code_hash", &hash, what, problems) {
            kept.extend(artifact_path(dir, &hash));
        }
    }
}

/// The S3 objects' files: copied as they are, hashed into `source_hash`.
fn objects(
    stack: &mut Stack,
    dir: &Path,
    kept: &mut BTreeSet<PathBuf>,
    problems: &mut Vec<Problem>,
) {
    let help = source_help(stack, "a file");
    for resource in stack
        .config
        .resources
        .iter_mut()
        .filter(|r| r.address.rtype == s3_object::TYPE)
    {
        let Some(source) = source_of(resource, problems) else {
            continue;
        };
        let path = stack.dir.join(&source);
        let hash = match copy(&path, dir) {
            Ok(hash) => hash,
            Err(e) => {
                problems.push((
                    resource.address.clone(),
                    format!("source `{source}`: {e:#}"),
                    help.clone(),
                ));
                continue;
            }
        };
        let what = format!("source `{source}`");
        if set_hash(resource, "source_hash", &hash, what, problems) {
            kept.extend(s3_object::artifact_path(dir, &hash));
        }
    }
}

/// Copies the file `path` into `dir` under its hash unless it is there already, and returns
/// the hash (`s3_object::source_sha256`).
fn copy(path: &Path, dir: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() {
        return Err(anyhow!("{} is not a file", path.display()));
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let hash = s3_object::source_sha256(&bytes);
    let target = s3_object::artifact_path(dir, &hash).ok_or_else(|| anyhow!("bad hash {hash}"))?;
    store(dir, &target, &bytes)?;
    Ok(hash)
}

/// Writes `bytes` to `target` in `dir` unless it exists: aside first and renamed, so that a
/// file is never seen half written.
fn store(dir: &Path, target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if target.exists() {
        return Ok(());
    }
    crate::private::create_dir(dir)?;
    let partial = dir.join(format!(".{}.partial", std::process::id()));
    crate::private::write_file(&partial, bytes)?;
    std::fs::rename(&partial, target).with_context(|| format!("cannot write {}", target.display()))
}

/// The errors, located at the declarations of the functions they are about.
fn report(stack: &Stack, problems: Vec<Problem>) -> Failure {
    let mut items = Vec::new();
    let mut unlocated = Vec::new();
    for (address, message, help) in problems {
        match stack.locations.get(&address) {
            Some(location) => items.push(Diagnostic {
                message: format!("{address}: {message}"),
                primary: Label {
                    location: location.clone(),
                    message: "this resource".into(),
                },
                secondary: Vec::new(),
                help,
            }),
            None => unlocated.push(format!("{address}: {message}")),
        }
    }
    if !unlocated.is_empty() {
        return Failure::Error(anyhow!(unlocated.join("\n")));
    }
    Failure::Diagnostics(Diagnostics {
        items,
        sources: stack.files.iter().cloned().collect(),
    })
}

/// Zips `path` (a `.zip` file as it is), leaves the zip in `dir` unless it is there already,
/// and returns its hash.
fn build(path: &Path, skip: Option<&Path>, dir: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let bytes = if meta.is_file() && is_zip {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    } else {
        let files = if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, "", skip, &mut files)?;
            files
        } else {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| anyhow!("{} has no UTF-8 file name", path.display()))?;
            vec![(name.to_string(), path.to_path_buf())]
        };
        if files.is_empty() {
            return Err(anyhow!("{} contains no files", path.display()));
        }
        zip(files)?
    };
    let hash = code_sha256(&bytes);
    let target = artifact_path(dir, &hash).ok_or_else(|| anyhow!("bad hash {hash}"))?;
    store(dir, &target, &bytes)?;
    Ok(hash)
}

/// Every file below `dir`, as (path in the zip with `/` separators, path on disk), following
/// symbolic links; `skip` (the stack's own `.cairn`) is left out.
fn walk(
    dir: &Path,
    prefix: &str,
    skip: Option<&Path>,
    out: &mut Vec<(String, PathBuf)>,
) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|n| anyhow!("{}: the name {n:?} is not UTF-8", dir.display()))?;
        let meta =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let inner = format!("{prefix}{name}");
        if meta.is_dir() {
            if skip.is_some() && std::fs::canonicalize(&path).ok().as_deref() == skip {
                continue;
            }
            walk(&path, &format!("{inner}/"), skip, out)?;
        } else {
            out.push((inner, path));
        }
    }
    Ok(())
}

/// Whether a file is executable by anyone (its zip entry is then 0755, else 0644).
fn executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The deterministic zip of `files`.
fn zip(mut files: Vec<(String, PathBuf)>) -> anyhow::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    files.sort();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, path) in files {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(zip::DateTime::default())
            .system(zip::System::Unix)
            .unix_permissions(if executable(&path) { 0o755 } else { 0o644 })
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        writer
            .start_file(name.as_str(), options)
            .with_context(|| format!("cannot zip {}", path.display()))?;
        writer
            .write_all(&bytes)
            .with_context(|| format!("cannot zip {}", path.display()))?;
    }
    Ok(writer
        .finish()
        .context("cannot finish the zip")?
        .into_inner())
}

/// Removes the artifacts of `dir` (zips, and files named by a hex SHA-256) that are not
/// `kept` and are older than an hour (best effort: what cannot be removed stays).
fn prune(dir: &Path, kept: &BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEEP_UNUSED);
        let artifact = path.extension().is_some_and(|e| e == "zip")
            || path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| s3_object::artifact_path(dir, n).is_some());
        if artifact && old && !kept.contains(&path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    #[test]
    fn the_same_files_give_the_same_zip() {
        let files = [("b.py", "b"), ("a/index.py", "a"), ("a/lib/x.py", "x")];
        let one = tree(&files);
        let out = tempfile::tempdir().expect("out");
        let first = build(one.path(), None, out.path()).expect("build");
        // Other timestamps, another directory, other creation order: the same bytes.
        std::thread::sleep(Duration::from_millis(1100));
        let mut reversed = files;
        reversed.reverse();
        let two = tree(&reversed);
        assert_eq!(build(two.path(), None, out.path()).expect("build"), first);
        std::fs::write(two.path().join("a/index.py"), "changed").expect("edit");
        assert_ne!(build(two.path(), None, out.path()).expect("build"), first);
        // The zip lies where the provider looks for it, and holds the files, sorted.
        let bytes = std::fs::read(artifact_path(out.path(), &first).expect("path")).expect("zip");
        assert_eq!(code_sha256(&bytes), first);
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.expect("a name").into_owned())
            .collect();
        assert_eq!(names, ["a/index.py", "a/lib/x.py", "b.py"]);
    }

    #[cfg(unix)]
    #[test]
    fn executables_stay_executable_and_single_files_and_zips_are_taken() {
        use std::os::unix::fs::PermissionsExt;
        let src = tree(&[("bootstrap", "#!/bin/sh"), ("ready.zip", "PK not really")]);
        let bootstrap = src.path().join("bootstrap");
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        let out = tempfile::tempdir().expect("out");
        let hash = build(&bootstrap, None, out.path()).expect("build");
        let bytes = std::fs::read(artifact_path(out.path(), &hash).expect("path")).expect("zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let entry = archive.by_name("bootstrap").expect("the file");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let ready = build(&src.path().join("ready.zip"), None, out.path()).expect("zip as is");
        assert_eq!(ready, code_sha256(b"PK not really"));
    }

    #[test]
    fn the_stack_s_own_directory_is_left_out_and_missing_sources_are_errors() {
        let stack = tree(&[("main.toml", "x"), (".cairn/state.json", "{}")]);
        let out = tempfile::tempdir().expect("out");
        let skip = std::fs::canonicalize(stack.path().join(".cairn")).ok();
        let with = build(stack.path(), skip.as_deref(), out.path()).expect("build");
        let alone = tree(&[("main.toml", "x")]);
        assert_eq!(build(alone.path(), None, out.path()).expect("build"), with);
        let missing = build(&stack.path().join("nope"), None, out.path());
        assert!(missing.is_err());
        let empty = tempfile::tempdir().expect("empty");
        let err = build(empty.path(), None, out.path()).expect_err("no files");
        assert!(err.to_string().contains("contains no files"), "{err}");
    }
}
