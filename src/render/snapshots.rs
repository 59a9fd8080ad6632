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
        provider: None,
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
    // The graph went first; the risks and the summary survive the cut.
    assert!(!text.contains("```mermaid"), "{text}");
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

/// Renders `plan` in the three formats, for the snapshots of one case.
fn every_format(p: &Plan) -> (String, String, serde_json::Value) {
    let catalog = cairn_providers::catalog();
    let human = HumanRenderer {
        catalog: &catalog,
        paint: Painter { enabled: false },
    }
    .plan(p);
    let md = markdown::plan(p, "review", &catalog, markdown::COMMENT_LIMIT);
    let doc = json::plan(p, "review");
    assert_conforms(&doc);
    (human, md, doc)
}

/// Plans `stack` against resources that exist as `prior` describes (recorded and read alike).
fn plan_against(stack: &str, prior: &[ResourceState]) -> Plan {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.toml"), stack).expect("write");
    let catalog = cairn_providers::catalog();
    let stack = cairn_stacks::load(dir.path(), &Default::default(), &catalog)
        .unwrap_or_else(|d| panic!("{d}"));
    let state = State {
        resources: prior
            .iter()
            .map(|r| (r.address.clone(), r.clone()))
            .collect(),
        ..State::default()
    };
    let refreshed: BTreeMap<Address, Option<ResourceState>> = prior
        .iter()
        .map(|r| (r.address.clone(), Some(r.clone())))
        .collect();
    plan(
        &stack.config,
        &state,
        &refreshed,
        &catalog,
        PlanMode::Normal,
    )
    .expect("plan")
}

/// An ingress rule from the private network, as a stack writes it.
fn rule_toml(port: u16) -> String {
    format!(
        "{{ protocol = \"tcp\", from_port = {port}, to_port = {port}, cidr_blocks = [\"10.0.0.0/8\"] }}"
    )
}

fn rule_json(port: u16) -> serde_json::Value {
    json!({"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["10.0.0.0/8"]})
}

fn statement(actions: &[&str], resource: &str) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": resource}]})
}

const TRUST: &str = r#"{ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ecs-tasks.amazonaws.com" }, Action = "sts:AssumeRole" }] }"#;

/// One action changed in one of three inline policies (given as a JSON string), and one port
/// changed in a security group of twenty ingress rules, with another rule's source changed.
fn nested_changes() -> Plan {
    let ports: Vec<u16> = (8000..8020).collect();
    let ingress: Vec<String> = ports
        .iter()
        .map(|p| match p {
            8005 => rule_toml(9005),
            8011 => rule_toml(8011).replace("10.0.0.0/8", "10.1.0.0/16"),
            p => rule_toml(*p),
        })
        .collect();
    let stack = format!(
        r#"
[stack]
name = "review"

[aws_iam_role.app]
name = "app"
assume_role_policy = {TRUST}
inline_policy = [
  {{ name = "logs", policy = {{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:*:*:*" }}] }} }},
  {{ name = "read", policy = '{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::data/*"}}]}}' }},
  {{ name = "queue", policy = {{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = "arn:aws:sqs:us-east-1:123456789012:jobs" }}] }} }},
]

[aws_security_group.web]
name = "web"
vpc_id = "vpc-1"
ingress = [
  {}
]
"#,
        ingress.join(",\n  ")
    );
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let prior = [
        resource(
            "aws_iam_role.app",
            "app",
            json!({"name": "app", "assume_role_policy": trust, "inline_policy": [
                {"name": "logs", "policy": statement(&["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:*:*:*")},
                {"name": "read", "policy": statement(&["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::data/*")},
                {"name": "queue", "policy": statement(&["sqs:SendMessage"], "arn:aws:sqs:us-east-1:123456789012:jobs")},
            ]}),
            &[],
        ),
        resource(
            "aws_security_group.web",
            "sg-1",
            json!({"name": "web", "vpc_id": "vpc-1",
                "ingress": ports.iter().map(|p| rule_json(*p)).collect::<Vec<_>>()}),
            &[],
        ),
    ];
    plan_against(&stack, &prior)
}

#[test]
fn nested_changes_show_only_what_changed() {
    let p = nested_changes();
    let (human, md, doc) = every_format(&p);
    // Neither the unchanged policies nor the unchanged rules are printed.
    for text in [&human, &md] {
        assert!(!text.contains("logs:PutLogEvents"), "{text}");
        assert!(!text.contains("sqs:SendMessage"), "{text}");
        assert!(!text.contains("8013"), "{text}");
        assert!(text.contains("s3:ListBucket") && text.contains("s3:PutObject"));
    }
    assert!(human.lines().count() < 40, "{human}");
    insta::assert_snapshot!("nested_changes_human", human);
    insta::assert_snapshot!("nested_changes_markdown", md);
    let attrs: Vec<&serde_json::Value> = doc["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .flat_map(|c| c["attributes"].as_array().expect("attributes"))
        .collect();
    insta::assert_snapshot!(
        "nested_changes_json_diffs",
        serde_json::to_string_pretty(&attrs.iter().map(|a| &a["diff"]).collect::<Vec<_>>())
            .expect("json")
    );
    // The values themselves are still there, as before 1.2.
    assert!(attrs
        .iter()
        .all(|a| a["before"].is_array() && a["after"].is_array()));
}

/// One of each risk, beside changes that are not risks: a queue replaced, an IAM role given
/// `*` on `*`, a policy given `s3:*`, a security group rule open to the internet, a bucket made
/// public by its policy and by its public access block. A security group that keeps its
/// world-open rule and only changes its tags is no risk.
fn risky() -> Plan {
    let stack = r#"
[stack]
name = "review"

[aws_sqs_queue.jobs]
name = "jobs-v2"

[aws_iam_role.admin]
name = "admin"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }] }
inline_policy = [
  { name = "everything", policy = { Version = "2012-10-17", Statement = [{ Sid = "All", Effect = "Allow", Action = "*", Resource = "*" }] } },
]

[aws_iam_policy.deploy]
name = "deploy"
policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:*"], Resource = "arn:aws:s3:::site/*" }] }

[aws_security_group_rule.ssh]
type = "ingress"
security_group_id = "sg-1"
protocol = "tcp"
from_port = 22
to_port = 22
cidr_blocks = ["0.0.0.0/0"]

[aws_security_group.lb]
name = "lb"
vpc_id = "vpc-1"
ingress = [{ protocol = "tcp", from_port = 443, to_port = 443, cidr_blocks = ["0.0.0.0/0"] }]
tags = { Team = "edge" }

[aws_s3_bucket.site]
bucket = "site"
public_access_block = { block_public_acls = true, block_public_policy = false, ignore_public_acls = true, restrict_public_buckets = false }
policy = { Version = "2012-10-17", Statement = [
  { Sid = "PublicRead", Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*" },
  { Sid = "FromOffice", Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*",
     Condition = { IpAddress = { "aws:SourceIp" = "192.0.2.0/24" } } },
] }
"#;
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let blocked = json!({"block_public_acls": true, "block_public_policy": true,
        "ignore_public_acls": true, "restrict_public_buckets": true});
    let prior = [
        resource("aws_sqs_queue.jobs", "jobs", json!({"name": "jobs"}), &[]),
        resource(
            "aws_iam_role.admin",
            "admin",
            json!({"name": "admin", "assume_role_policy": trust, "inline_policy": [
                {"name": "everything", "policy": statement(&["s3:GetObject"], "arn:aws:s3:::site/*")}]}),
            &[],
        ),
        resource(
            "aws_iam_policy.deploy",
            "arn:aws:iam::123456789012:policy/deploy",
            json!({"name": "deploy", "policy": statement(&["s3:PutObject"], "arn:aws:s3:::site/*")}),
            &[],
        ),
        resource(
            "aws_security_group.lb",
            "sg-2",
            json!({"name": "lb", "vpc_id": "vpc-1", "tags": {"Team": "web"}, "ingress": [
                {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}]}),
            &[],
        ),
        resource(
            "aws_s3_bucket.site",
            "site",
            json!({"bucket": "site", "public_access_block": blocked}),
            &[],
        ),
    ];
    plan_against(stack, &prior)
}

#[test]
fn every_format_opens_with_the_risks() {
    let p = risky();
    let (human, md, doc) = every_format(&p);
    // (kind, address, attribute, words of the message)
    let expected = [
        ("data-loss", "aws_sqs_queue.jobs", Some("name"), "will be replaced (name forces replacement) and the data it holds will be lost"),
        ("open-to-internet", "aws_security_group_rule.ssh", Some("cidr_blocks"), "opens tcp port 22 to 0.0.0.0/0"),
        ("iam-wildcard", "aws_iam_role.admin", Some("inline_policy[name = \"everything\"].policy"), "allows Action \"*\" on Resource \"*\" (statement \"All\")"),
        ("iam-wildcard", "aws_iam_policy.deploy", Some("policy"), "allows Action \"s3:*\""),
        ("public", "aws_iam_role.admin", Some("assume_role_policy"), "makes the role public: it allows anyone (Principal \"*\") Action \"sts:AssumeRole\" without a condition"),
        ("public", "aws_s3_bucket.site", Some("policy"), "makes the bucket public: it allows anyone (Principal \"*\") Action \"s3:GetObject\" without a condition (statement \"PublicRead\")"),
        ("public", "aws_s3_bucket.site", Some("public_access_block.block_public_policy"), "is turned off"),
        ("public", "aws_s3_bucket.site", Some("public_access_block.restrict_public_buckets"), "is turned off"),
    ];
    let risks = doc["risks"].as_array().expect("risks");
    assert_eq!(risks.len(), expected.len(), "{risks:#?}");
    assert_eq!(risks[0]["kind"], "data-loss", "data loss first");
    for (kind, address, attribute, words) in expected {
        let found = risks.iter().any(|r| {
            r["kind"] == kind
                && r["address"] == address
                && r["attribute"].as_str() == attribute
                && r["message"].as_str().is_some_and(|m| m.contains(words))
        });
        assert!(found, "{kind} {address} {attribute:?} {words}: {risks:#?}");
        let (human_attr, md_attr) = match (kind, attribute) {
            ("data-loss", _) | (_, None) => (String::new(), String::new()),
            (_, Some(a)) => (format!(" {a}"), format!(" `{a}`")),
        };
        let in_human = format!("  ! {address}{human_attr} {words}");
        let in_md = format!("`{address}`{md_attr} {words}");
        // Before anything else: the changes in either text, the counts in Markdown.
        let first = |text: &str, needle: &str, before: &str| {
            text.find(needle)
                .is_some_and(|at| text.find(before).is_none_or(|end| at < end))
        };
        assert!(
            first(&human, &in_human, "cairn will perform"),
            "{in_human}\n{human}"
        );
        assert!(first(&md, &in_md, "| create |"), "{in_md}\n{md}");
    }
    // The security group that keeps its open rule is no risk.
    assert!(!human.contains("aws_security_group.lb ingress"), "{human}");
    insta::assert_snapshot!("risks_human", human);
    insta::assert_snapshot!("risks_markdown", md);
}

/// `cairn drift` shows nested values the way plans do: one rule's port changed by hand in a
/// group of twenty, and one action of one inline policy.
#[test]
fn drift_shows_only_what_changed_inside_nested_values() {
    let ports: Vec<u16> = (8000..8020).collect();
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = |actions: &[&str]| {
        json!({"name": "app", "assume_role_policy": trust, "inline_policy": [
            {"name": "logs", "policy": statement(&["logs:PutLogEvents"], "arn:aws:logs:*:*:*")},
            {"name": "read", "policy": statement(actions, "arn:aws:s3:::data/*")},
        ]})
    };
    let group = |changed: u16| {
        let rules: Vec<_> = ports
            .iter()
            .map(|p| rule_json(if *p == 8005 { changed } else { *p }))
            .collect();
        json!({"name": "web", "vpc_id": "vpc-1", "ingress": rules})
    };
    let recorded = [
        resource("aws_iam_role.app", "app", role(&["s3:GetObject"]), &[]),
        resource("aws_security_group.web", "sg-1", group(8005), &[]),
    ];
    let actual = [
        resource(
            "aws_iam_role.app",
            "app",
            role(&["s3:GetObject", "s3:DeleteObject"]),
            &[],
        ),
        resource("aws_security_group.web", "sg-1", group(22), &[]),
    ];
    let state = State {
        resources: recorded
            .iter()
            .map(|r| (r.address.clone(), r.clone()))
            .collect(),
        ..State::default()
    };
    let refreshed: BTreeMap<Address, Option<ResourceState>> = actual
        .iter()
        .map(|r| (r.address.clone(), Some(r.clone())))
        .collect();
    let found = cairn_engine::detect_drift(
        &cairn_model::Config::default(),
        &state,
        &refreshed,
        &cairn_providers::catalog(),
        &|v: &Value| v.clone(),
    )
    .expect("drift");
    let human = crate::render::drift::human(&found, &[], 2, Painter { enabled: false });
    let md = crate::render::drift::markdown(&found, &[], 2, "review");
    let doc = crate::render::drift::json(&found, &[], 2, "review");
    for text in [&human, &md] {
        assert!(
            !text.contains("8013") && !text.contains("logs:PutLogEvents"),
            "{text}"
        );
    }
    assert_eq!(
        doc["resources"][1]["attributes"][0]["diff"]["unchanged"],
        19
    );
    insta::assert_snapshot!("drift_nested_human", human);
    insta::assert_snapshot!("drift_nested_markdown", md);
}

/// When a comment would be too long, the graph goes before any resource section does.
#[test]
fn markdown_drops_the_graph_before_any_section() {
    let p = representative();
    let catalog = cairn_providers::catalog();
    let unlimited = markdown::plan(&p, "demo", &catalog, usize::MAX);
    assert!(
        unlimited.contains("```mermaid\nflowchart RL\n"),
        "{unlimited}"
    );
    let sections = |text: &str| text.matches("<details><summary>").count();
    // One character short of the room the whole comment needs.
    let limit = unlimited.len() + 1_024 - 1;
    let text = markdown::plan(&p, "demo", &catalog, limit);
    assert!(text.len() <= limit);
    assert!(!text.contains("```mermaid"), "{text}");
    assert!(
        text.contains("The graph of the changes is left out"),
        "{text}"
    );
    assert_eq!(sections(&text), sections(&unlimited) - 1, "{text}");
    assert!(
        !text.contains("more resource section(s) are left out"),
        "{text}"
    );
}
