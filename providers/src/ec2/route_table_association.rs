//! `aws_route_table_association`: which route table a subnet uses.

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{call_patiently, delete_patiently, filter};
use crate::common::{api, only, read_back, read_found, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_route_table_association";

/// Associates a subnet with a route table (instead of the VPC's main table).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub subnet_id: String,
    /// Changing it moves the subnet to another table in place.
    pub route_table_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The association id (`rtbassoc-...`); a move to another table gives a new one.
    pub id: String,
}

/// One DescribeRouteTables filtered by association ids.
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
        .filters(filter(
            "association.route-table-association-id",
            ids.clone(),
        ))
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
    for t in &tables {
        for a in t.associations() {
            let (Some(id), Some(subnet)) = (a.route_table_association_id(), a.subnet_id()) else {
                continue;
            };
            if !out.contains_key(id) {
                continue;
            }
            let config = Config {
                subnet_id: subnet.to_string(),
                route_table_id: t.route_table_id().unwrap_or_default().to_string(),
            };
            let outputs = Outputs { id: id.to_string() };
            out.insert(
                id.to_string(),
                Some(AwsRouteTableAssociation::observed(id, &config, &outputs)),
            );
        }
    }
    Ok(out)
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(aws, &request(id, serde_json::Value::Null)).await?,
    ))
}
/// How `cairn import` names one: `subnet-…/rtb-…` (Terraform's form), or the association
/// id (`rtbassoc-…`).
pub const IMPORT_ID: &str =
    "`<subnet id>/<route table id>` (`subnet-…/rtb-…`) or the association id (`rtbassoc-…`)";

/// The `aws_route_table_association` resource type.
pub struct AwsRouteTableAssociation;

impl Resource for AwsRouteTableAssociation {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["subnet_id", "route_table_id"]),
        cloudformation: "AWS::EC2::SubnetRouteTableAssociation",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "subnet-0123",
            "subnet-0123/rtb-0123/x",
            "igw-0123/rtb-0123",
            "subnet-0123/igw-0123",
        ],
        absent: Some("subnet-0000000000000000f/rtb-0000000000000000f"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By the association id, or by the subnet and table: one DescribeRouteTables of the
    /// table, and the subnet's association with it.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        if import_id.starts_with("rtbassoc-") {
            return crate::common::import_read(import_id, |r| async move { read(aws, &r).await })
                .await;
        }
        let parts: Vec<&str> = import_id.split('/').collect();
        let [subnet, table] = parts[..] else {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                &format!("it has {} part(s) separated by `/`, not 2", parts.len()),
                IMPORT_ID,
            ));
        };
        crate::common::expect_prefix(TYPE, subnet, "subnet-", IMPORT_ID).map_err(|_| {
            crate::common::malformed(
                TYPE,
                import_id,
                "its first part is not a subnet id (only subnets' associations are supported)",
                IMPORT_ID,
            )
        })?;
        crate::common::expect_prefix(TYPE, table, "rtb-", IMPORT_ID).map_err(|_| {
            crate::common::malformed(
                TYPE,
                import_id,
                "its second part is not a route table id",
                IMPORT_ID,
            )
        })?;
        let tables = aws
            .ec2
            .describe_route_tables()
            .filters(filter("route-table-id", [table]))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeRouteTables", import_id, e.into_service_error()))?;
        let found = tables
            .iter()
            .filter(|t| t.route_table_id() == Some(table))
            .flat_map(|t| t.associations())
            .find(|a| a.subnet_id() == Some(subnet))
            .and_then(|a| a.route_table_association_id());
        let Some(id) = found else {
            return Ok(None);
        };
        let config = Config {
            subnet_id: subnet.to_string(),
            route_table_id: table.to_string(),
        };
        Ok(Some(AwsRouteTableAssociation::observed(
            id,
            &config,
            &Outputs { id: id.to_string() },
        )))
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        let input = |k: &str| o.inputs[k].as_str().unwrap_or_default().to_string();
        vec![
            format!("{}/{}", input("subnet_id"), input("route_table_id")),
            o.id.clone(),
        ]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let what = format!("{} to {}", c.subnet_id, c.route_table_id);
        let r = call_patiently("AssociateRouteTable", &what, || {
            aws.ec2
                .associate_route_table()
                .subnet_id(&c.subnet_id)
                .route_table_id(&c.route_table_id)
                .send()
        })
        .await?;
        let id = r
            .association_id()
            .ok_or_else(|| ProviderError::Api("AssociateRouteTable returned no id".into()))?
            .to_string();
        // An association is its two ids: nothing to read back.
        Ok(AwsRouteTableAssociation::observed(
            &id,
            c,
            &Outputs { id: id.clone() },
        ))
    }

    /// By its natural key: the subnet's association with the configured table (a subnet has
    /// at most one), from one DescribeRouteTables filtered by the subnet.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let tables = aws
            .ec2
            .describe_route_tables()
            .filters(filter("association.subnet-id", [c.subnet_id.as_str()]))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeRouteTables", &c.subnet_id, e.into_service_error()))?;
        let ids = tables
            .iter()
            .filter(|t| t.route_table_id() == Some(c.route_table_id.as_str()))
            .flat_map(|t| t.associations())
            .filter(|a| a.subnet_id() == Some(c.subnet_id.as_str()))
            .filter_map(|a| a.route_table_association_id().map(str::to_string))
            .collect();
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        c: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let r = aws
            .ec2
            .replace_route_table_association()
            .association_id(&prior.id)
            .route_table_id(&c.route_table_id)
            .send()
            .await
            .map_err(|e| {
                api(
                    "ReplaceRouteTableAssociation",
                    &prior.id,
                    e.into_service_error(),
                )
            })?;
        let id = r
            .new_association_id()
            .ok_or_else(|| {
                ProviderError::Api("ReplaceRouteTableAssociation returned no id".into())
            })?
            .to_string();
        read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        delete_patiently("DisassociateRouteTable", id, || async {
            aws.ec2
                .disassociate_route_table()
                .association_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
