//! EC2 networking resource types and the helpers they share (filters, tags, deletes that wait
//! for dependents).

pub mod eip;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod security_group_rule;
pub mod subnet;
pub mod vpc;

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;
use cairn_engine::ProviderError;

use crate::common::{api, code, retry, tag_changes, visible_tags, DELETE_PATIENCE};

/// `Name = values` filter.
pub fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// Tags of a resource as configured (hidden prefixes dropped).
pub fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    visible_tags(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}

/// Tags to apply at creation.
pub fn tag_spec(kind: ResourceType, tags: &BTreeMap<String, String>) -> Option<TagSpecification> {
    if tags.is_empty() {
        return None;
    }
    Some(
        TagSpecification::builder()
            .resource_type(kind)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .build(),
    )
}

/// Changes the tags of `id` from `old` to `new`.
pub async fn update_tags(
    ec2: &Client,
    id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(old, new);
    if !removed.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(
                removed
                    .iter()
                    .map(|k| Tag::builder().key(k).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| api("DeleteTags", id, e.into_service_error()))?;
    }
    if !set.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(
                set.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| api("CreateTags", id, e.into_service_error()))?;
    }
    Ok(())
}

/// Whether an EC2 error says something still depends on the resource (retried by deletes).
pub fn is_dependency(c: Option<&str>) -> bool {
    matches!(c, Some("DependencyViolation" | "InvalidRouteTableID.InUse"))
}

/// Runs a delete call until it succeeds, retrying while dependents are still going away;
/// a resource already gone counts as deleted.
pub async fn delete_patiently<E, F, Fut>(
    op_name: &str,
    id: &str,
    op: F,
) -> Result<(), ProviderError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
{
    match retry(DELETE_PATIENCE, |e: &E| is_dependency(code(e)), op).await {
        Ok(()) => Ok(()),
        Err(e) if crate::common::is_not_found(code(&e)) => Ok(()),
        Err(e) => Err(api(op_name, id, e)),
    }
}
