//! `aws_sns_topic`: an SNS topic (standard or FIFO), with its access policy, delivery policy
//! and encryption.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sns::types::Tag;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{document_of, document_text, is_topic_arn, set_topic_attribute, topic_attributes};
use crate::common::{
    api, claim, claimed, generated_from, read_back, read_found, tag_changes, tags_can_tell,
    visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_sns_topic";

/// How a topic's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 256,
};

/// What follows the generated part of a FIFO topic's name.
const FIFO_SUFFIX: &str = ".fifo";

fn name_suffix(fifo: bool) -> &'static str {
    if fifo {
        FIFO_SUFFIX
    } else {
        ""
    }
}

/// How the topic traces what it publishes with AWS X-Ray.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TracingConfig {
    /// Traced when the publisher's request is.
    PassThrough,
    /// SNS samples and traces messages.
    Active,
}

/// An SNS topic.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}, {"when": {"fifo_topic": false, "content_based_deduplication": true}, "forbid": ["content_based_deduplication"]}]))]
pub struct Config {
    /// The topic's name; a FIFO topic's ends in `.fifo`. Generated when left out (see
    /// `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 256), regex(pattern = r"^[A-Za-z0-9_-]+(\.fifo)?$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores, and `.fifo` at the end of a FIFO topic's"))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, and `.fifo` for a FIFO topic, as Terraform's `name_prefix`); conflicts with
    /// `name`. With neither, the name is generated from the prefix `cairn-` (Terraform's is
    /// `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 225), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub name_prefix: Option<String>,
    /// First in, first out, exactly once (subscribers are FIFO SQS queues).
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub fifo_topic: bool,
    /// FIFO topics: deduplicate messages by a SHA-256 of their body (a standard topic
    /// refuses it).
    #[serde(default)]
    pub content_based_deduplication: bool,
    /// The name shown as the sender of SMS and email messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 100))]
    pub display_name: Option<String>,
    /// The topic's access policy (a table, or JSON text). AWS gives a topic a default
    /// policy (its account may do everything): a read shows it when none is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub policy: Option<serde_json::Value>,
    /// How SNS retries deliveries to HTTP/S endpoints (a table, or JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub delivery_policy: Option<serde_json::Value>,
    /// Encryption at rest with this KMS key (id, ARN or alias, e.g. `alias/aws/sns`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
    /// How messages are signed: 1 (SHA1) or 2 (SHA256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2))]
    pub signature_version: Option<i32>,
    /// Tracing of published messages with AWS X-Ray: `PassThrough` or `Active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_config: Option<TracingConfig>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The topic's ARN.
    pub id: String,
    pub arn: String,
    /// The id of the account that owns the topic.
    pub owner: String,
}

/// How `cairn import` names one: its ARN.
pub const IMPORT_ID: &str = "the topic's ARN (`arn:aws:sns:<region>:<account>:<name>`)";

/// The ARN of the topic named `name` in the provider's account and region.
async fn arn_of(aws: &Aws, name: &str) -> Result<String, ProviderError> {
    let (partition, _) = crate::data::partition_of(&aws.region);
    Ok(format!(
        "arn:{partition}:sns:{}:{}:{name}",
        aws.region,
        aws.account().await?
    ))
}

async fn read_one(
    aws: &Aws,
    arn: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let Some(attrs) = topic_attributes(aws, arn).await? else {
        return Ok(None);
    };
    let tags = match aws
        .sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
    {
        Ok(t) => visible_tags(t.tags().iter().map(|t| (t.key(), t.value()))),
        Err(e) => {
            let e = api("ListTagsForResource", arn, e.into_service_error());
            if e.kind() == cairn_model::ErrorKind::NotFound {
                return Ok(None);
            }
            return Err(e);
        }
    };
    let get = |k: &str| attrs.get(k).filter(|v| !v.is_empty());
    let flag = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let name = arn.rsplit(':').next().unwrap_or_default().to_string();
    let fifo = flag("FifoTopic");
    let config = Config {
        name_prefix: NAMING.read_prefix_with_suffix(&name, name_suffix(fifo), prior),
        name: Some(name),
        fifo_topic: fifo,
        content_based_deduplication: fifo && flag("ContentBasedDeduplication"),
        display_name: get("DisplayName").cloned(),
        policy: document_of(attrs.get("Policy")),
        delivery_policy: document_of(attrs.get("DeliveryPolicy")),
        kms_master_key_id: get("KmsMasterKeyId").cloned(),
        signature_version: get("SignatureVersion").and_then(|v| v.parse().ok()),
        tracing_config: get("TracingConfig").and_then(|v| crate::common::from_wire(v)),
        tags,
    };
    let outputs = Outputs {
        id: arn.to_string(),
        arn: arn.to_string(),
        owner: get("Owner").cloned().unwrap_or_default(),
    };
    Ok(Some(AwsSnsTopic::observed(arn, &config, &outputs)))
}

/// The attributes a configuration sets, by SNS's names (those left out are not sent).
fn attributes(c: &Config) -> BTreeMap<&'static str, String> {
    let mut a = BTreeMap::new();
    if let Some(v) = &c.display_name {
        a.insert("DisplayName", v.clone());
    }
    if let Some(v) = &c.policy {
        a.insert("Policy", document_text(v));
    }
    if let Some(v) = &c.delivery_policy {
        a.insert("DeliveryPolicy", document_text(v));
    }
    if let Some(v) = &c.kms_master_key_id {
        a.insert("KmsMasterKeyId", v.clone());
    }
    if let Some(v) = c.signature_version {
        a.insert("SignatureVersion", v.to_string());
    }
    if let Some(v) = c.tracing_config {
        a.insert("TracingConfig", crate::common::wire(&v));
    }
    if c.fifo_topic {
        a.insert(
            "ContentBasedDeduplication",
            c.content_based_deduplication.to_string(),
        );
    }
    a
}

/// The `aws_sns_topic` resource type.
pub struct AwsSnsTopic;

impl Resource for AwsSnsTopic {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::SNS::Topic",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "alerts",
            "arn:aws:sqs:us-east-1:123456789012:alerts",
            "arn:aws:sns:us-east-1:123456789012",
        ],
        absent: Some("arn:aws:sns:us-east-1:123456789012:absent"),
    };

    /// GetTopicAttributes and ListTagsForResource per topic, topics in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// One CreateTopic with every attribute and tag. CreateTopic answers with the existing
    /// topic of the name: that topic is refused rather than taken over.
    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name_with_suffix(
            c.name.as_deref(),
            c.name_prefix.as_deref(),
            name_suffix(c.fifo_topic),
        )?;
        let arn = arn_of(aws, &name).await?;
        if topic_attributes(aws, &arn).await?.is_some() {
            return Err(ProviderError::Api(format!(
                "CreateTopic {name}: a topic of this name already exists ({arn}); bring it under management with `cairn import`"
            )));
        }
        let mut attrs: HashMap<String, String> = attributes(c)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if c.fifo_topic {
            attrs.insert("FifoTopic".into(), "true".into());
        }
        let tags = c
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {name}: {e}")))?;
        let made = aws
            .sns
            .create_topic()
            .name(&name)
            .set_attributes(Some(attrs).filter(|a| !a.is_empty()))
            .set_tags(Some(tags).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateTopic", &name, e.into_service_error()))?;
        let arn = made.topic_arn().unwrap_or(&arn).to_string();
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &arn, || read_one(aws, &arn, &config)).await
    }

    /// By its unique name. A generated name by its prefix and the ownership tags (the
    /// topics ListTopics lists, then the tags of those generated from the prefix).
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(config.name.as_deref(), config.name_prefix.as_deref())? {
            Named::Given(name) => {
                let arn = arn_of(aws, name).await?;
                vec![arn]
            }
            Named::Generated(prefix) => {
                tags_can_tell(TYPE, ctx)?;
                let suffix = name_suffix(config.fifo_topic);
                let topics = aws
                    .sns
                    .list_topics()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| api("ListTopics", prefix, e.into_service_error()))?;
                let generated = topics.iter().filter_map(|t| t.topic_arn()).filter(|arn| {
                    arn.rsplit(':')
                        .next()
                        .is_some_and(|n| generated_from(n, prefix, suffix))
                });
                let tagged = futures::future::try_join_all(generated.map(|arn| async move {
                    let claim = match aws
                        .sns
                        .list_tags_for_resource()
                        .resource_arn(arn)
                        .send()
                        .await
                    {
                        Ok(t) => claim(t.tags().iter().map(|t| (t.key(), t.value())), ctx),
                        Err(e) => {
                            let e = api("ListTagsForResource", arn, e.into_service_error());
                            if e.kind() != cairn_model::ErrorKind::NotFound {
                                return Err(e);
                            }
                            None
                        }
                    };
                    Ok::<_, ProviderError>((arn.to_string(), claim))
                }))
                .await?;
                claimed(tagged.iter().map(|(a, c)| (Some(a.as_str()), *c)))
            }
        };
        read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        if !is_topic_arn(import_id) {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not an SNS topic ARN",
                IMPORT_ID,
            ));
        }
        Ok(())
    }

    /// SetTopicAttributes, one call per changed attribute (a removed one set to empty; a
    /// removed policy stays as it is, as Terraform's computed policy); tags with TagResource
    /// and UntagResource.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        let before = attributes(old);
        let after = attributes(new);
        for (k, v) in &after {
            if before.get(k) != Some(v) {
                set_topic_attribute(aws, arn, k, v).await?;
            }
        }
        for k in before.keys() {
            if !after.contains_key(k)
                && ["DisplayName", "DeliveryPolicy", "KmsMasterKeyId"].contains(k)
            {
                set_topic_attribute(aws, arn, k, "").await?;
            }
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.sns
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", arn, e.into_service_error()))?;
        }
        if !set.is_empty() {
            let tags = set
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {arn}: {e}")))?;
            aws.sns
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(|e| api("TagResource", arn, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, arn, || read_one(aws, arn, &config)).await
    }

    /// Deletes the topic and its subscriptions.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.sns
            .delete_topic()
            .topic_arn(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteTopic", &prior.id, e.into_service_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creates_send_what_is_set() {
        let c: Config = serde_json::from_value(json!({"name": "alerts"})).expect("config");
        assert!(attributes(&c).is_empty());
        let c: Config = serde_json::from_value(json!({"name": "orders.fifo", "fifo_topic": true,
            "tracing_config": "Active", "policy": {"Version": "2012-10-17"}}))
        .expect("config");
        let a = attributes(&c);
        assert_eq!(a["TracingConfig"], "Active");
        assert_eq!(a["ContentBasedDeduplication"], "false");
        assert_eq!(a["Policy"], r#"{"Version":"2012-10-17"}"#);
    }
}
