//! The S3 state backend against moto's S3: state written with conditional writes and
//! encrypted, one lock object shared by every runner (a second apply is refused at once with
//! exit code 3 and the holder's details), a lock left by a killed run cleared with
//! `force-unlock`, and state moved between a local file and S3 with `state push` / `pull`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cairn_testkit::{Faults, Proxy};

use crate::harness::{expect_code, World};

const BUCKET: &str = "acme-cairn-state";
const KEY: &str = "net/prod.json";

const STACK: &str = r#"
[stack]
name = "shared"

[provider.aws]
region = "us-east-1"

[variable.hint]
type = "string"
sensitive = true
default = "hunter2"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"
tags = { Name = "shared", Hint = "${var.hint}" }

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.1.0/24"

[aws_subnet.b]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.2.0/24"
"#;

const BACKEND: &str = r#"
[backend]
type = "s3"
bucket = "acme-cairn-state"
key = "net/prod.json"
"#;

/// Creates the state bucket (versioned, as the docs recommend).
pub(crate) async fn state_bucket(w: &World) -> aws_sdk_s3::Client {
    let s3 = w.s3().await;
    s3.create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .expect("bucket");
    s3.put_bucket_versioning()
        .bucket(BUCKET)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    s3
}

/// The state object as JSON.
async fn stored(s3: &aws_sdk_s3::Client) -> serde_json::Value {
    let object = s3
        .get_object()
        .bucket(BUCKET)
        .key(KEY)
        .send()
        .await
        .expect("state object");
    let bytes = object.body.collect().await.expect("body").into_bytes();
    serde_json::from_slice(&bytes).expect("the state object is a valid state")
}

async fn lock_exists(s3: &aws_sdk_s3::Client) -> bool {
    s3.head_object()
        .bucket(BUCKET)
        .key(format!("{KEY}.lock"))
        .send()
        .await
        .is_ok()
}

/// Starts `cairn <args>` with AWS reached through `proxy`.
fn spawn_via(w: &World, proxy: &Proxy, args: &[&str]) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.arg("-C").arg(w.dir.path()).args(args);
    for (k, v) in proxy.env() {
        cmd.env(k, v);
    }
    cmd.env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cairn")
}

async fn wait_for_lock(s3: &aws_sdk_s3::Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock_exists(s3).await {
        assert!(
            Instant::now() < deadline,
            "the first apply never took the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runners_share_one_s3_state_and_one_lock() {
    let w = World::files(&[("stack.toml", STACK), ("backend.toml", BACKEND)]);
    let s3 = state_bucket(&w).await;
    let proxy = Proxy::start(&w.moto().endpoint());
    proxy.set(Faults {
        mutating_latency: Duration::from_millis(400),
        ..Faults::default()
    });

    // A slow apply holds the lock; a second one is refused at once, naming the holder.
    let first = spawn_via(&w, &proxy, &["apply", "--auto-approve"]);
    wait_for_lock(&s3).await;
    let started = Instant::now();
    let second = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&second, 3);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "refused at once"
    );
    assert!(
        second.stderr.contains("locked by") && second.stderr.contains("running `apply`"),
        "{second:?}"
    );
    let out = first.wait_with_output().expect("first apply");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!lock_exists(&s3).await, "the lock is released at the end");

    // State lives in S3 only, encrypted, and lists exactly the stack's resources.
    assert!(!w.path(".cairn/state.json").exists());
    let head = s3
        .head_object()
        .bucket(BUCKET)
        .key(KEY)
        .send()
        .await
        .expect("head");
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
    );
    let state = stored(&s3).await;
    let lineage = state["lineage"].clone();
    assert_eq!(state["resources"].as_array().map(Vec::len), Some(3));
    assert!(
        !state.to_string().contains("hunter2"),
        "no secret in the state object"
    );
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let listed = w.cairn(&["state", "list"]);
    assert_eq!(
        listed.stdout.lines().collect::<Vec<_>>(),
        ["aws_subnet.a", "aws_subnet.b", "aws_vpc.main"]
    );

    // A run killed while it holds the lock leaves it: the next run is refused with the
    // lock's ID, `force-unlock ID` clears it, and the next apply finishes the work.
    let text = std::fs::read_to_string(w.path("stack.toml")).expect("stack");
    std::fs::write(
        w.path("stack.toml"),
        text.replace("10.0.2.0/24", "10.0.3.0/24"),
    )
    .expect("edit");
    let mut killed = spawn_via(&w, &proxy, &["apply", "--auto-approve"]);
    wait_for_lock(&s3).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let _ = killed.kill();
    let _ = killed.wait();
    let refused = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&refused, 3);
    let id = refused
        .stderr
        .split("force-unlock ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|id| id.trim_end_matches('`').to_string())
        .expect("the message names the lock ID");
    expect_code(&w.cairn(&["force-unlock", "wrong-id"]), 1);
    expect_code(&w.cairn(&["force-unlock", &id]), 0);
    let apply = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&apply, 0);
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let state = stored(&s3).await;
    assert_eq!(state["lineage"], lineage, "never forked");
    assert_eq!(state["resources"].as_array().map(Vec::len), Some(3));
    let subnets = w
        .ec2()
        .await
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(state["resources"][2]["id"].as_str().unwrap_or_default())
                .build(),
        )
        .send()
        .await
        .expect("subnets");
    assert_eq!(subnets.subnets().len(), 2, "no leftover subnet");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_moves_from_a_local_file_to_s3_and_back() {
    let w = World::files(&[("stack.toml", STACK)]);
    let s3 = state_bucket(&w).await;
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let local: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path(".cairn/state.json")).expect("local state"),
    )
    .expect("json");

    // To S3: add [backend], push the local file (its digest key goes along).
    std::fs::write(w.path("backend.toml"), BACKEND).expect("backend");
    let local_file = w.path(".cairn/state.json");
    let local_file = local_file.to_str().expect("path");
    let push = w.cairn(&["state", "push", local_file]);
    expect_code(&push, 0);
    let state = stored(&s3).await;
    assert_eq!(state["lineage"], local["lineage"]);
    assert_eq!(state["resources"], local["resources"]);
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "same state and same digest key: nothing to do: {plan:?}"
    );

    // An older copy is refused unless forced; the stored state is unchanged.
    let older = w.path("older.json");
    // An older copy, edited by hand (so without the checksum it no longer matches).
    let mut old = local.clone();
    old["serial"] = serde_json::json!(1);
    if let Some(fields) = old.as_object_mut() {
        fields.remove("checksum");
    }
    std::fs::write(&older, old.to_string()).expect("older");
    let refused = w.cairn(&["state", "push", older.to_str().expect("path")]);
    expect_code(&refused, 1);
    assert!(refused.stderr.contains("--force"), "{refused:?}");
    assert_eq!(stored(&s3).await, state);

    // And back: pull into a fresh local state, drop [backend], plan from the file.
    let pulled = w.cairn(&["state", "pull"]);
    expect_code(&pulled, 0);
    assert_eq!(pulled.json(), state);
    std::fs::remove_dir_all(w.path(".cairn")).expect("clear local");
    expect_code(&w.cairn(&["state", "pull", local_file]), 0);
    std::fs::remove_file(w.path("backend.toml")).expect("drop backend");
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{plan:?}");
}
