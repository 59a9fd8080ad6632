//! Elastic Load Balancing (v2) resource types: load balancers, target groups, listeners and
//! listener rules, and the tag calls they share.

pub mod lb;
pub mod listener;
pub mod listener_certificate;
pub mod listener_rule;
pub mod target_group;

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::Tag;
use cairn_model::{OpContext, ProviderError};

use crate::common::{
    api, claim, claimed, generated_from, tag_changes, tags_can_tell, visible_tags,
};
use crate::Aws;

/// Tags of many resources as configured (cairn's and AWS's own hidden), 20 ARNs per
/// DescribeTags call.
pub async fn tags_of(
    aws: &Aws,
    arns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    Ok(all_tags_of(aws, arns)
        .await?
        .into_iter()
        .map(|(arn, tags)| {
            let visible = visible_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            (arn, visible)
        })
        .collect())
}

/// Of resources named `(ARN, name)`, the ARNs of those whose names were generated from
/// `prefix` and whose ownership tags tie them to the create of `ctx`, most surely its first:
/// what an interrupted create of a configuration with a generated name made.
pub async fn claimed_generated(
    aws: &Aws,
    rtype: &str,
    named: Vec<(String, String)>,
    prefix: &str,
    ctx: &OpContext,
) -> Result<Vec<String>, ProviderError> {
    tags_can_tell(rtype, ctx)?;
    let arns: Vec<String> = named
        .into_iter()
        .filter(|(_, name)| generated_from(name, prefix, ""))
        .map(|(arn, _)| arn)
        .collect();
    let tags = all_tags_of(aws, &arns).await?;
    Ok(claimed(arns.iter().map(|arn| {
        let claim = tags
            .get(arn)
            .and_then(|t| claim(t.iter().map(|(k, v)| (k.as_str(), v.as_str())), ctx));
        (Some(arn.as_str()), claim)
    })))
}

/// Every tag of many resources, cairn's own included, 20 ARNs per DescribeTags call.
async fn all_tags_of(
    aws: &Aws,
    arns: &[String],
) -> Result<BTreeMap<String, Vec<(String, String)>>, ProviderError> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(20) {
        let r = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| api("DescribeTags", &chunk.join(","), e.into_service_error()))?;
        for d in r.tag_descriptions() {
            if let Some(arn) = d.resource_arn() {
                let tags = d
                    .tags()
                    .iter()
                    .filter_map(|t| {
                        Some((
                            t.key()?.to_string(),
                            t.value().unwrap_or_default().to_string(),
                        ))
                    })
                    .collect();
                out.insert(arn.to_string(), tags);
            }
        }
    }
    Ok(out)
}

/// ELB tags from a map.
pub fn elb_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Changes the tags of `arn` from `old` to `new`.
pub async fn update_tags(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(old, new);
    if !removed.is_empty() {
        aws.elb
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| api("RemoveTags", arn, e.into_service_error()))?;
    }
    if !set.is_empty() {
        aws.elb
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(elb_tags(&set)))
            .send()
            .await
            .map_err(|e| api("AddTags", arn, e.into_service_error()))?;
    }
    Ok(())
}

/// Describes `arns`, `per_call` at a time. ELB fails a whole call when one ARN is gone: that
/// batch is then asked again one ARN at a time, and the gone ones are left out.
pub async fn describe_each<T, E, F, Fut>(
    op: &str,
    arns: &[String],
    per_call: usize,
    call: F,
) -> Result<Vec<T>, ProviderError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, E>>,
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + aws_types::request_id::RequestId
        + std::error::Error
        + 'static,
{
    let mut out = Vec::new();
    for batch in arns.chunks(per_call.max(1)) {
        match call(batch.to_vec()).await {
            Ok(found) => out.extend(found),
            Err(e) if not_found(crate::common::code(&e)) => {
                for arn in batch {
                    match call(vec![arn.clone()]).await {
                        Ok(found) => out.extend(found),
                        Err(e) if not_found(crate::common::code(&e)) => {}
                        Err(e) => return Err(api(op, arn, e)),
                    }
                }
            }
            Err(e) => return Err(api(op, &batch.join(","), e)),
        }
    }
    Ok(out)
}

/// Whether an ELB error code means "gone".
pub fn not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.ends_with("NotFound") || c.ends_with("NotFoundException"))
}

/// What a crash-recovery lookup's Describe found: its items, or none when ELB answers that
/// the named resource or its parent does not exist; any other error with its context.
pub fn found_or_none<T, E>(
    result: Result<Vec<T>, E>,
    operation: &str,
    what: &str,
) -> Result<Vec<T>, ProviderError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + aws_types::request_id::RequestId
        + std::error::Error
        + 'static,
{
    match result {
        Ok(items) => Ok(items),
        Err(e) if not_found(crate::common::code(&e)) => Ok(Vec::new()),
        Err(e) => Err(api(operation, what, e)),
    }
}
