//! `aws_cloudwatch_event_target`: where an EventBridge rule sends what it matches (a Lambda
//! function, an SNS topic, an SQS queue, ...).

use std::collections::BTreeMap;

use aws_sdk_eventbridge::types::Target;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{default_bus, document, document_text, on_bus, split_bus};
use crate::common::{
    api, code, generated_from, is_not_found, malformed, read_back, Named, Naming,
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
    };
    let id = key.id();
    AwsCloudwatchEventTarget::observed(&id, &config, &Outputs { id: id.clone() })
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
    let target = Target::builder()
        .id(target)
        .arn(&c.arn)
        .set_input(c.input.as_ref().map(document_text))
        .set_input_path(c.input_path.clone())
        .set_role_arn(c.role_arn.clone())
        .build()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {id}: {e}")))?;
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
                ["arn", "input", "input_path", "role_arn"]
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
