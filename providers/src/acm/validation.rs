//! `aws_acm_certificate_validation`: the wait for an ACM certificate to be issued, once its
//! validation records exist. Nothing in AWS: create waits, delete forgets.

use std::time::Duration;

use aws_sdk_acm::types::{CertificateStatus, ValidationMethod};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{describe, record_name};
use crate::common::read_back;
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_acm_certificate_validation";

/// How long a create waits for the certificate to be issued (Terraform's default create
/// timeout, 75 minutes).
pub const VALIDATION_PATIENCE: Duration = Duration::from_secs(75 * 60);

/// The validation of a certificate.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The certificate's ARN.
    #[schemars(regex(pattern = r"^arn:\S+:certificate/\S+$"), extend("x-pattern-says" = "a certificate ARN", "x-force-new" = true, "x-identifying" = true))]
    pub certificate_arn: String,
    /// The names of the DNS validation records (`aws_route53_record.x.fqdn`): create checks
    /// that they are the certificate's before it waits. Kept by cairn: ACM does not know it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-set" = true, "x-force-new" = true, "x-not-in-aws" = true))]
    pub validation_record_fqdns: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The certificate's ARN (Terraform's is the time of validation).
    pub id: String,
}

/// How `cairn import` names one: the certificate's ARN.
pub const IMPORT_ID: &str = "the certificate ARN (`arn:aws:acm:<region>:<account>:certificate/<id>`), of an issued certificate";

/// What exists of the validation of `arn`: the certificate, once it is issued.
async fn read_one(aws: &Aws, arn: &str, prior: &serde_json::Value) -> Answer<Option<Observed>> {
    let Some(c) = describe(aws, arn).await? else {
        return Ok(None);
    };
    if c.status() != Some(&CertificateStatus::Issued) {
        return Ok(None);
    }
    let config = Config {
        certificate_arn: arn.to_string(),
        validation_record_fqdns: prior
            .get("validation_record_fqdns")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default(),
    };
    let outputs = Outputs {
        id: arn.to_string(),
    };
    Ok(Some(AwsAcmCertificateValidation::observed(
        arn, &config, &outputs,
    )))
}

/// The `aws_acm_certificate_validation` resource type.
pub struct AwsAcmCertificateValidation;

impl Resource for AwsAcmCertificateValidation {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["certificate_arn"]),
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

    /// Checks that the records named are the certificate's DNS validation records, then
    /// waits until the certificate is issued (at most [`VALIDATION_PATIENCE`]); a certificate
    /// whose validation failed or timed out fails at once.
    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let arn = &c.certificate_arn;
        let Some(cert) = describe(aws, arn).await? else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE}: there is no certificate {arn}"
            )));
        };
        let dns = cert
            .domain_validation_options()
            .iter()
            .any(|o| o.validation_method() == Some(&ValidationMethod::Dns));
        if dns && !c.validation_record_fqdns.is_empty() {
            let given: Vec<String> = c
                .validation_record_fqdns
                .iter()
                .map(|f| record_name(f))
                .collect();
            let missing: Vec<String> = super::certificate::validation_record_names(&cert)
                .into_iter()
                .filter(|n| !given.contains(n))
                .collect();
            if !missing.is_empty() {
                return Err(ProviderError::InvalidConfig(format!(
                    "{TYPE} {arn}: `validation_record_fqdns` lacks the certificate's validation records {}",
                    missing.join(", ")
                )));
            }
        }
        crate::common::wait_until(ctx, TYPE, arn, "issued", VALIDATION_PATIENCE, || async {
            let Some(cert) = describe(aws, arn).await? else {
                return Err(ProviderError::InvalidConfig(format!(
                    "{TYPE}: the certificate {arn} is gone"
                )));
            };
            match cert.status() {
                Some(CertificateStatus::Issued) => Ok(true),
                Some(CertificateStatus::PendingValidation) | None => Ok(false),
                Some(other) => Err(ProviderError::InvalidConfig(format!(
                    "{TYPE}: the certificate {arn} is {} and will not be issued",
                    other.as_str()
                ))),
            }
        })
        .await?;
        let prior = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, arn, || read_one(aws, arn, &prior)).await
    }

    /// Every attribute replaces: nothing to change in AWS.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let inputs = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, &prior.id, || read_one(aws, &prior.id, &inputs)).await
    }

    /// Nothing in AWS: the certificate stays.
    async fn delete(_aws: &Aws, _prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        Ok(())
    }
}
