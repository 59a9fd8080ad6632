//! Conformance scenarios of scaling and messaging: Application Auto Scaling targets and policies, SNS topics, subscriptions and policies, S3 bucket notifications.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[
    "aws_sns_topic",
    "aws_sns_topic_subscription",
    "aws_sns_topic_policy",
    "aws_s3_bucket_notification",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
];

/// This file's types whose name cairn may generate (see `GENERATED_NAMES`).
pub const GENERATED_NAMES: &[&str] = &["aws_sns_topic"];

const SNS_TYPES: &[&str] = &[
    "aws_sns_topic",
    "aws_sns_topic_subscription",
    "aws_sns_topic_policy",
    "aws_s3_bucket_notification",
];
const SCALING_TYPES: &[&str] = &["aws_appautoscaling_target", "aws_appautoscaling_policy"];

/// A topic, its policy and its subscriptions (an SQS queue, a Lambda function); a bucket
/// that sends its events to a queue (allowed by the queue's policy) and to the topic.
#[tokio::test]
async fn topics_subscriptions_and_bucket_notifications_conform() {
    let owned = world().await;
    let w = &owned;
    let sns = aws_sdk_sns::Client::new(&w.shared);
    let sns = &sns;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };

    let topic = conform(
        w,
        "aws_sns_topic",
        json!({"name": "alerts", "display_name": "Alerts", "tags": {"App": "conf"}}),
        Some(
            json!({"name": "alerts", "display_name": "Alerts!", "tracing_config": "Active",
               "signature_version": 2, "kms_master_key_id": "alias/aws/sns",
               "delivery_policy": {"http": {"defaultHealthyRetryPolicy": {"numRetries": 3}}},
               "tags": {"App": "conf", "Env": "t"}}),
        ),
        |arn| async move {
            sns.set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("DisplayName")
                .attribute_value("ops")
                .send()
                .await
                .expect("set display name");
        },
        |o| o.is_some_and(|o| o.inputs["display_name"] == "ops"),
    )
    .await;
    let topic_arn = topic.outputs["arn"].as_str().expect("arn").to_string();
    assert_eq!(topic_arn, "arn:aws:sns:us-east-1:123456789012:alerts");
    assert_eq!(topic.id, topic_arn);
    assert_eq!(topic.outputs["owner"], "123456789012");
    // With no policy configured, a read shows the one AWS gave the topic.
    assert_eq!(topic.inputs["policy"]["Id"], "__default_policy_ID");

    // A FIFO topic, deduplicating by content; its policy given at create.
    let fifo_policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "own", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sns:Publish",
        "Resource": "arn:aws:sns:us-east-1:123456789012:orders.fifo"}]});
    let fifo_config = json!({"name": "orders.fifo", "fifo_topic": true,
        "content_based_deduplication": true, "policy": fifo_policy});
    let fifo = create("aws_sns_topic", fifo_config.clone()).await;
    assert_round_trip("aws_sns_topic", &fifo_config, &fifo);
    assert_no_changes("aws_sns_topic", &fifo_config, &fifo);

    // The topic's policy, kept apart from it.
    let allow = |sid: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish",
            "Resource": topic_arn}]})
    };
    let console = allow("console").to_string();
    let policy = conform(
        w,
        "aws_sns_topic_policy",
        json!({"arn": topic_arn, "policy": allow("s3")}),
        Some(json!({"arn": topic_arn, "policy": allow("bucket").to_string()})),
        |arn| async move {
            sns.set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("Policy")
                .attribute_value(console)
                .send()
                .await
                .expect("set policy");
        },
        |o| o.is_some_and(|o| o.inputs["policy"]["Statement"][0]["Sid"] == "console"),
    )
    .await;
    assert_eq!(policy.outputs["owner"], "123456789012");

    // A queue that lets the topic and the bucket send to it.
    let queue = create("aws_sqs_queue", json!({"name": "notes"})).await;
    let queue_arn = queue.outputs["arn"].as_str().expect("arn").to_string();
    let queue_policy = create(
        "aws_sqs_queue_policy",
        json!({"queue_url": queue.id, "policy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
             "Action": "sqs:SendMessage", "Resource": queue_arn},
            {"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
             "Action": "sqs:SendMessage", "Resource": queue_arn,
             "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}}),
    )
    .await;

    let subscription = conform(
        w,
        "aws_sns_topic_subscription",
        json!({"topic_arn": topic_arn, "protocol": "sqs", "endpoint": queue_arn,
               "raw_message_delivery": true}),
        Some(json!({"topic_arn": topic_arn, "protocol": "sqs", "endpoint": queue_arn,
               "filter_policy": {"kind": ["alert", "page"]}, "filter_policy_scope": "MessageAttributes"})),
        |arn| async move {
            sns.set_subscription_attributes()
                .subscription_arn(&arn)
                .attribute_name("RawMessageDelivery")
                .attribute_value("true")
                .send()
                .await
                .expect("set raw delivery");
        },
        |o| o.is_some_and(|o| o.inputs["raw_message_delivery"] == true),
    )
    .await;
    assert!(
        subscription.id.starts_with(&format!("{topic_arn}:")),
        "{}",
        subscription.id
    );
    assert_eq!(subscription.outputs["arn"], json!(subscription.id));
    assert_eq!(subscription.outputs["owner_id"], "123456789012");
    assert_eq!(subscription.outputs["pending_confirmation"], false);
    assert_eq!(
        subscription.inputs["filter_policy"],
        json!({"kind": ["alert", "page"]})
    );
    // What the topic publishes arrives in the queue, filtered.
    sns.publish()
        .topic_arn(&topic_arn)
        .message("disk full")
        .message_attributes(
            "kind",
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("alert")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect("publish");
    let got = w
        .sqs
        .receive_message()
        .queue_url(&queue.id)
        .send()
        .await
        .expect("receive");
    assert_eq!(got.messages().len(), 1, "{got:?}");

    // A Lambda function's subscription.
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = create(
        "aws_iam_role",
        json!({"name": "notes-fn", "assume_role_policy": trust}),
    )
    .await;
    let function = create(
        "aws_lambda_function",
        json!({"function_name": "notes-fn", "role": role.outputs["arn"], "runtime": "python3.12",
               "handler": "index.handler", "source": "fn",
               "source_code_hash": stage(&zip_of(&[("index.py", "def handler(e, c):\n    return 1\n")]))}),
    )
    .await;
    let function_arn = function.outputs["arn"].as_str().expect("arn").to_string();
    let to_function =
        json!({"topic_arn": topic_arn, "protocol": "lambda", "endpoint": function_arn});
    let lambda_subscription = create("aws_sns_topic_subscription", to_function.clone()).await;
    assert_round_trip(
        "aws_sns_topic_subscription",
        &to_function,
        &lambda_subscription,
    );
    assert_no_changes(
        "aws_sns_topic_subscription",
        &to_function,
        &lambda_subscription,
    );
    assert_eq!(
        read(
            w,
            "aws_sns_topic_subscription",
            &lambda_subscription.id,
            &lambda_subscription.inputs
        )
        .await
        .as_ref(),
        Some(&lambda_subscription)
    );

    // The bucket's events, to the queue and the topic.
    let bucket = create("aws_s3_bucket", json!({"bucket": "conf-notes"})).await;
    let notification = conform(
        w,
        "aws_s3_bucket_notification",
        json!({"bucket": "conf-notes", "queue": [{"id": "to-queue", "queue_arn": queue_arn,
               "events": ["s3:ObjectCreated:*"], "filter_prefix": "in/"}]}),
        Some(json!({"bucket": "conf-notes", "eventbridge": true,
               "queue": [{"id": "to-queue", "queue_arn": queue_arn,
                          "events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"], "filter_prefix": "in/", "filter_suffix": ".csv"}],
               "topic": [{"topic_arn": topic_arn, "events": ["s3:ObjectRemoved:*"]}]})),
        |bucket| {
            let queue_arn = queue_arn.clone();
            async move {
                let queue = aws_sdk_s3::types::QueueConfiguration::builder()
                    .id("console")
                    .queue_arn(queue_arn)
                    .events(aws_sdk_s3::types::Event::S3ObjectCreated)
                    .build()
                    .expect("queue configuration");
                w.s3.put_bucket_notification_configuration()
                    .bucket(&bucket)
                    .notification_configuration(
                        aws_sdk_s3::types::NotificationConfiguration::builder()
                            .queue_configurations(queue)
                            .build(),
                    )
                    .send()
                    .await
                    .expect("put notification");
            }
        },
        |o| {
            o.is_some_and(|o| {
                o.inputs["queue"][0]["id"] == "console"
                    && o.inputs["topic"] == json!([])
                    && o.inputs["eventbridge"] == false
            })
        },
    )
    .await;
    assert_eq!(notification.id, "conf-notes");

    delete(w, "aws_s3_bucket_notification", &notification).await;
    w.provider
        .delete(
            "aws_sns_topic_subscription",
            &lambda_subscription,
            &ctx("lambda"),
        )
        .await
        .expect("delete lambda subscription");
    delete(w, "aws_sns_topic_subscription", &subscription).await;
    delete(w, "aws_sns_topic_policy", &policy).await;
    // The topic has the policy AWS gives a topic again.
    let again = read(w, "aws_sns_topic", &topic.id, &topic.inputs)
        .await
        .expect("topic");
    assert_eq!(again.inputs["policy"]["Id"], "__default_policy_ID");
    for (rtype, o) in [
        ("aws_lambda_function", &function),
        ("aws_iam_role", &role),
        ("aws_sqs_queue_policy", &queue_policy),
        ("aws_sqs_queue", &queue),
        ("aws_s3_bucket", &bucket),
        ("aws_sns_topic", &fifo),
    ] {
        w.provider
            .delete(rtype, o, &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("delete {rtype}: {e}"));
    }
    delete(w, "aws_sns_topic", &topic).await;
    w.assert_looked_up(SNS_TYPES);
}

/// An ECS service's desired count scaled between bounds, by steps (a CloudWatch alarm's
/// action) and by tracking its CPU.
#[tokio::test]
async fn ecs_service_scaling_conforms() {
    let owned = world().await;
    let w = &owned;
    let scaling = aws_sdk_applicationautoscaling::Client::new(&w.shared);
    let scaling = &scaling;
    use aws_sdk_applicationautoscaling::types::{
        PolicyType, ScalableDimension, ServiceNamespace, StepScalingPolicyConfiguration,
    };

    // The ECS service that scales.
    w.ecs
        .create_cluster()
        .cluster_name("scale")
        .send()
        .await
        .expect("cluster");
    w.ecs
        .register_task_definition()
        .family("web")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("nginx:1.27")
                .memory(256)
                .build(),
        )
        .send()
        .await
        .expect("task definition");
    w.ecs
        .create_service()
        .cluster("scale")
        .service_name("web")
        .task_definition("web")
        .desired_count(1)
        .send()
        .await
        .expect("service");
    let resource_id = "service/scale/web";
    let target_config = |max: i64, extra: Json| {
        let mut c = json!({"service_namespace": "ecs", "resource_id": resource_id,
            "scalable_dimension": "ecs:service:DesiredCount", "min_capacity": 1, "max_capacity": max,
            "tags": {"App": "web"}});
        for (k, v) in extra.as_object().expect("object") {
            c[k] = v.clone();
        }
        c
    };
    let target = conform(
        w,
        "aws_appautoscaling_target",
        target_config(4, json!({})),
        Some(target_config(
            6,
            json!({"suspended_state": {"dynamic_scaling_in_suspended": true},
                   "tags": {"App": "web", "Env": "t"}}),
        )),
        |id| async move {
            scaling
                .register_scalable_target()
                .service_namespace(ServiceNamespace::Ecs)
                .resource_id(&id)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .max_capacity(8)
                .send()
                .await
                .expect("register");
        },
        |o| o.is_some_and(|o| o.inputs["max_capacity"] == 8),
    )
    .await;
    assert_eq!(target.id, resource_id);
    assert_eq!(target.outputs["id"], resource_id);
    assert!(
        target.outputs["arn"]
            .as_str()
            .is_some_and(|a| a.contains(":scalable-target/")),
        "{}",
        target.outputs
    );
    assert_eq!(
        target.inputs["suspended_state"],
        json!({"dynamic_scaling_in_suspended": true, "dynamic_scaling_out_suspended": false,
               "scheduled_scaling_suspended": false})
    );

    // Without the suspended state any more: scaling resumes.
    let resumed = target_config(6, json!({"tags": {"App": "web", "Env": "t"}}));
    let target = w
        .provider
        .update(
            "aws_appautoscaling_target",
            &target,
            &normalized("aws_appautoscaling_target", &resumed),
            &ctx("aws_appautoscaling_target.test"),
        )
        .await
        .expect("resume");
    assert_round_trip("aws_appautoscaling_target", &resumed, &target);
    assert!(
        target.inputs.get("suspended_state").is_none(),
        "{}",
        target.inputs
    );

    // Scaling out by steps, when an alarm on the service's CPU fires.
    let step_policy = |cooldown: i64, steps: Json| {
        json!({"name": "scale-out", "service_namespace": "ecs", "resource_id": resource_id,
            "scalable_dimension": "ecs:service:DesiredCount",
            "step_scaling_policy_configuration": {"adjustment_type": "ChangeInCapacity",
                "cooldown": cooldown, "metric_aggregation_type": "Average", "step_adjustment": steps}})
    };
    let created_arn = std::sync::Mutex::new(String::new());
    let policy = conform(
        w,
        "aws_appautoscaling_policy",
        step_policy(
            60,
            json!([{"metric_interval_lower_bound": "0", "scaling_adjustment": 1}]),
        ),
        Some(step_policy(
            120,
            json!([{"metric_interval_lower_bound": "0", "metric_interval_upper_bound": "10.5", "scaling_adjustment": 1},
                   {"metric_interval_lower_bound": "10.5", "scaling_adjustment": 2}]),
        )),
        |name| {
            let created = &created_arn;
            async move {
                let got = scaling
                    .put_scaling_policy()
                    .policy_name(&name)
                    .policy_type(PolicyType::StepScaling)
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(resource_id)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .step_scaling_policy_configuration(
                        StepScalingPolicyConfiguration::builder()
                            .adjustment_type(
                                aws_sdk_applicationautoscaling::types::AdjustmentType::ChangeInCapacity,
                            )
                            .cooldown(30)
                            .step_adjustments(
                                aws_sdk_applicationautoscaling::types::StepAdjustment::builder()
                                    .metric_interval_lower_bound(0.0)
                                    .scaling_adjustment(1)
                                    .build()
                                    .expect("step"),
                            )
                            .build(),
                    )
                    .send()
                    .await
                    .expect("put policy");
                *created.lock().expect("lock") = got.policy_arn().to_string();
            }
        },
        |o| {
            o.is_some_and(|o| o.inputs["step_scaling_policy_configuration"]["cooldown"] == 30)
        },
    )
    .await;
    assert_eq!(policy.id, "scale-out");
    assert_eq!(policy.inputs["policy_type"], "StepScaling");
    let policy_arn = policy.outputs["arn"].as_str().expect("arn").to_string();
    // Its ARN stays through updates.
    assert_eq!(*created_arn.lock().expect("lock"), policy_arn);
    assert!(policy_arn.contains(":policyName/scale-out"), "{policy_arn}");

    // The policy runs when an alarm fires.
    let alarm_config = json!({"alarm_name": "web-cpu-high", "comparison_operator": "GreaterThanThreshold",
        "evaluation_periods": 2, "metric_name": "CPUUtilization", "namespace": "AWS/ECS", "period": 60,
        "statistic": "Average", "threshold": 70, "dimensions": {"ClusterName": "scale", "ServiceName": "web"},
        "alarm_actions": [policy_arn]});
    let alarm = w
        .provider
        .create(
            "aws_cloudwatch_metric_alarm",
            &normalized("aws_cloudwatch_metric_alarm", &alarm_config),
            &ctx("alarm"),
        )
        .await
        .expect("alarm");
    assert_round_trip("aws_cloudwatch_metric_alarm", &alarm_config, &alarm);

    // Tracking the service's CPU: AWS makes the alarms.
    let tracking_config = json!({"name": "cpu", "policy_type": "TargetTrackingScaling",
        "service_namespace": "ecs", "resource_id": resource_id, "scalable_dimension": "ecs:service:DesiredCount",
        "target_tracking_scaling_policy_configuration": {"target_value": 60,
            "scale_in_cooldown": 120, "scale_out_cooldown": 30,
            "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}}});
    let tracking = w
        .provider
        .create(
            "aws_appautoscaling_policy",
            &normalized("aws_appautoscaling_policy", &tracking_config),
            &ctx("tracking"),
        )
        .await
        .expect("tracking policy");
    assert_round_trip("aws_appautoscaling_policy", &tracking_config, &tracking);
    assert_no_changes("aws_appautoscaling_policy", &tracking_config, &tracking);
    assert!(
        tracking.outputs["alarm_arns"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{}",
        tracking.outputs
    );
    w.provider
        .delete("aws_cloudwatch_metric_alarm", &alarm, &ctx("alarm"))
        .await
        .expect("delete alarm");
    w.provider
        .delete("aws_appautoscaling_policy", &tracking, &ctx("tracking"))
        .await
        .expect("delete tracking policy");
    delete(w, "aws_appautoscaling_policy", &policy).await;
    delete(w, "aws_appautoscaling_target", &target).await;
    w.assert_looked_up(SCALING_TYPES);
}

/// A topic whose name is generated from `name_prefix` (a FIFO topic's ends in `.fifo`).
#[tokio::test]
async fn generated_topic_names_conform() {
    let owned = world().await;
    let w = &owned;
    let updated = json!({"name_prefix": "alerts-", "display_name": "Alerts"});
    let topic = conformed(
        w,
        "aws_sns_topic",
        json!({"name_prefix": "alerts-"}),
        Some(updated.clone()),
    )
    .await;
    let name = assert_generated("aws_sns_topic", &updated, &topic, "name", "alerts-");
    assert!(topic.id.ends_with(&format!(":{name}")), "{}", topic.id);

    let fifo_config = json!({"name_prefix": "orders-", "fifo_topic": true});
    let fifo = w
        .provider
        .create(
            "aws_sns_topic",
            &normalized("aws_sns_topic", &fifo_config),
            &ctx("fifo"),
        )
        .await
        .expect("fifo");
    let fifo_name = assert_generated("aws_sns_topic", &fifo_config, &fifo, "name", "orders-");
    assert!(fifo_name.ends_with(".fifo"), "{fifo_name}");
    let found = w
        .provider
        .find(
            "aws_sns_topic",
            &normalized("aws_sns_topic", &fifo_config),
            &ctx("fifo"),
        )
        .await
        .expect("find");
    assert_eq!(found, vec![fifo.clone()]);
    w.provider
        .delete("aws_sns_topic", &fifo, &ctx("fifo"))
        .await
        .expect("delete fifo");

    // A name and a prefix together are refused.
    let refused = w
        .provider
        .create(
            "aws_sns_topic",
            &normalized("aws_sns_topic", &json!({"name": "a", "name_prefix": "a-"})),
            &ctx("both"),
        )
        .await;
    assert!(
        matches!(&refused, Err(cairn_model::ProviderError::InvalidConfig(_))),
        "{refused:?}"
    );
    delete(w, "aws_sns_topic", &topic).await;
    w.assert_looked_up(GENERATED_NAMES);
}
