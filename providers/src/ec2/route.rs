//! `aws_route`: one route in a route table (any table, the VPC's main one included), kept apart
//! from the table, as Terraform's `aws_route`.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Route, RouteOrigin};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{call_patiently, filter};
use crate::common::{api, code, is_not_found, malformed, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_route";

/// One route of a route table: a destination (exactly one of `destination_cidr_block`,
/// `destination_ipv6_cidr_block`, `destination_prefix_list_id`) and a target (exactly one of
/// the `*_id` attributes). A table whose configuration leaves its `route`s out does not see
/// these routes as drift; one that lists its `route`s would remove them (do not mix both on
/// one table). The VPC's `local` route and routes propagated by a virtual private gateway
/// are not routes of this type.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [
    {"given": ["destination_cidr_block"], "forbid": ["destination_ipv6_cidr_block", "destination_prefix_list_id"]},
    {"given": ["destination_ipv6_cidr_block"], "forbid": ["destination_cidr_block", "destination_prefix_list_id"]},
    {"given": ["destination_prefix_list_id"], "forbid": ["destination_cidr_block", "destination_ipv6_cidr_block"]},
    {"given": ["gateway_id"], "forbid": ["nat_gateway_id", "vpc_endpoint_id", "transit_gateway_id", "network_interface_id", "vpc_peering_connection_id", "egress_only_gateway_id"]},
    {"given": ["nat_gateway_id"], "forbid": ["gateway_id", "vpc_endpoint_id", "transit_gateway_id", "network_interface_id", "vpc_peering_connection_id", "egress_only_gateway_id"]},
    {"given": ["vpc_endpoint_id"], "forbid": ["gateway_id", "nat_gateway_id", "transit_gateway_id", "network_interface_id", "vpc_peering_connection_id", "egress_only_gateway_id"]},
    {"given": ["transit_gateway_id"], "forbid": ["gateway_id", "nat_gateway_id", "vpc_endpoint_id", "network_interface_id", "vpc_peering_connection_id", "egress_only_gateway_id"]},
    {"given": ["network_interface_id"], "forbid": ["gateway_id", "nat_gateway_id", "vpc_endpoint_id", "transit_gateway_id", "vpc_peering_connection_id", "egress_only_gateway_id"]},
    {"given": ["vpc_peering_connection_id"], "forbid": ["gateway_id", "nat_gateway_id", "vpc_endpoint_id", "transit_gateway_id", "network_interface_id", "egress_only_gateway_id"]},
    {"given": ["egress_only_gateway_id"], "forbid": ["gateway_id", "nat_gateway_id", "vpc_endpoint_id", "transit_gateway_id", "network_interface_id", "vpc_peering_connection_id"]}
]))]
pub struct Config {
    /// The route table (`aws_route_table.<name>.id`, or a VPC's `main_route_table_id`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub route_table_id: String,
    /// The IPv4 destination, e.g. `0.0.0.0/0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(extend("x-cidr" = [0, 32]))]
    pub destination_cidr_block: Option<String>,
    /// The IPv6 destination, e.g. `::/0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub destination_ipv6_cidr_block: Option<String>,
    /// The destination as a managed prefix list (`pl-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(regex(pattern = r"^pl-[0-9a-f]+$"))]
    #[schemars(extend("x-pattern-says" = "a prefix list id (`pl-…`)"))]
    pub destination_prefix_list_id: Option<String>,
    /// An internet gateway or virtual private gateway (`igw-…`, `vgw-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// A NAT gateway (`nat-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
    /// A Gateway Load Balancer endpoint (`vpce-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_id: Option<String>,
    /// A transit gateway (`tgw-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
    /// A network interface (`eni-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    /// A VPC peering connection (`pcx-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    /// An egress-only internet gateway (`eigw-…`), for IPv6 destinations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_gateway_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<route table id>_<destination>` (also the import id).
    pub id: String,
    /// The instance the route's network interface belongs to, if any.
    pub instance_id: Option<String>,
    /// The account of that instance.
    pub instance_owner_id: Option<String>,
    /// How the route was made: `CreateRoute` for routes of this type.
    pub origin: String,
    /// `active`, or `blackhole` when its target is gone.
    pub state: String,
}

/// How `cairn import` names one: Terraform's form.
pub const IMPORT_ID: &str = "`<route table id>_<destination>`, the destination an IPv4 or IPv6 CIDR block or a prefix list id (`rtb-…_0.0.0.0/0`, `rtb-…_::/0`, `rtb-…_pl-…`)";

/// The destination a configuration names, if exactly one.
fn destination(c: &Config) -> Answer<&str> {
    let given: Vec<&str> = [
        &c.destination_cidr_block,
        &c.destination_ipv6_cidr_block,
        &c.destination_prefix_list_id,
    ]
    .into_iter()
    .filter_map(|d| d.as_deref())
    .collect();
    match given[..] {
        [one] => Ok(one),
        _ => Err(ProviderError::InvalidConfig(format!(
            "{TYPE}: exactly one of `destination_cidr_block`, `destination_ipv6_cidr_block` and `destination_prefix_list_id` must be given, not {}",
            given.len()
        ))),
    }
}

/// Fails a configuration without exactly one target.
fn check_target(c: &Config) -> Answer<()> {
    let given = [
        &c.gateway_id,
        &c.nat_gateway_id,
        &c.vpc_endpoint_id,
        &c.transit_gateway_id,
        &c.network_interface_id,
        &c.vpc_peering_connection_id,
        &c.egress_only_gateway_id,
    ]
    .iter()
    .filter(|t| t.is_some())
    .count();
    if given != 1 {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE}: exactly one target (`gateway_id`, `nat_gateway_id`, `vpc_endpoint_id`, `transit_gateway_id`, `network_interface_id`, `vpc_peering_connection_id`, `egress_only_gateway_id`) must be given, not {given}"
        )));
    }
    Ok(())
}

/// The kind of a destination, from its form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ipv4,
    Ipv6,
    PrefixList,
}

fn kind_of(destination: &str) -> Kind {
    if destination.starts_with("pl-") {
        Kind::PrefixList
    } else if destination.contains(':') {
        Kind::Ipv6
    } else {
        Kind::Ipv4
    }
}

/// The destination of a route AWS describes.
fn destination_of(r: &Route) -> Option<&str> {
    r.destination_cidr_block()
        .or(r.destination_ipv6_cidr_block())
        .or(r.destination_prefix_list_id())
}

/// Whether a route AWS describes is one of this type's: not the VPC's `local` route, nor one
/// propagated from a virtual private gateway.
fn is_own(r: &Route) -> bool {
    r.gateway_id() != Some("local") && r.origin() != Some(&RouteOrigin::EnableVgwRoutePropagation)
}

/// Splits an id (or import id) into its table and destination.
fn parts(id: &str) -> Answer<(&str, &str)> {
    crate::common::expect_name(TYPE, id, IMPORT_ID)?;
    let Some((table, dest)) = id.split_once('_') else {
        return Err(malformed(
            TYPE,
            id,
            "it has no `_` between the table and the destination",
            IMPORT_ID,
        ));
    };
    crate::common::expect_prefix(TYPE, table, "rtb-", IMPORT_ID).map_err(|_| {
        malformed(
            TYPE,
            id,
            "its first part is not a route table id",
            IMPORT_ID,
        )
    })?;
    let ok = match kind_of(dest) {
        Kind::PrefixList => dest.len() > 3,
        Kind::Ipv4 | Kind::Ipv6 => dest
            .split_once('/')
            .is_some_and(|(a, p)| !a.is_empty() && p.parse::<u8>().is_ok()),
    };
    if !ok {
        return Err(malformed(
            TYPE,
            id,
            "its destination is not a CIDR block nor a prefix list id",
            IMPORT_ID,
        ));
    }
    Ok((table, dest))
}

/// The configuration and outputs of `r`, a route of `table`.
fn observe(table: &str, r: &Route) -> Option<Observed> {
    let dest = destination_of(r)?;
    let kind = kind_of(dest);
    let id = format!("{table}_{dest}");
    let of = |k: Kind| (kind == k).then(|| dest.to_string());
    // A Gateway Load Balancer endpoint is described as the route's gateway.
    let gateway = r.gateway_id().map(str::to_string);
    let (gateway_id, vpc_endpoint_id) = match gateway {
        Some(g) if g.starts_with("vpce-") => (None, Some(g)),
        other => (other, None),
    };
    let config = Config {
        route_table_id: table.to_string(),
        destination_cidr_block: of(Kind::Ipv4),
        destination_ipv6_cidr_block: of(Kind::Ipv6),
        destination_prefix_list_id: of(Kind::PrefixList),
        gateway_id,
        nat_gateway_id: r.nat_gateway_id().map(str::to_string),
        vpc_endpoint_id,
        transit_gateway_id: r.transit_gateway_id().map(str::to_string),
        network_interface_id: r.network_interface_id().map(str::to_string),
        vpc_peering_connection_id: r.vpc_peering_connection_id().map(str::to_string),
        egress_only_gateway_id: r.egress_only_internet_gateway_id().map(str::to_string),
    };
    let outputs = Outputs {
        id: id.clone(),
        instance_id: r.instance_id().map(str::to_string),
        instance_owner_id: r.instance_owner_id().map(str::to_string),
        origin: r
            .origin()
            .map(|o| o.as_str().to_string())
            .unwrap_or_else(|| "CreateRoute".into()),
        state: r
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "active".into()),
    };
    Some(AwsRoute::observed(&id, &config, &outputs))
}

/// One DescribeRouteTables (paged) of every table named, for all the routes requested.
async fn read(aws: &Aws, ids: &[String]) -> Answer<BTreeMap<String, Option<Observed>>> {
    let mut out: BTreeMap<String, Option<Observed>> =
        ids.iter().map(|i| (i.clone(), None)).collect();
    let mut tables: Vec<&str> = ids
        .iter()
        .filter_map(|id| parts(id).ok().map(|(t, _)| t))
        .collect();
    tables.sort_unstable();
    tables.dedup();
    if tables.is_empty() {
        return Ok(out);
    }
    let found = aws
        .ec2
        .describe_route_tables()
        .filters(filter("route-table-id", tables.clone()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeRouteTables",
                &tables.join(","),
                e.into_service_error(),
            )
        })?;
    for t in &found {
        let Some(table) = t.route_table_id() else {
            continue;
        };
        for r in t.routes().iter().filter(|r| is_own(r)) {
            if let Some(o) = observe(table, r) {
                if let Some(slot) = out.get_mut(&o.id) {
                    *slot = Some(o);
                }
            }
        }
    }
    Ok(out)
}

async fn read_one(aws: &Aws, id: &str) -> Answer<Option<Observed>> {
    Ok(read(aws, &[id.to_string()]).await?.remove(id).flatten())
}

/// The `aws_route` resource type.
pub struct AwsRoute;

impl Resource for AwsRoute {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["route_table_id", "destination_cidr_block"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "rtb-0123",
            "igw-0123_0.0.0.0/0",
            "rtb-0123_",
            "rtb-0123_igw-0123",
            "rtb-0123_10.0.0.0",
        ],
        absent: Some("rtb-0000000000000000f_0.0.0.0/0"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
        read(aws, &ids).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parts(import_id).map(|_| ())
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let dest = destination(c)?;
        check_target(c)?;
        let id = format!("{}_{dest}", c.route_table_id);
        call_patiently("CreateRoute", &id, || {
            aws.ec2
                .create_route()
                .route_table_id(&c.route_table_id)
                .set_destination_cidr_block(c.destination_cidr_block.clone())
                .set_destination_ipv6_cidr_block(c.destination_ipv6_cidr_block.clone())
                .set_destination_prefix_list_id(c.destination_prefix_list_id.clone())
                .set_gateway_id(c.gateway_id.clone())
                .set_nat_gateway_id(c.nat_gateway_id.clone())
                .set_vpc_endpoint_id(c.vpc_endpoint_id.clone())
                .set_transit_gateway_id(c.transit_gateway_id.clone())
                .set_network_interface_id(c.network_interface_id.clone())
                .set_vpc_peering_connection_id(c.vpc_peering_connection_id.clone())
                .set_egress_only_internet_gateway_id(c.egress_only_gateway_id.clone())
                .send()
        })
        .await?;
        read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    /// By its natural key: the table's route to the configured destination.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let dest = destination(c)?;
        let id = format!("{}_{dest}", c.route_table_id);
        if parts(&id).is_err() {
            return Ok(Vec::new());
        }
        read_found(vec![id], c, |r| async move {
            let ids: Vec<String> = r.iter().map(|r| r.id.clone()).collect();
            read(aws, &ids).await
        })
        .await
    }

    /// Another target: ReplaceRoute.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        c: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        check_target(c)?;
        let id = &prior.id;
        aws.ec2
            .replace_route()
            .route_table_id(&c.route_table_id)
            .set_destination_cidr_block(c.destination_cidr_block.clone())
            .set_destination_ipv6_cidr_block(c.destination_ipv6_cidr_block.clone())
            .set_destination_prefix_list_id(c.destination_prefix_list_id.clone())
            .set_gateway_id(c.gateway_id.clone())
            .set_nat_gateway_id(c.nat_gateway_id.clone())
            .set_vpc_endpoint_id(c.vpc_endpoint_id.clone())
            .set_transit_gateway_id(c.transit_gateway_id.clone())
            .set_network_interface_id(c.network_interface_id.clone())
            .set_vpc_peering_connection_id(c.vpc_peering_connection_id.clone())
            .set_egress_only_internet_gateway_id(c.egress_only_gateway_id.clone())
            .send()
            .await
            .map_err(|e| api("ReplaceRoute", id, e.into_service_error()))?;
        read_back(TYPE, id, || read_one(aws, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let (table, dest) = parts(&prior.id)?;
        let mut call = aws.ec2.delete_route().route_table_id(table);
        call = match kind_of(dest) {
            Kind::Ipv4 => call.destination_cidr_block(dest),
            Kind::Ipv6 => call.destination_ipv6_cidr_block(dest),
            Kind::PrefixList => call.destination_prefix_list_id(dest),
        };
        match call.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                if is_not_found(code(&e)) {
                    Ok(())
                } else {
                    Err(api("DeleteRoute", &prior.id, e))
                }
            }
        }
    }
}
