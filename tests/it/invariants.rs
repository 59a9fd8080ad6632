//! ARCHITECTURE.md's invariants, checked: the crates that must build in seconds reach no
//! aws-sdk crate, and the planner does no I/O.

use std::path::Path;
use std::process::Command;

/// The packages `package` depends on for a normal build of itself alone (with `features`).
fn dependencies(package: &str, features: &[&str]) -> Vec<String> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}", "-p", package]);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let out = cmd.output().expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_fast_crates_reach_no_aws_sdk() {
    for package in ["cairn-model", "cairn-stacks", "cairn-engine", "cairn-state"] {
        let deps = dependencies(package, &[]);
        assert!(deps.len() > 1, "{package}: {deps:?}");
        let aws: Vec<&String> = deps.iter().filter(|d| d.starts_with("aws-")).collect();
        assert!(aws.is_empty(), "{package} depends on {aws:?}");
    }
    // The check can fail: the S3 backend brings the SDK in.
    let s3 = dependencies("cairn-state", &["s3"]);
    assert!(s3.iter().any(|d| d == "aws-sdk-s3"), "{s3:?}");
    // Nor do the providers depend on the engine: changing the planner rebuilds no SDK code.
    let providers = dependencies("cairn-providers", &[]);
    assert!(
        !providers.iter().any(|d| d == "cairn-engine"),
        "{providers:?}"
    );
}

#[test]
fn the_planner_does_no_io() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("engine/src");
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::env",
        "std::io",
        "tokio",
        "async ",
        ".await",
        "Provider",
        "SystemTime",
    ];
    for file in ["plan.rs", "moves.rs", "graph.rs"] {
        let text = std::fs::read_to_string(engine.join(file)).expect("read");
        for word in forbidden {
            let lines: Vec<usize> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains(word) && !l.trim_start().starts_with("//"))
                .map(|(i, _)| i + 1)
                .collect();
            assert!(
                lines.is_empty(),
                "engine/src/{file} uses `{word}` (lines {lines:?}): the planner is pure"
            );
        }
    }
}
