//! `cairn schema` and the generated resource reference.

use crate::harness::{cairn_offline, examples_dir, expect_code, World};

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
fn the_function_reference_in_docs_is_the_generated_one() {
    let w = World::files(&[]);
    let run = w.cairn(&["schema", "functions", "--format", "markdown"]);
    expect_code(&run, 0);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/functions.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == run.stdout,
        "docs/functions.md is out of date: regenerate it with `cargo run -- schema functions --format markdown > docs/functions.md`"
    );
    for f in ["cidrsubnet", "jsonencode", "templatefile", "try", "merge"] {
        assert!(run.stdout.contains(&format!("| `{f}` |")), "{f} missing");
    }
    let text = w.cairn(&["schema", "functions"]);
    expect_code(&text, 0);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("cidrsubnet(prefix string, newbits number, netnum number)")),
        "{}",
        text.stdout
    );
}

/// A reader that stops early (`cairn schema --format json | head -1`) ends cairn quietly, not
/// with a panic. (The JSON Schema is larger than a pipe's buffer.)
#[test]
fn a_reader_that_stops_early_ends_cairn_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["schema", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cairn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    // The pipe is closed here, long before cairn has printed everything.
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !out.status.success(),
        "the write into a closed pipe ends it"
    );
}

#[test]
fn one_type_shows_replacement_rules_and_outputs() {
    let w = World::files(&[]);
    let run = w.cairn(&["schema", "aws_subnet"]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("cidr_block*  (string, required, an IPv4 CIDR block, /16 to /28)"),
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

/// `cairn schema --format json`, checked against the JSON Schema draft 7 meta-schema.
fn stack_schema() -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = cairn_offline(dir.path(), &["schema", "--format", "json"]);
    expect_code(&run, 0);
    let schema = run.json();
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("not a valid JSON Schema: {e}");
    }
    schema
}

/// What the schema finds wrong in a stack file written as TOML.
fn problems(validator: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    let table: toml::Table = toml_text.parse().expect("valid TOML");
    let instance = serde_json::to_value(&table).expect("JSON");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_json_schema_in_docs_is_the_generated_one() {
    let schema = stack_schema();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/stack.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = format!("{}\n", serde_json::to_string_pretty(&schema).expect("JSON"));
    assert!(
        committed == generated,
        "docs/stack.schema.json is out of date: regenerate it with `cargo run -- schema --format json > docs/stack.schema.json`"
    );
}

#[test]
fn the_examples_conform_to_the_json_schema() {
    let validator = jsonschema::draft7::new(&stack_schema()).expect("a draft 7 schema");
    let mut seen = 0;
    for dir in std::fs::read_dir(examples_dir()).expect("examples") {
        let dir = dir.expect("entry").path();
        for file in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = file.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("read");
                let found = problems(&validator, &text);
                assert!(found.is_empty(), "{}: {found:#?}", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 6, "only {seen} example files");
}

#[test]
fn the_json_schema_takes_the_whole_language() {
    let validator = jsonschema::draft7::new(&stack_schema()).expect("a draft 7 schema");
    let text = r#"
[stack]
name = "web"
description = "The web tier"

[provider.aws]
region = "${var.region}"
default_tags = { Project = "web" }

[backend]
type = "s3"
bucket = "acme-state"
key = "web.json"

[variable.region]
type = "string"
default = "us-east-1"

[variable.port]
type = "number"
default = 80

[variable.public]
type = "bool"
sensitive = false

[variable.zones]
type = "map"
default = { a = "10.0.1.0/24", b = "10.0.2.0/24" }

[locals]
name = "${stack.name}-web"
ports = [80, 443]

[module.net]
source = "../modules/net"
cidr = "10.0.0.0/16"

[aws_subnet.app]
for_each = "${var.zones}"
vpc_id = "${module.net.vpc_id}"
cidr_block = "${each.value}"
map_public_ip_on_launch = "${var.public}"
depends_on = ["module.net"]
lifecycle = { prevent_destroy = true, ignore_changes = ["tags"] }

[aws_security_group.web]
name = "${local.name}"
vpc_id = "${module.net.vpc_id}"
ingress = [{ protocol = "tcp", from_port = "${var.port}", to_port = 443, cidr_blocks = ["0.0.0.0/0"] }]
egress = "${local.egress}"

[aws_security_group_rule.extra]
type = "${var.direction}"
security_group_id = "${aws_security_group.web.id}"
protocol = "tcp"
from_port = 22
to_port = 22

[aws_s3_bucket.logs]
bucket = "${local.name}-logs"
policy = '{"Version": "2012-10-17", "Statement": []}'

[[moved]]
from = "aws_subnet.a"
to = 'aws_subnet.app["a"]'

[[import]]
to = "aws_s3_bucket.logs"
id = "web-logs"

[output.subnets]
value = "${aws_subnet.app[*].id}"
description = "The app subnets"
"#;
    let found = problems(&validator, text);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_json_schema_finds_mistakes_an_editor_should_show() {
    let validator = jsonschema::draft7::new(&stack_schema()).expect("a draft 7 schema");
    for (text, expected) in [
        // An unknown resource type.
        ("[aws_vpcc.main]\ncidr_block = \"10.0.0.0/16\"", "aws_vpcc"),
        // An unknown attribute.
        ("[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\ncidr = 1", "cidr"),
        // A required attribute left out.
        ("[aws_vpc.main]\nenable_dns_hostnames = true", "cidr_block"),
        // A number where a bool goes, a string that is not one reference.
        ("[aws_vpc.main]\ncidr_block = \"x\"\nenable_dns_hostnames = 1", "/aws_vpc/main/enable_dns_hostnames"),
        ("[aws_vpc.main]\ncidr_block = \"x\"\nenable_dns_hostnames = \"yes\"", "/aws_vpc/main/enable_dns_hostnames"),
        // Inside a block of a list.
        (
            "[aws_security_group.web]\nname = \"w\"\nvpc_id = \"v\"\ningress = [{ protocol = \"tcp\", from_port = 80 }]",
            "to_port",
        ),
        // A value outside an enumeration.
        (
            "[aws_security_group_rule.r]\ntype = \"inbound\"\nsecurity_group_id = \"s\"\nprotocol = \"tcp\"\nfrom_port = 1\nto_port = 1",
            "/aws_security_group_rule/r/type",
        ),
        // The language's own tables.
        ("[stack]\nname = \"Web\"", "/stack/name"),
        ("[stack]\nnam = \"web\"", "nam"),
        ("[variable.x]\ntype = \"str\"", "/variable/x/type"),
        ("[output.x]\ndescription = \"no value\"", "value"),
        ("[backend]\ntype = \"s3\"\nbucket = \"b\"", "key"),
        ("[backend]\ntype = \"local\"\nbucket = \"b\"", "/backend"),
        ("[provider.gcp]\nregion = \"x\"", "gcp"),
        ("[[moved]]\nfrom = \"aws_vpc.a\"", "to"),
        ("[[import]]\nto = \"aws_vpc.a\"\nid = \"\"", "/import/0/id"),
        ("[aws_vpc.main]\ncidr_block = \"x\"\nlifecycle = { prevent_destroy = \"yes\" }", "prevent_destroy"),
        ("[aws_vpc.1main]\ncidr_block = \"x\"", "1main"),
    ] {
        let found = problems(&validator, text);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "expected a problem mentioning `{expected}` in:\n{text}\nfound: {found:#?}"
        );
    }
}

#[test]
fn one_type_as_json_schema_is_its_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = cairn_offline(dir.path(), &["schema", "aws_subnet", "--format", "json"]);
    expect_code(&run, 0);
    let schema = run.json();
    assert_eq!(schema["title"], "aws_subnet");
    assert_eq!(
        schema["required"],
        serde_json::json!(["cidr_block", "vpc_id"])
    );
    let cidr = &schema["properties"]["cidr_block"];
    assert_eq!(cidr["type"], "string");
    assert!(
        cidr["description"]
            .as_str()
            .unwrap_or_default()
            .contains("replaces the resource"),
        "{cidr}"
    );
    assert_eq!(
        schema["properties"]["map_public_ip_on_launch"]["default"],
        false
    );
}
