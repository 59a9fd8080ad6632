//! `aws_nat_gateway`: outbound internet access for private subnets.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{ConnectivityType, NatGatewayState, ResourceType};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{claim_of, filter, owner_filters, tag_spec, tags_of, update_tags};
use crate::common::{api, claimed, only, read_found, request, wait_until};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_nat_gateway";

fn public() -> String {
    "public".into()
}

/// A NAT gateway in a public subnet, with an Elastic IP.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub subnet_id: String,
    /// The Elastic IP's allocation id (public gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub allocation_id: Option<String>,
    /// `public` or `private`.
    #[serde(default = "public")]
    #[schemars(extend("x-force-new" = true))]
    pub connectivity_type: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
}

/// Gateways by id with their state; deleted ones count as gone.
async fn describe(
    aws: &Aws,
    ids: &[String],
) -> Result<Vec<aws_sdk_ec2::types::NatGateway>, ProviderError> {
    aws.ec2
        .describe_nat_gateways()
        .filter(filter("nat-gateway-id", ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeNatGateways",
                &ids.join(","),
                e.into_service_error(),
            )
        })
}

fn gone(state: Option<&NatGatewayState>) -> bool {
    matches!(
        state,
        Some(NatGatewayState::Deleted | NatGatewayState::Deleting | NatGatewayState::Failed)
    )
}

/// One DescribeNatGateways for all.
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
    for g in describe(aws, &ids).await? {
        let Some(id) = g.nat_gateway_id() else {
            continue;
        };
        if gone(g.state()) {
            continue;
        }
        let address = g.nat_gateway_addresses().first();
        let config = Config {
            subnet_id: g.subnet_id().unwrap_or_default().to_string(),
            allocation_id: address.and_then(|a| a.allocation_id().map(str::to_string)),
            connectivity_type: g
                .connectivity_type()
                .map(|c| c.as_str().to_string())
                .unwrap_or_else(public),
            tags: tags_of(g.tags()),
        };
        let outputs = Outputs {
            id: id.to_string(),
            private_ip: address.and_then(|a| a.private_ip().map(str::to_string)),
            public_ip: address.and_then(|a| a.public_ip().map(str::to_string)),
        };
        out.insert(
            id.to_string(),
            Some(AwsNatGateway::observed(id, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(aws, &request(id, serde_json::Value::Null)).await?,
    ))
}

async fn state_of(aws: &Aws, id: &str) -> Result<Option<NatGatewayState>, ProviderError> {
    Ok(describe(aws, &[id.to_string()])
        .await?
        .first()
        .and_then(|g| g.state().cloned()))
}
/// How `cairn import` names one: the NAT gateway id (`nat-…`).
pub const IMPORT_ID: &str = "the NAT gateway id (`nat-…`)";

/// The `aws_nat_gateway` resource type.
pub struct AwsNatGateway;

impl Resource for AwsNatGateway {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::NatGateway",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["igw-0123"],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "nat-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let r = aws
            .ec2
            .create_nat_gateway()
            .subnet_id(&c.subnet_id)
            .set_allocation_id(c.allocation_id.clone())
            .connectivity_type(ConnectivityType::from(c.connectivity_type.as_str()))
            .client_token(&ctx.token)
            .set_tag_specifications(tag_spec(ResourceType::Natgateway, &c.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(|e| api("CreateNatGateway", &c.subnet_id, e.into_service_error()))?;
        let id = r
            .nat_gateway()
            .and_then(|g| g.nat_gateway_id())
            .ok_or_else(|| ProviderError::Api("CreateNatGateway returned no id".into()))?
            .to_string();
        wait_until(
            ctx,
            TYPE,
            &id,
            "available",
            Duration::from_secs(600),
            || async {
                match state_of(aws, &id).await? {
                    Some(NatGatewayState::Available) => Ok(true),
                    Some(NatGatewayState::Failed) => Err(ProviderError::Api(format!(
                        "NAT gateway {id} failed to become available"
                    ))),
                    _ => Ok(false),
                }
            },
        )
        .await?;
        read_one(aws, &id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("NAT gateway {id} vanished after create")))
    }

    /// By ownership tags: one DescribeNatGateways in the configured subnet filtered by them.
    /// The tags are checked here too, since moto ignores tag filters on this call (and the
    /// client token create passes, so that cannot be relied on either). Gateways deleted,
    /// being deleted or failed do not count.
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let found = aws
            .ec2
            .describe_nat_gateways()
            .set_filter(Some(
                [filter("subnet-id", [c.subnet_id.as_str()])]
                    .into_iter()
                    .chain(owner_filters(TYPE, ctx)?)
                    .collect(),
            ))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeNatGateways", &ctx.address, e.into_service_error()))?;
        let ids = claimed(
            found
                .iter()
                .filter(|g| !gone(g.state()))
                .map(|g| (g.nat_gateway_id(), claim_of(g.tags(), ctx))),
        );
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        update_tags(&aws.ec2, &prior.id, &old.tags, &new.tags).await?;
        read_one(aws, &prior.id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("NAT gateway {} no longer exists", prior.id)))
    }

    /// Deletes and waits until the gateway is gone, so its address and subnet can go next.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        aws.ec2
            .delete_nat_gateway()
            .nat_gateway_id(id)
            .send()
            .await
            .map_err(|e| api("DeleteNatGateway", id, e.into_service_error()))?;
        wait_until(
            ctx,
            TYPE,
            id,
            "deleted",
            Duration::from_secs(600),
            || async {
                Ok(matches!(
                    state_of(aws, id).await?,
                    None | Some(NatGatewayState::Deleted)
                ))
            },
        )
        .await
    }
}
