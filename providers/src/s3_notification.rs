//! `aws_s3_bucket_notification`: where an S3 bucket sends its object events (SQS queues, SNS
//! topics, Lambda functions, EventBridge). A bucket has one notification configuration.

use aws_sdk_s3::types::{
    Event, EventBridgeConfiguration, FilterRule, FilterRuleName, LambdaFunctionConfiguration,
    NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    TopicConfiguration,
};
use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_s3_bucket_notification";

/// Events of a bucket sent to an SQS queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// The configuration's id; AWS generates one when left out (and a read leaves it out
    /// then too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The queue's ARN; its policy must let `s3.amazonaws.com` send to it.
    pub queue_arn: String,
    /// The events sent, e.g. `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`.
    #[schemars(extend("x-set" = true))]
    pub events: Vec<String>,
    /// Only objects whose key begins with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_prefix: Option<String>,
    /// Only objects whose key ends with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_suffix: Option<String>,
}

/// Events of a bucket sent to an SNS topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The configuration's id; AWS generates one when left out (and a read leaves it out
    /// then too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The topic's ARN; its policy must let `s3.amazonaws.com` publish to it.
    pub topic_arn: String,
    /// The events sent, e.g. `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`.
    #[schemars(extend("x-set" = true))]
    pub events: Vec<String>,
    /// Only objects whose key begins with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_prefix: Option<String>,
    /// Only objects whose key ends with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_suffix: Option<String>,
}

/// Events of a bucket sent to a Lambda function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LambdaFunction {
    /// The configuration's id; AWS generates one when left out (and a read leaves it out
    /// then too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function's ARN; a permission (`aws_lambda_permission`) must let
    /// `s3.amazonaws.com` invoke it.
    pub lambda_function_arn: String,
    /// The events sent, e.g. `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`.
    #[schemars(extend("x-set" = true))]
    pub events: Vec<String>,
    /// Only objects whose key begins with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_prefix: Option<String>,
    /// Only objects whose key ends with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_suffix: Option<String>,
}

/// The notification configuration of an S3 bucket.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The bucket's name.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub bucket: String,
    /// Send every event of the bucket to EventBridge too.
    #[serde(default)]
    pub eventbridge: bool,
    /// Events sent to SQS queues.
    #[serde(default)]
    pub queue: Vec<Queue>,
    /// Events sent to SNS topics.
    #[serde(default)]
    pub topic: Vec<Topic>,
    /// Events sent to Lambda functions.
    #[serde(default)]
    pub lambda_function: Vec<LambdaFunction>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The bucket's name.
    pub id: String,
}

/// How `cairn import` names one: the bucket's name.
pub const IMPORT_ID: &str = "the bucket's name";

/// The key filter of a configuration, as S3 takes it.
fn filter(
    prefix: &Option<String>,
    suffix: &Option<String>,
) -> Option<NotificationConfigurationFilter> {
    let rules: Vec<FilterRule> = [
        (FilterRuleName::Prefix, prefix),
        (FilterRuleName::Suffix, suffix),
    ]
    .into_iter()
    .filter_map(|(name, v)| {
        v.as_ref()
            .map(|v| FilterRule::builder().name(name).value(v).build())
    })
    .collect();
    (!rules.is_empty()).then(|| {
        NotificationConfigurationFilter::builder()
            .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
            .build()
    })
}

/// The prefix and suffix of a filter S3 answered with (rule names in either case).
fn filter_of(f: Option<&NotificationConfigurationFilter>) -> (Option<String>, Option<String>) {
    let rules = f
        .and_then(|f| f.key())
        .map(|k| k.filter_rules())
        .unwrap_or_default();
    let rule = |want: &str| {
        rules
            .iter()
            .find(|r| {
                r.name()
                    .is_some_and(|n| n.as_str().eq_ignore_ascii_case(want))
            })
            .and_then(|r| r.value())
            .map(str::to_string)
    };
    (rule("prefix"), rule("suffix"))
}

fn events(list: &[String]) -> Vec<Event> {
    list.iter().map(|e| Event::from(e.as_str())).collect()
}

fn event_names(list: &[Event]) -> Vec<String> {
    list.iter().map(|e| e.as_str().to_string()).collect()
}

fn error(bucket: &str, e: aws_smithy_types::error::operation::BuildError) -> ProviderError {
    ProviderError::InvalidConfig(format!("{TYPE} {bucket}: {e}"))
}

/// The configuration as S3 takes it.
fn notification(c: &Config) -> Result<NotificationConfiguration, ProviderError> {
    let queues = c
        .queue
        .iter()
        .map(|q| {
            QueueConfiguration::builder()
                .set_id(q.id.clone())
                .queue_arn(&q.queue_arn)
                .set_events(Some(events(&q.events)))
                .set_filter(filter(&q.filter_prefix, &q.filter_suffix))
                .build()
                .map_err(|e| error(&c.bucket, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let topics = c
        .topic
        .iter()
        .map(|t| {
            TopicConfiguration::builder()
                .set_id(t.id.clone())
                .topic_arn(&t.topic_arn)
                .set_events(Some(events(&t.events)))
                .set_filter(filter(&t.filter_prefix, &t.filter_suffix))
                .build()
                .map_err(|e| error(&c.bucket, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let functions = c
        .lambda_function
        .iter()
        .map(|l| {
            LambdaFunctionConfiguration::builder()
                .set_id(l.id.clone())
                .lambda_function_arn(&l.lambda_function_arn)
                .set_events(Some(events(&l.events)))
                .set_filter(filter(&l.filter_prefix, &l.filter_suffix))
                .build()
                .map_err(|e| error(&c.bucket, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NotificationConfiguration::builder()
        .set_queue_configurations(Some(queues).filter(|v| !v.is_empty()))
        .set_topic_configurations(Some(topics).filter(|v| !v.is_empty()))
        .set_lambda_function_configurations(Some(functions).filter(|v| !v.is_empty()))
        .set_event_bridge_configuration(
            c.eventbridge
                .then(|| EventBridgeConfiguration::builder().build()),
        )
        .build())
}

async fn put(aws: &Aws, bucket: &str, n: NotificationConfiguration) -> Answer<()> {
    aws.s3
        .put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(n)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            api(
                "PutBucketNotificationConfiguration",
                bucket,
                e.into_service_error(),
            )
        })
}

/// Leaves out the ids AWS generated for destinations configured without one (`prior`, the
/// recorded configuration, has the same destination at that place and no id), so that such a
/// configuration reads back as written.
fn unset_generated_ids<'a>(
    prior: &serde_json::Value,
    list: &str,
    arn_key: &str,
    items: impl Iterator<Item = (&'a mut Option<String>, &'a str)>,
) {
    let Some(recorded) = prior.get(list).and_then(|l| l.as_array()) else {
        return;
    };
    for ((id, arn), was) in items.zip(recorded) {
        let unset = was.get("id").is_none_or(|v| v.is_null());
        if unset && was.get(arn_key).and_then(|v| v.as_str()) == Some(arn) {
            *id = None;
        }
    }
}

/// The bucket's notification configuration; `None` when the bucket is gone or sends no
/// events anywhere.
async fn read_one(aws: &Aws, bucket: &str, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let got = match aws
        .s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e) => {
            let e = api(
                "GetBucketNotificationConfiguration",
                bucket,
                e.into_service_error(),
            );
            if e.kind() == ErrorKind::NotFound {
                return Ok(None);
            }
            return Err(e);
        }
    };
    let mut config = Config {
        bucket: bucket.to_string(),
        eventbridge: got.event_bridge_configuration().is_some(),
        queue: got
            .queue_configurations()
            .iter()
            .map(|q| {
                let (filter_prefix, filter_suffix) = filter_of(q.filter());
                Queue {
                    id: q.id().map(str::to_string),
                    queue_arn: q.queue_arn().to_string(),
                    events: event_names(q.events()),
                    filter_prefix,
                    filter_suffix,
                }
            })
            .collect(),
        topic: got
            .topic_configurations()
            .iter()
            .map(|t| {
                let (filter_prefix, filter_suffix) = filter_of(t.filter());
                Topic {
                    id: t.id().map(str::to_string),
                    topic_arn: t.topic_arn().to_string(),
                    events: event_names(t.events()),
                    filter_prefix,
                    filter_suffix,
                }
            })
            .collect(),
        lambda_function: got
            .lambda_function_configurations()
            .iter()
            .map(|l| {
                let (filter_prefix, filter_suffix) = filter_of(l.filter());
                LambdaFunction {
                    id: l.id().map(str::to_string),
                    lambda_function_arn: l.lambda_function_arn().to_string(),
                    events: event_names(l.events()),
                    filter_prefix,
                    filter_suffix,
                }
            })
            .collect(),
    };
    unset_generated_ids(
        prior,
        "queue",
        "queue_arn",
        config
            .queue
            .iter_mut()
            .map(|q| (&mut q.id, q.queue_arn.as_str())),
    );
    unset_generated_ids(
        prior,
        "topic",
        "topic_arn",
        config
            .topic
            .iter_mut()
            .map(|t| (&mut t.id, t.topic_arn.as_str())),
    );
    unset_generated_ids(
        prior,
        "lambda_function",
        "lambda_function_arn",
        config
            .lambda_function
            .iter_mut()
            .map(|l| (&mut l.id, l.lambda_function_arn.as_str())),
    );
    if !config.eventbridge
        && config.queue.is_empty()
        && config.topic.is_empty()
        && config.lambda_function.is_empty()
    {
        return Ok(None);
    }
    let outputs = Outputs {
        id: bucket.to_string(),
    };
    Ok(Some(AwsS3BucketNotification::observed(
        bucket, &config, &outputs,
    )))
}

/// The `aws_s3_bucket_notification` resource type.
pub struct AwsS3BucketNotification;

impl Resource for AwsS3BucketNotification {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["bucket"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "my bucket"],
        absent: Some("cairn-absent-bucket"),
    };

    /// One GetBucketNotificationConfiguration per bucket.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// One PutBucketNotificationConfiguration (S3 checks that each destination lets the
    /// bucket send to it).
    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        put(aws, &c.bucket, notification(c)?).await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &c.bucket, || read_one(aws, &c.bucket, &prior)).await
    }

    /// The whole configuration again.
    async fn update(
        aws: &Aws,
        _prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        put(aws, &new.bucket, notification(new)?).await?;
        let prior = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, &new.bucket, || read_one(aws, &new.bucket, &prior)).await
    }

    /// Puts an empty configuration: the bucket sends no events any more (the bucket stays).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        put(aws, &prior.id, NotificationConfiguration::builder().build()).await
    }
}
