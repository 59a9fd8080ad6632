//! Data sources over single services: `aws_lb`, `aws_iam_role`, `aws_ecr_repository`,
//! `aws_kms_alias`.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, LoadBalancerSchemeEnum};
use aws_smithy_types::date_time::{DateTime, Format};
use cairn_model::ProviderError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{described, one, DataSource};
use crate::common::{self, code, visible_tags};
use crate::resource::Answer;
use crate::Aws;

/// `tag KEY` parts of a lookup's description, one per pair of `tags`.
fn tag_parts(tags: &BTreeMap<String, String>) -> Vec<(String, Option<String>)> {
    tags.iter()
        .map(|(k, v)| (format!("tag {k}"), Some(v.clone())))
        .collect()
}

/// [`described`] of owned parts.
fn wanted(parts: &[(String, Option<String>)]) -> String {
    let parts: Vec<(&str, Option<String>)> =
        parts.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    described(&parts)
}

/// A load balancer (ELBv2 DescribeLoadBalancers), found by its ARN or name and, with `tags`,
/// by the tags it carries: exactly one must match.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LbArgs {
    /// The load balancer's ARN (when set, `name` is not used).
    #[serde(default)]
    pub arn: Option<String>,
    /// The load balancer's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Tags the load balancer carries: every pair must match.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LbAttrs {
    /// The load balancer's ARN.
    pub id: String,
    /// The load balancer's ARN.
    pub arn: String,
    /// `app/<name>/<id>` (or `net/…`), for CloudWatch metrics.
    pub arn_suffix: String,
    /// Its DNS name.
    pub dns_name: String,
    /// The Route 53 hosted zone of its DNS name, for alias records.
    pub zone_id: String,
    /// Its name.
    pub name: String,
    /// Whether it is internal (private addresses only) rather than internet-facing.
    pub internal: bool,
    /// `application`, `network` or `gateway`.
    pub load_balancer_type: String,
    /// Its security groups, sorted.
    pub security_groups: Vec<String>,
    /// Its subnets, sorted.
    pub subnets: Vec<String>,
    /// The VPC it is in.
    pub vpc_id: String,
    /// Its tags (cairn's and AWS's own left out).
    pub tags: BTreeMap<String, String>,
}

pub struct AwsLb;

/// Every tag of the load balancers `arns`, by ARN (DescribeTags, 20 at a time).
async fn lb_tags(aws: &Aws, arns: &[String]) -> Answer<BTreeMap<String, BTreeMap<String, String>>> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(20) {
        let r = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| common::api("DescribeTags", &chunk.join(","), e.into_service_error()))?;
        for d in r.tag_descriptions() {
            if let Some(arn) = d.resource_arn() {
                let tags = d
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                    .collect();
                out.insert(arn.to_string(), tags);
            }
        }
    }
    Ok(out)
}

impl DataSource for AwsLb {
    const TYPE: &'static str = "aws_lb";
    type Args = LbArgs;
    type Attrs = LbAttrs;

    async fn read(aws: &Aws, args: &LbArgs) -> Answer<LbAttrs> {
        if let Some(arn) = args.arn.as_deref().filter(|a| !a.starts_with("arn:")) {
            return Err(ProviderError::InvalidConfig(format!(
                "data.aws_lb: arn `{arn}` is not an ARN"
            )));
        }
        let mut parts = vec![("arn".to_string(), args.arn.clone())];
        if args.arn.is_none() {
            parts.push(("name".to_string(), args.name.clone()));
        }
        parts.extend(tag_parts(&args.tags));
        let wanted = wanted(&parts);
        let call = aws.elb.describe_load_balancers();
        let call = match (&args.arn, &args.name) {
            (Some(arn), _) => call.load_balancer_arns(arn),
            (None, Some(name)) => call.names(name),
            (None, None) => call,
        };
        let found: Vec<LoadBalancer> = match call
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
        {
            Ok(found) => found,
            Err(e) => {
                let e = e.into_service_error();
                if !crate::elb::not_found(code(&e)) {
                    return Err(common::api("DescribeLoadBalancers", &wanted, e));
                }
                Vec::new()
            }
        };
        // As Terraform: the pairs to match leave AWS's own tags out.
        let to_match: BTreeMap<&String, &String> = args
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect();
        let arns: Vec<String> = found
            .iter()
            .filter_map(|l| l.load_balancer_arn().map(str::to_string))
            .collect();
        let mut tags = if to_match.is_empty() {
            BTreeMap::new()
        } else {
            lb_tags(aws, &arns).await?
        };
        let found: Vec<LoadBalancer> = found
            .into_iter()
            .filter(|l| {
                let have = l.load_balancer_arn().and_then(|a| tags.get(a));
                to_match
                    .iter()
                    .all(|(k, v)| have.and_then(|h| h.get(*k)) == Some(*v))
            })
            .collect();
        let lb = one(found, "load balancer", &wanted, |l| {
            l.load_balancer_name().unwrap_or_default().to_string()
        })?;
        let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
        if !tags.contains_key(&arn) {
            tags = lb_tags(aws, std::slice::from_ref(&arn)).await?;
        }
        let mut security_groups = lb.security_groups().to_vec();
        security_groups.sort();
        let mut subnets: Vec<String> = lb
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id().map(str::to_string))
            .collect();
        subnets.sort();
        Ok(LbAttrs {
            arn_suffix: arn
                .split_once(":loadbalancer/")
                .map(|(_, s)| s.to_string())
                .unwrap_or_default(),
            dns_name: lb.dns_name().unwrap_or_default().to_string(),
            zone_id: lb
                .canonical_hosted_zone_id()
                .unwrap_or_default()
                .to_string(),
            name: lb.load_balancer_name().unwrap_or_default().to_string(),
            internal: lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal),
            load_balancer_type: lb
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            security_groups,
            subnets,
            vpc_id: lb.vpc_id().unwrap_or_default().to_string(),
            tags: visible_tags(
                tags.get(&arn)
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            ),
            id: arn.clone(),
            arn,
        })
    }
}

/// An IAM role, by its name (IAM GetRole).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleArgs {
    /// The role's name (without its path).
    pub name: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RoleAttrs {
    /// The role's name.
    pub id: String,
    /// The role's ARN.
    pub arn: String,
    /// The role's name.
    pub name: String,
    /// The stable id IAM gave the role (`AROA…`).
    pub unique_id: String,
    /// The role's path, e.g. `/`.
    pub path: String,
    /// Who may assume the role: the trust policy, as the JSON text IAM holds.
    pub assume_role_policy: String,
    /// The role's description (empty when it has none).
    pub description: String,
    /// Seconds a session may last.
    pub max_session_duration: i32,
    /// The ARN of the role's permissions boundary (empty when it has none).
    pub permissions_boundary: String,
    /// When the role was made (RFC 3339, e.g. `2024-01-31T12:00:00Z`).
    pub create_date: String,
    /// Its tags (cairn's and AWS's own left out).
    pub tags: BTreeMap<String, String>,
}

pub struct AwsIamRole;

impl DataSource for AwsIamRole {
    const TYPE: &'static str = "aws_iam_role";
    type Args = RoleArgs;
    type Attrs = RoleAttrs;

    async fn read(aws: &Aws, args: &RoleArgs) -> Answer<RoleAttrs> {
        let wanted = described(&[("name", Some(args.name.clone()))]);
        let found = match aws.iam.get_role().role_name(&args.name).send().await {
            Ok(r) => r.role().cloned().into_iter().collect(),
            Err(e) => {
                let e = e.into_service_error();
                if !crate::iam::no_such_entity(code(&e)) {
                    return Err(common::api("GetRole", &args.name, e));
                }
                Vec::new()
            }
        };
        let role = one(found, "IAM role", &wanted, |r| r.role_name().to_string())?;
        let raw = role.assume_role_policy_document().unwrap_or_default();
        let assume_role_policy = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        let created = DateTime::from_secs(role.create_date().secs());
        Ok(RoleAttrs {
            id: role.role_name().to_string(),
            arn: role.arn().to_string(),
            name: role.role_name().to_string(),
            unique_id: role.role_id().to_string(),
            path: role.path().to_string(),
            assume_role_policy,
            description: role.description().unwrap_or_default().to_string(),
            max_session_duration: role.max_session_duration().unwrap_or(3600),
            permissions_boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .unwrap_or_default()
                .to_string(),
            create_date: created.fmt(Format::DateTime).unwrap_or_default(),
            tags: visible_tags(role.tags().iter().map(|t| (t.key(), t.value()))),
        })
    }
}

/// An ECR repository, by its name (ECR DescribeRepositories).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepositoryArgs {
    /// The repository's name.
    pub name: String,
    /// The account of the registry that holds it (the caller's when left out).
    #[serde(default)]
    pub registry_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RepositoryAttrs {
    /// The repository's name.
    pub id: String,
    /// The repository's ARN.
    pub arn: String,
    /// The repository's name.
    pub name: String,
    /// The account of the registry that holds it.
    pub registry_id: String,
    /// Where to push and pull: `<registry>.dkr.ecr.<region>.amazonaws.com/<name>`.
    pub repository_url: String,
    /// `MUTABLE` or `IMMUTABLE`.
    pub image_tag_mutability: String,
    /// Its tags (cairn's and AWS's own left out).
    pub tags: BTreeMap<String, String>,
}

pub struct AwsEcrRepository;

impl DataSource for AwsEcrRepository {
    const TYPE: &'static str = "aws_ecr_repository";
    type Args = RepositoryArgs;
    type Attrs = RepositoryAttrs;

    async fn read(aws: &Aws, args: &RepositoryArgs) -> Answer<RepositoryAttrs> {
        let wanted = described(&[
            ("name", Some(args.name.clone())),
            ("registry_id", args.registry_id.clone()),
        ]);
        let found = match aws
            .ecr
            .describe_repositories()
            .repository_names(&args.name)
            .set_registry_id(args.registry_id.clone())
            .send()
            .await
        {
            Ok(r) => r.repositories().to_vec(),
            Err(e) => {
                let e = e.into_service_error();
                let c = code(&e);
                if !(c == Some("RepositoryNotFoundException") || common::is_not_found(c)) {
                    return Err(common::api("DescribeRepositories", &args.name, e));
                }
                Vec::new()
            }
        };
        let repo = one(found, "ECR repository", &wanted, |r| {
            r.repository_name().unwrap_or_default().to_string()
        })?;
        let arn = repo.repository_arn().unwrap_or_default().to_string();
        let name = repo.repository_name().unwrap_or_default().to_string();
        let tags = aws
            .ecr
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(|e| common::api("ListTagsForResource", &name, e.into_service_error()))?;
        Ok(RepositoryAttrs {
            id: name.clone(),
            registry_id: repo.registry_id().unwrap_or_default().to_string(),
            repository_url: repo.repository_uri().unwrap_or_default().to_string(),
            image_tag_mutability: repo
                .image_tag_mutability()
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| "MUTABLE".to_string()),
            tags: visible_tags(tags.tags().iter().map(|t| (t.key(), t.value()))),
            name,
            arn,
        })
    }
}

/// A KMS alias and the key it names (KMS ListAliases and DescribeKey).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasArgs {
    /// The alias, `alias/` followed by its name (`alias/aws/…` are AWS's).
    #[schemars(regex(pattern = r"^alias/[a-zA-Z0-9:/_-]+$"), extend("x-pattern-says" = "`alias/` followed by letters, digits, `:`, `/`, `_` or `-`"))]
    pub name: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AliasAttrs {
    /// The alias's ARN.
    pub id: String,
    /// The alias's ARN.
    pub arn: String,
    /// The alias, `alias/…`.
    pub name: String,
    /// The id of the key it names.
    pub target_key_id: String,
    /// The ARN of the key it names.
    pub target_key_arn: String,
}

pub struct AwsKmsAlias;

impl DataSource for AwsKmsAlias {
    const TYPE: &'static str = "aws_kms_alias";
    type Args = AliasArgs;
    type Attrs = AliasAttrs;

    async fn read(aws: &Aws, args: &AliasArgs) -> Answer<AliasAttrs> {
        let name = &args.name;
        let well_formed = name.strip_prefix("alias/").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c))
        });
        if !well_formed {
            return Err(ProviderError::InvalidConfig(format!(
                "data.aws_kms_alias: name `{name}` is not `alias/` followed by letters, digits, `:`, `/`, `_` or `-`"
            )));
        }
        let aliases = aws
            .kms
            .list_aliases()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| common::api("ListAliases", name, e.into_service_error()))?;
        let found: Vec<_> = aliases
            .into_iter()
            .filter(|a| a.alias_name() == Some(name.as_str()))
            .collect();
        let alias = one(
            found,
            "KMS alias",
            &described(&[("name", Some(name.clone()))]),
            |a| a.alias_name().unwrap_or_default().to_string(),
        )?;
        // The key through the alias: an alias of an AWS managed key lists no key until the
        // key is first used, and DescribeKey makes it.
        let key = aws
            .kms
            .describe_key()
            .key_id(name)
            .send()
            .await
            .map_err(|e| common::api("DescribeKey", name, e.into_service_error()))?;
        let key = key.key_metadata().ok_or_else(|| {
            ProviderError::Api(format!("DescribeKey {name}: no key in the answer"))
        })?;
        let arn = alias.alias_arn().unwrap_or_default().to_string();
        Ok(AliasAttrs {
            id: arn.clone(),
            arn,
            name: name.clone(),
            target_key_id: key.key_id().to_string(),
            target_key_arn: key.arn().unwrap_or_default().to_string(),
        })
    }
}
