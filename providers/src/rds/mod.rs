//! RDS resource types: DB subnet groups and DB instances, and the tag calls they share.

pub mod instance;
pub mod subnet_group;

use std::collections::BTreeMap;

use aws_sdk_rds::types::Tag;
use cairn_model::ProviderError;

use crate::common::{api, tag_changes, visible_tags};
use crate::Aws;

pub fn rds_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    visible_tags(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}

/// Changes the tags of the RDS resource `arn` from `old` to `new`.
pub async fn update_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(old, new);
    if !removed.is_empty() {
        aws.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| api("RemoveTagsFromResource", arn, e.into_service_error()))?;
    }
    if !set.is_empty() {
        aws.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(rds_tags(&set)))
            .send()
            .await
            .map_err(|e| api("AddTagsToResource", arn, e.into_service_error()))?;
    }
    Ok(())
}
