//! `aws_wafv2_web_acl`: a WAF web ACL, the ordered rules (managed rule groups, rate limits, IP
//! sets, countries) a protected load balancer, API Gateway stage or CloudFront distribution
//! filters its requests with. The configuration nests as Terraform's HCL blocks do:
//! `[[resource.aws_wafv2_web_acl.api.rule]]` tables with
//! `statement = { managed_rule_group_statement = { name = "...", vendor_name = "AWS" } }`.
//! Updates replace the whole ACL with UpdateWebACL, with the lock token read just before.

use std::collections::BTreeMap;

use aws_sdk_wafv2::types as sdk;
use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::api;
use crate::common::{malformed, read_back, read_found, tag_changes, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_wafv2_web_acl";

/// Where a web ACL is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Scope {
    /// Load balancers, API Gateway REST stages, AppSync, Cognito, App Runner, Verified Access.
    #[serde(rename = "REGIONAL")]
    Regional,
    /// CloudFront distributions (created in us-east-1).
    #[serde(rename = "CLOUDFRONT")]
    Cloudfront,
}

impl Scope {
    fn sdk(self) -> sdk::Scope {
        match self {
            Scope::Regional => sdk::Scope::Regional,
            Scope::Cloudfront => sdk::Scope::Cloudfront,
        }
    }
}

/// A block that takes no settings: its presence is the choice (`block = {}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// A WAFv2 web ACL.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The web ACL's name, unique in its scope and region.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub name: String,
    /// `REGIONAL` (load balancers, API Gateway REST stages, ...) or `CLOUDFRONT`.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 256))]
    pub description: Option<String>,
    /// What happens to a request no rule matches: `{ allow = {} }` or `{ block = {} }`.
    pub default_action: DefaultAction,
    /// The rules, evaluated by `priority` (lowest first): `[[...rule]]` tables (a set, as
    /// Terraform's: their order does not matter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-set" = true))]
    pub rule: Vec<Rule>,
    /// The ACL's CloudWatch metrics and request sampling.
    pub visibility_config: VisibilityConfig,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `{ allow = {} }` or `{ block = {} }`: exactly one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<Empty>,
}

/// One rule of the ACL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The rule's name, unique in the ACL.
    #[schemars(length(min = 1, max = 128), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub name: String,
    /// Rules are evaluated lowest priority first; unique in the ACL.
    #[schemars(range(min = 0))]
    pub priority: i32,
    /// What a match does, for a rule of its own (not a rule group): `{ block = {} }`,
    /// `{ allow = {} }`, `{ count = {} }`, `{ captcha = {} }` or `{ challenge = {} }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RuleAction>,
    /// For a rule group (`managed_rule_group_statement`): `{ none = {} }` keeps the group's
    /// actions, `{ count = {} }` only counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_action: Option<OverrideAction>,
    /// What the rule matches: one statement.
    pub statement: Statement,
    /// The rule's CloudWatch metrics and request sampling.
    pub visibility_config: VisibilityConfig,
}

/// A rule's action: exactly one of the blocks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captcha: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<Empty>,
}

/// A rule group's override: exactly one of the blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none: Option<Empty>,
}

/// What a rule matches: exactly one of the statements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// A rule group AWS or a vendor manages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_rule_group_statement: Option<ManagedRuleGroupStatement>,
    /// More than `limit` requests from one key in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_based_statement: Option<RateBasedStatement>,
    /// Requests from the addresses of an IP set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_set_reference_statement: Option<IpSetReferenceStatement>,
    /// Requests from these countries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_match_statement: Option<GeoMatchStatement>,
}

/// What a rate-based statement counts (no nested rate limits or rule groups).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeDownStatement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_set_reference_statement: Option<IpSetReferenceStatement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_match_statement: Option<GeoMatchStatement>,
}

/// A managed rule group, e.g. `{ name = "AWSManagedRulesCommonRuleSet", vendor_name = "AWS" }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedRuleGroupStatement {
    /// The group's name.
    #[schemars(length(min = 1, max = 128))]
    pub name: String,
    /// Its vendor (`AWS` for AWS's own).
    #[schemars(length(min = 1, max = 128))]
    pub vendor_name: String,
    /// A version of the group; its default version when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Rules of the group whose action is replaced: `[[...rule_action_override]]` tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 100))]
    pub rule_action_override: Vec<RuleActionOverride>,
}

/// A rule of a group whose action is replaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleActionOverride {
    /// The rule's name in the group.
    pub name: String,
    /// The action it takes instead: `{ count = {} }`, ...
    pub action_to_use: RuleAction,
}

fn ip() -> String {
    "IP".into()
}

fn three_hundred() -> i64 {
    300
}

/// A rate limit over requests that share a key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBasedStatement {
    /// The most requests one key may make in the window.
    #[schemars(range(min = 10, max = 2_000_000_000))]
    pub limit: i64,
    /// What requests are counted by: `IP` (the default), `FORWARDED_IP`, `CONSTANT` or
    /// `CUSTOM_KEYS`.
    #[serde(default = "ip")]
    #[schemars(extend("enum" = ["IP", "FORWARDED_IP", "CONSTANT", "CUSTOM_KEYS"]))]
    pub aggregate_key_type: String,
    /// The window in seconds: 60, 120, 300 (the default) or 600.
    #[serde(default = "three_hundred")]
    #[schemars(extend("enum" = [60, 120, 300, 600]))]
    pub evaluation_window_sec: i64,
    /// Count only the requests this statement matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_down_statement: Option<ScopeDownStatement>,
}

/// Requests from the addresses of an IP set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpSetReferenceStatement {
    /// The IP set's ARN.
    #[schemars(regex(pattern = r"^arn:"), extend("x-pattern-says" = "an ARN"))]
    pub arn: String,
}

/// Requests from countries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GeoMatchStatement {
    /// Two-letter country codes (ISO 3166-1 alpha-2), e.g. `["NL", "BE"]`.
    #[schemars(length(min = 1))]
    pub country_codes: Vec<String>,
}

/// CloudWatch metrics and request sampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VisibilityConfig {
    pub cloudwatch_metrics_enabled: bool,
    /// The metric's name.
    #[schemars(length(min = 1, max = 255), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub metric_name: String,
    pub sampled_requests_enabled: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The web ACL's id (a UUID).
    pub id: String,
    pub arn: String,
    /// The web ACL capacity units its rules use.
    pub capacity: i64,
    /// The token of the ACL's current version (updates need it).
    pub lock_token: String,
}

/// How `cairn import` names one: as Terraform does.
pub const IMPORT_ID: &str = "`<id>/<name>/<scope>` (scope `REGIONAL` or `CLOUDFRONT`)";

/// The `aws_wafv2_web_acl` resource type.
pub struct AwsWafv2WebAcl;

/// The id, name and scope an import id names.
fn parse_import_id(import_id: &str) -> Answer<(&str, &str, Scope)> {
    crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
    let parts: Vec<&str> = import_id.split('/').collect();
    let scope = |s: &str| crate::common::from_wire::<Scope>(s);
    match parts.as_slice() {
        [id, name, s] if !id.is_empty() && !name.is_empty() && scope(s).is_some() => {
            Ok((id, name, scope(s).expect("checked")))
        }
        _ => Err(malformed(
            TYPE,
            import_id,
            "it is not an id, a name and a scope separated by `/`",
            IMPORT_ID,
        )),
    }
}

/// Exactly one block of an action is set (WAF refuses none or more).
fn check_one(what: &str, name: &str, set: &[bool]) -> Answer<()> {
    if set.iter().filter(|s| **s).count() != 1 {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {name}: `{what}` needs exactly one block"
        )));
    }
    Ok(())
}

fn check(c: &Config) -> Answer<()> {
    let n = &c.name;
    let d = &c.default_action;
    check_one("default_action", n, &[d.allow.is_some(), d.block.is_some()])?;
    for r in &c.rule {
        let s = &r.statement;
        check_one(
            &format!("rule {} statement", r.name),
            n,
            &[
                s.managed_rule_group_statement.is_some(),
                s.rate_based_statement.is_some(),
                s.ip_set_reference_statement.is_some(),
                s.geo_match_statement.is_some(),
            ],
        )?;
        let group = s.managed_rule_group_statement.is_some();
        match (&r.action, &r.override_action) {
            (None, Some(o)) if group => check_one(
                &format!("rule {} override_action", r.name),
                n,
                &[o.count.is_some(), o.none.is_some()],
            )?,
            (Some(a), None) if !group => {
                check_one(&format!("rule {} action", r.name), n, &action_set(a))?
            }
            _ => {
                return Err(ProviderError::InvalidConfig(format!(
                    "{TYPE} {n}: rule {} needs {}",
                    r.name,
                    if group {
                        "`override_action` (and no `action`): it is a rule group"
                    } else {
                        "`action` (and no `override_action`)"
                    }
                )))
            }
        }
    }
    Ok(())
}

fn action_set(a: &RuleAction) -> [bool; 5] {
    [
        a.allow.is_some(),
        a.block.is_some(),
        a.count.is_some(),
        a.captcha.is_some(),
        a.challenge.is_some(),
    ]
}

impl Resource for AwsWafv2WebAcl {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["scope", "name"]),
        cloudformation: "AWS::WAFv2::WebACL",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "web",
            "0b0c0d0e-0000-4000-8000-000000000000/web",
            "0b0c0d0e-0000-4000-8000-000000000000/web/GLOBAL",
        ],
        absent: Some("0b0c0d0e-0000-4000-8000-000000000000/absent/REGIONAL"),
    };

    /// One GetWebACL (by the name and scope the recorded inputs give) and one
    /// ListTagsForResource.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        let p = &request.prior_inputs;
        let name = p.get("name").and_then(|v| v.as_str());
        let scope = p
            .get("scope")
            .and_then(|v| v.as_str())
            .and_then(crate::common::from_wire::<Scope>);
        let (Some(name), Some(scope)) = (name, scope) else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {}: the recorded inputs do not name its name and scope",
                request.id
            )));
        };
        read_one(aws, &request.id, name, scope).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        check(c)?;
        let tags = sdk_tags(&c.tags)?;
        let made = aws
            .wafv2
            .create_web_acl()
            .name(&c.name)
            .scope(c.scope.sdk())
            .set_description(c.description.clone())
            .default_action(default_action(&c.default_action))
            .set_rules(Some(rules(c)?))
            .visibility_config(visibility(&c.visibility_config)?)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| api("CreateWebACL", &c.name, e.into_service_error()))?;
        let id = made
            .summary()
            .and_then(|s| s.id())
            .unwrap_or_default()
            .to_string();
        read_back(TYPE, &id, || read_one(aws, &id, &c.name, c.scope)).await
    }

    /// By its name in its scope (ListWebACLs).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let mut ids = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = aws
                .wafv2
                .list_web_acls()
                .scope(c.scope.sdk())
                .set_next_marker(marker.take())
                .limit(100)
                .send()
                .await
                .map_err(|e| api("ListWebACLs", &c.name, e.into_service_error()))?;
            ids.extend(
                page.web_acls()
                    .iter()
                    .filter(|s| s.name() == Some(c.name.as_str()))
                    .filter_map(|s| s.id().map(str::to_string)),
            );
            match page.next_marker() {
                Some(m) if !m.is_empty() && !page.web_acls().is_empty() => {
                    marker = Some(m.to_string())
                }
                _ => break,
            }
        }
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// UpdateWebACL of the whole ACL with the lock token read just before; tags apart.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        check(new)?;
        let id = &prior.id;
        let arn = prior.outputs["arn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let acl_changed = old.description != new.description
            || old.default_action != new.default_action
            || old.rule != new.rule
            || old.visibility_config != new.visibility_config;
        if acl_changed {
            let token = lock_token(aws, id, &new.name, new.scope).await?;
            aws.wafv2
                .update_web_acl()
                .name(&new.name)
                .scope(new.scope.sdk())
                .id(id)
                .lock_token(token)
                .set_description(Some(new.description.clone().unwrap_or_default()))
                .default_action(default_action(&new.default_action))
                .set_rules(Some(rules(new)?))
                .visibility_config(visibility(&new.visibility_config)?)
                .send()
                .await
                .map_err(|e| api("UpdateWebACL", &new.name, e.into_service_error()))?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.wafv2
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", &new.name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.wafv2
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(sdk_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("TagResource", &new.name, e.into_service_error()))?;
        }
        read_back(TYPE, id, || read_one(aws, id, &new.name, new.scope)).await
    }

    /// DeleteWebACL with the lock token read just before.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let c: Config = crate::common::parse(TYPE, &prior.inputs)?;
        let token = lock_token(aws, &prior.id, &c.name, c.scope).await?;
        aws.wafv2
            .delete_web_acl()
            .name(&c.name)
            .scope(c.scope.sdk())
            .id(&prior.id)
            .lock_token(token)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteWebACL", &c.name, e.into_service_error()))
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parse_import_id(import_id).map(|_| ())
    }

    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (id, name, scope) = parse_import_id(import_id)?;
        read_one(aws, id, name, scope).await
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        let s = |k: &str| o.inputs.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        vec![format!("{}/{}/{}", o.id, s("name"), s("scope"))]
    }
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Answer<Vec<sdk::Tag>> {
    tags.iter()
        .map(|(k, v)| sdk::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE}: {e}")))
}

fn built<T>(r: Result<T, aws_smithy_types::error::operation::BuildError>) -> Answer<T> {
    r.map_err(|e| ProviderError::InvalidConfig(format!("{TYPE}: {e}")))
}

fn default_action(d: &DefaultAction) -> sdk::DefaultAction {
    sdk::DefaultAction::builder()
        .set_allow(
            d.allow
                .as_ref()
                .map(|_| sdk::AllowAction::builder().build()),
        )
        .set_block(
            d.block
                .as_ref()
                .map(|_| sdk::BlockAction::builder().build()),
        )
        .build()
}

fn rule_action(a: &RuleAction) -> sdk::RuleAction {
    sdk::RuleAction::builder()
        .set_allow(
            a.allow
                .as_ref()
                .map(|_| sdk::AllowAction::builder().build()),
        )
        .set_block(
            a.block
                .as_ref()
                .map(|_| sdk::BlockAction::builder().build()),
        )
        .set_count(
            a.count
                .as_ref()
                .map(|_| sdk::CountAction::builder().build()),
        )
        .set_captcha(
            a.captcha
                .as_ref()
                .map(|_| sdk::CaptchaAction::builder().build()),
        )
        .set_challenge(
            a.challenge
                .as_ref()
                .map(|_| sdk::ChallengeAction::builder().build()),
        )
        .build()
}

fn visibility(v: &VisibilityConfig) -> Answer<sdk::VisibilityConfig> {
    built(
        sdk::VisibilityConfig::builder()
            .cloud_watch_metrics_enabled(v.cloudwatch_metrics_enabled)
            .metric_name(&v.metric_name)
            .sampled_requests_enabled(v.sampled_requests_enabled)
            .build(),
    )
}

fn ip_set(s: &IpSetReferenceStatement) -> Answer<sdk::IpSetReferenceStatement> {
    built(sdk::IpSetReferenceStatement::builder().arn(&s.arn).build())
}

fn geo(s: &GeoMatchStatement) -> sdk::GeoMatchStatement {
    sdk::GeoMatchStatement::builder()
        .set_country_codes(Some(
            s.country_codes
                .iter()
                .map(|c| sdk::CountryCode::from(c.as_str()))
                .collect(),
        ))
        .build()
}

fn statement(s: &Statement) -> Answer<sdk::Statement> {
    let mut b = sdk::Statement::builder();
    if let Some(m) = &s.managed_rule_group_statement {
        let overrides = m
            .rule_action_override
            .iter()
            .map(|o| {
                built(
                    sdk::RuleActionOverride::builder()
                        .name(&o.name)
                        .action_to_use(rule_action(&o.action_to_use))
                        .build(),
                )
            })
            .collect::<Answer<Vec<_>>>()?;
        b = b.managed_rule_group_statement(built(
            sdk::ManagedRuleGroupStatement::builder()
                .name(&m.name)
                .vendor_name(&m.vendor_name)
                .set_version(m.version.clone())
                .set_rule_action_overrides((!overrides.is_empty()).then_some(overrides))
                .build(),
        )?);
    }
    if let Some(r) = &s.rate_based_statement {
        let scope_down = match &r.scope_down_statement {
            Some(d) => {
                let mut sb = sdk::Statement::builder();
                if let Some(i) = &d.ip_set_reference_statement {
                    sb = sb.ip_set_reference_statement(ip_set(i)?);
                }
                if let Some(g) = &d.geo_match_statement {
                    sb = sb.geo_match_statement(geo(g));
                }
                Some(Box::new(sb.build()))
            }
            None => None,
        };
        b = b.rate_based_statement(built(
            sdk::RateBasedStatement::builder()
                .limit(r.limit)
                .aggregate_key_type(sdk::RateBasedStatementAggregateKeyType::from(
                    r.aggregate_key_type.as_str(),
                ))
                .evaluation_window_sec(r.evaluation_window_sec)
                .set_scope_down_statement(scope_down)
                .build(),
        )?);
    }
    if let Some(i) = &s.ip_set_reference_statement {
        b = b.ip_set_reference_statement(ip_set(i)?);
    }
    if let Some(g) = &s.geo_match_statement {
        b = b.geo_match_statement(geo(g));
    }
    Ok(b.build())
}

fn rules(c: &Config) -> Answer<Vec<sdk::Rule>> {
    c.rule
        .iter()
        .map(|r| {
            built(
                sdk::Rule::builder()
                    .name(&r.name)
                    .priority(r.priority)
                    .statement(statement(&r.statement)?)
                    .set_action(r.action.as_ref().map(rule_action))
                    .set_override_action(r.override_action.as_ref().map(|o| {
                        sdk::OverrideAction::builder()
                            .set_count(
                                o.count
                                    .as_ref()
                                    .map(|_| sdk::CountAction::builder().build()),
                            )
                            .set_none(o.none.as_ref().map(|_| sdk::NoneAction::builder().build()))
                            .build()
                    }))
                    .visibility_config(visibility(&r.visibility_config)?)
                    .build(),
            )
        })
        .collect()
}

fn empty(set: bool) -> Option<Empty> {
    set.then(Empty::default)
}

fn from_rule_action(a: &sdk::RuleAction) -> RuleAction {
    RuleAction {
        allow: empty(a.allow().is_some()),
        block: empty(a.block().is_some()),
        count: empty(a.count().is_some()),
        captcha: empty(a.captcha().is_some()),
        challenge: empty(a.challenge().is_some()),
    }
}

fn from_visibility(v: Option<&sdk::VisibilityConfig>) -> VisibilityConfig {
    VisibilityConfig {
        cloudwatch_metrics_enabled: v.is_some_and(|v| v.cloud_watch_metrics_enabled()),
        metric_name: v.map(|v| v.metric_name().to_string()).unwrap_or_default(),
        sampled_requests_enabled: v.is_some_and(|v| v.sampled_requests_enabled()),
    }
}

fn from_geo(g: &sdk::GeoMatchStatement) -> GeoMatchStatement {
    GeoMatchStatement {
        country_codes: g
            .country_codes()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
    }
}

fn from_ip_set(i: &sdk::IpSetReferenceStatement) -> IpSetReferenceStatement {
    IpSetReferenceStatement {
        arn: i.arn().to_string(),
    }
}

fn from_statement(s: Option<&sdk::Statement>) -> Statement {
    Statement {
        managed_rule_group_statement: s.and_then(|s| s.managed_rule_group_statement()).map(|m| {
            ManagedRuleGroupStatement {
                name: m.name().to_string(),
                vendor_name: m.vendor_name().to_string(),
                version: m.version().filter(|v| !v.is_empty()).map(str::to_string),
                rule_action_override: m
                    .rule_action_overrides()
                    .iter()
                    .map(|o| RuleActionOverride {
                        name: o.name().to_string(),
                        action_to_use: o.action_to_use().map(from_rule_action).unwrap_or_default(),
                    })
                    .collect(),
            }
        }),
        rate_based_statement: s.and_then(|s| s.rate_based_statement()).map(|r| {
            RateBasedStatement {
                limit: r.limit(),
                aggregate_key_type: r.aggregate_key_type().as_str().to_string(),
                evaluation_window_sec: match r.evaluation_window_sec() {
                    0 => three_hundred(),
                    n => n,
                },
                scope_down_statement: r.scope_down_statement().map(|d| ScopeDownStatement {
                    ip_set_reference_statement: d.ip_set_reference_statement().map(from_ip_set),
                    geo_match_statement: d.geo_match_statement().map(from_geo),
                }),
            }
        }),
        ip_set_reference_statement: s
            .and_then(|s| s.ip_set_reference_statement())
            .map(from_ip_set),
        geo_match_statement: s.and_then(|s| s.geo_match_statement()).map(from_geo),
    }
}

/// The lock token of the ACL's current version.
async fn lock_token(aws: &Aws, id: &str, name: &str, scope: Scope) -> Answer<String> {
    let got = aws
        .wafv2
        .get_web_acl()
        .id(id)
        .name(name)
        .scope(scope.sdk())
        .send()
        .await
        .map_err(|e| api("GetWebACL", name, e.into_service_error()))?;
    Ok(got.lock_token().unwrap_or_default().to_string())
}

/// The web ACL `id` named `name` in `scope`; `None` when it is gone.
async fn read_one(aws: &Aws, id: &str, name: &str, scope: Scope) -> Answer<Option<Observed>> {
    let got = match aws
        .wafv2
        .get_web_acl()
        .id(id)
        .name(name)
        .scope(scope.sdk())
        .send()
        .await
        .map_err(|e| api("GetWebACL", name, e.into_service_error()))
    {
        Ok(got) => got,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(acl) = got.web_acl() else {
        return Ok(None);
    };
    let tags = aws
        .wafv2
        .list_tags_for_resource()
        .resource_arn(acl.arn())
        .send()
        .await
        .map_err(|e| api("ListTagsForResource", name, e.into_service_error()))?;
    let tags = visible_tags(
        tags.tag_info_for_resource()
            .map(|t| t.tag_list())
            .unwrap_or_default()
            .iter()
            .map(|t| (t.key(), t.value())),
    );
    let d = acl.default_action();
    let mut rule: Vec<Rule> = acl
        .rules()
        .iter()
        .map(|r| Rule {
            name: r.name().to_string(),
            priority: r.priority(),
            action: r.action().map(from_rule_action),
            override_action: r.override_action().map(|o| OverrideAction {
                count: empty(o.count().is_some()),
                none: empty(o.none().is_some()),
            }),
            statement: from_statement(r.statement()),
            visibility_config: from_visibility(r.visibility_config()),
        })
        .collect();
    rule.sort_by_key(|r| r.priority);
    let config = Config {
        name: acl.name().to_string(),
        scope,
        description: acl
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        default_action: DefaultAction {
            allow: empty(d.is_some_and(|d| d.allow().is_some())),
            block: empty(d.is_some_and(|d| d.block().is_some())),
        },
        rule,
        visibility_config: from_visibility(acl.visibility_config()),
        tags,
    };
    let outputs = Outputs {
        id: acl.id().to_string(),
        arn: acl.arn().to_string(),
        capacity: acl.capacity(),
        lock_token: got.lock_token().unwrap_or_default().to_string(),
    };
    Ok(Some(AwsWafv2WebAcl::observed(acl.id(), &config, &outputs)))
}
