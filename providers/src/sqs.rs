//! `aws_sqs_queue`: an SQS queue (standard or FIFO), with its dead-letter redrive policy and
//! encryption.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName as Attr;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{
    api, claim, claimed, code, generated_from, read_back, read_found, retry, tag_changes,
    tags_can_tell, visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub mod queue_policy;

pub const TYPE: &str = "aws_sqs_queue";

fn thirty() -> i32 {
    30
}

fn four_days() -> i32 {
    345_600
}

/// How a queue's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 80,
};

/// What follows the generated part of a FIFO queue's name.
const FIFO_SUFFIX: &str = ".fifo";

/// The suffix of a generated queue name.
fn name_suffix(fifo: bool) -> &'static str {
    if fifo {
        FIFO_SUFFIX
    } else {
        ""
    }
}

/// An SQS queue.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}, {"when": {"fifo_queue": false}, "forbid": ["content_based_deduplication"]}]))]
pub struct Config {
    /// The queue's name; a FIFO queue's ends in `.fifo`. Generated when left out (see
    /// `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 80), regex(pattern = r"^[A-Za-z0-9_-]+(\.fifo)?$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores, and `.fifo` at the end of a FIFO queue's"))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, and `.fifo` for a FIFO queue, as Terraform's `name_prefix`); conflicts with
    /// `name`. With neither, the name is generated from the prefix `cairn-` (Terraform's is
    /// `terraform-`). A FIFO queue's may have at most 49 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 54), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub name_prefix: Option<String>,
    /// First in, first out, exactly once.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub fifo_queue: bool,
    /// FIFO queues: deduplicate by a SHA-256 of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_based_deduplication: Option<bool>,
    /// Seconds a received message stays hidden from other consumers (0 to 43200).
    #[serde(default = "thirty")]
    #[schemars(range(min = 0, max = 43200))]
    pub visibility_timeout_seconds: i32,
    /// Seconds a message is kept (60 to 1209600).
    #[serde(default = "four_days")]
    #[schemars(range(min = 60, max = 1209600))]
    pub message_retention_seconds: i32,
    /// Seconds each message is delayed before it can be received (0 to 900).
    #[serde(default)]
    #[schemars(range(min = 0, max = 900))]
    pub delay_seconds: i32,
    /// The largest message in bytes (AWS's own default when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1024, max = 1048576))]
    pub max_message_size: Option<i32>,
    /// Seconds a receive waits for a message (long polling, 0 to 20).
    #[serde(default)]
    #[schemars(range(min = 0, max = 20))]
    pub receive_wait_time_seconds: i32,
    /// Where messages go after `maxReceiveCount` failed receives:
    /// `{ deadLetterTargetArn = "...", maxReceiveCount = 5 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub redrive_policy: Option<serde_json::Value>,
    /// Encryption at rest with keys SQS manages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqs_managed_sse_enabled: Option<bool>,
    /// Encryption at rest with this KMS key (id, ARN or alias) instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
    /// Seconds SQS reuses a data key before calling KMS again (60 to 86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_data_key_reuse_period_seconds: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The queue's URL.
    pub id: String,
    pub arn: String,
    pub url: String,
}

/// How `cairn import` names one: its URL (or its name).
pub const IMPORT_ID: &str =
    "the queue URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`) or the queue name";

/// Whether an error code means the queue does not exist.
fn gone(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist")
    )
}

/// SQS refuses a name for 60 seconds after the queue of that name was deleted.
fn deleted_recently(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("AWS.SimpleQueueService.QueueDeletedRecently" | "QueueDeletedRecently")
    )
}

/// A configured document (table or JSON string) as JSON.
fn document(doc: &serde_json::Value) -> serde_json::Value {
    match doc {
        serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| doc.clone()),
        other => other.clone(),
    }
}

/// The redrive policy as AWS returns it, in the prior configuration's form where the two
/// say the same (`maxReceiveCount` written as a string comes back as a number).
fn redrive_view(raw: &str, prior: Option<&serde_json::Value>) -> Option<serde_json::Value> {
    let mut have: serde_json::Value = serde_json::from_str(raw).ok()?;
    if have.as_object().is_some_and(|o| o.is_empty()) {
        return None;
    }
    let number = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.parse::<f64>().ok(),
        other => other.as_f64(),
    };
    if let (Some(want), Some(obj)) = (prior.map(document), have.as_object_mut()) {
        for (k, v) in obj.iter_mut() {
            if let Some(w) = want.get(k) {
                if w != v && number(w).is_some() && number(w) == number(v) {
                    *v = w.clone();
                }
            }
        }
    }
    Some(have)
}

/// The queue attributes a configuration sets, as SQS takes them (all of them when
/// creating; on update the caller sends the changed ones).
fn attributes(c: &Config) -> BTreeMap<Attr, String> {
    let mut a = BTreeMap::new();
    a.insert(
        Attr::VisibilityTimeout,
        c.visibility_timeout_seconds.to_string(),
    );
    a.insert(
        Attr::MessageRetentionPeriod,
        c.message_retention_seconds.to_string(),
    );
    a.insert(Attr::DelaySeconds, c.delay_seconds.to_string());
    a.insert(
        Attr::ReceiveMessageWaitTimeSeconds,
        c.receive_wait_time_seconds.to_string(),
    );
    if let Some(m) = c.max_message_size {
        a.insert(Attr::MaximumMessageSize, m.to_string());
    }
    a.insert(
        Attr::RedrivePolicy,
        c.redrive_policy
            .as_ref()
            .map(|d| document(d).to_string())
            .unwrap_or_default(),
    );
    if let Some(d) = c.content_based_deduplication {
        a.insert(Attr::ContentBasedDeduplication, d.to_string());
    }
    if let Some(s) = c.sqs_managed_sse_enabled {
        a.insert(Attr::SqsManagedSseEnabled, s.to_string());
    }
    if let Some(k) = &c.kms_master_key_id {
        a.insert(Attr::KmsMasterKeyId, k.clone());
    }
    if let Some(p) = c.kms_data_key_reuse_period_seconds {
        a.insert(Attr::KmsDataKeyReusePeriodSeconds, p.to_string());
    }
    a
}

async fn read_one(
    aws: &Aws,
    url: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let got = match aws
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(Attr::All)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if gone(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetQueueAttributes", url, e));
        }
    };
    let none = HashMap::new();
    let attrs = got.attributes().unwrap_or(&none);
    let get = |k: Attr| attrs.get(&k).map(String::as_str);
    let int = |k: Attr| get(k).and_then(|v| v.parse::<i32>().ok());
    let flag = |k: Attr| get(k).map(|v| v == "true");
    let arn = get(Attr::QueueArn).unwrap_or_default().to_string();
    let name = arn
        .rsplit(':')
        .next()
        .filter(|n| !n.is_empty())
        .or_else(|| url.rsplit('/').next())
        .unwrap_or_default()
        .to_string();
    let tags = match aws.sqs.list_queue_tags().queue_url(url).send().await {
        Ok(t) => visible_tags(
            t.tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
        Err(e) => {
            let e = e.into_service_error();
            if gone(code(&e)) {
                return Ok(None);
            }
            return Err(api("ListQueueTags", url, e));
        }
    };
    let fifo = flag(Attr::FifoQueue).unwrap_or(false);
    let kms = get(Attr::KmsMasterKeyId)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let config = Config {
        name_prefix: NAMING.read_prefix_with_suffix(&name, name_suffix(fifo), prior),
        name: Some(name),
        fifo_queue: fifo,
        content_based_deduplication: flag(Attr::ContentBasedDeduplication).filter(|_| fifo),
        visibility_timeout_seconds: int(Attr::VisibilityTimeout).unwrap_or(30),
        message_retention_seconds: int(Attr::MessageRetentionPeriod).unwrap_or(345_600),
        delay_seconds: int(Attr::DelaySeconds).unwrap_or(0),
        max_message_size: int(Attr::MaximumMessageSize),
        receive_wait_time_seconds: int(Attr::ReceiveMessageWaitTimeSeconds).unwrap_or(0),
        redrive_policy: get(Attr::RedrivePolicy)
            .filter(|r| !r.is_empty())
            .and_then(|r| redrive_view(r, prior.get("redrive_policy"))),
        sqs_managed_sse_enabled: flag(Attr::SqsManagedSseEnabled),
        kms_data_key_reuse_period_seconds: int(Attr::KmsDataKeyReusePeriodSeconds)
            .filter(|_| kms.is_some()),
        kms_master_key_id: kms,
        tags,
    };
    let outputs = Outputs {
        id: url.to_string(),
        arn,
        url: url.to_string(),
    };
    Ok(Some(AwsSqsQueue::observed(url, &config, &outputs)))
}

/// The URL of the queue named `name`, if there is one.
async fn url_of(aws: &Aws, name: &str) -> Result<Option<String>, ProviderError> {
    match aws.sqs.get_queue_url().queue_name(name).send().await {
        Ok(r) => Ok(r.queue_url().map(str::to_string)),
        Err(e) => {
            let e = e.into_service_error();
            if gone(code(&e)) {
                Ok(None)
            } else {
                Err(api("GetQueueUrl", name, e))
            }
        }
    }
}

/// The `aws_sqs_queue` resource type.
pub struct AwsSqsQueue;

impl Resource for AwsSqsQueue {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::SQS::Queue",
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "arn:aws:sqs:us-east-1:123456789012:jobs"],
        absent: Some("absent"),
    };

    /// GetQueueAttributes and ListQueueTags per queue, queues in parallel (SQS has no batch
    /// read).
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// Creates the queue with every attribute and tag in one call; a name freed less than a
    /// minute ago is retried until SQS takes it again. CreateQueue answers with the existing
    /// queue of the name when its attributes match: that queue is refused rather than taken
    /// over.
    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name_with_suffix(
            c.name.as_deref(),
            c.name_prefix.as_deref(),
            name_suffix(c.fifo_queue),
        )?;
        if let Some(url) = url_of(aws, &name).await? {
            return Err(ProviderError::Api(format!(
                "CreateQueue {name}: a queue of this name already exists ({url}); bring it under management with `cairn import`"
            )));
        }
        let mut attrs = attributes(c);
        if c.redrive_policy.is_none() {
            attrs.remove(&Attr::RedrivePolicy);
        }
        if c.fifo_queue {
            attrs.insert(Attr::FifoQueue, "true".into());
        }
        let attrs: HashMap<Attr, String> = attrs.into_iter().collect();
        let tags: HashMap<String, String> = c.tags.clone().into_iter().collect();
        let url = retry(
            Duration::from_secs(90),
            |e: &aws_sdk_sqs::operation::create_queue::CreateQueueError| deleted_recently(code(e)),
            || async {
                aws.sqs
                    .create_queue()
                    .queue_name(&name)
                    .set_attributes(Some(attrs.clone()))
                    .set_tags((!tags.is_empty()).then(|| tags.clone()))
                    .send()
                    .await
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("CreateQueue", &name, e))?
        .queue_url()
        .unwrap_or_default()
        .to_string();
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &url, || read_one(aws, &url, &config)).await
    }

    /// By its unique name. A generated name by its prefix and the ownership tags (the
    /// queues ListQueues lists by the prefix, then the tags of those generated from it).
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(config.name.as_deref(), config.name_prefix.as_deref())? {
            Named::Given(name) => url_of(aws, name).await?.into_iter().collect(),
            Named::Generated(prefix) => {
                tags_can_tell(TYPE, ctx)?;
                let suffix = name_suffix(config.fifo_queue);
                let urls = aws
                    .sqs
                    .list_queues()
                    .queue_name_prefix(prefix)
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| api("ListQueues", prefix, e.into_service_error()))?;
                let generated = urls.iter().filter(|url| {
                    url.rsplit('/')
                        .next()
                        .is_some_and(|n| generated_from(n, prefix, suffix))
                });
                let tagged = futures::future::try_join_all(generated.map(|url| async move {
                    let claim = match aws.sqs.list_queue_tags().queue_url(url).send().await {
                        Ok(t) => claim(
                            t.tags()
                                .into_iter()
                                .flatten()
                                .map(|(k, v)| (k.as_str(), v.as_str())),
                            ctx,
                        ),
                        Err(e) => {
                            let e = e.into_service_error();
                            if !gone(code(&e)) {
                                return Err(api("ListQueueTags", url, e));
                            }
                            None
                        }
                    };
                    Ok::<_, ProviderError>((url.clone(), claim))
                }))
                .await?;
                claimed(tagged.iter().map(|(u, c)| (Some(u.as_str()), *c)))
            }
        };
        read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
    }

    /// By its URL, or by its name.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let url = if import_id.contains("://") {
            import_id.to_string()
        } else if import_id.starts_with("arn:") || import_id.contains('/') {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is neither a URL nor a queue name",
                IMPORT_ID,
            ));
        } else {
            match url_of(aws, import_id).await? {
                Some(u) => u,
                None => return Ok(None),
            }
        };
        crate::common::import_read(&url, |r| async move { Self::read(aws, &r).await }).await
    }

    /// SetQueueAttributes with what changed (a removed redrive policy or KMS key set to empty);
    /// tags with TagQueue and UntagQueue.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let url = &prior.id;
        let before = attributes(old);
        let mut changed: HashMap<Attr, String> = attributes(new)
            .into_iter()
            .filter(|(k, v)| before.get(k) != Some(v))
            .collect();
        if old.kms_master_key_id.is_some() && new.kms_master_key_id.is_none() {
            changed.insert(Attr::KmsMasterKeyId, String::new());
        }
        if !changed.is_empty() {
            aws.sqs
                .set_queue_attributes()
                .queue_url(url)
                .set_attributes(Some(changed))
                .send()
                .await
                .map_err(|e| api("SetQueueAttributes", url, e.into_service_error()))?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.sqs
                .untag_queue()
                .queue_url(url)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagQueue", url, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.sqs
                .tag_queue()
                .queue_url(url)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| api("TagQueue", url, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, url, || read_one(aws, url, &config)).await
    }

    /// Deletes the queue and the messages in it.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        match aws.sqs.delete_queue().queue_url(&prior.id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                if gone(code(&e)) {
                    Ok(())
                } else {
                    Err(api("DeleteQueue", &prior.id, e))
                }
            }
        }
    }

    /// Its URL, then its name.
    fn import_ids(o: &Observed) -> Vec<String> {
        let name = o.inputs["name"].as_str().unwrap_or_default().to_string();
        vec![o.id.clone(), name]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redrive_policies_read_in_the_configured_form() {
        let raw = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:dlq","maxReceiveCount":5}"#;
        let as_string =
            json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": "5"});
        assert_eq!(redrive_view(raw, Some(&as_string)), Some(as_string.clone()));
        let as_text = json!(as_string.to_string());
        assert_eq!(redrive_view(raw, Some(&as_text)), Some(as_string));
        let changed =
            json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": 3});
        assert_eq!(
            redrive_view(raw, Some(&changed)),
            Some(
                json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:dlq", "maxReceiveCount": 5})
            )
        );
        assert_eq!(redrive_view("{}", None), None);
    }

    #[test]
    fn creates_send_what_is_set() {
        let c: Config = serde_json::from_value(json!({"name": "jobs"})).expect("config");
        assert_eq!(c.name.as_deref(), Some("jobs"));
        let a = attributes(&c);
        assert_eq!(a[&Attr::VisibilityTimeout], "30");
        assert_eq!(a[&Attr::MessageRetentionPeriod], "345600");
        assert!(!a.contains_key(&Attr::MaximumMessageSize));
        assert_eq!(a[&Attr::RedrivePolicy], "");
    }
}
