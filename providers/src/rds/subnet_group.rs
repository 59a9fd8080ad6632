//! `aws_db_subnet_group`: the subnets an RDS instance may be placed in.

use std::collections::BTreeMap;
use std::time::Duration;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{rds_tags, update_tags};
use crate::common::{
    api, claim, claimed, code, generated_from, only, read_back, read_found, request, retry,
    tags_can_tell, visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_db_subnet_group";

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

/// A DB subnet group.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The group's name (RDS keeps it in lower case); generated when left out (see
    /// `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 229), regex(pattern = r"^[0-9a-z_. -]+$"), extend("x-pattern-says" = "lowercase letters, digits, spaces and . _ -"))]
    pub name_prefix: Option<String>,
    #[serde(default = "managed_by_cairn")]
    pub description: String,
    /// Subnets in at least two availability zones.
    #[schemars(extend("x-set" = true))]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The group's name.
    pub id: String,
    pub arn: String,
}

/// One DescribeDBSubnetGroups listing (paged) for all, tags per group in parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    if requests.is_empty() {
        return Ok(out);
    }
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    let all = aws
        .rds
        .describe_db_subnet_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("DescribeDBSubnetGroups", "", e.into_service_error()))?;
    let wanted: Vec<_> = all
        .into_iter()
        .filter(|g| {
            g.db_subnet_group_name()
                .is_some_and(|n| out.contains_key(n))
        })
        .collect();
    let tags = futures::future::try_join_all(wanted.iter().map(|g| async move {
        let arn = g.db_subnet_group_arn().unwrap_or_default();
        aws.rds
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map(|r| {
                visible_tags(
                    r.tag_list()
                        .iter()
                        .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
                )
            })
            .map_err(|e| api("ListTagsForResource", arn, e.into_service_error()))
    }))
    .await?;
    for (g, tags) in wanted.iter().zip(tags) {
        let Some(name) = g.db_subnet_group_name() else {
            continue;
        };
        let p = prior.get(name).copied().unwrap_or(&serde_json::Value::Null);
        let config = Config {
            name: Some(name.to_string()),
            name_prefix: NAMING.read_prefix(name, p),
            description: g
                .db_subnet_group_description()
                .unwrap_or_default()
                .to_string(),
            subnet_ids: g
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_identifier().map(str::to_string))
                .collect(),
            tags,
        };
        let outputs = Outputs {
            id: name.to_string(),
            arn: g.db_subnet_group_arn().unwrap_or_default().to_string(),
        };
        out.insert(
            name.to_string(),
            Some(AwsDbSubnetGroup::observed(name, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &Config,
) -> Result<Option<Observed>, ProviderError> {
    let prior = serde_json::to_value(prior).unwrap_or_default();
    Ok(only(name, read(aws, &request(name, prior)).await?))
}
/// How `cairn import` names one: the DB subnet group name.
pub const IMPORT_ID: &str = "the DB subnet group name";

/// The `aws_db_subnet_group` resource type.
pub struct AwsDbSubnetGroup;

impl Resource for AwsDbSubnetGroup {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::RDS::DBSubnetGroup",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[""],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        let made = aws
            .rds
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(&c.description)
            .set_subnet_ids(Some(c.subnet_ids.clone()))
            .set_tags(Some(rds_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateDBSubnetGroup", &name, e.into_service_error()))?;
        // RDS keeps the name in lower case.
        let name = made
            .db_subnet_group()
            .and_then(|g| g.db_subnet_group_name())
            .map_or(name.clone(), str::to_string);
        read_back(TYPE, &name, || read_one(aws, &name, c)).await
    }

    /// By its unique name. A generated name by its prefix and the ownership tags (every
    /// group, then the tags of those whose names were generated from the prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let found = read_one(aws, name, c).await?;
                return Ok(found.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let all = aws
            .rds
            .describe_db_subnet_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeDBSubnetGroups", prefix, e.into_service_error()))?;
        let generated = all.iter().filter(|g| {
            g.db_subnet_group_name()
                .is_some_and(|n| generated_from(n, prefix, ""))
        });
        let tagged = futures::future::try_join_all(generated.map(|g| async move {
            let arn = g.db_subnet_group_arn().unwrap_or_default();
            let tags = aws
                .rds
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await
                .map_err(|e| api("ListTagsForResource", arn, e.into_service_error()))?;
            let claim = claim(
                tags.tag_list()
                    .iter()
                    .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
                ctx,
            );
            Ok::<_, ProviderError>((g.db_subnet_group_name().unwrap_or_default(), claim))
        }))
        .await?;
        let ids = claimed(tagged.iter().map(|(n, c)| (Some(*n), *c)));
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        if old.description != new.description || old.subnet_ids != new.subnet_ids {
            aws.rds
                .modify_db_subnet_group()
                .db_subnet_group_name(name)
                .db_subnet_group_description(&new.description)
                .set_subnet_ids(Some(new.subnet_ids.clone()))
                .send()
                .await
                .map_err(|e| api("ModifyDBSubnetGroup", name, e.into_service_error()))?;
        }
        let arn = prior
            .outputs
            .get("arn")
            .and_then(|a| a.as_str())
            .unwrap_or_default();
        update_tags(aws, arn, &old.tags, &new.tags).await?;
        read_back(TYPE, name, || read_one(aws, name, new)).await
    }

    /// Waits while an instance being deleted still uses the group.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        retry(
            Duration::from_secs(900),
            |e: &aws_sdk_rds::operation::delete_db_subnet_group::DeleteDBSubnetGroupError| {
                code(e) == Some("InvalidDBSubnetGroupStateFault")
            },
            || async {
                aws.rds
                    .delete_db_subnet_group()
                    .db_subnet_group_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteDBSubnetGroup", name, e))
    }
}
