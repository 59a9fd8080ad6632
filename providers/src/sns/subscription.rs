//! `aws_sns_topic_subscription`: an endpoint (SQS queue, Lambda function, HTTP/S URL, ...)
//! subscribed to an SNS topic, with its filter and redrive policies.

use std::collections::{BTreeMap, HashMap};

use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{document_of, document_text};
use crate::common::{api, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_sns_topic_subscription";

/// What kind of endpoint receives the topic's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// An SQS queue's ARN.
    Sqs,
    /// A Lambda function's ARN.
    Lambda,
    /// A Kinesis Data Firehose delivery stream's ARN (needs `subscription_role_arn`).
    Firehose,
    /// A mobile app endpoint's ARN.
    Application,
    /// An HTTP URL (confirmed by the endpoint).
    Http,
    /// An HTTPS URL (confirmed by the endpoint).
    Https,
    /// An email address (stays pending until the recipient confirms).
    Email,
    /// An email address, sent JSON (stays pending until the recipient confirms).
    #[serde(rename = "email-json")]
    EmailJson,
    /// A phone number.
    Sms,
}

/// Which part of a message the filter policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FilterPolicyScope {
    MessageAttributes,
    MessageBody,
}

fn one() -> i32 {
    1
}

/// A subscription to an SNS topic.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ARN of the topic (`aws_sns_topic.<name>.arn`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub topic_arn: String,
    /// `sqs`, `lambda`, `firehose`, `application`, `http`, `https`, `email`, `email-json` or
    /// `sms`.
    #[schemars(extend("x-force-new" = true))]
    pub protocol: Protocol,
    /// Where messages go: a queue's or function's ARN, a URL, an address or a number, as
    /// the protocol takes.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub endpoint: String,
    /// Deliver the message as published, without SNS's JSON envelope (SQS, HTTP/S and
    /// Firehose endpoints).
    #[serde(default)]
    pub raw_message_delivery: bool,
    /// Which messages the endpoint receives (a table, or JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub filter_policy: Option<serde_json::Value>,
    /// `MessageAttributes` (AWS's default, once a filter policy is set) or `MessageBody`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_policy_scope: Option<FilterPolicyScope>,
    /// Where messages that cannot be delivered go: `{ deadLetterTargetArn = "<queue ARN>" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub redrive_policy: Option<serde_json::Value>,
    /// How SNS retries deliveries to an HTTP/S endpoint (a table, or JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub delivery_policy: Option<serde_json::Value>,
    /// The role SNS assumes to write to a Firehose delivery stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_role_arn: Option<String>,
    /// HTTP/S endpoints: the endpoint confirms the subscription itself (cairn then waits
    /// for the confirmation).
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub endpoint_auto_confirms: bool,
    /// HTTP/S endpoints that confirm themselves: minutes to wait for the confirmation.
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 60), extend("x-not-in-aws" = true))]
    pub confirmation_timeout_in_minutes: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The subscription's ARN.
    pub id: String,
    pub arn: String,
    /// The id of the account that owns the topic.
    pub owner_id: String,
    /// Whether the endpoint has yet to confirm the subscription.
    pub pending_confirmation: bool,
    /// Whether the confirmation was authenticated.
    pub confirmation_was_authenticated: bool,
}

/// How `cairn import` names one: its ARN.
pub const IMPORT_ID: &str =
    "the subscription's ARN (`arn:aws:sns:<region>:<account>:<topic>:<subscription id>`)";

/// Whether `arn` is a subscription's ARN: a topic's ARN and the subscription's id.
fn is_subscription_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[2] == "sns"
        && parts[3..].iter().all(|p| !p.is_empty())
        && !arn.contains(char::is_whitespace)
}

async fn read_one(
    aws: &Aws,
    arn: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let attrs = match aws
        .sns
        .get_subscription_attributes()
        .subscription_arn(arn)
        .send()
        .await
    {
        Ok(got) => got.attributes().cloned().unwrap_or_default(),
        Err(e) => {
            let e = api("GetSubscriptionAttributes", arn, e.into_service_error());
            if e.kind() == ErrorKind::NotFound {
                return Ok(None);
            }
            return Err(e);
        }
    };
    let get = |k: &str| attrs.get(k).filter(|v| !v.is_empty());
    let flag = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let Some(protocol) = get("Protocol").and_then(|p| crate::common::from_wire(p)) else {
        return Err(ProviderError::Api(format!(
            "GetSubscriptionAttributes {arn}: SNS answered with no protocol cairn knows: {:?}",
            attrs.get("Protocol")
        )));
    };
    // cairn's own settings, which AWS does not keep: as last applied, else their defaults.
    let auto_confirms = prior
        .get("endpoint_auto_confirms")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let timeout = prior
        .get("confirmation_timeout_in_minutes")
        .and_then(|v| v.as_i64())
        .and_then(|v| i32::try_from(v).ok())
        .unwrap_or(1);
    let filter_policy = document_of(attrs.get("FilterPolicy"));
    let config = Config {
        topic_arn: get("TopicArn").cloned().unwrap_or_default(),
        protocol,
        endpoint: get("Endpoint").cloned().unwrap_or_default(),
        raw_message_delivery: flag("RawMessageDelivery"),
        filter_policy_scope: get("FilterPolicyScope")
            .filter(|_| filter_policy.is_some())
            .and_then(|s| crate::common::from_wire(s)),
        filter_policy,
        redrive_policy: document_of(attrs.get("RedrivePolicy")),
        delivery_policy: document_of(attrs.get("DeliveryPolicy")),
        subscription_role_arn: get("SubscriptionRoleArn").cloned(),
        endpoint_auto_confirms: auto_confirms,
        confirmation_timeout_in_minutes: timeout,
    };
    let outputs = Outputs {
        id: arn.to_string(),
        arn: arn.to_string(),
        owner_id: get("Owner").cloned().unwrap_or_default(),
        pending_confirmation: flag("PendingConfirmation"),
        confirmation_was_authenticated: flag("ConfirmationWasAuthenticated"),
    };
    Ok(Some(AwsSnsTopicSubscription::observed(
        arn, &config, &outputs,
    )))
}

/// The subscription attributes a configuration sets, by SNS's names; an attribute left out
/// as empty (what removes it on update).
fn attributes(c: &Config) -> BTreeMap<&'static str, String> {
    let doc = |d: &Option<serde_json::Value>| d.as_ref().map(document_text).unwrap_or_default();
    let mut a = BTreeMap::new();
    a.insert("RawMessageDelivery", c.raw_message_delivery.to_string());
    a.insert("FilterPolicy", doc(&c.filter_policy));
    if let Some(s) = c.filter_policy_scope {
        a.insert("FilterPolicyScope", crate::common::wire(&s));
    }
    a.insert("RedrivePolicy", doc(&c.redrive_policy));
    a.insert("DeliveryPolicy", doc(&c.delivery_policy));
    if let Some(r) = &c.subscription_role_arn {
        a.insert("SubscriptionRoleArn", r.clone());
    }
    a
}

async fn set_attribute(aws: &Aws, arn: &str, name: &str, value: &str) -> Answer<()> {
    aws.sns
        .set_subscription_attributes()
        .subscription_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("SetSubscriptionAttributes", arn, e.into_service_error()))
}

/// The ARN of the confirmed subscription of `endpoint` by `protocol` to the topic, if any.
async fn subscription_of(aws: &Aws, c: &Config) -> Answer<Option<String>> {
    let subs = match aws
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(&c.topic_arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
    {
        Ok(subs) => subs,
        Err(e) => {
            let e = api(
                "ListSubscriptionsByTopic",
                &c.topic_arn,
                e.into_service_error(),
            );
            if e.kind() == ErrorKind::NotFound {
                return Ok(None);
            }
            return Err(e);
        }
    };
    let protocol = crate::common::wire(&c.protocol);
    Ok(subs
        .iter()
        .filter(|s| s.protocol() == Some(protocol.as_str()) && s.endpoint() == Some(&c.endpoint))
        .filter_map(|s| s.subscription_arn())
        .find(|arn| is_subscription_arn(arn))
        .map(str::to_string))
}

/// The `aws_sns_topic_subscription` resource type.
pub struct AwsSnsTopicSubscription;

impl Resource for AwsSnsTopicSubscription {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["topic_arn", "protocol", "endpoint"]),
        cloudformation: "AWS::SNS::Subscription",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "arn:aws:sns:us-east-1:123456789012:alerts",
            "arn:aws:sqs:us-east-1:123456789012:alerts:7f1e2d3c",
            "7f1e2d3c-0000-4000-8000-000000000000",
        ],
        absent: Some(
            "arn:aws:sns:us-east-1:123456789012:absent:7f1e2d3c-0000-4000-8000-000000000000",
        ),
    };

    /// GetSubscriptionAttributes per subscription, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// One Subscribe with every attribute set, its ARN answered at once (pending
    /// subscriptions included). SNS answers an existing subscription of the endpoint to the
    /// topic with that one: it is refused rather than taken over.
    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        if let Some(arn) = subscription_of(aws, c).await? {
            return Err(ProviderError::Api(format!(
                "Subscribe {}: {} is already subscribed ({arn}); bring it under management with `cairn import`",
                c.topic_arn, c.endpoint
            )));
        }
        let attrs: HashMap<String, String> = attributes(c)
            .into_iter()
            .filter(|(_, v)| !v.is_empty() && v != "false")
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let made = aws
            .sns
            .subscribe()
            .topic_arn(&c.topic_arn)
            .protocol(crate::common::wire(&c.protocol))
            .endpoint(&c.endpoint)
            .set_attributes(Some(attrs).filter(|a| !a.is_empty()))
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| api("Subscribe", &c.topic_arn, e.into_service_error()))?;
        let arn = made.subscription_arn().unwrap_or_default().to_string();
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        if c.endpoint_auto_confirms && matches!(c.protocol, Protocol::Http | Protocol::Https) {
            let limit =
                std::time::Duration::from_secs(60 * c.confirmation_timeout_in_minutes as u64);
            crate::common::wait_until(ctx, TYPE, &arn, "confirmed", limit, || async {
                Ok(read_one(aws, &arn, &config)
                    .await?
                    .is_some_and(|o| o.outputs["pending_confirmation"] == false))
            })
            .await?;
        }
        read_back(TYPE, &arn, || read_one(aws, &arn, &config)).await
    }

    /// By its natural key: the topic's subscriptions (ListSubscriptionsByTopic), the one of
    /// the protocol and endpoint.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = subscription_of(aws, c).await?.into_iter().collect();
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        if !is_subscription_arn(import_id) {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not an SNS subscription ARN",
                IMPORT_ID,
            ));
        }
        Ok(())
    }

    /// SetSubscriptionAttributes, one call per changed attribute (the filter policy's scope
    /// before the policy, which SNS checks against it).
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
        let order = [
            "FilterPolicyScope",
            "FilterPolicy",
            "RawMessageDelivery",
            "RedrivePolicy",
            "DeliveryPolicy",
            "SubscriptionRoleArn",
        ];
        for k in order {
            if let Some(v) = after.get(k) {
                if before.get(k) != Some(v) {
                    set_attribute(aws, arn, k, v).await?;
                }
            }
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, arn, || read_one(aws, arn, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.sns
            .unsubscribe()
            .subscription_arn(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("Unsubscribe", &prior.id, e.into_service_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_arns_are_a_topic_s_and_an_id() {
        assert!(is_subscription_arn(
            "arn:aws:sns:us-east-1:123456789012:alerts:7f1e2d3c"
        ));
        assert!(!is_subscription_arn(
            "arn:aws:sns:us-east-1:123456789012:alerts"
        ));
        assert!(!is_subscription_arn("PendingConfirmation"));
    }
}
