//! `aws_iam_role`: an IAM role with its trust policy, managed policy attachments (when listed
//! here) and inline policies.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{decode_document, document_text, iam_tags, no_such_entity};
use crate::common::{
    api, claim, claimed, code, generated_from, parse, read_back, read_found, retry, tag_changes,
    tags_can_tell, visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_iam_role";

fn root_path() -> String {
    "/".into()
}

fn one_hour() -> i32 {
    3600
}

/// How a role's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 64,
};

/// An IAM role.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The role's name; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 38), regex(pattern = r"^[\w+=,.@-]+$"), extend("x-pattern-says" = "letters, digits and + = , . @ _ -"))]
    pub name_prefix: Option<String>,
    #[serde(default = "root_path")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub path: String,
    /// Who may assume the role (a trust policy document).
    #[schemars(extend("x-document" = true))]
    pub assume_role_policy: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Managed policies attached to the role. When set, exactly these (others are detached);
    /// when left out, attachments are managed elsewhere (`aws_iam_role_policy_attachment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-set" = true))]
    pub managed_policy_arns: Option<Vec<String>>,
    /// Inline policies. When set, exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-set" = true))]
    pub inline_policy: Option<Vec<InlinePolicy>>,
    /// Seconds a session may last (3600 to 43200).
    #[serde(default = "one_hour")]
    pub max_session_duration: i32,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `inline_policy = [{ name = "...", policy = { ... } }]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    #[schemars(extend("x-document" = true))]
    pub policy: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The role's name.
    pub id: String,
    pub arn: String,
    pub unique_id: String,
}

async fn attached(aws: &Aws, name: &str) -> Result<Vec<String>, ProviderError> {
    let pages = aws
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("ListAttachedRolePolicies", name, e.into_service_error()))?;
    Ok(pages
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect())
}

async fn inline(aws: &Aws, name: &str) -> Result<Vec<InlinePolicy>, ProviderError> {
    let names = aws
        .iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("ListRolePolicies", name, e.into_service_error()))?;
    let mut out = Vec::new();
    for policy in names {
        let got = aws
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy)
            .send()
            .await
            .map_err(|e| api("GetRolePolicy", name, e.into_service_error()))?;
        out.push(InlinePolicy {
            policy: decode_document(got.policy_document(), &policy)?,
            name: policy,
        });
    }
    Ok(out)
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    read_role(aws, name, Shown::AsRecorded(prior)).await
}

/// Which of a role's policy lists a view shows.
#[derive(Clone, Copy)]
enum Shown<'a> {
    /// Those the recorded inputs have (lists the configuration leaves out are managed
    /// elsewhere); with no recorded inputs, both.
    AsRecorded(&'a serde_json::Value),
    /// Those that are not empty: an import cannot tell an empty list from one managed
    /// elsewhere, and records only what there is.
    NotEmpty,
}

/// How `cairn import` names one: the role name.
pub const IMPORT_ID: &str = "the role name";

async fn read_role(
    aws: &Aws,
    name: &str,
    shown: Shown<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let role = match aws.iam.get_role().role_name(name).send().await {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if no_such_entity(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetRole", name, e));
        }
    };
    let Some(role) = role.role() else {
        return Ok(None);
    };
    let (managed_policy_arns, inline_policy) = match shown {
        Shown::AsRecorded(prior) => {
            let managed = |key: &str| prior.is_null() || prior.get(key).is_some();
            let attached = if managed("managed_policy_arns") {
                Some(attached(aws, name).await?)
            } else {
                None
            };
            let inline = if managed("inline_policy") {
                Some(inline(aws, name).await?)
            } else {
                None
            };
            (attached, inline)
        }
        Shown::NotEmpty => {
            let (attached, inline) = futures::try_join!(attached(aws, name), inline(aws, name))?;
            (
                Some(attached).filter(|l| !l.is_empty()),
                Some(inline).filter(|l| !l.is_empty()),
            )
        }
    };
    let prior = match shown {
        Shown::AsRecorded(prior) => prior,
        Shown::NotEmpty => &serde_json::Value::Null,
    };
    let config = Config {
        name: Some(role.role_name().to_string()),
        name_prefix: NAMING.read_prefix(role.role_name(), prior),
        path: role.path().to_string(),
        assume_role_policy: decode_document(
            role.assume_role_policy_document().unwrap_or("{}"),
            name,
        )?,
        description: role
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        managed_policy_arns,
        inline_policy,
        max_session_duration: role.max_session_duration().unwrap_or(3600),
        tags: visible_tags(role.tags().iter().map(|t| (t.key(), t.value()))),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: role.arn().to_string(),
        unique_id: role.role_id().to_string(),
    };
    Ok(Some(AwsIamRole::observed(name, &config, &outputs)))
}

/// Attaches and detaches managed policies, puts and deletes inline ones, to go from `old`
/// to `new` (a `None` on the new side leaves that part alone).
async fn sync_policies(
    aws: &Aws,
    name: &str,
    old: &Config,
    new: &Config,
) -> Result<(), ProviderError> {
    if let Some(want) = &new.managed_policy_arns {
        let have: BTreeSet<&String> = old.managed_policy_arns.iter().flatten().collect();
        let want_set: BTreeSet<&String> = want.iter().collect();
        for arn in have.difference(&want_set) {
            aws.iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(*arn)
                .send()
                .await
                .map_err(|e| api("DetachRolePolicy", name, e.into_service_error()))?;
        }
        for arn in want_set.difference(&have) {
            aws.iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(*arn)
                .send()
                .await
                .map_err(|e| api("AttachRolePolicy", name, e.into_service_error()))?;
        }
    }
    if let Some(want) = &new.inline_policy {
        let have: Vec<&InlinePolicy> = old.inline_policy.iter().flatten().collect();
        for p in &have {
            if !want.iter().any(|w| w.name == p.name) {
                aws.iam
                    .delete_role_policy()
                    .role_name(name)
                    .policy_name(&p.name)
                    .send()
                    .await
                    .map_err(|e| api("DeleteRolePolicy", name, e.into_service_error()))?;
            }
        }
        for p in want {
            if !have.contains(&p) {
                aws.iam
                    .put_role_policy()
                    .role_name(name)
                    .policy_name(&p.name)
                    .policy_document(document_text(&p.policy))
                    .send()
                    .await
                    .map_err(|e| api("PutRolePolicy", name, e.into_service_error()))?;
            }
        }
    }
    Ok(())
}

/// The `aws_iam_role` resource type.
pub struct AwsIamRole;

impl Resource for AwsIamRole {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::IAM::Role",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["two words"],
        absent: Some("absent"),
    };

    /// IAM has no batch read of roles: one GetRole (and its listings) per role, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// By its name. Managed policies and inline policies are recorded when there are some (an
    /// empty list reads as managed elsewhere, as when the configuration leaves it out).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        read_role(aws, import_id, Shown::NotEmpty).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        aws.iam
            .create_role()
            .role_name(&name)
            .path(&c.path)
            .assume_role_policy_document(document_text(&c.assume_role_policy))
            .set_description(c.description.clone())
            .max_session_duration(c.max_session_duration)
            .set_tags(Some(iam_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateRole", &name, e.into_service_error()))?;
        let empty = Config {
            managed_policy_arns: None,
            inline_policy: None,
            ..c.clone()
        };
        sync_policies(aws, &name, &empty, c).await?;
        let config = recorded(c);
        read_back(TYPE, &name, || read_one(aws, &name, &config)).await
    }

    /// By its unique name; a generated one by its prefix and the ownership tags (ListRoles
    /// under its path, then GetRole of the names generated from the prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let found = read_one(aws, name, &recorded(c)).await?;
                return Ok(found.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let roles = aws
            .iam
            .list_roles()
            .path_prefix(&c.path)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListRoles", prefix, e.into_service_error()))?;
        let names = roles
            .iter()
            .map(|r| r.role_name())
            .filter(|n| generated_from(n, prefix, ""));
        let tagged = futures::future::try_join_all(names.map(|name| async move {
            let tags = aws
                .iam
                .list_role_tags()
                .role_name(name)
                .send()
                .await
                .map_err(|e| api("ListRoleTags", name, e.into_service_error()))?;
            let claim = claim(tags.tags().iter().map(|t| (t.key(), t.value())), ctx);
            Ok::<_, ProviderError>((name.to_string(), claim))
        }))
        .await?;
        let ids = claimed(tagged.iter().map(|(n, c)| (Some(n.as_str()), *c)));
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        let config = recorded(new);
        // Compare with what the role has now (attachments may have moved since the last read).
        let now = match read_one(aws, name, &config).await? {
            Some(o) => parse::<Config>(TYPE, &o.inputs)?,
            None => return Err(ProviderError::Api(format!("role {name} no longer exists"))),
        };
        if now.assume_role_policy != new.assume_role_policy {
            aws.iam
                .update_assume_role_policy()
                .role_name(name)
                .policy_document(document_text(&new.assume_role_policy))
                .send()
                .await
                .map_err(|e| api("UpdateAssumeRolePolicy", name, e.into_service_error()))?;
        }
        if now.description != new.description
            || now.max_session_duration != new.max_session_duration
        {
            aws.iam
                .update_role()
                .role_name(name)
                .description(new.description.clone().unwrap_or_default())
                .max_session_duration(new.max_session_duration)
                .send()
                .await
                .map_err(|e| api("UpdateRole", name, e.into_service_error()))?;
        }
        let (removed, set) = tag_changes(&now.tags, &new.tags);
        if !removed.is_empty() {
            aws.iam
                .untag_role()
                .role_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagRole", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.iam
                .tag_role()
                .role_name(name)
                .set_tags(Some(iam_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagRole", name, e.into_service_error()))?;
        }
        sync_policies(aws, name, &now, new).await?;
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    /// Detaches every managed policy and deletes every inline one first: IAM refuses to delete
    /// a role that still has them.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        let Some(now) = read_one(aws, name, &serde_json::Value::Null).await? else {
            return Ok(());
        };
        let now: Config = parse(TYPE, &now.inputs)?;
        let bare = Config {
            managed_policy_arns: Some(Vec::new()),
            inline_policy: Some(Vec::new()),
            ..now.clone()
        };
        sync_policies(aws, name, &now, &bare).await?;
        retry(
            Duration::from_secs(120),
            |e: &aws_sdk_iam::operation::delete_role::DeleteRoleError| {
                code(e) == Some("DeleteConflict")
            },
            || async {
                aws.iam
                    .delete_role()
                    .role_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteRole", name, e))
    }
}

/// `c` as the recorded inputs a read after its create or update compares with: the policy
/// lists it leaves out are managed elsewhere and not read.
fn recorded(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}
