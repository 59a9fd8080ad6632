//! `aws_lb`: an application or network load balancer.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerStateEnum,
    LoadBalancerTypeEnum,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{claimed_generated, describe_each, elb_tags, found_or_none, tags_of, update_tags};
use crate::common::{
    api, code, only, read_found, request, wait_until, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lb";

fn application() -> String {
    "application".into()
}

fn sixty() -> i32 {
    60
}

/// How a load balancer's name is generated when the configuration leaves it out: 32
/// characters at most, which `cairn-` and the unique part fill (Terraform's default prefix
/// is `tf-lb-`).
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 32,
};

/// A load balancer.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The load balancer's name; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 32), regex(pattern = r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"), extend("x-pattern-says" = "letters, digits and hyphens, not starting or ending with a hyphen"))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`): at most 6 characters, since names have at
    /// most 32; conflicts with `name`. With neither, the name is generated from the prefix
    /// `cairn-` (Terraform's is `tf-lb-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 6), regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9-]*$"), extend("x-pattern-says" = "letters, digits and hyphens, not starting with a hyphen"))]
    pub name_prefix: Option<String>,
    /// Internal (private addresses only) instead of internet-facing.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub internal: bool,
    /// `application` or `network`.
    #[serde(default = "application")]
    #[schemars(extend("x-force-new" = true))]
    #[schemars(extend("enum" = ["application", "network", "gateway"]))]
    pub load_balancer_type: String,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub security_groups: Vec<String>,
    /// Subnets in at least two availability zones.
    #[schemars(extend("x-set" = true, "x-spread" = {"attribute": "availability_zone", "at_least": 2}))]
    pub subnets: Vec<String>,
    /// Seconds a connection may stay idle.
    #[serde(default = "sixty")]
    pub idle_timeout: i32,
    #[serde(default)]
    pub enable_deletion_protection: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The load balancer's ARN.
    pub id: String,
    pub arn: String,
    /// `app/<name>/<id>`, for CloudWatch metrics.
    pub arn_suffix: String,
    pub dns_name: String,
    pub zone_id: String,
}

async fn describe(aws: &Aws, arns: &[String]) -> Result<Vec<LoadBalancer>, ProviderError> {
    describe_each("DescribeLoadBalancers", arns, 20, |batch| async move {
        aws.elb
            .describe_load_balancers()
            .set_load_balancer_arns(Some(batch))
            .send()
            .await
            .map(|r| r.load_balancers().to_vec())
            .map_err(|e| e.into_service_error())
    })
    .await
}

async fn attributes(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    let r = aws
        .elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(|e| {
            api(
                "DescribeLoadBalancerAttributes",
                arn,
                e.into_service_error(),
            )
        })?;
    Ok(r.attributes()
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string())))
        .collect())
}

/// DescribeLoadBalancers and DescribeTags 20 at a time; attributes per load balancer in
/// parallel (AWS has no batch call for them).
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
        .filter_map(|l| l.load_balancer_arn().map(str::to_string))
        .collect();
    let tags = tags_of(aws, &arns).await?;
    let attrs = futures::future::try_join_all(arns.iter().map(|a| attributes(aws, a))).await?;
    for (l, attrs) in found.iter().zip(attrs) {
        let Some(arn) = l.load_balancer_arn() else {
            continue;
        };
        let name = l.load_balancer_name().unwrap_or_default();
        let p = prior.get(arn).copied().unwrap_or(&serde_json::Value::Null);
        let config = Config {
            name: Some(name.to_string()),
            name_prefix: NAMING.read_prefix(name, p),
            internal: l.scheme() == Some(&LoadBalancerSchemeEnum::Internal),
            load_balancer_type: l
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(application),
            security_groups: l.security_groups().to_vec(),
            subnets: l
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id().map(str::to_string))
                .collect(),
            idle_timeout: attrs
                .get("idle_timeout.timeout_seconds")
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
            enable_deletion_protection: attrs
                .get("deletion_protection.enabled")
                .is_some_and(|v| v == "true"),
            tags: tags.get(arn).cloned().unwrap_or_default(),
        };
        let outputs = Outputs {
            id: arn.to_string(),
            arn: arn.to_string(),
            arn_suffix: arn
                .split_once(":loadbalancer/")
                .map(|(_, s)| s.to_string())
                .unwrap_or_default(),
            dns_name: l.dns_name().unwrap_or_default().to_string(),
            zone_id: l.canonical_hosted_zone_id().unwrap_or_default().to_string(),
        };
        out.insert(
            arn.to_string(),
            Some(AwsLb::observed(arn, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(aws: &Aws, arn: &str, prior: &Config) -> Result<Option<Observed>, ProviderError> {
    let prior = serde_json::to_value(prior).unwrap_or_default();
    Ok(only(arn, read(aws, &request(arn, prior)).await?))
}

async fn set_attributes(aws: &Aws, arn: &str, c: &Config) -> Result<(), ProviderError> {
    let attr = |k: &str, v: String| LoadBalancerAttribute::builder().key(k).value(v).build();
    aws.elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .attributes(attr(
            "idle_timeout.timeout_seconds",
            c.idle_timeout.to_string(),
        ))
        .attributes(attr(
            "deletion_protection.enabled",
            c.enable_deletion_protection.to_string(),
        ))
        .send()
        .await
        .map_err(|e| api("ModifyLoadBalancerAttributes", arn, e.into_service_error()))?;
    Ok(())
}
/// How `cairn import` names one: the load balancer ARN.
pub const IMPORT_ID: &str = "the load balancer ARN";

/// The `aws_lb` resource type.
pub struct AwsLb;

impl Resource for AwsLb {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::ElasticLoadBalancingV2::LoadBalancer",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "web",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/0123",
        ],
        absent: Some(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/absent/0123456789abcdef",
        ),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its ARN.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_arn(TYPE, import_id, ":loadbalancer/", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        let scheme = if c.internal {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let r = aws
            .elb
            .create_load_balancer()
            .name(&name)
            .scheme(scheme)
            .r#type(LoadBalancerTypeEnum::from(c.load_balancer_type.as_str()))
            .set_subnets(Some(c.subnets.clone()))
            .set_security_groups(Some(c.security_groups.clone()).filter(|g| !g.is_empty()))
            .set_tags(Some(elb_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateLoadBalancer", &name, e.into_service_error()))?;
        let arn = r
            .load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .ok_or_else(|| ProviderError::Api("CreateLoadBalancer returned no ARN".into()))?
            .to_string();
        set_attributes(aws, &arn, c).await?;
        wait_until(
            ctx,
            TYPE,
            &arn,
            "active",
            Duration::from_secs(900),
            || async {
                let found = describe(aws, std::slice::from_ref(&arn)).await?;
                Ok(found.first().is_some_and(|l| {
                    l.state().and_then(|s| s.code()) != Some(&LoadBalancerStateEnum::Provisioning)
                }))
            },
        )
        .await?;
        read_one(aws, &arn, c)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("load balancer {arn} vanished after create")))
    }

    /// By its unique name: one DescribeLoadBalancers of the name. A generated name by its
    /// prefix and the ownership tags (every load balancer, then the tags of those whose names
    /// were generated from the prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let described = aws.elb.describe_load_balancers().names(name).send().await;
                let found = found_or_none(
                    described
                        .map(|r| r.load_balancers().to_vec())
                        .map_err(|e| e.into_service_error()),
                    "DescribeLoadBalancers",
                    name,
                )?;
                found
                    .iter()
                    .filter(|l| l.load_balancer_name() == Some(name))
                    .filter_map(|l| l.load_balancer_arn().map(str::to_string))
                    .collect()
            }
            Named::Generated(prefix) => {
                let all = aws
                    .elb
                    .describe_load_balancers()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| api("DescribeLoadBalancers", prefix, e.into_service_error()))?;
                let named = all
                    .iter()
                    .filter_map(|l| {
                        Some((
                            l.load_balancer_arn()?.to_string(),
                            l.load_balancer_name()?.to_string(),
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
        if old.security_groups != new.security_groups {
            aws.elb
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(Some(new.security_groups.clone()))
                .send()
                .await
                .map_err(|e| api("SetSecurityGroups", arn, e.into_service_error()))?;
        }
        if old.subnets != new.subnets {
            aws.elb
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(Some(new.subnets.clone()))
                .send()
                .await
                .map_err(|e| api("SetSubnets", arn, e.into_service_error()))?;
        }
        if old.idle_timeout != new.idle_timeout
            || old.enable_deletion_protection != new.enable_deletion_protection
        {
            set_attributes(aws, arn, new).await?;
        }
        update_tags(aws, arn, &old.tags, &new.tags).await?;
        read_one(aws, arn, new)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("load balancer {arn} no longer exists")))
    }

    /// Refuses while deletion protection is on; waits until the load balancer is gone.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let arn = &prior.id;
        if let Err(e) = aws
            .elb
            .delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
        {
            let e = e.into_service_error();
            if code(&e) == Some("OperationNotPermitted") {
                return Err(ProviderError::Api(format!(
                    "DeleteLoadBalancer {arn}: deletion protection is on; set enable_deletion_protection = false and apply first"
                )));
            }
            return Err(api("DeleteLoadBalancer", arn, e));
        }
        wait_until(
            ctx,
            TYPE,
            arn,
            "deleted",
            Duration::from_secs(600),
            || async { Ok(describe(aws, std::slice::from_ref(arn)).await?.is_empty()) },
        )
        .await
    }
}
