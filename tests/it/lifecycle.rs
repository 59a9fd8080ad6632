//! The full lifecycle of `examples/network` against moto: validate, plan, apply, an empty
//! plan, an in-place tag change, a replacement, saved plans, and destroy.

use aws_sdk_ec2::types::Filter;

use crate::harness::{expect_code, World};

fn tag_filter(key: &str, value: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

/// `(address, action)` of every change of a JSON plan.
fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().expect("address").to_string(),
                c["action"].as_str().expect("action").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn network_lifecycle() {
    let w = World::example("network");
    let ec2 = w.ec2().await;
    let s3 = w.s3().await;

    let run = w.cairn(&["validate"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("valid"), "{run:?}");

    // A first plan creates everything.
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 2);
    assert!(run.stdout.contains("+ aws_vpc.main"), "{run:?}");
    assert!(run.stdout.contains("(known after apply)"), "{run:?}");
    assert!(
        run.stdout
            .contains("Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy."),
        "{run:?}"
    );
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(plan["format_version"], "1.3");
    assert_eq!(plan["summary"]["create"], 8);
    for c in plan["changes"].as_array().expect("changes") {
        assert_eq!(c["action"], "create");
        assert!(c["type"].as_str().expect("type").starts_with("aws_"));
        assert!(c["reason"].is_string());
        assert!(c["attributes"].as_array().is_some_and(|a| !a.is_empty()));
    }

    // Apply, then check with plain AWS calls.
    let run = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("Apply complete: 8 created"), "{run:?}");
    let vpcs = ec2
        .describe_vpcs()
        .filters(tag_filter("Name", "network-dev"))
        .send()
        .await
        .expect("describe vpcs");
    let vpc = &vpcs.vpcs()[0];
    assert_eq!(vpcs.vpcs().len(), 1);
    assert_eq!(vpc.cidr_block(), Some("10.42.0.0/16"));
    let vpc_id = vpc.vpc_id().expect("vpc id").to_string();
    let tags: Vec<(&str, &str)> = vpc
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert!(
        tags.contains(&("Project", "cairn-example")),
        "default tags: {tags:?}"
    );
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .expect("subnets");
    assert_eq!(subnets.subnets().len(), 2);
    // moto 5.2 names this response's root element in a way the SDK rejects; the status
    // inside is sound, so read it from the raw body when decoding fails.
    let enabled = match s3
        .get_bucket_versioning()
        .bucket("network-dev-logs")
        .send()
        .await
    {
        Ok(v) => v.status().map(|s| s.as_str()) == Some("Enabled"),
        Err(e) => e
            .raw_response()
            .and_then(|r| r.body().bytes())
            .is_some_and(|b| String::from_utf8_lossy(b).contains("<Status>Enabled</Status>")),
    };
    assert!(enabled, "versioning is enabled");
    let output = w.cairn(&["output", "vpc_id"]);
    expect_code(&output, 0);
    assert_eq!(output.stdout.trim(), vpc_id);
    let list = w.cairn(&["state", "list"]);
    assert_eq!(list.stdout.lines().count(), 8, "{list:?}");

    // Right after apply, nothing to do.
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("No changes"), "{run:?}");

    // A tag change is exactly one in-place update.
    w.edit(
        "stack.toml",
        "Name = \"${stack.name}-igw\"",
        "Name = \"${stack.name}-gateway\"",
    );
    let plan = w.cairn(&["plan", "--format", "json", "--detailed-exitcode"]);
    expect_code(&plan, 2);
    let plan = plan.plan_json();
    assert_eq!(
        actions(&plan),
        vec![("aws_internet_gateway.main".into(), "update".into())]
    );
    let attrs = plan["changes"][0]["attributes"].as_array().expect("attrs");
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0]["path"], "tags.Name");
    assert_eq!(attrs[0]["before"], "network-igw");
    assert_eq!(attrs[0]["after"], "network-gateway");
    // The same change as a pull-request comment.
    let md = w.cairn(&["plan", "--format", "markdown"]);
    expect_code(&md, 0);
    assert!(
        md.stdout.contains("<code>aws_internet_gateway.main</code>"),
        "{md:?}"
    );
    assert!(
        md.stdout
            .contains("- tags.Name = \"network-igw\"\n+ tags.Name = \"network-gateway\""),
        "{md:?}"
    );
    assert!(
        md.stdout
            .contains("**Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.**"),
        "{md:?}"
    );
    // Applied through a saved plan.
    let saved = w.path("tag.plan");
    let saved_arg = saved.to_str().expect("path");
    expect_code(&w.cairn(&["plan", "--out", saved_arg]), 0);
    let run = w.cairn(&["apply", saved_arg]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("1 updated"), "{run:?}");
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    // The same plan again is stale: the state moved on.
    let run = w.cairn(&["apply", saved_arg]);
    expect_code(&run, 1);
    assert!(
        run.stderr.contains("state changed since the plan"),
        "{run:?}"
    );

    // A subnet CIDR change is a replacement, with its reason.
    w.edit("stack.toml", "10.42.2.0/24", "10.42.3.0/24");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        actions(&plan),
        vec![("aws_subnet.public_b".into(), "replace".into())]
    );
    assert_eq!(
        plan["changes"][0]["reason"],
        "cidr_block forces replacement"
    );
    let forcing: Vec<&serde_json::Value> = plan["changes"][0]["attributes"]
        .as_array()
        .expect("attrs")
        .iter()
        .filter(|a| a["forces_replacement"] == true)
        .collect();
    assert_eq!(forcing.len(), 1);
    assert_eq!(forcing[0]["path"], "cidr_block");
    let human = w.cairn(&["plan"]);
    assert!(
        human.stdout.contains("-/+ aws_subnet.public_b"),
        "{human:?}"
    );
    assert!(human.stdout.contains("# forces replacement"), "{human:?}");
    let run = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&run, 0);
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .expect("subnets");
    let mut cidrs: Vec<&str> = subnets
        .subnets()
        .iter()
        .filter_map(|s| s.cidr_block())
        .collect();
    cidrs.sort();
    assert_eq!(cidrs, vec!["10.42.1.0/24", "10.42.3.0/24"]);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);

    // Destroy leaves nothing.
    let run = w.cairn(&["destroy", "--auto-approve"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("8 deleted"), "{run:?}");
    let vpcs = ec2
        .describe_vpcs()
        .filters(tag_filter("Stack", "network"))
        .send()
        .await
        .expect("vpcs");
    assert!(vpcs.vpcs().is_empty());
    let subnets = ec2
        .describe_subnets()
        .filters(tag_filter("Stack", "network"))
        .send()
        .await
        .expect("subnets");
    assert!(subnets.subnets().is_empty());
    let igws = ec2
        .describe_internet_gateways()
        .filters(tag_filter("Stack", "network"))
        .send()
        .await
        .expect("igws");
    assert!(igws.internet_gateways().is_empty());
    let sgs = ec2
        .describe_security_groups()
        .filters(tag_filter("Stack", "network"))
        .send()
        .await
        .expect("sgs");
    assert!(sgs.security_groups().is_empty());
    let buckets = s3.list_buckets().send().await.expect("buckets");
    assert!(buckets.buckets().is_empty(), "{:?}", buckets.buckets());
    assert_eq!(w.cairn(&["state", "list"]).stdout, "");
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_made_outside_is_shown_and_reverted() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let ec2 = w.ec2().await;
    let vpcs = ec2
        .describe_vpcs()
        .filters(tag_filter("Name", "network-dev"))
        .send()
        .await
        .expect("vpcs");
    let vpc_id = vpcs.vpcs()[0].vpc_id().expect("id").to_string();
    ec2.create_tags()
        .resources(&vpc_id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("renamed-by-hand")
                .build(),
        )
        .send()
        .await
        .expect("tag");
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 2);
    assert!(run.stdout.contains("Changed outside cairn"), "{run:?}");
    assert!(run.stdout.contains("renamed-by-hand"), "{run:?}");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(plan["drift"][0]["address"], "aws_vpc.main");
    assert_eq!(plan["drift"][0]["status"], "modified");
    assert_eq!(
        actions(&plan),
        vec![("aws_vpc.main".into(), "update".into())]
    );
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    // --refresh=false plans from state alone: no AWS reads, no drift seen.
    let run = w.cairn(&["plan", "--refresh=false", "--detailed-exitcode"]);
    expect_code(&run, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_without_a_terminal_needs_approval() {
    let w = World::example("network");
    let run = w.cairn(&["apply"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("--auto-approve"), "{run:?}");
    assert_eq!(w.cairn(&["state", "list"]).stdout, "");
}

/// Values written in a spelling AWS accepts but stores differently (a protocol `TCP`, `6` or
/// `ALL`, a CIDR block with host bits) apply, then re-plan empty and drift nothing: no
/// change that is not there, and nothing "changed outside cairn".
#[tokio::test(flavor = "multi_thread")]
async fn spellings_aws_accepts_re_plan_empty() {
    let w = World::files(&[(
        "main.toml",
        r#"[stack]
name = "spellings"

[aws_vpc.main]
cidr_block = "10.40.0.0/16"

[aws_security_group.web]
name = "web"
vpc_id = "${aws_vpc.main.id}"
ingress = [
  { protocol = "TCP", from_port = 443, to_port = 443, cidr_blocks = ["10.40.7.9/16"] },
  { protocol = "6", from_port = 80, to_port = 80, cidr_blocks = ["0.0.0.0/0"] },
]
egress = [{ protocol = "ALL", from_port = 0, to_port = 0, cidr_blocks = ["0.0.0.0/0"] }]

[aws_security_group.db]
name = "db"
vpc_id = "${aws_vpc.main.id}"

[aws_security_group_rule.db_from_office]
type = "ingress"
security_group_id = "${aws_security_group.db.id}"
protocol = "Tcp"
from_port = 5432
to_port = 5432
cidr_blocks = ["192.168.1.20/24"]
"#,
    )]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let again = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&again, 0);
    assert!(again.stdout.contains("No changes"), "{again:?}");
    let drift = w.cairn(&["drift"]);
    expect_code(&drift, 0);
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}

/// The addresses and actions of a JSON plan's changes that do something.
fn changing(plan: &serde_json::Value) -> Vec<(String, String)> {
    actions(plan)
        .into_iter()
        .filter(|(_, action)| action != "no-op")
        .collect()
}

/// `--replace` plans a replacement nothing forces; `--target` a partial plan of the target
/// and what it depends on, which a saved plan keeps and applies exactly.
#[tokio::test(flavor = "multi_thread")]
async fn replace_and_target_plan_exactly_what_they_name() {
    let stack = |tag: &str| {
        format!(
            r#"[stack]
name = "scoped"

[aws_vpc.main]
cidr_block = "10.50.0.0/16"
tags = {{ Env = "{tag}" }}

[aws_subnet.a]
vpc_id = "${{aws_vpc.main.id}}"
cidr_block = "10.50.1.0/24"
tags = {{ Env = "{tag}" }}

[aws_vpc.other]
cidr_block = "10.51.0.0/16"
tags = {{ Env = "{tag}" }}
"#
        )
    };
    let w = World::files(&[("main.toml", &stack("one"))]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);

    let replace = w.cairn(&["plan", "--replace", "aws_vpc.other", "--format", "json"]);
    expect_code(&replace, 0);
    let plan = replace.plan_json();
    assert_eq!(
        changing(&plan),
        [("aws_vpc.other".to_string(), "replace".to_string())]
    );
    assert_eq!(plan["replace"], serde_json::json!(["aws_vpc.other"]));
    let nothing = w.cairn(&["plan", "--replace", "aws_vpc.nope"]);
    expect_code(&nothing, 1);
    assert!(
        nothing.stderr.contains("--replace aws_vpc.nope"),
        "{nothing:?}"
    );

    std::fs::write(w.path("main.toml"), stack("two")).expect("write");
    let saved = w.path("targeted.plan");
    let saved = saved.to_str().expect("path");
    let targeted = w.cairn(&[
        "plan",
        "--target",
        "aws_subnet.a",
        "--format",
        "json",
        "--out",
        saved,
    ]);
    expect_code(&targeted, 0);
    let plan = targeted.plan_json();
    assert_eq!(
        changing(&plan),
        [
            ("aws_vpc.main".to_string(), "update".to_string()),
            ("aws_subnet.a".to_string(), "update".to_string())
        ],
        "the target and what it depends on, nothing else"
    );
    assert_eq!(plan["targets"], serde_json::json!(["aws_subnet.a"]));
    let human = w.cairn(&["plan", "--target", "aws_subnet.a"]);
    assert!(
        human
            .stdout
            .contains("Warning: a partial plan (--target aws_subnet.a)"),
        "{human:?}"
    );
    let markdown = w.cairn(&["plan", "--target", "aws_subnet.a", "--format", "markdown"]);
    assert!(
        markdown
            .stdout
            .contains("a partial plan (`--target aws_subnet.a`)"),
        "{markdown:?}"
    );
    let nowhere = w.cairn(&["plan", "--target", "aws_subnet.nope"]);
    expect_code(&nowhere, 1);
    assert!(
        nowhere.stderr.contains("--target aws_subnet.nope"),
        "{nowhere:?}"
    );
    expect_code(&w.cairn(&["apply", saved]), 0);
    let rest = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        changing(&rest),
        [("aws_vpc.other".to_string(), "update".to_string())],
        "what the partial plan left out"
    );
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}
