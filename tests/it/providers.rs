//! Provider aliases against moto: `[provider.aws.<alias>]` configurations, a resource's
//! `provider = "aws.<alias>"` and a module call's `providers`, plans that say where a change
//! runs, and a provider that changes replaces what it made.

use crate::harness::{expect_code, World};

const STACK: &str = r#"[stack]
name = "regions"

[provider.aws]
region = "us-east-1"

[provider.aws.west]
region = "us-west-2"
default_tags = { Side = "west" }

[aws_s3_bucket.east]
bucket = "regions-east"

[aws_s3_bucket.west]
provider = "aws.west"
bucket = "regions-west"

[module.far]
source = "./far"
providers = { aws = "aws.west" }
"#;

const FAR: &str = r#"[data.aws_region.here]

[aws_sqs_queue.q]
name = "far-${data.aws_region.here.name}"
"#;

async fn location(w: &World, bucket: &str) -> String {
    crate::harness::bucket_region(&w.clients().await.s3, bucket).await
}

#[tokio::test(flavor = "multi_thread")]
async fn aliased_providers_place_resources_and_plans_say_where() {
    let w = World::files(&[("main.toml", STACK), ("far/main.toml", FAR)]);
    let plan = w.cairn(&["plan"]);
    expect_code(&plan, 0);
    assert!(
        plan.stdout
            .contains("# aws_s3_bucket.west will be created on aws.west (new resource)"),
        "{plan:?}"
    );
    assert!(
        plan.stdout
            .contains("# aws_s3_bucket.east will be created (new resource)"),
        "{plan:?}"
    );
    assert!(
        plan.stdout
            .contains("# module.far.aws_sqs_queue.q will be created on aws.west (new resource)"),
        "{plan:?}"
    );
    let json = w.cairn(&["plan", "--format", "json"]).plan_json();
    let west = json["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "aws_s3_bucket.west"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(west["provider"], "aws.west");

    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    assert_eq!(location(&w, "regions-east").await, "us-east-1");
    assert_eq!(location(&w, "regions-west").await, "us-west-2");
    let c = w.clients().await;
    let tags =
        c.s3.get_bucket_tagging()
            .bucket("regions-west")
            .send()
            .await
            .expect("tags");
    assert!(
        tags.tag_set()
            .iter()
            .any(|t| t.key() == "Side" && t.value() == "west"),
        "the alias's default tags: {tags:?}"
    );
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    assert!(
        state.contains("far-us-west-2"),
        "the module's data source read in us-west-2"
    );

    // The provider of a resource changes: it is made again there.
    let text = std::fs::read_to_string(w.path("main.toml")).expect("read");
    std::fs::write(
        w.path("main.toml"),
        text.replace(
            "provider = \"aws.west\"\nbucket = \"regions-west\"",
            "bucket = \"regions-west\"",
        ),
    )
    .expect("write");
    let moved = w.cairn(&["plan"]);
    expect_code(&moved, 0);
    assert!(
        moved
            .stdout
            .contains("its provider changes from aws.west to aws"),
        "{moved:?}"
    );
    std::fs::write(w.path("main.toml"), &text).expect("write");

    // An alias nobody declared: a located error with the ones there are.
    std::fs::write(
        w.path("main.toml"),
        text.replace("provider = \"aws.west\"", "provider = \"aws.wets\""),
    )
    .expect("write");
    let bad = w.cairn(&["validate"]);
    expect_code(&bad, 1);
    assert!(
        bad.stderr
            .contains("main.toml:15:12: no provider `aws.wets`"),
        "{bad:?}"
    );
    assert!(bad.stderr.contains("did you mean `aws.west`?"), "{bad:?}");
    std::fs::write(w.path("main.toml"), &text).expect("write");

    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
    let c = w.clients().await;
    let left = c.s3.list_buckets().send().await.expect("buckets");
    assert!(
        !left
            .buckets()
            .iter()
            .any(|b| b.name().is_some_and(|n| n.starts_with("regions-"))),
        "{left:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_assumed_role_runs_in_the_role_s_account() {
    let w = World::files(&[(
        "main.toml",
        r#"[stack]
name = "accounts"

[provider.aws.audit]
region = "us-east-1"
assume_role = { role_arn = "arn:aws:iam::111111111111:role/deployer", session_name = "cairn-test", external_id = "x-1" }

[data.aws_caller_identity.me]

[data.aws_caller_identity.audit]
provider = "aws.audit"

[aws_sqs_queue.audit]
provider = "aws.audit"
name = "audit-${data.aws_caller_identity.audit.account_id}"

[output.accounts]
value = "${data.aws_caller_identity.me.account_id}/${data.aws_caller_identity.audit.account_id}"
"#,
    )]);
    let out = w.cairn(&["eval", "data.aws_caller_identity.audit.arn"]);
    expect_code(&out, 0);
    assert!(
        out.stdout.contains("111111111111") && out.stdout.contains("deployer/cairn-test"),
        "{out:?}"
    );
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let out = w.cairn(&["output", "accounts"]);
    assert_eq!(out.stdout.trim(), "123456789012/111111111111");
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    assert!(
        state.contains("arn:aws:sqs:us-east-1:111111111111:audit-111111111111"),
        "{state}"
    );
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}
