//! `aws_main_route_table_association`: which route table is a VPC's main one (the table of
//! the subnets associated with none), as Terraform's `aws_main_route_table_association`.

use aws_sdk_ec2::types::{RouteTable, Tag};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{call_patiently, filter};
use crate::common::{api, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_main_route_table_association";

/// The tag cairn gives a VPC's original main route table when it first makes another table
/// main, its value the VPC's id: so that a delete (and any read) knows which table to make
/// main again. Hidden from reads, as every `cairn:` tag.
pub const ORIGINAL_TAG: &str = "cairn:original-main-route-table-of";

/// Makes a route table the main one of its VPC. Its delete makes the VPC's original main
/// table (the one made with the VPC, `original_route_table_id`) main again.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The VPC.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub vpc_id: String,
    /// The table to make main. Changing it makes another table main in place.
    pub route_table_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The association id (`rtbassoc-…`); making another table main gives a new one.
    pub id: String,
    /// The VPC's main table before the first association was made: main again after delete.
    pub original_route_table_id: Option<String>,
}

/// How `cairn import` names one: the VPC id (Terraform does not import this type). A VPC
/// whose main table is its original one has no association to import.
pub const IMPORT_ID: &str = "the VPC id (`vpc-…`): its main route table association, when its main table is not the original one";

/// The route tables of the VPC `vpc` (one paged DescribeRouteTables).
async fn tables_of(aws: &Aws, vpc: &str) -> Answer<Vec<RouteTable>> {
    aws.ec2
        .describe_route_tables()
        .filters(filter("vpc-id", [vpc]))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("DescribeRouteTables", vpc, e.into_service_error()))
}

/// The main association of `tables`: its id and its table.
fn main_of(tables: &[RouteTable]) -> Option<(&str, &str)> {
    tables.iter().find_map(|t| {
        let a = t.associations().iter().find(|a| a.main() == Some(true))?;
        Some((a.route_table_association_id()?, t.route_table_id()?))
    })
}

/// The table tagged as the VPC's original main one.
fn original_of<'a>(tables: &'a [RouteTable], vpc: &str) -> Option<&'a str> {
    tables
        .iter()
        .find(|t| {
            t.tags()
                .iter()
                .any(|tag| tag.key() == Some(ORIGINAL_TAG) && tag.value() == Some(vpc))
        })
        .and_then(|t| t.route_table_id())
}

/// The association `id` of the VPC `vpc`, among its `tables`: `None` when it is not the
/// VPC's main association, or when the main table is the original one (what a delete leaves).
fn observe(tables: &[RouteTable], vpc: &str, id: &str) -> Option<Observed> {
    let (main, table) = main_of(tables)?;
    if main != id {
        return None;
    }
    let original = original_of(tables, vpc);
    if original.is_none_or(|o| o == table) {
        return None;
    }
    let config = Config {
        vpc_id: vpc.to_string(),
        route_table_id: table.to_string(),
    };
    let outputs = Outputs {
        id: id.to_string(),
        original_route_table_id: original.map(str::to_string),
    };
    Some(AwsMainRouteTableAssociation::observed(
        id, &config, &outputs,
    ))
}

/// The association `id`: the VPC it is of (from the recorded inputs, else from the table it
/// associates), then the VPC's tables.
async fn read_one(aws: &Aws, id: &str, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let vpc = match prior.get("vpc_id").and_then(|v| v.as_str()) {
        Some(v) => v.to_string(),
        None => {
            let tables = aws
                .ec2
                .describe_route_tables()
                .filters(filter("association.route-table-association-id", [id]))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| api("DescribeRouteTables", id, e.into_service_error()))?;
            match tables.iter().find_map(|t| t.vpc_id()) {
                Some(v) => v.to_string(),
                None => return Ok(None),
            }
        }
    };
    Ok(observe(&tables_of(aws, &vpc).await?, &vpc, id))
}

/// Makes `table` the VPC's main table in place of the association `association`: the new
/// association's id.
async fn replace(aws: &Aws, association: &str, table: &str) -> Answer<String> {
    let r = call_patiently("ReplaceRouteTableAssociation", association, || {
        aws.ec2
            .replace_route_table_association()
            .association_id(association)
            .route_table_id(table)
            .send()
    })
    .await?;
    r.new_association_id()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Api("ReplaceRouteTableAssociation returned no id".into()))
}

/// The `aws_main_route_table_association` resource type.
pub struct AwsMainRouteTableAssociation;

impl Resource for AwsMainRouteTableAssociation {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["vpc_id", "route_table_id"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["rtb-0123", "rtbassoc-0123", "vpc-"],
        absent: Some("vpc-0000000000000000f"),
    };

    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "vpc-", IMPORT_ID)
    }

    /// The VPC's main association, when its main table is not the original one.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        Self::check_import_id(import_id)?;
        let tables = tables_of(aws, import_id).await?;
        let Some((id, _)) = main_of(&tables) else {
            return Ok(None);
        };
        Ok(observe(&tables, import_id, id))
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        vec![o.inputs["vpc_id"].as_str().unwrap_or_default().to_string()]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let tables = tables_of(aws, &c.vpc_id).await?;
        let Some((association, main)) = main_of(&tables) else {
            return Err(ProviderError::Api(format!(
                "{TYPE}: VPC {} has no main route table association",
                c.vpc_id
            )));
        };
        // The first time: the current main table is the original one.
        if original_of(&tables, &c.vpc_id).is_none() {
            aws.ec2
                .create_tags()
                .resources(main)
                .tags(Tag::builder().key(ORIGINAL_TAG).value(&c.vpc_id).build())
                .send()
                .await
                .map_err(|e| api("CreateTags", main, e.into_service_error()))?;
        }
        let id = replace(aws, association, &c.route_table_id).await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &id, || read_one(aws, &id, &prior)).await
    }

    /// By its natural key: the VPC's main association, when its table is the configured one.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let tables = tables_of(aws, &c.vpc_id).await?;
        let ids = match main_of(&tables) {
            Some((id, table)) if table == c.route_table_id => vec![id.to_string()],
            _ => vec![],
        };
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        c: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = replace(aws, &prior.id, &c.route_table_id).await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &id, || read_one(aws, &id, &prior)).await
    }

    /// Makes the original main table main again.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let vpc = prior.inputs["vpc_id"].as_str().unwrap_or_default();
        let tables = tables_of(aws, vpc).await?;
        let Some(original) = original_of(&tables, vpc).map(str::to_string).or_else(|| {
            prior.outputs["original_route_table_id"]
                .as_str()
                .map(str::to_string)
        }) else {
            return Err(ProviderError::Api(format!(
                "{TYPE} {}: the original main route table of VPC {vpc} is not known",
                prior.id
            )));
        };
        match main_of(&tables) {
            Some((id, table)) if id == prior.id && table != original => {
                replace(aws, &prior.id, &original).await.map(|_| ())
            }
            // Another association (or the original table) is main now: nothing of this one
            // is left.
            _ => Ok(()),
        }
    }
}
