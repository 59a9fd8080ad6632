//! `aws_ecs_task_definition`: an immutable revision of a task's containers. Any change
//! registers a new revision (a replacement); delete deregisters the old one.

use std::collections::BTreeMap;

use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::types::{
    Compatibility, CpuArchitecture, EfsAuthorizationConfig, EfsAuthorizationConfigIam,
    EfsTransitEncryption, EfsVolumeConfiguration, NetworkMode, OsFamily, RuntimePlatform,
    TaskDefinitionField, TaskDefinitionStatus, Volume as AwsVolume,
};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ecs_tags, tags_of};
use crate::common::{api, claim, code, json_covers, tag_changes, tags_can_tell, Claim};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_ecs_task_definition";

/// A task definition revision.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub family: String,
    /// CPU units, e.g. `"256"` (Fargate needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub cpu: Option<String>,
    /// MiB, e.g. `"512"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub memory: Option<String>,
    /// `awsvpc` for Fargate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub network_mode: Option<String>,
    /// e.g. `["FARGATE"]`.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true, "x-set" = true))]
    pub requires_compatibilities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub execution_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub task_role_arn: Option<String>,
    /// The containers: a TOML array of tables or a JSON string, in ECS's JSON shape (every
    /// key of RegisterTaskDefinition's container definitions).
    #[schemars(schema_with = "super::containers::schema")]
    pub container_definitions: serde_json::Value,
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub volume: Vec<Volume>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub runtime_platform: Option<Platform>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efs_volume_configuration: Option<EfsVolume>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EfsVolume {
    pub file_system_id: String,
    /// The directory mounted (the file system's root by default).
    #[serde(default = "slash")]
    pub root_directory: String,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_encryption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_config: Option<EfsAuthorization>,
}

fn slash() -> String {
    "/".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EfsAuthorization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_point_id: Option<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// e.g. `LINUX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_system_family: Option<String>,
    /// `X86_64` or `ARM64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The revision's ARN.
    pub id: String,
    pub arn: String,
    pub arn_without_revision: String,
    pub revision: i32,
}

/// One revision, its container definitions compared with the `recorded` ones (see
/// [`observe`]).
async fn read_one(
    aws: &Aws,
    arn: &str,
    recorded: Option<&serde_json::Value>,
) -> Result<Option<Observed>, ProviderError> {
    Ok(describe(aws, arn)
        .await?
        .and_then(|got| observe(&got, arn, recorded)))
}

/// One revision with its tags; `None` when there is no such revision.
async fn describe(
    aws: &Aws,
    arn: &str,
) -> Result<Option<DescribeTaskDefinitionOutput>, ProviderError> {
    match aws
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(r) => Ok(Some(r)),
        Err(e) => {
            let e = e.into_service_error();
            if code(&e) == Some("ClientException") || crate::common::is_not_found(code(&e)) {
                return Ok(None);
            }
            Err(api("DescribeTaskDefinition", arn, e))
        }
    }
}

/// The normalised view of a described revision; `None` when it is deregistered. `recorded`
/// is the container definitions of the recorded inputs (or the configuration), if any.
fn observe(
    got: &DescribeTaskDefinitionOutput,
    arn: &str,
    recorded: Option<&serde_json::Value>,
) -> Option<Observed> {
    let td = got.task_definition()?;
    if td.status().map(|s| s.as_str()) == Some("INACTIVE")
        || td.status().map(|s| s.as_str()) == Some("DELETE_IN_PROGRESS")
    {
        return None;
    }
    // AWS fills in defaults (essential, cpu, empty lists): when what AWS has says everything
    // the recorded definitions say, keep them in their configured form.
    let containers = serde_json::to_value(
        td.container_definitions()
            .iter()
            .map(super::containers::to_json)
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let configured = recorded
        .map(|d| match d {
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_default(),
            other => other.clone(),
        })
        .filter(|want| json_covers(want, &containers));
    // Without recorded definitions (an import), AWS's, less what says nothing.
    let containers = match recorded {
        None => without_fillers(containers, td.network_mode() == Some(&NetworkMode::Awsvpc)),
        Some(_) => containers,
    };
    let config = Config {
        family: td.family().unwrap_or_default().to_string(),
        cpu: td.cpu().map(str::to_string),
        memory: td.memory().map(str::to_string),
        network_mode: td.network_mode().map(|m| m.as_str().to_string()),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        execution_role_arn: td.execution_role_arn().map(str::to_string),
        task_role_arn: td.task_role_arn().map(str::to_string),
        container_definitions: configured.unwrap_or(containers),
        volume: td
            .volumes()
            .iter()
            .map(|v| Volume {
                name: v.name().unwrap_or_default().to_string(),
                efs_volume_configuration: v.efs_volume_configuration().map(|e| EfsVolume {
                    file_system_id: e.file_system_id().to_string(),
                    root_directory: e.root_directory().unwrap_or("/").to_string(),
                    transit_encryption: e.transit_encryption().map(|t| t.as_str().to_string()),
                    authorization_config: e.authorization_config().map(|a| EfsAuthorization {
                        access_point_id: a.access_point_id().map(str::to_string),
                        iam: a.iam().map(|i| i.as_str().to_string()),
                    }),
                }),
            })
            .collect(),
        runtime_platform: td.runtime_platform().map(|p| Platform {
            operating_system_family: p.operating_system_family().map(|o| o.as_str().to_string()),
            cpu_architecture: p.cpu_architecture().map(|c| c.as_str().to_string()),
        }),
        tags: tags_of(got.tags()),
    };
    let arn = td.task_definition_arn().unwrap_or(arn).to_string();
    let outputs = Outputs {
        id: arn.clone(),
        arn_without_revision: arn
            .rsplit_once(':')
            .map(|(a, _)| a.to_string())
            .unwrap_or_default(),
        arn: arn.clone(),
        revision: td.revision(),
    };
    Some(AwsEcsTaskDefinition::observed(&arn, &config, &outputs))
}

/// Container definitions as AWS returns them, less what it fills in for what was not set and
/// that says nothing: empty lists and maps, a container `cpu` of 0 (no reservation) and, in
/// `awsvpc` mode, host ports (always their container ports there). The closest an import
/// can come to what was configured.
fn without_fillers(containers: serde_json::Value, awsvpc: bool) -> serde_json::Value {
    use serde_json::Value;
    fn empty(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        }
    }
    fn strip(v: Value) -> Value {
        match v {
            Value::Object(o) => Value::Object(
                o.into_iter()
                    .map(|(k, v)| (k, strip(v)))
                    .filter(|(_, v)| !empty(v))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(strip).collect()),
            other => other,
        }
    }
    let mut containers = strip(containers);
    for c in containers.as_array_mut().into_iter().flatten() {
        let Some(c) = c.as_object_mut() else { continue };
        if c.get("cpu").and_then(Value::as_i64) == Some(0) {
            c.remove("cpu");
        }
        if !awsvpc {
            continue;
        }
        let mappings = c.get_mut("portMappings").and_then(Value::as_array_mut);
        for m in mappings.into_iter().flatten() {
            if let Some(m) = m.as_object_mut() {
                if m.get("hostPort").is_some() && m.get("hostPort") == m.get("containerPort") {
                    m.remove("hostPort");
                }
            }
        }
    }
    containers
}

/// How `cairn import` names one: the revision's ARN, or `<family>:<revision>`.
pub const IMPORT_ID: &str = "the task definition ARN, or `<family>:<revision>`";

/// `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>` → the family.
fn family_of(arn: &str) -> Option<&str> {
    let tail = arn.rsplit_once(":task-definition/")?.1;
    Some(tail.rsplit_once(':')?.0)
}

/// How many revisions `find` describes at once.
const DESCRIBE_CONCURRENCY: usize = 8;

fn volumes(c: &Config) -> Vec<AwsVolume> {
    c.volume
        .iter()
        .map(|v| {
            let efs = v.efs_volume_configuration.as_ref().and_then(|e| {
                EfsVolumeConfiguration::builder()
                    .file_system_id(&e.file_system_id)
                    .root_directory(&e.root_directory)
                    .set_transit_encryption(
                        e.transit_encryption
                            .as_deref()
                            .map(EfsTransitEncryption::from),
                    )
                    .set_authorization_config(e.authorization_config.as_ref().map(|a| {
                        EfsAuthorizationConfig::builder()
                            .set_access_point_id(a.access_point_id.clone())
                            .set_iam(a.iam.as_deref().map(EfsAuthorizationConfigIam::from))
                            .build()
                    }))
                    .build()
                    .ok()
            });
            AwsVolume::builder()
                .name(&v.name)
                .set_efs_volume_configuration(efs)
                .build()
        })
        .collect()
}

/// The `aws_ecs_task_definition` resource type.
pub struct AwsEcsTaskDefinition;

impl Resource for AwsEcsTaskDefinition {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::ECS::TaskDefinition",
        create_before_destroy: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["web", "web:latest"],
        absent: Some("absent:1"),
    };

    /// One DescribeTaskDefinition per revision, in parallel (ECS has no batch call for them).
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(
            aws,
            &request.id,
            request.prior_inputs.get("container_definitions"),
        )
        .await
    }

    /// An ARN with a revision, or `family:revision`.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let well_formed = if import_id.starts_with("arn:") {
            family_of(import_id).is_some()
        } else {
            import_id
                .rsplit_once(':')
                .is_some_and(|(family, revision)| {
                    !family.is_empty() && revision.parse::<u32>().is_ok()
                })
        };
        if !well_formed {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it names no revision",
                IMPORT_ID,
            ));
        }
        Ok(())
    }

    /// By its ARN or `family:revision`: one DescribeTaskDefinition. Container definitions are
    /// recorded as AWS has them, less what it fills in that says nothing (`without_fillers`).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        Self::check_import_id(import_id)?;
        Ok(describe(aws, import_id)
            .await?
            .and_then(|got| observe(&got, import_id, None)))
    }

    /// Its ARN, then `family:revision`.
    fn import_ids(o: &Observed) -> Vec<String> {
        let family = o.inputs["family"].as_str().unwrap_or_default();
        vec![o.id.clone(), format!("{family}:{}", o.outputs["revision"])]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        // The containers go through the SDK's own JSON shape: parse them as
        // RegisterTaskDefinition input would be, via a JSON round trip of each definition.
        let containers = match &c.container_definitions {
            serde_json::Value::String(s) => serde_json::from_str(s)
                .map_err(|e| ProviderError::InvalidConfig(format!("container_definitions: {e}")))?,
            other => other.clone(),
        };
        let definitions = crate::ecs::containers::from_json(&containers)?;
        let r = aws
            .ecs
            .register_task_definition()
            .family(&c.family)
            .set_cpu(c.cpu.clone())
            .set_memory(c.memory.clone())
            .set_network_mode(c.network_mode.as_deref().map(NetworkMode::from))
            .set_requires_compatibilities(Some(
                c.requires_compatibilities
                    .iter()
                    .map(|x| Compatibility::from(x.as_str()))
                    .collect(),
            ))
            .set_execution_role_arn(c.execution_role_arn.clone())
            .set_task_role_arn(c.task_role_arn.clone())
            .set_container_definitions(Some(definitions))
            .set_volumes(Some(volumes(c)).filter(|v| !v.is_empty()))
            .set_runtime_platform(c.runtime_platform.as_ref().map(|p| {
                RuntimePlatform::builder()
                    .set_operating_system_family(
                        p.operating_system_family.as_deref().map(OsFamily::from),
                    )
                    .set_cpu_architecture(p.cpu_architecture.as_deref().map(CpuArchitecture::from))
                    .build()
            }))
            .set_tags(Some(ecs_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("RegisterTaskDefinition", &c.family, e.into_service_error()))?;
        let arn = r
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .ok_or_else(|| ProviderError::Api("RegisterTaskDefinition returned no ARN".into()))?
            .to_string();
        read_one(aws, &arn, Some(&c.container_definitions))
            .await?
            .ok_or_else(|| {
                ProviderError::Api(format!("task definition {arn} vanished after create"))
            })
    }

    /// By ownership tags (a revision has no unique name): the family's active revisions
    /// (ListTaskDefinitions, paged), each described with its tags, a few at a time.
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        use futures::{StreamExt, TryStreamExt};
        tags_can_tell(TYPE, ctx)?;
        let arns: Vec<String> = aws
            .ecs
            .list_task_definitions()
            .family_prefix(&c.family)
            .status(TaskDefinitionStatus::Active)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListTaskDefinitions", &c.family, e.into_service_error()))?
            .into_iter()
            // The family is a prefix there: keep the family's own revisions.
            .filter(|a| family_of(a) == Some(c.family.as_str()))
            .collect();
        let described: Vec<Option<DescribeTaskDefinitionOutput>> =
            futures::stream::iter(arns.clone())
                .map(|arn| async move { describe(aws, &arn).await })
                .buffered(DESCRIBE_CONCURRENCY)
                .try_collect()
                .await?;
        let mut found: Vec<(Claim, Observed)> = arns
            .iter()
            .zip(&described)
            .filter_map(|(arn, got)| {
                let got = got.as_ref()?;
                let claimed = claim(
                    got.tags()
                        .iter()
                        .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
                    ctx,
                )?;
                Some((claimed, observe(got, arn, Some(&c.container_definitions))?))
            })
            .collect();
        found.sort_by_key(|(c, _)| *c);
        Ok(found.into_iter().map(|(_, o)| o).collect())
    }

    /// Only tags change in place.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.ecs
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", arn, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.ecs
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(ecs_tags(&set)))
                .send()
                .await
                .map_err(|e| api("TagResource", arn, e.into_service_error()))?;
        }
        read_one(aws, arn, Some(&new.container_definitions))
            .await?
            .ok_or_else(|| ProviderError::Api(format!("task definition {arn} no longer exists")))
    }

    /// Deregisters the revision (services already running it keep it).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        match aws
            .ecs
            .deregister_task_definition()
            .task_definition(&prior.id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                // ECS answers a revision it does not know so (not found is done anyway).
                if code(&e) == Some("ClientException") {
                    Ok(())
                } else {
                    Err(api("DeregisterTaskDefinition", &prior.id, e))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `validate` refuses exactly the container keys apply would refuse.
    #[test]
    fn the_schema_declares_the_container_keys_cairn_maps() {
        let schema = AwsEcsTaskDefinition::schema();
        let declared = &schema.inputs["container_definitions"].constraints.keys;
        assert_eq!(
            declared,
            &super::super::containers::KNOWN.map(String::from).to_vec()
        );
    }

    #[test]
    fn imports_leave_out_what_aws_fills_in_and_says_nothing() {
        let aws = json!([{"name": "web", "image": "nginx", "cpu": 0, "essential": true,
            "command": [], "environment": [], "mountPoints": [],
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {}}}]);
        assert_eq!(
            without_fillers(aws.clone(), true),
            json!([{"name": "web", "image": "nginx", "essential": true,
                "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                "logConfiguration": {"logDriver": "awslogs"}}])
        );
        // Outside awsvpc a host port is the configuration's; a reservation is kept.
        let bridge = json!([{"name": "web", "cpu": 128,
            "portMappings": [{"containerPort": 80, "hostPort": 80}]}]);
        assert_eq!(without_fillers(bridge.clone(), false), bridge);
    }
}
