//! `aws_vpc`: a virtual private cloud.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, ResourceType, RouteTable, SecurityGroup, Tenancy, Vpc, VpcAttributeName,
};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{created_tags, delete_patiently, filter, tag_spec, tags_of, update_tags};
use crate::common::{api, only, read_back, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_vpc";

fn yes() -> bool {
    true
}

fn default_tenancy() -> String {
    "default".into()
}

/// A virtual private cloud: an isolated network with an IPv4 CIDR block.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The IPv4 network of the VPC, e.g. `10.0.0.0/16`.
    #[schemars(extend("x-force-new" = true))]
    #[schemars(extend("x-cidr" = [16, 28]))]
    pub cidr_block: String,
    /// Whether the Amazon DNS server resolves names in the VPC.
    #[serde(default = "yes")]
    pub enable_dns_support: bool,
    /// Whether instances get public DNS host names.
    #[serde(default)]
    pub enable_dns_hostnames: bool,
    /// `default` or `dedicated`.
    #[serde(default = "default_tenancy")]
    #[schemars(extend("x-force-new" = true))]
    pub instance_tenancy: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// What AWS assigns to a VPC.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
    pub default_security_group_id: Option<String>,
    pub main_route_table_id: Option<String>,
}

/// One DescribeVpcs for all, one DescribeSecurityGroups and one DescribeRouteTables for the
/// defaults, and the two DNS attributes per VPC (AWS has no batch call for those), in parallel.
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
    let vpcs: Vec<_> = aws
        .ec2
        .describe_vpcs()
        .filters(filter("vpc-id", ids.clone()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("DescribeVpcs", &ids.join(","), e.into_service_error()))?;
    if vpcs.is_empty() {
        return Ok(out);
    }
    let found: Vec<String> = vpcs
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    let ((groups, tables), dns) = futures::try_join!(
        defaults(aws, &found),
        futures::future::try_join_all(found.iter().map(|id| dns_attributes(aws, id)))
    )?;
    for (vpc, (support, hostnames)) in vpcs.iter().zip(dns) {
        if let Some(o) = observe(
            aws,
            vpc,
            (support, hostnames),
            &tags_of(vpc.tags()),
            &groups,
            &tables,
        ) {
            out.insert(o.id.clone(), Some(o));
        }
    }
    Ok(out)
}

/// The default security groups and main route tables of the VPCs `ids`: one
/// DescribeSecurityGroups and one DescribeRouteTables, at once.
async fn defaults(
    aws: &Aws,
    ids: &[String],
) -> Result<(Vec<SecurityGroup>, Vec<RouteTable>), ProviderError> {
    let groups = async {
        aws.ec2
            .describe_security_groups()
            .filters(filter("vpc-id", ids.to_vec()))
            .filters(filter("group-name", ["default"]))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                api(
                    "DescribeSecurityGroups",
                    "default groups",
                    e.into_service_error(),
                )
            })
    };
    let tables = async {
        aws.ec2
            .describe_route_tables()
            .filters(filter("vpc-id", ids.to_vec()))
            .filters(filter("association.main", ["true"]))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                api(
                    "DescribeRouteTables",
                    "main route tables",
                    e.into_service_error(),
                )
            })
    };
    futures::try_join!(groups, tables)
}

/// The configuration-shaped view of `vpc`, with its DNS attributes (support, host names),
/// `tags`, and its default group and main table found in `groups` and `tables`.
fn observe(
    aws: &Aws,
    vpc: &Vpc,
    (support, hostnames): (bool, bool),
    tags: &BTreeMap<String, String>,
    groups: &[SecurityGroup],
    tables: &[RouteTable],
) -> Option<Observed> {
    let id = vpc.vpc_id()?;
    let config = Config {
        cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
        enable_dns_support: support,
        enable_dns_hostnames: hostnames,
        instance_tenancy: vpc
            .instance_tenancy()
            .map(|t| t.as_str().to_string())
            .unwrap_or_else(default_tenancy),
        tags: tags.clone(),
    };
    let outputs = Outputs {
        id: id.to_string(),
        arn: format!(
            "arn:aws:ec2:{}:{}:vpc/{id}",
            aws.region,
            vpc.owner_id().unwrap_or_default()
        ),
        default_security_group_id: groups
            .iter()
            .find(|g| g.vpc_id() == Some(id))
            .and_then(|g| g.group_id().map(str::to_string)),
        main_route_table_id: tables
            .iter()
            .find(|t| t.vpc_id() == Some(id))
            .and_then(|t| t.route_table_id().map(str::to_string)),
    };
    Some(AwsVpc::observed(id, &config, &outputs))
}

async fn dns_attributes(aws: &Aws, id: &str) -> Result<(bool, bool), ProviderError> {
    let get = |attr: VpcAttributeName| async move {
        let r = aws
            .ec2
            .describe_vpc_attribute()
            .vpc_id(id)
            .attribute(attr)
            .send()
            .await
            .map_err(|e| api("DescribeVpcAttribute", id, e.into_service_error()))?;
        Ok::<_, ProviderError>(r)
    };
    let (s, h) = futures::try_join!(
        get(VpcAttributeName::EnableDnsSupport),
        get(VpcAttributeName::EnableDnsHostnames)
    )?;
    let support = s
        .enable_dns_support()
        .and_then(AttributeBooleanValue::value)
        .unwrap_or(true);
    let hostnames = h
        .enable_dns_hostnames()
        .and_then(AttributeBooleanValue::value)
        .unwrap_or(false);
    Ok((support, hostnames))
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(aws, &request(id, serde_json::Value::Null)).await?,
    ))
}

async fn set_dns(
    aws: &Aws,
    id: &str,
    support: Option<bool>,
    hostnames: Option<bool>,
) -> Result<(), ProviderError> {
    let value = |b: bool| AttributeBooleanValue::builder().value(b).build();
    if let Some(b) = support {
        aws.ec2
            .modify_vpc_attribute()
            .vpc_id(id)
            .enable_dns_support(value(b))
            .send()
            .await
            .map_err(|e| api("ModifyVpcAttribute", id, e.into_service_error()))?;
    }
    if let Some(b) = hostnames {
        aws.ec2
            .modify_vpc_attribute()
            .vpc_id(id)
            .enable_dns_hostnames(value(b))
            .send()
            .await
            .map_err(|e| api("ModifyVpcAttribute", id, e.into_service_error()))?;
    }
    Ok(())
}
/// How `cairn import` names one: the VPC id (`vpc-…`).
pub const IMPORT_ID: &str = "the VPC id (`vpc-…`)";

pub struct AwsVpc;

impl Resource for AwsVpc {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::VPC",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["subnet-0123", "vpc-", ""],
        absent: Some("vpc-0000000000000000f"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "vpc-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let created = aws
            .ec2
            .create_vpc()
            .cidr_block(&c.cidr_block)
            .instance_tenancy(Tenancy::from(c.instance_tenancy.as_str()))
            .set_tag_specifications(tag_spec(ResourceType::Vpc, &c.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(|e| api("CreateVpc", &c.cidr_block, e.into_service_error()))?;
        let vpc = created
            .vpc()
            .filter(|v| v.vpc_id().is_some())
            .ok_or_else(|| ProviderError::Api("CreateVpc returned no VPC id".into()))?;
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        set_dns(
            aws,
            &id,
            (!c.enable_dns_support).then_some(false),
            c.enable_dns_hostnames.then_some(true),
        )
        .await?;
        // The answer, the DNS attributes just set and the defaults AWS made with the VPC are
        // what a read would give; read back only if the defaults are not listed yet.
        let (groups, tables) = defaults(aws, std::slice::from_ref(&id)).await?;
        let dns = (c.enable_dns_support, c.enable_dns_hostnames);
        let tags = created_tags(vpc.tags(), &c.tags);
        match observe(aws, vpc, dns, &tags, &groups, &tables) {
            Some(o) if !groups.is_empty() && !tables.is_empty() => Ok(o),
            _ => read_back(TYPE, &id, || read_one(aws, &id)).await,
        }
    }

    find_by_owner_tags!(describe_vpcs, "DescribeVpcs", vpc_id);

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        set_dns(
            aws,
            id,
            (old.enable_dns_support != new.enable_dns_support).then_some(new.enable_dns_support),
            (old.enable_dns_hostnames != new.enable_dns_hostnames)
                .then_some(new.enable_dns_hostnames),
        )
        .await?;
        update_tags(&aws.ec2, id, &old.tags, &new.tags).await?;
        read_back(TYPE, id, || read_one(aws, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        delete_patiently("DeleteVpc", id, || async {
            aws.ec2
                .delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
