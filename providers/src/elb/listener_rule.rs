//! `aws_lb_listener_rule`: a listener rule matching paths or host names to actions.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    HostHeaderConditionConfig, PathPatternConditionConfig, Rule, RuleCondition, RulePriorityPair,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::listener::{from_aws, to_aws, Action};
use super::{describe_each, elb_tags, found_or_none, tags_of, update_tags};
use crate::common::{api, only, read_back, read_found, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lb_listener_rule";

/// A rule of a listener.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub listener_arn: String,
    /// Lower numbers are evaluated first (1 to 50000).
    pub priority: i32,
    pub action: Vec<Action>,
    /// All must match.
    pub condition: Vec<Condition>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One condition: `{ path_pattern = { values = ["/api/*"] } }` or `{ host_header = {...} }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<Values>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_header: Option<Values>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Values {
    #[schemars(extend("x-set" = true))]
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The rule's ARN.
    pub id: String,
    pub arn: String,
}

fn conditions(c: &Config) -> Vec<RuleCondition> {
    c.condition
        .iter()
        .map(|cond| {
            let mut b = RuleCondition::builder();
            if let Some(p) = &cond.path_pattern {
                b = b.field("path-pattern").path_pattern_config(
                    PathPatternConditionConfig::builder()
                        .set_values(Some(p.values.clone()))
                        .build(),
                );
            }
            if let Some(h) = &cond.host_header {
                b = b.field("host-header").host_header_config(
                    HostHeaderConditionConfig::builder()
                        .set_values(Some(h.values.clone()))
                        .build(),
                );
            }
            b.build()
        })
        .collect()
}

fn from_conditions(r: &Rule) -> Vec<Condition> {
    r.conditions()
        .iter()
        .map(|c| {
            let values = |configured: Option<&[String]>| Values {
                values: configured
                    .filter(|v| !v.is_empty())
                    .unwrap_or(c.values())
                    .to_vec(),
            };
            match c.field() {
                Some("host-header") => Condition {
                    path_pattern: None,
                    host_header: Some(values(c.host_header_config().map(|h| h.values()))),
                },
                _ => Condition {
                    path_pattern: Some(values(c.path_pattern_config().map(|p| p.values()))),
                    host_header: None,
                },
            }
        })
        .collect()
}

async fn describe(aws: &Aws, arns: &[String]) -> Result<Vec<Rule>, ProviderError> {
    describe_each("DescribeRules", arns, arns.len(), |batch| async move {
        aws.elb
            .describe_rules()
            .set_rule_arns(Some(batch))
            .send()
            .await
            .map(|r| r.rules().to_vec())
            .map_err(|e| e.into_service_error())
    })
    .await
}

/// One DescribeRules for all; the listener of each rule comes from its recorded inputs.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
    let mut out: BTreeMap<String, Option<Observed>> =
        ids.iter().map(|i| (i.clone(), None)).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let listener_of: BTreeMap<&str, &str> = requests
        .iter()
        .filter_map(|r| Some((r.id.as_str(), r.prior_inputs.get("listener_arn")?.as_str()?)))
        .collect();
    let found = describe(aws, &ids).await?;
    let arns: Vec<String> = found
        .iter()
        .filter_map(|r| r.rule_arn().map(str::to_string))
        .collect();
    let tags = tags_of(aws, &arns).await?;
    for r in &found {
        let Some(arn) = r.rule_arn() else { continue };
        // A rule ARN holds its listener's: `...:listener-rule/app/<lb>/<id>/<listener>/<rule>`.
        let listener = listener_of
            .get(arn)
            .map(|s| s.to_string())
            .unwrap_or_else(|| {
                let base = arn.replacen(":listener-rule/", ":listener/", 1);
                base.rsplit_once('/')
                    .map(|(l, _)| l.to_string())
                    .unwrap_or_default()
            });
        let config = Config {
            listener_arn: listener,
            priority: r.priority().and_then(|p| p.parse().ok()).unwrap_or(0),
            action: from_aws(r.actions()),
            condition: from_conditions(r),
            tags: tags.get(arn).cloned().unwrap_or_default(),
        };
        let outputs = Outputs {
            id: arn.to_string(),
            arn: arn.to_string(),
        };
        out.insert(
            arn.to_string(),
            Some(AwsLbListenerRule::observed(arn, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(aws: &Aws, arn: &str, listener: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        arn,
        read(
            aws,
            &request(arn, serde_json::json!({ "listener_arn": listener })),
        )
        .await?,
    ))
}
/// How `cairn import` names one: the listener rule ARN.
pub const IMPORT_ID: &str = "the listener rule ARN";

/// The `aws_lb_listener_rule` resource type.
pub struct AwsLbListenerRule;

impl Resource for AwsLbListenerRule {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["listener_arn", "priority"]),
        cloudformation: "AWS::ElasticLoadBalancingV2::ListenerRule",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123/4567",
        ],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its ARN (which holds its listener's).
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_arn(TYPE, import_id, ":listener-rule/", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let r = aws
            .elb
            .create_rule()
            .listener_arn(&c.listener_arn)
            .priority(c.priority)
            .set_conditions(Some(conditions(c)))
            .set_actions(Some(to_aws(&c.action)))
            .set_tags(Some(elb_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateRule", &c.listener_arn, e.into_service_error()))?;
        let arn = r
            .rules()
            .first()
            .and_then(|r| r.rule_arn())
            .ok_or_else(|| ProviderError::Api("CreateRule returned no ARN".into()))?
            .to_string();
        read_back(TYPE, &arn, || read_one(aws, &arn, &c.listener_arn)).await
    }

    /// By its natural key: the listener's rule of the configured priority (priorities are
    /// unique per listener), from one DescribeRules of the listener (paged).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let listed = aws
            .elb
            .describe_rules()
            .listener_arn(&c.listener_arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        let listed = listed.map_err(|e| e.into_service_error());
        let rules = found_or_none(listed, "DescribeRules", &c.listener_arn)?;
        let priority = c.priority.to_string();
        let ids = rules
            .iter()
            .filter(|r| r.priority() == Some(priority.as_str()))
            .filter_map(|r| r.rule_arn().map(str::to_string))
            .collect();
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        if old.action != new.action || old.condition != new.condition {
            aws.elb
                .modify_rule()
                .rule_arn(arn)
                .set_conditions(Some(conditions(new)))
                .set_actions(Some(to_aws(&new.action)))
                .send()
                .await
                .map_err(|e| api("ModifyRule", arn, e.into_service_error()))?;
        }
        if old.priority != new.priority {
            aws.elb
                .set_rule_priorities()
                .rule_priorities(
                    RulePriorityPair::builder()
                        .rule_arn(arn)
                        .priority(new.priority)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| api("SetRulePriorities", arn, e.into_service_error()))?;
        }
        update_tags(aws, arn, &old.tags, &new.tags).await?;
        read_back(TYPE, arn, || read_one(aws, arn, &new.listener_arn)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.elb
            .delete_rule()
            .rule_arn(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteRule", &prior.id, e.into_service_error()))
    }
}
