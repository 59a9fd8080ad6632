//! `aws_route_table`: routes of a VPC, with its routes as a set on the table (or, when the
//! configuration leaves `route` out, routes managed elsewhere: `aws_route`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::ResourceType;
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    call_patiently, created_tags, delete_patiently, filter, tag_spec, tags_of, update_tags,
};
use crate::common::{api, only, parse, read_back, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_route_table";

/// A route table. The VPC's implicit `local` route is always there and never listed. `route`,
/// when set, is the complete set of the table's routes to IPv4 blocks; when left out, the
/// table's routes are managed elsewhere (`aws_route`) and not compared.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub vpc_id: String,
    /// Routes, in any order. Left out: the routes are not managed here (`aws_route`); an empty
    /// list removes every route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-set" = true))]
    pub route: Option<Vec<Route>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One route: a destination and exactly one target.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination, e.g. `0.0.0.0/0`.
    #[schemars(extend("x-cidr" = [0, 32]))]
    pub cidr_block: String,
    /// An internet gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// A NAT gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
}

/// One DescribeRouteTables (paged) for all.
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
    let tables = aws
        .ec2
        .describe_route_tables()
        .filters(filter("route-table-id", ids.clone()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeRouteTables",
                &ids.join(","),
                e.into_service_error(),
            )
        })?;
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    for t in &tables {
        let Some(id) = t.route_table_id() else {
            continue;
        };
        let route: Vec<Route> = t
            .routes()
            .iter()
            .filter(|r| r.gateway_id() != Some("local"))
            .filter(|r| {
                r.origin() != Some(&aws_sdk_ec2::types::RouteOrigin::EnableVgwRoutePropagation)
            })
            .filter_map(|r| {
                Some(Route {
                    cidr_block: r.destination_cidr_block()?.to_string(),
                    gateway_id: r.gateway_id().map(str::to_string),
                    nat_gateway_id: r.nat_gateway_id().map(str::to_string),
                })
            })
            .collect();
        // The routes show when the recorded inputs manage them; with none recorded (an
        // import), when there are any: an import cannot tell a table without routes from one
        // whose routes are managed elsewhere.
        let shown = match prior.get(id) {
            Some(p) if !p.is_null() => p.get("route").is_some_and(|r| !r.is_null()),
            _ => !route.is_empty(),
        };
        let route = shown.then_some(route);
        let config = Config {
            vpc_id: t.vpc_id().unwrap_or_default().to_string(),
            route,
            tags: tags_of(t.tags()),
        };
        let outputs = Outputs {
            id: id.to_string(),
            arn: arn(aws, t.owner_id(), id),
        };
        out.insert(
            id.to_string(),
            Some(AwsRouteTable::observed(id, &config, &outputs)),
        );
    }
    Ok(out)
}

/// One table, its routes shown as `prior` (recorded inputs, or null) says.
async fn read_one(
    aws: &Aws,
    id: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    Ok(only(id, read(aws, &request(id, prior.clone())).await?))
}

async fn put_route(aws: &Aws, id: &str, r: &Route, replace: bool) -> Result<(), ProviderError> {
    let what = format!("{id} {}", r.cidr_block);
    if replace {
        aws.ec2
            .replace_route()
            .route_table_id(id)
            .destination_cidr_block(&r.cidr_block)
            .set_gateway_id(r.gateway_id.clone())
            .set_nat_gateway_id(r.nat_gateway_id.clone())
            .send()
            .await
            .map_err(|e| api("ReplaceRoute", &what, e.into_service_error()))?;
    } else {
        call_patiently("CreateRoute", &what, || {
            aws.ec2
                .create_route()
                .route_table_id(id)
                .destination_cidr_block(&r.cidr_block)
                .set_gateway_id(r.gateway_id.clone())
                .set_nat_gateway_id(r.nat_gateway_id.clone())
                .send()
        })
        .await?;
    }
    Ok(())
}

/// Makes the table's routes `new`, given that it has `old`.
async fn sync_routes(
    aws: &Aws,
    id: &str,
    old: &[Route],
    new: &[Route],
) -> Result<(), ProviderError> {
    let old_by: BTreeMap<&str, &Route> = old.iter().map(|r| (r.cidr_block.as_str(), r)).collect();
    let new_by: BTreeMap<&str, &Route> = new.iter().map(|r| (r.cidr_block.as_str(), r)).collect();
    for (cidr, _) in old_by.iter().filter(|(c, _)| !new_by.contains_key(*c)) {
        let what = format!("{id} {cidr}");
        let r = aws
            .ec2
            .delete_route()
            .route_table_id(id)
            .destination_cidr_block(*cidr)
            .send()
            .await;
        if let Err(e) = r {
            let e = e.into_service_error();
            if !crate::common::is_not_found(crate::common::code(&e)) {
                return Err(api("DeleteRoute", &what, e));
            }
        }
    }
    for (cidr, route) in &new_by {
        match old_by.get(cidr) {
            None => put_route(aws, id, route, false).await?,
            Some(prev) if prev != route => put_route(aws, id, route, true).await?,
            Some(_) => {}
        }
    }
    Ok(())
}
/// How `cairn import` names one: the route table id (`rtb-…`).
pub const IMPORT_ID: &str = "the route table id (`rtb-…`)";

/// The ARN of route table `id` of account `owner`.
fn arn(aws: &Aws, owner: Option<&str>, id: &str) -> String {
    format!(
        "arn:aws:ec2:{}:{}:route-table/{id}",
        aws.region,
        owner.unwrap_or_default()
    )
}

/// The `aws_route_table` resource type.
pub struct AwsRouteTable;

impl Resource for AwsRouteTable {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::RouteTable",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["rtbassoc-0123"],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "rtb-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let created = call_patiently("CreateRouteTable", &c.vpc_id, || {
            aws.ec2
                .create_route_table()
                .vpc_id(&c.vpc_id)
                .set_tag_specifications(
                    tag_spec(ResourceType::RouteTable, &c.tags).map(|t| vec![t]),
                )
                .send()
        })
        .await?;
        let table = created
            .route_table()
            .filter(|t| t.route_table_id().is_some())
            .ok_or_else(|| ProviderError::Api("CreateRouteTable returned no id".into()))?;
        let id = table.route_table_id().unwrap_or_default().to_string();
        if let Some(route) = &c.route {
            sync_routes(aws, &id, &[], route).await?;
        }
        // The answer and the routes just made are the table as it is: no read back.
        let now = Config {
            vpc_id: table.vpc_id().unwrap_or(&c.vpc_id).to_string(),
            route: c.route.clone(),
            tags: created_tags(table.tags(), &c.tags),
        };
        let outputs = Outputs {
            arn: arn(aws, table.owner_id(), &id),
            id,
        };
        Ok(AwsRouteTable::observed(&outputs.id, &now, &outputs))
    }

    find_by_owner_tags!(describe_route_tables, "DescribeRouteTables", route_table_id);

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        // Start from what the table has now, not from what was recorded.
        let now = match read_one(aws, id, &serde_json::Value::Null).await? {
            Some(o) => parse::<Config>(TYPE, &o.inputs)?,
            None => {
                return Err(ProviderError::Api(format!(
                    "route table {id} no longer exists"
                )))
            }
        };
        // Left out, the routes are managed elsewhere: none is touched.
        if let Some(route) = &new.route {
            let have = now.route.clone().unwrap_or_default();
            sync_routes(aws, id, &have, route).await?;
        }
        update_tags(&aws.ec2, id, &now.tags, &new.tags).await?;
        let prior = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, id, || read_one(aws, id, &prior)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        delete_patiently("DeleteRouteTable", id, || async {
            aws.ec2
                .delete_route_table()
                .route_table_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
