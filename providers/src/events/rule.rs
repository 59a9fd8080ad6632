//! `aws_cloudwatch_event_rule`: an EventBridge rule, matching events by a pattern or firing on
//! a schedule, that sends them to its targets (`aws_cloudwatch_event_target`).

use std::collections::BTreeMap;

use aws_sdk_eventbridge::types::RuleState;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{default_bus, document, document_text, event_tags, on_bus, split_bus};
use crate::common::{
    api, claim, claimed, code, generated_from, is_not_found, read_back, read_found, tag_changes,
    tags_can_tell, visible_tags, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_event_rule";

fn enabled() -> String {
    "ENABLED".into()
}

/// How a rule's name is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "name",
    prefix: "name_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 64,
};

/// An EventBridge rule.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["name"], "forbid": ["name_prefix"]}]))]
pub struct Config {
    /// The rule's name, unique on its bus; generated when left out (see `name_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: Option<String>,
    /// A unique name is generated beginning with this prefix (followed by a UTC timestamp and
    /// a counter, as Terraform's `name_prefix`); conflicts with `name`. With neither, the name
    /// is generated from the prefix `cairn-` (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 38), regex(pattern = r"^[\.\-_A-Za-z0-9]+$"), extend("x-pattern-says" = "letters, digits and . - _"))]
    pub name_prefix: Option<String>,
    /// The bus the rule listens on.
    #[serde(default = "default_bus")]
    #[schemars(extend("x-force-new" = true))]
    pub event_bus_name: String,
    /// When the rule fires: `rate(5 minutes)` or `cron(0 12 * * ? *)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    /// Which events the rule matches (a table or a JSON string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub event_pattern: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
    #[serde(default = "enabled")]
    pub state: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The rule name, or `<event_bus_name>/<name>` on a bus other than the default one.
    pub id: String,
    pub arn: String,
}

/// How `cairn import` names one: as its id.
pub const IMPORT_ID: &str =
    "the rule name, or `<event_bus_name>/<rule_name>` on a bus other than the default one";

async fn read_one(
    aws: &Aws,
    id: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let (bus, name) = split_bus(id);
    let rule = match aws
        .events
        .describe_rule()
        .name(name)
        .event_bus_name(bus)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api("DescribeRule", id, e));
        }
    };
    let arn = rule.arn().unwrap_or_default().to_string();
    let tags = aws
        .events
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| api("ListTagsForResource", id, e.into_service_error()))?;
    let rule_name = rule.name().unwrap_or(name);
    let config = Config {
        name: Some(rule_name.to_string()),
        name_prefix: NAMING.read_prefix(rule_name, prior),
        event_bus_name: rule.event_bus_name().unwrap_or(bus).to_string(),
        schedule_expression: rule
            .schedule_expression()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        event_pattern: rule.event_pattern().filter(|p| !p.is_empty()).map(document),
        description: rule
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        state: rule
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(enabled),
        tags: visible_tags(tags.tags().iter().map(|t| (t.key(), t.value()))),
    };
    let outputs = Outputs {
        id: id.to_string(),
        arn,
    };
    Ok(Some(AwsCloudwatchEventRule::observed(
        id, &config, &outputs,
    )))
}

/// PutRule sets every attribute of the rule `name` (creating it when new), and its tags only
/// when it creates it.
async fn put(aws: &Aws, name: &str, c: &Config, tags: bool) -> Result<(), ProviderError> {
    let id = on_bus(&c.event_bus_name, name);
    aws.events
        .put_rule()
        .name(name)
        .event_bus_name(&c.event_bus_name)
        .set_schedule_expression(c.schedule_expression.clone())
        .set_event_pattern(c.event_pattern.as_ref().map(document_text))
        .set_description(c.description.clone())
        .state(RuleState::from(c.state.as_str()))
        .set_tags(if tags && !c.tags.is_empty() {
            Some(event_tags(&c.tags)?)
        } else {
            None
        })
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("PutRule", &id, e.into_service_error()))
}

/// The `aws_cloudwatch_event_rule` resource type.
pub struct AwsCloudwatchEventRule;

impl Resource for AwsCloudwatchEventRule {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["event_bus_name", "name"]),
        cloudformation: "AWS::Events::Rule",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["orders/", "/nightly"],
        absent: Some("orders/absent"),
    };

    /// EventBridge has no batch read of rules by name: one DescribeRule (and its tags) per
    /// rule, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// By its name (and bus).
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let (bus, name) = split_bus(import_id);
        if bus.is_empty() || name.is_empty() {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "its bus or its name is empty",
                IMPORT_ID,
            ));
        }
        read_one(aws, import_id, &serde_json::Value::Null).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let name = NAMING.create_name(c.name.as_deref(), c.name_prefix.as_deref())?;
        put(aws, &name, c, true).await?;
        let id = on_bus(&c.event_bus_name, &name);
        let config = serde_json::to_value(c).unwrap_or_default();
        read_back(TYPE, &id, || read_one(aws, &id, &config)).await
    }

    /// By its unique name on its bus. A generated name by its prefix and the ownership tags
    /// (the rules ListRules lists by the prefix, then the tags of those generated from it).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let ids = match NAMING.named(c.name.as_deref(), c.name_prefix.as_deref())? {
            Named::Given(name) => vec![on_bus(&c.event_bus_name, name)],
            Named::Generated(prefix) => {
                tags_can_tell(TYPE, ctx)?;
                let mut rules = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let page = aws
                        .events
                        .list_rules()
                        .name_prefix(prefix)
                        .event_bus_name(&c.event_bus_name)
                        .set_next_token(token.take())
                        .send()
                        .await
                        .map_err(|e| api("ListRules", prefix, e.into_service_error()))?;
                    rules.extend(page.rules().iter().cloned());
                    match page.next_token() {
                        Some(t) if !t.is_empty() => token = Some(t.to_string()),
                        _ => break,
                    }
                }
                let generated = rules
                    .iter()
                    .filter(|r| r.name().is_some_and(|n| generated_from(n, prefix, "")));
                let tagged = futures::future::try_join_all(generated.map(|r| async move {
                    let arn = r.arn().unwrap_or_default();
                    let tags = aws
                        .events
                        .list_tags_for_resource()
                        .resource_arn(arn)
                        .send()
                        .await
                        .map_err(|e| api("ListTagsForResource", arn, e.into_service_error()))?;
                    let claim = claim(tags.tags().iter().map(|t| (t.key(), t.value())), ctx);
                    let id = on_bus(&c.event_bus_name, r.name().unwrap_or_default());
                    Ok::<_, ProviderError>((id, claim))
                }))
                .await?;
                claimed(tagged.iter().map(|(id, c)| (Some(id.as_str()), *c)))
            }
        };
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        let settings = |c: &Config| {
            (
                c.schedule_expression.clone(),
                c.event_pattern.clone(),
                c.description.clone(),
                c.state.clone(),
            )
        };
        if settings(old) != settings(new) {
            put(aws, split_bus(id).1, new, false).await?;
        }
        let arn = prior
            .outputs
            .get("arn")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.events
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", id, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.events
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(event_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagResource", id, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or_default();
        read_back(TYPE, id, || read_one(aws, id, &config)).await
    }

    /// A rule with targets cannot be deleted: its targets (which refer to it) go first.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let (bus, name) = split_bus(&prior.id);
        aws.events
            .delete_rule()
            .name(name)
            .event_bus_name(bus)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteRule", &prior.id, e.into_service_error()))
    }
}
