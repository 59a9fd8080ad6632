//! `aws_appautoscaling_policy`: how Application Auto Scaling scales a scalable target: by
//! steps when a CloudWatch alarm fires (its ARN is the alarm's action), or by tracking a
//! metric's target value (AWS makes and owns the alarms).

use std::time::Duration;

use aws_sdk_applicationautoscaling::types::{
    AdjustmentType as SdkAdjustment, CustomizedMetricSpecification as SdkCustom,
    MetricAggregationType as SdkAggregation, MetricDimension, MetricStatistic, MetricType,
    PolicyType as SdkPolicyType, PredefinedMetricSpecification as SdkPredefined, ScalableDimension,
    ScalingPolicy, StepAdjustment as SdkStep, StepScalingPolicyConfiguration,
    TargetTrackingScalingPolicyConfiguration,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{recorded, split_import, ServiceNamespace};
use crate::common::{api, read_back, read_found, retry};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_appautoscaling_policy";

/// How the policy scales.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PolicyType {
    /// By steps, when an alarm whose action is the policy fires.
    #[default]
    StepScaling,
    /// Keeping a metric at a target value.
    TargetTrackingScaling,
}

/// How a step's adjustment counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AdjustmentType {
    /// Adds the adjustment to the capacity.
    ChangeInCapacity,
    /// Sets the capacity to the adjustment.
    ExactCapacity,
    /// Adds the adjustment, as a percentage of the capacity.
    PercentChangeInCapacity,
}

/// How the alarm's metric data points are aggregated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MetricAggregation {
    Average,
    Minimum,
    Maximum,
}

/// A statistic of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Statistic {
    Average,
    Minimum,
    Maximum,
    SampleCount,
    Sum,
}

/// One step: the adjustment made when the metric is this far from the alarm's threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepAdjustment {
    /// The lower bound of the step, as a difference from the threshold (a number as
    /// text, e.g. `0`); none is minus infinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^-?[0-9]+(\.[0-9]+)?$"), extend("x-pattern-says" = "a number, e.g. `0` or `10.5`"))]
    pub metric_interval_lower_bound: Option<String>,
    /// The upper bound of the step, as a difference from the threshold (a number as
    /// text); none is infinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^-?[0-9]+(\.[0-9]+)?$"), extend("x-pattern-says" = "a number, e.g. `0` or `10.5`"))]
    pub metric_interval_upper_bound: Option<String>,
    /// The adjustment: a count, a capacity or a percentage (`adjustment_type`).
    pub scaling_adjustment: i32,
}

/// Scaling by steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepScaling {
    /// `ChangeInCapacity`, `ExactCapacity` or `PercentChangeInCapacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_type: Option<AdjustmentType>,
    /// Seconds after a scaling activity before another may start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub cooldown: Option<i32>,
    /// `Average`, `Minimum` or `Maximum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_aggregation_type: Option<MetricAggregation>,
    /// `PercentChangeInCapacity`: the least number of units a step changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_adjustment_magnitude: Option<i32>,
    /// The steps, by how far the metric is from the alarm's threshold.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub step_adjustment: Vec<StepAdjustment>,
}

/// A metric AWS predefines for the service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PredefinedMetric {
    /// e.g. `ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization`,
    /// `ALBRequestCountPerTarget`, `DynamoDBReadCapacityUtilization`.
    pub predefined_metric_type: String,
    /// `ALBRequestCountPerTarget`: `<load balancer ARN suffix>/<target group ARN suffix>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1023))]
    pub resource_label: Option<String>,
}

/// A dimension of a customized metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

/// A CloudWatch metric of your choosing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomizedMetric {
    pub metric_name: String,
    pub namespace: String,
    /// `Average`, `Minimum`, `Maximum`, `SampleCount` or `Sum`.
    pub statistic: Statistic,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub dimensions: Vec<Dimension>,
}

/// Scaling that keeps a metric at a target value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetTracking {
    /// The metric's value to keep.
    pub target_value: f64,
    /// Never scale in (only out).
    #[serde(default)]
    pub disable_scale_in: bool,
    /// Seconds after a scale-in before another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub scale_in_cooldown: Option<i32>,
    /// Seconds after a scale-out before another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub scale_out_cooldown: Option<i32>,
    /// A metric AWS predefines; conflicts with `customized_metric_specification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_metric_specification: Option<PredefinedMetric>,
    /// A CloudWatch metric of your choosing; conflicts with
    /// `predefined_metric_specification`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customized_metric_specification: Option<CustomizedMetric>,
}

/// A scaling policy of Application Auto Scaling.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"when": {"policy_type": "TargetTrackingScaling"}, "require": ["target_tracking_scaling_policy_configuration"], "forbid": ["step_scaling_policy_configuration"]}, {"when": {"policy_type": "StepScaling"}, "forbid": ["target_tracking_scaling_policy_configuration"]}]))]
pub struct Config {
    /// The policy's name, unique for its scalable target.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 255))]
    pub name: String,
    /// `StepScaling` (Terraform's default) or `TargetTrackingScaling`.
    #[serde(default)]
    pub policy_type: PolicyType,
    /// The scalable target's service (`aws_appautoscaling_target.<name>.service_namespace`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub service_namespace: ServiceNamespace,
    /// The scalable target's resource (`aws_appautoscaling_target.<name>.resource_id`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 1600))]
    pub resource_id: String,
    /// The scalable target's dimension (`aws_appautoscaling_target.<name>.scalable_dimension`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(regex(pattern = r"^[a-z-]+:[A-Za-z-]+:[A-Za-z]+$"), extend("x-pattern-says" = "`<service>:<resource type>:<property>`, e.g. `ecs:service:DesiredCount`"))]
    pub scalable_dimension: String,
    /// `StepScaling`: the steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_scaling_policy_configuration: Option<StepScaling>,
    /// `TargetTrackingScaling`: the metric and its target value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_tracking_scaling_policy_configuration: Option<TargetTracking>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The policy's name (Terraform's id of a policy).
    pub id: String,
    /// The policy's ARN: what an alarm's `alarm_actions` names to run a step policy.
    pub arn: String,
    /// The alarms AWS made for a target tracking policy.
    pub alarm_arns: Vec<String>,
}

/// How `cairn import` names one.
pub const IMPORT_ID: &str = "`<service-namespace>/<resource-id>/<scalable-dimension>/<policy-name>` (e.g. `ecs/service/<cluster>/<service>/ecs:service:DesiredCount/<name>`)";

/// A bound as Terraform writes it: the shortest text of the number.
fn bound_text(v: f64) -> String {
    format!("{v}")
}

fn bound(rtype: &str, v: &Option<String>) -> Result<Option<f64>, ProviderError> {
    v.as_ref()
        .map(|s| {
            s.trim().parse::<f64>().map_err(|_| {
                ProviderError::InvalidConfig(format!("{rtype}: `{s}` is not a number"))
            })
        })
        .transpose()
}

fn step_config(c: &StepScaling) -> Result<StepScalingPolicyConfiguration, ProviderError> {
    let steps = c
        .step_adjustment
        .iter()
        .map(|s| {
            SdkStep::builder()
                .set_metric_interval_lower_bound(bound(TYPE, &s.metric_interval_lower_bound)?)
                .set_metric_interval_upper_bound(bound(TYPE, &s.metric_interval_upper_bound)?)
                .scaling_adjustment(s.scaling_adjustment)
                .build()
                .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StepScalingPolicyConfiguration::builder()
        .set_adjustment_type(
            c.adjustment_type
                .map(|a| SdkAdjustment::from(crate::common::wire(&a).as_str())),
        )
        .set_cooldown(c.cooldown)
        .set_metric_aggregation_type(
            c.metric_aggregation_type
                .map(|a| SdkAggregation::from(crate::common::wire(&a).as_str())),
        )
        .set_min_adjustment_magnitude(c.min_adjustment_magnitude)
        .set_step_adjustments(Some(steps).filter(|s| !s.is_empty()))
        .build())
}

fn tracking_config(
    c: &TargetTracking,
) -> Result<TargetTrackingScalingPolicyConfiguration, ProviderError> {
    let invalid = |e: aws_smithy_types::error::operation::BuildError| {
        ProviderError::InvalidConfig(format!("{TYPE}: {e}"))
    };
    let predefined = c
        .predefined_metric_specification
        .as_ref()
        .map(|p| {
            SdkPredefined::builder()
                .predefined_metric_type(MetricType::from(p.predefined_metric_type.as_str()))
                .set_resource_label(p.resource_label.clone())
                .build()
                .map_err(invalid)
        })
        .transpose()?;
    let customized = c
        .customized_metric_specification
        .as_ref()
        .map(|m| {
            let dimensions = m
                .dimensions
                .iter()
                .map(|d| {
                    MetricDimension::builder()
                        .name(&d.name)
                        .value(&d.value)
                        .build()
                        .map_err(invalid)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, ProviderError>(
                SdkCustom::builder()
                    .metric_name(&m.metric_name)
                    .namespace(&m.namespace)
                    .statistic(MetricStatistic::from(
                        crate::common::wire(&m.statistic).as_str(),
                    ))
                    .set_unit(m.unit.clone())
                    .set_dimensions(Some(dimensions).filter(|d| !d.is_empty()))
                    .build(),
            )
        })
        .transpose()?;
    TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(c.target_value)
        .disable_scale_in(c.disable_scale_in)
        .set_scale_in_cooldown(c.scale_in_cooldown)
        .set_scale_out_cooldown(c.scale_out_cooldown)
        .set_predefined_metric_specification(predefined)
        .set_customized_metric_specification(customized)
        .build()
        .map_err(invalid)
}

fn view(p: &ScalingPolicy) -> Option<Observed> {
    let service_namespace = crate::common::from_wire(p.service_namespace().as_str())?;
    let policy_type = crate::common::from_wire(p.policy_type().as_str())?;
    let step = p.step_scaling_policy_configuration().map(|s| StepScaling {
        adjustment_type: s
            .adjustment_type()
            .and_then(|a| crate::common::from_wire(a.as_str())),
        cooldown: s.cooldown(),
        metric_aggregation_type: s
            .metric_aggregation_type()
            .and_then(|a| crate::common::from_wire(a.as_str())),
        min_adjustment_magnitude: s.min_adjustment_magnitude(),
        step_adjustment: s
            .step_adjustments()
            .iter()
            .map(|a| StepAdjustment {
                metric_interval_lower_bound: a.metric_interval_lower_bound().map(bound_text),
                metric_interval_upper_bound: a.metric_interval_upper_bound().map(bound_text),
                scaling_adjustment: a.scaling_adjustment(),
            })
            .collect(),
    });
    let tracking = p
        .target_tracking_scaling_policy_configuration()
        .map(|t| TargetTracking {
            target_value: t.target_value(),
            disable_scale_in: t.disable_scale_in().unwrap_or(false),
            scale_in_cooldown: t.scale_in_cooldown(),
            scale_out_cooldown: t.scale_out_cooldown(),
            predefined_metric_specification: t.predefined_metric_specification().map(|m| {
                PredefinedMetric {
                    predefined_metric_type: m.predefined_metric_type().as_str().to_string(),
                    resource_label: m.resource_label().map(str::to_string),
                }
            }),
            customized_metric_specification: t.customized_metric_specification().and_then(|m| {
                Some(CustomizedMetric {
                    metric_name: m.metric_name()?.to_string(),
                    namespace: m.namespace()?.to_string(),
                    statistic: crate::common::from_wire(m.statistic()?.as_str())?,
                    unit: m.unit().map(str::to_string),
                    dimensions: m
                        .dimensions()
                        .iter()
                        .map(|d| Dimension {
                            name: d.name().to_string(),
                            value: d.value().to_string(),
                        })
                        .collect(),
                })
            }),
        });
    let config = Config {
        name: p.policy_name().to_string(),
        policy_type,
        service_namespace,
        resource_id: p.resource_id().to_string(),
        scalable_dimension: p.scalable_dimension().as_str().to_string(),
        step_scaling_policy_configuration: step,
        target_tracking_scaling_policy_configuration: tracking,
    };
    let outputs = Outputs {
        id: p.policy_name().to_string(),
        arn: p.policy_arn().to_string(),
        alarm_arns: p
            .alarms()
            .iter()
            .map(|a| a.alarm_arn().to_string())
            .collect(),
    };
    Some(AwsAppautoscalingPolicy::observed(
        p.policy_name(),
        &config,
        &outputs,
    ))
}

/// The policy of the name on the target, if there is one.
async fn read_policy(
    aws: &Aws,
    namespace: &str,
    resource_id: &str,
    dimension: &str,
    name: &str,
) -> Result<Option<Observed>, ProviderError> {
    let Some(ns) = crate::common::from_wire::<ServiceNamespace>(namespace) else {
        return Ok(None);
    };
    let policies = aws
        .appautoscaling
        .describe_scaling_policies()
        .service_namespace(ns.sdk())
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::from(dimension))
        .policy_names(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| api("DescribeScalingPolicies", name, e.into_service_error()))?;
    Ok(policies
        .iter()
        .find(|p| {
            p.policy_name() == name
                && p.resource_id() == resource_id
                && p.scalable_dimension().as_str() == dimension
        })
        .and_then(view))
}

async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<Observed>, ProviderError> {
    let prior = &request.prior_inputs;
    let namespace = recorded(TYPE, &request.id, prior, "service_namespace")?;
    let resource = recorded(TYPE, &request.id, prior, "resource_id")?;
    let dimension = recorded(TYPE, &request.id, prior, "scalable_dimension")?;
    read_policy(aws, &namespace, &resource, &dimension, &request.id).await
}

/// PutScalingPolicy: creates the policy, or changes the one of the name. A target just
/// registered may not be visible yet: retried for a minute while AWS answers that it is
/// not found, as Terraform does.
async fn put(aws: &Aws, c: &Config) -> Answer<()> {
    let step = c
        .step_scaling_policy_configuration
        .as_ref()
        .map(step_config)
        .transpose()?;
    let tracking = c
        .target_tracking_scaling_policy_configuration
        .as_ref()
        .map(tracking_config)
        .transpose()?;
    retry(
        Duration::from_secs(60),
        |e: &ProviderError| e.kind() == cairn_model::ErrorKind::NotFound,
        || async {
            aws.appautoscaling
                .put_scaling_policy()
                .policy_name(&c.name)
                .policy_type(SdkPolicyType::from(
                    crate::common::wire(&c.policy_type).as_str(),
                ))
                .service_namespace(c.service_namespace.sdk())
                .resource_id(&c.resource_id)
                .scalable_dimension(ScalableDimension::from(c.scalable_dimension.as_str()))
                .set_step_scaling_policy_configuration(step.clone())
                .set_target_tracking_scaling_policy_configuration(tracking.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api("PutScalingPolicy", &c.name, e.into_service_error()))
        },
    )
    .await
}

async fn read_config(aws: &Aws, c: &Config) -> Result<Option<Observed>, ProviderError> {
    let ns = crate::common::wire(&c.service_namespace);
    read_policy(aws, &ns, &c.resource_id, &c.scalable_dimension, &c.name).await
}

/// The `aws_appautoscaling_policy` resource type.
pub struct AwsAppautoscalingPolicy;

impl Resource for AwsAppautoscalingPolicy {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&[
            "service_namespace",
            "resource_id",
            "scalable_dimension",
            "name",
        ]),
        cloudformation: "AWS::ApplicationAutoScaling::ScalingPolicy",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "scale-out",
            "ecs/service/prod/web/ecs:service:DesiredCount/",
            "nope/service/prod/web/ecs:service:DesiredCount/scale-out",
            "ecs/service/prod/web/DesiredCount/scale-out",
        ],
        absent: Some("ecs/service/absent/absent/ecs:service:DesiredCount/absent"),
    };

    /// DescribeScalingPolicies per policy, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, request).await
    }

    /// PutScalingPolicy. A policy of the name already on the target is refused rather than
    /// taken over (putting it again would change it).
    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        if read_config(aws, c).await?.is_some() {
            return Err(ProviderError::Api(format!(
                "PutScalingPolicy {}: {} already has a scaling policy of this name; bring it under management with `cairn import`",
                c.name, c.resource_id
            )));
        }
        put(aws, c).await?;
        read_back(TYPE, &c.name, || read_config(aws, c)).await
    }

    /// By its natural key: the target and the name.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = read_config(aws, c)
            .await?
            .map(|o| o.id)
            .into_iter()
            .collect();
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// `<service-namespace>/<resource-id>/<scalable-dimension>/<policy-name>`.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (ns, resource, dimension, name) = split_import(TYPE, import_id, true, IMPORT_ID)?;
        read_policy(aws, ns, &resource, dimension, name.unwrap_or_default()).await
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        let get = |k: &str| o.inputs[k].as_str().unwrap_or_default().to_string();
        vec![format!(
            "{}/{}/{}/{}",
            get("service_namespace"),
            get("resource_id"),
            get("scalable_dimension"),
            o.id
        )]
    }

    /// PutScalingPolicy again with the whole configuration (the ARN stays).
    async fn update(
        aws: &Aws,
        _prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        put(aws, new).await?;
        read_back(TYPE, &new.name, || read_config(aws, new)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let c: Config = crate::common::parse(TYPE, &prior.inputs)?;
        aws.appautoscaling
            .delete_scaling_policy()
            .policy_name(&c.name)
            .service_namespace(c.service_namespace.sdk())
            .resource_id(&c.resource_id)
            .scalable_dimension(ScalableDimension::from(c.scalable_dimension.as_str()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteScalingPolicy", &c.name, e.into_service_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_as_terraform_writes_them() {
        assert_eq!(bound_text(0.0), "0");
        assert_eq!(bound_text(10.5), "10.5");
        assert_eq!(bound_text(-20.0), "-20");
        assert_eq!(bound(TYPE, &Some("10.5".into())).ok(), Some(Some(10.5)));
        assert!(bound(TYPE, &Some("x".into())).is_err());
    }
}
