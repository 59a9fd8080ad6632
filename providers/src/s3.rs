//! `aws_s3_bucket`: a bucket with its settings (versioning, encryption, public access block,
//! policy, tags) kept on the one resource.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete,
    ObjectIdentifier, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Tag, Tagging, VersioningConfiguration,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{
    api, claim, claimed, code, generated_from, read_back, read_found, retry, tags_can_tell,
    visible_tags, Named, Naming, DEFAULT_NAME_PREFIX, DELETE_PATIENCE,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_s3_bucket";

/// How a bucket's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "bucket",
    prefix: "bucket_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 63,
};

/// An S3 bucket and its settings.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["bucket"], "forbid": ["bucket_prefix"]}]))]
pub struct Config {
    /// The globally unique bucket name; generated when left out (see `bucket_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 3, max = 63), regex(pattern = r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$"), extend("x-pattern-says" = "lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"))]
    pub bucket: Option<String>,
    /// A unique bucket name is generated beginning with this prefix (followed by a UTC
    /// timestamp and a counter, as Terraform's `bucket_prefix`); conflicts with `bucket`.
    /// With neither, the name is generated from the prefix `cairn-` (Terraform's is
    /// `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 37), regex(pattern = r"^[a-z0-9][a-z0-9.-]*$"), extend("x-pattern-says" = "lowercase letters, digits, dots and hyphens, starting with a letter or digit"))]
    pub bucket_prefix: Option<String>,
    /// Delete every object (and version) when the bucket is deleted; else a non-empty
    /// bucket cannot be deleted.
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub force_destroy: bool,
    /// Keep every version of every object.
    #[serde(default)]
    pub versioning: bool,
    /// Default encryption of new objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_encryption: Option<Encryption>,
    /// Blocks public access regardless of policies and ACLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
    /// The bucket policy: a TOML table or a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub policy: Option<serde_json::Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `server_side_encryption = { sse_algorithm = "aws:kms", kms_master_key_id = "..." }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
}

/// The four public access block switches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    #[serde(default)]
    pub block_public_policy: bool,
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The bucket name.
    pub id: String,
    pub arn: String,
    pub bucket_domain_name: String,
    pub bucket_regional_domain_name: String,
}

fn missing(c: Option<&str>, also: &[&str]) -> bool {
    c.is_some_and(|c| c == "NotFound" || c == "NoSuchBucket" || also.contains(&c))
}

async fn read_bucket(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    // Not in AWS: what was last applied stands.
    let force_destroy = prior
        .get("force_destroy")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let s3 = &aws.s3;
    if let Err(e) = s3.head_bucket().bucket(name).send().await {
        let e = e.into_service_error();
        if e.is_not_found() || missing(code(&e), &[]) {
            return Ok(None);
        }
        return Err(api("HeadBucket", name, e));
    }
    let versioning = match s3.get_bucket_versioning().bucket(name).send().await {
        Ok(r) => r.status() == Some(&BucketVersioningStatus::Enabled),
        Err(e) => {
            // Some emulators (moto 5.2) name the response's root element differently, which
            // the SDK rejects although the answer inside is sound: read the status from it.
            let body = e
                .raw_response()
                .filter(|r| r.status().is_success())
                .and_then(|r| r.body().bytes())
                .map(|b| String::from_utf8_lossy(b).into_owned());
            match body {
                Some(b) => b.contains("<Status>Enabled</Status>"),
                None => return Err(api("GetBucketVersioning", name, e.into_service_error())),
            }
        }
    };
    let server_side_encryption = match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(r) => r
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| Encryption {
                sse_algorithm: d.sse_algorithm().as_str().to_string(),
                kms_master_key_id: d.kms_master_key_id().map(str::to_string),
            }),
        Err(e) => {
            let e = e.into_service_error();
            if missing(
                code(&e),
                &["ServerSideEncryptionConfigurationNotFoundError"],
            ) {
                None
            } else {
                return Err(api("GetBucketEncryption", name, e));
            }
        }
    };
    let public_access_block = match s3.get_public_access_block().bucket(name).send().await {
        Ok(r) => r
            .public_access_block_configuration()
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            }),
        Err(e) => {
            let e = e.into_service_error();
            if missing(code(&e), &["NoSuchPublicAccessBlockConfiguration"]) {
                None
            } else {
                return Err(api("GetPublicAccessBlock", name, e));
            }
        }
    };
    let policy = match s3.get_bucket_policy().bucket(name).send().await {
        Ok(r) => match r.policy() {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| {
                ProviderError::Api(format!("GetBucketPolicy {name}: policy is not JSON: {e}"))
            })?),
            None => None,
        },
        Err(e) => {
            let e = e.into_service_error();
            if missing(code(&e), &["NoSuchBucketPolicy"]) {
                None
            } else {
                return Err(api("GetBucketPolicy", name, e));
            }
        }
    };
    let tags = match s3.get_bucket_tagging().bucket(name).send().await {
        Ok(r) => visible_tags(r.tag_set().iter().map(|t| (t.key(), t.value()))),
        Err(e) => {
            let e = e.into_service_error();
            if missing(code(&e), &["NoSuchTagSet", "NoSuchTagSetError"]) {
                BTreeMap::new()
            } else {
                return Err(api("GetBucketTagging", name, e));
            }
        }
    };
    let config = Config {
        bucket: Some(name.to_string()),
        bucket_prefix: NAMING.read_prefix(name, prior),
        force_destroy,
        versioning,
        server_side_encryption,
        public_access_block,
        policy,
        tags,
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: format!("arn:aws:s3:::{name}"),
        bucket_domain_name: format!("{name}.s3.amazonaws.com"),
        bucket_regional_domain_name: format!("{name}.s3.{}.amazonaws.com", aws.region),
    };
    Ok(Some(AwsS3Bucket::observed(name, &config, &outputs)))
}

/// Applies every setting of `new` that differs from `old` (`None`: a new bucket) to the
/// bucket `name`.
async fn apply_settings(
    aws: &Aws,
    name: &str,
    old: Option<&Config>,
    new: &Config,
) -> Result<(), ProviderError> {
    let s3 = &aws.s3;
    let changed = |f: fn(&Config) -> String| old.is_none_or(|o| f(o) != f(new));
    if changed(|c| c.versioning.to_string()) && (old.is_some() || new.versioning) {
        let status = if new.versioning {
            BucketVersioningStatus::Enabled
        } else {
            BucketVersioningStatus::Suspended
        };
        s3.put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(VersioningConfiguration::builder().status(status).build())
            .send()
            .await
            .map_err(|e| api("PutBucketVersioning", name, e.into_service_error()))?;
    }
    if changed(|c| format!("{:?}", c.server_side_encryption)) {
        match &new.server_side_encryption {
            Some(enc) => {
                let default = ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(enc.sse_algorithm.as_str()))
                    .set_kms_master_key_id(enc.kms_master_key_id.clone())
                    .build()
                    .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
                let conf = ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(default)
                            .build(),
                    )
                    .build()
                    .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
                s3.put_bucket_encryption()
                    .bucket(name)
                    .server_side_encryption_configuration(conf)
                    .send()
                    .await
                    .map_err(|e| api("PutBucketEncryption", name, e.into_service_error()))?;
            }
            None if old.is_some() => {
                s3.delete_bucket_encryption()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| api("DeleteBucketEncryption", name, e.into_service_error()))?;
            }
            None => {}
        }
    }
    if changed(|c| format!("{:?}", c.public_access_block)) {
        match &new.public_access_block {
            Some(p) => {
                s3.put_public_access_block()
                    .bucket(name)
                    .public_access_block_configuration(
                        PublicAccessBlockConfiguration::builder()
                            .block_public_acls(p.block_public_acls)
                            .ignore_public_acls(p.ignore_public_acls)
                            .block_public_policy(p.block_public_policy)
                            .restrict_public_buckets(p.restrict_public_buckets)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| api("PutPublicAccessBlock", name, e.into_service_error()))?;
            }
            None if old.is_some() => {
                s3.delete_public_access_block()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| api("DeletePublicAccessBlock", name, e.into_service_error()))?;
            }
            None => {}
        }
    }
    if changed(|c| format!("{:?}", c.policy)) {
        match &new.policy {
            Some(doc) => {
                let text = match doc {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                s3.put_bucket_policy()
                    .bucket(name)
                    .policy(text)
                    .send()
                    .await
                    .map_err(|e| api("PutBucketPolicy", name, e.into_service_error()))?;
            }
            None if old.is_some() => {
                s3.delete_bucket_policy()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| api("DeleteBucketPolicy", name, e.into_service_error()))?;
            }
            None => {}
        }
    }
    if changed(|c| format!("{:?}", c.tags)) {
        if new.tags.is_empty() {
            if old.is_some() {
                s3.delete_bucket_tagging()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| api("DeleteBucketTagging", name, e.into_service_error()))?;
            }
        } else {
            let tags = new
                .tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
            let tagging = Tagging::builder()
                .set_tag_set(Some(tags))
                .build()
                .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
            s3.put_bucket_tagging()
                .bucket(name)
                .tagging(tagging)
                .send()
                .await
                .map_err(|e| api("PutBucketTagging", name, e.into_service_error()))?;
        }
    }
    Ok(())
}
/// Deletes every object version and delete marker (force_destroy).
async fn empty(aws: &Aws, name: &str) -> Result<(), ProviderError> {
    loop {
        let page = aws
            .s3
            .list_object_versions()
            .bucket(name)
            .send()
            .await
            .map_err(|e| api("ListObjectVersions", name, e.into_service_error()))?;
        let mut ids = Vec::new();
        for v in page.versions() {
            if let Some(k) = v.key() {
                ids.push((k.to_string(), v.version_id().map(str::to_string)));
            }
        }
        for m in page.delete_markers() {
            if let Some(k) = m.key() {
                ids.push((k.to_string(), m.version_id().map(str::to_string)));
            }
        }
        if ids.is_empty() {
            // Unversioned buckets list their objects here too; check plain listing.
            let objects = aws
                .s3
                .list_objects_v2()
                .bucket(name)
                .send()
                .await
                .map_err(|e| api("ListObjectsV2", name, e.into_service_error()))?;
            for o in objects.contents() {
                if let Some(k) = o.key() {
                    ids.push((k.to_string(), None));
                }
            }
            if ids.is_empty() {
                return Ok(());
            }
        }
        for chunk in ids.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|(k, v)| {
                    ObjectIdentifier::builder()
                        .key(k)
                        .set_version_id(v.clone())
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ProviderError::Api(e.to_string()))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| ProviderError::Api(e.to_string()))?;
            aws.s3
                .delete_objects()
                .bucket(name)
                .delete(delete)
                .send()
                .await
                .map_err(|e| api("DeleteObjects", name, e.into_service_error()))?;
        }
    }
}

/// How `cairn import` names one: the bucket name.
pub const IMPORT_ID: &str = "the bucket name";

/// The `aws_s3_bucket` resource type.
pub struct AwsS3Bucket;

impl Resource for AwsS3Bucket {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["bucket"]),
        cloudformation: "AWS::S3::Bucket",
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words"],
        absent: None,
    };

    /// S3 has no batch read: one bucket's calls run in sequence, buckets in parallel.
    async fn read_one(aws: &Aws, r: &ReadRequest) -> Answer<Option<Observed>> {
        read_bucket(aws, &r.id, &r.prior_inputs).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.bucket.as_deref(), c.bucket_prefix.as_deref())?;
        let mut req = aws.s3.create_bucket().bucket(&name);
        if aws.region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| api("CreateBucket", &name, e.into_service_error()))?;
        apply_settings(aws, &name, None, c).await?;
        let config = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &name, || read_bucket(aws, &name, &config)).await
    }

    /// By its globally unique name (the create tags the bucket only after making it). A
    /// bucket of that name in another region cannot be what this create made (AWS answers
    /// with a redirect); one this account may not look at is an error, since it may be its
    /// own. A generated name by its prefix and the ownership tags: a bucket the create made
    /// but had not tagged yet is not found.
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let config = serde_json::to_value(c).unwrap_or_default();
        let prefix = match NAMING.named(c.bucket.as_deref(), c.bucket_prefix.as_deref())? {
            Named::Given(name) => {
                if let Err(e) = aws.s3.head_bucket().bucket(name).send().await {
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    let e = e.into_service_error();
                    if e.is_not_found() || missing(code(&e), &[]) || status == Some(301) {
                        return Ok(Vec::new());
                    }
                    return Err(api("HeadBucket", name, e));
                }
                return Ok(read_bucket(aws, name, &config).await?.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let listed = aws
            .s3
            .list_buckets()
            .send()
            .await
            .map_err(|e| api("ListBuckets", prefix, e.into_service_error()))?;
        let names = listed
            .buckets()
            .iter()
            .filter_map(|b| b.name())
            .filter(|n| generated_from(n, prefix, ""));
        let tagged = futures::future::try_join_all(names.map(|name| async move {
            let claim = match aws.s3.get_bucket_tagging().bucket(name).send().await {
                Ok(r) => claim(r.tag_set().iter().map(|t| (t.key(), t.value())), ctx),
                Err(e) => {
                    // A bucket in another region (a redirect) is not what this create made.
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    let e = e.into_service_error();
                    let untagged = missing(code(&e), &["NoSuchTagSet", "NoSuchTagSetError"]);
                    if untagged || status == Some(301) || code(&e) == Some("PermanentRedirect") {
                        None
                    } else {
                        return Err(api("GetBucketTagging", name, e));
                    }
                }
            };
            Ok::<_, ProviderError>((name.to_string(), claim))
        }))
        .await?;
        let ids = claimed(tagged.iter().map(|(n, c)| (Some(n.as_str()), *c)));
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        apply_settings(aws, name, Some(old), new).await?;
        let config = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, name, || read_bucket(aws, name, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        let force = prior
            .inputs
            .get("force_destroy")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if force {
            empty(aws, name).await?;
        }
        let result = retry(
            DELETE_PATIENCE,
            // Objects still being written by the emptying above.
            |e: &aws_sdk_s3::operation::delete_bucket::DeleteBucketError| {
                force && code(e) == Some("BucketNotEmpty")
            },
            || async {
                aws.s3
                    .delete_bucket()
                    .bucket(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await;
        match result {
            Ok(()) => Ok(()),
            Err(e) if code(&e) == Some("BucketNotEmpty") => Err(ProviderError::Api(format!(
                "DeleteBucket {name}: the bucket is not empty; set force_destroy = true (and apply) to delete its objects with it"
            ))),
            Err(e) => Err(api("DeleteBucket", name, e)),
        }
    }
}
