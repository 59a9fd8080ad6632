//! `aws_secretsmanager_secret`: a Secrets Manager secret (its metadata; the value is an
//! `aws_secretsmanager_secret_version`).

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{describe, marked_deleted, not_found, sm_tags};
use crate::common::{
    api, claim, claimed, code, generated_from, read_back, read_found, tag_changes, tags_can_tell,
    visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::{Aws, ADDRESS_TAG, OWNER_TAG, TOKEN_TAG};

pub const TYPE: &str = "aws_secretsmanager_secret";

fn thirty() -> i32 {
    30
}

/// How a secret's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 512,
};

/// A Secrets Manager secret.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// e.g. `phoney/prod/credentials`; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 486))]
    pub name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The KMS key (id, ARN or alias) that encrypts the secret's values; else `aws/secretsmanager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Days (7 to 30) a deleted secret can still be restored, during which its name stays
    /// taken; 0 deletes it at once, without recovery.
    #[serde(default = "thirty")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub recovery_window_in_days: i32,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The secret's ARN.
    pub id: String,
    pub arn: String,
}

/// How `cairn import` names one: its ARN (or name).
pub const IMPORT_ID: &str =
    "the secret ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abc123`) or name";

async fn read_one(
    aws: &Aws,
    id: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let Some(d) = describe(aws, id).await? else {
        return Ok(None);
    };
    let arn = d.arn().unwrap_or(id).to_string();
    let name = d.name().unwrap_or_default();
    let config = Config {
        name: Some(name.to_string()),
        name_prefix: NAMING.read_prefix(name, prior),
        description: d
            .description()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        kms_key_id: d.kms_key_id().map(str::to_string),
        // Not in AWS: what was last applied stands.
        recovery_window_in_days: prior
            .get("recovery_window_in_days")
            .and_then(|d| d.as_i64())
            .and_then(|d| i32::try_from(d).ok())
            .unwrap_or(30),
        tags: visible_tags(
            d.tags()
                .iter()
                .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
        ),
    };
    let outputs = Outputs {
        id: arn.clone(),
        arn: arn.clone(),
    };
    Ok(Some(AwsSecretsmanagerSecret::observed(
        &arn, &config, &outputs,
    )))
}

/// The `aws_secretsmanager_secret` resource type.
pub struct AwsSecretsmanagerSecret;

impl Resource for AwsSecretsmanagerSecret {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::SecretsManager::Secret",
        // Its values go with it (also those rotated or set outside cairn).
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "arn:aws:kms:us-east-1:123456789012:key/0123"],
        absent: Some("absent"),
    };

    /// DescribeSecret per secret, in parallel (Secrets Manager's batch read returns values, not
    /// settings). A secret scheduled for deletion reads as gone.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        let made = aws
            .secretsmanager
            .create_secret()
            .name(&name)
            .set_description(c.description.clone())
            .set_kms_key_id(c.kms_key_id.clone())
            .set_tags(Some(sm_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| {
                let e = e.into_service_error();
                if marked_deleted(&e) {
                    ProviderError::Api(format!(
                        "CreateSecret {name}: a secret of this name is scheduled for deletion; restore it (aws secretsmanager restore-secret) and import it, or delete it for good (--force-delete-without-recovery); recovery_window_in_days = 0 deletes without this wait"
                    ))
                } else {
                    api("CreateSecret", &name, e)
                }
            })?;
        let arn = made.arn().unwrap_or_default().to_string();
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &arn, || read_one(aws, &arn, &config)).await
    }

    /// By its unique name (among secrets not scheduled for deletion). A generated name by
    /// its prefix and the ownership tags (the secrets ListSecrets lists by the prefix, with
    /// their tags).
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(config.name.as_deref(), config.name_prefix.as_deref())? {
            Named::Given(name) => {
                let Some(d) = describe(aws, name).await? else {
                    return Ok(Vec::new());
                };
                d.arn().map(str::to_string).into_iter().collect()
            }
            Named::Generated(prefix) => {
                use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
                tags_can_tell(TYPE, ctx)?;
                let listed = aws
                    .secretsmanager
                    .list_secrets()
                    .filters(
                        Filter::builder()
                            .key(FilterNameStringType::Name)
                            .values(prefix)
                            .build(),
                    )
                    .into_paginator()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| api("ListSecrets", prefix, e.into_service_error()))?;
                claimed(
                    listed
                        .iter()
                        .flat_map(|page| page.secret_list())
                        .filter(|s| s.deleted_date().is_none())
                        .filter(|s| s.name().is_some_and(|n| generated_from(n, prefix, "")))
                        .map(|s| {
                            let tags = s
                                .tags()
                                .iter()
                                .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())));
                            (s.arn(), claim(tags, ctx))
                        }),
                )
            }
        };
        read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
    }

    /// By its ARN or name. `recovery_window_in_days` (not in AWS) reads as its default.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        if import_id.starts_with("arn:") && !import_id.contains(":secret:") {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not the ARN of a secret",
                IMPORT_ID,
            ));
        }
        let Some(d) = describe(aws, import_id).await? else {
            return Ok(None);
        };
        let arn = d.arn().unwrap_or(import_id).to_string();
        crate::common::import_read(&arn, |r| async move { Self::read(aws, &r).await }).await
    }

    /// Description and key with UpdateSecret (which makes no new version without a value);
    /// tags with TagResource and UntagResource.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        let key_changed = new.kms_key_id.is_some() && old.kms_key_id != new.kms_key_id;
        if old.description != new.description || key_changed {
            aws.secretsmanager
                .update_secret()
                .secret_id(id)
                .description(new.description.clone().unwrap_or_default())
                .set_kms_key_id(new.kms_key_id.clone().filter(|_| key_changed))
                .send()
                .await
                .map_err(|e| api("UpdateSecret", id, e.into_service_error()))?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.secretsmanager
                .untag_resource()
                .secret_id(id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", id, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.secretsmanager
                .tag_resource()
                .secret_id(id)
                .set_tags(Some(sm_tags(&set)))
                .send()
                .await
                .map_err(|e| api("TagResource", id, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, id, || read_one(aws, id, &config)).await
    }

    /// Deletes the secret with its recovery window (0: at once, without recovery). A secret
    /// kept for recovery loses its ownership tags first, so that it is not listed as this
    /// stack's while it waits.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        let window = prior
            .inputs
            .get("recovery_window_in_days")
            .and_then(|d| d.as_i64())
            .unwrap_or(30);
        let mut req = aws.secretsmanager.delete_secret().secret_id(id);
        if window == 0 {
            req = req.force_delete_without_recovery(true);
        } else {
            let owned = [OWNER_TAG, ADDRESS_TAG, TOKEN_TAG]
                .map(String::from)
                .to_vec();
            if let Err(e) = aws
                .secretsmanager
                .untag_resource()
                .secret_id(id)
                .set_tag_keys(Some(owned))
                .send()
                .await
            {
                let e = e.into_service_error();
                let c = code(&e);
                if not_found(c) {
                    return Ok(());
                }
                if !marked_deleted(&e) {
                    return Err(api("UntagResource", id, e));
                }
            }
            req = req.recovery_window_in_days(window);
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                let c = code(&e);
                if not_found(c) || marked_deleted(&e) {
                    Ok(())
                } else {
                    Err(api("DeleteSecret", id, e))
                }
            }
        }
    }

    /// Its ARN, then its name.
    fn import_ids(o: &Observed) -> Vec<String> {
        let name = o.inputs["name"].as_str().unwrap_or_default().to_string();
        vec![o.id.clone(), name]
    }
}
