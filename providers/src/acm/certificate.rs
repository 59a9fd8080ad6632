//! `aws_acm_certificate`: a TLS certificate Amazon issues for a domain and its alternative
//! names, once it is validated (DNS records whose names and values `domain_validation_options`
//! gives, or e-mail), or that a private CA issues.

// The SDK marks the certificate transparency logging preference deprecated (AWS no longer
// takes an opt-out for new certificates); Terraform still has the option, and so does cairn.
#![allow(deprecated)]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_acm::types::{
    CertificateDetail, CertificateOptions, CertificateTransparencyLoggingPreference, Filters,
    KeyAlgorithm, Tag, ValidationMethod,
};
use aws_smithy_types::date_time::Format;
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{describe, record_name};
use crate::common::{
    api, claim, claimed, read_back, read_found, tag_changes, tags_can_tell, visible_tags,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_acm_certificate";

/// How long a create waits for ACM to assign the DNS validation records (Terraform's 5 min).
const ASSIGNMENT_PATIENCE: Duration = Duration::from_secs(5 * 60);

fn rsa_2048() -> String {
    "RSA_2048".into()
}

/// A certificate ACM issues.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [
    {"given": ["certificate_authority_arn"], "forbid": ["validation_method"]},
    {"given": ["private_key"], "require": ["certificate_body"], "forbid": ["domain_name", "subject_alternative_names", "validation_method", "certificate_authority_arn"]},
    {"given": ["certificate_body"], "require": ["private_key"]},
    {"given": ["certificate_chain"], "require": ["private_key"]}
]))]
pub struct Config {
    /// The domain the certificate is for, e.g. `example.com` or `*.example.com`. Not with
    /// `private_key` (an imported certificate's domain is read from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253), regex(pattern = r"^[^\s]*[^.\s]$"), extend("x-pattern-says" = "a domain name, not ending with a period", "x-force-new" = true, "x-identifying" = true))]
    pub domain_name: Option<String>,
    /// Other domains the certificate is for (the domain name itself need not be listed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-set" = true, "x-force-new" = true, "x-identifying" = true))]
    pub subject_alternative_names: Vec<String>,
    /// How the domains are validated: `DNS` (records to create, `domain_validation_options`)
    /// or `EMAIL`. Not with `certificate_authority_arn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["DNS", "EMAIL"], "x-force-new" = true))]
    pub validation_method: Option<String>,
    /// The key's algorithm.
    #[serde(default = "rsa_2048")]
    #[schemars(extend("enum" = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"], "x-force-new" = true))]
    pub key_algorithm: String,
    /// A private CA (AWS Private CA) that issues the certificate, at once, without validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^arn:\S+$"), extend("x-pattern-says" = "an ARN", "x-force-new" = true))]
    pub certificate_authority_arn: Option<String>,
    /// An imported certificate's private key (PEM). Kept by cairn: ACM never returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sensitive" = true, "x-not-in-aws" = true))]
    pub private_key: Option<String>,
    /// An imported certificate (PEM). Read as configured, as Terraform does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub certificate_body: Option<String>,
    /// An imported certificate's chain of intermediate certificates (PEM). Read as
    /// configured: ACM answers it with its own root after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub certificate_chain: Option<String>,
    /// `options = { certificate_transparency_logging_preference = "DISABLED" }`.
    #[serde(default)]
    pub options: Options,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The certificate's options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Whether the certificate is logged publicly: `ENABLED` or `DISABLED`.
    #[serde(default = "enabled")]
    #[schemars(extend("enum" = ["ENABLED", "DISABLED"]))]
    pub certificate_transparency_logging_preference: String,
}

fn enabled() -> String {
    "ENABLED".into()
}

impl Default for Options {
    fn default() -> Self {
        Options {
            certificate_transparency_logging_preference: enabled(),
        }
    }
}

/// One domain's validation record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct DomainValidation {
    /// The domain it validates.
    pub domain_name: String,
    /// The record's name (with ACM's trailing dot).
    pub resource_record_name: String,
    /// The record's type (`CNAME`).
    pub resource_record_type: String,
    /// The record's value.
    pub resource_record_value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The certificate's ARN.
    pub id: String,
    pub arn: String,
    /// `PENDING_VALIDATION`, `ISSUED`, `INACTIVE`, `EXPIRED`, `VALIDATION_TIMED_OUT`,
    /// `REVOKED` or `FAILED`.
    pub status: String,
    /// `AMAZON_ISSUED`, `PRIVATE` or `IMPORTED`.
    pub r#type: String,
    /// The DNS records that validate the domains (`DNS` validation), one per domain; write
    /// `aws_route53_record`s from them.
    #[schemars(extend("x-set" = true))]
    pub domain_validation_options: Vec<DomainValidation>,
    /// The addresses validation e-mails go to (`EMAIL` validation).
    pub validation_emails: Vec<String>,
    /// When the certificate stops being valid (RFC 3339).
    pub not_after: Option<String>,
    /// When the certificate starts being valid (RFC 3339).
    pub not_before: Option<String>,
    /// Whether ACM can renew it: `ELIGIBLE` or `INELIGIBLE`.
    pub renewal_eligibility: Option<String>,
}

/// How `cairn import` names one: its ARN.
pub const IMPORT_ID: &str =
    "the certificate ARN (`arn:aws:acm:<region>:<account>:certificate/<id>`)";

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// ACM's key algorithm name as the configuration spells it (`RSA-2048` → `RSA_2048`).
fn key_algorithm(k: &KeyAlgorithm) -> String {
    let answered = k.as_str().replace('-', "_");
    [
        "RSA_1024",
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "EC_prime256v1",
        "EC_secp384r1",
        "EC_secp521r1",
    ]
    .into_iter()
    .find(|v| v.eq_ignore_ascii_case(&answered))
    .map(str::to_string)
    .unwrap_or(answered)
}

async fn tags_of(aws: &Aws, arn: &str) -> Answer<Vec<(String, String)>> {
    let got = aws
        .acm
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| api("ListTagsForCertificate", arn, e.into_service_error()))?;
    Ok(got
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

fn view(c: &CertificateDetail, tags: &[(String, String)], prior: &serde_json::Value) -> Observed {
    let arn = c.certificate_arn().unwrap_or_default().to_string();
    let domain = c.domain_name().unwrap_or_default().to_string();
    // ACM lists the domain name among the alternative names: it reads so only when configured so.
    let listed = prior
        .get("subject_alternative_names")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(domain.as_str())));
    let mut sans: Vec<String> = c
        .subject_alternative_names()
        .iter()
        .filter(|s| listed || **s != domain)
        .cloned()
        .collect();
    sans.sort();
    sans.dedup();
    let kind = c
        .r#type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let options = c.domain_validation_options();
    let validation_method = match kind.as_str() {
        "AMAZON_ISSUED" => options
            .first()
            .and_then(|o| o.validation_method())
            .map(|m| m.as_str().to_string()),
        _ => None,
    };
    let mut dvo: Vec<DomainValidation> = options
        .iter()
        .filter_map(|o| {
            let r = o.resource_record()?;
            Some(DomainValidation {
                domain_name: o.domain_name().to_string(),
                resource_record_name: r.name().to_string(),
                resource_record_type: r.r#type().as_str().to_string(),
                resource_record_value: r.value().to_string(),
            })
        })
        .collect();
    dvo.sort();
    let mut emails: Vec<String> = options
        .iter()
        .flat_map(|o| o.validation_emails().iter().cloned())
        .collect();
    emails.sort();
    emails.dedup();
    let kept = |k: &str| {
        prior
            .get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let imported = kind == "IMPORTED";
    let config = Config {
        domain_name: Some(domain),
        subject_alternative_names: if imported { Vec::new() } else { sans },
        private_key: kept("private_key"),
        certificate_body: kept("certificate_body"),
        certificate_chain: kept("certificate_chain"),
        validation_method,
        key_algorithm: c
            .key_algorithm()
            .map(key_algorithm)
            .unwrap_or_else(rsa_2048),
        certificate_authority_arn: c.certificate_authority_arn().map(str::to_string),
        options: Options {
            certificate_transparency_logging_preference: c
                .options()
                .and_then(|o| o.certificate_transparency_logging_preference())
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(enabled),
        },
        tags: visible_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
    };
    let outputs = Outputs {
        id: arn.clone(),
        arn: arn.clone(),
        status: c
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        r#type: kind,
        domain_validation_options: dvo,
        validation_emails: emails,
        not_after: time(c.not_after()),
        not_before: time(c.not_before()),
        renewal_eligibility: c.renewal_eligibility().map(|r| r.as_str().to_string()),
    };
    AwsAcmCertificate::observed(&arn, &config, &outputs)
}

async fn read_one(aws: &Aws, arn: &str, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let Some(c) = describe(aws, arn).await? else {
        return Ok(None);
    };
    let tags = tags_of(aws, arn).await?;
    Ok(Some(view(&c, &tags, prior)))
}

/// Whether ACM has assigned every domain's DNS validation record.
fn assigned(c: &CertificateDetail) -> bool {
    let dns = c
        .domain_validation_options()
        .iter()
        .any(|o| o.validation_method() == Some(&ValidationMethod::Dns));
    !dns || c
        .domain_validation_options()
        .iter()
        .all(|o| o.resource_record().is_some())
}

fn aws_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// The `aws_acm_certificate` resource type.
pub struct AwsAcmCertificate;

impl Resource for AwsAcmCertificate {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::CertificateManager::Certificate",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "example.com",
            "arn:aws:acm:us-east-1:123456789012:key/x",
        ],
        absent: Some(
            "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
        ),
    };

    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_arn(TYPE, import_id, ":certificate/", IMPORT_ID)
    }

    /// RequestCertificate, with the operation's token as its idempotency token (a retried
    /// request within the hour answers the same certificate); then waits until ACM has
    /// assigned the DNS validation records.
    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let Some(domain_name) = &c.domain_name else {
            return import_certificate(aws, c, None).await;
        };
        if c.validation_method.is_none() && c.certificate_authority_arn.is_none() {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {domain_name}: `validation_method` or `certificate_authority_arn` is needed"
            )));
        }
        let token: String = ctx
            .token
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect();
        let made = aws
            .acm
            .request_certificate()
            .domain_name(domain_name)
            .set_subject_alternative_names(
                (!c.subject_alternative_names.is_empty())
                    .then(|| c.subject_alternative_names.clone()),
            )
            .set_validation_method(c.validation_method.as_deref().map(ValidationMethod::from))
            .key_algorithm(KeyAlgorithm::from(
                c.key_algorithm.replace('_', "-").as_str(),
            ))
            .set_certificate_authority_arn(c.certificate_authority_arn.clone())
            .options(
                CertificateOptions::builder()
                    .certificate_transparency_logging_preference(
                        CertificateTransparencyLoggingPreference::from(
                            c.options
                                .certificate_transparency_logging_preference
                                .as_str(),
                        ),
                    )
                    .build(),
            )
            .set_idempotency_token((!token.is_empty()).then_some(token))
            .set_tags(Some(aws_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("RequestCertificate", domain_name, e.into_service_error()))?;
        let arn = made.certificate_arn().unwrap_or_default().to_string();
        crate::common::wait_until(
            ctx,
            TYPE,
            &arn,
            "given its DNS validation records",
            ASSIGNMENT_PATIENCE,
            || async { Ok(describe(aws, &arn).await?.is_none_or(|d| assigned(&d))) },
        )
        .await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &arn, || read_one(aws, &arn, &prior)).await
    }

    /// By the ownership tags the create put on it.
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        tags_can_tell(TYPE, ctx)?;
        let all_keys = Filters::builder()
            .set_key_types(Some(
                KeyAlgorithm::values()
                    .iter()
                    .map(|k| KeyAlgorithm::from(*k))
                    .collect(),
            ))
            .build();
        let listed = aws
            .acm
            .list_certificates()
            .includes(all_keys)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListCertificates", &ctx.address, e.into_service_error()))?;
        let mut candidates = Vec::new();
        for s in &listed {
            let Some(arn) = s.certificate_arn() else {
                continue;
            };
            // A certificate to import is not one ACM issues, and the other way round.
            let imported = s.r#type() == Some(&aws_sdk_acm::types::CertificateType::Imported);
            if imported != config.private_key.is_some()
                || (config.domain_name.is_some()
                    && s.domain_name() != config.domain_name.as_deref())
            {
                continue;
            }
            let tags = tags_of(aws, arn).await?;
            candidates.push((
                arn.to_string(),
                claim(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), ctx),
            ));
        }
        let ids = claimed(candidates.iter().map(|(a, c)| (Some(a.as_str()), *c)));
        read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
    }

    /// The options (UpdateCertificateOptions) and the tags; the rest replaces.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        let pem = |c: &Config| {
            (
                c.private_key.clone(),
                c.certificate_body.clone(),
                c.certificate_chain.clone(),
            )
        };
        if new.private_key.is_some() && pem(old) != pem(new) {
            import_certificate(aws, new, Some(arn)).await?;
        }
        if old.options != new.options {
            aws.acm
                .update_certificate_options()
                .certificate_arn(arn)
                .options(
                    CertificateOptions::builder()
                        .certificate_transparency_logging_preference(
                            CertificateTransparencyLoggingPreference::from(
                                new.options
                                    .certificate_transparency_logging_preference
                                    .as_str(),
                            ),
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(|e| api("UpdateCertificateOptions", arn, e.into_service_error()))?;
        }
        let shown: BTreeMap<String, String> = prior
            .inputs
            .get("tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_else(|| old.tags.clone());
        let visible_new = visible_tags(new.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if visible_new != shown {
            let (removed, set) = tag_changes(&shown, &new.tags);
            if !removed.is_empty() {
                let keys: Vec<Tag> = removed
                    .iter()
                    .filter_map(|k| Tag::builder().key(k).build().ok())
                    .collect();
                aws.acm
                    .remove_tags_from_certificate()
                    .certificate_arn(arn)
                    .set_tags(Some(keys))
                    .send()
                    .await
                    .map_err(|e| api("RemoveTagsFromCertificate", arn, e.into_service_error()))?;
            }
            if !set.is_empty() {
                aws.acm
                    .add_tags_to_certificate()
                    .certificate_arn(arn)
                    .set_tags(Some(aws_tags(&set)))
                    .send()
                    .await
                    .map_err(|e| api("AddTagsToCertificate", arn, e.into_service_error()))?;
            }
        }
        let inputs = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, arn, || read_one(aws, arn, &inputs)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.acm
            .delete_certificate()
            .certificate_arn(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteCertificate", &prior.id, e.into_service_error()))
    }
}

/// ImportCertificate of `c`'s PEM certificate, key and chain: a new certificate, or (`arn`)
/// the same certificate re-imported. Tags are given only to a new one.
async fn import_certificate(aws: &Aws, c: &Config, arn: Option<&str>) -> Answer<Observed> {
    let (Some(key), Some(body)) = (&c.private_key, &c.certificate_body) else {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE}: `domain_name` (a certificate ACM issues) or `private_key` and `certificate_body` (one to import) are needed"
        )));
    };
    let blob = |s: &str| aws_smithy_types::Blob::new(s.as_bytes());
    let made = aws
        .acm
        .import_certificate()
        .set_certificate_arn(arn.map(str::to_string))
        .certificate(blob(body))
        .private_key(blob(key))
        .set_certificate_chain(c.certificate_chain.as_deref().map(blob))
        .set_tags(Some(aws_tags(&c.tags)).filter(|t| !t.is_empty() && arn.is_none()))
        .send()
        .await
        .map_err(|e| {
            api(
                "ImportCertificate",
                arn.unwrap_or(TYPE),
                e.into_service_error(),
            )
        })?;
    let arn = made.certificate_arn().unwrap_or_default().to_string();
    let prior = serde_json::to_value(c).unwrap_or_default();
    read_back(TYPE, &arn, || read_one(aws, &arn, &prior)).await
}

/// The names of the DNS records that validate the certificate, as Route 53 reads them.
pub(crate) fn validation_record_names(c: &CertificateDetail) -> Vec<String> {
    c.domain_validation_options()
        .iter()
        .filter(|o| o.validation_method() == Some(&ValidationMethod::Dns))
        .filter_map(|o| o.resource_record().map(|r| record_name(r.name())))
        .collect()
}
