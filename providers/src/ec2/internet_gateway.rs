//! `aws_internet_gateway`: a VPC's way to and from the internet.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::ResourceType;
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{delete_patiently, filter, tag_spec, tags_of, update_tags};
use crate::common::{api, only, read_back, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_internet_gateway";

/// An internet gateway, attached to a VPC.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The VPC it is attached to; changing it moves the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
}

/// One DescribeInternetGateways (paged) for all.
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
    let gateways = aws
        .ec2
        .describe_internet_gateways()
        .filters(filter("internet-gateway-id", ids.clone()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeInternetGateways",
                &ids.join(","),
                e.into_service_error(),
            )
        })?;
    for g in &gateways {
        let Some(id) = g.internet_gateway_id() else {
            continue;
        };
        let config = Config {
            vpc_id: g
                .attachments()
                .iter()
                .find_map(|a| a.vpc_id().map(str::to_string)),
            tags: tags_of(g.tags()),
        };
        let outputs = Outputs {
            id: id.to_string(),
            arn: format!(
                "arn:aws:ec2:{}:{}:internet-gateway/{id}",
                aws.region,
                g.owner_id().unwrap_or_default()
            ),
        };
        out.insert(
            id.to_string(),
            Some(AwsInternetGateway::observed(id, &config, &outputs)),
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

async fn attach(aws: &Aws, id: &str, vpc: &str) -> Result<(), ProviderError> {
    aws.ec2
        .attach_internet_gateway()
        .internet_gateway_id(id)
        .vpc_id(vpc)
        .send()
        .await
        .map_err(|e| api("AttachInternetGateway", id, e.into_service_error()))?;
    Ok(())
}

async fn detach(aws: &Aws, id: &str, vpc: &str) -> Result<(), ProviderError> {
    // Public addresses still mapped in the VPC block a detach for a while.
    delete_patiently("DetachInternetGateway", id, || async {
        aws.ec2
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error())
    })
    .await
}
/// How `cairn import` names one: the internet gateway id (`igw-…`).
pub const IMPORT_ID: &str = "the internet gateway id (`igw-…`)";

/// The `aws_internet_gateway` resource type.
pub struct AwsInternetGateway;

impl Resource for AwsInternetGateway {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::InternetGateway",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["vpc-0123"],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "igw-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let created = aws
            .ec2
            .create_internet_gateway()
            .set_tag_specifications(
                tag_spec(ResourceType::InternetGateway, &c.tags).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(|e| api("CreateInternetGateway", "", e.into_service_error()))?;
        let id = created
            .internet_gateway()
            .and_then(|g| g.internet_gateway_id())
            .ok_or_else(|| ProviderError::Api("CreateInternetGateway returned no id".into()))?
            .to_string();
        if let Some(vpc) = &c.vpc_id {
            attach(aws, &id, vpc).await?;
        }
        read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    find_by_owner_tags!(
        describe_internet_gateways,
        "DescribeInternetGateways",
        internet_gateway_id
    );

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        if old.vpc_id != new.vpc_id {
            if let Some(vpc) = &old.vpc_id {
                detach(aws, id, vpc).await?;
            }
            if let Some(vpc) = &new.vpc_id {
                attach(aws, id, vpc).await?;
            }
        }
        update_tags(&aws.ec2, id, &old.tags, &new.tags).await?;
        read_back(TYPE, id, || read_one(aws, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        // Detach from whatever it is attached to now, not only what was recorded.
        if let Some(now) = read_one(aws, id).await? {
            if let Some(vpc) = now.inputs.get("vpc_id").and_then(|v| v.as_str()) {
                detach(aws, id, vpc).await?;
            }
        } else {
            return Ok(());
        }
        delete_patiently("DeleteInternetGateway", id, || async {
            aws.ec2
                .delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
