//! `aws_sns_topic_policy`: the access policy of an SNS topic, kept apart from the topic (an
//! S3 bucket, EventBridge or another account allowed to publish to it, a topic made
//! elsewhere).

use cairn_model::{FoundBy, Observed, OpContext, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    default_policy, document_of, document_text, is_default_policy, is_topic_arn,
    set_topic_attribute, topic_attributes,
};
use crate::common::read_back;
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_sns_topic_policy";

/// The access policy of an SNS topic. A topic has one policy: two of these for one topic,
/// or one and the topic's own `policy`, overwrite each other.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ARN of the topic (`aws_sns_topic.<name>.arn`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub arn: String,
    /// The policy document (a table, or JSON text).
    #[schemars(extend("x-document" = true))]
    pub policy: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The topic's ARN.
    pub id: String,
    /// The id of the account that owns the topic.
    pub owner: String,
}

/// How `cairn import` names one: the topic's ARN.
pub const IMPORT_ID: &str = "the topic's ARN (`arn:aws:sns:<region>:<account>:<name>`)";

/// The `aws_sns_topic_policy` resource type.
pub struct AwsSnsTopicPolicy;

impl Resource for AwsSnsTopicPolicy {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["arn"]),
        cloudformation: "AWS::SNS::TopicPolicy",
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

    /// One GetTopicAttributes: a topic with AWS's default policy has none of its own.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        set_topic_attribute(aws, &c.arn, "Policy", &document_text(&c.policy)).await?;
        read_back(TYPE, &c.arn, || read_one(aws, &c.arn)).await
    }

    async fn update(
        aws: &Aws,
        _prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        set_topic_attribute(aws, &new.arn, "Policy", &document_text(&new.policy)).await?;
        read_back(TYPE, &new.arn, || read_one(aws, &new.arn)).await
    }

    /// Puts back the policy AWS gives a topic when it is made (the topic stays), as
    /// Terraform does.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let policy = default_policy(&prior.id).to_string();
        set_topic_attribute(aws, &prior.id, "Policy", &policy).await
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
}

/// The topic's policy; `None` when the topic is gone or has AWS's default policy.
async fn read_one(aws: &Aws, arn: &str) -> Answer<Option<Observed>> {
    let Some(attrs) = topic_attributes(aws, arn).await? else {
        return Ok(None);
    };
    let Some(policy) = document_of(attrs.get("Policy")).filter(|p| !is_default_policy(p)) else {
        return Ok(None);
    };
    let config = Config {
        arn: arn.to_string(),
        policy,
    };
    let outputs = Outputs {
        id: arn.to_string(),
        owner: attrs.get("Owner").cloned().unwrap_or_default(),
    };
    Ok(Some(AwsSnsTopicPolicy::observed(arn, &config, &outputs)))
}
