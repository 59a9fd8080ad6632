//! Conformance scenarios of storage, registry and audit: S3 objects, ECR lifecycle policies, log streams, WAFv2 web ACLs and associations, CloudTrail trails.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[
    "aws_s3_object",
    "aws_ecr_lifecycle_policy",
    "aws_cloudwatch_log_stream",
    "aws_wafv2_web_acl",
    "aws_wafv2_web_acl_association",
    "aws_cloudtrail",
];

/// An ECR lifecycle policy keeping `count` untagged images.
fn keep_untagged(priority: i64, count: i64) -> Json {
    json!({"rules": [{"rulePriority": priority, "description": "untagged",
        "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": count},
        "action": {"type": "expire"}}]})
}

/// A rule of a web ACL's visibility.
fn seen_as(metric: &str) -> Json {
    json!({"cloudwatch_metrics_enabled": true, "metric_name": metric, "sampled_requests_enabled": true})
}

/// The scenario runs on a thread of its own with a large stack: the SDK's deserializer of a
/// WAF rule statement (a deeply recursive shape) takes more stack in a debug build than a
/// test thread has.
#[test]
fn audit_types_conform() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(scenario())
        })
        .expect("thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

async fn scenario() {
    let owned = world().await;
    let w = &owned;
    let bucket = "conf-audit";
    w.s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .expect("bucket");
    // The policy CloudTrail needs to deliver to the bucket.
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": format!("arn:aws:s3:::{bucket}")},
        {"Sid": "Write", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/trail/AWSLogs/123456789012/*"),
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]});
    w.s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.to_string())
        .send()
        .await
        .expect("bucket policy");

    // An object of text content; a change of content uploads it again.
    let s3 = &w.s3;
    let object = Box::pin(conform(
        w,
        "aws_s3_object",
        json!({"bucket": bucket, "key": "site/index.html", "content": "<h1>hello</h1>",
               "content_type": "text/html", "metadata": {"owner": "conf"}, "tags": {"App": "conf"}}),
        Some(json!({"bucket": bucket, "key": "site/index.html", "content": "<h1>hello again</h1>",
               "content_type": "text/html", "cache_control": "max-age=60",
               "metadata": {"owner": "conf", "stage": "2"}, "tags": {"App": "conf", "Env": "t"}})),
        |key| async move {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(aws_sdk_s3::primitives::ByteStream::from_static(b"by hand"))
                .send()
                .await
                .expect("put object");
        },
        // Bytes that are no longer the configured content read as none: drift.
        |o| o.is_some_and(|o| o.inputs.get("content").is_none()),
    ))
    .await;
    assert_eq!(
        object.outputs["arn"],
        "arn:aws:s3:::conf-audit/site/index.html"
    );
    assert_eq!(
        object.inputs["etag"],
        json!("7d909037a76176adb749eda313187060"),
        "the MD5 of `by hand`"
    );
    // A file copied to the artifacts by its SHA-256, as the binary does.
    let bytes = b"body { color: teal }".to_vec();
    let hash = cairn_providers::s3_object::source_sha256(&bytes);
    let path = cairn_providers::s3_object::artifact_path(&artifacts_dir(), &hash).expect("hash");
    std::fs::create_dir_all(artifacts_dir()).expect("artifacts dir");
    std::fs::write(&path, &bytes).expect("write artifact");
    let config = normalized(
        "aws_s3_object",
        &json!({"bucket": bucket, "key": "site/style.css", "source": "style.css",
                "source_hash": hash, "content_base64": null, "content_type": "text/css"}),
    );
    let sourced = w
        .provider
        .create("aws_s3_object", &config, &ctx("aws_s3_object.css"))
        .await
        .expect("object from a file");
    assert_eq!(sourced.inputs["source_hash"], json!(hash));
    assert_eq!(sourced.inputs["source"], json!("style.css"));
    let again = read(w, "aws_s3_object", &sourced.id, &sourced.inputs).await;
    assert_eq!(again.as_ref(), Some(&sourced));
    w.provider
        .delete("aws_s3_object", &sourced, &ctx("aws_s3_object.css"))
        .await
        .expect("delete object from a file");

    // A lifecycle policy of a repository.
    let ecr = &aws_sdk_ecr::Client::new(&w.shared);
    ecr.create_repository()
        .repository_name("conf-audit")
        .send()
        .await
        .expect("repository");
    let lifecycle = Box::pin(conform(
        w,
        "aws_ecr_lifecycle_policy",
        json!({"repository": "conf-audit", "policy": keep_untagged(1, 5)}),
        Some(json!({"repository": "conf-audit", "policy": keep_untagged(1, 10).to_string()})),
        |repository| async move {
            ecr.put_lifecycle_policy()
                .repository_name(repository)
                .lifecycle_policy_text(keep_untagged(2, 3).to_string())
                .send()
                .await
                .expect("put lifecycle policy");
        },
        |o| o.is_some_and(|o| o.inputs["policy"]["rules"][0]["rulePriority"] == 2),
    ))
    .await;
    assert_eq!(lifecycle.outputs["registry_id"], "123456789012");

    // A log stream of a group.
    w.logs
        .create_log_group()
        .log_group_name("/conf/audit")
        .send()
        .await
        .expect("log group");
    let logs = &w.logs;
    let stream = Box::pin(conform(
        w,
        "aws_cloudwatch_log_stream",
        json!({"name": "app-1", "log_group_name": "/conf/audit"}),
        None,
        |name| async move {
            logs.delete_log_stream()
                .log_group_name("/conf/audit")
                .log_stream_name(name)
                .send()
                .await
                .expect("delete stream");
        },
        |o| o.is_none(),
    ))
    .await;
    assert_eq!(
        stream.outputs["arn"],
        "arn:aws:logs:us-east-1:123456789012:log-group:/conf/audit:log-stream:app-1"
    );

    // A web ACL of a managed rule group, then a rate limit too.
    let waf = &aws_sdk_wafv2::Client::new(&w.shared);
    let common = json!({"name": "common", "priority": 1, "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}},
        "visibility_config": seen_as("common")});
    let acl = Box::pin(conform(
        w,
        "aws_wafv2_web_acl",
        json!({"name": "conf-acl", "scope": "REGIONAL", "description": "api",
               "default_action": {"allow": {}}, "rule": [common],
               "visibility_config": seen_as("conf-acl"), "tags": {"App": "conf"}}),
        Some(json!({"name": "conf-acl", "scope": "REGIONAL", "description": "api",
               "default_action": {"block": {}},
               "rule": [
                   {"name": "rate", "priority": 2, "action": {"block": {}},
                    "statement": {"rate_based_statement": {"limit": 500,
                        "scope_down_statement": {"geo_match_statement": {"country_codes": ["NL"]}}}},
                    "visibility_config": seen_as("rate")},
                   {"name": "common", "priority": 1, "override_action": {"count": {}},
                    "statement": {"managed_rule_group_statement": {"name": "AWSManagedRulesCommonRuleSet",
                        "vendor_name": "AWS", "rule_action_override": [
                            {"name": "SizeRestrictions_BODY", "action_to_use": {"count": {}}}]}},
                    "visibility_config": seen_as("common")}],
               "visibility_config": seen_as("conf-acl"), "tags": {"App": "conf", "Env": "t"}})),
        |id| async move {
            let got = waf
                .get_web_acl()
                .id(&id)
                .name("conf-acl")
                .scope(aws_sdk_wafv2::types::Scope::Regional)
                .send()
                .await
                .expect("get web acl");
            let acl = got.web_acl().expect("acl");
            waf.update_web_acl()
                .id(&id)
                .name("conf-acl")
                .scope(aws_sdk_wafv2::types::Scope::Regional)
                .lock_token(got.lock_token().unwrap_or_default())
                .description("by hand")
                .set_default_action(acl.default_action().cloned())
                .set_rules(Some(acl.rules().to_vec()))
                .set_visibility_config(acl.visibility_config().cloned())
                .send()
                .await
                .expect("update web acl");
        },
        |o| o.is_some_and(|o| o.inputs["description"] == "by hand"),
    ))
    .await;
    let acl_arn = acl.outputs["arn"].as_str().expect("arn").to_string();
    assert!(acl_arn.contains(":regional/webacl/conf-acl/"), "{acl_arn}");
    let rate = acl.inputs["rule"]
        .as_array()
        .and_then(|rules| rules.iter().find(|r| r["name"] == "rate"))
        .expect("the rate rule");
    assert_eq!(
        rate["statement"]["rate_based_statement"]["aggregate_key_type"],
        "IP"
    );
    assert_eq!(
        rate["statement"]["rate_based_statement"]["evaluation_window_sec"],
        300
    );

    // The web ACL protecting a load balancer.
    let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/conf/0123456789abcdef";
    let association = Box::pin(conform(
        w,
        "aws_wafv2_web_acl_association",
        json!({"resource_arn": lb, "web_acl_arn": acl_arn}),
        None,
        |_| async move {
            waf.disassociate_web_acl()
                .resource_arn(lb)
                .send()
                .await
                .expect("disassociate");
        },
        |o| o.is_none(),
    ))
    .await;
    assert_eq!(association.id, format!("{acl_arn},{lb}"));

    // A trail, then one that logs S3 writes and stopped logging.
    let trail_client = &aws_sdk_cloudtrail::Client::new(&w.shared);
    let trail = Box::pin(conform(
        w,
        "aws_cloudtrail",
        json!({"name": "conf-trail", "s3_bucket_name": bucket, "s3_key_prefix": "trail",
               "tags": {"App": "conf"}}),
        Some(json!({"name": "conf-trail", "s3_bucket_name": bucket,
               "enable_log_file_validation": true, "enable_logging": false,
               "event_selector": [{"read_write_type": "WriteOnly", "data_resource": [
                   {"type": "AWS::S3::Object", "values": [format!("arn:aws:s3:::{bucket}/")]}]}],
               "tags": {"App": "conf", "Env": "t"}})),
        |_| async move {
            trail_client
                .start_logging()
                .name("conf-trail")
                .send()
                .await
                .expect("start logging");
        },
        |o| o.is_some_and(|o| o.inputs["enable_logging"] == true),
    ))
    .await;
    assert_eq!(
        trail.id,
        "arn:aws:cloudtrail:us-east-1:123456789012:trail/conf-trail"
    );
    assert_eq!(trail.outputs["home_region"], "us-east-1");
    assert!(
        trail.inputs.get("s3_key_prefix").is_none(),
        "{}",
        trail.inputs
    );

    Box::pin(delete(w, "aws_cloudtrail", &trail)).await;
    Box::pin(delete(w, "aws_wafv2_web_acl_association", &association)).await;
    Box::pin(delete(w, "aws_wafv2_web_acl", &acl)).await;
    Box::pin(delete(w, "aws_cloudwatch_log_stream", &stream)).await;
    Box::pin(delete(w, "aws_ecr_lifecycle_policy", &lifecycle)).await;
    Box::pin(delete(w, "aws_s3_object", &object)).await;
    w.assert_looked_up(TYPES);
}
