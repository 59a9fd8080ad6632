//! `aws_secretsmanager_secret_version`: a value of a Secrets Manager secret. Versions are
//! immutable: a new value is a new version (a replacement); the staging labels
//! (`AWSCURRENT`, ...) move in place.

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{describe, marked_deleted, not_found};
use crate::common::{api, code, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_secretsmanager_secret_version";

const CURRENT: &str = "AWSCURRENT";

fn current() -> Vec<String> {
    vec![CURRENT.to_string()]
}

/// A version of a secret.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The secret's ARN (or name).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub secret_id: String,
    /// The value. A new value is a new version.
    #[schemars(extend("x-force-new" = true, "x-sensitive" = true))]
    pub secret_string: String,
    /// The staging labels on this version; `AWSCURRENT` makes it the secret's value. A
    /// version that lost all its labels (deprecated) reads as gone.
    #[serde(default = "current")]
    #[schemars(extend("x-set" = true))]
    pub version_stages: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `SECRET_ARN|VERSION_ID`.
    pub id: String,
    /// The secret's ARN.
    pub arn: String,
    pub version_id: String,
}

/// How `cairn import` names one: the secret's ARN and the version id, as Terraform does.
pub const IMPORT_ID: &str = "`SECRET_ARN|VERSION_ID`";

/// The secret and version an id names.
fn split(id: &str) -> Option<(&str, &str)> {
    let (secret, version) = id.split_once('|')?;
    (!secret.is_empty() && !version.is_empty() && !version.contains('|'))
        .then_some((secret, version))
}

async fn read_one(
    aws: &Aws,
    id: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let Some((secret, version)) = split(id) else {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE}: `{id}` is not of the form SECRET_ARN|VERSION_ID"
        )));
    };
    let got = match aws
        .secretsmanager
        .get_secret_value()
        .secret_id(secret)
        .version_id(version)
        .send()
        .await
    {
        Ok(g) => g,
        Err(e) => {
            let e = e.into_service_error();
            let c = code(&e);
            if not_found(c) || marked_deleted(&e) {
                return Ok(None);
            }
            return Err(api("GetSecretValue", id, e));
        }
    };
    // A version without labels is deprecated: what deleting one does.
    if got.version_stages().is_empty() {
        return Ok(None);
    }
    let arn = got.arn().unwrap_or(secret).to_string();
    let name = got.name().unwrap_or_default();
    let secret_id = prior
        .get("secret_id")
        .and_then(|s| s.as_str())
        .filter(|s| *s == arn || *s == name)
        .unwrap_or(&arn)
        .to_string();
    let version_id = got.version_id().unwrap_or(version).to_string();
    let config = Config {
        secret_id,
        secret_string: got.secret_string().unwrap_or_default().to_string(),
        version_stages: got.version_stages().to_vec(),
    };
    let id = format!("{arn}|{version_id}");
    let outputs = Outputs {
        id: id.clone(),
        arn,
        version_id,
    };
    Ok(Some(AwsSecretsmanagerSecretVersion::observed(
        &id, &config, &outputs,
    )))
}

/// The version id a create with `ctx` asks for: its token, when Secrets Manager takes it
/// (32 to 64 characters).
fn version_for(ctx: &OpContext) -> Option<&str> {
    Some(ctx.token.as_str()).filter(|t| (32..=64).contains(&t.len()))
}

/// The labels on each version of the secret `secret`.
async fn stages(aws: &Aws, secret: &str) -> Result<BTreeMap<String, Vec<String>>, ProviderError> {
    let d = describe(aws, secret)
        .await?
        .ok_or_else(|| ProviderError::Api(format!("secret {secret} no longer exists")))?;
    Ok(d.version_ids_to_stages()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

async fn move_stage(
    aws: &Aws,
    secret: &str,
    stage: &str,
    to: Option<&str>,
    from: Option<&str>,
) -> Result<(), ProviderError> {
    aws.secretsmanager
        .update_secret_version_stage()
        .secret_id(secret)
        .version_stage(stage)
        .set_move_to_version_id(to.map(str::to_string))
        .set_remove_from_version_id(from.map(str::to_string))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("UpdateSecretVersionStage", secret, e.into_service_error()))
}

/// Moves the labels this version should have onto it (from the versions holding them) and
/// takes off those it should not. `AWSCURRENT` cannot be taken off: another version has
/// to become current.
async fn set_stages(
    aws: &Aws,
    secret: &str,
    version: &str,
    want: &[String],
) -> Result<(), ProviderError> {
    let all = stages(aws, secret).await?;
    let holder = |stage: &str| {
        all.iter()
            .find(|(_, s)| s.iter().any(|x| x == stage))
            .map(|(v, _)| v.as_str())
    };
    let have = all.get(version).cloned().unwrap_or_default();
    for stage in want.iter().filter(|s| !have.contains(s)) {
        move_stage(aws, secret, stage, Some(version), holder(stage)).await?;
    }
    // Moving AWSCURRENT moves AWSPREVIOUS too: look again.
    let have = stages(aws, secret)
        .await?
        .remove(version)
        .unwrap_or_default();
    for stage in have.iter().filter(|s| !want.contains(s)) {
        if stage == CURRENT {
            return Err(ProviderError::Api(format!(
                "secret {secret} version {version}: AWSCURRENT cannot be taken off a version; make another version current"
            )));
        }
        move_stage(aws, secret, stage, None, Some(version)).await?;
    }
    Ok(())
}

/// The `aws_secretsmanager_secret_version` resource type.
pub struct AwsSecretsmanagerSecretVersion;

impl Resource for AwsSecretsmanagerSecretVersion {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Token,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
            "a|b|c",
            "|0123",
        ],
        absent: Some("arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf|00000000-0000-4000-8000-000000000000"),
    };

    /// GetSecretValue per version, in parallel (the batch read gives only current values).
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// PutSecretValue with the operation's token as the version id (so that an interrupted
    /// create is found by it, and a retried one makes no second version).
    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let put = aws
            .secretsmanager
            .put_secret_value()
            .secret_id(&c.secret_id)
            .secret_string(&c.secret_string)
            .set_client_request_token(version_for(ctx).map(str::to_string))
            .set_version_stages(Some(c.version_stages.clone()))
            .send()
            .await
            .map_err(|e| api("PutSecretValue", &c.secret_id, e.into_service_error()))?;
        let id = format!(
            "{}|{}",
            put.arn().unwrap_or(&c.secret_id),
            put.version_id().unwrap_or_default()
        );
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &id, || read_one(aws, &id, &config)).await
    }

    /// By the version id the create asked for (its token): exact, as Secrets Manager makes it
    /// the version's id.
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let Some(version) = version_for(ctx) else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {}: an interrupted create is looked up by the version id its token gave, and it had no usable token",
                ctx.address
            )));
        };
        let Some(d) = describe(aws, &config.secret_id).await? else {
            return Ok(Vec::new());
        };
        let Some(arn) = d.arn() else {
            return Ok(Vec::new());
        };
        read_found(vec![format!("{arn}|{version}")], config, |r| async move {
            Self::read(aws, &r).await
        })
        .await
    }

    /// `SECRET_ARN|VERSION_ID`.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        if split(import_id).is_none() {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not a secret ARN and a version id separated by `|`",
                IMPORT_ID,
            ));
        }
        Ok(())
    }

    /// Only the labels change in place.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        let Some((secret, version)) = split(id) else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE}: `{id}` is not of the form SECRET_ARN|VERSION_ID"
            )));
        };
        set_stages(aws, secret, version, &new.version_stages).await?;
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, id, || read_one(aws, id, &config)).await
    }

    /// Takes every label but `AWSCURRENT` off the version, which deprecates it (Secrets Manager
    /// removes deprecated versions itself). A current version stays the secret's value until
    /// another one replaces it or the secret is deleted.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        let Some((secret, version)) = split(id) else {
            return Ok(());
        };
        let all = match describe(aws, secret).await? {
            Some(d) => d
                .version_ids_to_stages()
                .and_then(|m| m.get(version).cloned())
                .unwrap_or_default(),
            None => return Ok(()),
        };
        for stage in all.iter().filter(|s| *s != CURRENT) {
            move_stage(aws, secret, stage, None, Some(version)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_terraform_s() {
        assert_eq!(
            split("arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf|v1"),
            Some(("arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf", "v1"))
        );
        assert_eq!(split("arn-only"), None);
        assert_eq!(split("|v1"), None);
        assert_eq!(split("a|b|c"), None);
        let s = AwsSecretsmanagerSecretVersion::schema();
        assert!(s.inputs["secret_string"].sensitive);
        assert!(s.inputs["secret_string"].force_new);
        assert!(!s.inputs["version_stages"].force_new);
    }
}
