//! `aws_cloudwatch_event_target`: where an EventBridge rule sends what it matches (a Lambda
//! function, an SNS topic, an SQS queue, ...).

use std::collections::BTreeMap;

use aws_sdk_eventbridge::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, DeadLetterConfig,
    EcsParameters, InputTransformer, LaunchType as SdkLaunchType, NetworkConfiguration,
    PlacementConstraint as SdkPlacementConstraint, PlacementConstraintType,
    PlacementStrategy as SdkPlacementStrategy, PlacementStrategyType,
    PropagateTags as SdkPropagateTags, RetryPolicy as SdkRetryPolicy, RunCommandParameters,
    RunCommandTarget as SdkRunCommandTarget, Tag as SdkTag, Target,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{default_bus, document, document_text, on_bus, split_bus};
use crate::common::{
    api, code, from_wire, generated_from, is_not_found, malformed, read_back, wire, Named, Naming,
    DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_event_target";

/// How a target's id is generated when the configuration leaves it out, as Terraform's
/// `id.UniqueId()`: `cairn-` (Terraform's is `terraform-`), a UTC timestamp and a counter.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "target_id",
    prefix: "",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 64,
};

/// A target of an EventBridge rule.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [
    {"given": ["input"], "forbid": ["input_path", "input_transformer"]},
    {"given": ["input_path"], "forbid": ["input", "input_transformer"]},
    {"given": ["input_transformer"], "forbid": ["input", "input_path"]}
]))]
pub struct Config {
    /// The rule's name.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub rule: String,
    /// The bus of the rule.
    #[serde(default = "default_bus")]
    #[schemars(extend("x-force-new" = true))]
    pub event_bus_name: String,
    /// The target's id, unique among the rule's targets. When left out, a unique one is
    /// generated (`cairn-`, a UTC timestamp and a counter, as Terraform's `terraform-...`)
    /// and kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub target_id: Option<String>,
    /// What receives the events: a Lambda function's, topic's, queue's, ... ARN.
    pub arn: String,
    /// A fixed JSON document to send instead of the event (a table or a JSON string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub input: Option<serde_json::Value>,
    /// A JSONPath selecting the part of the event to send, e.g. `$.detail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    /// The role EventBridge assumes to reach the target (ECS tasks, Kinesis, other buses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Values picked from the event and set into a template: what is sent instead of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<Transformer>,
    /// An ECS task to run (the target's `arn` is then the cluster's, `role_arn` a role that
    /// may run it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_target: Option<EcsTarget>,
    /// How long and how often EventBridge retries a failed delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<RetryPolicy>,
    /// Where undeliverable events go (an SQS queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetter>,
    /// Systems Manager Run Command: the instances to run on (up to 5 key/values pairs).
    #[serde(default)]
    #[schemars(length(max = 5))]
    pub run_command_targets: Vec<RunCommandTarget>,
}

/// What a target sends, made from the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transformer {
    /// Names for JSONPaths into the event (at most 100), e.g. `{ instance = "$.detail.instance" }`.
    #[serde(default)]
    pub input_paths: BTreeMap<String, String>,
    /// The text sent, with `<name>` where a value of `input_paths` goes.
    #[schemars(length(min = 1, max = 8192))]
    pub input_template: String,
}

/// How an ECS task is launched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LaunchType {
    Ec2,
    Fargate,
    External,
}

/// Where a task's tags come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PropagateTags {
    TaskDefinition,
}

/// The ECS task a target runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EcsTarget {
    /// The task definition (revision) to run.
    pub task_definition_arn: String,
    /// How many tasks to start.
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub task_count: i32,
    /// `EC2`, `FARGATE` or `EXTERNAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    /// The Fargate platform version, e.g. `LATEST` or `1.4.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1600))]
    pub platform_version: Option<String>,
    /// The task group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255))]
    pub group: Option<String>,
    /// Let ECS tag the tasks with the cluster's and the rule's names.
    #[serde(default)]
    pub enable_ecs_managed_tags: bool,
    /// Allow ECS Exec into the tasks.
    #[serde(default)]
    pub enable_execute_command: bool,
    /// `TASK_DEFINITION`: copy the task definition's tags to the tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate_tags: Option<PropagateTags>,
    /// The subnets and security groups of `awsvpc` tasks (Fargate needs them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<EcsNetwork>,
    /// Capacity providers to run the tasks on, instead of a `launch_type`.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub capacity_provider_strategy: Vec<CapacityProvider>,
    /// Constraints on the instances chosen (at most 10).
    #[serde(default)]
    #[schemars(extend("x-set" = true), length(max = 10))]
    pub placement_constraint: Vec<Constraint>,
    /// How tasks are spread over instances (at most 5, in order).
    #[serde(default)]
    #[schemars(length(max = 5))]
    pub ordered_placement_strategy: Vec<Strategy>,
    /// Tags for the tasks.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn one() -> i32 {
    1
}

/// The network of `awsvpc` tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EcsNetwork {
    #[schemars(extend("x-set" = true))]
    pub subnets: Vec<String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub security_groups: Vec<String>,
    /// Give the tasks public IP addresses (Fargate tasks in public subnets).
    #[serde(default)]
    pub assign_public_ip: bool,
}

/// One capacity provider of a strategy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityProvider {
    pub capacity_provider: String,
    /// The tasks run on this provider first.
    #[serde(default)]
    #[schemars(range(min = 0, max = 100000))]
    pub base: i32,
    /// The share of the tasks beyond the bases.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1000))]
    pub weight: i32,
}

/// The kind of a placement constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ConstraintType {
    DistinctInstance,
    MemberOf,
}

/// A placement constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// `distinctInstance` or `memberOf`.
    #[serde(rename = "type")]
    pub kind: ConstraintType,
    /// With `memberOf`: a cluster query expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// The kind of a placement strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StrategyType {
    Random,
    Spread,
    Binpack,
}

/// A placement strategy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// `random`, `spread` or `binpack`.
    #[serde(rename = "type")]
    pub kind: StrategyType,
    /// What to spread over or bin-pack by (`instanceId`, `memory`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub field: Option<String>,
}

/// Retries of failed deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Seconds (60 to 86400) an event is kept for retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 60, max = 86400))]
    pub maximum_event_age_in_seconds: Option<i32>,
    /// Retries (0 to 185).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 185))]
    pub maximum_retry_attempts: Option<i32>,
}

/// Where undeliverable events go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadLetter {
    /// The SQS queue's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

/// Instances a Run Command runs on: those whose `key` (`InstanceIds` or `tag:<name>`) is one
/// of `values`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunCommandTarget {
    #[schemars(length(min = 1, max = 128))]
    pub key: String,
    #[schemars(length(max = 50))]
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<rule>/<target_id>`, or `<event_bus_name>/<rule>/<target_id>` on a bus other than the
    /// default one.
    pub id: String,
}

/// How `cairn import` names one: as its id (Terraform's format).
pub const IMPORT_ID: &str =
    "`<rule>/<target_id>`, or `<event_bus_name>/<rule>/<target_id>` on a bus other than the default one";

/// Where a target is: its bus, rule and id.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    bus: String,
    rule: String,
    target: String,
}

impl Key {
    /// The target `target` of the rule `c` names.
    fn of(c: &Config, target: &str) -> Key {
        Key {
            bus: c.event_bus_name.clone(),
            rule: c.rule.clone(),
            target: target.to_string(),
        }
    }

    fn id(&self) -> String {
        on_bus(&self.bus, &format!("{}/{}", self.rule, self.target))
    }

    fn parse(id: &str) -> Option<Key> {
        let (prefix, target) = id.rsplit_once('/')?;
        let (bus, rule) = split_bus(prefix);
        if [bus, rule, target].iter().any(|p| p.is_empty()) || id.contains(char::is_whitespace) {
            return None;
        }
        Some(Key {
            bus: bus.to_string(),
            rule: rule.to_string(),
            target: target.to_string(),
        })
    }
}

/// Every target of a rule (ListTargetsByRule, paged); none when the rule is gone.
async fn targets(aws: &Aws, bus: &str, rule: &str) -> Result<Vec<Target>, ProviderError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = match aws
            .events
            .list_targets_by_rule()
            .rule(rule)
            .event_bus_name(bus)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                let e = e.into_service_error();
                if is_not_found(code(&e)) {
                    return Ok(Vec::new());
                }
                return Err(api("ListTargetsByRule", &on_bus(bus, rule), e));
            }
        };
        out.extend(page.targets().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// One ListTargetsByRule per rule, in parallel: each answers for every target of that rule.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> = BTreeMap::new();
    let mut rules: BTreeMap<(String, String), Vec<(String, Key)>> = BTreeMap::new();
    for r in requests {
        match Key::parse(&r.id) {
            Some(k) => rules
                .entry((k.bus.clone(), k.rule.clone()))
                .or_default()
                .push((r.id.clone(), k)),
            None => {
                out.insert(r.id.clone(), None);
            }
        }
    }
    let reads = rules.into_iter().map(|((bus, rule), keys)| async move {
        let found = targets(aws, &bus, &rule).await?;
        Ok::<_, ProviderError>(
            keys.into_iter()
                .map(|(id, key)| {
                    let view = found
                        .iter()
                        .find(|t| t.id() == key.target)
                        .map(|t| view(&key, t));
                    (id, view)
                })
                .collect::<Vec<_>>(),
        )
    });
    for found in futures::future::try_join_all(reads).await? {
        out.extend(found);
    }
    Ok(out)
}

fn view(key: &Key, t: &Target) -> Observed {
    let config = Config {
        rule: key.rule.clone(),
        event_bus_name: key.bus.clone(),
        target_id: Some(t.id().to_string()),
        arn: t.arn().to_string(),
        input: t.input().filter(|i| !i.is_empty()).map(document),
        input_path: t.input_path().filter(|p| !p.is_empty()).map(str::to_string),
        role_arn: t.role_arn().filter(|r| !r.is_empty()).map(str::to_string),
        input_transformer: t.input_transformer().map(|x| Transformer {
            input_paths: x
                .input_paths_map()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            input_template: x.input_template().to_string(),
        }),
        ecs_target: t.ecs_parameters().map(ecs_view),
        retry_policy: t.retry_policy().map(|r| RetryPolicy {
            maximum_event_age_in_seconds: r.maximum_event_age_in_seconds(),
            maximum_retry_attempts: r.maximum_retry_attempts(),
        }),
        dead_letter_config: t.dead_letter_config().map(|d| DeadLetter {
            arn: d.arn().map(str::to_string),
        }),
        run_command_targets: t
            .run_command_parameters()
            .map(|r| {
                r.run_command_targets()
                    .iter()
                    .map(|t| RunCommandTarget {
                        key: t.key().to_string(),
                        values: t.values().to_vec(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let id = key.id();
    AwsCloudwatchEventTarget::observed(&id, &config, &Outputs { id: id.clone() })
}

/// A target's ECS parameters in the configuration's terms.
fn ecs_view(e: &EcsParameters) -> EcsTarget {
    EcsTarget {
        task_definition_arn: e.task_definition_arn().to_string(),
        task_count: e.task_count().unwrap_or(1),
        launch_type: e.launch_type().and_then(|l| from_wire(l.as_str())),
        platform_version: e.platform_version().map(str::to_string),
        group: e.group().map(str::to_string),
        enable_ecs_managed_tags: e.enable_ecs_managed_tags(),
        enable_execute_command: e.enable_execute_command(),
        propagate_tags: e.propagate_tags().and_then(|p| from_wire(p.as_str())),
        network_configuration: e
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .map(|v| EcsNetwork {
                subnets: v.subnets().to_vec(),
                security_groups: v.security_groups().to_vec(),
                assign_public_ip: v.assign_public_ip() == Some(&AssignPublicIp::Enabled),
            }),
        capacity_provider_strategy: e
            .capacity_provider_strategy()
            .iter()
            .map(|c| CapacityProvider {
                capacity_provider: c.capacity_provider().to_string(),
                base: c.base(),
                weight: c.weight(),
            })
            .collect(),
        placement_constraint: e
            .placement_constraints()
            .iter()
            .filter_map(|c| {
                Some(Constraint {
                    kind: from_wire(c.r#type()?.as_str())?,
                    expression: c.expression().map(str::to_string),
                })
            })
            .collect(),
        ordered_placement_strategy: e
            .placement_strategy()
            .iter()
            .filter_map(|s| {
                Some(Strategy {
                    kind: from_wire(s.r#type()?.as_str())?,
                    field: s.field().map(str::to_string),
                })
            })
            .collect(),
        tags: e
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }
}

/// A target's ECS parameters as PutTargets takes them.
fn ecs_parameters(e: &EcsTarget) -> Result<EcsParameters, aws_sdk_eventbridge::error::BuildError> {
    let network = match &e.network_configuration {
        Some(n) => Some(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .set_subnets(Some(n.subnets.clone()))
                        .set_security_groups(
                            (!n.security_groups.is_empty()).then(|| n.security_groups.clone()),
                        )
                        .assign_public_ip(if n.assign_public_ip {
                            AssignPublicIp::Enabled
                        } else {
                            AssignPublicIp::Disabled
                        })
                        .build()?,
                )
                .build(),
        ),
        None => None,
    };
    let strategy = e
        .capacity_provider_strategy
        .iter()
        .map(|c| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(&c.capacity_provider)
                .base(c.base)
                .weight(c.weight)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tags = e
        .tags
        .iter()
        .map(|(k, v)| SdkTag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()?;
    EcsParameters::builder()
        .task_definition_arn(&e.task_definition_arn)
        .task_count(e.task_count)
        .set_launch_type(
            e.launch_type
                .map(|l| SdkLaunchType::from(wire(&l).as_str())),
        )
        .set_platform_version(e.platform_version.clone())
        .set_group(e.group.clone())
        .enable_ecs_managed_tags(e.enable_ecs_managed_tags)
        .enable_execute_command(e.enable_execute_command)
        .set_propagate_tags(
            e.propagate_tags
                .map(|p| SdkPropagateTags::from(wire(&p).as_str())),
        )
        .set_network_configuration(network)
        .set_capacity_provider_strategy((!strategy.is_empty()).then_some(strategy))
        .set_placement_constraints((!e.placement_constraint.is_empty()).then(|| {
            e.placement_constraint
                .iter()
                .map(|c| {
                    SdkPlacementConstraint::builder()
                        .r#type(PlacementConstraintType::from(wire(&c.kind).as_str()))
                        .set_expression(c.expression.clone())
                        .build()
                })
                .collect()
        }))
        .set_placement_strategy((!e.ordered_placement_strategy.is_empty()).then(|| {
            e.ordered_placement_strategy
                .iter()
                .map(|s| {
                    SdkPlacementStrategy::builder()
                        .r#type(PlacementStrategyType::from(wire(&s.kind).as_str()))
                        .set_field(s.field.clone())
                        .build()
                })
                .collect()
        }))
        .set_tags((!tags.is_empty()).then_some(tags))
        .build()
}

/// `c` in the normalised form a read shows it in.
fn observed_config(c: &Config) -> serde_json::Value {
    let outputs = Outputs { id: String::new() };
    AwsCloudwatchEventTarget::observed("", c, &outputs).inputs
}

async fn read_key(aws: &Aws, key: &Key) -> Result<Option<Observed>, ProviderError> {
    let id = key.id();
    let request = crate::common::request(&id, serde_json::Value::Null);
    Ok(crate::common::only(&id, read(aws, &request).await?))
}

/// PutTargets creates the target `target` of the rule or replaces every attribute of it.
async fn put(aws: &Aws, c: &Config, target: &str) -> Result<(), ProviderError> {
    let id = Key::of(c, target).id();
    let invalid = |e: aws_sdk_eventbridge::error::BuildError| {
        ProviderError::InvalidConfig(format!("{TYPE} {id}: {e}"))
    };
    let transformer = match &c.input_transformer {
        Some(x) => Some(
            InputTransformer::builder()
                .set_input_paths_map((!x.input_paths.is_empty()).then(|| {
                    x.input_paths
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                }))
                .input_template(&x.input_template)
                .build()
                .map_err(invalid)?,
        ),
        None => None,
    };
    let run_command = match c.run_command_targets.as_slice() {
        [] => None,
        targets => Some(
            RunCommandParameters::builder()
                .set_run_command_targets(Some(
                    targets
                        .iter()
                        .map(|t| {
                            SdkRunCommandTarget::builder()
                                .key(&t.key)
                                .set_values(Some(t.values.clone()))
                                .build()
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(invalid)?,
                ))
                .build()
                .map_err(invalid)?,
        ),
    };
    let target = Target::builder()
        .id(target)
        .arn(&c.arn)
        .set_input(c.input.as_ref().map(document_text))
        .set_input_path(c.input_path.clone())
        .set_role_arn(c.role_arn.clone())
        .set_input_transformer(transformer)
        .set_ecs_parameters(
            c.ecs_target
                .as_ref()
                .map(ecs_parameters)
                .transpose()
                .map_err(invalid)?,
        )
        .set_retry_policy(c.retry_policy.as_ref().map(|r| {
            SdkRetryPolicy::builder()
                .set_maximum_event_age_in_seconds(r.maximum_event_age_in_seconds)
                .set_maximum_retry_attempts(r.maximum_retry_attempts)
                .build()
        }))
        .set_dead_letter_config(
            c.dead_letter_config
                .as_ref()
                .map(|d| DeadLetterConfig::builder().set_arn(d.arn.clone()).build()),
        )
        .set_run_command_parameters(run_command)
        .build()
        .map_err(invalid)?;
    let put = aws
        .events
        .put_targets()
        .rule(&c.rule)
        .event_bus_name(&c.event_bus_name)
        .targets(target)
        .send()
        .await
        .map_err(|e| api("PutTargets", &id, e.into_service_error()))?;
    if let Some(failed) = put.failed_entries().first() {
        return Err(ProviderError::Api(format!(
            "PutTargets {id}: {}: {}",
            failed.error_code().unwrap_or("failed"),
            failed.error_message().unwrap_or_default()
        )));
    }
    Ok(())
}

/// The `aws_cloudwatch_event_target` resource type.
pub struct AwsCloudwatchEventTarget;

impl Resource for AwsCloudwatchEventTarget {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["rule", "target_id"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["nightly", "nightly/"],
        absent: Some("absent/t"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its id.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let Some(key) = Key::parse(import_id) else {
            return Err(malformed(
                TYPE,
                import_id,
                "it is not a rule and a target id separated by `/`",
                IMPORT_ID,
            ));
        };
        read_key(aws, &key).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let target = NAMING.create_name(c.target_id.as_deref(), None)?;
        put(aws, c, &target).await?;
        let key = Key::of(c, &target);
        read_back(TYPE, &key.id(), || read_key(aws, &key)).await
    }

    /// By its natural key: the bus, the rule and the target id. A target has no tags: one
    /// whose id was generated is found by what it does (the rule's targets with generated ids
    /// that send to the same ARN the same way, newest first).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.target_id.as_deref(), None)? {
            Named::Given(target) => {
                return Ok(read_key(aws, &Key::of(c, target))
                    .await?
                    .into_iter()
                    .collect())
            }
            Named::Generated(prefix) => prefix,
        };
        let want = observed_config(c);
        let mut found: Vec<Observed> = targets(aws, &c.event_bus_name, &c.rule)
            .await?
            .iter()
            .filter(|t| generated_from(t.id(), prefix, ""))
            .map(|t| view(&Key::of(c, t.id()), t))
            .filter(|o| {
                let same = |k: &str| o.inputs.get(k) == want.get(k);
                [
                    "arn",
                    "input",
                    "input_path",
                    "role_arn",
                    "input_transformer",
                    "ecs_target",
                ]
                .into_iter()
                .all(same)
            })
            .collect();
        found.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(found)
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let Some(key) = Key::parse(&prior.id) else {
            return Err(ProviderError::Api(format!(
                "{TYPE}: `{}` is not a target's id",
                prior.id
            )));
        };
        put(aws, new, &key.target).await?;
        read_back(TYPE, &prior.id, || read_key(aws, &key)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let Some(key) = Key::parse(&prior.id) else {
            return Err(ProviderError::Api(format!(
                "{TYPE}: `{}` is not a target's id",
                prior.id
            )));
        };
        let removed = aws
            .events
            .remove_targets()
            .rule(&key.rule)
            .event_bus_name(&key.bus)
            .ids(&key.target)
            .send()
            .await
            .map_err(|e| api("RemoveTargets", &prior.id, e.into_service_error()))?;
        match removed.failed_entries().first() {
            Some(f) if !is_not_found(f.error_code()) => Err(ProviderError::Api(format!(
                "RemoveTargets {}: {}: {}",
                prior.id,
                f.error_code().unwrap_or("failed"),
                f.error_message().unwrap_or_default()
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_terraform_s() {
        let k = Key::parse("nightly/lambda").expect("default bus");
        assert_eq!(
            (k.bus.as_str(), k.rule.as_str(), k.target.as_str()),
            ("default", "nightly", "lambda")
        );
        assert_eq!(k.id(), "nightly/lambda");
        let k = Key::parse("orders/nightly/lambda").expect("custom bus");
        assert_eq!((k.bus.as_str(), k.rule.as_str()), ("orders", "nightly"));
        assert_eq!(k.id(), "orders/nightly/lambda");
        for bad in ["nightly", "/lambda", "nightly/", "a b/c"] {
            assert_eq!(Key::parse(bad), None, "{bad}");
        }
    }
}
