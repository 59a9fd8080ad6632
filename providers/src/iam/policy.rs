//! `aws_iam_policy`: a customer managed IAM policy; a document change adds a new default
//! version (the oldest is removed when IAM's limit of five is reached).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_iam::types::PolicyScopeType;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{decode_document, document_text, iam_tags, no_such_entity};
use crate::common::{
    api, claim, claimed, code, generated_from, read_back, read_found, retry, tag_changes,
    tags_can_tell, visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_iam_policy";

fn root_path() -> String {
    "/".into()
}

/// How a policy's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 128,
};

/// A customer managed IAM policy.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The policy's name; generated when left out (see `name_prefix`).
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub description: Option<String>,
    /// The policy document.
    #[schemars(extend("x-document" = true))]
    pub policy: serde_json::Value,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The policy's ARN.
    pub id: String,
    pub arn: String,
    pub policy_id: String,
}

async fn read_one(
    aws: &Aws,
    arn: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let got = match aws.iam.get_policy().policy_arn(arn).send().await {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if no_such_entity(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetPolicy", arn, e));
        }
    };
    let Some(p) = got.policy() else {
        return Ok(None);
    };
    let version = p.default_version_id().unwrap_or("v1");
    let doc = aws
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| api("GetPolicyVersion", arn, e.into_service_error()))?;
    let document = doc
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or("{}");
    let name = p.policy_name().unwrap_or_default();
    let config = Config {
        name: Some(name.to_string()),
        name_prefix: NAMING.read_prefix(name, prior),
        path: p.path().unwrap_or("/").to_string(),
        description: p
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        policy: decode_document(document, arn)?,
        tags: visible_tags(p.tags().iter().map(|t| (t.key(), t.value()))),
    };
    let outputs = Outputs {
        id: arn.to_string(),
        arn: arn.to_string(),
        policy_id: p.policy_id().unwrap_or_default().to_string(),
    };
    Ok(Some(AwsIamPolicy::observed(arn, &config, &outputs)))
}
/// How `cairn import` names one: the policy ARN (`arn:aws:iam::…:policy/…`).
pub const IMPORT_ID: &str = "the policy ARN (`arn:aws:iam::…:policy/…`)";

/// The `aws_iam_policy` resource type.
pub struct AwsIamPolicy;

impl Resource for AwsIamPolicy {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::IAM::ManagedPolicy",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["read", "arn:aws:iam::123456789012:role/read"],
        absent: None,
    };

    /// One GetPolicy and GetPolicyVersion per policy, in parallel (IAM has no batch read).
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// By its ARN.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_arn(TYPE, import_id, ":policy/", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        let r = aws
            .iam
            .create_policy()
            .policy_name(&name)
            .path(&c.path)
            .set_description(c.description.clone())
            .policy_document(document_text(&c.policy))
            .set_tags(Some(iam_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreatePolicy", &name, e.into_service_error()))?;
        let arn = r
            .policy()
            .and_then(|p| p.arn())
            .ok_or_else(|| ProviderError::Api("CreatePolicy returned no ARN".into()))?
            .to_string();
        let config = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &arn, || read_one(aws, &arn, &config)).await
    }

    /// By its name and path, unique in the account: the customer managed policies under the
    /// path (ListPolicies, paged), since the ARN needs the account id. A generated name by its
    /// prefix and the ownership tags (ListPolicyTags of the names generated from it).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let named = NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())?;
        if matches!(named, Named::Generated(_)) {
            tags_can_tell(TYPE, ctx)?;
        }
        let what = match named {
            Named::Given(n) | Named::Generated(n) => n,
        };
        let policies = aws
            .iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .path_prefix(&c.path)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListPolicies", what, e.into_service_error()))?;
        let candidates = policies.iter().filter(|p| {
            p.path() == Some(c.path.as_str())
                && p.policy_name().is_some_and(|n| match named {
                    Named::Given(name) => n == name,
                    Named::Generated(prefix) => generated_from(n, prefix, ""),
                })
        });
        let ids = match named {
            Named::Given(_) => candidates
                .filter_map(|p| p.arn().map(str::to_string))
                .collect(),
            Named::Generated(_) => {
                let arns = candidates.filter_map(|p| p.arn());
                let tagged = futures::future::try_join_all(arns.map(|arn| async move {
                    let tags = aws
                        .iam
                        .list_policy_tags()
                        .policy_arn(arn)
                        .send()
                        .await
                        .map_err(|e| api("ListPolicyTags", arn, e.into_service_error()))?;
                    let claim = claim(tags.tags().iter().map(|t| (t.key(), t.value())), ctx);
                    Ok::<_, ProviderError>((arn.to_string(), claim))
                }))
                .await?;
                claimed(tagged.iter().map(|(a, c)| (Some(a.as_str()), *c)))
            }
        };
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        if old.policy != new.policy {
            let versions = aws
                .iam
                .list_policy_versions()
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| api("ListPolicyVersions", arn, e.into_service_error()))?;
            let mut old_versions: Vec<_> = versions
                .versions()
                .iter()
                .filter(|v| !v.is_default_version())
                .collect();
            if versions.versions().len() >= 5 {
                old_versions.sort_by_key(|v| v.create_date().map(|d| d.secs()));
                if let Some(oldest) = old_versions.first().and_then(|v| v.version_id()) {
                    aws.iam
                        .delete_policy_version()
                        .policy_arn(arn)
                        .version_id(oldest)
                        .send()
                        .await
                        .map_err(|e| api("DeletePolicyVersion", arn, e.into_service_error()))?;
                }
            }
            aws.iam
                .create_policy_version()
                .policy_arn(arn)
                .policy_document(document_text(&new.policy))
                .set_as_default(true)
                .send()
                .await
                .map_err(|e| api("CreatePolicyVersion", arn, e.into_service_error()))?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.iam
                .untag_policy()
                .policy_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagPolicy", arn, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.iam
                .tag_policy()
                .policy_arn(arn)
                .set_tags(Some(iam_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagPolicy", arn, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, arn, || read_one(aws, arn, &config)).await
    }

    /// Deletes the non-default versions first (IAM requires it); waits out attachments that are
    /// still being removed.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let arn = &prior.id;
        let versions = aws
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| api("ListPolicyVersions", arn, e.into_service_error()))?;
        for version in versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
        {
            if let Some(id) = version.version_id() {
                aws.iam
                    .delete_policy_version()
                    .policy_arn(arn)
                    .version_id(id)
                    .send()
                    .await
                    .map_err(|e| api("DeletePolicyVersion", arn, e.into_service_error()))?;
            }
        }
        retry(
            Duration::from_secs(120),
            |e: &aws_sdk_iam::operation::delete_policy::DeletePolicyError| {
                code(e) == Some("DeleteConflict")
            },
            || async {
                aws.iam
                    .delete_policy()
                    .policy_arn(arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeletePolicy", arn, e))
    }
}
