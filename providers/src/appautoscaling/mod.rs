//! Application Auto Scaling: what scales (a scalable target: an ECS service's desired count,
//! a DynamoDB table's capacity, ...) and how (scaling policies).

pub mod policy;
pub mod target;

use cairn_model::ProviderError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The AWS service whose resource scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceNamespace {
    Ecs,
    Elasticmapreduce,
    Ec2,
    Appstream,
    Dynamodb,
    Rds,
    Sagemaker,
    #[serde(rename = "custom-resource")]
    CustomResource,
    Comprehend,
    Lambda,
    Cassandra,
    Kafka,
    Elasticache,
    Neptune,
    Workspaces,
}

impl ServiceNamespace {
    fn sdk(self) -> aws_sdk_applicationautoscaling::types::ServiceNamespace {
        aws_sdk_applicationautoscaling::types::ServiceNamespace::from(
            crate::common::wire(&self).as_str(),
        )
    }
}

/// The recorded value of `key` of a resource's inputs, which its reads need (the target's
/// namespace and dimension are not in its id).
fn recorded(
    rtype: &str,
    id: &str,
    prior: &serde_json::Value,
    key: &str,
) -> Result<String, ProviderError> {
    prior
        .get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ProviderError::InvalidConfig(format!(
                "{rtype} {id}: the recorded inputs name no {key} to read it by"
            ))
        })
}

/// `<service-namespace>/<resource-id>/<scalable-dimension>` (and `/<policy-name>` when
/// `named`), Terraform's import ids, taken apart: the resource id has `/` in it, the
/// namespace and dimension (and policy name) do not. A DynamoDB index's resource id
/// (`table/<t>/index/<i>`) is told by its `index` part.
fn split_import<'a>(
    rtype: &str,
    import_id: &'a str,
    named: bool,
    format: &str,
) -> Result<(&'a str, String, &'a str, Option<&'a str>), ProviderError> {
    crate::common::expect_name(rtype, import_id, format)?;
    let parts: Vec<&str> = import_id.split('/').collect();
    let tail = if named { 2 } else { 1 };
    let malformed = |why: &str| crate::common::malformed(rtype, import_id, why, format);
    if parts.len() < 2 + tail || parts.iter().any(|p| p.is_empty()) {
        return Err(malformed("it does not have its parts separated by `/`"));
    }
    let namespace = parts[0];
    if crate::common::from_wire::<ServiceNamespace>(namespace).is_none() {
        return Err(malformed(&format!(
            "`{namespace}` is not an Application Auto Scaling service namespace"
        )));
    }
    let (resource, dimension, name) = if named {
        let n = parts.len();
        (parts[1..n - 2].join("/"), parts[n - 2], Some(parts[n - 1]))
    } else {
        let n = parts.len();
        (parts[1..n - 1].join("/"), parts[n - 1], None)
    };
    if dimension.split(':').count() != 3 {
        return Err(malformed(&format!(
            "`{dimension}` is not a scalable dimension (`<service>:<resource type>:<property>`)"
        )));
    }
    Ok((namespace, resource, dimension, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_come_apart_as_terraform_s() {
        let (ns, r, d, n) = split_import(
            "t",
            "ecs/service/prod/web/ecs:service:DesiredCount",
            false,
            "f",
        )
        .expect("target");
        assert_eq!(
            (ns, r.as_str(), d, n),
            ("ecs", "service/prod/web", "ecs:service:DesiredCount", None)
        );
        let (_, r, d, n) = split_import(
            "t",
            "dynamodb/table/jobs/index/by-status/dynamodb:index:ReadCapacityUnits/scale-reads",
            true,
            "f",
        )
        .expect("policy");
        assert_eq!(r, "table/jobs/index/by-status");
        assert_eq!(d, "dynamodb:index:ReadCapacityUnits");
        assert_eq!(n, Some("scale-reads"));
        assert!(split_import("t", "ecs/ecs:service:DesiredCount", false, "f").is_err());
        assert!(
            split_import("t", "nope/service/a/b/ecs:service:DesiredCount", false, "f").is_err()
        );
        assert!(split_import("t", "ecs/service/a/b/DesiredCount", false, "f").is_err());
    }
}
