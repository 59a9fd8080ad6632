//! Renaming managed resources against moto: a `[[moved]]` block (planned, saved, applied,
//! then harmless) and `cairn state mv`; the resources in AWS stay the same ones.

use crate::harness::{expect_code, World};

/// Replaces every `from` by `to` in a stack file (a resource's block and its references).
fn rename_everywhere(w: &World, file: &str, from: &str, to: &str) {
    let path = w.path(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{from:?} is in {file}");
    std::fs::write(&path, text.replace(from, to)).expect("write");
}

fn append(w: &World, file: &str, text: &str) {
    let path = w.path(file);
    let mut all = std::fs::read_to_string(&path).expect("read");
    all.push_str(text);
    std::fs::write(&path, all).expect("write");
}

/// The id state records for `address`.
fn recorded_id(w: &World, address: &str) -> String {
    let run = w.cairn(&["state", "show", address]);
    expect_code(&run, 0);
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("id = "))
        .map(|id| id.trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("no id in {run:?}"))
}

fn serial(w: &World) -> u64 {
    let text = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["serial"].as_u64().expect("serial")
}

async fn subnet_ids(w: &World) -> Vec<String> {
    let subnets = w
        .ec2()
        .await
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:Stack")
                .values("network")
                .build(),
        )
        .send()
        .await
        .expect("subnets");
    let mut ids: Vec<String> = subnets
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_block_renames_without_touching_aws() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let id = recorded_id(&w, "aws_subnet.public_a");
    let before = subnet_ids(&w).await;

    rename_everywhere(&w, "stack.toml", "aws_subnet.public_a", "aws_subnet.first");
    append(
        &w,
        "stack.toml",
        "\n[[moved]]\nfrom = \"aws_subnet.public_a\"\nto = \"aws_subnet.first\"\n",
    );
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 2);
    assert!(
        run.stdout
            .contains("# aws_subnet.first will be moved from aws_subnet.public_a\n"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy, 1 to move."),
        "{run:?}"
    );
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        plan["changes"],
        serde_json::json!([{
            "address": "aws_subnet.first",
            "type": "aws_subnet",
            "action": "no-op",
            "reason": null,
            "attributes": [],
            "moved_from": "aws_subnet.public_a",
        }])
    );
    assert_eq!(plan["summary"]["move"], 1);
    let md = w.cairn(&["plan", "--format", "markdown"]);
    assert!(
        md.stdout.contains(
            "🚚 move <code>aws_subnet.first</code> — moved from <code>aws_subnet.public_a</code>"
        ),
        "{md:?}"
    );

    // Applied as reviewed, from a saved plan.
    let saved = w.path("move.plan");
    let saved = saved.to_str().expect("path");
    expect_code(&w.cairn(&["plan", "--out", saved]), 0);
    let run = w.cairn(&["apply", saved]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("Apply complete: 0 created, 0 updated, 0 deleted, 1 moved."),
        "{run:?}"
    );
    assert_eq!(recorded_id(&w, "aws_subnet.first"), id);
    let list = w.cairn(&["state", "list"]).stdout;
    assert!(!list.contains("aws_subnet.public_a"), "{list}");
    let association = w.cairn(&["state", "show", "aws_route_table_association.public_a"]);
    assert!(
        association.stdout.contains("\"aws_subnet.first\""),
        "dependencies follow: {association:?}"
    );
    assert_eq!(subnet_ids(&w).await, before, "the same subnets in AWS");
    // The block stays, harmless.
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("No changes"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_mv_renames_in_state_only() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let id = recorded_id(&w, "aws_subnet.public_b");
    let before = subnet_ids(&w).await;
    let serial_before = serial(&w);

    // Refused, with reasons, changing nothing.
    for (args, message) in [
        (
            ["aws_subnet.publc_b", "aws_subnet.second"],
            "aws_subnet.publc_b is not in state (did you mean `aws_subnet.public_b`?)",
        ),
        (
            ["aws_subnet.public_b", "aws_subnet.public_a"],
            "cannot move aws_subnet.public_b to aws_subnet.public_a: state already records aws_subnet.public_a",
        ),
        (
            ["aws_subnet.public_b", "aws_vpc.second"],
            "a move keeps the resource type",
        ),
    ] {
        let run = w.cairn(&["state", "mv", args[0], args[1]]);
        expect_code(&run, 1);
        assert!(run.stderr.contains(message), "{run:?}");
    }
    assert_eq!(serial(&w), serial_before);

    let run = w.cairn(&["state", "mv", "aws_subnet.public_b", "aws_subnet.second"]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("Moved aws_subnet.public_b to aws_subnet.second."),
        "{run:?}"
    );
    assert_eq!(serial(&w), serial_before + 1, "one new version of state");
    assert_eq!(recorded_id(&w, "aws_subnet.second"), id);
    // State and configuration now disagree until the configuration follows.
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    let actions: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().expect("address"),
                c["action"].as_str().expect("action"),
            )
        })
        .collect();
    assert!(
        actions.contains(&("aws_subnet.second", "delete")),
        "{actions:?}"
    );
    rename_everywhere(&w, "stack.toml", "aws_subnet.public_b", "aws_subnet.second");
    let run = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&run, 0);
    assert_eq!(subnet_ids(&w).await, before, "nothing changed in AWS");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_rm_forgets_without_touching_aws() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let before = subnet_ids(&w).await;
    let serial_before = serial(&w);

    let run = w.cairn(&["state", "rm", "aws_subnet.public_b", "aws_subnet.nope"]);
    expect_code(&run, 1);
    assert!(
        run.stderr.contains("aws_subnet.nope is not in state"),
        "{run:?}"
    );
    assert_eq!(serial(&w), serial_before, "all or nothing");

    let run = w.cairn(&["state", "rm", "aws_subnet.public_b"]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("Removed aws_subnet.public_b from state."),
        "{run:?}"
    );
    assert_eq!(serial(&w), serial_before + 1);
    let list = w.cairn(&["state", "list"]);
    assert!(!list.stdout.contains("aws_subnet.public_b"), "{list:?}");
    assert_eq!(subnet_ids(&w).await, before, "AWS keeps the subnet");
    // Still configured: the next plan creates it again.
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&plan, 2);
}

/// `(address, moved_from)` of every change of a JSON plan, and whether any does more.
fn moves_only(plan: &serde_json::Value) -> (Vec<(String, String)>, bool) {
    let changes = plan["changes"].as_array().expect("changes");
    let moves = changes
        .iter()
        .filter_map(|c| {
            Some((
                c["address"].as_str()?.to_string(),
                c["moved_from"].as_str()?.to_string(),
            ))
        })
        .collect();
    (moves, changes.iter().any(|c| c["action"] != "no-op"))
}

#[tokio::test(flavor = "multi_thread")]
async fn resources_move_into_for_each_instances_and_instances_move_together() {
    let w = World::example("network");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let ids = [
        recorded_id(&w, "aws_subnet.public_a"),
        recorded_id(&w, "aws_subnet.public_b"),
    ];
    let before = subnet_ids(&w).await;

    // The two subnets become one for_each resource.
    let path = w.path("stack.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let start = text.find("[aws_subnet.public_a]").expect("subnet a");
    let end = text.find("[aws_internet_gateway.main]").expect("gateway");
    let for_each = r#"[aws_subnet.public]
for_each = { a = { cidr = "10.42.1.0/24", zone = "us-east-1a" }, b = { cidr = "10.42.2.0/24", zone = "us-east-1b" } }
vpc_id = "${aws_vpc.main.id}"
cidr_block = "${each.value.cidr}"
availability_zone = "${each.value.zone}"
map_public_ip_on_launch = true
tags = { Name = "${stack.name}-public-${each.key}", Tier = "public" }

"#;
    let text = format!("{}{for_each}{}", &text[..start], &text[end..])
        .replace("${aws_subnet.public_a.id}", "${aws_subnet.public[\\\"a\\\"].id}")
        .replace("${aws_subnet.public_b.id}", "${aws_subnet.public[\\\"b\\\"].id}")
        + "\n[[moved]]\nfrom = \"aws_subnet.public_a\"\nto = 'aws_subnet.public[\"a\"]'\n\n[[moved]]\nfrom = \"aws_subnet.public_b\"\nto = 'aws_subnet.public[\"b\"]'\n";
    std::fs::write(&path, text).expect("write");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        moves_only(&plan),
        (
            vec![
                (
                    "aws_subnet.public[\"a\"]".into(),
                    "aws_subnet.public_a".into()
                ),
                (
                    "aws_subnet.public[\"b\"]".into(),
                    "aws_subnet.public_b".into()
                ),
            ],
            false
        ),
        "{plan:#}"
    );
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);

    // The whole for_each resource renamed: its instances move with their keys.
    rename_everywhere(&w, "stack.toml", "[aws_subnet.public]", "[aws_subnet.edge]");
    rename_everywhere(
        &w,
        "stack.toml",
        "${aws_subnet.public[",
        "${aws_subnet.edge[",
    );
    append(
        &w,
        "stack.toml",
        "\n[[moved]]\nfrom = \"aws_subnet.public\"\nto = \"aws_subnet.edge\"\n",
    );
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        moves_only(&plan),
        (
            vec![
                (
                    "aws_subnet.edge[\"a\"]".into(),
                    "aws_subnet.public[\"a\"]".into()
                ),
                (
                    "aws_subnet.edge[\"b\"]".into(),
                    "aws_subnet.public[\"b\"]".into()
                ),
            ],
            false
        ),
        "{plan:#}"
    );
    let run = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&run, 0);
    assert!(run.stdout.contains("2 moved"), "{run:?}");
    assert_eq!(recorded_id(&w, "aws_subnet.edge[\"a\"]"), ids[0]);
    assert_eq!(recorded_id(&w, "aws_subnet.edge[\"b\"]"), ids[1]);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    assert_eq!(subnet_ids(&w).await, before, "the same subnets in AWS");
}
