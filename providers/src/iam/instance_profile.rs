//! `aws_iam_instance_profile`: what EC2 instances are started with to take an IAM role (an
//! instance profile holds at most one role).

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{iam_tags, no_such_entity};
use crate::common::{
    api, claim, claimed, code, generated_from, parse, read_back, read_found, tag_changes,
    tags_can_tell, visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_iam_instance_profile";

fn root_path() -> String {
    "/".into()
}

/// How a profile's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 128,
};

/// An instance profile and the role it gives instances.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The profile's name; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 102), regex(pattern = r"^[\w+=,.@-]+$"), extend("x-pattern-says" = "letters, digits and + = , . @ _ -"))]
    pub name_prefix: Option<String>,
    #[serde(default = "root_path")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub path: String,
    /// The role's name (not its ARN); none leaves the profile empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The profile's name.
    pub id: String,
    /// What `RunInstances` takes as `IamInstanceProfile.Arn`.
    pub arn: String,
    pub unique_id: String,
}

/// How `cairn import` names one: its name.
pub const IMPORT_ID: &str = "the instance profile name";

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let got = match aws
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e) => {
            let e = e.into_service_error();
            if no_such_entity(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetInstanceProfile", name, e));
        }
    };
    let Some(p) = got.instance_profile() else {
        return Ok(None);
    };
    let config = Config {
        name: Some(p.instance_profile_name().to_string()),
        name_prefix: NAMING.read_prefix(p.instance_profile_name(), prior),
        path: p.path().to_string(),
        role: p.roles().first().map(|r| r.role_name().to_string()),
        tags: visible_tags(p.tags().iter().map(|t| (t.key(), t.value()))),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: p.arn().to_string(),
        unique_id: p.instance_profile_id().to_string(),
    };
    Ok(Some(AwsIamInstanceProfile::observed(
        name, &config, &outputs,
    )))
}

async fn add_role(aws: &Aws, name: &str, role: &str) -> Result<(), ProviderError> {
    aws.iam
        .add_role_to_instance_profile()
        .instance_profile_name(name)
        .role_name(role)
        .send()
        .await
        .map_err(|e| api("AddRoleToInstanceProfile", name, e.into_service_error()))?;
    Ok(())
}

/// Takes `role` out of the profile; a role already gone from it is no error.
async fn remove_role(aws: &Aws, name: &str, role: &str) -> Result<(), ProviderError> {
    match aws
        .iam
        .remove_role_from_instance_profile()
        .instance_profile_name(name)
        .role_name(role)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if no_such_entity(code(&e)) {
                Ok(())
            } else {
                Err(api("RemoveRoleFromInstanceProfile", name, e))
            }
        }
    }
}

/// The `aws_iam_instance_profile` resource type.
pub struct AwsIamInstanceProfile;

impl Resource for AwsIamInstanceProfile {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::IAM::InstanceProfile",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "arn:aws:iam::123456789012:instance-profile/workers"],
        absent: Some("absent"),
    };

    /// IAM has no batch read of instance profiles: one GetInstanceProfile each, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// A name, not an ARN.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        if import_id.starts_with("arn:") {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is an ARN",
                IMPORT_ID,
            ));
        }
        Ok(())
    }

    /// By its name.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        Self::check_import_id(import_id)?;
        read_one(aws, import_id, &serde_json::Value::Null).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        aws.iam
            .create_instance_profile()
            .instance_profile_name(&name)
            .path(&c.path)
            .set_tags(Some(iam_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateInstanceProfile", &name, e.into_service_error()))?;
        if let Some(role) = &c.role {
            add_role(aws, &name, role).await?;
        }
        let config = recorded(c);
        read_back(TYPE, &name, || read_one(aws, &name, &config)).await
    }

    /// By its unique name; a generated one by its prefix and the ownership tags
    /// (ListInstanceProfiles under its path, then GetInstanceProfile of the names generated
    /// from the prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let found = read_one(aws, name, &recorded(c)).await?;
                return Ok(found.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let profiles = aws
            .iam
            .list_instance_profiles()
            .path_prefix(&c.path)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListInstanceProfiles", prefix, e.into_service_error()))?;
        let names = profiles
            .iter()
            .map(|p| p.instance_profile_name())
            .filter(|n| generated_from(n, prefix, ""));
        let tagged = futures::future::try_join_all(names.map(|name| async move {
            let got = match aws
                .iam
                .get_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
            {
                Ok(got) => got,
                Err(e) => {
                    let e = e.into_service_error();
                    if no_such_entity(code(&e)) {
                        return Ok((name.to_string(), None));
                    }
                    return Err(api("GetInstanceProfile", name, e));
                }
            };
            let claim = got
                .instance_profile()
                .and_then(|p| claim(p.tags().iter().map(|t| (t.key(), t.value())), ctx));
            Ok::<_, ProviderError>((name.to_string(), claim))
        }))
        .await?;
        let ids = claimed(tagged.iter().map(|(n, c)| (Some(n.as_str()), *c)));
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// Swaps the role (out, then in: a profile holds one) and the tags.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        let config = recorded(new);
        let Some(now) = read_one(aws, name, &config).await? else {
            return Err(ProviderError::Api(format!(
                "instance profile {name} no longer exists"
            )));
        };
        let now: Config = parse(TYPE, &now.inputs)?;
        if now.role != new.role {
            if let Some(old) = &now.role {
                remove_role(aws, name, old).await?;
            }
            if let Some(role) = &new.role {
                add_role(aws, name, role).await?;
            }
        }
        let (removed, set) = tag_changes(&now.tags, &new.tags);
        if !removed.is_empty() {
            aws.iam
                .untag_instance_profile()
                .instance_profile_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagInstanceProfile", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.iam
                .tag_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(iam_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagInstanceProfile", name, e.into_service_error()))?;
        }
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    /// Takes the role out first: IAM refuses to delete a profile that still holds one.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        let Some(now) = read_one(aws, name, &prior.inputs).await? else {
            return Ok(());
        };
        if let Some(role) = now.inputs.get("role").and_then(serde_json::Value::as_str) {
            remove_role(aws, name, role).await?;
        }
        aws.iam
            .delete_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteInstanceProfile", name, e.into_service_error()))
    }
}

/// `c` as the recorded inputs a read after its create or update compares with (whether the
/// name was given or generated).
fn recorded(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}
