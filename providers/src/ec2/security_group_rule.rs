//! `aws_security_group_rule`: one rule of a security group, managed on its own (for groups
//! that allow each other, which inline rules cannot express without a cycle).

use std::collections::BTreeMap;

use cairn_engine::{Observed, OpContext, ProviderError, ReadRequest};
use cairn_model::{ResourceSchema, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::security_group::{describe, permission, rules_of, Rule};
use crate::common::{api, code, is_not_found, observed, parse, read_found};
use crate::Aws;

pub const TYPE: &str = "aws_security_group_rule";

/// `ingress` or `egress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

/// One ingress or egress rule of a security group.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub security_group_id: String,
    #[serde(rename = "type")]
    #[schemars(extend("x-force-new" = true))]
    pub kind: Direction,
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    #[schemars(extend("x-force-new" = true))]
    pub protocol: String,
    #[schemars(extend("x-force-new" = true))]
    pub from_port: i32,
    #[schemars(extend("x-force-new" = true))]
    pub to_port: i32,
    #[serde(default)]
    #[schemars(extend("x-force-new" = true, "x-set" = true))]
    pub cidr_blocks: Vec<String>,
    /// The group allowed in (ingress) or out to (egress).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub source_security_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// Derived from the rule's fields (AWS gives rules set this way no id of their own).
    pub id: String,
}

pub fn schema() -> ResourceSchema {
    ResourceSchema::derive::<Config, Outputs>(TYPE, SchemaMeta::default())
}

impl Config {
    fn rule(&self) -> Rule {
        let mut cidr_blocks = self.cidr_blocks.clone();
        cidr_blocks.sort();
        let (from, to) = if self.protocol == "-1" {
            (0, 0)
        } else {
            (self.from_port, self.to_port)
        };
        Rule {
            protocol: self.protocol.clone(),
            from_port: from,
            to_port: to,
            cidr_blocks,
            security_groups: self
                .source_security_group_id
                .iter()
                .filter(|g| **g != self.security_group_id)
                .cloned()
                .collect(),
            self_: self.source_security_group_id.as_deref() == Some(&self.security_group_id),
            description: self.description.clone(),
        }
    }

    fn id(&self) -> String {
        let canonical = serde_json::to_string(&(&self.security_group_id, self.kind, self.rule()))
            .unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("sgrule-{hex}")
    }
}

/// Whether `have` (a rule as AWS groups it) covers every part of `want`.
fn covers(have: &Rule, want: &Rule) -> bool {
    have.protocol == want.protocol
        && have.from_port == want.from_port
        && have.to_port == want.to_port
        && have.description == want.description
        && (!want.self_ || have.self_)
        && want
            .cidr_blocks
            .iter()
            .all(|c| have.cidr_blocks.contains(c))
        && want
            .security_groups
            .iter()
            .all(|g| have.security_groups.contains(g))
}

/// One DescribeSecurityGroups for all the groups the rules belong to.
pub async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let mut wanted = Vec::new();
    for r in requests {
        wanted.push((r.id.clone(), parse::<Config>(TYPE, &r.prior_inputs)?));
    }
    let mut groups: Vec<String> = wanted
        .iter()
        .map(|(_, c)| c.security_group_id.clone())
        .collect();
    groups.sort();
    groups.dedup();
    let found = describe(aws, &groups).await?;
    let schema = schema();
    for (id, c) in wanted {
        let Some(g) = found
            .iter()
            .find(|g| g.group_id() == Some(c.security_group_id.as_str()))
        else {
            continue;
        };
        let perms = match c.kind {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        };
        let want = c.rule();
        if rules_of(&c.security_group_id, perms)
            .iter()
            .any(|have| covers(have, &want))
        {
            let outputs = Outputs { id: id.clone() };
            out.insert(id.clone(), Some(observed(&schema, &id, &c, &outputs)));
        }
    }
    Ok(out)
}

pub async fn create(
    aws: &Aws,
    config: &serde_json::Value,
    _ctx: &OpContext,
) -> Result<Observed, ProviderError> {
    let c: Config = parse(TYPE, config)?;
    let id = c.id();
    let perm = permission(&c.security_group_id, &c.rule());
    let sg = &c.security_group_id;
    match c.kind {
        Direction::Ingress => aws
            .ec2
            .authorize_security_group_ingress()
            .group_id(sg)
            .ip_permissions(perm)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("AuthorizeSecurityGroupIngress", sg, e.into_service_error()))?,
        Direction::Egress => aws
            .ec2
            .authorize_security_group_egress()
            .group_id(sg)
            .ip_permissions(perm)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("AuthorizeSecurityGroupEgress", sg, e.into_service_error()))?,
    }
    let outputs = Outputs { id: id.clone() };
    Ok(observed(&schema(), &id, &c, &outputs))
}

/// By the rule itself: its id derives from its fields, and the read checks that the group
/// has it.
pub async fn find(
    aws: &Aws,
    config: &serde_json::Value,
    _ctx: &OpContext,
) -> Result<Vec<Observed>, ProviderError> {
    let c: Config = parse(TYPE, config)?;
    read_found(vec![c.id()], config, |r| async move { read(aws, &r).await }).await
}

/// Every attribute forces replacement: the engine never updates a rule in place.
pub async fn update(
    _aws: &Aws,
    prior: &Observed,
    _config: &serde_json::Value,
    _ctx: &OpContext,
) -> Result<Observed, ProviderError> {
    Err(ProviderError::InvalidConfig(format!(
        "{TYPE} {} cannot change in place; it is replaced",
        prior.id
    )))
}

pub async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Result<(), ProviderError> {
    let c: Config = parse(TYPE, &prior.inputs)?;
    let perm = permission(&c.security_group_id, &c.rule());
    let sg = &c.security_group_id;
    let result = match c.kind {
        Direction::Ingress => aws
            .ec2
            .revoke_security_group_ingress()
            .group_id(sg)
            .ip_permissions(perm)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error())
            .map_err(|e| {
                (
                    code(&e).map(str::to_string),
                    api("RevokeSecurityGroupIngress", sg, e),
                )
            }),
        Direction::Egress => aws
            .ec2
            .revoke_security_group_egress()
            .group_id(sg)
            .ip_permissions(perm)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error())
            .map_err(|e| {
                (
                    code(&e).map(str::to_string),
                    api("RevokeSecurityGroupEgress", sg, e),
                )
            }),
    };
    match result {
        Ok(()) => Ok(()),
        Err((c, _)) if is_not_found(c.as_deref()) => Ok(()),
        Err((_, e)) => Err(e),
    }
}
