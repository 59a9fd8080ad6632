//! `aws_efs_mount_target`: a file system's NFS endpoint in one subnet.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_efs::types::{LifeCycleState, MountTargetDescription};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, code, only, read_found, request, wait_until};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_efs_mount_target";

/// A mount target of a file system in a subnet.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub file_system_id: String,
    #[schemars(extend("x-force-new" = true))]
    pub subnet_id: String,
    /// Security groups of the mount target's network interface.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub security_groups: Vec<String>,
    /// A fixed address in the subnet (AWS picks one when not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub ip_address: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub dns_name: String,
    pub network_interface_id: Option<String>,
    pub availability_zone_name: Option<String>,
}

fn alive(m: &MountTargetDescription) -> bool {
    !matches!(
        m.life_cycle_state(),
        LifeCycleState::Deleted | LifeCycleState::Deleting
    )
}

async fn describe_one(
    aws: &Aws,
    id: &str,
) -> Result<Option<MountTargetDescription>, ProviderError> {
    match aws
        .efs
        .describe_mount_targets()
        .mount_target_id(id)
        .send()
        .await
    {
        Ok(r) => Ok(r.mount_targets().first().cloned()),
        Err(e) => {
            let e = e.into_service_error();
            if code(&e) == Some("MountTargetNotFound") {
                Ok(None)
            } else {
                Err(api("DescribeMountTargets", id, e))
            }
        }
    }
}

async fn by_file_system(aws: &Aws, fs: &str) -> Result<Vec<MountTargetDescription>, ProviderError> {
    match aws
        .efs
        .describe_mount_targets()
        .file_system_id(fs)
        .send()
        .await
    {
        Ok(r) => Ok(r.mount_targets().to_vec()),
        Err(e) => {
            let e = e.into_service_error();
            if code(&e) == Some("FileSystemNotFound") {
                Ok(Vec::new())
            } else {
                Err(api("DescribeMountTargets", fs, e))
            }
        }
    }
}

/// One DescribeMountTargets per file system (from the recorded inputs), then each target's
/// security groups, in parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let mut found: Vec<MountTargetDescription> = Vec::new();
    let systems: BTreeSet<&str> = requests
        .iter()
        .filter_map(|r| {
            r.prior_inputs
                .get("file_system_id")
                .and_then(|v| v.as_str())
        })
        .collect();
    for list in
        futures::future::try_join_all(systems.iter().map(|fs| by_file_system(aws, fs))).await?
    {
        found.extend(list);
    }
    for r in requests {
        if r.prior_inputs.get("file_system_id").is_none() {
            found.extend(describe_one(aws, &r.id).await?);
        }
    }
    let found: Vec<MountTargetDescription> = found
        .into_iter()
        .filter(|m| out.contains_key(m.mount_target_id()) && alive(m))
        .collect();
    let groups = futures::future::try_join_all(found.iter().map(|m| async move {
        aws.efs
            .describe_mount_target_security_groups()
            .mount_target_id(m.mount_target_id())
            .send()
            .await
            .map(|r| r.security_groups().to_vec())
            .map_err(|e| {
                api(
                    "DescribeMountTargetSecurityGroups",
                    m.mount_target_id(),
                    e.into_service_error(),
                )
            })
    }))
    .await?;
    for (m, security_groups) in found.iter().zip(groups) {
        let id = m.mount_target_id();
        let config = Config {
            file_system_id: m.file_system_id().to_string(),
            subnet_id: m.subnet_id().to_string(),
            security_groups,
            ip_address: m.ip_address().map(str::to_string),
        };
        let outputs = Outputs {
            id: id.to_string(),
            dns_name: format!("{}.efs.{}.amazonaws.com", m.file_system_id(), aws.region),
            network_interface_id: m.network_interface_id().map(str::to_string),
            availability_zone_name: m.availability_zone_name().map(str::to_string),
        };
        out.insert(
            id.to_string(),
            Some(AwsEfsMountTarget::observed(id, &config, &outputs)),
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
/// How `cairn import` names one: the mount target id (`fsmt-…`).
pub const IMPORT_ID: &str = "the mount target id (`fsmt-…`)";

/// The `aws_efs_mount_target` resource type.
pub struct AwsEfsMountTarget;

impl Resource for AwsEfsMountTarget {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["file_system_id", "subnet_id"]),
        cloudformation: "AWS::EFS::MountTarget",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["fs-0123"],
        absent: Some("fsmt-0000000f"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its id (the read looks its file system up).
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "fsmt-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let r = aws
            .efs
            .create_mount_target()
            .file_system_id(&c.file_system_id)
            .subnet_id(&c.subnet_id)
            .set_security_groups(Some(c.security_groups.clone()).filter(|g| !g.is_empty()))
            .set_ip_address(c.ip_address.clone())
            .send()
            .await
            .map_err(|e| api("CreateMountTarget", &c.subnet_id, e.into_service_error()))?;
        let id = r.mount_target_id().to_string();
        wait_until(
            ctx,
            TYPE,
            &id,
            "available",
            Duration::from_secs(600),
            || async {
                Ok(describe_one(aws, &id)
                    .await?
                    .is_some_and(|m| m.life_cycle_state() == &LifeCycleState::Available))
            },
        )
        .await?;
        read_one(aws, &id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("mount target {id} vanished after create")))
    }

    /// By its natural key: the file system's mount target in the subnet (at most one), from one
    /// DescribeMountTargets of the file system.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = by_file_system(aws, &c.file_system_id)
            .await?
            .iter()
            .filter(|m| m.subnet_id() == c.subnet_id && alive(m))
            .map(|m| m.mount_target_id().to_string())
            .collect();
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        c: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        aws.efs
            .modify_mount_target_security_groups()
            .mount_target_id(id)
            .set_security_groups(Some(c.security_groups.clone()))
            .send()
            .await
            .map_err(|e| {
                api(
                    "ModifyMountTargetSecurityGroups",
                    id,
                    e.into_service_error(),
                )
            })?;
        read_one(aws, id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("mount target {id} no longer exists")))
    }

    /// Deletes and waits until gone: the file system cannot be deleted before.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        aws.efs
            .delete_mount_target()
            .mount_target_id(id)
            .send()
            .await
            .map_err(|e| api("DeleteMountTarget", id, e.into_service_error()))?;
        wait_until(
            ctx,
            TYPE,
            id,
            "deleted",
            Duration::from_secs(600),
            || async { Ok(describe_one(aws, id).await?.is_none_or(|m| !alive(&m))) },
        )
        .await
    }
}
