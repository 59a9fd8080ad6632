//! SNS: topics, their subscriptions and their access policies.

pub mod subscription;
pub mod topic;
pub mod topic_policy;

use std::collections::HashMap;

use cairn_model::{ErrorKind, ProviderError};

use crate::common::api;
use crate::Aws;

/// A configured document (a table or JSON text) as the JSON text SNS takes.
pub(crate) fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// JSON text SNS answers with, as a document (the text itself when it is not JSON); `None`
/// when empty.
pub(crate) fn document_of(text: Option<&String>) -> Option<serde_json::Value> {
    let text = text.filter(|t| !t.trim().is_empty())?;
    Some(serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!(text)))
}

/// The topic's attributes; `None` when the topic does not exist.
pub(crate) async fn topic_attributes(
    aws: &Aws,
    arn: &str,
) -> Result<Option<HashMap<String, String>>, ProviderError> {
    match aws.sns.get_topic_attributes().topic_arn(arn).send().await {
        Ok(got) => Ok(Some(got.attributes().cloned().unwrap_or_default())),
        Err(e) => {
            let e = api("GetTopicAttributes", arn, e.into_service_error());
            if e.kind() == ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Sets one attribute of a topic.
pub(crate) async fn set_topic_attribute(
    aws: &Aws,
    arn: &str,
    name: &str,
    value: &str,
) -> Result<(), ProviderError> {
    aws.sns
        .set_topic_attributes()
        .topic_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("SetTopicAttributes", arn, e.into_service_error()))
}

/// The policy AWS gives a topic when it is made (Terraform's `defaultTopicPolicy`): what a
/// topic policy's delete puts back.
pub(crate) fn default_policy(arn: &str) -> serde_json::Value {
    let account = arn.split(':').nth(4).unwrap_or_default();
    serde_json::json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish",
            ],
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
        }],
    })
}

/// Whether `policy` is the one AWS gives a topic when it is made.
pub(crate) fn is_default_policy(policy: &serde_json::Value) -> bool {
    policy.get("Id").and_then(|v| v.as_str()) == Some("__default_policy_ID")
        && policy
            .get("Statement")
            .and_then(|s| s.as_array())
            .is_some_and(|s| {
                s.len() == 1
                    && s[0].get("Sid").and_then(|v| v.as_str()) == Some("__default_statement_ID")
            })
}

/// Whether an ARN is an SNS topic's (`arn:<partition>:sns:<region>:<account>:<name>`).
pub(crate) fn is_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "sns"
        && !parts[3].is_empty()
        && !parts[4].is_empty()
        && !parts[5].is_empty()
        && !arn.contains(char::is_whitespace)
}
