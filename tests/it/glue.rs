//! The "glue" a pipeline needs to do its job, end to end on moto: an S3 bucket notifies an SQS
//! queue (allowed by the queue's policy) of new objects, and S3 objects are uploaded from text
//! and from a local file that cairn hashes, so that only a file whose bytes changed is
//! uploaded again.

use crate::harness::{expect_code, World};

const STACK: &str = r#"
[stack]
name = "glue"

[provider.aws]
region = "us-east-1"

[aws_s3_bucket.uploads]
bucket = "glue-uploads"
force_destroy = true

[aws_sqs_queue.uploads]
name = "glue-uploads"

[aws_sqs_queue_policy.uploads]
queue_url = "${aws_sqs_queue.uploads.url}"
policy = { Version = "2012-10-17", Statement = [
  { Effect = "Allow", Principal = { Service = "s3.amazonaws.com" }, Action = "sqs:SendMessage", Resource = "${aws_sqs_queue.uploads.arn}", Condition = { ArnEquals = { "aws:SourceArn" = "${aws_s3_bucket.uploads.arn}" } } },
] }

[aws_s3_bucket_notification.uploads]
bucket = "${aws_s3_bucket.uploads.id}"
queue = [{ queue_arn = "${aws_sqs_queue.uploads.arn}", events = ["s3:ObjectCreated:*"], filter_prefix = "incoming/" }]
depends_on = ["aws_sqs_queue_policy.uploads"]

[aws_s3_object.readme]
bucket = "${aws_s3_bucket.uploads.id}"
key = "incoming/readme.txt"
source = "files/readme.txt"
content_type = "text/plain"
depends_on = ["aws_s3_bucket_notification.uploads"]

[aws_s3_object.settings]
bucket = "${aws_s3_bucket.uploads.id}"
key = "config/settings.json"
content = '${jsonencode({ mode = "test" })}'
content_type = "application/json"
"#;

/// The `(address, action)` of each change of a JSON plan that is not a no-op.
fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default().to_string(),
                c["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .filter(|(_, a)| a != "no-op")
        .collect()
}

async fn object_text(c: &crate::harness::Clients, key: &str) -> String {
    let got =
        c.s3.get_object()
            .bucket("glue-uploads")
            .key(key)
            .send()
            .await
            .expect("get object");
    let bytes = got.body.collect().await.expect("body").into_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_notifies_its_queue_and_objects_upload_only_when_their_bytes_change() {
    let w = World::files(&[
        ("main.toml", STACK),
        ("files/readme.txt", "first version\n"),
    ]);
    let c = w.clients().await;
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let again = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        object_text(&c, "incoming/readme.txt").await,
        "first version\n"
    );
    assert_eq!(
        object_text(&c, "config/settings.json").await,
        r#"{"mode":"test"}"#
    );

    // The upload under incoming/ reached the queue: the notification and the policy work.
    let url = c
        .sqs
        .get_queue_url()
        .queue_name("glue-uploads")
        .send()
        .await
        .expect("queue url")
        .queue_url()
        .unwrap_or_default()
        .to_string();
    let received = c
        .sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<&str> = received
        .messages()
        .iter()
        .filter_map(|m| m.body())
        .collect();
    // Keys are URL-encoded in S3's events.
    let created: Vec<&&str> = bodies
        .iter()
        .filter(|b| b.contains("ObjectCreated"))
        .collect();
    assert!(
        created.iter().any(|b| b.contains("readme.txt")),
        "{bodies:?}"
    );
    assert!(
        !created.iter().any(|b| b.contains("settings.json")),
        "only incoming/ notifies: {bodies:?}"
    );

    // The same bytes written again change nothing; other bytes are one update of the hash.
    std::fs::write(w.path("files/readme.txt"), "first version\n").expect("rewrite");
    let same = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(same.code, 0, "{same:?}");
    std::fs::write(w.path("files/readme.txt"), "second version\n").expect("edit");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    assert_eq!(
        actions(&plan),
        [("aws_s3_object.readme".to_string(), "update".to_string())],
        "{plan:#}"
    );
    let attributes: Vec<&str> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == "aws_s3_object.readme")
        .and_then(|c| c["attributes"].as_array())
        .expect("attributes")
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect();
    assert_eq!(attributes, ["source_hash"], "{plan:#}");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    assert_eq!(
        object_text(&c, "incoming/readme.txt").await,
        "second version\n"
    );
    let again = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");

    // An object overwritten outside cairn is drift, and the next apply puts it back.
    c.s3.put_object()
        .bucket("glue-uploads")
        .key("config/settings.json")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
        .send()
        .await
        .expect("overwrite");
    let drift = w.cairn(&["drift"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(drift.stdout.contains("aws_s3_object.settings"), "{drift:?}");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    assert_eq!(
        object_text(&c, "config/settings.json").await,
        r#"{"mode":"test"}"#
    );

    // A missing file is an error at the object's declaration, before anything is planned.
    std::fs::remove_file(w.path("files/readme.txt")).expect("remove");
    let missing = w.cairn(&["plan"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.contains("main.toml:")
            && missing.stderr.contains("source `files/readme.txt`"),
        "{missing:?}"
    );
    std::fs::write(w.path("files/readme.txt"), "second version\n").expect("restore");

    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
    let buckets = c.s3.list_buckets().send().await.expect("buckets");
    assert!(buckets.buckets().is_empty(), "{buckets:?}");
}
