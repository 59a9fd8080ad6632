//! `aws_efs_file_system`: an elastic NFS file system.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_efs::types::{
    LifeCycleState, LifecyclePolicy as AwsLifecyclePolicy, PerformanceMode, ThroughputMode,
    TransitionToIaRules, TransitionToPrimaryStorageClassRules,
};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{efs_tags, update_tags};
use crate::common::{
    api, claim, claimed, code, only, read_found, request, retry, tags_can_tell, visible_tags,
    wait_until, Claim, DELETE_PATIENCE,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_efs_file_system";

fn general_purpose() -> String {
    "generalPurpose".into()
}

fn bursting() -> String {
    "bursting".into()
}

/// An EFS file system.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Encrypt data at rest.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub encrypted: bool,
    /// KMS key for encryption (AWS's EFS key when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub kms_key_id: Option<String>,
    /// `generalPurpose` or `maxIO`.
    #[serde(default = "general_purpose")]
    #[schemars(extend("x-force-new" = true))]
    pub performance_mode: String,
    /// `bursting`, `provisioned` or `elastic`.
    #[serde(default = "bursting")]
    pub throughput_mode: String,
    /// MiB/s, with `throughput_mode = "provisioned"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_throughput_in_mibps: Option<f64>,
    /// When files move between storage classes.
    #[serde(default)]
    pub lifecycle_policy: Vec<LifecyclePolicy>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One lifecycle rule: `{ transition_to_ia = "AFTER_30_DAYS" }` or
/// `{ transition_to_primary_storage_class = "AFTER_1_ACCESS" }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecyclePolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_to_ia: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition_to_primary_storage_class: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
    pub dns_name: String,
}

async fn lifecycle(aws: &Aws, id: &str) -> Result<Vec<LifecyclePolicy>, ProviderError> {
    let r = aws
        .efs
        .describe_lifecycle_configuration()
        .file_system_id(id)
        .send()
        .await
        .map_err(|e| api("DescribeLifecycleConfiguration", id, e.into_service_error()))?;
    Ok(r.lifecycle_policies()
        .iter()
        .map(|p| LifecyclePolicy {
            transition_to_ia: p.transition_to_ia().map(|t| t.as_str().to_string()),
            transition_to_primary_storage_class: p
                .transition_to_primary_storage_class()
                .map(|t| t.as_str().to_string()),
        })
        .collect())
}

/// One DescribeFileSystems listing (paged) for all, then each one's lifecycle in parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    if requests.is_empty() {
        return Ok(out);
    }
    let all = aws
        .efs
        .describe_file_systems()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("DescribeFileSystems", "", e.into_service_error()))?;
    let wanted: Vec<_> = all
        .iter()
        .filter(|f| out.contains_key(f.file_system_id()))
        .filter(|f| {
            !matches!(
                f.life_cycle_state(),
                LifeCycleState::Deleted | LifeCycleState::Deleting
            )
        })
        .collect();
    let policies =
        futures::future::try_join_all(wanted.iter().map(|f| lifecycle(aws, f.file_system_id())))
            .await?;
    for (f, lifecycle_policy) in wanted.into_iter().zip(policies) {
        let id = f.file_system_id();
        let config = Config {
            encrypted: f.encrypted().unwrap_or(false),
            kms_key_id: f.kms_key_id().map(str::to_string),
            performance_mode: f.performance_mode().as_str().to_string(),
            throughput_mode: f
                .throughput_mode()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(bursting),
            provisioned_throughput_in_mibps: f.provisioned_throughput_in_mibps(),
            lifecycle_policy,
            tags: visible_tags(f.tags().iter().map(|t| (t.key(), t.value()))),
        };
        let outputs = Outputs {
            id: id.to_string(),
            arn: f.file_system_arn().map(str::to_string).unwrap_or_else(|| {
                format!(
                    "arn:aws:elasticfilesystem:{}:{}:file-system/{id}",
                    aws.region,
                    f.owner_id()
                )
            }),
            dns_name: format!("{id}.efs.{}.amazonaws.com", aws.region),
        };
        out.insert(
            id.to_string(),
            Some(AwsEfsFileSystem::observed(id, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(aws, &request(id, serde_json::Value::Null)).await?,
    ))
}

async fn state(aws: &Aws, id: &str) -> Result<Option<LifeCycleState>, ProviderError> {
    match aws
        .efs
        .describe_file_systems()
        .file_system_id(id)
        .send()
        .await
    {
        Ok(r) => Ok(r
            .file_systems()
            .first()
            .map(|f| f.life_cycle_state().clone())),
        Err(e) => {
            let e = e.into_service_error();
            if code(&e) == Some("FileSystemNotFound") {
                Ok(None)
            } else {
                Err(api("DescribeFileSystems", id, e))
            }
        }
    }
}

async fn put_lifecycle(
    aws: &Aws,
    id: &str,
    rules: &[LifecyclePolicy],
) -> Result<(), ProviderError> {
    let policies = rules
        .iter()
        .map(|r| {
            AwsLifecyclePolicy::builder()
                .set_transition_to_ia(r.transition_to_ia.as_deref().map(TransitionToIaRules::from))
                .set_transition_to_primary_storage_class(
                    r.transition_to_primary_storage_class
                        .as_deref()
                        .map(TransitionToPrimaryStorageClassRules::from),
                )
                .build()
        })
        .collect();
    aws.efs
        .put_lifecycle_configuration()
        .file_system_id(id)
        .set_lifecycle_policies(Some(policies))
        .send()
        .await
        .map_err(|e| api("PutLifecycleConfiguration", id, e.into_service_error()))?;
    Ok(())
}
/// How `cairn import` names one: the file system id (`fs-…`).
pub const IMPORT_ID: &str = "the file system id (`fs-…`)";

/// The `aws_efs_file_system` resource type.
pub struct AwsEfsFileSystem;

impl Resource for AwsEfsFileSystem {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EFS::FileSystem",
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["fsmt-0123"],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its id.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "fs-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let token = if ctx.token.is_empty() {
            "cairn".to_string()
        } else {
            ctx.token.clone()
        };
        let r = aws
            .efs
            .create_file_system()
            .creation_token(token)
            .encrypted(c.encrypted)
            .set_kms_key_id(c.kms_key_id.clone())
            .performance_mode(PerformanceMode::from(c.performance_mode.as_str()))
            .throughput_mode(ThroughputMode::from(c.throughput_mode.as_str()))
            .set_provisioned_throughput_in_mibps(c.provisioned_throughput_in_mibps)
            .set_tags(Some(efs_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateFileSystem", "", e.into_service_error()))?;
        let id = r.file_system_id().to_string();
        wait_until(
            ctx,
            TYPE,
            &id,
            "available",
            Duration::from_secs(600),
            || async { Ok(state(aws, &id).await? == Some(LifeCycleState::Available)) },
        )
        .await?;
        if !c.lifecycle_policy.is_empty() {
            put_lifecycle(aws, &id, &c.lifecycle_policy).await?;
        }
        read_one(aws, &id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("file system {id} vanished after create")))
    }

    /// By the creation token create passed (the operation's token, kept by EFS with the file
    /// system) or by ownership tags, from one DescribeFileSystems listing (paged). File systems
    /// deleted or being deleted do not count.
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        tags_can_tell(TYPE, ctx)?;
        let all = aws
            .efs
            .describe_file_systems()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeFileSystems", &ctx.address, e.into_service_error()))?;
        let ids = claimed(
            all.iter()
                .filter(|f| {
                    !matches!(
                        f.life_cycle_state(),
                        LifeCycleState::Deleted | LifeCycleState::Deleting
                    )
                })
                .map(|f| {
                    let by_token = !ctx.token.is_empty() && f.creation_token() == ctx.token;
                    let found = if by_token {
                        Some(Claim::Token)
                    } else {
                        claim(f.tags().iter().map(|t| (t.key(), t.value())), ctx)
                    };
                    (Some(f.file_system_id()), found)
                }),
        );
        read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        if old.throughput_mode != new.throughput_mode
            || old.provisioned_throughput_in_mibps != new.provisioned_throughput_in_mibps
        {
            aws.efs
                .update_file_system()
                .file_system_id(id)
                .throughput_mode(ThroughputMode::from(new.throughput_mode.as_str()))
                .set_provisioned_throughput_in_mibps(new.provisioned_throughput_in_mibps)
                .send()
                .await
                .map_err(|e| api("UpdateFileSystem", id, e.into_service_error()))?;
        }
        if old.lifecycle_policy != new.lifecycle_policy {
            put_lifecycle(aws, id, &new.lifecycle_policy).await?;
        }
        update_tags(aws, id, &old.tags, &new.tags).await?;
        read_one(aws, id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("file system {id} no longer exists")))
    }

    /// Waits out mount targets still being deleted, then until the file system is gone.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        retry(
            DELETE_PATIENCE,
            |e: &aws_sdk_efs::operation::delete_file_system::DeleteFileSystemError| {
                code(e) == Some("FileSystemInUse")
            },
            || async {
                aws.efs
                    .delete_file_system()
                    .file_system_id(id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteFileSystem", id, e))?;
        wait_until(
            ctx,
            TYPE,
            id,
            "deleted",
            Duration::from_secs(600),
            || async {
                Ok(matches!(
                    state(aws, id).await?,
                    None | Some(LifeCycleState::Deleted)
                ))
            },
        )
        .await
    }
}
