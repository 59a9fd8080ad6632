//! `aws_ecs_cluster`: a named group of ECS services and tasks.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ecs_tags, tags_of};
use crate::common::{api, only, read_back, read_found, request, tag_changes};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_ecs_cluster";

/// An ECS cluster.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: String,
    /// Cluster settings, e.g. `[{ name = "containerInsights", value = "enabled" }]`.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub setting: Vec<Setting>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The cluster's ARN.
    pub id: String,
    pub arn: String,
}

/// One DescribeClusters for up to 100 clusters.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    for chunk in requests.chunks(100) {
        let ids: Vec<String> = chunk.iter().map(|r| r.id.clone()).collect();
        let got = aws
            .ecs
            .describe_clusters()
            .set_clusters(Some(ids.clone()))
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| api("DescribeClusters", &ids.join(","), e.into_service_error()))?;
        for c in got.clusters() {
            let Some(arn) = c.cluster_arn() else { continue };
            if c.status() == Some("INACTIVE") || !out.contains_key(arn) {
                continue;
            }
            let config = Config {
                name: c.cluster_name().unwrap_or_default().to_string(),
                setting: c
                    .settings()
                    .iter()
                    .filter_map(|s| {
                        Some(Setting {
                            name: s.name()?.as_str().to_string(),
                            value: s.value()?.to_string(),
                        })
                    })
                    .filter(|s| !(s.name == "containerInsights" && s.value == "disabled"))
                    .collect(),
                tags: tags_of(c.tags()),
            };
            let outputs = Outputs {
                id: arn.to_string(),
                arn: arn.to_string(),
            };
            out.insert(
                arn.to_string(),
                Some(AwsEcsCluster::observed(arn, &config, &outputs)),
            );
        }
    }
    Ok(out)
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        id,
        read(aws, &request(id, serde_json::Value::Null)).await?,
    ))
}

fn settings(c: &Config) -> Vec<ClusterSetting> {
    c.setting
        .iter()
        .map(|s| {
            ClusterSetting::builder()
                .name(ClusterSettingName::from(s.name.as_str()))
                .value(&s.value)
                .build()
        })
        .collect()
}
/// How `cairn import` names one: its name or its ARN.
pub const IMPORT_ID: &str = "the cluster name (or its ARN)";

/// The `aws_ecs_cluster` resource type.
pub struct AwsEcsCluster;

impl Resource for AwsEcsCluster {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::ECS::Cluster",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["arn:aws:ecs:us-east-1:123456789012:service/apps/web"],
        absent: Some("absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its ARN, or by its name (one DescribeClusters of the name for the ARN).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        if import_id.starts_with("arn:") {
            crate::common::expect_arn(TYPE, import_id, ":cluster/", IMPORT_ID)?;
            return read_one(aws, import_id).await;
        }
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let got = aws
            .ecs
            .describe_clusters()
            .clusters(import_id)
            .send()
            .await
            .map_err(|e| api("DescribeClusters", import_id, e.into_service_error()))?;
        let arn = got
            .clusters()
            .iter()
            .filter(|k| k.cluster_name() == Some(import_id) && k.status() != Some("INACTIVE"))
            .find_map(|k| k.cluster_arn());
        match arn {
            Some(arn) => read_one(aws, arn).await,
            None => Ok(None),
        }
    }

    /// Its name, then its ARN (its id).
    fn import_ids(o: &Observed) -> Vec<String> {
        let name = o.inputs["name"].as_str().unwrap_or_default().to_string();
        vec![name, o.id.clone()]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let r = aws
            .ecs
            .create_cluster()
            .cluster_name(&c.name)
            .set_settings(Some(settings(c)).filter(|s| !s.is_empty()))
            .set_tags(Some(ecs_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateCluster", &c.name, e.into_service_error()))?;
        let arn = r
            .cluster()
            .and_then(|c| c.cluster_arn())
            .ok_or_else(|| ProviderError::Api("CreateCluster returned no ARN".into()))?
            .to_string();
        read_back(TYPE, &arn, || read_one(aws, &arn)).await
    }

    /// By its unique name: one DescribeClusters of the name. An inactive (deleted) cluster does
    /// not count.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let got = aws
            .ecs
            .describe_clusters()
            .clusters(&c.name)
            .send()
            .await
            .map_err(|e| api("DescribeClusters", &c.name, e.into_service_error()))?;
        let ids = got
            .clusters()
            .iter()
            .filter(|k| k.cluster_name() == Some(c.name.as_str()) && k.status() != Some("INACTIVE"))
            .filter_map(|k| k.cluster_arn().map(str::to_string))
            .collect();
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
        if old.setting != new.setting && !new.setting.is_empty() {
            aws.ecs
                .update_cluster_settings()
                .cluster(arn)
                .set_settings(Some(settings(new)))
                .send()
                .await
                .map_err(|e| api("UpdateClusterSettings", arn, e.into_service_error()))?;
        }
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
        read_back(TYPE, arn, || read_one(aws, arn)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let arn = &prior.id;
        crate::common::retry(
            crate::common::DELETE_PATIENCE,
            // Services still draining.
            |e: &aws_sdk_ecs::operation::delete_cluster::DeleteClusterError| {
                matches!(
                    crate::common::code(e),
                    Some("ClusterContainsServicesException" | "ClusterContainsTasksException")
                )
            },
            || async {
                aws.ecs
                    .delete_cluster()
                    .cluster(arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteCluster", arn, e))
    }
}
