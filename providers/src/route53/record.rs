//! `aws_route53_record`: one record set of a Route 53 hosted zone — values with a TTL, or an
//! alias to a load balancer, an API Gateway custom domain or another AWS endpoint — with
//! weighted or failover routing.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, RrType,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{built, clean_zone_id, normalize_domain, wait_insync, zone_name};
use crate::common::{api, code, malformed, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_route53_record";

/// The record types Route 53 takes.
const RECORD_TYPES: [&str; 17] = [
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT",
];

/// A record set.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [
    {"given": ["alias"], "forbid": ["ttl", "records"]},
    {"given": ["records"], "require": ["ttl"]},
    {"given": ["weighted_routing_policy"], "require": ["set_identifier"], "forbid": ["failover_routing_policy", "multivalue_answer_routing_policy"]},
    {"given": ["failover_routing_policy"], "require": ["set_identifier"], "forbid": ["multivalue_answer_routing_policy"]},
    {"given": ["multivalue_answer_routing_policy"], "require": ["set_identifier"]}
]))]
pub struct Config {
    /// The hosted zone's id.
    #[schemars(length(min = 1), extend("x-force-new" = true, "x-identifying" = true))]
    pub zone_id: String,
    /// The record's name: fully qualified (`www.example.com`, a trailing dot allowed) or
    /// within the zone (`www`). Read in lower case, as configured; an import reads the
    /// fully qualified name, without the trailing dot.
    #[schemars(length(min = 1, max = 1024), extend("x-force-new" = true, "x-identifying" = true, "x-lowercase" = true))]
    pub name: String,
    /// The record type.
    #[schemars(extend("enum" = ["A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"], "x-identifying" = true))]
    pub r#type: String,
    /// Seconds resolvers cache the values (with `records`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483647))]
    pub ttl: Option<i64>,
    /// The values (TXT values are quoted for Route 53 when they are not already).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-set" = true))]
    pub records: Vec<String>,
    /// An alias to an AWS endpoint instead of `records`: a load balancer
    /// (`aws_lb.x.dns_name`/`zone_id`), an API Gateway custom domain
    /// (`target_domain_name`/`hosted_zone_id`), another record of the zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Alias>,
    /// Tells apart the record sets of one name and type under a routing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 128), extend("x-identifying" = true))]
    pub set_identifier: Option<String>,
    /// A health check whose status decides whether the record is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// `weighted_routing_policy = { weight = 10 }`: this share of the answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_routing_policy: Option<Weighted>,
    /// `failover_routing_policy = { type = "PRIMARY" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_routing_policy: Option<Failover>,
    /// Answer with up to eight healthy records of the name at random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multivalue_answer_routing_policy: Option<bool>,
    /// Take over a record set that already exists (else create fails on one). Kept by cairn.
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub allow_overwrite: bool,
}

/// `alias = { name = aws_lb.web.dns_name, zone_id = aws_lb.web.zone_id, evaluate_target_health = true }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    /// The target's DNS name (read in lower case, without a trailing dot).
    #[schemars(length(min = 1, max = 1024), extend("x-lowercase" = true))]
    pub name: String,
    /// The target's hosted zone id.
    #[schemars(length(min = 1, max = 32))]
    pub zone_id: String,
    /// Answer only while the target is healthy.
    pub evaluate_target_health: bool,
}

/// `weighted_routing_policy = { weight = 10 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Weighted {
    #[schemars(range(min = 0, max = 255))]
    pub weight: i64,
}

/// `failover_routing_policy = { type = "PRIMARY" }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Failover {
    /// `PRIMARY` or `SECONDARY`.
    #[schemars(extend("enum" = ["PRIMARY", "SECONDARY"]))]
    pub r#type: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<zone id>_<name>_<type>[_<set identifier>]`.
    pub id: String,
    /// The record's fully qualified name.
    pub fqdn: String,
}

/// How `cairn import` names one (Terraform's format).
pub const IMPORT_ID: &str = "`<zone id>_<record name>_<type>[_<set identifier>]`";

/// The parts of a record's id.
#[derive(Clone, Debug, PartialEq)]
struct Key {
    zone_id: String,
    name: String,
    rtype: String,
    set_identifier: Option<String>,
}

impl Key {
    fn id(&self) -> String {
        let mut id = format!("{}_{}_{}", self.zone_id, self.name, self.rtype);
        if let Some(s) = &self.set_identifier {
            id.push('_');
            id.push_str(s);
        }
        id
    }
}

/// `<zone id>_<name>_<type>[_<set identifier>]`: the name may hold underscores (a
/// validation record's does), so the type is the first part after it that is one.
fn parse_id(id: &str) -> Answer<Key> {
    crate::common::expect_name(TYPE, id, IMPORT_ID)?;
    let parts: Vec<&str> = id.split('_').collect();
    let at = (2..parts.len()).find(|&i| RECORD_TYPES.contains(&parts[i]));
    match at {
        Some(i) if !parts[0].is_empty() && !parts[1..i].join("_").is_empty() => {
            let rest = parts[i + 1..].join("_");
            Ok(Key {
                zone_id: clean_zone_id(parts[0]),
                name: normalize_domain(&parts[1..i].join("_")),
                rtype: parts[i].to_string(),
                set_identifier: (!rest.is_empty()).then_some(rest),
            })
        }
        _ => Err(malformed(
            TYPE,
            id,
            "it is not a zone id, a record name and a record type separated by `_`",
            IMPORT_ID,
        )),
    }
}

/// The name as Route 53 has it: within the zone `zone` unless already in it.
fn fqdn(name: &str, zone: &str) -> String {
    let name = normalize_domain(name);
    if name == zone || name.ends_with(&format!(".{zone}")) {
        name
    } else {
        format!("{name}.{zone}")
    }
}

fn is_txt(rtype: &str) -> bool {
    rtype == "TXT" || rtype == "SPF"
}

/// A TXT value as Route 53 takes it: quoted.
fn quoted(rtype: &str, v: &str) -> String {
    if is_txt(rtype) && !v.starts_with('"') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

/// A TXT value as configured: without the quotes around it (Terraform's flattening).
fn unquoted(rtype: &str, v: &str) -> String {
    if is_txt(rtype)
        && v.len() >= 2
        && v.starts_with('"')
        && v.ends_with('"')
        && !v[1..v.len() - 1].contains('"')
    {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

/// The record set `c` describes, named `name` (fully qualified).
fn record_set(c: &Config, name: &str) -> Answer<ResourceRecordSet> {
    let records = c
        .records
        .iter()
        .map(|v| {
            built(
                TYPE,
                ResourceRecord::builder()
                    .value(quoted(&c.r#type, v))
                    .build(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let alias = match &c.alias {
        Some(a) => Some(built(
            TYPE,
            AliasTarget::builder()
                .dns_name(&a.name)
                .hosted_zone_id(&a.zone_id)
                .evaluate_target_health(a.evaluate_target_health)
                .build(),
        )?),
        None => None,
    };
    built(
        TYPE,
        ResourceRecordSet::builder()
            .name(name)
            .r#type(RrType::from(c.r#type.as_str()))
            .set_ttl(c.ttl)
            .set_resource_records((!records.is_empty()).then_some(records))
            .set_alias_target(alias)
            .set_set_identifier(c.set_identifier.clone())
            .set_health_check_id(c.health_check_id.clone())
            .set_weight(c.weighted_routing_policy.as_ref().map(|w| w.weight))
            .set_failover(
                c.failover_routing_policy
                    .as_ref()
                    .map(|f| ResourceRecordSetFailover::from(f.r#type.as_str())),
            )
            .set_multi_value_answer(c.multivalue_answer_routing_policy)
            .build(),
    )
}

/// The record set of `key`, if it exists (ListResourceRecordSets from its name and type).
async fn find_set(aws: &Aws, key: &Key) -> Answer<Option<ResourceRecordSet>> {
    let mut call = aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(&key.zone_id)
        .start_record_name(&key.name)
        .start_record_type(RrType::from(key.rtype.as_str()));
    if key.set_identifier.is_some() {
        call = call.set_start_record_identifier(key.set_identifier.clone());
    }
    let got = match call.max_items(100).send().await {
        Ok(g) => g,
        Err(e) => {
            let e = e.into_service_error();
            if crate::common::is_not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api("ListResourceRecordSets", &key.id(), e));
        }
    };
    Ok(got
        .resource_record_sets()
        .iter()
        .find(|s| {
            normalize_domain(s.name()) == key.name
                && s.r#type().as_str() == key.rtype
                && s.set_identifier() == key.set_identifier.as_deref()
        })
        .cloned())
}

async fn read_key(aws: &Aws, key: &Key, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let Some(s) = find_set(aws, key).await? else {
        return Ok(None);
    };
    let rtype = s.r#type().as_str().to_string();
    let full = normalize_domain(s.name());
    // A name configured within the zone (`www`) or with the trailing dot (as ACM's
    // validation records name theirs) reads as configured.
    let name = prior
        .get("name")
        .and_then(serde_json::Value::as_str)
        .filter(|p| {
            let p = normalize_domain(p);
            !p.is_empty() && (p == full || full.starts_with(&format!("{p}.")))
        })
        .map(str::to_lowercase)
        .unwrap_or_else(|| full.clone());
    let mut records: Vec<String> = s
        .resource_records()
        .iter()
        .map(|r| unquoted(&rtype, r.value()))
        .collect();
    records.sort();
    let config = Config {
        zone_id: key.zone_id.clone(),
        name,
        r#type: rtype,
        ttl: s.ttl(),
        records,
        alias: s.alias_target().map(|a| Alias {
            name: normalize_domain(a.dns_name()),
            zone_id: a.hosted_zone_id().to_string(),
            evaluate_target_health: a.evaluate_target_health(),
        }),
        set_identifier: s.set_identifier().map(str::to_string),
        health_check_id: s.health_check_id().map(str::to_string),
        weighted_routing_policy: s.weight().map(|weight| Weighted { weight }),
        failover_routing_policy: s.failover().map(|f| Failover {
            r#type: f.as_str().to_string(),
        }),
        multivalue_answer_routing_policy: s.multi_value_answer(),
        allow_overwrite: prior
            .get("allow_overwrite")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
    };
    let key = Key {
        name: full.clone(),
        ..key.clone()
    };
    let id = key.id();
    let outputs = Outputs {
        id: id.clone(),
        fqdn: full,
    };
    Ok(Some(AwsRoute53Record::observed(&id, &config, &outputs)))
}

/// The key of the record `c` makes in the zone named `zone`.
fn key_of(c: &Config, zone: &str) -> Key {
    Key {
        zone_id: clean_zone_id(&c.zone_id),
        name: fqdn(&c.name, zone),
        rtype: c.r#type.clone(),
        set_identifier: c.set_identifier.clone(),
    }
}

/// The zone's name, or a clear error when the zone is gone.
async fn zone_of(aws: &Aws, c: &Config) -> Answer<String> {
    let zone_id = clean_zone_id(&c.zone_id);
    zone_name(aws, &zone_id).await?.ok_or_else(|| {
        ProviderError::InvalidConfig(format!("{TYPE} {}: no hosted zone {zone_id}", c.name))
    })
}

async fn change(
    aws: &Aws,
    ctx: &OpContext,
    zone_id: &str,
    what: &str,
    changes: Vec<Change>,
) -> Answer<()> {
    let got = aws
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(built(
            TYPE,
            ChangeBatch::builder()
                .comment("Managed by cairn")
                .set_changes(Some(changes))
                .build(),
        )?)
        .send()
        .await
        .map_err(|e| api("ChangeResourceRecordSets", what, e.into_service_error()))?;
    if let Some(info) = got.change_info() {
        wait_insync(aws, ctx, TYPE, what, info.id()).await?;
    }
    Ok(())
}

fn one_change(action: ChangeAction, set: ResourceRecordSet) -> Answer<Change> {
    built(
        TYPE,
        Change::builder()
            .action(action)
            .resource_record_set(set)
            .build(),
    )
}

fn check(c: &Config) -> Answer<()> {
    if c.alias.is_some() != c.records.is_empty() {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {}: exactly one of `records` and `alias` is needed",
            c.name
        )));
    }
    Ok(())
}

/// The `aws_route53_record` resource type.
pub struct AwsRoute53Record;

impl Resource for AwsRoute53Record {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["zone_id", "type", "name"]),
        cloudformation: "AWS::Route53::RecordSet",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "Z123_www.example.com",
            "Z123_www.example.com_BOGUS",
            "_www.example.com_A",
        ],
        absent: Some("Z0000000000000000000000_www.absent.example_A"),
    };

    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        let key = parse_id(&request.id)?;
        read_key(aws, &key, &request.prior_inputs).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parse_id(import_id).map(|_| ())
    }

    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let key = parse_id(import_id)?;
        read_key(aws, &key, &serde_json::Value::Null).await
    }

    /// CREATE, which fails on a record set that exists, unless `allow_overwrite` (UPSERT).
    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        check(c)?;
        let zone = zone_of(aws, c).await?;
        let key = key_of(c, &zone);
        let action = if c.allow_overwrite {
            ChangeAction::Upsert
        } else {
            ChangeAction::Create
        };
        let set = record_set(c, &key.name)?;
        change(
            aws,
            ctx,
            &key.zone_id,
            &key.id(),
            vec![one_change(action, set)?],
        )
        .await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &key.id(), || read_key(aws, &key, &prior)).await
    }

    /// By its zone, name, type (and set identifier).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let zone_id = clean_zone_id(&c.zone_id);
        let Some(zone) = zone_name(aws, &zone_id).await? else {
            return Ok(Vec::new());
        };
        let prior = serde_json::to_value(c).unwrap_or_default();
        Ok(read_key(aws, &key_of(c, &zone), &prior)
            .await?
            .into_iter()
            .collect())
    }

    /// UPSERT; a changed type or set identifier is another record set: the old one is
    /// deleted in the same batch (its id changes).
    async fn update(
        aws: &Aws,
        _prior: &Observed,
        old: &Config,
        new: &Config,
        ctx: &OpContext,
    ) -> Answer<Observed> {
        check(new)?;
        let zone = zone_of(aws, new).await?;
        let (old_key, key) = (key_of(old, &zone), key_of(new, &zone));
        let mut changes = Vec::new();
        if old_key != key {
            changes.push(one_change(
                ChangeAction::Delete,
                record_set(old, &old_key.name)?,
            )?);
        }
        changes.push(one_change(
            ChangeAction::Upsert,
            record_set(new, &key.name)?,
        )?);
        change(aws, ctx, &key.zone_id, &key.id(), changes).await?;
        let prior = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, &key.id(), || read_key(aws, &key, &prior)).await
    }

    /// DELETE of the record set as it is in AWS.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let key = parse_id(&prior.id)?;
        let Some(set) = find_set(aws, &key).await? else {
            return Ok(());
        };
        change(
            aws,
            ctx,
            &key.zone_id,
            &prior.id,
            vec![one_change(ChangeAction::Delete, set)?],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_take_underscores_in_names_and_set_identifiers() {
        let k = parse_id("Z123_www.example.com_A").expect("id");
        assert_eq!(
            (k.zone_id.as_str(), k.name.as_str(), k.rtype.as_str()),
            ("Z123", "www.example.com", "A")
        );
        assert_eq!(k.set_identifier, None);
        let k = parse_id("Z123__abc.example.com_CNAME_blue_1").expect("id");
        assert_eq!(k.name, "_abc.example.com");
        assert_eq!(k.set_identifier.as_deref(), Some("blue_1"));
        assert_eq!(k.id(), "Z123__abc.example.com_CNAME_blue_1");
        assert!(parse_id("Z123_www.example.com").is_err());
        assert!(parse_id("Z123_A").is_err());
        assert_eq!(fqdn("WWW", "example.com"), "www.example.com");
        assert_eq!(fqdn("www.example.com.", "example.com"), "www.example.com");
        assert_eq!(fqdn("example.com", "example.com"), "example.com");
        assert_eq!(quoted("TXT", "v=spf1"), "\"v=spf1\"");
        assert_eq!(unquoted("TXT", "\"v=spf1\""), "v=spf1");
    }
}
