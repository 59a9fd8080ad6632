//! A Lambda function whose code is a directory of the stack: cairn zips it before planning,
//! so a plan shows a change of code (and only then) as a change of `source_code_hash`.

use crate::harness::{expect_code, World};

const STACK: &str = r#"
[stack]
name = "fn"

[provider.aws]
region = "us-east-1"

[aws_iam_role.exec]
name = "fn-exec"
assume_role_policy = { Version = "2012-10-17", Statement = [
  { Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" },
] }

[aws_lambda_function.api]
function_name = "fn-api"
role = "${aws_iam_role.exec.arn}"
runtime = "python3.12"
handler = "app.handler"
source = "src"
timeout = 10

[aws_lambda_function.api.environment.variables]
MODE = "test"

[output.code]
value = "${aws_lambda_function.api.source_code_hash}"
"#;

/// The attribute changes of the one change of a JSON plan: `(attribute, before, after)`.
fn changed(plan: &serde_json::Value) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let changes = plan["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{plan:#}");
    assert_eq!(changes[0]["address"], "aws_lambda_function.api", "{plan:#}");
    assert_eq!(changes[0]["action"], "update", "{plan:#}");
    changes[0]["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["path"].as_str().unwrap_or_default().to_string(),
                a["before"].clone(),
                a["after"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn code_changes_show_as_updates_of_the_source_code_hash_only() {
    let w = World::files(&[("main.toml", STACK)]);
    let src = w.path("src");
    std::fs::create_dir_all(src.join("lib")).expect("mkdir");
    std::fs::write(
        src.join("app.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .expect("write");
    std::fs::write(src.join("lib/util.py"), "X = 1\n").expect("write");

    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let quiet = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&quiet, 0);

    // What was uploaded is the zip cairn left in .cairn/artifacts.
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(w.moto().endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let lambda = aws_sdk_lambda::Client::new(&shared);
    let code_sha = |lambda: aws_sdk_lambda::Client| async move {
        lambda
            .get_function_configuration()
            .function_name("fn-api")
            .send()
            .await
            .expect("function")
            .code_sha256()
            .expect("CodeSha256")
            .to_string()
    };
    let first = code_sha(lambda.clone()).await;
    let artifact =
        cairn_providers::lambda::function::artifact_path(&w.path(".cairn/artifacts"), &first)
            .expect("a SHA-256");
    assert!(artifact.exists(), "{} is missing", artifact.display());
    let output = w.cairn(&["output", "code"]);
    assert!(output.stdout.contains(&first), "{output:?}");

    // Touching the files without changing them changes nothing.
    std::fs::write(
        src.join("app.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .expect("write");
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);

    // A change of code: an update of source_code_hash and nothing else.
    std::fs::write(src.join("lib/util.py"), "X = 2\n").expect("write");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    let attributes = changed(&plan);
    assert_eq!(attributes.len(), 1, "{attributes:?}");
    assert_eq!(attributes[0].0, "source_code_hash");
    assert_eq!(attributes[0].1, serde_json::json!(first));
    let second = attributes[0].2.as_str().expect("the new hash").to_string();
    assert_ne!(second, first);
    let human = w.cairn(&["plan"]);
    assert!(
        human.stdout.contains("~ aws_lambda_function.api"),
        "{human:?}"
    );
    assert!(human.stdout.contains("source_code_hash"), "{human:?}");

    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    assert_eq!(code_sha(lambda.clone()).await, second);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);

    // Back to the first files: back to the first zip, byte for byte.
    std::fs::write(src.join("lib/util.py"), "X = 1\n").expect("write");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        changed(&plan),
        vec![(
            "source_code_hash".to_string(),
            serde_json::json!(second),
            serde_json::json!(first)
        )]
    );

    // A source that is not there is an error that names the function and the path.
    w.edit("main.toml", "source = \"src\"", "source = \"missing\"");
    let run = w.cairn(&["plan"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("aws_lambda_function.api"), "{run:?}");
    assert!(run.stderr.contains("missing"), "{run:?}");
}
