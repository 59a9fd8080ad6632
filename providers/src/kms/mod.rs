//! KMS resource types: customer managed keys and their aliases, and the tag calls keys use.

pub mod alias;
pub mod key;

use std::collections::BTreeMap;

use aws_sdk_kms::types::Tag;
use cairn_model::ProviderError;

use crate::common::{api, tag_changes, visible_tags};
use crate::Aws;

/// KMS error codes that mean the key (or alias) does not exist.
pub fn not_found(code: Option<&str>) -> bool {
    matches!(code, Some("NotFoundException"))
}

/// The key id at the end of a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`), or `id` itself.
pub fn key_id_of(id: &str) -> &str {
    match id.split_once(":key/") {
        Some((prefix, key)) if prefix.starts_with("arn:") => key,
        _ => id,
    }
}

pub fn kms_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| ProviderError::InvalidConfig(format!("tags: {e}")))
        })
        .collect()
}

/// Every tag of the key `id` (ListResourceTags, paged), the reserved ones included.
pub async fn all_tags(aws: &Aws, id: &str) -> Result<Vec<(String, String)>, ProviderError> {
    let mut pairs = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let r = aws
            .kms
            .list_resource_tags()
            .key_id(id)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| api("ListResourceTags", id, e.into_service_error()))?;
        pairs.extend(
            r.tags()
                .iter()
                .map(|t| (t.tag_key().to_string(), t.tag_value().to_string())),
        );
        match r.next_marker() {
            Some(m) if r.truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(pairs)
}

/// The configured tags of the key `id`.
pub async fn tags_of(aws: &Aws, id: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    let pairs = all_tags(aws, id).await?;
    Ok(visible_tags(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

/// Changes the tags of the key `id` from `old` to `new`.
pub async fn update_tags(
    aws: &Aws,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(old, new);
    if !removed.is_empty() {
        aws.kms
            .untag_resource()
            .key_id(id)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| api("UntagResource", id, e.into_service_error()))?;
    }
    if !set.is_empty() {
        aws.kms
            .tag_resource()
            .key_id(id)
            .set_tags(Some(kms_tags(&set)?))
            .send()
            .await
            .map_err(|e| api("TagResource", id, e.into_service_error()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_come_out_of_arns() {
        assert_eq!(
            key_id_of(
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ),
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        assert_eq!(key_id_of("1234abcd"), "1234abcd");
        assert_eq!(key_id_of("alias/app"), "alias/app");
    }
}
