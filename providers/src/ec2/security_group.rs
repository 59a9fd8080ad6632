//! `aws_security_group`: a stateful firewall, with its inline ingress and egress rules.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType, SecurityGroup, UserIdGroupPair};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    call_patiently, claim_of, created_tags, delete_patiently, filter, literal, owner_filters,
    tag_spec, tags_of, update_tags,
};
use crate::common::{
    api, claimed, generated_from, only, read_back, read_found, request, Named, Naming,
    DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_security_group";

fn managed_by_cairn() -> String {
    "Managed by cairn".into()
}

/// How a group's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 255,
};

/// A security group. `ingress` and `egress`, when set, are the complete rule sets (AWS's
/// default allow-all egress is removed at creation); when left out, rules are managed
/// elsewhere (`aws_security_group_rule`) and not compared.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The group's name, unique in its VPC; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 229))]
    pub name_prefix: Option<String>,
    #[serde(default = "managed_by_cairn")]
    #[schemars(extend("x-force-new" = true))]
    pub description: String,
    #[schemars(extend("x-force-new" = true))]
    pub vpc_id: String,
    /// Inbound rules, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-set" = true))]
    pub ingress: Option<Vec<Rule>>,
    /// Outbound rules, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-set" = true))]
    pub egress: Option<Vec<Rule>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One rule: a protocol and port range, from (or to) address ranges and groups.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    #[schemars(extend("x-lowercase" = true, "x-aliases" = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}))]
    pub protocol: String,
    #[schemars(range(min = -1, max = 65535))]
    pub from_port: i32,
    #[schemars(range(min = -1, max = 65535))]
    pub to_port: i32,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    #[schemars(extend("x-cidr" = [0, 32]))]
    pub cidr_blocks: Vec<String>,
    /// Other security groups' ids.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub security_groups: Vec<String>,
    /// The group itself.
    #[serde(default, rename = "self")]
    pub self_: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
    pub owner_id: String,
}

/// Rules of a group as configured: permissions split by description, since AWS keeps a
/// description per address range or group pair.
pub fn rules_of(group_id: &str, perms: &[IpPermission]) -> Vec<Rule> {
    let mut out: BTreeMap<RuleKey, Rule> = BTreeMap::new();
    for p in perms {
        let protocol = p.ip_protocol().unwrap_or("-1").to_string();
        let (from, to) = if protocol == "-1" {
            (0, 0)
        } else {
            (p.from_port().unwrap_or(0), p.to_port().unwrap_or(0))
        };
        for r in p.ip_ranges() {
            if let Some(cidr) = r.cidr_ip() {
                entry(&mut out, &protocol, from, to, r.description())
                    .cidr_blocks
                    .push(cidr.to_string());
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(gid) = g.group_id() {
                let rule = entry(&mut out, &protocol, from, to, g.description());
                if gid == group_id {
                    rule.self_ = true;
                } else {
                    rule.security_groups.push(gid.to_string());
                }
            }
        }
    }
    sorted(out.into_values().collect())
}

type RuleKey = (String, i32, i32, Option<String>);

/// The rule of `out` for a protocol, port range and description, added when new.
fn entry<'a>(
    out: &'a mut BTreeMap<RuleKey, Rule>,
    protocol: &str,
    from: i32,
    to: i32,
    description: Option<&str>,
) -> &'a mut Rule {
    let description = description.filter(|d| !d.is_empty()).map(str::to_string);
    out.entry((protocol.to_string(), from, to, description.clone()))
        .or_insert_with(|| Rule {
            protocol: protocol.to_string(),
            from_port: from,
            to_port: to,
            cidr_blocks: Vec::new(),
            security_groups: Vec::new(),
            self_: false,
            description,
        })
}

/// The AWS permission for one rule of group `group_id`.
pub fn permission(group_id: &str, r: &Rule) -> IpPermission {
    let mut pairs: Vec<UserIdGroupPair> = r
        .security_groups
        .iter()
        .map(|g| {
            UserIdGroupPair::builder()
                .group_id(g)
                .set_description(r.description.clone())
                .build()
        })
        .collect();
    if r.self_ {
        pairs.push(
            UserIdGroupPair::builder()
                .group_id(group_id)
                .set_description(r.description.clone())
                .build(),
        );
    }
    let mut b = IpPermission::builder()
        .ip_protocol(&r.protocol)
        .set_ip_ranges(Some(
            r.cidr_blocks
                .iter()
                .map(|c| {
                    IpRange::builder()
                        .cidr_ip(c)
                        .set_description(r.description.clone())
                        .build()
                })
                .collect(),
        ))
        .set_user_id_group_pairs(Some(pairs));
    if r.protocol != "-1" {
        b = b.from_port(r.from_port).to_port(r.to_port);
    }
    b.build()
}

/// Which of a group's rule sets a view shows.
#[derive(Clone, Copy)]
enum Shown<'a> {
    /// Those the recorded inputs have (rule sets the configuration leaves out are managed
    /// elsewhere); with no recorded inputs, both.
    AsRecorded(&'a serde_json::Value),
    /// Those that are not empty: an import cannot tell an empty rule set from one managed
    /// elsewhere, and records only what there is.
    NotEmpty,
}

impl Shown<'_> {
    fn shows(self, key: &str, perms: &[IpPermission]) -> bool {
        match self {
            Shown::AsRecorded(prior) => prior.is_null() || prior.get(key).is_some(),
            Shown::NotEmpty => !perms.is_empty(),
        }
    }
}

fn observe(aws: &Aws, g: &SecurityGroup, shown: Shown) -> Option<Observed> {
    let id = g.group_id()?;
    let name = g.group_name().unwrap_or_default();
    let prior = match shown {
        Shown::AsRecorded(prior) => prior,
        Shown::NotEmpty => &serde_json::Value::Null,
    };
    let config = Config {
        name: Some(name.to_string()),
        name_prefix: NAMING.read_prefix(name, prior),
        description: g.description().unwrap_or_default().to_string(),
        vpc_id: g.vpc_id().unwrap_or_default().to_string(),
        ingress: shown
            .shows("ingress", g.ip_permissions())
            .then(|| rules_of(id, g.ip_permissions())),
        egress: shown
            .shows("egress", g.ip_permissions_egress())
            .then(|| rules_of(id, g.ip_permissions_egress())),
        tags: tags_of(g.tags()),
    };
    let owner = g.owner_id().unwrap_or_default().to_string();
    let outputs = Outputs {
        id: id.to_string(),
        arn: format!("arn:aws:ec2:{}:{owner}:security-group/{id}", aws.region),
        owner_id: owner,
    };
    Some(AwsSecurityGroup::observed(id, &config, &outputs))
}

/// Every requested group in one DescribeSecurityGroups (paged).
pub async fn describe(aws: &Aws, ids: &[String]) -> Result<Vec<SecurityGroup>, ProviderError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    aws.ec2
        .describe_security_groups()
        .filters(filter("group-id", ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeSecurityGroups",
                &ids.join(","),
                e.into_service_error(),
            )
        })
}

async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
    let mut out: BTreeMap<String, Option<Observed>> =
        ids.iter().map(|i| (i.clone(), None)).collect();
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    for g in describe(aws, &ids).await? {
        let Some(id) = g.group_id() else { continue };
        let p = prior.get(id).copied().unwrap_or(&serde_json::Value::Null);
        out.insert(id.to_string(), observe(aws, &g, Shown::AsRecorded(p)));
    }
    Ok(out)
}

async fn read_one(
    aws: &Aws,
    id: &str,
    config: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    Ok(only(id, read(aws, &request(id, config.clone())).await?))
}

/// Authorizes (`add`) or revokes rules of one direction.
async fn change_rules(
    aws: &Aws,
    id: &str,
    egress: bool,
    add: bool,
    rules: &[Rule],
) -> Result<(), ProviderError> {
    if rules.is_empty() {
        return Ok(());
    }
    let perms: Vec<IpPermission> = rules.iter().map(|r| permission(id, r)).collect();
    let result = match (egress, add) {
        // Rules may name groups made moments ago.
        (false, true) => call_patiently("AuthorizeSecurityGroupIngress", id, || {
            aws.ec2
                .authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(perms.clone()))
                .send()
        })
        .await
        .map(|_| ()),
        (true, true) => call_patiently("AuthorizeSecurityGroupEgress", id, || {
            aws.ec2
                .authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(perms.clone()))
                .send()
        })
        .await
        .map(|_| ()),
        (false, false) => aws
            .ec2
            .revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("RevokeSecurityGroupIngress", id, e.into_service_error())),
        (true, false) => aws
            .ec2
            .revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("RevokeSecurityGroupEgress", id, e.into_service_error())),
    };
    result
}

/// Rules in `old` but not `new`, and in `new` but not `old`.
fn rule_diff(old: &[Rule], new: &[Rule]) -> (Vec<Rule>, Vec<Rule>) {
    let o: BTreeSet<&Rule> = old.iter().collect();
    let n: BTreeSet<&Rule> = new.iter().collect();
    (
        o.difference(&n).map(|r| (*r).clone()).collect(),
        n.difference(&o).map(|r| (*r).clone()).collect(),
    )
}

fn sorted(mut rules: Vec<Rule>) -> Vec<Rule> {
    for r in &mut rules {
        r.cidr_blocks.sort();
        r.security_groups.sort();
    }
    rules
}
/// How `cairn import` names one: the group id (`sg-…`).
pub const IMPORT_ID: &str = "the security group id (`sg-…`)";

/// A configuration as the recorded inputs a read is given (which rule sets it shows).
fn as_recorded(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

/// The `aws_security_group` resource type.
pub struct AwsSecurityGroup;

impl Resource for AwsSecurityGroup {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["vpc_id", "name"]),
        cloudformation: "AWS::EC2::SecurityGroup",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["sg", "vpc-0123"],
        absent: Some("sg-0000000000000000f"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its id. Rule sets are recorded when not empty (an empty one reads as managed
    /// elsewhere, as when the configuration leaves it out).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_prefix(TYPE, import_id, "sg-", IMPORT_ID)?;
        Ok(describe(aws, &[import_id.to_string()])
            .await?
            .iter()
            .find(|g| g.group_id() == Some(import_id))
            .and_then(|g| observe(aws, g, Shown::NotEmpty)))
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        let created = call_patiently("CreateSecurityGroup", &name, || {
            aws.ec2
                .create_security_group()
                .group_name(&name)
                .description(&c.description)
                .vpc_id(&c.vpc_id)
                .set_tag_specifications(
                    tag_spec(ResourceType::SecurityGroup, &c.tags).map(|t| vec![t]),
                )
                .send()
        })
        .await?;
        let id = created
            .group_id()
            .ok_or_else(|| ProviderError::Api("CreateSecurityGroup returned no id".into()))?
            .to_string();
        // Replace AWS's default egress with what is configured.
        if let Some(egress) = &c.egress {
            let now = describe(aws, std::slice::from_ref(&id)).await?;
            let default = now
                .first()
                .map(|g| rules_of(&id, g.ip_permissions_egress()))
                .unwrap_or_default();
            let (remove, add) = rule_diff(&default, &sorted(egress.clone()));
            change_rules(aws, &id, true, false, &remove).await?;
            change_rules(aws, &id, true, true, &add).await?;
        }
        if let Some(ingress) = &c.ingress {
            change_rules(aws, &id, false, true, ingress).await?;
        }
        // The group is what was asked for, rules as AWS lists them: no read back, when the
        // answer names the account (in the group's ARN).
        let owner = created
            .security_group_arn()
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|o| !o.is_empty());
        let Some(owner) = owner else {
            let config = as_recorded(c);
            return read_back(TYPE, &id, || read_one(aws, &id, &config)).await;
        };
        let as_listed = |rules: &Vec<Rule>| {
            let perms: Vec<IpPermission> = rules.iter().map(|r| permission(&id, r)).collect();
            rules_of(&id, &perms)
        };
        let now = Config {
            name_prefix: NAMING.read_prefix(&name, &as_recorded(c)),
            name: Some(name),
            ingress: c.ingress.as_ref().map(as_listed),
            egress: c.egress.as_ref().map(as_listed),
            tags: created_tags(created.tags(), &c.tags),
            ..c.clone()
        };
        let outputs = Outputs {
            arn: format!("arn:aws:ec2:{}:{owner}:security-group/{id}", aws.region),
            owner_id: owner.to_string(),
            id,
        };
        Ok(AwsSecurityGroup::observed(&outputs.id, &now, &outputs))
    }

    /// By its unique name in its VPC (so that a group is found whether or not its tags were
    /// applied): one DescribeSecurityGroups filtered by both. A generated name by its prefix
    /// and the ownership tags (the create tags the group as it makes it).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let named = NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())?;
        let mut filters = vec![filter("vpc-id", [c.vpc_id.as_str()])];
        let what = match named {
            Named::Given(name) => {
                if literal(name) {
                    filters.push(filter("group-name", [name]));
                }
                name
            }
            Named::Generated(prefix) => {
                filters.extend(owner_filters(TYPE, ctx)?);
                prefix
            }
        };
        let groups = aws
            .ec2
            .describe_security_groups()
            .set_filters(Some(filters))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeSecurityGroups", what, e.into_service_error()))?;
        let in_vpc = groups
            .iter()
            .filter(|g| g.vpc_id() == Some(c.vpc_id.as_str()));
        let ids = match named {
            Named::Given(name) => in_vpc
                .filter(|g| g.group_name() == Some(name))
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
            Named::Generated(prefix) => claimed(
                in_vpc
                    .filter(|g| {
                        g.group_name()
                            .is_some_and(|n| generated_from(n, prefix, ""))
                    })
                    .map(|g| (g.group_id(), claim_of(g.tags(), ctx))),
            ),
        };
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        let Some(now) = describe(aws, std::slice::from_ref(id))
            .await?
            .into_iter()
            .next()
        else {
            return Err(ProviderError::Api(format!(
                "security group {id} no longer exists"
            )));
        };
        if let Some(ingress) = &new.ingress {
            let (remove, add) = rule_diff(
                &rules_of(id, now.ip_permissions()),
                &sorted(ingress.clone()),
            );
            change_rules(aws, id, false, false, &remove).await?;
            change_rules(aws, id, false, true, &add).await?;
        }
        if let Some(egress) = &new.egress {
            let (remove, add) = rule_diff(
                &rules_of(id, now.ip_permissions_egress()),
                &sorted(egress.clone()),
            );
            change_rules(aws, id, true, false, &remove).await?;
            change_rules(aws, id, true, true, &add).await?;
        }
        update_tags(&aws.ec2, id, &tags_of(now.tags()), &new.tags).await?;
        let config = as_recorded(new);
        read_back(TYPE, id, || read_one(aws, id, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        delete_patiently("DeleteSecurityGroup", id, || async {
            aws.ec2
                .delete_security_group()
                .group_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await
    }
}
