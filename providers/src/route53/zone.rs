//! `aws_route53_zone`: a Route 53 hosted zone, public (with its delegation set's name servers)
//! or private to the VPCs it is associated with.

use std::collections::BTreeMap;

use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HostedZoneConfig, RrType, Tag, TagResourceType,
    Vpc as AwsVpc, VpcRegion,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{built, clean_zone_id, normalize_domain, wait_insync};
use crate::common::{api, malformed, read_back, tag_changes, visible_tags};
use crate::data::lookups::{get_zone, private_name_servers, zone_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_route53_zone";

fn managed() -> String {
    "Managed by cairn".into()
}

/// A hosted zone: the records of one domain.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["delegation_set_id"], "forbid": ["vpc"]}]))]
pub struct Config {
    /// The zone's domain name, e.g. `example.com` (read in lower case, without a trailing dot).
    #[schemars(length(min = 1, max = 1024), extend("x-force-new" = true, "x-identifying" = true, "x-lowercase" = true))]
    pub name: String,
    /// A comment (Terraform's default is `Managed by Terraform`; cairn's `Managed by cairn`).
    #[serde(default = "managed")]
    #[schemars(length(max = 256))]
    pub comment: String,
    /// The id of a reusable delegation set whose name servers the (public) zone uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 32), extend("x-force-new" = true))]
    pub delegation_set_id: Option<String>,
    /// Delete the zone's records along with it (except its apex NS and SOA): Route 53 refuses
    /// to delete a zone that holds other records. Kept by cairn: Route 53 does not know it.
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub force_destroy: bool,
    /// The VPCs a private zone is associated with; none for a public zone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-set" = true))]
    pub vpc: Vec<Vpc>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `vpc = [{ vpc_id = "vpc-..." }]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// The VPC's id.
    #[schemars(length(min = 1))]
    pub vpc_id: String,
    /// The VPC's region; the provider's region when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_region: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The zone's id, e.g. `Z1D633PJN98FT9`.
    pub id: String,
    /// The zone's id.
    pub zone_id: String,
    /// `arn:aws:route53:::hostedzone/<id>`.
    pub arn: String,
    /// The zone's name servers, sorted.
    pub name_servers: Vec<String>,
    /// The first name server of the zone's delegation set.
    pub primary_name_server: Option<String>,
}

/// How `cairn import` names one: its id.
pub const IMPORT_ID: &str = "the zone id (`Z1D633PJN98FT9`)";

/// A zone id as configured or imported (`Z...`, or `/hostedzone/Z...`).
fn check_zone_id(import_id: &str) -> Answer<String> {
    crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
    let id = clean_zone_id(import_id);
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(malformed(
            TYPE,
            import_id,
            "it is not upper case letters and digits",
            IMPORT_ID,
        ));
    }
    Ok(id)
}

async fn read_one(aws: &Aws, id: &str, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let Some(got) = get_zone(aws, id).await? else {
        return Ok(None);
    };
    let Some(zone) = got.hosted_zone() else {
        return Ok(None);
    };
    let private = zone.config().is_some_and(|c| c.private_zone());
    let mut name_servers: Vec<String> = got
        .delegation_set()
        .map(|d| d.name_servers().to_vec())
        .unwrap_or_default();
    if private {
        name_servers = private_name_servers(aws, id, zone.name()).await?;
    }
    let primary = name_servers.first().cloned();
    name_servers.sort();
    // A VPC configured without its region reads so when it is in the provider's region.
    let prior_vpcs: Vec<Vpc> = prior
        .get("vpc")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let mut vpc: Vec<Vpc> = got
        .vpcs()
        .iter()
        .map(|v| {
            let vpc_id = v.vpc_id().unwrap_or_default().to_string();
            let region = v.vpc_region().map(|r| r.as_str().to_string());
            let unset = prior_vpcs
                .iter()
                .any(|p| p.vpc_id == vpc_id && p.vpc_region.is_none());
            let vpc_region = match region {
                Some(r) if unset && r == aws.region => None,
                other => other,
            };
            Vpc { vpc_id, vpc_region }
        })
        .collect();
    vpc.sort();
    let tags = zone_tags(aws, id).await?;
    let config = Config {
        name: normalize_domain(zone.name()),
        comment: zone
            .config()
            .and_then(|c| c.comment())
            .unwrap_or_default()
            .to_string(),
        delegation_set_id: got
            .delegation_set()
            .and_then(|d| d.id())
            .filter(|d| !d.is_empty())
            .map(|d| d.trim_start_matches("/delegationset/").to_string()),
        force_destroy: prior
            .get("force_destroy")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        vpc,
        tags: visible_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
    };
    let outputs = Outputs {
        id: id.to_string(),
        zone_id: id.to_string(),
        arn: format!(
            "arn:{}:route53:::hostedzone/{id}",
            crate::data::partition_of(&aws.region).0
        ),
        name_servers,
        primary_name_server: primary,
    };
    Ok(Some(AwsRoute53Zone::observed(id, &config, &outputs)))
}

fn aws_vpc(aws: &Aws, v: &Vpc) -> AwsVpc {
    AwsVpc::builder()
        .vpc_id(&v.vpc_id)
        .vpc_region(VpcRegion::from(
            v.vpc_region.as_deref().unwrap_or(aws.region.as_str()),
        ))
        .build()
}

/// Brings the zone's tags from `old` to `new` (ChangeTagsForResource).
async fn retag(
    aws: &Aws,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Answer<()> {
    let (removed, set) = tag_changes(old, new);
    if removed.is_empty() && set.is_empty() {
        return Ok(());
    }
    aws.route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .set_add_tags((!set.is_empty()).then(|| {
            set.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect()
        }))
        .set_remove_tag_keys((!removed.is_empty()).then_some(removed))
        .send()
        .await
        .map_err(|e| api("ChangeTagsForResource", id, e.into_service_error()))?;
    Ok(())
}

/// Every record set of the zone but its apex NS and SOA, deleted (`force_destroy`).
async fn delete_records(aws: &Aws, id: &str, ctx: &OpContext) -> Answer<()> {
    let Some(name) = super::zone_name(aws, id).await? else {
        return Ok(());
    };
    let mut sets = Vec::new();
    let (mut start_name, mut start_type, mut start_id) = (None, None, None);
    loop {
        let page = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(id)
            .set_start_record_name(start_name.take())
            .set_start_record_type(start_type.take())
            .set_start_record_identifier(start_id.take())
            .send()
            .await
            .map_err(|e| api("ListResourceRecordSets", id, e.into_service_error()))?;
        sets.extend(page.resource_record_sets().iter().cloned());
        if !page.is_truncated() || page.next_record_name().is_none() {
            break;
        }
        start_name = page.next_record_name().map(str::to_string);
        start_type = page.next_record_type().cloned();
        start_id = page.next_record_identifier().map(str::to_string);
    }
    let changes = sets
        .into_iter()
        .filter(|s| {
            !(normalize_domain(s.name()) == name && matches!(s.r#type(), RrType::Ns | RrType::Soa))
        })
        .map(|s| {
            built(
                TYPE,
                Change::builder()
                    .action(ChangeAction::Delete)
                    .resource_record_set(s)
                    .build(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    for batch in changes.chunks(100) {
        let got = aws
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(id)
            .change_batch(built(
                TYPE,
                ChangeBatch::builder()
                    .comment("Deleted by cairn")
                    .set_changes(Some(batch.to_vec()))
                    .build(),
            )?)
            .send()
            .await
            .map_err(|e| api("ChangeResourceRecordSets", id, e.into_service_error()))?;
        if let Some(info) = got.change_info() {
            wait_insync(aws, ctx, TYPE, id, info.id()).await?;
        }
    }
    Ok(())
}

/// The `aws_route53_zone` resource type.
pub struct AwsRoute53Zone;

impl Resource for AwsRoute53Zone {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Token,
        cloudformation: "AWS::Route53::HostedZone",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words", "example.com"],
        absent: Some("Z0000000000000000000000"),
    };

    async fn read_one(aws: &Aws, request: &cairn_model::ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        check_zone_id(import_id).map(|_| ())
    }

    /// By its id (`/hostedzone/` before it is taken too).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let id = check_zone_id(import_id)?;
        read_one(aws, &id, &serde_json::Value::Null).await
    }

    /// The create's token is the zone's caller reference.
    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let reference = if ctx.token.is_empty() {
            crate::common::generated_name("cairn-", 64)
        } else {
            ctx.token.clone()
        };
        let made = aws
            .route53
            .create_hosted_zone()
            .name(&c.name)
            .caller_reference(reference)
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .comment(&c.comment)
                    .private_zone(!c.vpc.is_empty())
                    .build(),
            )
            .set_vpc(c.vpc.first().map(|v| aws_vpc(aws, v)))
            .set_delegation_set_id(c.delegation_set_id.clone())
            .send()
            .await
            .map_err(|e| api("CreateHostedZone", &c.name, e.into_service_error()))?;
        let id = made
            .hosted_zone()
            .map(|z| clean_zone_id(z.id()))
            .unwrap_or_default();
        if let Some(info) = made.change_info() {
            wait_insync(aws, ctx, TYPE, &id, info.id()).await?;
        }
        retag(aws, &id, &BTreeMap::new(), &c.tags).await?;
        for v in c.vpc.iter().skip(1) {
            associate(aws, &id, v).await?;
        }
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &id, || read_one(aws, &id, &prior)).await
    }

    /// By its caller reference: the create's token.
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        if ctx.token.is_empty() {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {}: an interrupted create is looked up by its caller reference, the create's token, and it had none",
                ctx.address
            )));
        }
        let zones = aws
            .route53
            .list_hosted_zones()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListHostedZones", &ctx.address, e.into_service_error()))?;
        let ids: Vec<String> = zones
            .iter()
            .filter(|z| z.caller_reference() == ctx.token)
            .map(|z| clean_zone_id(z.id()))
            .collect();
        let prior = serde_json::to_value(c).unwrap_or_default();
        let mut out = Vec::new();
        for id in ids {
            out.extend(read_one(aws, &id, &prior).await?);
        }
        Ok(out)
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        if old.comment != new.comment {
            aws.route53
                .update_hosted_zone_comment()
                .id(id)
                .comment(&new.comment)
                .send()
                .await
                .map_err(|e| api("UpdateHostedZoneComment", id, e.into_service_error()))?;
        }
        // A zone keeps at least one VPC: the new ones first, then the old ones go.
        let key = |v: &Vpc| {
            (
                v.vpc_id.clone(),
                v.vpc_region.clone().unwrap_or_else(|| aws.region.clone()),
            )
        };
        for v in &new.vpc {
            if !old.vpc.iter().any(|o| key(o) == key(v)) {
                associate(aws, id, v).await?;
            }
        }
        for v in &old.vpc {
            if !new.vpc.iter().any(|n| key(n) == key(v)) {
                aws.route53
                    .disassociate_vpc_from_hosted_zone()
                    .hosted_zone_id(id)
                    .vpc(aws_vpc(aws, v))
                    .send()
                    .await
                    .map_err(|e| {
                        api("DisassociateVPCFromHostedZone", id, e.into_service_error())
                    })?;
            }
        }
        let shown = prior
            .inputs
            .get("tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_else(|| old.tags.clone());
        retag(aws, id, &shown, &new.tags).await?;
        let inputs = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, id, || read_one(aws, id, &inputs)).await
    }

    /// With its records first when `force_destroy` says so.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let force = prior
            .inputs
            .get("force_destroy")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if force {
            delete_records(aws, &prior.id, ctx).await?;
        }
        let got = aws
            .route53
            .delete_hosted_zone()
            .id(&prior.id)
            .send()
            .await
            .map_err(|e| api("DeleteHostedZone", &prior.id, e.into_service_error()))?;
        if let Some(info) = got.change_info() {
            wait_insync(aws, ctx, TYPE, &prior.id, info.id()).await?;
        }
        Ok(())
    }
}

async fn associate(aws: &Aws, id: &str, v: &Vpc) -> Answer<()> {
    let got = aws
        .route53
        .associate_vpc_with_hosted_zone()
        .hosted_zone_id(id)
        .vpc(aws_vpc(aws, v))
        .send()
        .await
        .map_err(|e| api("AssociateVPCWithHostedZone", id, e.into_service_error()))?;
    let _ = got;
    Ok(())
}
