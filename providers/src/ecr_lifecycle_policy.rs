//! `aws_ecr_lifecycle_policy`: the rules by which ECR expires a repository's images (keep the
//! last N tagged images, drop untagged ones after some days), kept apart from the repository.

use cairn_model::{ErrorKind, FoundBy, Observed, OpContext, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_ecr_lifecycle_policy";

/// The lifecycle policy of an ECR repository. A repository has one: two of these for one
/// repository overwrite each other.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The name of the repository (`aws_ecr_repository.<name>.name`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 2, max = 256))]
    pub repository: String,
    /// The policy document (a table, or JSON text): `{ rules = [{ rulePriority = 1,
    /// selection = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit =
    /// "days", countNumber = 14 }, action = { type = "expire" } }] }`.
    #[schemars(extend("x-document" = true))]
    pub policy: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The repository's name.
    pub id: String,
    /// The id of the registry (account) the repository is in.
    pub registry_id: String,
}

/// How `cairn import` names one: the repository's name.
pub const IMPORT_ID: &str = "the repository's name";

/// The `aws_ecr_lifecycle_policy` resource type.
pub struct AwsEcrLifecyclePolicy;

impl Resource for AwsEcrLifecyclePolicy {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["repository"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "a repository"],
        absent: Some("absent-repository"),
    };

    /// One GetLifecyclePolicy: a repository without a policy has none to read.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        put(aws, c).await?;
        read_back(TYPE, &c.repository, || read_one(aws, &c.repository)).await
    }

    async fn update(
        aws: &Aws,
        _prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        put(aws, new).await?;
        read_back(TYPE, &new.repository, || read_one(aws, &new.repository)).await
    }

    /// Deletes the policy (the repository stays).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.ecr
            .delete_lifecycle_policy()
            .repository_name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteLifecyclePolicy", &prior.id, e.into_service_error()))
    }
}

/// A configured document (a table or JSON text) as the JSON text ECR takes.
fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn put(aws: &Aws, c: &Config) -> Answer<()> {
    aws.ecr
        .put_lifecycle_policy()
        .repository_name(&c.repository)
        .lifecycle_policy_text(document_text(&c.policy))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("PutLifecyclePolicy", &c.repository, e.into_service_error()))
}

/// The repository's lifecycle policy; `None` when the repository is gone or has no policy.
async fn read_one(aws: &Aws, repository: &str) -> Answer<Option<Observed>> {
    let got = match aws
        .ecr
        .get_lifecycle_policy()
        .repository_name(repository)
        .send()
        .await
        .map_err(|e| api("GetLifecyclePolicy", repository, e.into_service_error()))
    {
        Ok(got) => got,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(text) = got.lifecycle_policy_text().filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    let policy = serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!(text));
    let config = Config {
        repository: got.repository_name().unwrap_or(repository).to_string(),
        policy,
    };
    let outputs = Outputs {
        id: repository.to_string(),
        registry_id: got.registry_id().unwrap_or_default().to_string(),
    };
    Ok(Some(AwsEcrLifecyclePolicy::observed(
        repository, &config, &outputs,
    )))
}
