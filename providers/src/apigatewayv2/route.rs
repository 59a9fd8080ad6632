//! `aws_apigatewayv2_route`: a route of an API Gateway v2 API (`POST /jobs`, `$default`, a
//! WebSocket action) and the integration it sends requests to.

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::types::{AuthorizationType, Route};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{api_of, list_under_api, read_under_api, split_import};
use crate::common::{api, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_apigatewayv2_route";

fn none() -> String {
    "NONE".into()
}

/// A route of an API.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's id.
    #[schemars(extend("x-force-new" = true))]
    pub api_id: String,
    /// `METHOD /path` (`ANY /{proxy+}`, `$default`) for HTTP APIs; an action for WebSocket APIs.
    pub route_key: String,
    /// Where requests go: `integrations/<integration id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `JWT`.
    #[serde(default = "none")]
    pub authorization_type: String,
    /// The authorizer, for `CUSTOM` and `JWT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    /// Require an API key (WebSocket APIs).
    #[serde(default)]
    pub api_key_required: bool,
    /// A name for the operation, for generated clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The route's id.
    pub id: String,
}

/// How `cairn import` names one: `<api_id>/<route id>` (Terraform's format).
pub const IMPORT_ID: &str = "`<api_id>/<route id>`";

/// The routes of `api_id` (GetRoutes, paged); none when the API is gone.
async fn routes(aws: &Aws, api_id: &str) -> Result<Vec<Route>, ProviderError> {
    list_under_api!(
        "GetRoutes",
        api_id,
        aws.apigateway.get_routes().api_id(api_id)
    )
}

/// One GetRoutes per API, in parallel: each answers for every route of that API.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    read_under_api(
        TYPE,
        requests,
        |api_id| async move { routes(aws, &api_id).await },
        Route::route_id,
        view,
    )
    .await
}

fn view(api_id: &str, r: &Route) -> Observed {
    let id = r.route_id().unwrap_or_default();
    let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    let config = Config {
        api_id: api_id.to_string(),
        route_key: r.route_key().unwrap_or_default().to_string(),
        target: text(r.target()),
        authorization_type: r
            .authorization_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_else(none),
        authorizer_id: text(r.authorizer_id()),
        api_key_required: r.api_key_required().unwrap_or(false),
        operation_name: text(r.operation_name()),
    };
    let outputs = Outputs { id: id.to_string() };
    AwsApigatewayv2Route::observed(id, &config, &outputs)
}

async fn read_one(aws: &Aws, api_id: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
    let prior = serde_json::json!({ "api_id": api_id });
    let request = crate::common::request(id, prior);
    Ok(crate::common::only(id, read(aws, &request).await?))
}

/// The `aws_apigatewayv2_route` resource type.
pub struct AwsApigatewayv2Route;

impl Resource for AwsApigatewayv2Route {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["api_id", "route_key"]),
        cloudformation: "AWS::ApiGatewayV2::Route",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["abc", "/def"],
        absent: Some("absentid/abcdefg"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By `<api_id>/<route id>`.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (api_id, id) = split_import(TYPE, import_id, IMPORT_ID)?;
        read_one(aws, api_id, id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let made = aws
            .apigateway
            .create_route()
            .api_id(&c.api_id)
            .route_key(&c.route_key)
            .set_target(c.target.clone())
            .authorization_type(AuthorizationType::from(c.authorization_type.as_str()))
            .set_authorizer_id(c.authorizer_id.clone())
            .api_key_required(c.api_key_required)
            .set_operation_name(c.operation_name.clone())
            .send()
            .await
            .map_err(|e| api("CreateRoute", &c.route_key, e.into_service_error()))?;
        let id = made.route_id().unwrap_or_default().to_string();
        read_back(TYPE, &id, || read_one(aws, &c.api_id, &id)).await
    }

    /// By its natural key: a route key is unique within its API.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        Ok(routes(aws, &c.api_id)
            .await?
            .iter()
            .filter(|r| r.route_key() == Some(c.route_key.as_str()))
            .map(|r| view(&c.api_id, r))
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
            .update_route()
            .api_id(&c.api_id)
            .route_id(id)
            .route_key(&c.route_key)
            .target(c.target.clone().unwrap_or_default())
            .authorization_type(AuthorizationType::from(c.authorization_type.as_str()))
            .set_authorizer_id(c.authorizer_id.clone())
            .api_key_required(c.api_key_required)
            .set_operation_name(c.operation_name.clone())
            .send()
            .await
            .map_err(|e| api("UpdateRoute", id, e.into_service_error()))?;
        read_back(TYPE, id, || read_one(aws, &c.api_id, id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let api_id = api_of(TYPE, &prior.id, &prior.inputs)?;
        aws.apigateway
            .delete_route()
            .api_id(&api_id)
            .route_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteRoute", &prior.id, e.into_service_error()))
    }

    /// `<api_id>/<id>`.
    fn import_ids(o: &Observed) -> Vec<String> {
        super::child_import_ids(o)
    }
}
