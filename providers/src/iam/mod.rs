//! IAM resource types (roles, managed policies, attachments, instance profiles) and what they share: policy
//! documents, which IAM returns URL-encoded, and retries for IAM's eventual consistency.

pub mod attachment;
pub mod instance_profile;
pub mod policy;
pub mod role;
pub mod server_certificate;

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;
use cairn_model::ProviderError;

/// A policy document as IAM returns it (URL-encoded JSON) → JSON.
pub fn decode_document(raw: &str, what: &str) -> Result<serde_json::Value, ProviderError> {
    let text = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(raw))
        .map_err(|e| ProviderError::Api(format!("{what}: policy document is not JSON: {e}")))
}

/// A configured document (a table or a JSON string) → the JSON text IAM takes.
pub fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// IAM error codes that mean "gone".
pub fn no_such_entity(code: Option<&str>) -> bool {
    code == Some("NoSuchEntity")
}

/// IAM tags from a map.
pub fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(e.to_string()))
}
