//! EC2 data sources: `aws_availability_zones`, `aws_vpc`, `aws_subnets`,
//! `aws_security_group`.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, Tag, VpcAttributeName};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{described, one, DataSource};
use crate::common;
use crate::ec2::{filter as ec2_filter, literal, tags_of};
use crate::resource::Answer;
use crate::Aws;

/// The availability zones of the provider's region (EC2 DescribeAvailabilityZones), in
/// name order.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonesArgs {
    /// Only zones in this state: `available`, `information`, `impaired` or `unavailable`.
    #[serde(default)]
    #[schemars(extend("enum" = ["available", "information", "impaired", "unavailable"]))]
    pub state: Option<String>,
    /// Leave these zone names out.
    #[serde(default)]
    pub exclude_names: Vec<String>,
    /// Leave these zone ids out.
    #[serde(default)]
    pub exclude_zone_ids: Vec<String>,
    /// Local Zones and Wavelength Zones too, whatever their opt-in status.
    #[serde(default)]
    pub all_availability_zones: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ZonesAttrs {
    /// Zone names, e.g. `us-east-1a`, sorted.
    pub names: Vec<String>,
    /// Zone ids, e.g. `use1-az1`, in the order of `names`.
    pub zone_ids: Vec<String>,
    /// The group names of the zones, in the order of `names`.
    pub group_names: Vec<String>,
    /// The region.
    pub id: String,
}

pub struct AwsAvailabilityZones;

impl DataSource for AwsAvailabilityZones {
    const TYPE: &'static str = "aws_availability_zones";
    type Args = ZonesArgs;
    type Attrs = ZonesAttrs;

    async fn read(aws: &Aws, args: &ZonesArgs) -> Answer<ZonesAttrs> {
        let mut call = aws
            .ec2
            .describe_availability_zones()
            .all_availability_zones(args.all_availability_zones);
        if let Some(state) = &args.state {
            call = call.filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("state")
                    .values(state)
                    .build(),
            );
        }
        let answer = call.send().await.map_err(|e| {
            common::api(
                "DescribeAvailabilityZones",
                &aws.region,
                e.into_service_error(),
            )
        })?;
        let mut zones: Vec<(String, String, String)> = answer
            .availability_zones()
            .iter()
            .filter_map(|z| {
                let name = z.zone_name()?.to_string();
                let id = z.zone_id().unwrap_or_default().to_string();
                let keep =
                    !args.exclude_names.contains(&name) && !args.exclude_zone_ids.contains(&id);
                keep.then(|| (name, id, z.group_name().unwrap_or_default().to_string()))
            })
            .collect();
        zones.sort();
        Ok(ZonesAttrs {
            names: zones.iter().map(|z| z.0.clone()).collect(),
            zone_ids: zones.iter().map(|z| z.1.clone()).collect(),
            group_names: zones.iter().map(|z| z.2.clone()).collect(),
            id: aws.region.clone(),
        })
    }
}

/// `filter = [{ name = "...", values = [...] }]`: one filter of the EC2 Describe call, as the
/// EC2 API reference names them for it.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The filter's name, e.g. `vpc-id`, `tag:Name`, `availability-zone`.
    pub name: String,
    /// The values: one of them must match (`*` and `?` are wildcards).
    pub values: Vec<String>,
}

/// What an EC2 lookup asks its Describe call: the filters, and the same in words for its
/// messages.
#[derive(Default)]
struct Query {
    filters: Vec<aws_sdk_ec2::types::Filter>,
    said: Vec<(String, Option<String>)>,
    /// The tags asked for, checked again on what the call returns (only where the value is
    /// literal: the others are wildcards that EC2 alone reads).
    tags: BTreeMap<String, String>,
}

impl Query {
    /// The argument `arg`, when set (and not empty, as Terraform), as the filter `name`.
    fn arg(mut self, arg: &str, name: &str, value: Option<String>) -> Self {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.filters.push(ec2_filter(name, [v.clone()]));
            self.said.push((arg.to_string(), Some(v)));
        }
        self
    }

    /// `tags`: every pair must match (`tag:KEY = VALUE` filters).
    fn tags(mut self, tags: &BTreeMap<String, String>) -> Self {
        for (k, v) in tags {
            self.filters
                .push(ec2_filter(&format!("tag:{k}"), [v.clone()]));
            self.said.push((format!("tag {k}"), Some(v.clone())));
        }
        self.tags = tags.clone();
        self
    }

    /// `filter` blocks, passed on as they are.
    fn custom(mut self, filters: &[Filter]) -> Self {
        for f in filters {
            self.filters.push(ec2_filter(&f.name, f.values.clone()));
            self.said
                .push((format!("filter {}", f.name), Some(f.values.join(" or "))));
        }
        self
    }

    /// The filters of the call; none when nothing narrows it (EC2 refuses an empty list).
    fn filters(&self) -> Option<Vec<aws_sdk_ec2::types::Filter>> {
        (!self.filters.is_empty()).then(|| self.filters.clone())
    }

    /// `with id = "vpc-1", tag Name = "main"`, or `at all`.
    fn wanted(&self) -> String {
        let parts: Vec<(&str, Option<String>)> = self
            .said
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        described(&parts)
    }

    /// Whether `tags` carry every literal pair asked for (emulators may ignore some filters).
    fn tags_match(&self, tags: &[Tag]) -> bool {
        self.tags.iter().filter(|(_, v)| literal(v)).all(|(k, v)| {
            tags.iter()
                .any(|t| t.key() == Some(k.as_str()) && t.value().unwrap_or_default() == v)
        })
    }
}

/// Whether EC2's error code means that an id the lookup gave names nothing (or nothing it
/// could): the lookup then found nothing.
fn names_nothing(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.ends_with(".NotFound") || c.ends_with(".Malformed"))
}

/// What a paged Describe call (`op`) listed for a lookup of `wanted`: an id or filter value
/// that names nothing (see [`names_nothing`]) lists nothing rather than failing.
fn listed<T, E>(
    answer: Result<
        Vec<T>,
        aws_sdk_ec2::error::SdkError<E, aws_sdk_ec2::config::http::HttpResponse>,
    >,
    op: &str,
    wanted: &str,
) -> Answer<Vec<T>>
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata
        + aws_types::request_id::RequestId
        + aws_smithy_runtime_api::client::result::CreateUnhandledError
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    match answer {
        Ok(found) => Ok(found),
        Err(e) => {
            let e = e.into_service_error();
            if names_nothing(common::code(&e)) {
                Ok(Vec::new())
            } else {
                Err(common::api(op, wanted, e))
            }
        }
    }
}

/// A VPC (EC2 DescribeVpcs), found by its id, CIDR block, whether it is the region's default,
/// state, tags or any `filter`s: exactly one must match.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcArgs {
    /// The VPC's id, e.g. `vpc-0123456789abcdef0`.
    #[serde(default)]
    pub id: Option<String>,
    /// The VPC's IPv4 CIDR block, e.g. `10.0.0.0/16`.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// `true`: the region's default VPC; `false`: any other.
    #[serde(default)]
    pub default: Option<bool>,
    /// The id of the DHCP options set the VPC uses.
    #[serde(default)]
    pub dhcp_options_id: Option<String>,
    /// `pending` or `available`.
    #[serde(default)]
    #[schemars(extend("enum" = ["pending", "available"]))]
    pub state: Option<String>,
    /// Tags the VPC carries: every pair must match.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// DescribeVpcs filters, e.g. `{ name = "cidr-block-association.cidr-block", values = ["10.1.0.0/16"] }`.
    #[serde(default)]
    pub filter: Vec<Filter>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VpcAttrs {
    /// The VPC's id.
    pub id: String,
    /// The VPC's ARN.
    pub arn: String,
    /// Its primary IPv4 CIDR block.
    pub cidr_block: String,
    /// Whether it is the region's default VPC.
    pub default: bool,
    /// The id of its DHCP options set (empty when it has none).
    pub dhcp_options_id: String,
    /// Whether instances get public DNS host names.
    pub enable_dns_hostnames: bool,
    /// Whether the Amazon DNS server resolves names in the VPC.
    pub enable_dns_support: bool,
    /// `default` or `dedicated`.
    pub instance_tenancy: String,
    /// The id of its main route table (empty when EC2 lists none).
    pub main_route_table_id: String,
    /// The account that owns it.
    pub owner_id: String,
    /// `pending` or `available`.
    pub state: String,
    /// Its tags (cairn's and AWS's own left out).
    pub tags: BTreeMap<String, String>,
}

pub struct AwsVpc;

impl DataSource for AwsVpc {
    const TYPE: &'static str = "aws_vpc";
    type Args = VpcArgs;
    type Attrs = VpcAttrs;

    async fn read(aws: &Aws, args: &VpcArgs) -> Answer<VpcAttrs> {
        let lookup = Query::default()
            .arg("id", "vpc-id", args.id.clone())
            .arg("cidr_block", "cidr", args.cidr_block.clone())
            .arg("default", "is-default", args.default.map(|d| d.to_string()))
            .arg(
                "dhcp_options_id",
                "dhcp-options-id",
                args.dhcp_options_id.clone(),
            )
            .arg("state", "state", args.state.clone())
            .tags(&args.tags)
            .custom(&args.filter);
        let wanted = lookup.wanted();
        let found = listed(
            aws.ec2
                .describe_vpcs()
                .set_filters(lookup.filters())
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await,
            "DescribeVpcs",
            &wanted,
        )?;
        let found: Vec<_> = found
            .into_iter()
            .filter(|v| lookup.tags_match(v.tags()))
            .collect();
        let vpc = one(found, "VPC", &wanted, |v| {
            v.vpc_id().unwrap_or_default().to_string()
        })?;
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        let (hostnames, support, main) = futures::try_join!(
            vpc_attribute(aws, &id, VpcAttributeName::EnableDnsHostnames),
            vpc_attribute(aws, &id, VpcAttributeName::EnableDnsSupport),
            main_route_table(aws, &id),
        )?;
        let owner = vpc.owner_id().unwrap_or_default().to_string();
        Ok(VpcAttrs {
            arn: format!(
                "arn:{}:ec2:{}:{owner}:vpc/{id}",
                super::partition_of(&aws.region).0,
                aws.region
            ),
            cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
            default: vpc.is_default().unwrap_or(false),
            dhcp_options_id: vpc.dhcp_options_id().unwrap_or_default().to_string(),
            enable_dns_hostnames: hostnames.unwrap_or(false),
            enable_dns_support: support.unwrap_or(true),
            instance_tenancy: vpc
                .instance_tenancy()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "default".to_string()),
            main_route_table_id: main.unwrap_or_default(),
            owner_id: owner,
            state: vpc
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            tags: tags_of(vpc.tags()),
            id,
        })
    }
}

/// One boolean attribute of the VPC `id` (DescribeVpcAttribute).
async fn vpc_attribute(aws: &Aws, id: &str, attribute: VpcAttributeName) -> Answer<Option<bool>> {
    let r = aws
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(attribute.clone())
        .send()
        .await
        .map_err(|e| common::api("DescribeVpcAttribute", id, e.into_service_error()))?;
    let value = match attribute {
        VpcAttributeName::EnableDnsHostnames => r.enable_dns_hostnames(),
        _ => r.enable_dns_support(),
    };
    Ok(value.and_then(AttributeBooleanValue::value))
}

/// The id of the main route table of the VPC `id`, if EC2 lists one.
async fn main_route_table(aws: &Aws, id: &str) -> Answer<Option<String>> {
    let tables = aws
        .ec2
        .describe_route_tables()
        .filters(ec2_filter("vpc-id", [id]))
        .filters(ec2_filter("association.main", ["true"]))
        .send()
        .await
        .map_err(|e| common::api("DescribeRouteTables", id, e.into_service_error()))?;
    Ok(tables
        .route_tables()
        .iter()
        .find_map(|t| t.route_table_id().map(str::to_string)))
}

/// The ids of the subnets that match every argument (EC2 DescribeSubnets), sorted. Finding
/// none is not an error: `ids` is then empty.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetsArgs {
    /// Tags the subnets carry: every pair must match.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// DescribeSubnets filters, e.g. `{ name = "vpc-id", values = ["vpc-0123456789abcdef0"] }`.
    #[serde(default)]
    pub filter: Vec<Filter>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SubnetsAttrs {
    /// The subnets' ids, sorted.
    pub ids: Vec<String>,
    /// The region.
    pub id: String,
}

pub struct AwsSubnets;

impl DataSource for AwsSubnets {
    const TYPE: &'static str = "aws_subnets";
    type Args = SubnetsArgs;
    type Attrs = SubnetsAttrs;

    async fn read(aws: &Aws, args: &SubnetsArgs) -> Answer<SubnetsAttrs> {
        let lookup = Query::default().tags(&args.tags).custom(&args.filter);
        let found = listed(
            aws.ec2
                .describe_subnets()
                .set_filters(lookup.filters())
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await,
            "DescribeSubnets",
            &lookup.wanted(),
        )?;
        let mut ids: Vec<String> = found
            .iter()
            .filter(|s| lookup.tags_match(s.tags()))
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(SubnetsAttrs {
            ids,
            id: aws.region.clone(),
        })
    }
}

/// A security group (EC2 DescribeSecurityGroups), found by its id, name, VPC, tags or any
/// `filter`s: exactly one must match.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupArgs {
    /// The group's id, e.g. `sg-0123456789abcdef0`.
    #[serde(default)]
    pub id: Option<String>,
    /// The group's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The VPC the group belongs to.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Tags the group carries: every pair must match.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// DescribeSecurityGroups filters, e.g. `{ name = "group-name", values = ["web-*"] }`.
    #[serde(default)]
    pub filter: Vec<Filter>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SecurityGroupAttrs {
    /// The group's id.
    pub id: String,
    /// The group's ARN.
    pub arn: String,
    /// The group's name.
    pub name: String,
    /// The group's description.
    pub description: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// Its tags (cairn's and AWS's own left out).
    pub tags: BTreeMap<String, String>,
}

pub struct AwsSecurityGroup;

impl DataSource for AwsSecurityGroup {
    const TYPE: &'static str = "aws_security_group";
    type Args = SecurityGroupArgs;
    type Attrs = SecurityGroupAttrs;

    async fn read(aws: &Aws, args: &SecurityGroupArgs) -> Answer<SecurityGroupAttrs> {
        let lookup = Query::default()
            .arg("id", "group-id", args.id.clone())
            .arg("name", "group-name", args.name.clone())
            .arg("vpc_id", "vpc-id", args.vpc_id.clone())
            .tags(&args.tags)
            .custom(&args.filter);
        let wanted = lookup.wanted();
        let found = listed(
            aws.ec2
                .describe_security_groups()
                .set_filters(lookup.filters())
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await,
            "DescribeSecurityGroups",
            &wanted,
        )?;
        let found: Vec<_> = found
            .into_iter()
            .filter(|g| lookup.tags_match(g.tags()))
            .collect();
        let group = one(found, "security group", &wanted, |g| {
            g.group_id().unwrap_or_default().to_string()
        })?;
        let id = group.group_id().unwrap_or_default().to_string();
        Ok(SecurityGroupAttrs {
            arn: format!(
                "arn:{}:ec2:{}:{}:security-group/{id}",
                super::partition_of(&aws.region).0,
                aws.region,
                group.owner_id().unwrap_or_default()
            ),
            name: group.group_name().unwrap_or_default().to_string(),
            description: group.description().unwrap_or_default().to_string(),
            vpc_id: group.vpc_id().unwrap_or_default().to_string(),
            tags: tags_of(group.tags()),
            id,
        })
    }
}
