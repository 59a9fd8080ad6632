//! `aws_cloudwatch_metric_alarm`: an alarm on one CloudWatch metric, with the actions (SNS
//! topics, scaling policies) it takes when its state changes.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, MetricAlarm, StandardUnit, Statistic, Tag,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, read_back, tag_changes, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_metric_alarm";

fn yes() -> bool {
    true
}

fn missing() -> String {
    "missing".into()
}

/// A CloudWatch metric alarm.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub alarm_name: String,
    /// `GreaterThanThreshold`, `GreaterThanOrEqualToThreshold`, `LessThanThreshold`,
    /// `LessThanOrEqualToThreshold`, ...
    pub comparison_operator: String,
    /// How many periods are compared with the threshold.
    pub evaluation_periods: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// e.g. `AWS/Lambda`, or a namespace of your own metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Seconds over which the statistic is taken (10, 30, or a multiple of 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i32>,
    /// `SampleCount`, `Average`, `Sum`, `Minimum` or `Maximum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// A percentile instead of `statistic`, e.g. `p99`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The metric's dimensions, e.g. `{ FunctionName = "api" }`.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// The unit of the metric, e.g. `Seconds`, `Count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// Whether the actions run on state changes.
    #[serde(default = "yes")]
    pub actions_enabled: bool,
    /// ARNs notified when the alarm goes to `ALARM` (SNS topics, ...).
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub alarm_actions: Vec<String>,
    /// ARNs notified when the alarm goes back to `OK`.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub ok_actions: Vec<String>,
    /// ARNs notified when the alarm goes to `INSUFFICIENT_DATA`.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub insufficient_data_actions: Vec<String>,
    /// `missing`, `ignore`, `breaching` or `notBreaching`.
    #[serde(default = "missing")]
    pub treat_missing_data: String,
    /// How many of the evaluated periods must breach (M of N); all of them when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The alarm name.
    pub id: String,
    pub arn: String,
}

/// How `cairn import` names one: the alarm name.
pub const IMPORT_ID: &str = "the alarm name";

/// DescribeAlarms for up to 100 names at a time (paged); tags per alarm, in parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let names: Vec<String> = out.keys().cloned().collect();
    let mut found: Vec<MetricAlarm> = Vec::new();
    for batch in names.chunks(100) {
        let pages = aws
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(batch.to_vec()))
            .alarm_types(AlarmType::MetricAlarm)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeAlarms", &batch.join(", "), e.into_service_error()))?;
        found.extend(pages.iter().flat_map(|p| p.metric_alarms().iter().cloned()));
    }
    let views = found.iter().map(|a| view(aws, a));
    for o in futures::future::try_join_all(views).await? {
        if out.contains_key(&o.id) {
            out.insert(o.id.clone(), Some(o));
        }
    }
    Ok(out)
}

async fn view(aws: &Aws, a: &MetricAlarm) -> Result<Observed, ProviderError> {
    let name = a.alarm_name().unwrap_or_default();
    let arn = a.alarm_arn().unwrap_or_default();
    let tags = aws
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| api("ListTagsForResource", name, e.into_service_error()))?;
    let config = Config {
        alarm_name: name.to_string(),
        comparison_operator: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        evaluation_periods: a.evaluation_periods().unwrap_or(1),
        metric_name: a.metric_name().map(str::to_string),
        namespace: a.namespace().map(str::to_string),
        period: a.period(),
        statistic: a.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: a.extended_statistic().map(str::to_string),
        threshold: a.threshold(),
        dimensions: a
            .dimensions()
            .iter()
            .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
            .collect(),
        unit: a.unit().map(|u| u.as_str().to_string()),
        alarm_description: a
            .alarm_description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        ok_actions: a.ok_actions().to_vec(),
        insufficient_data_actions: a.insufficient_data_actions().to_vec(),
        treat_missing_data: a
            .treat_missing_data()
            .map(str::to_string)
            .unwrap_or_else(missing),
        datapoints_to_alarm: a.datapoints_to_alarm(),
        tags: visible_tags(
            tags.tags()
                .iter()
                .filter_map(|t| Some((t.key()?, t.value()?))),
        ),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn: arn.to_string(),
    };
    Ok(AwsCloudwatchMetricAlarm::observed(name, &config, &outputs))
}

async fn read_one(aws: &Aws, name: &str) -> Result<Option<Observed>, ProviderError> {
    let request = crate::common::request(name, serde_json::Value::Null);
    Ok(crate::common::only(name, read(aws, &request).await?))
}

fn cloudwatch_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// PutMetricAlarm sets every attribute of the alarm (creating it when new), and its tags
/// only when it creates it.
async fn put(aws: &Aws, c: &Config, tags: bool) -> Result<(), ProviderError> {
    aws.cloudwatch
        .put_metric_alarm()
        .alarm_name(&c.alarm_name)
        .comparison_operator(ComparisonOperator::from(c.comparison_operator.as_str()))
        .evaluation_periods(c.evaluation_periods)
        .set_metric_name(c.metric_name.clone())
        .set_namespace(c.namespace.clone())
        .set_period(c.period)
        .set_statistic(c.statistic.as_deref().map(Statistic::from))
        .set_extended_statistic(c.extended_statistic.clone())
        .set_threshold(c.threshold)
        .set_dimensions(Some(
            c.dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_unit(c.unit.as_deref().map(StandardUnit::from))
        .set_alarm_description(c.alarm_description.clone())
        .actions_enabled(c.actions_enabled)
        .set_alarm_actions(Some(c.alarm_actions.clone()))
        .set_ok_actions(Some(c.ok_actions.clone()))
        .set_insufficient_data_actions(Some(c.insufficient_data_actions.clone()))
        .treat_missing_data(&c.treat_missing_data)
        .set_datapoints_to_alarm(c.datapoints_to_alarm)
        .set_tags((tags && !c.tags.is_empty()).then(|| cloudwatch_tags(&c.tags)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("PutMetricAlarm", &c.alarm_name, e.into_service_error()))
}

/// The `aws_cloudwatch_metric_alarm` resource type.
pub struct AwsCloudwatchMetricAlarm;

impl Resource for AwsCloudwatchMetricAlarm {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["alarm_name"]),
        cloudformation: "AWS::CloudWatch::Alarm",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[""],
        absent: Some("absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        put(aws, c, true).await?;
        read_back(TYPE, &c.alarm_name, || read_one(aws, &c.alarm_name)).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        let settings = |c: &Config| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.remove("tags");
            }
            v
        };
        if settings(old) != settings(new) {
            put(aws, new, false).await?;
        }
        let arn = prior
            .outputs
            .get("arn")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.cloudwatch
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.cloudwatch
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(cloudwatch_tags(&set)))
                .send()
                .await
                .map_err(|e| api("TagResource", name, e.into_service_error()))?;
        }
        read_back(TYPE, name, || read_one(aws, name)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.cloudwatch
            .delete_alarms()
            .alarm_names(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteAlarms", &prior.id, e.into_service_error()))
    }
}
