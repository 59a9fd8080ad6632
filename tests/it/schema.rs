//! `cairn schema` and the generated resource reference.

use crate::harness::{expect_code, World};

#[test]
fn the_reference_in_docs_is_the_generated_one() {
    let w = World::files(&[]);
    let run = w.cairn(&["schema", "--format", "markdown"]);
    expect_code(&run, 0);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/resources.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == run.stdout,
        "docs/resources.md is out of date: regenerate it with `cargo run -- schema --format markdown > docs/resources.md`"
    );
    for t in [
        "aws_vpc",
        "aws_lb_listener",
        "aws_ecs_service",
        "aws_db_instance",
        "aws_efs_access_point",
    ] {
        assert!(run.stdout.contains(&format!("\n## {t}\n")), "{t} missing");
    }
}

#[test]
fn one_type_shows_replacement_rules_and_outputs() {
    let w = World::files(&[]);
    let run = w.cairn(&["schema", "aws_subnet"]);
    expect_code(&run, 0);
    assert!(
        run.stdout.contains("cidr_block*  (string, required)"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("map_public_ip_on_launch  (bool, optional, default false)"),
        "{run:?}"
    );
    assert!(run.stdout.contains("Outputs:\n  arn  (string)"), "{run:?}");
    let bad = w.cairn(&["schema", "aws_subnett"]);
    expect_code(&bad, 1);
    assert!(bad.stderr.contains("did you mean `aws_subnet`?"), "{bad:?}");
}
