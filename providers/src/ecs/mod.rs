//! ECS resource types: clusters, task definitions and Fargate services.

pub mod cluster;
pub mod containers;
pub mod service;
pub mod task_definition;

use std::collections::BTreeMap;

use aws_sdk_ecs::types::Tag;

/// ECS tags from a map.
pub fn ecs_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A map from ECS tags (hidden prefixes dropped).
pub fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    crate::common::visible_tags(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
    )
}
