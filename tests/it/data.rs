//! Data sources against moto: read while planning, used by resources, never written to
//! AWS or state; an IAM policy document over an ARN known only after apply; what a data
//! source cannot find (or finds several of) is an error at its table.

use crate::harness::{expect_code, World};

const READER: &str = r#"[stack]
name = "reader"

[data.aws_caller_identity.me]

[data.aws_region.here]

[data.aws_partition.current]

[data.aws_availability_zones.zones]
state = "available"

[aws_vpc.main]
cidr_block = "10.30.0.0/16"
tags = { Account = "${data.aws_caller_identity.me.account_id}", Region = "${data.aws_region.here.name}", Team = "data" }

[aws_subnet.app]
count = 2
vpc_id = "${aws_vpc.main.id}"
availability_zone = "${data.aws_availability_zones.zones.names[count.index]}"
cidr_block = "${cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)}"

[aws_sqs_queue.jobs]
name = "jobs"

[data.aws_iam_policy_document.jobs]
statement = [
  { sid = "TLSOnly", effect = "Deny", actions = ["sqs:*"], resources = ["${aws_sqs_queue.jobs.arn}"],
    principals = [{ type = "*", identifiers = ["*"] }],
    condition = [{ test = "Bool", variable = "aws:SecureTransport", values = ["false"] }] },
  { sid = "Account", actions = ["sqs:SendMessage"], resources = ["${aws_sqs_queue.jobs.arn}"],
    principals = [{ type = "AWS", identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.me.account_id}:root"] }] },
]

[aws_sqs_queue_policy.jobs]
queue_url = "${aws_sqs_queue.jobs.url}"
policy = "${data.aws_iam_policy_document.jobs.json}"

[output.account]
value = "${data.aws_caller_identity.me.account_id}"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn data_sources_feed_resources_and_replan_empty() {
    let w = World::files(&[("main.toml", READER)]);
    let plan = w.cairn(&["plan"]);
    expect_code(&plan, 0);
    assert!(
        plan.stdout.contains("\"123456789012\"") && plan.stdout.contains("\"us-east-1a\""),
        "the account and the zones are read while planning: {plan:?}"
    );
    assert!(
        plan.stdout.contains("Read while planning:\n")
            && plan.stdout.contains(
                "  data.aws_caller_identity.me (used by aws_sqs_queue_policy.jobs, aws_vpc.main)\n"
            ),
        "{plan:?}"
    );
    let json = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert!(
        json["data_sources"].as_array().is_some_and(|d| d
            .iter()
            .any(|d| d["address"] == "data.aws_availability_zones.zones")),
        "{json:#}"
    );
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let again = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&again, 0);
    assert!(
        !again.stdout.contains("Read while planning"),
        "nothing is fed when nothing changes: {again:?}"
    );

    let c = w.clients().await;
    let vpcs = c.ec2.describe_vpcs().send().await.expect("vpcs");
    let ours = vpcs
        .vpcs()
        .iter()
        .find(|v| v.cidr_block() == Some("10.30.0.0/16"))
        .expect("the VPC");
    let tag = |k: &str| {
        ours.tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
            .map(str::to_string)
    };
    assert_eq!(tag("Account").as_deref(), Some("123456789012"));
    assert_eq!(tag("Region").as_deref(), Some("us-east-1"));
    let url = c
        .sqs
        .get_queue_url()
        .queue_name("jobs")
        .send()
        .await
        .expect("queue")
        .queue_url()
        .unwrap_or_default()
        .to_string();
    let attrs = c
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::Policy)
        .send()
        .await
        .expect("attributes");
    let policy = attrs
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::Policy))
        .cloned()
        .unwrap_or_default();
    assert!(
        policy.contains("aws:SecureTransport")
            && policy.contains("arn:aws:sqs:us-east-1:123456789012:jobs"),
        "{policy}"
    );

    // Nothing of a data source is in state.
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    assert!(!state.contains("data.aws_"), "{state}");
    let out = w.cairn(&["eval", "data.aws_caller_identity.me.account_id"]);
    expect_code(&out, 0);
    assert_eq!(out.stdout.trim(), "123456789012");
    let out = w.cairn(&["output", "account"]);
    expect_code(&out, 0);
    assert_eq!(out.stdout.trim(), "123456789012");
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_data_source_cannot_find_is_an_error_at_its_table() {
    let w = World::files(&[(
        "main.toml",
        "[stack]\nname = \"finder\"\n\n[aws_vpc.a]\ncidr_block = \"10.40.0.0/16\"\ntags = { Team = \"twice\" }\n\n[aws_vpc.b]\ncidr_block = \"10.41.0.0/16\"\ntags = { Team = \"twice\" }\n",
    )]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    std::fs::write(
        w.path("lookups.toml"),
        "[data.aws_vpc.none]\ntags = { Team = \"nobody\" }\n\n[data.aws_vpc.two]\ntags = { Team = \"twice\" }\n\n[aws_s3_bucket.b]\nbucket = \"b-${data.aws_vpc.none.id}-${data.aws_vpc.two.id}\"\n",
    )
    .expect("write");
    let run = w.cairn(&["plan"]);
    expect_code(&run, 1);
    for want in [
        "lookups.toml:1:15: reading data.aws_vpc.none: no VPC with tag Team = \"nobody\"",
        "lookups.toml:4:15: reading data.aws_vpc.two: 2 VPCs with tag Team = \"twice\"",
    ] {
        assert!(run.stderr.contains(want), "{want}\n{run:?}");
    }
    // A data source that waits for a resource of the stack: refused before any AWS call.
    std::fs::write(
        w.path("lookups.toml"),
        "[data.aws_subnets.mine]\nfilter = [{ name = \"vpc-id\", values = [\"${aws_vpc.a.id}\"] }]\n",
    )
    .expect("write");
    let run = w.cairn(&["validate"]);
    expect_code(&run, 1);
    assert!(
        run.stderr.contains("lookups.toml:2:10: `data.aws_subnets.mine` reads while planning, and `aws_vpc.a` is a resource of this stack"),
        "{run:?}"
    );
    std::fs::remove_file(w.path("lookups.toml")).expect("remove");
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}

const NETWORK: &str = r#"[stack]
name = "net"

[aws_vpc.main]
cidr_block = "10.50.0.0/16"

[aws_subnet.app]
count = 2
vpc_id = "${aws_vpc.main.id}"
cidr_block = "${cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)}"

[output.vpc_id]
value = "${aws_vpc.main.id}"

[output.subnet_ids]
value = "${aws_subnet.app[*].id}"

[output.cidr]
value = "${aws_vpc.main.cidr_block}"

[output.secret]
value = "${aws_vpc.main.id}"
sensitive = true
"#;

const APP: &str = r#"[stack]
name = "app"

[data.cairn_stack.network]
path = "../network"

[aws_security_group.web]
name = "web"
vpc_id = "${data.cairn_stack.network.outputs.vpc_id}"
ingress = [{ protocol = "tcp", from_port = 443, to_port = 443, cidr_blocks = ["${data.cairn_stack.network.outputs.cidr}"] }]

[aws_subnet.extra]
vpc_id = "${data.cairn_stack.network.outputs.vpc_id}"
cidr_block = "${cidrsubnet(data.cairn_stack.network.outputs.cidr, 8, 10)}"
tags = { Siblings = "${join(\",\", data.cairn_stack.network.outputs.subnet_ids)}" }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn stacks_joined_by_a_stack_reference_apply_replan_empty_and_destroy_in_order() {
    let w = World::files(&[("network/main.toml", NETWORK), ("app/main.toml", APP)]);
    // Before the network stack is applied there is nothing to read.
    let early = w.cairn_in("app", &["plan"]);
    expect_code(&early, 1);
    assert!(
        early.stderr.contains("has no state yet: apply it first"),
        "{early:?}"
    );

    expect_code(&w.cairn_in("network", &["apply", "--auto-approve"]), 0);
    // Read without the other stack's lock: a holder of the network's lock does not block.
    let mut holder = crate::locking::hold_lock(&w.path("network"));
    let apply = w.cairn_in("app", &["apply", "--auto-approve"]);
    holder.kill().ok();
    holder.wait().ok();
    expect_code(&apply, 0);
    expect_code(&w.cairn_in("app", &["plan", "--detailed-exitcode"]), 0);
    expect_code(&w.cairn_in("network", &["plan", "--detailed-exitcode"]), 0);

    let c = w.clients().await;
    let groups = c
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("web")
                .build(),
        )
        .send()
        .await
        .expect("groups");
    let vpc_out = w.cairn_in("network", &["output", "vpc_id"]);
    assert_eq!(
        groups.security_groups().first().and_then(|g| g.vpc_id()),
        Some(vpc_out.stdout.trim()),
        "the group is in the network stack's VPC"
    );

    // A missing output and a sensitive one: errors at the data source.
    let app = w.path("app/main.toml");
    let text = std::fs::read_to_string(&app).expect("read");
    std::fs::write(
        &app,
        format!("{text}\n[output.oops]\nvalue = \"${{data.cairn_stack.network.outputs.vpc}}\"\n\n[output.peek]\nvalue = \"${{data.cairn_stack.network.outputs.secret}}\"\n"),
    )
    .expect("write");
    let run = w.cairn_in("app", &["plan"]);
    expect_code(&run, 1);
    assert!(
        run.stderr.contains("main.toml:4:19: reading data.cairn_stack.network: the stack has no output `vpc` (it has: cidr, secret, subnet_ids, vpc_id); used by output.oops"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("output `secret` is sensitive: cairn keeps only a digest of it in state"),
        "{run:?}"
    );
    std::fs::write(&app, text).expect("write");

    expect_code(&w.cairn_in("app", &["destroy", "--auto-approve"]), 0);
    expect_code(&w.cairn_in("network", &["destroy", "--auto-approve"]), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_reference_reads_a_state_in_s3() {
    let network = format!(
        "{NETWORK}\n[backend]\ntype = \"s3\"\nbucket = \"acme-cairn-state\"\nkey = \"net/prod.json\"\n"
    );
    let app = "[stack]\nname = \"app\"\n\n[data.cairn_stack.network]\nbackend = { type = \"s3\", bucket = \"acme-cairn-state\", key = \"net/prod.json\" }\n\n[output.vpc]\nvalue = \"${data.cairn_stack.network.outputs.vpc_id}\"\n";
    let w = World::files(&[("network/main.toml", &network), ("app/main.toml", app)]);
    crate::s3_backend::state_bucket(&w).await;
    expect_code(&w.cairn_in("network", &["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn_in("app", &["apply", "--auto-approve"]), 0);
    let theirs = w.cairn_in("network", &["output", "vpc_id"]);
    let ours = w.cairn_in("app", &["output", "vpc"]);
    assert!(theirs.stdout.starts_with("vpc-"), "{theirs:?}");
    assert_eq!(ours.stdout, theirs.stdout);
    expect_code(&w.cairn_in("app", &["plan", "--detailed-exitcode"]), 0);
}
