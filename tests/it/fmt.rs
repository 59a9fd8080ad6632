//! `cairn fmt`: rewriting, `--check`, `--diff`, errors, modules, and the examples.

use std::path::Path;

use crate::harness::{cairn_offline, examples_dir, expect_code};

const MESSY: &str =
    "[ stack ]\nname=\"web\"\n[aws_vpc.main]\n  cidr_block = \"10.0.0.0/16\"   # the VPC\n";
const CANONICAL: &str =
    "[stack]\nname = \"web\"\n\n[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\" # the VPC\n";

fn stack(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).expect("read")
}

#[test]
fn check_lists_what_is_not_canonical_and_changes_nothing() {
    let dir = stack(&[
        ("a.toml", MESSY),
        ("b.toml", CANONICAL.replace("web", "x").as_str()),
    ]);
    let run = cairn_offline(dir.path(), &["fmt", "--check"]);
    expect_code(&run, 1);
    assert!(run.stdout.ends_with("a.toml\n"), "{run:?}");
    assert!(!run.stdout.contains("b.toml"), "{run:?}");
    assert!(
        run.stderr.contains("1 file is not in canonical form"),
        "{run:?}"
    );
    assert_eq!(read(dir.path(), "a.toml"), MESSY);

    let run = cairn_offline(dir.path(), &["fmt", "--check", "--diff"]);
    expect_code(&run, 1);
    assert!(
        run.stdout.contains("-[ stack ]\n-name=\"web\"\n+[stack]\n"),
        "{run:?}"
    );
    assert_eq!(read(dir.path(), "a.toml"), MESSY);
}

#[test]
fn fmt_rewrites_and_then_has_nothing_to_do() {
    let dir = stack(&[("a.toml", MESSY), ("notes.txt", "a = 1")]);
    let run = cairn_offline(dir.path(), &["fmt"]);
    expect_code(&run, 0);
    assert!(run.stdout.ends_with("a.toml\n"), "{run:?}");
    assert_eq!(read(dir.path(), "a.toml"), CANONICAL);
    assert_eq!(read(dir.path(), "notes.txt"), "a = 1");

    let run = cairn_offline(dir.path(), &["fmt"]);
    expect_code(&run, 0);
    assert_eq!(run.stdout, "", "{run:?}");
    let run = cairn_offline(dir.path(), &["fmt", "--check"]);
    expect_code(&run, 0);
}

#[test]
fn invalid_toml_is_reported_where_it_is_and_the_rest_is_formatted() {
    let dir = stack(&[
        ("a.toml", MESSY),
        ("b.toml", "[aws_vpc.other]\ncidr_block = \"10.1.0.0/16\n"),
    ]);
    let run = cairn_offline(dir.path(), &["fmt"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("cannot format"), "{run:?}");
    assert!(run.stderr.contains("b.toml:2:"), "{run:?}");
    assert_eq!(read(dir.path(), "a.toml"), CANONICAL);
    assert!(read(dir.path(), "b.toml").ends_with("10.1.0.0/16\n"));
}

#[test]
fn the_modules_a_stack_calls_are_formatted_too() {
    let dir = stack(&[
        (
            "web/stack.toml",
            "[stack]\nname = \"web\"\n[module.net]\nsource=\"../modules/net\"\ncidr = \"10.0.0.0/16\"\n",
        ),
        (
            "modules/net/main.toml",
            "[variable.cidr]\ntype=\"string\"\n[aws_vpc.main]\ncidr_block = \"${var.cidr}\"\n",
        ),
        ("modules/other/main.toml", "a=1\n"),
    ]);
    let run = cairn_offline(&dir.path().join("web"), &["fmt"]);
    expect_code(&run, 0);
    let root = dir.path().display();
    assert_eq!(
        run.stdout,
        format!("{root}/web/stack.toml\n{root}/modules/net/main.toml\n"),
        "{run:?}"
    );
    assert_eq!(
        read(dir.path(), "modules/net/main.toml"),
        "[variable.cidr]\ntype = \"string\"\n\n[aws_vpc.main]\ncidr_block = \"${var.cidr}\"\n"
    );
    assert_eq!(read(dir.path(), "modules/other/main.toml"), "a=1\n");
}

#[test]
fn a_directory_without_stack_files_is_an_error() {
    let dir = stack(&[]);
    let run = cairn_offline(dir.path(), &["fmt", "--check"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("no *.toml files"), "{run:?}");
}

#[test]
fn the_examples_are_in_canonical_form() {
    for entry in std::fs::read_dir(examples_dir()).expect("examples") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir()
            || !std::fs::read_dir(&dir)
                .expect("dir")
                .any(|f| f.is_ok_and(|f| f.path().extension().is_some_and(|e| e == "toml")))
        {
            continue;
        }
        let run = cairn_offline(&dir, &["fmt", "--check", "--diff"]);
        assert_eq!(
            run.code,
            0,
            "{} is not in canonical form: run `cargo run -- -C {} fmt`\n{run:?}",
            dir.display(),
            dir.display()
        );
    }
}
