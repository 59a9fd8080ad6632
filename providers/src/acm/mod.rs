//! ACM resource types: certificates Amazon issues (validated by DNS or e-mail, or by a
//! private CA) and the wait for their validation.

pub mod certificate;
pub mod validation;

use aws_sdk_acm::types::CertificateDetail;
use cairn_model::ProviderError;

use crate::common::{api, code, is_not_found};
use crate::Aws;

/// DescribeCertificate of `arn`: `None` when there is no such certificate (or the ARN
/// cannot name one).
async fn describe(aws: &Aws, arn: &str) -> Result<Option<CertificateDetail>, ProviderError> {
    match aws
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
    {
        Ok(got) => Ok(got.certificate().cloned()),
        Err(e) => {
            let e = e.into_service_error();
            let c = code(&e);
            if is_not_found(c) || matches!(c, Some("InvalidArnException" | "ValidationException")) {
                Ok(None)
            } else {
                Err(api("DescribeCertificate", arn, e))
            }
        }
    }
}

/// A record name as Route 53 reads it: lower case, without the trailing dot.
fn record_name(name: &str) -> String {
    crate::data::lookups::normalize_domain(name)
}
