//! `aws_lb_listener`: a port and protocol a load balancer listens on, and what it does with
//! requests no rule matches. Also the action blocks listener rules share.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action as AwsAction, ActionTypeEnum, Certificate, FixedResponseActionConfig, Listener,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{describe_each, elb_tags, found_or_none, tags_of, update_tags};
use crate::common::{api, only, read_back, read_found, request};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lb_listener";

/// A listener.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true))]
    pub load_balancer_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i32>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-uppercase" = true))]
    pub protocol: Option<String>,
    /// TLS policy of an HTTPS listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
    /// The default certificate of an HTTPS listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// What to do with requests no rule matches.
    pub default_action: Vec<Action>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An action: forward to a target group, redirect, or answer with a fixed response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// `forward`, `redirect` or `fixed-response`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Redirect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response: Option<FixedResponse>,
}

fn same_port() -> String {
    "#{port}".into()
}
fn same_protocol() -> String {
    "#{protocol}".into()
}
fn same_host() -> String {
    "#{host}".into()
}
fn same_path() -> String {
    "/#{path}".into()
}
fn same_query() -> String {
    "#{query}".into()
}

/// A redirect; every part defaults to the request's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redirect {
    #[serde(default = "same_port")]
    pub port: String,
    #[serde(default = "same_protocol")]
    pub protocol: String,
    #[serde(default = "same_host")]
    pub host: String,
    #[serde(default = "same_path")]
    pub path: String,
    #[serde(default = "same_query")]
    pub query: String,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedResponse {
    /// e.g. `text/plain`.
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
    /// e.g. `404`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The listener's ARN.
    pub id: String,
    pub arn: String,
}

/// Actions as the ELB API takes them, in order.
pub fn to_aws(actions: &[Action]) -> Vec<AwsAction> {
    actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let redirect = a.redirect.as_ref().map(|r| {
                RedirectActionConfig::builder()
                    .port(&r.port)
                    .protocol(&r.protocol)
                    .host(&r.host)
                    .path(&r.path)
                    .query(&r.query)
                    .status_code(RedirectActionStatusCodeEnum::from(r.status_code.as_str()))
                    .build()
            });
            let fixed = a.fixed_response.as_ref().map(|f| {
                FixedResponseActionConfig::builder()
                    .content_type(&f.content_type)
                    .set_message_body(f.message_body.clone())
                    .set_status_code(f.status_code.clone())
                    .build()
            });
            AwsAction::builder()
                .r#type(ActionTypeEnum::from(a.kind.as_str()))
                .set_target_group_arn(a.target_group_arn.clone())
                .set_redirect_config(redirect)
                .set_fixed_response_config(fixed)
                .order(i as i32 + 1)
                .build()
        })
        .collect()
}

/// Actions as configured, in order.
pub fn from_aws(actions: &[AwsAction]) -> Vec<Action> {
    let mut sorted: Vec<&AwsAction> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(0));
    sorted
        .into_iter()
        .map(|a| Action {
            kind: a
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            target_group_arn: a.target_group_arn().map(str::to_string).or_else(|| {
                a.forward_config()
                    .and_then(|f| f.target_groups().first())
                    .and_then(|t| t.target_group_arn())
                    .map(str::to_string)
            }),
            redirect: a.redirect_config().map(|r| Redirect {
                port: r.port().map(str::to_string).unwrap_or_else(same_port),
                protocol: r
                    .protocol()
                    .map(str::to_string)
                    .unwrap_or_else(same_protocol),
                host: r.host().map(str::to_string).unwrap_or_else(same_host),
                path: r.path().map(str::to_string).unwrap_or_else(same_path),
                query: r.query().map(str::to_string).unwrap_or_else(same_query),
                status_code: r
                    .status_code()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            }),
            fixed_response: a.fixed_response_config().map(|f| FixedResponse {
                content_type: f.content_type().unwrap_or_default().to_string(),
                message_body: f.message_body().map(str::to_string),
                status_code: f.status_code().map(str::to_string),
            }),
        })
        .collect()
}

async fn describe(aws: &Aws, arns: &[String]) -> Result<Vec<Listener>, ProviderError> {
    describe_each("DescribeListeners", arns, arns.len(), |batch| async move {
        aws.elb
            .describe_listeners()
            .set_listener_arns(Some(batch))
            .send()
            .await
            .map(|r| r.listeners().to_vec())
            .map_err(|e| e.into_service_error())
    })
    .await
}

/// One DescribeListeners for all (one per listener only when some are gone), tags 20 at a time.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
    let mut out: BTreeMap<String, Option<Observed>> =
        ids.iter().map(|i| (i.clone(), None)).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let found = describe(aws, &ids).await?;
    let arns: Vec<String> = found
        .iter()
        .filter_map(|l| l.listener_arn().map(str::to_string))
        .collect();
    let tags = tags_of(aws, &arns).await?;
    for l in &found {
        let Some(arn) = l.listener_arn() else {
            continue;
        };
        let config = Config {
            load_balancer_arn: l.load_balancer_arn().unwrap_or_default().to_string(),
            port: l.port(),
            protocol: l.protocol().map(|p| p.as_str().to_string()),
            ssl_policy: l.ssl_policy().map(str::to_string),
            certificate_arn: l
                .certificates()
                .first()
                .and_then(|c| c.certificate_arn())
                .map(str::to_string),
            default_action: from_aws(l.default_actions()),
            tags: tags.get(arn).cloned().unwrap_or_default(),
        };
        let outputs = Outputs {
            id: arn.to_string(),
            arn: arn.to_string(),
        };
        out.insert(
            arn.to_string(),
            Some(AwsLbListener::observed(arn, &config, &outputs)),
        );
    }
    Ok(out)
}

async fn read_one(aws: &Aws, arn: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        arn,
        read(aws, &request(arn, serde_json::Value::Null)).await?,
    ))
}

fn certificates(c: &Config) -> Option<Vec<Certificate>> {
    c.certificate_arn
        .as_ref()
        .map(|a| vec![Certificate::builder().certificate_arn(a).build()])
}
/// How `cairn import` names one: the listener ARN.
pub const IMPORT_ID: &str = "the listener ARN";

/// The `aws_lb_listener` resource type.
pub struct AwsLbListener;

impl Resource for AwsLbListener {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["load_balancer_arn", "port"]),
        cloudformation: "AWS::ElasticLoadBalancingV2::Listener",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123",
        ],
        absent: None,
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its ARN.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_arn(TYPE, import_id, ":listener/", IMPORT_ID)
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let r = aws
            .elb
            .create_listener()
            .load_balancer_arn(&c.load_balancer_arn)
            .set_port(c.port)
            .set_protocol(c.protocol.as_deref().map(ProtocolEnum::from))
            .set_ssl_policy(c.ssl_policy.clone())
            .set_certificates(certificates(c))
            .set_default_actions(Some(to_aws(&c.default_action)))
            .set_tags(Some(elb_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| {
                api(
                    "CreateListener",
                    &c.load_balancer_arn,
                    e.into_service_error(),
                )
            })?;
        let arn = r
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| ProviderError::Api("CreateListener returned no ARN".into()))?
            .to_string();
        read_back(TYPE, &arn, || read_one(aws, &arn)).await
    }

    /// By its natural key: the load balancer's listener on the configured port (one
    /// DescribeListeners of the load balancer, paged).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let listed = aws
            .elb
            .describe_listeners()
            .load_balancer_arn(&c.load_balancer_arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        let listed = listed.map_err(|e| e.into_service_error());
        let listeners = found_or_none(listed, "DescribeListeners", &c.load_balancer_arn)?;
        let ids = listeners
            .iter()
            .filter(|l| l.port() == c.port)
            .filter_map(|l| l.listener_arn().map(str::to_string))
            .collect();
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        let settings = |c: &Config| {
            (
                c.port,
                c.protocol.clone(),
                c.ssl_policy.clone(),
                c.certificate_arn.clone(),
                c.default_action.clone(),
            )
        };
        if settings(old) != settings(new) {
            aws.elb
                .modify_listener()
                .listener_arn(arn)
                .set_port(new.port)
                .set_protocol(new.protocol.as_deref().map(ProtocolEnum::from))
                .set_ssl_policy(new.ssl_policy.clone())
                .set_certificates(certificates(new))
                .set_default_actions(Some(to_aws(&new.default_action)))
                .send()
                .await
                .map_err(|e| api("ModifyListener", arn, e.into_service_error()))?;
        }
        update_tags(aws, arn, &old.tags, &new.tags).await?;
        read_back(TYPE, arn, || read_one(aws, arn)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.elb
            .delete_listener()
            .listener_arn(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteListener", &prior.id, e.into_service_error()))
    }
}
