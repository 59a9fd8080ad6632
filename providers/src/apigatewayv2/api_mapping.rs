//! `aws_apigatewayv2_api_mapping`: serves a stage of an API at a custom domain name (under a
//! path, the mapping key, or at its root).

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, code, is_not_found, malformed, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_apigatewayv2_api_mapping";

/// A mapping of an API stage to a custom domain.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API's id.
    pub api_id: String,
    /// The custom domain name (`aws_apigatewayv2_domain_name.x.id`).
    #[schemars(length(min = 1), extend("x-force-new" = true, "x-identifying" = true))]
    pub domain_name: String,
    /// The stage served (`$default`, or a stage's name).
    pub stage: String,
    /// The path under the domain the stage is served at (`v1`); its root when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9$_.+!*'()-]+(?:/[A-Za-z0-9$_.+!*'()-]+)*$"), extend("x-pattern-says" = "path segments of letters, digits and `$-_.+!*'()`, separated by single `/`"))]
    pub api_mapping_key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The mapping's id.
    pub id: String,
}

/// How `cairn import` names one: `<mapping id>/<domain name>` (Terraform's format).
pub const IMPORT_ID: &str = "`<api mapping id>/<domain name>`";

fn split_import(import_id: &str) -> Answer<(&str, &str)> {
    match import_id.split_once('/') {
        Some((id, domain))
            if !id.is_empty()
                && !domain.is_empty()
                && !domain.contains('/')
                && !import_id.contains(char::is_whitespace) =>
        {
            Ok((id, domain))
        }
        _ => Err(malformed(
            TYPE,
            import_id,
            "it is not two parts separated by `/`",
            IMPORT_ID,
        )),
    }
}

fn domain_of(id: &str, prior: &serde_json::Value) -> Answer<String> {
    prior
        .get("domain_name")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ProviderError::InvalidConfig(format!(
                "{TYPE} {id}: the recorded inputs name no domain_name to read it from"
            ))
        })
}

async fn read_one(aws: &Aws, id: &str, domain: &str) -> Answer<Option<Observed>> {
    let got = match aws
        .apigateway
        .get_api_mapping()
        .api_mapping_id(id)
        .domain_name(domain)
        .send()
        .await
    {
        Ok(g) => g,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetApiMapping", id, e));
        }
    };
    let config = Config {
        api_id: got.api_id().unwrap_or_default().to_string(),
        domain_name: domain.to_string(),
        stage: got.stage().unwrap_or_default().to_string(),
        api_mapping_key: got
            .api_mapping_key()
            .filter(|k| !k.is_empty())
            .map(str::to_string),
    };
    let outputs = Outputs { id: id.to_string() };
    Ok(Some(AwsApigatewayv2ApiMapping::observed(
        id, &config, &outputs,
    )))
}

/// The `aws_apigatewayv2_api_mapping` resource type.
pub struct AwsApigatewayv2ApiMapping;

impl Resource for AwsApigatewayv2ApiMapping {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["domain_name", "api_mapping_key"]),
        cloudformation: "AWS::ApiGatewayV2::ApiMapping",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["abc", "abc/", "/api.example.com"],
        absent: Some("abc12/absent.example.com"),
    };

    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        let domain = domain_of(&request.id, &request.prior_inputs)?;
        read_one(aws, &request.id, &domain).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        split_import(import_id).map(|_| ())
    }

    /// By `<mapping id>/<domain name>`.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (id, domain) = split_import(import_id)?;
        read_one(aws, id, domain).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let made = aws
            .apigateway
            .create_api_mapping()
            .domain_name(&c.domain_name)
            .api_id(&c.api_id)
            .stage(&c.stage)
            .set_api_mapping_key(c.api_mapping_key.clone())
            .send()
            .await
            .map_err(|e| api("CreateApiMapping", &c.domain_name, e.into_service_error()))?;
        let id = made.api_mapping_id().unwrap_or_default().to_string();
        read_back(TYPE, &id, || read_one(aws, &id, &c.domain_name)).await
    }

    /// By its natural key: the domain and the mapping key (unique within the domain).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let mappings = match aws
            .apigateway
            .get_api_mappings()
            .domain_name(&c.domain_name)
            .send()
            .await
        {
            Ok(m) => m.items().to_vec(),
            Err(e) => {
                let e = e.into_service_error();
                if is_not_found(code(&e)) {
                    return Ok(Vec::new());
                }
                return Err(api("GetApiMappings", &c.domain_name, e));
            }
        };
        let key = c.api_mapping_key.as_deref().unwrap_or_default();
        let mut out = Vec::new();
        for m in mappings
            .iter()
            .filter(|m| m.api_mapping_key().unwrap_or_default() == key)
        {
            if let Some(id) = m.api_mapping_id() {
                out.extend(read_one(aws, id, &c.domain_name).await?);
            }
        }
        Ok(out)
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        aws.apigateway
            .update_api_mapping()
            .api_mapping_id(id)
            .domain_name(&new.domain_name)
            .api_id(&new.api_id)
            .stage(&new.stage)
            .api_mapping_key(new.api_mapping_key.clone().unwrap_or_default())
            .send()
            .await
            .map_err(|e| api("UpdateApiMapping", id, e.into_service_error()))?;
        read_back(TYPE, id, || read_one(aws, id, &new.domain_name)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let domain = domain_of(&prior.id, &prior.inputs)?;
        aws.apigateway
            .delete_api_mapping()
            .api_mapping_id(&prior.id)
            .domain_name(&domain)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteApiMapping", &prior.id, e.into_service_error()))
    }

    /// `<mapping id>/<domain name>`.
    fn import_ids(o: &Observed) -> Vec<String> {
        let domain = o.inputs["domain_name"].as_str().unwrap_or_default();
        vec![format!("{}/{domain}", o.id)]
    }
}
