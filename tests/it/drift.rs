//! `cairn drift`: silent when nothing changed, exact when something did (that attribute,
//! both values, nothing else), read-only, healed by the next apply.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, Tag, TagSpecification};

use crate::harness::{expect_code, World};

#[tokio::test(flavor = "multi_thread")]
async fn drift_is_silent_after_apply_exact_after_changes_by_hand_and_healed_by_apply() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let quiet = w.cairn(&["drift"]);
    expect_code(&quiet, 0);
    assert!(
        quiet
            .stdout
            .contains("No drift: all 8 managed resources match"),
        "{quiet:?}"
    );

    // Changes made with plain AWS calls.
    let c = w.clients().await;
    let ids: BTreeMap<String, String> = w
        .cairn(&["state", "list"])
        .stdout
        .lines()
        .map(|a| {
            let show = w.cairn(&["state", "show", a]).stdout;
            let id = show
                .lines()
                .find_map(|l| {
                    l.trim().strip_prefix("id").map(|r| {
                        r.trim_start_matches([' ', '=', ':'])
                            .trim()
                            .trim_matches('"')
                            .to_string()
                    })
                })
                .unwrap_or_default();
            (a.to_string(), id)
        })
        .collect();
    let vpc = &ids["aws_vpc.main"];
    let sg = &ids["aws_security_group.web"];
    let subnet_b = &ids["aws_subnet.public_b"];
    c.ec2
        .create_tags()
        .resources(vpc)
        .tags(Tag::builder().key("Name").value("renamed-by-hand").build())
        .send()
        .await
        .expect("tag");
    c.ec2
        .authorize_security_group_ingress()
        .group_id(sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("203.0.113.7/32").build())
                .build(),
        )
        .send()
        .await
        .expect("ingress");
    c.ec2
        .delete_subnet()
        .subnet_id(subnet_b)
        .send()
        .await
        .expect("delete subnet");
    c.s3.put_bucket_policy()
        .bucket("network-dev-logs")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::network-dev-logs/*"}]}"#)
        .send()
        .await
        .expect("policy");

    // What cairn made carries the stack's ownership tag, hidden from plans and drift.
    let owned = c
        .ec2
        .describe_vpcs()
        .filters(
            Filter::builder()
                .name("tag:cairn:stack")
                .values("network")
                .build(),
        )
        .send()
        .await
        .expect("vpcs");
    assert_eq!(owned.vpcs().len(), 1);
    // A copy made by hand with the stack's tags: unmanaged.
    let copy = c
        .ec2
        .create_vpc()
        .cidr_block("10.99.0.0/16")
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(Tag::builder().key("cairn:stack").value("network").build())
                .tags(
                    Tag::builder()
                        .key("cairn:address")
                        .value("aws_vpc.main")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("copy");
    let copy_id = copy
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("copy id")
        .to_string();

    let state_before = std::fs::read(w.path(".cairn/state.json")).expect("state");
    let run = w.cairn(&["drift", "--format", "json"]);
    expect_code(&run, 2);
    let report = run.json();
    assert_eq!(report["in_sync"], false);
    let found: BTreeMap<String, (String, Vec<String>)> = report["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            let attrs = r["attributes"]
                .as_array()
                .expect("attributes")
                .iter()
                .map(|a| a["path"].as_str().unwrap_or_default().to_string())
                .collect();
            (
                r["address"].as_str().unwrap_or_default().to_string(),
                (r["status"].as_str().unwrap_or_default().to_string(), attrs),
            )
        })
        .collect();
    let expected: BTreeMap<String, (String, Vec<String>)> = [
        ("aws_vpc.main", ("modified", vec!["tags.Name"])),
        ("aws_security_group.web", ("modified", vec!["ingress"])),
        ("aws_subnet.public_b", ("deleted", vec![])),
        ("aws_s3_bucket.logs", ("modified", vec!["policy"])),
    ]
    .into_iter()
    .map(|(a, (s, p))| {
        (
            a.to_string(),
            (s.to_string(), p.into_iter().map(str::to_string).collect()),
        )
    })
    .collect();
    assert_eq!(found, expected, "{report:#}");
    let vpc_attr = &report["resources"]
        .as_array()
        .expect("r")
        .iter()
        .find(|r| r["address"] == "aws_vpc.main")
        .expect("vpc")["attributes"][0];
    assert_eq!(vpc_attr["recorded"], "network-dev");
    assert_eq!(vpc_attr["actual"], "renamed-by-hand");
    assert_eq!(report["summary"]["checked"], 8);
    let unmanaged = report["unmanaged"].as_array().expect("unmanaged");
    assert_eq!(unmanaged.len(), 1, "{report:#}");
    assert!(
        unmanaged[0]["arn"]
            .as_str()
            .is_some_and(|a| a.ends_with(&copy_id)),
        "{report:#}"
    );
    assert_eq!(unmanaged[0]["address"], "aws_vpc.main");
    // Read-only: state untouched.
    assert_eq!(
        std::fs::read(w.path(".cairn/state.json")).expect("state"),
        state_before
    );

    let md = w.cairn(&["drift", "--format", "markdown"]);
    expect_code(&md, 2);
    assert!(
        md.stdout.contains("| `aws_subnet.public_b` | deleted |"),
        "{md:?}"
    );
    let human = w.cairn(&["drift"]);
    expect_code(&human, 2);
    assert!(
        human
            .stdout
            .contains("tags.Name: \"network-dev\" (recorded) -> \"renamed-by-hand\" (actual)"),
        "{human:?}"
    );

    // The next apply reverts it all; the copy is for a person to remove; then drift is silent.
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let still = w.cairn(&["drift"]);
    expect_code(&still, 2);
    assert!(
        still
            .stdout
            .contains("carries this stack's tags but is not in its state (made for aws_vpc.main)"),
        "{still:?}"
    );
    c.ec2
        .delete_vpc()
        .vpc_id(&copy_id)
        .send()
        .await
        .expect("remove copy");
    let healed = w.cairn(&["drift"]);
    expect_code(&healed, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_only_records_what_exists_and_changes_nothing() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let c = w.clients().await;
    let state = w.cairn(&["state", "show", "aws_vpc.main"]).stdout;
    let vpc = state
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|t| t.trim_matches('"').starts_with("vpc-"))
        })
        .map(|t| t.trim_matches(|c: char| c == '"' || c == ',').to_string())
        .expect("vpc id");
    c.ec2
        .create_tags()
        .resources(&vpc)
        .tags(Tag::builder().key("Name").value("kept-by-hand").build())
        .send()
        .await
        .expect("tag");
    let run = w.cairn(&["apply", "--refresh-only", "--auto-approve"]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("tags.Name: \"network-dev\" (recorded) -> \"kept-by-hand\" (actual)"),
        "{run:?}"
    );
    // Recorded: no drift any more, and AWS kept the hand-made name.
    expect_code(&w.cairn(&["drift"]), 0);
    let tags = c
        .ec2
        .describe_vpcs()
        .vpc_ids(&vpc)
        .send()
        .await
        .expect("vpc");
    let name = tags.vpcs()[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .unwrap_or_default()
        .to_string();
    assert_eq!(name, "kept-by-hand");
    // The configuration still says otherwise: a normal plan would set it back.
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&plan, 2);
    assert!(
        plan.stdout.contains("\"kept-by-hand\" -> \"network-dev\""),
        "{plan:?}"
    );
    let again = w.cairn(&["apply", "--refresh-only", "--auto-approve"]);
    assert!(again.stdout.contains("Nothing to record"), "{again:?}");
}
