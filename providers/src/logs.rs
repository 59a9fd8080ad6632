//! `aws_cloudwatch_log_group`: where containers and services write their logs.

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{
    api, claim, claimed, generated_from, read_back, read_found, tag_changes, tags_can_tell,
    visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_log_group";

/// How a log group's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 512,
};

/// A CloudWatch Logs log group.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The group's name; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[\.\-_/#A-Za-z0-9]+$"), extend("x-pattern-says" = "letters, digits and . - _ / #"))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 483), regex(pattern = r"^[\.\-_/#A-Za-z0-9]+$"), extend("x-pattern-says" = "letters, digits and . - _ / #"))]
    pub name_prefix: Option<String>,
    /// Days to keep events (1, 3, 5, 7, 14, 30, 60, 90, ...); kept forever when not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]))]
    pub retention_in_days: Option<i32>,
    /// KMS key ARN to encrypt the log data with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The group's name.
    pub id: String,
    pub arn: String,
}

fn arn(aws: &Aws, owner: &str, name: &str) -> String {
    format!("arn:aws:logs:{}:{owner}:log-group:{name}", aws.region)
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let groups = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| api("DescribeLogGroups", name, e.into_service_error()))?;
    let Some(g) = groups
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    let group_arn = g
        .arn()
        .map(|a| a.trim_end_matches(":*").to_string())
        .unwrap_or_else(|| arn(aws, "", name));
    #[allow(deprecated)]
    let tags = aws
        .logs
        .list_tags_log_group()
        .log_group_name(name)
        .send()
        .await
        .map_err(|e| api("ListTagsLogGroup", name, e.into_service_error()))?;
    let tags = visible_tags(
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let config = Config {
        name: Some(name.to_string()),
        name_prefix: NAMING.read_prefix(name, prior),
        retention_in_days: g.retention_in_days(),
        kms_key_id: g.kms_key_id().map(str::to_string),
        tags,
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: group_arn,
    };
    Ok(Some(AwsCloudwatchLogGroup::observed(
        name, &config, &outputs,
    )))
}

async fn set_retention(aws: &Aws, name: &str, days: Option<i32>) -> Result<(), ProviderError> {
    match days {
        Some(d) => aws
            .logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(d)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("PutRetentionPolicy", name, e.into_service_error())),
        None => aws
            .logs
            .delete_retention_policy()
            .log_group_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteRetentionPolicy", name, e.into_service_error())),
    }
}
/// How `cairn import` names one: the log group name.
pub const IMPORT_ID: &str = "the log group name";

pub struct AwsCloudwatchLogGroup;

impl Resource for AwsCloudwatchLogGroup {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::Logs::LogGroup",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[""],
        absent: None,
    };

    /// One DescribeLogGroups (by name prefix) and one ListTagsLogGroup.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        aws.logs
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(c.kms_key_id.clone())
            .set_tags((!c.tags.is_empty()).then(|| c.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| api("CreateLogGroup", &name, e.into_service_error()))?;
        if c.retention_in_days.is_some() {
            set_retention(aws, &name, c.retention_in_days).await?;
        }
        let config = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &name, || read_one(aws, &name, &config)).await
    }

    /// By its unique name; a generated one by its prefix and the ownership tags (the groups
    /// DescribeLogGroups lists by the prefix, then the tags of those generated from it).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let prior = serde_json::to_value(c).unwrap_or_default();
                return Ok(read_one(aws, name, &prior).await?.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let groups = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeLogGroups", prefix, e.into_service_error()))?;
        let names = groups
            .iter()
            .filter_map(|g| g.log_group_name())
            .filter(|n| generated_from(n, prefix, ""));
        let tagged = futures::future::try_join_all(names.map(|name| async move {
            #[allow(deprecated)]
            let tags = aws
                .logs
                .list_tags_log_group()
                .log_group_name(name)
                .send()
                .await
                .map_err(|e| api("ListTagsLogGroup", name, e.into_service_error()))?;
            let claim = claim(
                tags.tags()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
                ctx,
            );
            Ok::<_, ProviderError>((name.to_string(), claim))
        }))
        .await?;
        let ids = claimed(tagged.iter().map(|(n, c)| (Some(n.as_str()), *c)));
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        if old.retention_in_days != new.retention_in_days {
            set_retention(aws, name, new.retention_in_days).await?;
        }
        if old.kms_key_id != new.kms_key_id {
            set_kms_key(aws, name, new.kms_key_id.as_deref()).await?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        #[allow(deprecated)]
        if !removed.is_empty() {
            aws.logs
                .untag_log_group()
                .log_group_name(name)
                .set_tags(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagLogGroup", name, e.into_service_error()))?;
        }
        #[allow(deprecated)]
        if !set.is_empty() {
            aws.logs
                .tag_log_group()
                .log_group_name(name)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| api("TagLogGroup", name, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.logs
            .delete_log_group()
            .log_group_name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteLogGroup", &prior.id, e.into_service_error()))
    }
}

async fn set_kms_key(aws: &Aws, name: &str, key: Option<&str>) -> Answer<()> {
    match key {
        Some(k) => aws
            .logs
            .associate_kms_key()
            .log_group_name(name)
            .kms_key_id(k)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("AssociateKmsKey", name, e.into_service_error())),
        None => aws
            .logs
            .disassociate_kms_key()
            .log_group_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DisassociateKmsKey", name, e.into_service_error())),
    }
}
