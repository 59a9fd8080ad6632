//! `aws_apigatewayv2_integration`: what a route of an API Gateway v2 API calls (a Lambda
//! function, an HTTP endpoint, ...).

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::types::{ConnectionType, Integration, IntegrationType};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{api_of, list_under_api, read_under_api, split_import};
use crate::common::{api, parse, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_apigatewayv2_integration";

/// An integration of an API.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"when": {"integration_type": "AWS_PROXY"}, "require": ["payload_format_version"]}]))]
pub struct Config {
    /// The API's id.
    #[schemars(extend("x-force-new" = true))]
    pub api_id: String,
    /// `AWS_PROXY` (a Lambda function), `HTTP_PROXY`, `MOCK` (WebSocket APIs), `AWS` or `HTTP`.
    #[schemars(extend("x-force-new" = true))]
    #[schemars(extend("enum" = ["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"]))]
    pub integration_type: String,
    /// What is called: a Lambda function's ARN (or invoke ARN), or a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_uri: Option<String>,
    /// The HTTP method of the call (`POST` for Lambda functions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_method: Option<String>,
    /// The event shape a Lambda function gets: `1.0` or `2.0` (HTTP APIs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = ["1.0", "2.0"]))]
    pub payload_format_version: Option<String>,
    /// `INTERNET` or `VPC_LINK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    /// The VPC link, for `VPC_LINK` connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The role API Gateway calls with (AWS integrations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_arn: Option<String>,
    /// Milliseconds before API Gateway gives up (50 to 30000 for HTTP APIs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 50, max = 30000))]
    pub timeout_milliseconds: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The integration's id (routes target `integrations/<id>`).
    pub id: String,
}

/// How `cairn import` names one: `<api_id>/<integration id>` (Terraform's format).
pub const IMPORT_ID: &str = "`<api_id>/<integration id>`";

/// The integrations of `api_id` (GetIntegrations, paged); none when the API is gone.
async fn integrations(aws: &Aws, api_id: &str) -> Result<Vec<Integration>, ProviderError> {
    list_under_api!(
        "GetIntegrations",
        api_id,
        aws.apigateway.get_integrations().api_id(api_id)
    )
}

/// One GetIntegrations per API, in parallel: each answers for every integration of that API.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    read_under_api(
        TYPE,
        requests,
        |api_id| async move { integrations(aws, &api_id).await },
        Integration::integration_id,
        view,
    )
    .await
}

fn view(api_id: &str, i: &Integration) -> Observed {
    let id = i.integration_id().unwrap_or_default();
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    let config = Config {
        api_id: api_id.to_string(),
        integration_type: i
            .integration_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        integration_uri: text(i.integration_uri()),
        integration_method: text(i.integration_method()),
        payload_format_version: text(i.payload_format_version()),
        connection_type: i.connection_type().map(|t| t.as_str().to_string()),
        connection_id: text(i.connection_id()),
        credentials_arn: text(i.credentials_arn()),
        timeout_milliseconds: i.timeout_in_millis(),
        description: text(i.description()),
    };
    let outputs = Outputs { id: id.to_string() };
    AwsApigatewayv2Integration::observed(id, &config, &outputs)
}

async fn read_one(aws: &Aws, api_id: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
    let prior = serde_json::json!({ "api_id": api_id });
    let request = crate::common::request(id, prior);
    Ok(crate::common::only(id, read(aws, &request).await?))
}

/// The `aws_apigatewayv2_integration` resource type.
pub struct AwsApigatewayv2Integration;

impl Resource for AwsApigatewayv2Integration {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["api_id", "integration_uri"]),
        cloudformation: "AWS::ApiGatewayV2::Integration",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["abc", "abc/def/ghi"],
        absent: Some("absentid/abcdefg"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By `<api_id>/<integration id>`.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (api_id, id) = split_import(TYPE, import_id, IMPORT_ID)?;
        read_one(aws, api_id, id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let made = aws
            .apigateway
            .create_integration()
            .api_id(&c.api_id)
            .integration_type(IntegrationType::from(c.integration_type.as_str()))
            .set_integration_uri(c.integration_uri.clone())
            .set_integration_method(c.integration_method.clone())
            .set_payload_format_version(c.payload_format_version.clone())
            .set_connection_type(c.connection_type.as_deref().map(ConnectionType::from))
            .set_connection_id(c.connection_id.clone())
            .set_credentials_arn(c.credentials_arn.clone())
            .set_timeout_in_millis(c.timeout_milliseconds)
            .set_description(c.description.clone())
            .send()
            .await
            .map_err(|e| api("CreateIntegration", &c.api_id, e.into_service_error()))?;
        let id = made.integration_id().unwrap_or_default().to_string();
        read_back(TYPE, &id, || read_one(aws, &c.api_id, &id)).await
    }

    /// Integrations have neither tags nor names: the API's integrations that are what `config`
    /// describes (same type, target and method) are what an interrupted create may have made.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let key = |o: &Config| {
            (
                o.integration_type.clone(),
                o.integration_uri.clone(),
                o.integration_method.clone(),
            )
        };
        Ok(integrations(aws, &c.api_id)
            .await?
            .iter()
            .map(|i| view(&c.api_id, i))
            .filter(|o| parse::<Config>(TYPE, &o.inputs).is_ok_and(|found| key(&found) == key(c)))
            .collect())
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        c: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        aws.apigateway
            .update_integration()
            .api_id(&c.api_id)
            .integration_id(id)
            .set_integration_uri(c.integration_uri.clone())
            .set_integration_method(c.integration_method.clone())
            .set_payload_format_version(c.payload_format_version.clone())
            .set_connection_type(c.connection_type.as_deref().map(ConnectionType::from))
            .set_connection_id(c.connection_id.clone())
            .set_credentials_arn(c.credentials_arn.clone())
            .set_timeout_in_millis(c.timeout_milliseconds)
            .description(c.description.clone().unwrap_or_default())
            .send()
            .await
            .map_err(|e| api("UpdateIntegration", id, e.into_service_error()))?;
        read_back(TYPE, id, || read_one(aws, &c.api_id, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let api_id = api_of(TYPE, &prior.id, &prior.inputs)?;
        aws.apigateway
            .delete_integration()
            .api_id(&api_id)
            .integration_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteIntegration", &prior.id, e.into_service_error()))
    }

    /// `<api_id>/<id>`.
    fn import_ids(o: &Observed) -> Vec<String> {
        super::child_import_ids(o)
    }
}
