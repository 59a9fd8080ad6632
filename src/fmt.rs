//! `cairn fmt`: canonical formatting of stack files (the rules are `cairn_stacks::format`'s).

use std::collections::{BTreeSet, VecDeque};
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Context};
use cairn_stacks::{line_col, Diagnostic, Diagnostics, Label, Location};

use crate::workspace::{Failure, Outcome};
use crate::Exit;

/// Rewrites the stack files of `dir` (and of the local modules it calls) in canonical form
/// and lists those it changed; with `check`, changes nothing, lists those that are not in
/// canonical form and exits 1 if there is any. `diff` shows each change as a unified diff.
/// A file that is not valid TOML is reported, located, and left as it is.
pub fn fmt_cmd(dir: &Path, check: bool, diff: bool) -> Outcome {
    let files = stack_files(dir)?;
    let mut errors = Diagnostics::default();
    let mut changed = 0;
    for (path, text) in files {
        let formatted = match cairn_stacks::format::format(&text) {
            Ok(f) => f,
            Err(e) => {
                let (line, col) = line_col(&text, e.span.start);
                let location = Location {
                    file: path.clone(),
                    line,
                    col,
                    span: e.span.clone(),
                };
                errors.items.push(Diagnostic {
                    message: format!("cannot format {}: {}", path.display(), e.message),
                    primary: Label {
                        location,
                        message: "here".into(),
                    },
                    secondary: Vec::new(),
                    help: None,
                });
                errors.sources.insert(path, text);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        println!("{}", path.display());
        if diff {
            let shown = path.display().to_string();
            print!(
                "{}",
                similar::TextDiff::from_lines(&text, &formatted)
                    .unified_diff()
                    .context_radius(2)
                    .header(&shown, &format!("{shown} (formatted)"))
            );
        }
        if !check {
            std::fs::write(&path, &formatted)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Diagnostics(errors));
    }
    if check && changed > 0 {
        eprintln!(
            "{changed} file{} not in canonical form: `cairn fmt` rewrites {}",
            if changed == 1 { " is" } else { "s are" },
            if changed == 1 { "it" } else { "them" }
        );
        return Ok(Exit::Error);
    }
    Ok(Exit::Ok)
}

/// The `*.toml` files of the stack in `dir`, in name order, then those of each local module
/// it calls (`[module.NAME] source`, relative to the calling file), each directory once; with
/// their text.
fn stack_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, Failure> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([normalize(dir)]);
    let mut first = true;
    while let Some(dir) = queue.pop_front() {
        let is_root = std::mem::replace(&mut first, false);
        let Ok(canonical) = dir.canonicalize() else {
            if is_root {
                return Err(anyhow!("cannot read the stack directory {}", dir.display()).into());
            }
            // A module that is not there: `cairn validate` says so.
            continue;
        };
        if !seen.insert(canonical) {
            continue;
        }
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read the directory {}", dir.display()))?;
        let mut paths: Vec<PathBuf> = Vec::new();
        for found in cairn_stacks::toml_files(&dir, entries) {
            match found {
                Ok(path) => paths.push(path),
                // Formatting part of a stack would let `fmt --check` pass a stack that does
                // not load: every file is read or the command stops.
                Err(u) => {
                    return Err(
                        anyhow!("{}: {}\n  help: {}", u.path.display(), u.message, u.help).into(),
                    )
                }
            }
        }
        paths.sort();
        if paths.is_empty() && is_root {
            return Err(anyhow!("no *.toml files in {}", dir.display()).into());
        }
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for source in module_sources(&text) {
                queue.push_back(normalize(&dir.join(source)));
            }
            out.push((normalize(&path), text));
        }
    }
    Ok(out)
}

/// The literal `source` of each `[module.NAME]` in a file (none when it does not parse).
fn module_sources(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(modules) = table.get("module").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    modules
        .values()
        .filter_map(|call| call.get("source")?.as_str())
        .filter(|s| !s.contains("${"))
        .map(str::to_string)
        .collect()
}

/// `a/./b/../c` as `a/c`: paths as the user would write them.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized() {
        assert_eq!(
            normalize(Path::new("./stack.toml")),
            Path::new("stack.toml")
        );
        assert_eq!(
            normalize(Path::new("stacks/web/../../modules/vpc")),
            Path::new("modules/vpc")
        );
        assert_eq!(
            normalize(Path::new("../modules/vpc")),
            Path::new("../modules/vpc")
        );
        assert_eq!(normalize(Path::new(".")), Path::new("."));
    }

    #[test]
    fn module_sources_are_read_from_the_calls() {
        let text = "[module.net]\nsource = \"../modules/net\"\n[module.x]\nsource = \"${var.x}\"\n";
        assert_eq!(module_sources(text), vec!["../modules/net".to_string()]);
        assert!(module_sources("not toml [").is_empty());
    }
}
