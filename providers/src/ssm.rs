//! `aws_ssm_parameter`: a Systems Manager Parameter Store parameter.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{
    ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType as SdkParameterType,
    ResourceTypeForTagging, Tag,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, from_wire, parse, read_back, tag_changes, visible_tags, wire};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_ssm_parameter";

/// What the value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ParameterType {
    String,
    /// Comma-separated values.
    StringList,
    /// Encrypted with `key_id` (else the `aws/ssm` key).
    SecureString,
}

/// The storage tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Tier {
    #[default]
    Standard,
    Advanced,
    /// Standard until the value needs Advanced.
    #[serde(rename = "Intelligent-Tiering")]
    IntelligentTiering,
}

/// A Parameter Store parameter.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// e.g. `/app/prod/API_KEY`.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: String,
    /// `String`, `StringList` or `SecureString`.
    #[serde(rename = "type")]
    pub kind: ParameterType,
    /// The value; always treated as sensitive (read decrypted, kept in state as a digest).
    #[schemars(extend("x-sensitive" = true))]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Standard`, `Advanced` or `Intelligent-Tiering`. An Advanced parameter cannot go
    /// back to Standard in place.
    #[serde(default)]
    pub tier: Tier,
    /// SecureString: the KMS key (id, ARN or alias) that encrypts the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The parameter's name.
    pub id: String,
    pub arn: String,
    /// Each change of the value, type, description, key or tier makes a new version.
    pub version: i64,
}

/// How `cairn import` names one: its name.
pub const IMPORT_ID: &str = "the parameter name";

/// GetParameters takes at most 10 names.
const BATCH: usize = 10;

fn ssm_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} tags: {e}")))
        })
        .collect()
}

async fn tags_of(aws: &Aws, name: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    let r = aws
        .ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(|e| api("ListTagsForResource", name, e.into_service_error()))?;
    Ok(visible_tags(
        r.tag_list().iter().map(|t| (t.key(), t.value())),
    ))
}

/// The metadata of the parameters named `names` (DescribeParameters, paged).
async fn metadata(
    aws: &Aws,
    names: &[String],
) -> Result<BTreeMap<String, ParameterMetadata>, ProviderError> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .set_values(Some(names.to_vec()))
        .build()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE}: {e}")))?;
    let all = aws
        .ssm
        .describe_parameters()
        .parameter_filters(filter)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeParameters",
                &names.join(","),
                e.into_service_error(),
            )
        })?;
    Ok(all
        .iter()
        .flat_map(|page| page.parameters())
        .filter_map(|m| Some((m.name()?.to_string(), m.clone())))
        .collect())
}

/// Ten names at a time: GetParameters (decrypted) and DescribeParameters for the values and
/// settings; ListTagsForResource per parameter, in parallel (SSM has no batch for tags).
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    for batch in requests.chunks(BATCH) {
        let names: Vec<String> = batch.iter().map(|r| r.id.clone()).collect();
        let (got, meta) = futures::try_join!(
            async {
                aws.ssm
                    .get_parameters()
                    .set_names(Some(names.clone()))
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| api("GetParameters", &names.join(","), e.into_service_error()))
            },
            metadata(aws, &names)
        )?;
        let found: Vec<_> = got
            .parameters()
            .iter()
            .filter_map(|p| Some((p.name()?.to_string(), p)))
            .collect();
        let tags =
            futures::future::try_join_all(found.iter().map(|(name, _)| tags_of(aws, name))).await?;
        for ((name, p), tags) in found.into_iter().zip(tags) {
            let m = meta.get(&name);
            let prior = batch
                .iter()
                .find(|r| r.id == name)
                .map(|r| &r.prior_inputs)
                .unwrap_or(&serde_json::Value::Null);
            let tier = m
                .and_then(|m| m.tier())
                .map(ParameterTier::as_str)
                .and_then(from_wire::<Tier>)
                .unwrap_or_default();
            // Intelligent-Tiering reads as the tier it chose.
            let tier = match prior.get("tier").and_then(|t| t.as_str()) {
                Some("Intelligent-Tiering") => Tier::IntelligentTiering,
                _ => tier,
            };
            let config = Config {
                name: name.clone(),
                kind: p
                    .r#type()
                    .and_then(|t| from_wire(t.as_str()))
                    .unwrap_or(ParameterType::String),
                value: p.value().unwrap_or_default().to_string(),
                description: m
                    .and_then(|m| m.description())
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
                tier,
                key_id: m.and_then(|m| m.key_id()).map(str::to_string),
                tags,
            };
            let outputs = Outputs {
                id: name.clone(),
                arn: p.arn().unwrap_or_default().to_string(),
                version: p.version(),
            };
            out.insert(
                name.clone(),
                Some(AwsSsmParameter::observed(&name, &config, &outputs)),
            );
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

/// PutParameter of `c` (a new parameter with its tags, or `overwrite` of an existing one,
/// which takes no tags).
async fn put(aws: &Aws, c: &Config, overwrite: bool) -> Result<(), ProviderError> {
    let secure = c.kind == ParameterType::SecureString;
    let mut put = aws
        .ssm
        .put_parameter()
        .name(&c.name)
        .value(&c.value)
        .r#type(SdkParameterType::from(wire(&c.kind).as_str()))
        .tier(ParameterTier::from(wire(&c.tier).as_str()))
        .set_key_id(c.key_id.clone().filter(|_| secure))
        .overwrite(overwrite);
    match (&c.description, overwrite) {
        (Some(d), _) => put = put.description(d),
        (None, true) => put = put.description(""),
        (None, false) => {}
    }
    if !overwrite && !c.tags.is_empty() {
        put = put.set_tags(Some(ssm_tags(&c.tags)?));
    }
    put.send()
        .await
        .map(|_| ())
        .map_err(|e| api("PutParameter", &c.name, e.into_service_error()))
}

/// The `aws_ssm_parameter` resource type.
pub struct AwsSsmParameter;

impl Resource for AwsSsmParameter {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::SSM::Parameter",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words"],
        absent: Some("/absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        put(aws, c, false).await?;
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &c.name, || read_one(aws, &c.name, &config)).await
    }

    /// The value and settings with PutParameter (overwrite) when any differs from what exists
    /// now (state keeps only a digest of the value, so it is compared with the parameter
    /// itself); tags with AddTagsToResource and RemoveTagsFromResource.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        let now: Option<Config> = match read_one(aws, name, &config).await? {
            Some(o) => Some(parse(TYPE, &o.inputs)?),
            None => None,
        };
        let differs = now.as_ref().is_none_or(|n| {
            n.value != new.value
                || n.kind != new.kind
                || n.description != new.description
                || n.tier != new.tier
                || (new.kind == ParameterType::SecureString
                    && new.key_id.is_some()
                    && n.key_id != new.key_id)
        });
        if differs {
            put(aws, new, true).await?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.ssm
                .remove_tags_from_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("RemoveTagsFromResource", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.ssm
                .add_tags_to_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(name)
                .set_tags(Some(ssm_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("AddTagsToResource", name, e.into_service_error()))?;
        }
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.ssm
            .delete_parameter()
            .name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteParameter", &prior.id, e.into_service_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_always_sensitive() {
        let s = AwsSsmParameter::schema();
        assert!(s.inputs["value"].sensitive);
        assert!(s.inputs["name"].force_new);
        assert!(!s.inputs["type"].force_new);
        assert_eq!(wire(&Tier::IntelligentTiering), "Intelligent-Tiering");
        assert_eq!(
            from_wire::<ParameterType>("SecureString"),
            Some(ParameterType::SecureString)
        );
    }
}
