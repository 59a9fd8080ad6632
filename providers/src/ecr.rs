//! `aws_ecr_repository`: a container image repository (for ECS tasks and Lambda images).

use std::collections::BTreeMap;

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository, Tag,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, code, is_not_found, read_back, tag_changes, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_ecr_repository";

fn mutable() -> String {
    "MUTABLE".into()
}

fn aes256() -> String {
    "AES256".into()
}

/// An ECR repository.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: String,
    /// `MUTABLE` or `IMMUTABLE` (a tag, once pushed, cannot be moved).
    #[serde(default = "mutable")]
    pub image_tag_mutability: String,
    /// Scan images for vulnerabilities when they are pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_scanning_configuration: Option<ImageScanning>,
    /// How images are encrypted at rest (AES256 when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub encryption_configuration: Option<Encryption>,
    /// Delete the repository with the images in it; else a repository with images cannot be
    /// deleted. Kept by cairn: ECR does not know it.
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub force_delete: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `image_scanning_configuration = { scan_on_push = true }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageScanning {
    #[serde(default)]
    pub scan_on_push: bool,
}

/// `encryption_configuration = { encryption_type = "KMS", kms_key = "..." }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// `AES256` or `KMS`.
    #[serde(default = "aes256")]
    pub encryption_type: String,
    /// The KMS key (`KMS`); AWS's managed key for ECR when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The repository name.
    pub id: String,
    pub arn: String,
    /// Where to push and pull: `<registry>.dkr.ecr.<region>.amazonaws.com/<name>`.
    pub repository_url: String,
    /// The account the registry belongs to.
    pub registry_id: String,
}

/// How `cairn import` names one: the repository name.
pub const IMPORT_ID: &str = "the repository name";

/// ECR refuses a whole DescribeRepositories when one name is missing.
fn missing(c: Option<&str>) -> bool {
    c == Some("RepositoryNotFoundException") || is_not_found(c)
}

/// The repositories named `names` that exist.
async fn describe(aws: &Aws, names: &[String]) -> Result<Vec<Repository>, ProviderError> {
    match aws
        .ecr
        .describe_repositories()
        .set_repository_names(Some(names.to_vec()))
        .send()
        .await
    {
        Ok(r) => Ok(r.repositories().to_vec()),
        Err(e) => {
            let e = e.into_service_error();
            if missing(code(&e)) {
                Ok(Vec::new())
            } else {
                Err(api("DescribeRepositories", &names.join(", "), e))
            }
        }
    }
}

/// DescribeRepositories for up to 100 names at a time; when one of them is missing (ECR then
/// answers for none), one call per name of that batch, in parallel. Tags per repository, in
/// parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let names: Vec<String> = out.keys().cloned().collect();
    let mut found: Vec<Repository> = Vec::new();
    for batch in names.chunks(100) {
        let repos = describe(aws, batch).await?;
        if repos.len() == batch.len() {
            found.extend(repos);
            continue;
        }
        let each = batch.iter().map(|n| describe(aws, std::slice::from_ref(n)));
        for repos in futures::future::try_join_all(each).await? {
            found.extend(repos);
        }
    }
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    let views = found.iter().map(|repo| async {
        let name = repo.repository_name().unwrap_or_default();
        let force_delete = prior
            .get(name)
            .and_then(|p| p.get("force_delete"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        view(aws, repo, force_delete).await
    });
    for o in futures::future::try_join_all(views).await? {
        if out.contains_key(&o.id) {
            out.insert(o.id.clone(), Some(o));
        }
    }
    Ok(out)
}

async fn view(aws: &Aws, repo: &Repository, force_delete: bool) -> Result<Observed, ProviderError> {
    let name = repo.repository_name().unwrap_or_default();
    let arn = repo.repository_arn().unwrap_or_default();
    let tags = aws
        .ecr
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| api("ListTagsForResource", name, e.into_service_error()))?;
    let config = Config {
        name: name.to_string(),
        image_tag_mutability: repo
            .image_tag_mutability()
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(mutable),
        image_scanning_configuration: repo.image_scanning_configuration().map(|s| ImageScanning {
            scan_on_push: s.scan_on_push(),
        }),
        encryption_configuration: repo.encryption_configuration().map(|e| Encryption {
            encryption_type: e.encryption_type().as_str().to_string(),
            kms_key: e.kms_key().map(str::to_string),
        }),
        force_delete,
        tags: visible_tags(tags.tags().iter().map(|t| (t.key(), t.value()))),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: arn.to_string(),
        repository_url: repo.repository_uri().unwrap_or_default().to_string(),
        registry_id: repo.registry_id().unwrap_or_default().to_string(),
    };
    Ok(AwsEcrRepository::observed(name, &config, &outputs))
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let request = crate::common::request(name, prior.clone());
    Ok(crate::common::only(name, read(aws, &request).await?))
}

fn ecr_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE}: {e}")))
}

/// The `aws_ecr_repository` resource type.
pub struct AwsEcrRepository;

impl Resource for AwsEcrRepository {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::ECR::Repository",
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[""],
        absent: Some("absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its name. `force_delete` reads as not set (ECR does not know it).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        read_one(aws, import_id, &serde_json::Value::Null).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let encryption = match &c.encryption_configuration {
            Some(e) => Some(
                EncryptionConfiguration::builder()
                    .encryption_type(EncryptionType::from(e.encryption_type.as_str()))
                    .set_kms_key(e.kms_key.clone())
                    .build()
                    .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {}: {e}", c.name)))?,
            ),
            None => None,
        };
        aws.ecr
            .create_repository()
            .repository_name(&c.name)
            .image_tag_mutability(ImageTagMutability::from(c.image_tag_mutability.as_str()))
            .set_image_scanning_configuration(c.image_scanning_configuration.as_ref().map(|s| {
                ImageScanningConfiguration::builder()
                    .scan_on_push(s.scan_on_push)
                    .build()
            }))
            .set_encryption_configuration(encryption)
            .set_tags(Some(ecr_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateRepository", &c.name, e.into_service_error()))?;
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &c.name, || read_one(aws, &c.name, &config)).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        if old.image_tag_mutability != new.image_tag_mutability {
            aws.ecr
                .put_image_tag_mutability()
                .repository_name(name)
                .image_tag_mutability(ImageTagMutability::from(new.image_tag_mutability.as_str()))
                .send()
                .await
                .map_err(|e| api("PutImageTagMutability", name, e.into_service_error()))?;
        }
        let scan = |c: &Config| {
            c.image_scanning_configuration
                .as_ref()
                .map(|s| s.scan_on_push)
        };
        if scan(old) != scan(new) {
            aws.ecr
                .put_image_scanning_configuration()
                .repository_name(name)
                .image_scanning_configuration(
                    ImageScanningConfiguration::builder()
                        .scan_on_push(scan(new).unwrap_or(false))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    api(
                        "PutImageScanningConfiguration",
                        name,
                        e.into_service_error(),
                    )
                })?;
        }
        let arn = prior
            .outputs
            .get("arn")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.ecr
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.ecr
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(ecr_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagResource", name, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    /// With its images when `force_delete` says so.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let force = prior
            .inputs
            .get("force_delete")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        aws.ecr
            .delete_repository()
            .repository_name(&prior.id)
            .force(force)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteRepository", &prior.id, e.into_service_error()))
    }
}
