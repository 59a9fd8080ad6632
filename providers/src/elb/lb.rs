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

use super::{describe_each, elb_tags, found_or_none, tags_of, update_tags};
use crate::common::{api, code, only, read_found, request, wait_until};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lb";

fn application() -> String {
    "application".into()
}

fn sixty() -> i32 {
    60
}

/// A load balancer.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 32), regex(pattern = r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"), extend("x-pattern-says" = "letters, digits and hyphens, not starting or ending with a hyphen"))]
    pub name: String,
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
        let config = Config {
            name: l.load_balancer_name().unwrap_or_default().to_string(),
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

async fn read_one(aws: &Aws, arn: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        arn,
        read(aws, &request(arn, serde_json::Value::Null)).await?,
    ))
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
        let scheme = if c.internal {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let r = aws
            .elb
            .create_load_balancer()
            .name(&c.name)
            .scheme(scheme)
            .r#type(LoadBalancerTypeEnum::from(c.load_balancer_type.as_str()))
            .set_subnets(Some(c.subnets.clone()))
            .set_security_groups(Some(c.security_groups.clone()).filter(|g| !g.is_empty()))
            .set_tags(Some(elb_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateLoadBalancer", &c.name, e.into_service_error()))?;
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
        read_one(aws, &arn)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("load balancer {arn} vanished after create")))
    }

    /// By its unique name: one DescribeLoadBalancers of the name.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let described = aws
            .elb
            .describe_load_balancers()
            .names(&c.name)
            .send()
            .await;
        let found = found_or_none(
            described
                .map(|r| r.load_balancers().to_vec())
                .map_err(|e| e.into_service_error()),
            "DescribeLoadBalancers",
            &c.name,
        )?;
        let ids = found
            .iter()
            .filter(|l| l.load_balancer_name() == Some(c.name.as_str()))
            .filter_map(|l| l.load_balancer_arn().map(str::to_string))
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
        read_one(aws, arn)
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
