//! The serverless seeds' data and secrets layer (Seren's job table, queue, dead-letter queue,
//! KMS key and API key parameter; Phoney's credentials secret) through the binary: apply,
//! an empty re-plan and drift, no secret on disk, a value changed by hand seen as drift and
//! put back, and a destroy that leaves nothing.

use std::path::Path;

use crate::harness::{expect_code, serverless_leaves_nothing, World};

const STACK: &str = r#"
[stack]
name = "seren"

[provider.aws]
region = "us-east-1"
default_tags = { Project = "seren" }

[variable.api_key]
type = "string"
sensitive = true

[aws_kms_key.credentials]
description = "seren job credentials"
enable_key_rotation = true
deletion_window_in_days = 7

[aws_kms_alias.credentials]
name = "alias/seren-credentials"
target_key_id = "${aws_kms_key.credentials.key_id}"

[aws_dynamodb_table.jobs]
name = "replication-jobs"
hash_key = "job_id"
attribute = [{ name = "job_id", type = "S" }, { name = "status", type = "S" }]
global_secondary_index = [{ name = "ByStatus", hash_key = "status", projection_type = "KEYS_ONLY" }]
ttl = { attribute_name = "expires_at", enabled = true }
point_in_time_recovery = { enabled = true }
server_side_encryption = { enabled = true, kms_key_arn = "${aws_kms_key.credentials.arn}" }

[aws_sqs_queue.dlq]
name = "seren-provisioning-dlq"
message_retention_seconds = 1209600

[aws_sqs_queue.provisioning]
name = "seren-provisioning"
visibility_timeout_seconds = 300
redrive_policy = { deadLetterTargetArn = "${aws_sqs_queue.dlq.arn}", maxReceiveCount = 3 }
kms_master_key_id = "${aws_kms_alias.credentials.id}"

[aws_ssm_parameter.api_key]
name = "/seren-replication/api-key"
type = "SecureString"
value = "${var.api_key}"
key_id = "${aws_kms_key.credentials.arn}"

[aws_secretsmanager_secret.credentials]
name = "phoney/prod/credentials"
recovery_window_in_days = 0

[aws_secretsmanager_secret_version.credentials]
secret_id = "${aws_secretsmanager_secret.credentials.arn}"
secret_string = "{\"jwt_secret\":\"${var.api_key}-jwt\"}"

[output.queue_url]
value = "${aws_sqs_queue.provisioning.url}"

[output.table_arn]
value = "${aws_dynamodb_table.jobs.arn}"
"#;

const SECRET: &str = "sk-Seren-7f3a9";

/// Every file under `dir` except the stack's own TOML files.
fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_none_or(|e| e != "toml") {
            out.push(path);
        }
    }
}

#[tokio::test]
async fn the_data_and_secrets_layer_applies_replans_empty_and_destroys() {
    let w = World::files(&[("main.toml", STACK)]);
    let c = w.clients().await;
    let var = format!("api_key={SECRET}");
    let apply = w.cairn(&["apply", "--auto-approve", "--var", &var]);
    expect_code(&apply, 0);
    assert!(!apply.stdout.contains(SECRET), "{apply:?}");
    let plan = w.cairn(&["plan", "--detailed-exitcode", "--var", &var]);
    assert_eq!(plan.code, 0, "a fresh apply re-plans empty: {plan:?}");
    let drift = w.cairn(&["drift", "--var", &var]);
    assert_eq!(drift.code, 0, "no drift, nothing unmanaged: {drift:?}");

    // The parameter and the secret hold the value; state and every file beside it do not.
    let param = c
        .ssm
        .get_parameter()
        .name("/seren-replication/api-key")
        .with_decryption(true)
        .send()
        .await
        .expect("parameter");
    assert_eq!(param.parameter().and_then(|p| p.value()), Some(SECRET));
    let value = c
        .secretsmanager
        .get_secret_value()
        .secret_id("phoney/prod/credentials")
        .send()
        .await
        .expect("secret value");
    assert_eq!(
        value.secret_string(),
        Some(format!("{{\"jwt_secret\":\"{SECRET}-jwt\"}}").as_str())
    );
    let mut on_disk = Vec::new();
    files(w.dir.path(), &mut on_disk);
    for path in &on_disk {
        let text = String::from_utf8_lossy(&std::fs::read(path).expect("read")).into_owned();
        assert!(!text.contains(SECRET), "secret in {}", path.display());
    }

    // A value changed by hand is drift (shown as sensitive), and apply puts it back.
    c.ssm
        .put_parameter()
        .name("/seren-replication/api-key")
        .value("typed-by-hand")
        .overwrite(true)
        .send()
        .await
        .expect("put parameter");
    let drift = w.cairn(&["drift", "--var", &var, "--format", "json"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(!drift.stdout.contains("typed-by-hand"), "{drift:?}");
    assert!(
        drift.stdout.contains("aws_ssm_parameter.api_key"),
        "{drift:?}"
    );
    let apply = w.cairn(&["apply", "--auto-approve", "--var", &var]);
    expect_code(&apply, 0);
    let param = c
        .ssm
        .get_parameter()
        .name("/seren-replication/api-key")
        .with_decryption(true)
        .send()
        .await
        .expect("parameter");
    assert_eq!(param.parameter().and_then(|p| p.value()), Some(SECRET));
    let plan = w.cairn(&["plan", "--detailed-exitcode", "--var", &var]);
    assert_eq!(plan.code, 0, "{plan:?}");

    // A new secret value is a new version.
    let other = "api_key=sk-rotated";
    let plan = w.cairn(&["plan", "--var", other, "--format", "json"]);
    expect_code(&plan, 0);
    let plan = plan.plan_json();
    let action = |address: &str| {
        plan["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .find(|c| c["address"] == address)
            .map(|c| c["action"].clone())
    };
    assert_eq!(
        action("aws_secretsmanager_secret_version.credentials"),
        Some("replace".into())
    );
    assert_eq!(action("aws_ssm_parameter.api_key"), Some("update".into()));

    let destroy = w.cairn(&["destroy", "--auto-approve", "--var", &var]);
    expect_code(&destroy, 0);
    serverless_leaves_nothing(&c).await;
    let drift = w.cairn(&["drift", "--var", &var]);
    assert_eq!(
        drift.code, 0,
        "nothing left tagged for the stack: {drift:?}"
    );
}
