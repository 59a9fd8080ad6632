//! EC2 networking resource types and the helpers they share (filters, tags, deletes that wait
//! for dependents, lookups by ownership tags).

/// `Resource::find` for an EC2 type found by its ownership tags alone: one paged
/// `$describe` filtered by them (`owner_filters`), ranked by `claim_of`, read back with the
/// type's own `read`. Expands inside the type's `impl Resource`.
macro_rules! find_by_owner_tags {
    ($describe:ident, $operation:literal, $id:ident) => {
        /// By ownership tags: one paged Describe filtered by them.
        async fn find(
            aws: &crate::Aws,
            config: &Config,
            ctx: &cairn_model::OpContext,
        ) -> crate::resource::Answer<Vec<cairn_model::Observed>> {
            let found = aws
                .ec2
                .$describe()
                .set_filters(Some(super::owner_filters(TYPE, ctx)?))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| {
                    crate::common::api($operation, &ctx.address, e.into_service_error())
                })?;
            let ids = crate::common::claimed(
                found
                    .iter()
                    .map(|r| (r.$id(), super::claim_of(r.tags(), ctx))),
            );
            crate::common::read_found(ids, config, |r| async move {
                <Self as crate::resource::Resource>::read(aws, &r).await
            })
            .await
        }
    };
}

pub mod eip;
pub mod internet_gateway;
pub mod main_route_table_association;
pub mod nat_gateway;
pub mod route;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod security_group_rule;
pub mod subnet;
pub mod vpc;
pub mod vpc_endpoint;

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;
use cairn_model::{OpContext, ProviderError};

use crate::common::{
    api, claim, code, retry, tag_changes, tags_can_tell, visible_tags, Claim, DELETE_PATIENCE,
    VISIBLE_PATIENCE,
};

/// `Name = values` filter.
pub fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// Whether `value` stands only for itself in a Describe filter: AWS reads `*` and `?` as
/// wildcards (and moto also `[...]`). Other values are left to a broader filter and matched
/// exactly by the caller.
pub fn literal(value: &str) -> bool {
    !value.contains(['*', '?', '[', ']', '\\'])
}

/// `tag:key = value`, or only "has the key" when `value` is not `literal`.
fn tag_filter(key: &str, value: &str) -> Filter {
    if literal(value) {
        filter(&format!("tag:{key}"), [value])
    } else {
        filter("tag-key", [key])
    }
}

/// Filters that narrow a Describe call to what carries the ownership tags of `ctx` (its
/// stack and address, or without a stack its token). Some Describe calls ignore filters in
/// some emulators: `claim_of` decides exactly.
pub fn owner_filters(rtype: &str, ctx: &OpContext) -> Result<Vec<Filter>, ProviderError> {
    tags_can_tell(rtype, ctx)?;
    Ok(match &ctx.stack {
        Some(stack) => vec![
            tag_filter(crate::OWNER_TAG, stack),
            tag_filter(crate::ADDRESS_TAG, &ctx.address),
        ],
        None => vec![tag_filter(crate::TOKEN_TAG, &ctx.token)],
    })
}

/// What an EC2 resource's tags say about the create of `ctx` (see `common::claim`).
pub fn claim_of(tags: &[Tag], ctx: &OpContext) -> Option<Claim> {
    claim(
        tags.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default()))),
        ctx,
    )
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

/// The tags a resource was created with, as a read would show them: those of the create's
/// answer, or, when the answer leaves them out, the ones the create asked for (tag
/// specifications are applied with the create, or the create fails).
pub fn created_tags(
    answered: &[Tag],
    asked: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    if answered.is_empty() {
        visible_tags(asked.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    } else {
        tags_of(answered)
    }
}

/// Whether an EC2 error names a resource that does not exist (yet): a resource made moments
/// ago that this call does not see yet, EC2 being eventually consistent.
pub fn is_not_yet_visible(c: Option<&str>) -> bool {
    matches!(
        c,
        Some(
            "InvalidVpcID.NotFound"
                | "InvalidSubnetID.NotFound"
                | "InvalidRouteTableID.NotFound"
                | "InvalidGroup.NotFound"
                | "InvalidInternetGatewayID.NotFound"
                | "InvalidGatewayID.NotFound"
                | "InvalidNatGatewayID.NotFound"
                | "InvalidAllocationID.NotFound"
        )
    )
}

/// Runs a call that names other resources (a subnet's VPC, an association's table) until it
/// succeeds, retrying while one of them is not visible yet (the create of a dependency was
/// just answered): so that a create need not read what it made back before its dependents
/// start. A call refused with such an error made nothing, so trying again is safe.
pub async fn call_patiently<T, E, F, Fut>(
    op_name: &str,
    what: &str,
    op: F,
) -> Result<T, ProviderError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + aws_types::request_id::RequestId
        + std::error::Error
        + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    retry(VISIBLE_PATIENCE, |e: &E| is_not_yet_visible(code(e)), op)
        .await
        .map_err(|e| api(op_name, what, e))
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
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + aws_types::request_id::RequestId
        + std::error::Error
        + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
{
    match retry(DELETE_PATIENCE, |e: &E| is_dependency(code(e)), op).await {
        Ok(()) => Ok(()),
        Err(e) if crate::common::is_not_found(code(&e)) => Ok(()),
        Err(e) => Err(api(op_name, id, e)),
    }
}
