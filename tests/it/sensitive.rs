//! Sensitive values: a sensitive variable's value, and everything built from it, appears in
//! no output, log, plan file or state file; state keeps a keyed digest that still shows when
//! the value changes.

use std::path::Path;

use crate::harness::{expect_code, Run, World};

const STACK: &str = r#"
[stack]
name = "secrets"

[variable.db_password]
type = "string"
sensitive = true

[aws_vpc.main]
cidr_block = "10.30.0.0/16"
tags = { Name = "secrets", Hint = "pw-${var.db_password}" }

[aws_db_instance.db]
identifier = "secrets-db"
engine = "postgres"
instance_class = "db.t3.micro"
allocated_storage = 20
username = "app"
password = "${var.db_password}"
skip_final_snapshot = true

[output.vpc_id]
value = "${aws_vpc.main.id}"

[output.connection]
value = "postgres://app:${var.db_password}@${aws_db_instance.db.address}/app"
"#;

const SECRET: &str = "Xq7-very-secret-pw";

fn no_secret(run: &Run) {
    assert!(!run.stdout.contains(SECRET), "secret in stdout: {run:?}");
    assert!(!run.stderr.contains(SECRET), "secret in stderr: {run:?}");
}

/// Every file under `dir` except the stack's own TOML files.
fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_none_or(|e| e != "toml") {
            out.push(path);
        }
    }
}

#[test]
fn a_sensitive_value_is_nowhere_on_disk_or_in_output() {
    let w = World::files(&[("main.toml", STACK)]);
    let var = format!("db_password={SECRET}");
    let plan = w.cairn(&["plan", "--var", &var]);
    expect_code(&plan, 0);
    no_secret(&plan);
    let line = |name: &str| {
        plan.stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with(&format!("+ {name} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("password").ends_with("= (sensitive)"), "{plan:?}");
    // Built from the secret: hidden too (the VPC's tags come last).
    assert!(line("tags").ends_with("= (sensitive)"), "{plan:?}");
    assert!(line("connection").ends_with("= (sensitive)"), "{plan:?}");

    let saved = w.path("change.plan");
    let saved = saved.to_str().expect("path");
    let run = w.cairn(&["plan", "--var", &var, "--out", saved, "--format", "json"]);
    expect_code(&run, 0);
    no_secret(&run);
    let apply = w.cairn(&["apply", saved, "--var", &var]);
    expect_code(&apply, 0);
    no_secret(&apply);

    for command in [
        vec!["state", "show", "aws_db_instance.db"],
        vec!["state", "show", "aws_vpc.main"],
        vec!["output"],
        vec!["output", "--json"],
        vec!["output", "connection"],
    ] {
        let run = w.cairn(&command);
        expect_code(&run, 0);
        no_secret(&run);
    }
    assert!(w
        .cairn(&["output", "connection"])
        .stdout
        .contains("(sensitive)"));

    let mut on_disk = Vec::new();
    files(w.dir.path(), &mut on_disk);
    assert!(
        on_disk.iter().any(|p| p.ends_with("state.json")),
        "{on_disk:?}"
    );
    for path in &on_disk {
        let bytes = std::fs::read(path).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET), "secret in {}", path.display());
    }
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    assert!(state.contains("sensitive:hmac-sha256:"), "{state}");

    // The digest is enough to see that nothing changed, and that something did.
    let same = w.cairn(&["plan", "--var", &var, "--detailed-exitcode"]);
    assert_eq!(same.code, 0, "{same:?}");
    let other = w.cairn(&[
        "plan",
        "--var",
        "db_password=another-one",
        "--format",
        "json",
        "--detailed-exitcode",
    ]);
    assert_eq!(other.code, 2, "{other:?}");
    let plan = other.plan_json();
    let db = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == "aws_db_instance.db")
        .expect("db changes");
    assert_eq!(db["action"], "update");
    let pw = &db["attributes"][0];
    assert_eq!(pw["path"], "password");
    assert_eq!(pw["sensitive"], true);
    assert!(pw["before"].is_null() && pw["after"].is_null(), "{pw}");
    assert!(!other.stdout.contains("another-one"));
}
