//! `aws_lb_target_group`: where a load balancer sends requests (instances, IPs, Fargate tasks).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{claimed_generated, describe_each, elb_tags, found_or_none, tags_of, update_tags};
use crate::common::{
    api, code, only, read_back, read_found, request, retry, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lb_target_group";

fn instance() -> String {
    "instance".into()
}

fn three_hundred() -> i32 {
    300
}

/// How a target group's name is generated when the configuration leaves it out: 32
/// characters at most, which `cairn-` and the unique part fill (Terraform's default prefix
/// is `tf-`).
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 32,
};

/// A target group.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The target group's name; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 32), regex(pattern = r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"), extend("x-pattern-says" = "letters, digits and hyphens, not starting or ending with a hyphen"))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`): at most 6 characters, since names have at
    /// most 32; conflicts with `name`. With neither, the name is generated from the prefix
    /// `cairn-` (Terraform's is `tf-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 6), regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9-]*$"), extend("x-pattern-says" = "letters, digits and hyphens, not starting with a hyphen"))]
    pub name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i32>,
    /// `HTTP`, `HTTPS`, `TCP`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    #[schemars(extend("x-uppercase" = true))]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub vpc_id: Option<String>,
    /// `instance`, `ip` (Fargate), `lambda` or `alb`.
    #[serde(default = "instance")]
    #[schemars(extend("x-force-new" = true))]
    pub target_type: String,
    /// Seconds to drain a target before it is removed.
    #[serde(default = "three_hundred")]
    pub deregistration_delay: i32,
    /// How targets are checked; what is left out keeps AWS's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// HTTP codes that count as healthy, e.g. `200-399`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold: Option<i32>,
    /// `traffic-port` or a port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-uppercase" = true))]
    pub protocol: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The target group's ARN.
    pub id: String,
    pub arn: String,
    /// `targetgroup/<name>/<id>`, for CloudWatch metrics.
    pub arn_suffix: String,
}

async fn describe(aws: &Aws, arns: &[String]) -> Result<Vec<TargetGroup>, ProviderError> {
    describe_each("DescribeTargetGroups", arns, 20, |batch| async move {
        aws.elb
            .describe_target_groups()
            .set_target_group_arns(Some(batch))
            .send()
            .await
            .map(|r| r.target_groups().to_vec())
            .map_err(|e| e.into_service_error())
    })
    .await
}

async fn deregistration_delay(aws: &Aws, arn: &str) -> Result<i32, ProviderError> {
    let r = aws
        .elb
        .describe_target_group_attributes()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|e| api("DescribeTargetGroupAttributes", arn, e.into_service_error()))?;
    Ok(r.attributes()
        .iter()
        .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
        .and_then(|a| a.value()?.parse().ok())
        .unwrap_or(300))
}

/// DescribeTargetGroups and DescribeTags 20 at a time; attributes per group in parallel.
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
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    let found = describe(aws, &ids).await?;
    let arns: Vec<String> = found
        .iter()
        .filter_map(|t| t.target_group_arn().map(str::to_string))
        .collect();
    let tags = tags_of(aws, &arns).await?;
    let delays =
        futures::future::try_join_all(arns.iter().map(|a| deregistration_delay(aws, a))).await?;
    for (t, delay) in found.iter().zip(delays) {
        let Some(arn) = t.target_group_arn() else {
            continue;
        };
        let name = t.target_group_name().unwrap_or_default();
        let p = prior.get(arn).copied().unwrap_or(&serde_json::Value::Null);
        let config = Config {
            name: Some(name.to_string()),
            name_prefix: NAMING.read_prefix(name, p),
            port: t.port(),
            protocol: t.protocol().map(|p| p.as_str().to_string()),
            vpc_id: t.vpc_id().map(str::to_string),
            target_type: t
                .target_type()
                .map(|x| x.as_str().to_string())
                .unwrap_or_else(instance),
            deregistration_delay: delay,
            health_check: Some(HealthCheck {
                enabled: t.health_check_enabled(),
                path: t.health_check_path().map(str::to_string),
                matcher: t.matcher().and_then(|m| m.http_code()).map(str::to_string),
                interval: t.health_check_interval_seconds(),
                timeout: t.health_check_timeout_seconds(),
                healthy_threshold: t.healthy_threshold_count(),
                unhealthy_threshold: t.unhealthy_threshold_count(),
                port: t.health_check_port().map(str::to_string),
                protocol: t.health_check_protocol().map(|p| p.as_str().to_string()),
            }),
            tags: tags.get(arn).cloned().unwrap_or_default(),
        };
        let outputs = Outputs {
            id: arn.to_string(),
            arn: arn.to_string(),
            arn_suffix: arn.rsplit(':').next().unwrap_or_default().to_string(),
        };
        out.insert(
            arn.to_string(),
            Some(AwsLbTargetGroup::observed(arn, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(
    aws: &Aws,
    arn: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    Ok(only(arn, read(aws, &request(arn, prior.clone())).await?))
}

async fn set_delay(aws: &Aws, arn: &str, seconds: i32) -> Result<(), ProviderError> {
    aws.elb
        .modify_target_group_attributes()
        .target_group_arn(arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key("deregistration_delay.timeout_seconds")
                .value(seconds.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|e| api("ModifyTargetGroupAttributes", arn, e.into_service_error()))?;
    Ok(())
}
/// How `cairn import` names one: the target group ARN.
pub const IMPORT_ID: &str = "the target group ARN";

/// The `aws_lb_target_group` resource type.
pub struct AwsLbTargetGroup;

impl Resource for AwsLbTargetGroup {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::ElasticLoadBalancingV2::TargetGroup",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["app"],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its ARN.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_arn(TYPE, import_id, ":targetgroup/", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        let hc = c.health_check.clone().unwrap_or(HealthCheck {
            enabled: None,
            path: None,
            matcher: None,
            interval: None,
            timeout: None,
            healthy_threshold: None,
            unhealthy_threshold: None,
            port: None,
            protocol: None,
        });
        let r = aws
            .elb
            .create_target_group()
            .name(&name)
            .set_port(c.port)
            .set_protocol(c.protocol.as_deref().map(ProtocolEnum::from))
            .set_vpc_id(c.vpc_id.clone())
            .target_type(TargetTypeEnum::from(c.target_type.as_str()))
            .set_health_check_enabled(hc.enabled)
            .set_health_check_path(hc.path.clone())
            .set_matcher(
                hc.matcher
                    .as_ref()
                    .map(|m| Matcher::builder().http_code(m).build()),
            )
            .set_health_check_interval_seconds(hc.interval)
            .set_health_check_timeout_seconds(hc.timeout)
            .set_healthy_threshold_count(hc.healthy_threshold)
            .set_unhealthy_threshold_count(hc.unhealthy_threshold)
            .set_health_check_port(hc.port.clone())
            .set_health_check_protocol(hc.protocol.as_deref().map(ProtocolEnum::from))
            .set_tags(Some(elb_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateTargetGroup", &name, e.into_service_error()))?;
        let arn = r
            .target_groups()
            .first()
            .and_then(|t| t.target_group_arn())
            .ok_or_else(|| ProviderError::Api("CreateTargetGroup returned no ARN".into()))?
            .to_string();
        if c.deregistration_delay != 300 {
            set_delay(aws, &arn, c.deregistration_delay).await?;
        }
        let config = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &arn, || read_one(aws, &arn, &config)).await
    }

    /// By its unique name: one DescribeTargetGroups of the name. A generated name by its
    /// prefix and the ownership tags (every target group, then the tags of those whose names
    /// were generated from the prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let described = aws.elb.describe_target_groups().names(name).send().await;
                let found = found_or_none(
                    described
                        .map(|r| r.target_groups().to_vec())
                        .map_err(|e| e.into_service_error()),
                    "DescribeTargetGroups",
                    name,
                )?;
                found
                    .iter()
                    .filter(|t| t.target_group_name() == Some(name))
                    .filter_map(|t| t.target_group_arn().map(str::to_string))
                    .collect()
            }
            Named::Generated(prefix) => {
                let all = aws
                    .elb
                    .describe_target_groups()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| api("DescribeTargetGroups", prefix, e.into_service_error()))?;
                let named = all
                    .iter()
                    .filter_map(|t| {
                        Some((
                            t.target_group_arn()?.to_string(),
                            t.target_group_name()?.to_string(),
                        ))
                    })
                    .collect();
                claimed_generated(aws, TYPE, named, prefix, ctx).await?
            }
        };
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
        if let Some(hc) = &new.health_check {
            aws.elb
                .modify_target_group()
                .target_group_arn(arn)
                .set_health_check_enabled(hc.enabled)
                .set_health_check_path(hc.path.clone())
                .set_matcher(
                    hc.matcher
                        .as_ref()
                        .map(|m| Matcher::builder().http_code(m).build()),
                )
                .set_health_check_interval_seconds(hc.interval)
                .set_health_check_timeout_seconds(hc.timeout)
                .set_healthy_threshold_count(hc.healthy_threshold)
                .set_unhealthy_threshold_count(hc.unhealthy_threshold)
                .set_health_check_port(hc.port.clone())
                .set_health_check_protocol(hc.protocol.as_deref().map(ProtocolEnum::from))
                .send()
                .await
                .map_err(|e| api("ModifyTargetGroup", arn, e.into_service_error()))?;
        }
        if old.deregistration_delay != new.deregistration_delay {
            set_delay(aws, arn, new.deregistration_delay).await?;
        }
        update_tags(aws, arn, &old.tags, &new.tags).await?;
        let config = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, arn, || read_one(aws, arn, &config)).await
    }

    /// Waits while a listener or service still uses the group.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let arn = &prior.id;
        retry(
            Duration::from_secs(300),
            |e: &aws_sdk_elasticloadbalancingv2::operation::delete_target_group::DeleteTargetGroupError| {
                code(e) == Some("ResourceInUse")
            },
            || async {
                aws.elb
                    .delete_target_group()
                    .target_group_arn(arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteTargetGroup", arn, e))
    }
}
