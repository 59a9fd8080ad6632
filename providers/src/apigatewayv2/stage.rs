//! `aws_apigatewayv2_stage`: a stage of an API Gateway v2 API (`$default` for most HTTP APIs),
//! with its throttling, metrics and access logs.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings, Stage};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    api_of, arn, execution_arn, list_under_api, read_under_api, retag, split_import, tag_map,
    visible,
};
use crate::common::{api, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_apigatewayv2_stage";

/// A stage of an API.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's id.
    #[schemars(extend("x-force-new" = true))]
    pub api_id: String,
    /// The stage's name: `$default` serves the API at its root.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: String,
    /// Deploy every change of the API to this stage at once (HTTP APIs).
    #[serde(default)]
    pub auto_deploy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Throttling and metrics of every route of the stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_route_settings: Option<RouteDefaults>,
    /// Where access logs go (a log group's ARN) and in what format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLog>,
    #[serde(default)]
    pub stage_variables: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `default_route_settings = { throttling_burst_limit = 100, throttling_rate_limit = 50 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteDefaults {
    /// Requests at once above the steady rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i32>,
    /// Steady requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    /// Per-route CloudWatch metrics.
    #[serde(default)]
    pub detailed_metrics_enabled: bool,
}

/// `access_log_settings = { destination_arn = "...", format = "$context.requestId ..." }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessLog {
    /// The CloudWatch log group's ARN.
    pub destination_arn: String,
    /// The line format, with `$context` variables.
    pub format: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The stage name.
    pub id: String,
    pub arn: String,
    /// The URL that reaches the stage (the API's root for `$default`).
    pub invoke_url: String,
    /// `arn:aws:execute-api:<region>:<account>:<api_id>/<stage>`.
    pub execution_arn: String,
}

/// How `cairn import` names one: `<api_id>/<name>` (Terraform's format).
pub const IMPORT_ID: &str = "`<api_id>/<stage name>`";

/// The stages of `api_id` (GetStages, paged); none when the API is gone.
async fn stages(aws: &Aws, api_id: &str) -> Result<Vec<Stage>, ProviderError> {
    list_under_api!(
        "GetStages",
        api_id,
        aws.apigateway.get_stages().api_id(api_id)
    )
}

/// One GetStages per API, in parallel: each answers for every stage of that API.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    if requests.is_empty() {
        return Ok(BTreeMap::new());
    }
    let account = aws.account().await?;
    read_under_api(
        TYPE,
        requests,
        |api_id| async move { stages(aws, &api_id).await },
        Stage::stage_name,
        |api_id, stage| view(aws, &account, api_id, stage),
    )
    .await
}

fn view(aws: &Aws, account: &str, api_id: &str, s: &Stage) -> Observed {
    let name = s.stage_name().unwrap_or_default();
    let config = Config {
        api_id: api_id.to_string(),
        name: name.to_string(),
        auto_deploy: s.auto_deploy().unwrap_or(false),
        description: s
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        default_route_settings: s.default_route_settings().and_then(|r| {
            let d = RouteDefaults {
                throttling_burst_limit: r.throttling_burst_limit(),
                throttling_rate_limit: r.throttling_rate_limit(),
                detailed_metrics_enabled: r.detailed_metrics_enabled().unwrap_or(false),
            };
            // AWS reports the settings of a stage made without any as all off.
            (d != RouteDefaults::off()).then_some(d)
        }),
        access_log_settings: s.access_log_settings().and_then(|a| {
            Some(AccessLog {
                destination_arn: a.destination_arn()?.to_string(),
                format: a.format()?.to_string(),
            })
        }),
        stage_variables: s
            .stage_variables()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        tags: visible(s.tags()),
    };
    let root = format!("https://{api_id}.execute-api.{}.amazonaws.com", aws.region);
    let outputs = Outputs {
        id: name.to_string(),
        arn: arn(&aws.region, &format!("{api_id}/stages/{name}")),
        invoke_url: if name == "$default" {
            format!("{root}/")
        } else {
            format!("{root}/{name}")
        },
        execution_arn: format!("{}/{name}", execution_arn(&aws.region, account, api_id)),
    };
    AwsApigatewayv2Stage::observed(name, &config, &outputs)
}

impl RouteDefaults {
    fn off() -> RouteDefaults {
        RouteDefaults {
            throttling_burst_limit: None,
            throttling_rate_limit: None,
            detailed_metrics_enabled: false,
        }
    }
}

async fn read_one(aws: &Aws, api_id: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
    let prior = serde_json::json!({ "api_id": api_id });
    let request = crate::common::request(name, prior);
    Ok(crate::common::only(name, read(aws, &request).await?))
}

fn route_settings(c: &Config) -> RouteSettings {
    let d = c
        .default_route_settings
        .clone()
        .unwrap_or_else(RouteDefaults::off);
    RouteSettings::builder()
        .set_throttling_burst_limit(d.throttling_burst_limit)
        .set_throttling_rate_limit(d.throttling_rate_limit)
        .detailed_metrics_enabled(d.detailed_metrics_enabled)
        .build()
}

fn access_log(c: &Config) -> Option<AccessLogSettings> {
    c.access_log_settings.as_ref().map(|a| {
        AccessLogSettings::builder()
            .destination_arn(&a.destination_arn)
            .format(&a.format)
            .build()
    })
}

fn variables(c: &Config) -> HashMap<String, String> {
    c.stage_variables
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The `aws_apigatewayv2_stage` resource type.
pub struct AwsApigatewayv2Stage;

impl Resource for AwsApigatewayv2Stage {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["api_id", "name"]),
        cloudformation: "AWS::ApiGatewayV2::Stage",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["abc", "abc/", "/$default"],
        absent: Some("absentid/$default"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By `<api_id>/<name>`.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (api_id, name) = split_import(TYPE, import_id, IMPORT_ID)?;
        read_one(aws, api_id, name).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        aws.apigateway
            .create_stage()
            .api_id(&c.api_id)
            .stage_name(&c.name)
            .auto_deploy(c.auto_deploy)
            .set_description(c.description.clone())
            .default_route_settings(route_settings(c))
            .set_access_log_settings(access_log(c))
            .set_stage_variables(Some(variables(c)).filter(|v| !v.is_empty()))
            .set_tags(tag_map(&c.tags))
            .send()
            .await
            .map_err(|e| api("CreateStage", &c.name, e.into_service_error()))?;
        read_back(TYPE, &c.name, || read_one(aws, &c.api_id, &c.name)).await
    }

    /// By its natural key: the API and the stage name.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        Ok(read_one(aws, &c.api_id, &c.name)
            .await?
            .into_iter()
            .collect())
    }

    async fn update(
        aws: &Aws,
        _prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let comparable = |c: &Config| {
            let mut c = c.clone();
            c.tags.clear();
            serde_json::to_value(c).unwrap_or_default()
        };
        if comparable(old) != comparable(new) {
            // Stage variables absent from the request are kept: a removed one is set to nothing.
            let mut vars = variables(new);
            for k in old.stage_variables.keys() {
                vars.entry(k.clone()).or_default();
            }
            if old.access_log_settings.is_some() && new.access_log_settings.is_none() {
                aws.apigateway
                    .delete_access_log_settings()
                    .api_id(&new.api_id)
                    .stage_name(&new.name)
                    .send()
                    .await
                    .map_err(|e| {
                        api("DeleteAccessLogSettings", &new.name, e.into_service_error())
                    })?;
            }
            aws.apigateway
                .update_stage()
                .api_id(&new.api_id)
                .stage_name(&new.name)
                .auto_deploy(new.auto_deploy)
                .description(new.description.clone().unwrap_or_default())
                .default_route_settings(route_settings(new))
                .set_access_log_settings(access_log(new))
                .set_stage_variables(Some(vars).filter(|v| !v.is_empty()))
                .send()
                .await
                .map_err(|e| api("UpdateStage", &new.name, e.into_service_error()))?;
        }
        let stage_arn = arn(&aws.region, &format!("{}/stages/{}", new.api_id, new.name));
        retag(aws, &stage_arn, &old.tags, &new.tags).await?;
        read_back(TYPE, &new.name, || read_one(aws, &new.api_id, &new.name)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let api_id = api_of(TYPE, &prior.id, &prior.inputs)?;
        aws.apigateway
            .delete_stage()
            .api_id(&api_id)
            .stage_name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteStage", &prior.id, e.into_service_error()))
    }

    /// `<api_id>/<id>`.
    fn import_ids(o: &Observed) -> Vec<String> {
        super::child_import_ids(o)
    }
}
