//! `aws_subnet`: a range of a VPC's addresses in one availability zone.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Subnet};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    call_patiently, created_tags, delete_patiently, filter, tag_spec, tags_of, update_tags,
};
use crate::common::{api, only, read_back, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_subnet";

/// A subnet: part of a VPC's CIDR block in one availability zone.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub vpc_id: String,
    /// The subnet's IPv4 network, inside the VPC's.
    #[schemars(extend("x-force-new" = true))]
    #[schemars(extend("x-cidr" = [16, 28]))]
    pub cidr_block: String,
    /// Chosen by AWS when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub availability_zone: Option<String>,
    /// Whether instances launched here get a public IPv4 address.
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
}

/// One DescribeSubnets (paged) for all requested subnets.
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
    let subnets = aws
        .ec2
        .describe_subnets()
        .filters(filter("subnet-id", ids.clone()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("DescribeSubnets", &ids.join(","), e.into_service_error()))?;
    for s in &subnets {
        if let Some(o) = observe(aws, s, &tags_of(s.tags()), None) {
            out.insert(o.id.clone(), Some(o));
        }
    }
    Ok(out)
}

/// The configuration-shaped view of `s`, with `tags` (and `public_ip` when it was set after
/// `s` was described).
fn observe(
    aws: &Aws,
    s: &Subnet,
    tags: &BTreeMap<String, String>,
    public_ip: Option<bool>,
) -> Option<Observed> {
    let id = s.subnet_id()?;
    let config = Config {
        vpc_id: s.vpc_id().unwrap_or_default().to_string(),
        cidr_block: s.cidr_block().unwrap_or_default().to_string(),
        availability_zone: s.availability_zone().map(str::to_string),
        map_public_ip_on_launch: public_ip.or(s.map_public_ip_on_launch()).unwrap_or(false),
        tags: tags.clone(),
    };
    let arn = s.subnet_arn().map(str::to_string).unwrap_or_else(|| {
        format!(
            "arn:aws:ec2:{}:{}:subnet/{id}",
            aws.region,
            s.owner_id().unwrap_or_default()
        )
    });
    let outputs = Outputs {
        id: id.to_string(),
        arn,
    };
    Some(AwsSubnet::observed(id, &config, &outputs))
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(aws, &request(id, serde_json::Value::Null)).await?,
    ))
}

async fn set_public_ip(aws: &Aws, id: &str, on: bool) -> Result<(), ProviderError> {
    aws.ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(on).build())
        .send()
        .await
        .map_err(|e| api("ModifySubnetAttribute", id, e.into_service_error()))?;
    Ok(())
}
/// How `cairn import` names one: the subnet id (`subnet-…`).
pub const IMPORT_ID: &str = "the subnet id (`subnet-…`)";

/// The `aws_subnet` resource type.
pub struct AwsSubnet;

impl Resource for AwsSubnet {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::Subnet",
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
        crate::common::expect_prefix(TYPE, import_id, "subnet-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let created = call_patiently("CreateSubnet", &c.cidr_block, || {
            aws.ec2
                .create_subnet()
                .vpc_id(&c.vpc_id)
                .cidr_block(&c.cidr_block)
                .set_availability_zone(c.availability_zone.clone())
                .set_tag_specifications(tag_spec(ResourceType::Subnet, &c.tags).map(|t| vec![t]))
                .send()
        })
        .await?;
        let subnet = created
            .subnet()
            .filter(|s| s.subnet_id().is_some())
            .ok_or_else(|| ProviderError::Api("CreateSubnet returned no subnet id".into()))?;
        let id = subnet.subnet_id().unwrap_or_default().to_string();
        if c.map_public_ip_on_launch {
            set_public_ip(aws, &id, true).await?;
        }
        // The answer describes the subnet as created: no read back (dependents that do not see
        // it yet retry, see `call_patiently`).
        let tags = created_tags(subnet.tags(), &c.tags);
        match observe(aws, subnet, &tags, Some(c.map_public_ip_on_launch)) {
            Some(o) => Ok(o),
            None => read_back(TYPE, &id, || read_one(aws, &id)).await,
        }
    }

    find_by_owner_tags!(describe_subnets, "DescribeSubnets", subnet_id);

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        if old.map_public_ip_on_launch != new.map_public_ip_on_launch {
            set_public_ip(aws, id, new.map_public_ip_on_launch).await?;
        }
        update_tags(&aws.ec2, id, &old.tags, &new.tags).await?;
        read_back(TYPE, id, || read_one(aws, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        delete_patiently("DeleteSubnet", id, || async {
            aws.ec2
                .delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
