//! `aws_eip`: an Elastic IP address.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{DomainType, ResourceType};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{claim_of, delete_patiently, filter, owner_filters, tag_spec, tags_of, update_tags};
use crate::common::{api, claimed, only, read_back, read_found, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_eip";

fn vpc() -> String {
    "vpc".into()
}

/// An Elastic IP address (for a NAT gateway, a load balancer, an instance).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `vpc` (the only kind new accounts have).
    #[serde(default = "vpc")]
    #[schemars(extend("x-force-new" = true))]
    pub domain: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The allocation id (`eipalloc-...`).
    pub id: String,
    pub allocation_id: String,
    pub public_ip: String,
    pub arn: String,
}

/// One DescribeAddresses for all.
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
    let found = aws
        .ec2
        .describe_addresses()
        .filters(filter("allocation-id", ids.clone()))
        .send()
        .await
        .map_err(|e| api("DescribeAddresses", &ids.join(","), e.into_service_error()))?;
    for a in found.addresses() {
        let Some(id) = a.allocation_id() else {
            continue;
        };
        let config = Config {
            domain: a
                .domain()
                .map(|d| d.as_str().to_string())
                .unwrap_or_else(vpc),
            tags: tags_of(a.tags()),
        };
        let outputs = Outputs {
            id: id.to_string(),
            allocation_id: id.to_string(),
            public_ip: a.public_ip().unwrap_or_default().to_string(),
            arn: format!("arn:aws:ec2:{}::elastic-ip/{id}", aws.region),
        };
        out.insert(
            id.to_string(),
            Some(AwsEip::observed(id, &config, &outputs)),
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
/// How `cairn import` names one: the allocation id (`eipalloc-…`) or the public address.
pub const IMPORT_ID: &str = "the allocation id (`eipalloc-…`) or the public IPv4 address";

/// The `aws_eip` resource type.
pub struct AwsEip;

impl Resource for AwsEip {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::EIP",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["1.2.3", "eipalloc-"],
        absent: Some("203.0.113.9"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its allocation id, or by its public address (one DescribeAddresses filtered by it).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        if import_id.parse::<std::net::Ipv4Addr>().is_err() {
            crate::common::expect_prefix(TYPE, import_id, "eipalloc-", IMPORT_ID)?;
            return crate::common::import_read(import_id, |r| async move { read(aws, &r).await })
                .await;
        }
        let found = aws
            .ec2
            .describe_addresses()
            .filters(filter("public-ip", [import_id]))
            .send()
            .await
            .map_err(|e| api("DescribeAddresses", import_id, e.into_service_error()))?;
        let Some(id) = found
            .addresses()
            .iter()
            .find(|a| a.public_ip() == Some(import_id))
            .and_then(|a| a.allocation_id())
        else {
            return Ok(None);
        };
        read_one(aws, id).await
    }

    /// The allocation id, then the public address.
    fn import_ids(o: &Observed) -> Vec<String> {
        vec![
            o.id.clone(),
            o.outputs["public_ip"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let r = aws
            .ec2
            .allocate_address()
            .domain(DomainType::from(c.domain.as_str()))
            .set_tag_specifications(tag_spec(ResourceType::ElasticIp, &c.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(|e| api("AllocateAddress", "", e.into_service_error()))?;
        let id = r
            .allocation_id()
            .ok_or_else(|| ProviderError::Api("AllocateAddress returned no allocation id".into()))?
            .to_string();
        read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    /// By ownership tags: one DescribeAddresses filtered by them.
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let found = aws
            .ec2
            .describe_addresses()
            .set_filters(Some(owner_filters(TYPE, ctx)?))
            .send()
            .await
            .map_err(|e| api("DescribeAddresses", &ctx.address, e.into_service_error()))?;
        let ids = claimed(
            found
                .addresses()
                .iter()
                .map(|a| (a.allocation_id(), claim_of(a.tags(), ctx))),
        );
        read_found(ids, config, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        update_tags(&aws.ec2, &prior.id, &old.tags, &new.tags).await?;
        read_back(TYPE, &prior.id, || read_one(aws, &prior.id)).await
    }

    /// Waits while the address is still associated (a NAT gateway being deleted holds it).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        delete_patiently("ReleaseAddress", id, || async {
            aws.ec2
                .release_address()
                .allocation_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
