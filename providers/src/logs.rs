//! `aws_cloudwatch_log_group`: where containers and services write their logs.

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, read_back, tag_changes, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_log_group";

/// A CloudWatch Logs log group.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[\.\-_/#A-Za-z0-9]+$"), extend("x-pattern-says" = "letters, digits and . - _ / #"))]
    pub name: String,
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

async fn read_one(aws: &Aws, name: &str) -> Result<Option<Observed>, ProviderError> {
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
        name: name.to_string(),
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
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        aws.logs
            .create_log_group()
            .log_group_name(&c.name)
            .set_kms_key_id(c.kms_key_id.clone())
            .set_tags((!c.tags.is_empty()).then(|| c.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| api("CreateLogGroup", &c.name, e.into_service_error()))?;
        if c.retention_in_days.is_some() {
            set_retention(aws, &c.name, c.retention_in_days).await?;
        }
        read_back(TYPE, &c.name, || read_one(aws, &c.name)).await
    }

    async fn update(
        aws: &Aws,
        _prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &new.name;
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
        read_back(TYPE, name, || read_one(aws, name)).await
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
