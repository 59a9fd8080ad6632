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
    assert_eq!(plan["format_version"], "1.1");
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
