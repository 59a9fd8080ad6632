//! Faults between cairn and AWS: throttling, 500 and 503 answers, connection resets and
//! latency injected by a proxy in front of moto. An apply converges through them with no
//! duplicate; retries are bounded; a permanent error fails fast with AWS's own message.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use cairn_testkit::{FaultKind, Faults, Proxy};

use crate::crash::inventory;
use crate::harness::{expect_code, serverless_inventory, Run, World};

/// Runs cairn in `w`'s stack with AWS reached through `proxy`, and extra environment.
fn cairn_via(w: &World, proxy: &Proxy, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.arg("-C").arg(w.dir.path()).args(args);
    for (k, v) in proxy.env() {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.env("NO_COLOR", "1").env_remove("AWS_PROFILE");
    let out = cmd.output().expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spydor_converges_through_one_call_in_five_failing_with_no_duplicate() {
    let w = World::example("spydor");
    let c = w.clients().await;
    let proxy = Proxy::start(&w.moto().endpoint());
    proxy.set(Faults {
        fail_rate: 0.2,
        kinds: vec![
            FaultKind::Throttle,
            FaultKind::ServerError,
            FaultKind::Unavailable,
            FaultKind::Reset,
        ],
        latency: Duration::from_millis(5),
        seed: 20,
        ..Faults::default()
    });
    let apply = cairn_via(&w, &proxy, &[], &["apply", "--auto-approve"]);
    expect_code(&apply, 0);
    let calls = proxy.calls();
    let injected: Vec<FaultKind> = calls.iter().filter_map(|c| c.injected).collect();
    eprintln!(
        "{} calls, {} answered with an injected fault",
        calls.len(),
        injected.len()
    );
    assert!(
        injected.len() * 10 >= calls.len(),
        "about one call in five failed: {} of {}",
        injected.len(),
        calls.len()
    );
    for kind in [
        FaultKind::Throttle,
        FaultKind::ServerError,
        FaultKind::Unavailable,
        FaultKind::Reset,
    ] {
        assert!(injected.contains(&kind), "{kind:?} was injected");
    }
    // Still through the faults: nothing left to do, and no drift.
    let plan = cairn_via(&w, &proxy, &[], &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    // Exactly one of each: what AWS holds, counted by type, is what state lists.
    let listed = w.cairn(&["state", "list"]);
    expect_code(&listed, 0);
    let mut recorded: BTreeMap<&str, usize> = BTreeMap::new();
    for address in listed.stdout.lines() {
        let rtype = address.split('.').next().unwrap_or_default();
        *recorded.entry(rtype).or_default() += 1;
    }
    assert_eq!(recorded.values().sum::<usize>(), 42);
    let mut held = inventory(&c).await;
    held.extend(serverless_inventory(&c).await);
    // The database's master password is a secret RDS makes and owns, not the stack.
    held.remove("aws_secretsmanager_secret");
    held.retain(|_, n| *n > 0);
    // A VPC's default security group and main route table are AWS's own, not counted.
    let recorded: BTreeMap<&str, usize> = recorded.into_iter().collect();
    assert_eq!(
        held.into_iter().collect::<BTreeMap<_, _>>(),
        recorded,
        "no duplicate anywhere"
    );
}

const SMALL: &str = r#"
[stack]
name = "faults"

[provider.aws]
region = "us-east-1"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.1.0/24"

[aws_s3_bucket.logs]
bucket = "faults-logs"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_call_is_retried_a_bounded_number_of_times_then_fails_with_awss_message() {
    let w = World::files(&[("stack.toml", SMALL)]);
    let proxy = Proxy::start(&w.moto().endpoint());
    proxy.set(Faults {
        always_fail: vec![("CreateSubnet".into(), FaultKind::Throttle)],
        ..Faults::default()
    });
    // AWS_MAX_ATTEMPTS (the SDKs' standard setting) keeps the test short; cairn's default
    // is 8 attempts.
    let apply = cairn_via(
        &w,
        &proxy,
        &[("AWS_MAX_ATTEMPTS", "3")],
        &["apply", "--auto-approve"],
    );
    expect_code(&apply, 1);
    assert!(
        apply.stderr.contains("RequestLimitExceeded"),
        "AWS's own error: {apply:?}"
    );
    let attempts = proxy
        .calls()
        .iter()
        .filter(|c| c.operation == "CreateSubnet")
        .count();
    assert_eq!(attempts, 3, "bounded: exactly the configured attempts");
    // Independent work completed, and the failed create left nothing behind.
    let state = w.cairn(&["state", "list"]);
    assert_eq!(
        state.stdout.lines().collect::<Vec<_>>(),
        ["aws_s3_bucket.logs", "aws_vpc.main"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_error_fails_at_once_with_awss_message() {
    let w = World::files(&[("stack.toml", &SMALL.replace("10.0.1.0/24", "10.9.1.0/24"))]);
    let proxy = Proxy::start(&w.moto().endpoint());
    let apply = cairn_via(&w, &proxy, &[], &["apply", "--auto-approve"]);
    expect_code(&apply, 1);
    assert!(
        apply.stderr.contains("InvalidSubnet.Range"),
        "AWS's own code and message: {apply:?}"
    );
    let attempts = proxy
        .calls()
        .iter()
        .filter(|c| c.operation == "CreateSubnet")
        .count();
    assert_eq!(attempts, 1, "a permanent error is not retried");
}
