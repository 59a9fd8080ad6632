//! `aws_efs_access_point`: an application-specific entry point into a file system, with a
//! fixed POSIX identity and root directory.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_efs::types::{
    AccessPointDescription, CreationInfo as AwsCreationInfo, LifeCycleState,
    PosixUser as AwsPosixUser, RootDirectory as AwsRootDirectory,
};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{efs_tags, update_tags};
use crate::common::{api, claim, code, only, request, tags_can_tell, visible_tags, Claim};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_efs_access_point";

/// An EFS access point.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub file_system_id: String,
    /// The identity every request through the access point uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub posix_user: Option<PosixUser>,
    /// The directory exposed as the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub root_directory: Option<RootDirectory>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PosixUser {
    pub uid: i64,
    pub gid: i64,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub secondary_gids: Vec<i64>,
}

fn slash() -> String {
    "/".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RootDirectory {
    #[serde(default = "slash")]
    pub path: String,
    /// Created with this owner and mode when the path does not exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_info: Option<CreationInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreationInfo {
    pub owner_uid: i64,
    pub owner_gid: i64,
    /// Octal mode, e.g. `"755"`.
    pub permissions: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    pub id: String,
    pub arn: String,
}

fn view(a: &AccessPointDescription) -> Config {
    Config {
        file_system_id: a.file_system_id().unwrap_or_default().to_string(),
        posix_user: a.posix_user().map(|p| PosixUser {
            uid: p.uid(),
            gid: p.gid(),
            secondary_gids: p.secondary_gids().to_vec(),
        }),
        root_directory: a.root_directory().map(|r| RootDirectory {
            path: r.path().unwrap_or("/").to_string(),
            creation_info: r.creation_info().map(|c| CreationInfo {
                owner_uid: c.owner_uid(),
                owner_gid: c.owner_gid(),
                permissions: c.permissions().to_string(),
            }),
        }),
        tags: visible_tags(a.tags().iter().map(|t| (t.key(), t.value()))),
    }
}

/// One DescribeAccessPoints per file system (from the recorded inputs), in parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let systems: BTreeSet<&str> = requests
        .iter()
        .filter_map(|r| {
            r.prior_inputs
                .get("file_system_id")
                .and_then(|v| v.as_str())
        })
        .collect();
    let mut found = Vec::new();
    let lists = futures::future::try_join_all(systems.iter().map(|fs| async move {
        match aws
            .efs
            .describe_access_points()
            .file_system_id(*fs)
            .send()
            .await
        {
            Ok(r) => Ok(r.access_points().to_vec()),
            Err(e) => {
                let e = e.into_service_error();
                if code(&e) == Some("FileSystemNotFound") {
                    Ok(Vec::new())
                } else {
                    Err(api("DescribeAccessPoints", fs, e))
                }
            }
        }
    }))
    .await?;
    lists.into_iter().for_each(|l| found.extend(l));
    for r in requests
        .iter()
        .filter(|r| r.prior_inputs.get("file_system_id").is_none())
    {
        match aws
            .efs
            .describe_access_points()
            .access_point_id(&r.id)
            .send()
            .await
        {
            Ok(got) => found.extend(got.access_points().iter().cloned()),
            Err(e) => {
                let e = e.into_service_error();
                if code(&e) != Some("AccessPointNotFound") {
                    return Err(api("DescribeAccessPoints", &r.id, e));
                }
            }
        }
    }
    for a in &found {
        let Some(id) = a.access_point_id() else {
            continue;
        };
        if out.contains_key(id) {
            out.insert(id.to_string(), Some(observe(a, id)));
        }
    }
    Ok(out)
}

fn observe(a: &AccessPointDescription, id: &str) -> Observed {
    let outputs = Outputs {
        id: id.to_string(),
        arn: a.access_point_arn().unwrap_or_default().to_string(),
    };
    AwsEfsAccessPoint::observed(id, &view(a), &outputs)
}

async fn read_one(aws: &Aws, id: &str, fs: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(
            aws,
            &request(id, serde_json::json!({ "file_system_id": fs })),
        )
        .await?,
    ))
}
/// How `cairn import` names one: the access point id (`fsap-…`).
pub const IMPORT_ID: &str = "the access point id (`fsap-…`)";

/// The `aws_efs_access_point` resource type.
pub struct AwsEfsAccessPoint;

impl Resource for AwsEfsAccessPoint {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::EFS::AccessPoint",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["fs-0123"],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its id (the read looks its file system up).
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "fsap-", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let posix = match &c.posix_user {
            Some(p) => Some(
                AwsPosixUser::builder()
                    .uid(p.uid)
                    .gid(p.gid)
                    .set_secondary_gids(Some(p.secondary_gids.clone()).filter(|g| !g.is_empty()))
                    .build()
                    .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?,
            ),
            None => None,
        };
        let root = match &c.root_directory {
            Some(r) => {
                let info = match &r.creation_info {
                    Some(i) => Some(
                        AwsCreationInfo::builder()
                            .owner_uid(i.owner_uid)
                            .owner_gid(i.owner_gid)
                            .permissions(&i.permissions)
                            .build()
                            .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?,
                    ),
                    None => None,
                };
                Some(
                    AwsRootDirectory::builder()
                        .path(&r.path)
                        .set_creation_info(info)
                        .build(),
                )
            }
            None => None,
        };
        let token = if ctx.token.is_empty() {
            "cairn".to_string()
        } else {
            ctx.token.clone()
        };
        let r = aws
            .efs
            .create_access_point()
            .client_token(token)
            .file_system_id(&c.file_system_id)
            .set_posix_user(posix)
            .set_root_directory(root)
            .set_tags(Some(efs_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| {
                api(
                    "CreateAccessPoint",
                    &c.file_system_id,
                    e.into_service_error(),
                )
            })?;
        let id = r
            .access_point_id()
            .ok_or_else(|| ProviderError::Api("CreateAccessPoint returned no id".into()))?
            .to_string();
        read_one(aws, &id, &c.file_system_id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("access point {id} vanished after create")))
    }

    /// By the client token create passed (EFS keeps it with the access point) or by ownership
    /// tags, among the file system's access points (one DescribeAccessPoints, paged). Access
    /// points deleted or being deleted do not count.
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        tags_can_tell(TYPE, ctx)?;
        let listed = aws
            .efs
            .describe_access_points()
            .file_system_id(&c.file_system_id)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        let points = match listed {
            Ok(p) => p,
            Err(e) => {
                let e = e.into_service_error();
                if code(&e) == Some("FileSystemNotFound") {
                    return Ok(Vec::new());
                }
                return Err(api("DescribeAccessPoints", &c.file_system_id, e));
            }
        };
        let mut found: Vec<(Claim, Observed)> = points
            .iter()
            .filter(|a| {
                !matches!(
                    a.life_cycle_state(),
                    Some(LifeCycleState::Deleted | LifeCycleState::Deleting)
                )
            })
            .filter_map(|a| {
                let id = a.access_point_id()?;
                let by_token =
                    !ctx.token.is_empty() && a.client_token() == Some(ctx.token.as_str());
                let claimed = if by_token {
                    Claim::Token
                } else {
                    claim(a.tags().iter().map(|t| (t.key(), t.value())), ctx)?
                };
                Some((claimed, observe(a, id)))
            })
            .collect();
        found.sort_by_key(|(c, _)| *c);
        Ok(found.into_iter().map(|(_, o)| o).collect())
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        update_tags(aws, &prior.id, &old.tags, &new.tags).await?;
        read_one(aws, &prior.id, &new.file_system_id)
            .await?
            .ok_or_else(|| {
                ProviderError::Api(format!("access point {} no longer exists", prior.id))
            })
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.efs
            .delete_access_point()
            .access_point_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteAccessPoint", &prior.id, e.into_service_error()))
    }
}
