//! `aws_s3_object`: one object in an S3 bucket, its bytes given as text (`content`), as
//! base64 (`content_base64`) or as a local file (`source`), with its headers, metadata and
//! tags.
//!
//! A `source` file is handled as a Lambda function's code is: before planning, the cairn
//! binary copies the file into the artifact directory under the name [`artifact_path`] gives
//! for its SHA-256 and sets `source_hash` to that hash ([`source_sha256`], 64 lowercase hex
//! digits), so a plan shows a change exactly when the file's bytes changed; create and update
//! upload the bytes from there. `source` is a path S3 does not know (`x-not-in-aws`).
//!
//! What a read reports of the bytes: S3 does not return the object in full to a read, so a
//! read (HeadObject and GetObjectTagging) reports the recorded `content`, `content_base64` or
//! `source_hash` while S3's ETag still equals the MD5 of those bytes (for `source_hash`, of
//! the artifact named by it, when the artifact directory still has it). An object that
//! changed since (another upload) reads with none of the three, so the change shows as drift
//! and the next apply uploads again. Where the ETag cannot be an MD5 of the bytes (objects
//! encrypted with KMS: `aws:kms`, `aws:kms:dsse`; multipart uploads, whose ETag has a `-`) or
//! the artifact is gone, the recorded value stands. An import cannot know the bytes and shows
//! none of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ObjectIdentifier, ServerSideEncryption, StorageClass, Tag, Tagging};
use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::common::{api, malformed, read_back, read_found, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_s3_object";

/// An object in an S3 bucket.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [
    {"given": ["content"], "forbid": ["content_base64", "source"]},
    {"given": ["content_base64"], "forbid": ["source"]},
    {"given": ["kms_key_id"], "require": ["server_side_encryption"]}
]))]
pub struct Config {
    /// The name of the bucket (`aws_s3_bucket.<name>.bucket`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 3, max = 63))]
    pub bucket: String,
    /// The object's key (its name in the bucket).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 1024))]
    pub key: String,
    /// The object's bytes, as UTF-8 text. Conflicts with `content_base64` and `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub content: Option<String>,
    /// The object's bytes, base64-encoded (for small binary objects). Conflicts with
    /// `content` and `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    #[schemars(regex(pattern = r"^[A-Za-z0-9+/]*={0,2}$"), extend("x-pattern-says" = "base64 (letters, digits, + and /, ending in at most two ='s)"))]
    pub content_base64: Option<String>,
    /// A file whose bytes the object holds, relative to the stack's directory. Kept by cairn:
    /// S3 does not know paths. Conflicts with `content` and `content_base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub source: Option<String>,
    /// The SHA-256 of the `source` file, in hex. cairn computes it before planning: a change
    /// of the file shows as a change of this attribute and uploads the object again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub source_hash: Option<String>,
    /// The object's ETag as S3 reports it (the MD5 of the bytes of a single-part upload that
    /// is not KMS-encrypted). Set it (e.g. to the file's MD5) to upload again when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Content-Type` S3 serves the object with (S3's default `binary/octet-stream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The `Cache-Control` S3 serves the object with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// The `Content-Disposition` S3 serves the object with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    /// The `Content-Encoding` S3 serves the object with (e.g. `gzip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// The `Content-Language` S3 serves the object with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    /// How S3 encrypts the object at rest: `AES256`, `aws:kms` or `aws:kms:dsse` (the
    /// bucket's default when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["AES256", "aws:kms", "aws:kms:dsse"]))]
    pub server_side_encryption: Option<String>,
    /// The ARN of the KMS key that encrypts the object (with `aws:kms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// User metadata (sent as `x-amz-meta-<key>` headers). Keys in lower case: S3 keeps them
    /// so.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The storage class (`STANDARD` when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"]))]
    pub storage_class: Option<String>,
    /// Delete every version of the key when the object is deleted, bypassing governance-mode
    /// object lock.
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub force_destroy: bool,
    /// At most 10 tags (cairn's ownership tags included).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The object's key.
    pub id: String,
    /// `arn:aws:s3:::<bucket>/<key>`.
    pub arn: String,
    /// The object's ETag, without quotes.
    pub etag: String,
    /// The id of the object's version, in a versioned bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// How `cairn import` names one: as Terraform does.
pub const IMPORT_ID: &str = "`<bucket>/<key>` (or `s3://<bucket>/<key>`)";

/// The `aws_s3_object` resource type.
pub struct AwsS3Object;

/// The hex SHA-256 of a file's bytes: its `source_hash`.
pub fn source_sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where the file whose `source_hash` is `hash` lies in the artifact directory `dir`:
/// `<hash>` (the 64 hex digits, in lower case). `None` for what is not a hex SHA-256.
pub fn artifact_path(dir: &Path, hash: &str) -> Option<PathBuf> {
    let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| dir.join(hash.to_ascii_lowercase()))
}

/// The bucket and key an import id names.
fn parse_import_id(import_id: &str) -> Answer<(&str, &str)> {
    crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
    let rest = import_id.strip_prefix("s3://").unwrap_or(import_id);
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok((bucket, key)),
        _ => Err(malformed(
            TYPE,
            import_id,
            "it is not a bucket and a key separated by `/`",
            IMPORT_ID,
        )),
    }
}

impl Resource for AwsS3Object {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        stateful: true,
        found_by: FoundBy::Key(&["bucket", "key"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "bucket", "bucket/", "/key", "s3://bucket"],
        absent: Some("absent-bucket/absent-key"),
    };

    /// One HeadObject and one GetObjectTagging, in the bucket the recorded inputs name.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        let Some(bucket) = request.prior_inputs.get("bucket").and_then(|v| v.as_str()) else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {}: the recorded inputs do not name its bucket",
                request.id
            )));
        };
        read_one(aws, bucket, &request.id, &request.prior_inputs).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        upload(aws, c).await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &c.key, || read_one(aws, &c.bucket, &c.key, &prior)).await
    }

    /// By its key in its bucket.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        read_found(vec![c.key.clone()], c, |r| async move {
            Self::read(aws, &r).await
        })
        .await
    }

    /// Uploads again when the bytes or anything sent with them changed (PutObject replaces
    /// the object, tags included); else only sets the tags.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let reupload = old.content != new.content
            || old.content_base64 != new.content_base64
            || old.source_hash != new.source_hash
            || (new.etag.is_some() && old.etag != new.etag)
            || old.content_type != new.content_type && new.content_type.is_some()
            || old.cache_control != new.cache_control
            || old.content_disposition != new.content_disposition
            || old.content_encoding != new.content_encoding
            || old.content_language != new.content_language
            || old.server_side_encryption != new.server_side_encryption
                && new.server_side_encryption.is_some()
            || old.kms_key_id != new.kms_key_id && new.kms_key_id.is_some()
            || old.metadata != new.metadata
            || old.storage_class != new.storage_class && new.storage_class.is_some();
        if reupload {
            upload(aws, new).await?;
        } else if old.tags != new.tags {
            set_tags(aws, new).await?;
        }
        let prior_inputs = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, &prior.id, || {
            read_one(aws, &new.bucket, &prior.id, &prior_inputs)
        })
        .await
    }

    /// Deletes every version of the key (in an unversioned bucket, the object), as
    /// Terraform does; `force_destroy` also bypasses governance-mode object lock.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let c: Config = crate::common::parse(TYPE, &prior.inputs)?;
        let key = prior.id.as_str();
        let versions = aws
            .s3
            .list_object_versions()
            .bucket(&c.bucket)
            .prefix(key)
            .send()
            .await
            .map_err(|e| api("ListObjectVersions", key, e.into_service_error()))?;
        let mut ids: Vec<ObjectIdentifier> = Vec::new();
        let listed = versions
            .versions()
            .iter()
            .filter(|v| v.key() == Some(key))
            .map(|v| v.version_id())
            .chain(
                versions
                    .delete_markers()
                    .iter()
                    .filter(|m| m.key() == Some(key))
                    .map(|m| m.version_id()),
            );
        for version in listed {
            let id = ObjectIdentifier::builder()
                .key(key)
                .set_version_id(version.filter(|v| *v != "null").map(str::to_string))
                .build()
                .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {key}: {e}")))?;
            ids.push(id);
        }
        if ids.is_empty() {
            return aws
                .s3
                .delete_object()
                .bucket(&c.bucket)
                .key(key)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api("DeleteObject", key, e.into_service_error()));
        }
        for id in ids {
            aws.s3
                .delete_object()
                .bucket(&c.bucket)
                .key(key)
                .set_version_id(id.version_id().map(str::to_string))
                .set_bypass_governance_retention(c.force_destroy.then_some(true))
                .send()
                .await
                .map_err(|e| api("DeleteObject", key, e.into_service_error()))?;
        }
        Ok(())
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parse_import_id(import_id).map(|_| ())
    }

    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (bucket, key) = parse_import_id(import_id)?;
        read_one(aws, bucket, key, &serde_json::Value::Null).await
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        let bucket = o
            .inputs
            .get("bucket")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        vec![
            format!("{bucket}/{}", o.id),
            format!("s3://{bucket}/{}", o.id),
        ]
    }
}

/// The bytes the configuration gives the object: its content, decoded content, or the
/// artifact of its source (checked against `source_hash`); none for an empty object.
fn body(aws: &Aws, c: &Config) -> Answer<Vec<u8>> {
    if let Some(text) = &c.content {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(b64) = &c.content_base64 {
        return aws_smithy_types::base64::decode(b64).map_err(|e| {
            ProviderError::InvalidConfig(format!(
                "{TYPE} {}: content_base64 is not base64: {e}",
                c.key
            ))
        });
    }
    let Some(hash) = &c.source_hash else {
        if c.source.is_some() {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {}: `source` needs `source_hash` (the cairn binary sets it from the file)",
                c.key
            )));
        }
        return Ok(Vec::new());
    };
    let Some(dir) = &aws.artifacts else {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {}: no artifact directory to take the file {hash} from (the cairn binary copies `source` there)",
            c.key
        )));
    };
    let path = artifact_path(dir, hash).ok_or_else(|| {
        ProviderError::InvalidConfig(format!(
            "{TYPE} {}: source_hash `{hash}` is not a hex SHA-256",
            c.key
        ))
    })?;
    let bytes = std::fs::read(&path).map_err(|e| {
        ProviderError::InvalidConfig(format!(
            "{TYPE} {}: cannot read the copy of its source ({}): {e}",
            c.key,
            path.display()
        ))
    })?;
    if source_sha256(&bytes) != hash.to_ascii_lowercase() {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {}: {} does not hash to source_hash {hash}: it changed since cairn copied it",
            c.key,
            path.display()
        )));
    }
    Ok(bytes)
}

/// One PutObject of the configuration's bytes and headers, then its tags.
async fn upload(aws: &Aws, c: &Config) -> Answer<()> {
    if let Some(k) = c
        .metadata
        .keys()
        .find(|k| k.chars().any(char::is_uppercase))
    {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {}: metadata key `{k}` has upper-case letters: S3 keeps keys in lower case",
            c.key
        )));
    }
    let bytes = body(aws, c)?;
    aws.s3
        .put_object()
        .bucket(&c.bucket)
        .key(&c.key)
        .body(ByteStream::from(bytes))
        .set_content_type(c.content_type.clone())
        .set_cache_control(c.cache_control.clone())
        .set_content_disposition(c.content_disposition.clone())
        .set_content_encoding(c.content_encoding.clone())
        .set_content_language(c.content_language.clone())
        .set_server_side_encryption(
            c.server_side_encryption
                .as_deref()
                .map(ServerSideEncryption::from),
        )
        .set_ssekms_key_id(c.kms_key_id.clone())
        .set_metadata((!c.metadata.is_empty()).then(|| c.metadata.clone().into_iter().collect()))
        .set_storage_class(c.storage_class.as_deref().map(StorageClass::from))
        .send()
        .await
        .map_err(|e| api("PutObject", &c.key, e.into_service_error()))?;
    if !c.tags.is_empty() {
        set_tags(aws, c).await?;
    }
    Ok(())
}

/// Sets the object's tags to the configured ones (PutObjectTagging, or DeleteObjectTagging
/// for none).
async fn set_tags(aws: &Aws, c: &Config) -> Answer<()> {
    if c.tags.is_empty() {
        return aws
            .s3
            .delete_object_tagging()
            .bucket(&c.bucket)
            .key(&c.key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteObjectTagging", &c.key, e.into_service_error()));
    }
    let tags = c
        .tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {}: {e}", c.key)))?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(tags))
        .build()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {}: {e}", c.key)))?;
    aws.s3
        .put_object_tagging()
        .bucket(&c.bucket)
        .key(&c.key)
        .tagging(tagging)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("PutObjectTagging", &c.key, e.into_service_error()))
}

/// The bytes the recorded inputs say the object holds, for comparing with its ETag: `None`
/// when they cannot be told (no such input, or the artifact of `source_hash` is gone).
fn recorded_bytes(aws: &Aws, prior: &Config) -> Option<Vec<u8>> {
    if let Some(text) = &prior.content {
        return Some(text.as_bytes().to_vec());
    }
    if let Some(b64) = &prior.content_base64 {
        return aws_smithy_types::base64::decode(b64).ok();
    }
    let hash = prior.source_hash.as_deref()?;
    std::fs::read(artifact_path(aws.artifacts.as_deref()?, hash)?).ok()
}

/// The object `key` of `bucket`, its bytes reported from `prior` as the module doc says;
/// `None` when it (or its bucket) is gone.
async fn read_one(
    aws: &Aws,
    bucket: &str,
    key: &str,
    prior: &serde_json::Value,
) -> Answer<Option<Observed>> {
    let head = match aws
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| api("HeadObject", key, e.into_service_error()))
    {
        Ok(h) => h,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let tagging = aws
        .s3
        .get_object_tagging()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| api("GetObjectTagging", key, e.into_service_error()))?;
    let tags = visible_tags(tagging.tag_set().iter().map(|t| (t.key(), t.value())));
    let etag = head
        .e_tag()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    let sse = head
        .server_side_encryption()
        .map(|s| s.as_str().to_string());
    let recorded: Option<Config> = (!prior.is_null())
        .then(|| serde_json::from_value(prior.clone()).ok())
        .flatten();
    // Whether the recorded bytes are still the object's (see the module doc).
    let kms = sse.as_deref().is_some_and(|s| s.starts_with("aws:kms"));
    let same = |bytes: Option<Vec<u8>>| match bytes {
        _ if kms || etag.contains('-') => true,
        Some(b) => md5_hex(&b) == etag,
        None => true,
    };
    let (content, content_base64, source, source_hash, force_destroy) = match &recorded {
        Some(p) if same(recorded_bytes(aws, p)) => (
            p.content.clone(),
            p.content_base64.clone(),
            p.source.clone(),
            p.source_hash.clone(),
            p.force_destroy,
        ),
        Some(p) => (None, None, p.source.clone(), None, p.force_destroy),
        None => (None, None, None, None, false),
    };
    let metadata = head
        .metadata()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let config = Config {
        bucket: bucket.to_string(),
        key: key.to_string(),
        content,
        content_base64,
        source,
        source_hash,
        etag: Some(etag.clone()),
        content_type: head.content_type().map(str::to_string),
        cache_control: head.cache_control().map(str::to_string),
        content_disposition: head.content_disposition().map(str::to_string),
        content_encoding: head.content_encoding().map(str::to_string),
        content_language: head.content_language().map(str::to_string),
        server_side_encryption: sse,
        kms_key_id: head.ssekms_key_id().map(str::to_string),
        metadata,
        storage_class: Some(
            head.storage_class()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "STANDARD".into()),
        ),
        force_destroy,
        tags,
    };
    let outputs = Outputs {
        id: key.to_string(),
        arn: format!("arn:aws:s3:::{bucket}/{key}"),
        etag,
        version_id: head
            .version_id()
            .filter(|v| *v != "null")
            .map(str::to_string),
    };
    Ok(Some(AwsS3Object::observed(key, &config, &outputs)))
}

/// The MD5 of `data` in lower-case hex (RFC 1321), as S3's ETag of a single-part upload.
pub fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let (mut a0, mut b0, mut c0, mut d0) = (
        0x6745_2301u32,
        0xefcd_ab89u32,
        0x98ba_dcfeu32,
        0x1032_5476u32,
    );
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    [a0, b0, c0, d0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_is_rfc_1321_s() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            md5_hex(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        assert_eq!(md5_hex(&[b'a'; 200]).len(), 32);
    }

    #[test]
    fn sources_are_named_by_their_hex_sha256() {
        let hash = source_sha256(b"abc");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            artifact_path(Path::new("/a"), &hash),
            Some(PathBuf::from(format!("/a/{hash}")))
        );
        assert_eq!(artifact_path(Path::new("/a"), "../../etc/passwd"), None);
    }

    #[test]
    fn import_ids_name_a_bucket_and_a_key() {
        assert_eq!(parse_import_id("b/k/x.txt").ok(), Some(("b", "k/x.txt")));
        assert_eq!(parse_import_id("s3://b/k").ok(), Some(("b", "k")));
        assert!(parse_import_id("b").is_err());
    }
}
