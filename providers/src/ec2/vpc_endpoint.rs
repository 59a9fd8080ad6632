//! `aws_vpc_endpoint`: a private way from a VPC to an AWS service (or an endpoint service):
//! a gateway endpoint (S3, DynamoDB) routed from route tables, or an interface endpoint with a
//! network interface in each of its subnets.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{ResourceType, VpcEndpoint, VpcEndpointType};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{call_patiently, filter, tag_spec, tags_of, update_tags};
use crate::common::{api, code, is_not_found, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_vpc_endpoint";

fn gateway() -> String {
    "Gateway".into()
}

/// A VPC endpoint. Its route tables, subnets, security groups, policy, private DNS and tags
/// change in place.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The VPC.
    #[schemars(extend("x-force-new" = true))]
    pub vpc_id: String,
    /// The service, e.g. `com.amazonaws.us-east-1.s3`.
    #[schemars(extend("x-force-new" = true))]
    pub service_name: String,
    /// `Gateway`, `Interface` or `GatewayLoadBalancer`.
    #[serde(default = "gateway")]
    #[schemars(extend("x-force-new" = true))]
    #[schemars(extend("enum" = ["Gateway", "Interface", "GatewayLoadBalancer"]))]
    pub vpc_endpoint_type: String,
    /// The access policy (a table, or JSON text); left out, AWS's full access. Gateway and
    /// interface endpoints of services that take one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub policy: Option<serde_json::Value>,
    /// Route tables that route to a gateway endpoint.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub route_table_ids: Vec<String>,
    /// Subnets of an interface (or Gateway Load Balancer) endpoint's network interfaces, one
    /// per availability zone.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub subnet_ids: Vec<String>,
    /// Security groups of an interface endpoint's network interfaces.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub security_group_ids: Vec<String>,
    /// Whether the service's own DNS name resolves to an interface endpoint in the VPC.
    #[serde(default)]
    pub private_dns_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One DNS name of an interface endpoint.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DnsEntry {
    pub dns_name: Option<String>,
    pub hosted_zone_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The endpoint id (`vpce-…`).
    pub id: String,
    pub arn: String,
    /// `available`, `pendingAcceptance`, ...
    pub state: String,
    /// The prefix list of a gateway endpoint's service (for security group rules).
    pub prefix_list_id: Option<String>,
    /// The DNS names of an interface endpoint.
    pub dns_entry: Vec<DnsEntry>,
    /// The network interfaces of an interface endpoint.
    pub network_interface_ids: Vec<String>,
    /// The account that owns the endpoint.
    pub owner_id: String,
    /// Whether AWS manages the endpoint.
    pub requester_managed: bool,
}

/// How `cairn import` names one: its id.
pub const IMPORT_ID: &str = "the VPC endpoint id (`vpce-…`)";

/// The policy AWS gives an endpoint whose configuration gives none (read as none).
fn is_default_policy(doc: &serde_json::Value) -> bool {
    let Some(statements) = doc.get("Statement").and_then(|s| s.as_array()) else {
        return false;
    };
    let star = |v: Option<&serde_json::Value>| {
        v.is_some_and(|v| v == "*" || *v == serde_json::json!(["*"]))
    };
    match &statements[..] {
        [s] => {
            s.get("Effect").is_some_and(|e| e == "Allow")
                && (star(s.get("Principal"))
                    || s.get("Principal")
                        .and_then(|p| p.get("AWS"))
                        .is_some_and(|a| a == "*"))
                && star(s.get("Action"))
                && star(s.get("Resource"))
                && s.get("Condition").is_none()
        }
        _ => false,
    }
}

/// A configured document (a table or JSON text) as the JSON text EC2 takes.
fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn observe(aws: &Aws, e: &VpcEndpoint) -> Option<Observed> {
    let id = e.vpc_endpoint_id()?;
    let kind = e
        .vpc_endpoint_type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(gateway);
    let policy = e
        .policy_document()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .filter(|p| !is_default_policy(p));
    let config = Config {
        vpc_id: e.vpc_id().unwrap_or_default().to_string(),
        service_name: e.service_name().unwrap_or_default().to_string(),
        private_dns_enabled: kind == "Interface" && e.private_dns_enabled() == Some(true),
        vpc_endpoint_type: kind,
        policy,
        route_table_ids: sorted(e.route_table_ids()),
        subnet_ids: sorted(e.subnet_ids()),
        security_group_ids: sorted(
            &e.groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect::<Vec<_>>(),
        ),
        tags: tags_of(e.tags()),
    };
    let owner = e.owner_id().unwrap_or_default().to_string();
    let outputs = Outputs {
        id: id.to_string(),
        arn: format!("arn:aws:ec2:{}:{owner}:vpc-endpoint/{id}", aws.region),
        state: e
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        prefix_list_id: None,
        dns_entry: e
            .dns_entries()
            .iter()
            .map(|d| DnsEntry {
                dns_name: d.dns_name().map(str::to_string),
                hosted_zone_id: d.hosted_zone_id().map(str::to_string),
            })
            .collect(),
        network_interface_ids: sorted(e.network_interface_ids()),
        owner_id: owner,
        requester_managed: e.requester_managed().unwrap_or(false),
    };
    Some(AwsVpcEndpoint::observed(id, &config, &outputs))
}

/// The prefix lists of the services of gateway endpoints, by service name (one
/// DescribePrefixLists).
async fn prefix_lists(aws: &Aws, services: &[String]) -> Answer<BTreeMap<String, String>> {
    if services.is_empty() {
        return Ok(BTreeMap::new());
    }
    let got = aws
        .ec2
        .describe_prefix_lists()
        .filters(filter("prefix-list-name", services.to_vec()))
        .send()
        .await
        .map_err(|e| {
            api(
                "DescribePrefixLists",
                &services.join(","),
                e.into_service_error(),
            )
        })?;
    Ok(got
        .prefix_lists()
        .iter()
        .filter_map(|p| {
            Some((
                p.prefix_list_name()?.to_string(),
                p.prefix_list_id()?.to_string(),
            ))
        })
        .collect())
}

/// One DescribeVpcEndpoints (paged) for all, and one DescribePrefixLists for the gateway
/// endpoints' services.
async fn read(aws: &Aws, ids: &[String]) -> Answer<BTreeMap<String, Option<Observed>>> {
    let mut out: BTreeMap<String, Option<Observed>> =
        ids.iter().map(|i| (i.clone(), None)).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let found = aws
        .ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-endpoint-id", ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await;
    let found = match found {
        Ok(f) => f,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(out);
            }
            return Err(api("DescribeVpcEndpoints", &ids.join(","), e));
        }
    };
    let services: Vec<String> = found
        .iter()
        .filter(|e| e.vpc_endpoint_type() == Some(&VpcEndpointType::Gateway))
        .filter_map(|e| e.service_name().map(str::to_string))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let lists = prefix_lists(aws, &services).await?;
    for e in &found {
        let state = e.state().map(|s| s.as_str().to_lowercase());
        if matches!(
            state.as_deref(),
            Some("deleted" | "deleting" | "failed" | "rejected")
        ) {
            continue;
        }
        if let Some(mut o) = observe(aws, e) {
            if let Some(pl) = e.service_name().and_then(|s| lists.get(s)) {
                o.outputs["prefix_list_id"] = serde_json::json!(pl);
            }
            if out.contains_key(&o.id) {
                out.insert(o.id.clone(), Some(o));
            }
        }
    }
    Ok(out)
}

async fn read_one(aws: &Aws, id: &str) -> Answer<Option<Observed>> {
    Ok(read(aws, &[id.to_string()]).await?.remove(id).flatten())
}

/// What is in `new` and not `old`, and what is in `old` and not `new`.
fn changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let add = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let remove = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    (add, remove)
}

/// The `aws_vpc_endpoint` resource type.
pub struct AwsVpcEndpoint;

impl Resource for AwsVpcEndpoint {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EC2::VPCEndpoint",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "vpc-0123", "com.amazonaws.us-east-1.s3"],
        absent: Some("vpce-0000000000000000f"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
        read(aws, &ids).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "vpce-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let interface = c.vpc_endpoint_type == "Interface";
        let created = call_patiently("CreateVpcEndpoint", &c.service_name, || {
            aws.ec2
                .create_vpc_endpoint()
                .vpc_id(&c.vpc_id)
                .service_name(&c.service_name)
                .vpc_endpoint_type(VpcEndpointType::from(c.vpc_endpoint_type.as_str()))
                .set_policy_document(c.policy.as_ref().map(document_text))
                .set_route_table_ids(Some(c.route_table_ids.clone()).filter(|v| !v.is_empty()))
                .set_subnet_ids(Some(c.subnet_ids.clone()).filter(|v| !v.is_empty()))
                .set_security_group_ids(
                    Some(c.security_group_ids.clone()).filter(|v| !v.is_empty()),
                )
                .set_private_dns_enabled(interface.then_some(c.private_dns_enabled))
                .set_tag_specifications(
                    tag_spec(ResourceType::VpcEndpoint, &c.tags).map(|t| vec![t]),
                )
                .send()
        })
        .await?;
        let id = created
            .vpc_endpoint()
            .and_then(|e| e.vpc_endpoint_id())
            .ok_or_else(|| ProviderError::Api("CreateVpcEndpoint returned no id".into()))?
            .to_string();
        read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    find_by_owner_tags!(
        describe_vpc_endpoints,
        "DescribeVpcEndpoints",
        vpc_endpoint_id
    );

    /// One ModifyVpcEndpoint for route tables, subnets, groups, policy and private DNS; the
    /// tags apart.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        let Some(now) = read_one(aws, id).await? else {
            return Err(ProviderError::Api(format!(
                "VPC endpoint {id} no longer exists"
            )));
        };
        let now: Config = crate::common::parse(TYPE, &now.inputs)?;
        let (add_rt, remove_rt) = changes(&now.route_table_ids, &new.route_table_ids);
        let (add_sn, remove_sn) = changes(&now.subnet_ids, &new.subnet_ids);
        let (add_sg, remove_sg) = changes(&now.security_group_ids, &new.security_group_ids);
        let policy_changed = now.policy != new.policy;
        let dns_changed = new.vpc_endpoint_type == "Interface"
            && now.private_dns_enabled != new.private_dns_enabled;
        let any = [
            &add_rt, &remove_rt, &add_sn, &remove_sn, &add_sg, &remove_sg,
        ]
        .iter()
        .any(|v| !v.is_empty())
            || policy_changed
            || dns_changed;
        if any {
            let nonempty = |v: Vec<String>| Some(v).filter(|v| !v.is_empty());
            let mut call = aws
                .ec2
                .modify_vpc_endpoint()
                .vpc_endpoint_id(id)
                .set_add_route_table_ids(nonempty(add_rt))
                .set_remove_route_table_ids(nonempty(remove_rt))
                .set_add_subnet_ids(nonempty(add_sn))
                .set_remove_subnet_ids(nonempty(remove_sn))
                .set_add_security_group_ids(nonempty(add_sg))
                .set_remove_security_group_ids(nonempty(remove_sg));
            if policy_changed {
                call = match &new.policy {
                    Some(p) => call.policy_document(document_text(p)),
                    None => call.reset_policy(true),
                };
            }
            if dns_changed {
                call = call.private_dns_enabled(new.private_dns_enabled);
            }
            call.send()
                .await
                .map_err(|e| api("ModifyVpcEndpoint", id, e.into_service_error()))?;
        }
        update_tags(&aws.ec2, id, &now.tags, &new.tags).await?;
        read_back(TYPE, id, || read_one(aws, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        let r = aws
            .ec2
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
            .map_err(|e| api("DeleteVpcEndpoints", id, e.into_service_error()))?;
        if let Some(u) = r.unsuccessful().first() {
            let err = u.error();
            let c = err.and_then(|e| e.code());
            if !is_not_found(c) {
                return Err(ProviderError::Api(format!(
                    "DeleteVpcEndpoints {id}: {} {}",
                    c.unwrap_or_default(),
                    err.and_then(|e| e.message()).unwrap_or_default()
                )));
            }
        }
        Ok(())
    }
}
