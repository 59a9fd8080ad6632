//! `aws_kms_alias`: a name (`alias/...`) for a KMS key.

use std::collections::BTreeMap;

use aws_sdk_kms::types::AliasListEntry;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::key_id_of;
use crate::common::{api, generated_from, read_back, read_found, Named, Naming};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_kms_alias";

/// How an alias's name is generated when the configuration leaves it out: from
/// `alias/cairn-` (Terraform's is `alias/`, which every alias name starts with).
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: "alias/cairn-",
    max_len: 256,
};

/// An alias of a KMS key.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// `alias/` followed by the name (`alias/aws/...` is AWS's); generated when left out (see
    /// `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix, which starts with `alias/`
    /// (followed by a UTC timestamp and a counter, as Terraform's `name_prefix`); conflicts
    /// with `name`. With neither, the name is generated from the prefix `alias/cairn-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 7, max = 230), regex(pattern = r"^alias/[A-Za-z0-9/_-]+$"), extend("x-pattern-says" = "`alias/` followed by letters, digits and / _ -"))]
    pub name_prefix: Option<String>,
    /// The key's id or ARN.
    pub target_key_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The alias name.
    pub id: String,
    pub arn: String,
    /// The ARN of the key it names.
    pub target_key_arn: String,
}

/// How `cairn import` names one: its name.
pub const IMPORT_ID: &str = "the alias name (`alias/NAME`)";

/// Every alias in the account and region (ListAliases, paged).
async fn aliases(aws: &Aws) -> Result<Vec<AliasListEntry>, ProviderError> {
    aws.kms
        .list_aliases()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("ListAliases", "", e.into_service_error()))
}

fn view(a: &AliasListEntry, prior: &serde_json::Value) -> Option<Observed> {
    let name = a.alias_name()?;
    let key = a.target_key_id()?;
    let arn = a.alias_arn().unwrap_or_default();
    // The key as configured (id or ARN) when it is the same key.
    let target = prior
        .get("target_key_id")
        .and_then(|t| t.as_str())
        .filter(|t| key_id_of(t) == key)
        .unwrap_or(key);
    let key_arn = match arn.split_once(":alias/") {
        Some((prefix, _)) => format!("{prefix}:key/{key}"),
        None => String::new(),
    };
    let config = Config {
        name: Some(name.to_string()),
        name_prefix: NAMING.read_prefix(name, prior),
        target_key_id: target.to_string(),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: arn.to_string(),
        target_key_arn: key_arn,
    };
    Some(AwsKmsAlias::observed(name, &config, &outputs))
}

/// One paged ListAliases for all.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    if requests.is_empty() {
        return Ok(out);
    }
    let all = aliases(aws).await?;
    for r in requests {
        if let Some(a) = all.iter().find(|a| a.alias_name() == Some(r.id.as_str())) {
            out.insert(r.id.clone(), view(a, &r.prior_inputs));
        }
    }
    Ok(out)
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let request = [ReadRequest {
        id: name.to_string(),
        prior_inputs: prior.clone(),
    }];
    Ok(read(aws, &request).await?.remove(name).flatten())
}

/// The `aws_kms_alias` resource type.
pub struct AwsKmsAlias;

impl Resource for AwsKmsAlias {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::KMS::Alias",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["app", "alias/"],
        absent: Some("alias/absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        if !name.starts_with("alias/") {
            let what = if c.name.is_some() {
                "name"
            } else {
                "name_prefix"
            };
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE}: {what} `{name}` does not start with `alias/`"
            )));
        }
        aws.kms
            .create_alias()
            .alias_name(&name)
            .target_key_id(&c.target_key_id)
            .send()
            .await
            .map_err(|e| api("CreateAlias", &name, e.into_service_error()))?;
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &name, || read_one(aws, &name, &config)).await
    }

    /// By its unique name. An alias has no tags: a generated name by its prefix and its key
    /// (the aliases of the key whose names were generated from the prefix, newest first).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => vec![name.to_string()],
            Named::Generated(prefix) => {
                // A key named by an alias of its own cannot be told from the alias list.
                let key = Some(key_id_of(&c.target_key_id)).filter(|k| !k.starts_with("alias/"));
                let mut names: Vec<String> = aliases(aws)
                    .await?
                    .iter()
                    .filter(|a| key.is_none() || a.target_key_id() == key)
                    .filter_map(|a| a.alias_name())
                    .filter(|n| generated_from(n, prefix, ""))
                    .map(str::to_string)
                    .collect();
                names.sort_by(|a, b| b.cmp(a));
                names
            }
        };
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_prefix(TYPE, import_id, "alias/", IMPORT_ID)
    }

    /// Points the alias at another key (UpdateAlias).
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        aws.kms
            .update_alias()
            .alias_name(name)
            .target_key_id(&new.target_key_id)
            .send()
            .await
            .map_err(|e| api("UpdateAlias", name, e.into_service_error()))?;
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.kms
            .delete_alias()
            .alias_name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteAlias", &prior.id, e.into_service_error()))
    }
}
