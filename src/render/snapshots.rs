//! Snapshot tests of the three plan formats over one representative plan: a create, an
//! in-place update, a replacement with its reason, a stateful delete with its warning, a
//! document diff, values known only after apply, a sensitive value, and drift.

use std::collections::BTreeMap;

use cairn_engine::{plan, Plan, PlanMode, ResourceState, State};
use cairn_model::{Address, Value};
use serde_json::json;

use crate::render::{human::HumanRenderer, json, markdown};
use crate::style::Painter;

const STACK: &str = r#"
[stack]
name = "demo"

[variable.db_password]
type = "string"
sensitive = true
default = "hunter2-do-not-print"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"
tags = { Name = "demo" }

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.2.0/24"
availability_zone = "us-east-1a"

[aws_subnet.b]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.3.0/24"
availability_zone = "us-east-1b"
tags = { Name = "demo-b" }

[aws_security_group.web]
name = "web"
vpc_id = "${aws_vpc.main.id}"
ingress = [{ protocol = "tcp", from_port = 443, to_port = 443, cidr_blocks = ["0.0.0.0/0"] }]

[aws_s3_bucket.logs]
bucket = "demo-logs"
policy = { Version = "2012-10-17", Statement = [
  { Sid = "Read", Effect = "Allow", Principal = "*", Resource = "arn:aws:s3:::demo-logs/*",
    Action = ["s3:GetObject", "s3:PutObject"] },
] }
tags = { Team = "platform" }

[aws_db_instance.db]
identifier = "demo"
engine = "postgres"
instance_class = "db.t3.micro"
db_subnet_group_name = "${aws_subnet.b.id}"
username = "app"
password = "${var.db_password}"
skip_final_snapshot = true
"#;

fn resource(address: &str, id: &str, inputs: serde_json::Value, deps: &[&str]) -> ResourceState {
    let address: Address = address.parse().expect("address");
    let catalog = cairn_providers::catalog();
    let schema = catalog.get(&address.rtype).expect("type");
    ResourceState {
        id: id.into(),
        inputs: schema.normalize(&Value::from_json(inputs)),
        outputs: Value::from_json(json!({ "id": id, "arn": format!("arn:{id}") })),
        dependencies: deps.iter().map(|d| d.parse().expect("dep")).collect(),
        prevent_destroy: false,
        address,
    }
}

fn representative() -> Plan {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.toml"), STACK).expect("write");
    let catalog = cairn_providers::catalog();
    let stack = cairn_stacks::load(dir.path(), &Default::default(), &catalog)
        .unwrap_or_else(|d| panic!("{d}"));
    let old_policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow",
        "Principal": "*", "Resource": "arn:aws:s3:::demo-logs/*", "Action": ["s3:GetObject"]}]});
    let prior = [
        resource(
            "aws_vpc.main",
            "vpc-1",
            json!({"cidr_block": "10.0.0.0/16", "tags": {"Name": "demo"}}),
            &[],
        ),
        resource(
            "aws_subnet.a",
            "subnet-a",
            json!({"vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a"}),
            &["aws_vpc.main"],
        ),
        resource(
            "aws_s3_bucket.logs",
            "demo-logs",
            json!({"bucket": "demo-logs", "policy": old_policy, "tags": {"Team": "platform"}}),
            &[],
        ),
        resource(
            "aws_s3_bucket.archive",
            "demo-archive",
            json!({"bucket": "demo-archive"}),
            &[],
        ),
    ];
    let state = State {
        resources: prior
            .iter()
            .map(|r| (r.address.clone(), r.clone()))
            .collect(),
        ..State::default()
    };
    // Someone renamed the VPC by hand.
    let mut refreshed: BTreeMap<Address, Option<ResourceState>> = prior
        .iter()
        .map(|r| (r.address.clone(), Some(r.clone())))
        .collect();
    let vpc = resource(
        "aws_vpc.main",
        "vpc-1",
        json!({"cidr_block": "10.0.0.0/16", "tags": {"Name": "renamed-by-hand"}}),
        &[],
    );
    refreshed.insert(vpc.address.clone(), Some(vpc));
    plan(
        &stack.config,
        &state,
        &refreshed,
        &catalog,
        PlanMode::Normal,
    )
    .expect("plan")
}

#[test]
fn human_format() {
    let p = representative();
    let r = HumanRenderer {
        catalog: &cairn_providers::catalog(),
        paint: Painter { enabled: false },
    };
    let text = r.plan(&p);
    assert!(!text.contains("hunter2"));
    insta::assert_snapshot!(text);
}

#[test]
fn json_format() {
    let p = representative();
    let doc = json::plan(&p, "demo");
    let text = serde_json::to_string_pretty(&doc).expect("json");
    assert!(!text.contains("hunter2"));
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_format() {
    let p = representative();
    let text = markdown::plan(
        &p,
        "demo",
        &cairn_providers::catalog(),
        markdown::COMMENT_LIMIT,
    );
    assert!(!text.contains("hunter2"));
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_of_a_huge_plan_stays_within_a_comment() {
    let mut p = representative();
    let template = p
        .changes
        .iter()
        .find(|c| c.address.to_string() == "aws_subnet.b")
        .cloned()
        .expect("subnet b");
    for i in 0..400 {
        let mut c = template.clone();
        c.address.name = format!("generated_{i:03}");
        p.changes.push(c);
    }
    let text = markdown::plan(
        &p,
        "demo",
        &cairn_providers::catalog(),
        markdown::COMMENT_LIMIT,
    );
    assert!(
        text.len() <= markdown::COMMENT_LIMIT,
        "{} characters",
        text.len()
    );
    assert!(
        text.contains("more resource section(s) are left out"),
        "{text}"
    );
    assert!(text.contains("cairn plan --format json"));
    // The warnings and the summary survive the cut.
    assert!(text.contains("`aws_s3_bucket.archive` will be destroyed"));
    assert!(text.trim_end().ends_with("to destroy.**"));
}

/// Every plan the JSON renderer makes conforms to the published schema.
pub fn assert_conforms(plan: &serde_json::Value) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-format.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema file"))
            .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(plan)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "plan does not conform to docs/plan-format.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn json_plans_conform_to_the_schema() {
    assert_conforms(&json::plan(&representative(), "demo"));
    assert_conforms(&json::plan(&Plan::default(), "empty"));
    // The schema is strict enough to catch a wrong action.
    let mut broken = json::plan(&representative(), "demo");
    broken["changes"][0]["action"] = "explode".into();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-format.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema file"))
            .expect("schema JSON");
    assert!(!jsonschema::is_valid(&schema, &broken));
}

const RENAMED: &str = r#"
[stack]
name = "demo"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"

[aws_vpc.edge]
cidr_block = "10.9.0.0/16"

[aws_subnet.public]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"

[aws_subnet.private]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.2.0/24"
availability_zone = "us-east-1b"
tags = { Tier = "private" }

[aws_internet_gateway.gw]
vpc_id = "${aws_vpc.main.id}"

[aws_security_group.web]
name = "web"
vpc_id = "${aws_vpc.main.id}"
tags = { Team = "web" }

[[moved]]
from = "aws_subnet.a"
to = "aws_subnet.public"

[[moved]]
from = "aws_subnet.b"
to = "aws_subnet.private"

[[import]]
to = "aws_internet_gateway.gw"
id = "igw-1"

[[import]]
to = "aws_security_group.web"
id = "sg-1"

[[import]]
to = "aws_vpc.edge"
id = "vpc-9"
"#;

/// Two moves (one with a change), and three imports: one as configured, one to update, one
/// that a force-new attribute replaces.
fn renames_and_imports() -> Plan {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.toml"), RENAMED).expect("write");
    let catalog = cairn_providers::catalog();
    let stack = cairn_stacks::load(dir.path(), &Default::default(), &catalog)
        .unwrap_or_else(|d| panic!("{d}"));
    let subnet = |name: &str, id: &str, cidr: &str, zone: &str| {
        resource(
            &format!("aws_subnet.{name}"),
            id,
            json!({"vpc_id": "vpc-1", "cidr_block": cidr, "availability_zone": zone}),
            &["aws_vpc.main"],
        )
    };
    let prior = [
        resource(
            "aws_vpc.main",
            "vpc-1",
            json!({"cidr_block": "10.0.0.0/16"}),
            &[],
        ),
        subnet("a", "subnet-a", "10.0.1.0/24", "us-east-1a"),
        subnet("b", "subnet-b", "10.0.2.0/24", "us-east-1b"),
    ];
    let state = State {
        resources: prior
            .iter()
            .map(|r| (r.address.clone(), r.clone()))
            .collect(),
        ..State::default()
    };
    let mut refreshed: BTreeMap<Address, Option<ResourceState>> = prior
        .iter()
        .map(|r| (r.address.clone(), Some(r.clone())))
        .collect();
    for found in [
        resource(
            "aws_internet_gateway.gw",
            "igw-1",
            json!({"vpc_id": "vpc-1"}),
            &[],
        ),
        resource(
            "aws_security_group.web",
            "sg-1",
            json!({"name": "web", "vpc_id": "vpc-1", "tags": {"Team": "ops"}}),
            &[],
        ),
        resource(
            "aws_vpc.edge",
            "vpc-9",
            json!({"cidr_block": "10.8.0.0/16"}),
            &[],
        ),
    ] {
        refreshed.insert(found.address.clone(), Some(found));
    }
    plan(
        &stack.config,
        &state,
        &refreshed,
        &catalog,
        PlanMode::Normal,
    )
    .expect("plan")
}

#[test]
fn renames_and_imports_in_every_format() {
    let p = renames_and_imports();
    assert_eq!((p.moves(), p.imports()), (2, 3));
    let human = HumanRenderer {
        catalog: &cairn_providers::catalog(),
        paint: Painter { enabled: false },
    }
    .plan(&p);
    insta::assert_snapshot!("renames_and_imports_human", human);
    let doc = json::plan(&p, "demo");
    assert_conforms(&doc);
    insta::assert_snapshot!(
        "renames_and_imports_json",
        serde_json::to_string_pretty(&doc).expect("json")
    );
    insta::assert_snapshot!(
        "renames_and_imports_markdown",
        markdown::plan(
            &p,
            "demo",
            &cairn_providers::catalog(),
            markdown::COMMENT_LIMIT
        )
    );
}
