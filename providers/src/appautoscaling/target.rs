//! `aws_appautoscaling_target`: a resource Application Auto Scaling may scale (an ECS
//! service's desired count, a DynamoDB table's capacity, ...) and the bounds it scales in.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTarget, SuspendedState as SdkSuspendedState,
};
use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{recorded, split_import, ServiceNamespace};
use crate::common::{api, read_back, read_found, tag_changes, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_appautoscaling_target";

/// Which kinds of scaling are paused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendedState {
    /// Scaling policies do not scale in.
    #[serde(default)]
    pub dynamic_scaling_in_suspended: bool,
    /// Scaling policies do not scale out.
    #[serde(default)]
    pub dynamic_scaling_out_suspended: bool,
    /// Scheduled actions do not run.
    #[serde(default)]
    pub scheduled_scaling_suspended: bool,
}

impl SuspendedState {
    fn sdk(&self) -> SdkSuspendedState {
        SdkSuspendedState::builder()
            .dynamic_scaling_in_suspended(self.dynamic_scaling_in_suspended)
            .dynamic_scaling_out_suspended(self.dynamic_scaling_out_suspended)
            .scheduled_scaling_suspended(self.scheduled_scaling_suspended)
            .build()
    }
}

/// A scalable target of Application Auto Scaling.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The service whose resource scales: `ecs`, `dynamodb`, `rds`, `lambda`, ...
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub service_namespace: ServiceNamespace,
    /// The resource, as the service names it: `service/<cluster>/<service>` (ECS),
    /// `table/<table>` (DynamoDB), `function:<name>:<alias>` (Lambda), ...
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 1600))]
    pub resource_id: String,
    /// What scales: `ecs:service:DesiredCount`, `dynamodb:table:ReadCapacityUnits`, ...
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(regex(pattern = r"^[a-z-]+:[A-Za-z-]+:[A-Za-z]+$"), extend("x-pattern-says" = "`<service>:<resource type>:<property>`, e.g. `ecs:service:DesiredCount`"))]
    pub scalable_dimension: String,
    /// The least capacity scaling leaves.
    #[schemars(range(min = 0))]
    pub min_capacity: i32,
    /// The most capacity scaling makes.
    #[schemars(range(min = 0))]
    pub max_capacity: i32,
    /// The role Application Auto Scaling scales with; AWS uses the service's service-linked
    /// role when left out (and a read shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Scaling paused (all of it resumed when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_state: Option<SuspendedState>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The resource id (Terraform's id of a target).
    pub id: String,
    /// The scalable target's ARN.
    pub arn: String,
}

/// How `cairn import` names one.
pub const IMPORT_ID: &str = "`<service-namespace>/<resource-id>/<scalable-dimension>` (e.g. `ecs/service/<cluster>/<service>/ecs:service:DesiredCount`)";

/// The target of the resource and dimension in the namespace, if it is registered.
async fn describe(
    aws: &Aws,
    namespace: &str,
    resource_id: &str,
    dimension: &str,
) -> Result<Option<ScalableTarget>, ProviderError> {
    let Some(ns) = crate::common::from_wire::<ServiceNamespace>(namespace) else {
        return Ok(None);
    };
    let targets = aws
        .appautoscaling
        .describe_scalable_targets()
        .service_namespace(ns.sdk())
        .resource_ids(resource_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeScalableTargets",
                resource_id,
                e.into_service_error(),
            )
        })?;
    Ok(targets
        .into_iter()
        .find(|t| t.resource_id() == resource_id && t.scalable_dimension().as_str() == dimension))
}

async fn read_target(
    aws: &Aws,
    namespace: &str,
    resource_id: &str,
    dimension: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let Some(t) = describe(aws, namespace, resource_id, dimension).await? else {
        return Ok(None);
    };
    let Some(service_namespace) = crate::common::from_wire(t.service_namespace().as_str()) else {
        return Ok(None);
    };
    let arn = t.scalable_target_arn().unwrap_or_default().to_string();
    let tags = if arn.is_empty() {
        BTreeMap::new()
    } else {
        match aws
            .appautoscaling
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
        {
            Ok(got) => visible_tags(
                got.tags()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            ),
            Err(e) => {
                let e = api("ListTagsForResource", &arn, e.into_service_error());
                if e.kind() == ErrorKind::NotFound {
                    return Ok(None);
                }
                return Err(e);
            }
        }
    };
    let suspended = t
        .suspended_state()
        .map(|s| SuspendedState {
            dynamic_scaling_in_suspended: s.dynamic_scaling_in_suspended().unwrap_or(false),
            dynamic_scaling_out_suspended: s.dynamic_scaling_out_suspended().unwrap_or(false),
            scheduled_scaling_suspended: s.scheduled_scaling_suspended().unwrap_or(false),
        })
        .unwrap_or_default();
    // Nothing suspended reads as no block, unless the configuration wrote one.
    let wrote_block = prior.get("suspended_state").is_some_and(|v| !v.is_null());
    let config = Config {
        service_namespace,
        resource_id: t.resource_id().to_string(),
        scalable_dimension: t.scalable_dimension().as_str().to_string(),
        min_capacity: t.min_capacity(),
        max_capacity: t.max_capacity(),
        role_arn: Some(t.role_arn().to_string()).filter(|r| !r.is_empty()),
        suspended_state: (wrote_block || suspended != SuspendedState::default())
            .then_some(suspended),
        tags,
    };
    let outputs = Outputs {
        id: t.resource_id().to_string(),
        arn,
    };
    Ok(Some(AwsAppautoscalingTarget::observed(
        t.resource_id(),
        &config,
        &outputs,
    )))
}

async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<Observed>, ProviderError> {
    let namespace = recorded(
        TYPE,
        &request.id,
        &request.prior_inputs,
        "service_namespace",
    )?;
    let dimension = recorded(
        TYPE,
        &request.id,
        &request.prior_inputs,
        "scalable_dimension",
    )?;
    read_target(
        aws,
        &namespace,
        &request.id,
        &dimension,
        &request.prior_inputs,
    )
    .await
}

/// RegisterScalableTarget: creates the target (with its tags), or changes the one
/// registered (tags apart).
async fn register(aws: &Aws, c: &Config, with_tags: bool) -> Answer<String> {
    let tags: HashMap<String, String> = c.tags.clone().into_iter().collect();
    let made = aws
        .appautoscaling
        .register_scalable_target()
        .service_namespace(c.service_namespace.sdk())
        .resource_id(&c.resource_id)
        .scalable_dimension(ScalableDimension::from(c.scalable_dimension.as_str()))
        .min_capacity(c.min_capacity)
        .max_capacity(c.max_capacity)
        .set_role_arn(c.role_arn.clone())
        .set_suspended_state(c.suspended_state.as_ref().map(SuspendedState::sdk))
        .set_tags(Some(tags).filter(|t| with_tags && !t.is_empty()))
        .send()
        .await
        .map_err(|e| {
            api(
                "RegisterScalableTarget",
                &c.resource_id,
                e.into_service_error(),
            )
        })?;
    Ok(made.scalable_target_arn().unwrap_or_default().to_string())
}

fn prior_of(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

/// The `aws_appautoscaling_target` resource type.
pub struct AwsAppautoscalingTarget;

impl Resource for AwsAppautoscalingTarget {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["service_namespace", "scalable_dimension", "resource_id"]),
        cloudformation: "AWS::ApplicationAutoScaling::ScalableTarget",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "service/prod/web",
            "ecs/ecs:service:DesiredCount",
            "nope/service/prod/web/ecs:service:DesiredCount",
            "ecs/service/prod/web/DesiredCount",
        ],
        absent: Some("ecs/service/absent/absent/ecs:service:DesiredCount"),
    };

    /// DescribeScalableTargets and ListTagsForResource per target, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, request).await
    }

    /// RegisterScalableTarget with the tags. A target already registered for the resource
    /// and dimension is refused rather than taken over (registering again would change it).
    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let ns = crate::common::wire(&c.service_namespace);
        if describe(aws, &ns, &c.resource_id, &c.scalable_dimension)
            .await?
            .is_some()
        {
            return Err(ProviderError::Api(format!(
                "RegisterScalableTarget {}: {} is already registered with {}; bring it under management with `cairn import`",
                c.resource_id, c.scalable_dimension, ns
            )));
        }
        register(aws, c, true).await?;
        let prior = prior_of(c);
        read_back(TYPE, &c.resource_id, || {
            read_target(aws, &ns, &c.resource_id, &c.scalable_dimension, &prior)
        })
        .await
    }

    /// By its natural key: the namespace, dimension and resource.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ns = crate::common::wire(&c.service_namespace);
        let ids = describe(aws, &ns, &c.resource_id, &c.scalable_dimension)
            .await?
            .map(|t| t.resource_id().to_string())
            .into_iter()
            .collect();
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// `<service-namespace>/<resource-id>/<scalable-dimension>`.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (ns, resource, dimension, _) = split_import(TYPE, import_id, false, IMPORT_ID)?;
        read_target(aws, ns, &resource, dimension, &serde_json::Value::Null).await
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        let get = |k: &str| o.inputs[k].as_str().unwrap_or_default().to_string();
        vec![format!(
            "{}/{}/{}",
            get("service_namespace"),
            o.id,
            get("scalable_dimension")
        )]
    }

    /// RegisterScalableTarget again with the bounds, role and suspended state; tags with
    /// TagResource and UntagResource.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let untagged = |c: &Config| Config {
            tags: BTreeMap::new(),
            ..c.clone()
        };
        if serde_json::to_value(untagged(old)).ok() != serde_json::to_value(untagged(new)).ok() {
            // A suspended state no longer configured is resumed (AWS keeps one left out).
            let mut resumed = new.clone();
            if resumed.suspended_state.is_none() && old.suspended_state.is_some() {
                resumed.suspended_state = Some(SuspendedState::default());
            }
            register(aws, &resumed, false).await?;
        }
        let arn = prior.outputs["arn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.appautoscaling
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", &arn, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.appautoscaling
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| api("TagResource", &arn, e.into_service_error()))?;
        }
        let ns = crate::common::wire(&new.service_namespace);
        let prior = prior_of(new);
        read_back(TYPE, &new.resource_id, || {
            read_target(aws, &ns, &new.resource_id, &new.scalable_dimension, &prior)
        })
        .await
    }

    /// DeregisterScalableTarget (its scaling policies and scheduled actions go with it).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let ns = recorded(TYPE, &prior.id, &prior.inputs, "service_namespace")?;
        let dimension = recorded(TYPE, &prior.id, &prior.inputs, "scalable_dimension")?;
        let Some(namespace) = crate::common::from_wire::<ServiceNamespace>(&ns) else {
            return Ok(());
        };
        aws.appautoscaling
            .deregister_scalable_target()
            .service_namespace(namespace.sdk())
            .resource_id(&prior.id)
            .scalable_dimension(ScalableDimension::from(dimension.as_str()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                api(
                    "DeregisterScalableTarget",
                    &prior.id,
                    e.into_service_error(),
                )
            })
    }
}
