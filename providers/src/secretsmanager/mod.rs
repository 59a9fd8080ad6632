//! Secrets Manager resource types: secrets and their versions (the values), and what they
//! share.

pub mod secret;
pub mod version;

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cairn_model::ProviderError;

use crate::common::{api, code};
use crate::Aws;

/// Error codes that mean the secret (or version) does not exist.
pub fn not_found(code: Option<&str>) -> bool {
    matches!(code, Some("ResourceNotFoundException"))
}

/// Whether an `InvalidRequestException` says the secret is scheduled for deletion (which
/// cairn reads as gone).
pub fn marked_deleted(e: &impl ProvideErrorMetadata) -> bool {
    let m = crate::common::message(e);
    e.code() == Some("InvalidRequestException")
        && (m.contains("marked deleted")
            || m.contains("marked for deletion")
            || m.contains("scheduled for deletion"))
}

pub fn sm_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// DescribeSecret of `id` (ARN or name): `None` when it does not exist or is scheduled for
/// deletion.
pub async fn describe(aws: &Aws, id: &str) -> Result<Option<DescribeSecretOutput>, ProviderError> {
    match aws
        .secretsmanager
        .describe_secret()
        .secret_id(id)
        .send()
        .await
    {
        Ok(d) if d.deleted_date().is_some() => Ok(None),
        Ok(d) => Ok(Some(d)),
        Err(e) => {
            let e = e.into_service_error();
            if not_found(code(&e)) {
                Ok(None)
            } else {
                Err(api("DescribeSecret", id, e))
            }
        }
    }
}
