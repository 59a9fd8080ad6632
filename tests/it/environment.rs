//! Failures of the environment are said once, plainly: no credentials, or AWS out of reach,
//! end a run with one short error, not one SDK dump per resource. And `CAIRN_LOG=debug`
//! shows each AWS call with the resource it is for, without a secret in it.

use crate::harness::{expect_code, World};

const STACK: &str = r#"
[stack]
name = "environment"

[variable.api_key]
type = "string"
sensitive = true

[aws_vpc.main]
cidr_block = "10.50.0.0/16"

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.50.1.0/24"

[aws_s3_bucket.logs]
bucket = "environment-logs"

[aws_ssm_parameter.api_key]
name = "/environment/api-key"
type = "SecureString"
value = "${var.api_key}"
"#;

const SECRET: &str = "s3cr3t-Zq9-never-logged";

/// An environment with no AWS credentials anywhere: none in variables, no profile files
/// (`home` stands for the user's home), no instance metadata.
fn without_credentials(home: &tempfile::TempDir) -> Vec<(&'static str, Option<String>)> {
    let nowhere = home.path().join("none").display().to_string();
    vec![
        ("AWS_ACCESS_KEY_ID", None),
        ("AWS_SECRET_ACCESS_KEY", None),
        ("AWS_SESSION_TOKEN", None),
        ("HOME", Some(home.path().display().to_string())),
        ("AWS_CONFIG_FILE", Some(nowhere.clone())),
        ("AWS_SHARED_CREDENTIALS_FILE", Some(nowhere)),
        ("AWS_EC2_METADATA_DISABLED", Some("true".into())),
    ]
}

fn applied() -> World {
    let w = World::files(&[("main.toml", STACK)]);
    let var = format!("api_key={SECRET}");
    expect_code(&w.cairn(&["apply", "--auto-approve", "--var", &var]), 0);
    w
}

#[test]
fn a_plan_without_credentials_says_so_once() {
    let w = applied();
    let home = tempfile::tempdir().expect("home");
    let var = format!("api_key={SECRET}");
    let run = w.cairn_env(&["plan", "--var", &var], &without_credentials(&home));
    // One short error for four resources of four types, saying what to do.
    run.check_snapshot("plan_without_credentials", &w);
}

#[test]
fn an_apply_without_credentials_stops_at_the_first_failure() {
    let w = World::files(&[("main.toml", STACK)]);
    let home = tempfile::tempdir().expect("home");
    let var = format!("api_key={SECRET}");
    // A new stack: nothing to refresh, so the first call is a create.
    let run = w.cairn_env(
        &[
            "apply",
            "--auto-approve",
            "--parallelism",
            "1",
            "--var",
            &var,
        ],
        &without_credentials(&home),
    );
    // One operation tried and failed, the rest not started, the reason said once.
    let stderr_errors = run.stderr.matches("no AWS credentials were found").count();
    assert_eq!(stderr_errors, 1, "{run:?}");
    assert_eq!(run.stdout.matches(" failed ").count(), 1, "{run:?}");
    run.check_snapshot("apply_without_credentials", &w);
}

#[test]
fn an_unreachable_endpoint_is_said_once() {
    let w = applied();
    let var = format!("api_key={SECRET}");
    let run = w.cairn_env(
        &["plan", "--var", &var],
        &[
            ("AWS_ENDPOINT_URL", Some("http://127.0.0.1:1")),
            ("AWS_MAX_ATTEMPTS", Some("1")),
        ],
    );
    run.check_snapshot("plan_with_aws_out_of_reach", &w);
}

#[test]
fn cairn_log_shows_each_aws_call_and_no_secret() {
    let w = World::files(&[("main.toml", STACK)]);
    let var = format!("api_key={SECRET}");
    let quiet = w.cairn(&["plan", "--var", &var]);
    expect_code(&quiet, 0);
    assert!(
        quiet.stderr.is_empty(),
        "nothing is logged by default: {quiet:?}"
    );

    let apply = w.cairn_env(
        &["apply", "--auto-approve", "--var", &var],
        &[("CAIRN_LOG", Some("trace"))],
    );
    expect_code(&apply, 0);
    for expected in [
        "create{address=aws_vpc.main}: cairn::aws: EC2.CreateVpc ok",
        "create{address=aws_ssm_parameter.api_key}: cairn::aws: SSM.PutParameter ok",
        "create{address=aws_s3_bucket.logs}: cairn::aws: S3.CreateBucket ok",
    ] {
        assert!(apply.stderr.contains(expected), "{expected:?} in {apply:?}");
    }
    assert!(apply.stderr.contains("request_id="), "{apply:?}");
    assert!(apply.stderr.contains("attempts=1"), "{apply:?}");
    assert!(!apply.stderr.contains(SECRET), "{apply:?}");

    // The most verbose level, through refresh, drift and destroy: the secret never shows.
    for command in [
        vec!["plan", "--var", &var],
        vec!["drift", "--var", &var],
        vec!["destroy", "--auto-approve", "--var", &var],
    ] {
        let run = w.cairn_env(&command, &[("CAIRN_LOG", Some("trace"))]);
        expect_code(&run, 0);
        assert!(run.stderr.contains("cairn::aws"), "{command:?} {run:?}");
        assert!(
            !run.stderr.contains(SECRET) && !run.stdout.contains(SECRET),
            "{command:?} {run:?}"
        );
    }
    let bad = w.cairn_env(
        &["validate", "--var", &var],
        &[("CAIRN_LOG", Some("debug[[["))],
    );
    expect_code(&bad, 1);
    assert!(bad.stderr.contains("CAIRN_LOG"), "{bad:?}");
}
