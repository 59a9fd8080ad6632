//! `aws_security_group_rule`: one rule of a security group, managed on its own (for groups
//! that allow each other, which inline rules cannot express without a cycle).

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::security_group::{describe, permission, rules_of, Rule};
use crate::common::{api, parse, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
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
    #[schemars(extend("x-lowercase" = true, "x-aliases" = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}))]
    pub protocol: String,
    #[schemars(extend("x-force-new" = true))]
    #[schemars(range(min = -1, max = 65535))]
    pub from_port: i32,
    #[schemars(extend("x-force-new" = true))]
    #[schemars(range(min = -1, max = 65535))]
    pub to_port: i32,
    #[serde(default)]
    #[schemars(extend("x-force-new" = true, "x-set" = true))]
    #[schemars(extend("x-cidr" = [0, 32]))]
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
async fn read(
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
            out.insert(
                id.clone(),
                Some(AwsSecurityGroupRule::observed(&id, &c, &outputs)),
            );
        }
    }
    Ok(out)
}
/// How `cairn import` names one: Terraform's form.
pub const IMPORT_ID: &str =
    "`<group id>_<type>_<protocol>_<from port>_<to port>_<source>[_<source>]…` \
(Terraform's form, e.g. `sg-0123_ingress_tcp_443_443_10.0.0.0/8`), where the protocol is \
`tcp`, `udp`, `icmp`, `all` or a number and each source an IPv4 CIDR block, a group id \
(`sg-…`) or `self`";

/// The configuration an import id describes (the description aside, which AWS keeps).
fn parse_import_id(import_id: &str) -> Result<Config, ProviderError> {
    let bad = |why: &str| crate::common::malformed(TYPE, import_id, why, IMPORT_ID);
    let parts: Vec<&str> = import_id.split('_').collect();
    let [group, kind, protocol, from, to, sources @ ..] = &parts[..] else {
        return Err(bad(&format!(
            "it has {} part(s) separated by `_`, not at least 6",
            parts.len()
        )));
    };
    if sources.is_empty() {
        return Err(bad(&format!(
            "it has {} part(s) separated by `_`, not at least 6",
            parts.len()
        )));
    }
    if !group.starts_with("sg-") || group.len() == 3 {
        return Err(bad("its first part is not a security group id (`sg-…`)"));
    }
    let kind = match *kind {
        "ingress" => Direction::Ingress,
        "egress" => Direction::Egress,
        other => {
            return Err(bad(&format!(
                "its type is `{other}`, not `ingress` or `egress`"
            )))
        }
    };
    let protocol = match *protocol {
        "all" | "-1" => "-1".to_string(),
        "6" | "tcp" => "tcp".to_string(),
        "17" | "udp" => "udp".to_string(),
        "1" | "icmp" => "icmp".to_string(),
        "58" | "icmpv6" => "icmpv6".to_string(),
        n if n.parse::<u8>().is_ok() => n.to_string(),
        other => {
            return Err(bad(&format!(
                "its protocol `{other}` is not tcp, udp, icmp, icmpv6, all or a number"
            )))
        }
    };
    let port = |what: &str, v: &str| {
        v.parse::<i32>()
            .map_err(|_| bad(&format!("its {what} `{v}` is not a number")))
    };
    let (from_port, to_port) = (port("from port", from)?, port("to port", to)?);
    if !protocol.starts_with("icmp") && protocol != "-1" && to_port < from_port {
        return Err(bad("its to port is lower than its from port"));
    }
    let mut cidr_blocks = Vec::new();
    let mut source_security_group_id: Option<String> = None;
    for source in sources.iter().copied() {
        let group_source = match source {
            "self" => Some(group.to_string()),
            s if s.starts_with("sg-") => Some(s.to_string()),
            s if is_ipv4_cidr(s) => {
                cidr_blocks.push(s.to_string());
                None
            }
            s if s.contains(':') || s.starts_with("pl-") => {
                return Err(bad(&format!(
                "its source `{s}` is an IPv6 block or a prefix list, which {TYPE} does not manage"
            )))
            }
            s => {
                return Err(bad(&format!(
                    "its source `{s}` is not an IPv4 CIDR block, a group id or `self`"
                )))
            }
        };
        if let Some(g) = group_source {
            if source_security_group_id.replace(g).is_some() {
                return Err(bad(&format!(
                    "it names more than one source group, and one {TYPE} has at most one; \
                     import each as its own rule"
                )));
            }
        }
    }
    Ok(Config {
        security_group_id: group.to_string(),
        kind,
        protocol,
        from_port,
        to_port,
        cidr_blocks,
        source_security_group_id,
        description: None,
    })
}

/// `a.b.c.d/n`.
fn is_ipv4_cidr(s: &str) -> bool {
    s.split_once('/').is_some_and(|(addr, len)| {
        addr.parse::<std::net::Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 32)
    })
}

/// The `aws_security_group_rule` resource type.
pub struct AwsSecurityGroupRule;

impl Resource for AwsSecurityGroupRule {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&[
            "security_group_id",
            "type",
            "protocol",
            "cidr_blocks",
            "source_security_group_id",
            "from_port",
            "to_port",
        ]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "sg-0123456789abcdef0_ingress_tcp_80_80",
            "sg-0123456789abcdef0_sideways_tcp_80_80_0.0.0.0/0",
            "sg-0123456789abcdef0_ingress_gre_80_80_0.0.0.0/0",
            "sg-0123456789abcdef0_ingress_tcp_http_80_0.0.0.0/0",
            "sg-0123456789abcdef0_ingress_tcp_90_80_0.0.0.0/0",
            "sg-0123456789abcdef0_ingress_tcp_80_80_2001:db8::/32",
            "sg-0123456789abcdef0_ingress_tcp_80_80_pl-0123",
            "sg-0123456789abcdef0_ingress_tcp_80_80_sg-1_self",
            "sg-0123456789abcdef0_ingress_tcp_80_80_10.0.0.0",
            "vpc-0123_ingress_tcp_80_80_0.0.0.0/0",
            "sg-0123",
        ],
        absent: Some("sg-0000000000000000f_ingress_tcp_80_80_0.0.0.0/0"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By Terraform's form of id: one DescribeSecurityGroups of the group, and the rule that
    /// has every source named, with the description AWS keeps for them.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let mut c = parse_import_id(import_id)?;
        let found = describe(aws, std::slice::from_ref(&c.security_group_id)).await?;
        let Some(g) = found
            .iter()
            .find(|g| g.group_id() == Some(c.security_group_id.as_str()))
        else {
            return Ok(None);
        };
        let perms = match c.kind {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        };
        let rules = rules_of(&c.security_group_id, perms);
        let want = c.rule();
        let same_ports = |have: &&Rule| {
            have.protocol == want.protocol
                && have.from_port == want.from_port
                && have.to_port == want.to_port
        };
        // AWS keeps a description per source: one rule's sources share one.
        let described = rules.iter().filter(same_ports).find(|have| {
            covers(
                have,
                &Rule {
                    description: have.description.clone(),
                    ..want.clone()
                },
            )
        });
        let Some(have) = described else {
            let every_source_there = want.cidr_blocks.iter().all(|cidr| {
                rules
                    .iter()
                    .filter(same_ports)
                    .any(|r| r.cidr_blocks.contains(cidr))
            }) && want.security_groups.iter().all(|sg| {
                rules
                    .iter()
                    .filter(same_ports)
                    .any(|r| r.security_groups.contains(sg))
            }) && (!want.self_
                || rules.iter().filter(same_ports).any(|r| r.self_));
            if every_source_there {
                return Err(ProviderError::InvalidConfig(format!(
                    "{TYPE}: cannot import `{import_id}`: its sources have different descriptions \
                     in AWS, so they are not one rule; import each source as its own rule"
                )));
            }
            return Ok(None);
        };
        c.description = have.description.clone();
        let id = c.id();
        Ok(Some(AwsSecurityGroupRule::observed(
            &id,
            &c,
            &Outputs { id: id.clone() },
        )))
    }

    /// Terraform's form, from the rule's group, type, protocol, ports and sources.
    fn import_ids(o: &Observed) -> Vec<String> {
        let input = |k: &str| o.inputs[k].as_str().unwrap_or_default().to_string();
        let group = input("security_group_id");
        let protocol = match input("protocol").as_str() {
            "-1" => "all".to_string(),
            p => p.to_string(),
        };
        let mut sources: Vec<String> = o.inputs["cidr_blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect();
        match o
            .inputs
            .get("source_security_group_id")
            .and_then(serde_json::Value::as_str)
        {
            Some(g) if g == group => sources.push("self".into()),
            Some(g) => sources.push(g.into()),
            None => {}
        }
        vec![format!(
            "{group}_{}_{protocol}_{}_{}_{}",
            input("type"),
            o.inputs["from_port"],
            o.inputs["to_port"],
            sources.join("_")
        )]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
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
        Ok(AwsSecurityGroupRule::observed(&id, c, &outputs))
    }

    /// By the rule itself: its id derives from its fields, and the read checks that the
    /// group has it.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        read_found(vec![c.id()], c, |r| async move { read(aws, &r).await }).await
    }

    /// Every attribute forces replacement: the engine never updates a rule in place.
    async fn update(
        _aws: &Aws,
        prior: &Observed,
        _old: &Config,
        _new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {} cannot change in place; it is replaced",
            prior.id
        )))
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let c: Config = parse(TYPE, &prior.inputs)?;
        let perm = permission(&c.security_group_id, &c.rule());
        let sg = &c.security_group_id;
        match c.kind {
            Direction::Ingress => aws
                .ec2
                .revoke_security_group_ingress()
                .group_id(sg)
                .ip_permissions(perm)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api("RevokeSecurityGroupIngress", sg, e.into_service_error())),
            Direction::Egress => aws
                .ec2
                .revoke_security_group_egress()
                .group_id(sg)
                .ip_permissions(perm)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api("RevokeSecurityGroupEgress", sg, e.into_service_error())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_import_ids_parse_to_the_configuration_they_name() {
        let c = parse_import_id("sg-1_ingress_6_8000_8080_10.0.3.0/24_10.0.4.0/24").expect("ok");
        assert_eq!(c.security_group_id, "sg-1");
        assert_eq!(c.kind, Direction::Ingress);
        assert_eq!(c.protocol, "tcp");
        assert_eq!((c.from_port, c.to_port), (8000, 8080));
        assert_eq!(c.cidr_blocks, vec!["10.0.3.0/24", "10.0.4.0/24"]);
        assert_eq!(c.source_security_group_id, None);

        let c = parse_import_id("sg-1_egress_all_0_0_self").expect("ok");
        assert_eq!(c.kind, Direction::Egress);
        assert_eq!(c.protocol, "-1");
        assert_eq!(c.source_security_group_id.as_deref(), Some("sg-1"));

        let c = parse_import_id("sg-1_ingress_icmp_-1_-1_sg-2").expect("ok");
        assert_eq!((c.from_port, c.to_port), (-1, -1));
        assert_eq!(c.source_security_group_id.as_deref(), Some("sg-2"));

        // The id a create derives is the one an import of the same rule derives.
        let created = Config {
            security_group_id: "sg-1".into(),
            kind: Direction::Ingress,
            protocol: "tcp".into(),
            from_port: 443,
            to_port: 443,
            cidr_blocks: vec!["0.0.0.0/0".into()],
            source_security_group_id: None,
            description: None,
        };
        let imported = parse_import_id("sg-1_ingress_tcp_443_443_0.0.0.0/0").expect("ok");
        assert_eq!(imported.id(), created.id());
    }

    #[test]
    fn malformed_import_ids_say_the_format() {
        for id in [
            "sg-1_ingress_tcp_80_80",
            "sg-1",
            "",
            "sg-_ingress_tcp_80_80_0.0.0.0/0",
            "sg-1_in_tcp_80_80_0.0.0.0/0",
            "sg-1_ingress_tcp_80_x_0.0.0.0/0",
            "sg-1_ingress_300_80_80_0.0.0.0/0",
            "sg-1_ingress_tcp_80_80_sg-2_sg-3",
            "sg-1_ingress_tcp_80_80_::/0",
            "sg-1_ingress_tcp_80_80_10.0.0.0/33",
        ] {
            match parse_import_id(id) {
                Err(ProviderError::InvalidConfig(m)) => {
                    assert!(m.contains(IMPORT_ID), "{id}: {m}")
                }
                other => panic!("{id}: {other:?}"),
            }
        }
    }
}
