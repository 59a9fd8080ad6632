//! `aws_iam_server_certificate`: a TLS certificate and its private key uploaded to IAM, for
//! load balancers' HTTPS listeners (where ACM is not used).

use std::collections::BTreeMap;

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{iam_tags, no_such_entity};
use crate::common::{
    api, claim, claimed, code, generated_from, read_back, read_found, tag_changes, tags_can_tell,
    visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_iam_server_certificate";

fn root_path() -> String {
    "/".into()
}

/// How a certificate's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 128,
};

/// A server certificate: a certificate (PEM), its chain and its private key. Only its tags
/// change in place.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The certificate's name; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[\w+=,.@-]+$"), extend("x-pattern-says" = "letters, digits and + = , . @ _ -"))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 102), regex(pattern = r"^[\w+=,.@-]+$"), extend("x-pattern-says" = "letters, digits and + = , . @ _ -"))]
    pub name_prefix: Option<String>,
    /// The IAM path, e.g. `/cloudfront/` for certificates of CloudFront distributions.
    #[serde(default = "root_path")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(regex(pattern = r"^/(.*/)?$"), extend("x-pattern-says" = "a path that begins and ends with `/`"))]
    pub path: String,
    /// The certificate, PEM-encoded (whitespace around it does not count).
    #[schemars(extend("x-force-new" = true, "x-trim" = true))]
    pub certificate_body: String,
    /// The chain of intermediate certificates, PEM-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-trim" = true))]
    pub certificate_chain: Option<String>,
    /// The certificate's private key, PEM-encoded. AWS never returns it: what was last
    /// applied stands (an import cannot know it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    #[schemars(extend(
        "x-force-new" = true,
        "x-sensitive" = true,
        "x-not-in-aws" = true,
        "x-trim" = true
    ))]
    pub private_key: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The certificate's name.
    pub id: String,
    pub arn: String,
    /// When the certificate expires (RFC 3339).
    pub expiration: Option<String>,
    /// When it was uploaded (RFC 3339).
    pub upload_date: Option<String>,
}

/// How `cairn import` names one: its name.
pub const IMPORT_ID: &str = "the server certificate's name";

/// A date as RFC 3339 text.
fn date(d: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

/// A PEM text as configured when AWS's differs from it only in white space around it (AWS
/// keeps it trimmed), else AWS's.
fn as_configured(aws: &str, prior: Option<&str>) -> String {
    match prior {
        Some(p) if p.trim() == aws.trim() => p.to_string(),
        _ => aws.to_string(),
    }
}

/// The certificate named `name` (GetServerCertificate and ListServerCertificateTags).
async fn read_one(aws: &Aws, name: &str, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let got = match aws
        .iam
        .get_server_certificate()
        .server_certificate_name(name)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e) => {
            let e = e.into_service_error();
            if no_such_entity(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetServerCertificate", name, e));
        }
    };
    let Some(cert) = got.server_certificate() else {
        return Ok(None);
    };
    let tags = aws
        .iam
        .list_server_certificate_tags()
        .server_certificate_name(name)
        .send()
        .await
        .map_err(|e| api("ListServerCertificateTags", name, e.into_service_error()))?;
    let meta = cert.server_certificate_metadata();
    let text = |k: &str| prior.get(k).and_then(|v| v.as_str());
    let config = Config {
        name: Some(name.to_string()),
        name_prefix: NAMING.read_prefix(name, prior),
        path: meta.map(|m| m.path().to_string()).unwrap_or_else(root_path),
        certificate_body: as_configured(cert.certificate_body(), text("certificate_body")),
        certificate_chain: cert
            .certificate_chain()
            .map(|c| as_configured(c, text("certificate_chain"))),
        private_key: text("private_key").map(str::to_string),
        tags: visible_tags(tags.tags().iter().map(|t| (t.key(), t.value()))),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: meta.map(|m| m.arn().to_string()).unwrap_or_default(),
        expiration: date(meta.and_then(|m| m.expiration())),
        upload_date: date(meta.and_then(|m| m.upload_date())),
    };
    Ok(Some(AwsIamServerCertificate::observed(
        name, &config, &outputs,
    )))
}

/// `c` as the recorded inputs a read after its create or update compares with.
fn recorded(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}

/// The `aws_iam_server_certificate` resource type.
pub struct AwsIamServerCertificate;

impl Resource for AwsIamServerCertificate {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::IAM::ServerCertificate",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "web cert",
            "arn:aws:iam::123456789012:server-certificate/web",
        ],
        absent: Some("absent"),
    };

    /// IAM has no batch read of server certificates: one GetServerCertificate each.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// A name, not an ARN.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        if import_id.starts_with("arn:") {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is an ARN",
                IMPORT_ID,
            ));
        }
        Ok(())
    }

    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        Self::check_import_id(import_id)?;
        read_one(aws, import_id, &serde_json::Value::Null).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let Some(key) = &c.private_key else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE}: `private_key` is required"
            )));
        };
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        aws.iam
            .upload_server_certificate()
            .server_certificate_name(&name)
            .path(&c.path)
            .certificate_body(&c.certificate_body)
            .set_certificate_chain(c.certificate_chain.clone())
            .private_key(key)
            .set_tags(Some(iam_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("UploadServerCertificate", &name, e.into_service_error()))?;
        let config = recorded(c);
        read_back(TYPE, &name, || read_one(aws, &name, &config)).await
    }

    /// By its unique name; a generated one by its prefix and the ownership tags
    /// (ListServerCertificates under its path, then the tags of the names generated from the
    /// prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => {
                let found = read_one(aws, name, &recorded(c)).await?;
                return Ok(found.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let listed = aws
            .iam
            .list_server_certificates()
            .path_prefix(&c.path)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListServerCertificates", prefix, e.into_service_error()))?;
        let names = listed
            .iter()
            .map(|m| m.server_certificate_name())
            .filter(|n| generated_from(n, prefix, ""));
        let tagged = futures::future::try_join_all(names.map(|name| async move {
            let tags = match aws
                .iam
                .list_server_certificate_tags()
                .server_certificate_name(name)
                .send()
                .await
            {
                Ok(got) => got,
                Err(e) => {
                    let e = e.into_service_error();
                    if no_such_entity(code(&e)) {
                        return Ok((name.to_string(), None));
                    }
                    return Err(api("ListServerCertificateTags", name, e));
                }
            };
            let claim = claim(tags.tags().iter().map(|t| (t.key(), t.value())), ctx);
            Ok::<_, ProviderError>((name.to_string(), claim))
        }))
        .await?;
        let ids = claimed(tagged.iter().map(|(n, c)| (Some(n.as_str()), *c)));
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// Its tags.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        let config = recorded(new);
        let now = aws
            .iam
            .list_server_certificate_tags()
            .server_certificate_name(name)
            .send()
            .await
            .map_err(|e| api("ListServerCertificateTags", name, e.into_service_error()))?;
        let now = visible_tags(now.tags().iter().map(|t| (t.key(), t.value())));
        let (removed, set) = tag_changes(&now, &new.tags);
        if !removed.is_empty() {
            aws.iam
                .untag_server_certificate()
                .server_certificate_name(name)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagServerCertificate", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.iam
                .tag_server_certificate()
                .server_certificate_name(name)
                .set_tags(Some(iam_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagServerCertificate", name, e.into_service_error()))?;
        }
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        // A listener that still uses it (going away with its own delete) makes IAM refuse.
        crate::common::retry(
            crate::common::DELETE_PATIENCE,
            |e: &aws_sdk_iam::operation::delete_server_certificate::DeleteServerCertificateError| {
                code(e) == Some("DeleteConflict")
            },
            || async {
                aws.iam
                    .delete_server_certificate()
                    .server_certificate_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteServerCertificate", name, e))
    }
}
