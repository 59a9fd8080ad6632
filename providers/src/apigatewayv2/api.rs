//! `aws_apigatewayv2_api`: an API Gateway HTTP or WebSocket API, with its CORS settings.

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::types::{Api, Cors as AwsCors, ProtocolType};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{arn, execution_arn, retag, tag_map, visible};
use crate::common::{api as api_error, claim, claimed, code, is_not_found, tags_can_tell};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_apigatewayv2_api";

/// An API Gateway v2 API.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's name (need not be unique).
    pub name: String,
    /// `HTTP` or `WEBSOCKET`.
    #[schemars(extend("x-force-new" = true))]
    pub protocol_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How a request selects its route; AWS's default is `$request.method $request.path` for
    /// HTTP APIs. WebSocket APIs must set it (e.g. `$request.body.action`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_selection_expression: Option<String>,
    /// Turn off the default `execute-api` endpoint (clients then need a custom domain).
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    /// Cross-origin resource sharing, for HTTP APIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_configuration: Option<Cors>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `cors_configuration = { allow_origins = ["https://example.com"], allow_methods = ["GET"] }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub allow_origins: Vec<String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub allow_methods: Vec<String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub expose_headers: Vec<String>,
    /// Seconds a browser may cache the preflight answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i32>,
    #[serde(default)]
    pub allow_credentials: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The API id.
    pub id: String,
    pub arn: String,
    /// The default endpoint: `https://<id>.execute-api.<region>.amazonaws.com` (`wss://` for
    /// WebSocket APIs).
    pub api_endpoint: String,
    /// `arn:aws:execute-api:<region>:<account>:<id>`: what Lambda permissions name as source
    /// (`${...execution_arn}/*/*`).
    pub execution_arn: String,
}

/// How `cairn import` names one: the API id.
pub const IMPORT_ID: &str = "the API id";

/// Every API of the account and region (GetApis, paged): API Gateway has no read by many ids.
async fn all(aws: &Aws) -> Result<Vec<Api>, ProviderError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .apigateway
            .get_apis()
            .set_next_token(token.take())
            .max_results("500")
            .send()
            .await
            .map_err(|e| api_error("GetApis", "", e.into_service_error()))?;
        out.extend(page.items().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// One GetApis listing (paged) answers for every API at once.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    if out.is_empty() {
        return Ok(out);
    }
    let account = aws.account().await?;
    for found in all(aws).await? {
        if let Some(o) = view(aws, &account, &found) {
            if out.contains_key(&o.id) {
                out.insert(o.id.clone(), Some(o));
            }
        }
    }
    Ok(out)
}

fn cors_of(c: &AwsCors) -> Cors {
    let list = |l: &[String]| l.to_vec();
    Cors {
        allow_origins: list(c.allow_origins()),
        allow_methods: list(c.allow_methods()),
        allow_headers: list(c.allow_headers()),
        expose_headers: list(c.expose_headers()),
        max_age: c.max_age(),
        allow_credentials: c.allow_credentials().unwrap_or(false),
    }
}

fn view(aws: &Aws, account: &str, a: &Api) -> Option<Observed> {
    let id = a.api_id()?;
    let protocol = a.protocol_type().map(|p| p.as_str()).unwrap_or("HTTP");
    let config = Config {
        name: a.name().unwrap_or_default().to_string(),
        protocol_type: protocol.to_string(),
        description: a
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        route_selection_expression: a.route_selection_expression().map(str::to_string),
        disable_execute_api_endpoint: a.disable_execute_api_endpoint().unwrap_or(false),
        cors_configuration: a.cors_configuration().map(cors_of),
        tags: visible(a.tags()),
    };
    let scheme = if protocol == "WEBSOCKET" {
        "wss"
    } else {
        "https"
    };
    let outputs = Outputs {
        id: id.to_string(),
        arn: arn(&aws.region, id),
        api_endpoint: a
            .api_endpoint()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{scheme}://{id}.execute-api.{}.amazonaws.com", aws.region)),
        execution_arn: execution_arn(&aws.region, account, id),
    };
    Some(AwsApigatewayv2Api::observed(id, &config, &outputs))
}

async fn read_one(aws: &Aws, id: &str) -> Result<Option<Observed>, ProviderError> {
    let found = match aws.apigateway.get_api().api_id(id).send().await {
        Ok(a) => a,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api_error("GetApi", id, e));
        }
    };
    let api = Api::builder()
        .set_api_id(found.api_id().map(str::to_string))
        .set_api_endpoint(found.api_endpoint().map(str::to_string))
        .set_name(found.name().map(str::to_string))
        .set_protocol_type(found.protocol_type().cloned())
        .set_description(found.description().map(str::to_string))
        .set_route_selection_expression(found.route_selection_expression().map(str::to_string))
        .set_disable_execute_api_endpoint(found.disable_execute_api_endpoint())
        .set_cors_configuration(found.cors_configuration().cloned())
        .set_tags(found.tags().cloned())
        .build();
    let account = aws.account().await?;
    Ok(view(aws, &account, &api))
}

fn aws_cors(c: &Cors) -> AwsCors {
    let set = |l: &Vec<String>| (!l.is_empty()).then(|| l.clone());
    AwsCors::builder()
        .set_allow_origins(set(&c.allow_origins))
        .set_allow_methods(set(&c.allow_methods))
        .set_allow_headers(set(&c.allow_headers))
        .set_expose_headers(set(&c.expose_headers))
        .set_max_age(c.max_age)
        .allow_credentials(c.allow_credentials)
        .build()
}

/// The `aws_apigatewayv2_api` resource type.
pub struct AwsApigatewayv2Api;

impl Resource for AwsApigatewayv2Api {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::ApiGatewayV2::Api",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words"],
        absent: Some("absentid"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let made = aws
            .apigateway
            .create_api()
            .name(&c.name)
            .protocol_type(ProtocolType::from(c.protocol_type.as_str()))
            .set_description(c.description.clone())
            .set_route_selection_expression(c.route_selection_expression.clone())
            .disable_execute_api_endpoint(c.disable_execute_api_endpoint)
            .set_cors_configuration(c.cors_configuration.as_ref().map(aws_cors))
            .set_tags(tag_map(&c.tags))
            .send()
            .await
            .map_err(|e| api_error("CreateApi", &c.name, e.into_service_error()))?;
        let id = made.api_id().unwrap_or_default().to_string();
        crate::common::read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    /// By the ownership tags the create put on it (API names need not be unique).
    async fn find(aws: &Aws, _config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        tags_can_tell(TYPE, ctx)?;
        let apis = all(aws).await?;
        let ids = claimed(apis.iter().map(|a| {
            let tags = a.tags().into_iter().flatten();
            (
                a.api_id(),
                claim(tags.map(|(k, v)| (k.as_str(), v.as_str())), ctx),
            )
        }));
        let account = aws.account().await?;
        Ok(ids
            .iter()
            .filter_map(|id| apis.iter().find(|a| a.api_id() == Some(id.as_str())))
            .filter_map(|a| view(aws, &account, a))
            .collect())
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        if new.cors_configuration.is_none() && old.cors_configuration.is_some() {
            aws.apigateway
                .delete_cors_configuration()
                .api_id(id)
                .send()
                .await
                .map_err(|e| api_error("DeleteCorsConfiguration", id, e.into_service_error()))?;
        }
        aws.apigateway
            .update_api()
            .api_id(id)
            .name(&new.name)
            .description(new.description.clone().unwrap_or_default())
            .set_route_selection_expression(new.route_selection_expression.clone())
            .disable_execute_api_endpoint(new.disable_execute_api_endpoint)
            .set_cors_configuration(new.cors_configuration.as_ref().map(aws_cors))
            .send()
            .await
            .map_err(|e| api_error("UpdateApi", id, e.into_service_error()))?;
        retag(aws, &arn(&aws.region, id), &old.tags, &new.tags).await?;
        crate::common::read_back(TYPE, id, || read_one(aws, id)).await
    }

    /// Deletes the API with everything in it (stages, integrations, routes).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.apigateway
            .delete_api()
            .api_id(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api_error("DeleteApi", &prior.id, e.into_service_error()))
    }
}
