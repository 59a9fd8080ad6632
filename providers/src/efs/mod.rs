//! EFS resource types: file systems, their mount targets and access points.

pub mod access_point;
pub mod file_system;
pub mod mount_target;

use std::collections::BTreeMap;

use aws_sdk_efs::types::Tag;
use cairn_model::ProviderError;

use crate::common::{api, tag_changes};
use crate::Aws;

/// EFS tags from a map.
pub fn efs_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(e.to_string()))
}

/// Changes the tags of an EFS resource from `old` to `new`.
pub async fn update_tags(
    aws: &Aws,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(old, new);
    if !removed.is_empty() {
        aws.efs
            .untag_resource()
            .resource_id(id)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| api("UntagResource", id, e.into_service_error()))?;
    }
    if !set.is_empty() {
        aws.efs
            .tag_resource()
            .resource_id(id)
            .set_tags(Some(efs_tags(&set)?))
            .send()
            .await
            .map_err(|e| api("TagResource", id, e.into_service_error()))?;
    }
    Ok(())
}
