//! Bringing resources made outside cairn under management against moto: `cairn import ADDR
//! ID` and `[[import]]` blocks. What they find is recorded as it is; the plan then shows only
//! how it differs from the configuration.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use crate::harness::{expect_code, World};

fn name_tag(kind: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

/// A VPC (tagged `Name = name`) and, when asked, a subnet in it, made with plain AWS calls.
async fn made_by_hand(w: &World, cidr: &str, name: &str, subnet: Option<&str>) -> (String, String) {
    let ec2 = w.ec2().await;
    let vpc = ec2
        .create_vpc()
        .cidr_block(cidr)
        .tag_specifications(name_tag(ResourceType::Vpc, name))
        .send()
        .await
        .expect("create vpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let Some(subnet) = subnet else {
        return (vpc_id, String::new());
    };
    let made = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block(subnet)
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect("create subnet");
    let subnet_id = made
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_string();
    (vpc_id, subnet_id)
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

/// `path` of every attribute change of the change at `address`.
fn paths(plan: &serde_json::Value, address: &str) -> Vec<String> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["address"] == address)
        .flat_map(|c| c["attributes"].as_array().cloned().unwrap_or_default())
        .map(|a| a["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

const STACK: &str = r#"
[stack]
name = "adopted"

[provider.aws]
region = "us-east-1"

[aws_vpc.main]
cidr_block = "10.7.0.0/16"
tags = { Name = "by-hand" }

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.7.1.0/24"
availability_zone = "us-east-1a"
tags = { Name = "adopted-a" }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn import_command_records_what_exists_and_the_plan_shows_the_differences() {
    let w = World::files(&[("stack.toml", STACK)]);
    let (vpc_id, subnet_id) = made_by_hand(&w, "10.7.0.0/16", "by-hand", Some("10.7.1.0/24")).await;

    // Refused, with reasons, recording nothing.
    for (address, id, message) in [
        (
            "aws_vpc.mian",
            vpc_id.as_str(),
            "aws_vpc.mian is not declared in the stack (did you mean `aws_vpc.main`?)",
        ),
        (
            "aws_vpc.main",
            "vpc-0123456789abcdef0",
            "no aws_vpc with import id vpc-0123456789abcdef0 exists",
        ),
    ] {
        let run = w.cairn(&["import", address, id]);
        expect_code(&run, 1);
        assert!(run.stderr.contains(message), "{run:?}");
    }
    assert_eq!(w.cairn(&["state", "list"]).stdout, "");

    let run = w.cairn(&["import", "aws_vpc.main", &vpc_id]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains(&format!("Imported aws_vpc.main ({vpc_id}).")),
        "{run:?}"
    );
    assert!(run.stdout.contains("cairn plan"), "{run:?}");
    let again = w.cairn(&["import", "aws_vpc.main", &vpc_id]);
    expect_code(&again, 1);
    assert!(
        again.stderr.contains("aws_vpc.main is already in state")
            && again.stderr.contains("cairn state rm aws_vpc.main"),
        "{again:?}"
    );
    expect_code(&w.cairn(&["import", "aws_subnet.a", &subnet_id]), 0);
    let show = w.cairn(&["state", "show", "aws_subnet.a"]);
    assert!(
        show.stdout.contains("depends_on = [\"aws_vpc.main\"]"),
        "{show:?}"
    );

    // Only the real difference: the subnet has no Name tag yet.
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        actions(&plan),
        vec![("aws_subnet.a".to_string(), "update".to_string())]
    );
    assert_eq!(paths(&plan, "aws_subnet.a"), vec!["tags.Name"]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    let show = w.cairn(&["state", "show", "aws_subnet.a"]);
    assert!(
        show.stdout.contains(&subnet_id),
        "the same subnet: {show:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_block_is_planned_and_applied_like_any_change() {
    let w = World::files(&[("stack.toml", "")]);
    let (vpc_id, _) = made_by_hand(&w, "10.6.0.0/16", "old-name", None).await;
    let stack = |id: &str| {
        format!(
            r#"
[stack]
name = "adopted"

[provider.aws]
region = "us-east-1"

[aws_vpc.main]
cidr_block = "10.6.0.0/16"
tags = {{ Name = "new-name" }}

[aws_subnet.a]
vpc_id = "${{aws_vpc.main.id}}"
cidr_block = "10.6.1.0/24"
availability_zone = "us-east-1a"

[[import]]
to = "aws_vpc.main"
id = "{id}"
"#
        )
    };
    std::fs::write(w.path("stack.toml"), stack("vpc-0123456789abcdef0")).expect("write");
    let run = w.cairn(&["plan"]);
    expect_code(&run, 1);
    assert!(
        run.stderr
            .contains("aws_vpc.main: no aws_vpc with import id vpc-0123456789abcdef0 exists"),
        "{run:?}"
    );

    std::fs::write(w.path("stack.toml"), stack(&vpc_id)).expect("write");
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 2);
    assert!(
        run.stdout.contains(&format!(
            "# aws_vpc.main will be imported ({vpc_id}) and updated in place"
        )),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("~ tags.Name = \"old-name\" -> \"new-name\""),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy, 1 to import."),
        "{run:?}"
    );
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        actions(&plan),
        vec![
            ("aws_vpc.main".to_string(), "update".to_string()),
            ("aws_subnet.a".to_string(), "create".to_string())
        ]
    );
    assert_eq!(plan["changes"][0]["import_id"], vpc_id.as_str());
    assert_eq!(plan["summary"]["import"], 1);
    // The subnet is planned into the imported VPC, known already.
    let vpc_of_subnet = plan["changes"][1]["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["path"] == "vpc_id")
        .map(|a| a["after"].clone());
    assert_eq!(
        vpc_of_subnet,
        Some(serde_json::Value::from(vpc_id.as_str()))
    );

    let saved = w.path("import.plan");
    let saved = saved.to_str().expect("path");
    expect_code(&w.cairn(&["plan", "--out", saved]), 0);
    let run = w.cairn(&["apply", saved]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("Apply complete: 1 created, 1 updated, 0 deleted, 1 imported."),
        "{run:?}"
    );
    let vpcs = w
        .ec2()
        .await
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect("vpcs");
    let tags: Vec<(&str, &str)> = vpcs.vpcs()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert!(tags.contains(&("Name", "new-name")), "{tags:?}");
    let show = w.cairn(&["state", "show", "aws_vpc.main"]);
    assert!(show.stdout.contains(&vpc_id), "{show:?}");
    // Imported once; the block stays, harmless.
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("No changes"), "{run:?}");
}
