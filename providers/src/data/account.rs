//! Data sources about the credentials and where they point: `aws_caller_identity`,
//! `aws_region`, `aws_partition`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DataSource;
use crate::common;
use crate::resource::Answer;
use crate::Aws;

/// The account, user and ARN of the credentials cairn runs with (STS GetCallerIdentity).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallerArgs {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CallerAttrs {
    /// The account id, e.g. `123456789012`.
    pub account_id: String,
    /// The ARN of the user or role.
    pub arn: String,
    /// The unique id of the user or role.
    pub user_id: String,
    /// The account id.
    pub id: String,
}

pub struct AwsCallerIdentity;

impl DataSource for AwsCallerIdentity {
    const TYPE: &'static str = "aws_caller_identity";
    type Args = CallerArgs;
    type Attrs = CallerAttrs;

    async fn read(aws: &Aws, _: &CallerArgs) -> Answer<CallerAttrs> {
        let me =
            aws.sts.get_caller_identity().send().await.map_err(|e| {
                common::api("GetCallerIdentity", "the caller", e.into_service_error())
            })?;
        let account = me.account().unwrap_or_default().to_string();
        Ok(CallerAttrs {
            arn: me.arn().unwrap_or_default().to_string(),
            user_id: me.user_id().unwrap_or_default().to_string(),
            id: account.clone(),
            account_id: account,
        })
    }
}

/// The region the stack's provider uses (or, with `name`, that region).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionArgs {
    /// A region to describe instead of the provider's.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RegionAttrs {
    /// The region's name, e.g. `us-east-1`.
    pub name: String,
    /// The region's name.
    pub id: String,
    /// The EC2 endpoint of the region, e.g. `ec2.us-east-1.amazonaws.com`.
    pub endpoint: String,
    /// What the region is called, e.g. `US East (N. Virginia)` (empty when cairn does not know it).
    pub description: String,
}

pub struct AwsRegion;

impl DataSource for AwsRegion {
    const TYPE: &'static str = "aws_region";
    type Args = RegionArgs;
    type Attrs = RegionAttrs;

    async fn read(aws: &Aws, args: &RegionArgs) -> Answer<RegionAttrs> {
        let name = args.name.clone().unwrap_or_else(|| aws.region.clone());
        let (_, suffix) = super::partition_of(&name);
        Ok(RegionAttrs {
            endpoint: format!("ec2.{name}.{suffix}"),
            description: description(&name).to_string(),
            id: name.clone(),
            name,
        })
    }
}

/// The partition (`aws`, `aws-cn`, `aws-us-gov`) of the provider's region: for ARNs that
/// hold across partitions.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionArgs {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PartitionAttrs {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The partition.
    pub id: String,
    /// The DNS suffix of its endpoints, e.g. `amazonaws.com`.
    pub dns_suffix: String,
    /// The reverse DNS prefix of its services, e.g. `com.amazonaws`.
    pub reverse_dns_prefix: String,
}

pub struct AwsPartition;

impl DataSource for AwsPartition {
    const TYPE: &'static str = "aws_partition";
    type Args = PartitionArgs;
    type Attrs = PartitionAttrs;

    async fn read(aws: &Aws, _: &PartitionArgs) -> Answer<PartitionAttrs> {
        let (partition, suffix) = super::partition_of(&aws.region);
        let reverse: Vec<&str> = suffix.split('.').rev().collect();
        Ok(PartitionAttrs {
            partition: partition.to_string(),
            id: partition.to_string(),
            dns_suffix: suffix.to_string(),
            reverse_dns_prefix: reverse.join("."),
        })
    }
}

/// The usual names of the commercial regions.
fn description(region: &str) -> &'static str {
    match region {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "ca-central-1" => "Canada (Central)",
        "eu-west-1" => "Europe (Ireland)",
        "eu-west-2" => "Europe (London)",
        "eu-west-3" => "Europe (Paris)",
        "eu-central-1" => "Europe (Frankfurt)",
        "eu-north-1" => "Europe (Stockholm)",
        "eu-south-1" => "Europe (Milan)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        "ap-northeast-2" => "Asia Pacific (Seoul)",
        "ap-southeast-1" => "Asia Pacific (Singapore)",
        "ap-southeast-2" => "Asia Pacific (Sydney)",
        "ap-south-1" => "Asia Pacific (Mumbai)",
        "sa-east-1" => "South America (Sao Paulo)",
        _ => "",
    }
}
