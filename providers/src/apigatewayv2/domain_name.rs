//! `aws_apigatewayv2_domain_name`: a custom domain name for API Gateway (HTTP and WebSocket)
//! APIs, served with an ACM certificate; Route 53 aliases its `target_domain_name`.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_apigatewayv2::types::{
    DomainNameConfiguration, DomainNameStatus, EndpointType, MutualTlsAuthenticationInput,
    SecurityPolicy,
};
use cairn_model::{FoundBy, Observed, OpContext, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{retag, tag_map, visible};
use crate::common::{api, code, is_not_found, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_apigatewayv2_domain_name";

/// How long create and update wait for the domain to be available (Terraform's 60 minutes).
const AVAILABLE_PATIENCE: Duration = Duration::from_secs(60 * 60);

fn regional() -> String {
    "REGIONAL".into()
}

fn tls_1_2() -> String {
    "TLS_1_2".into()
}

/// A custom domain name.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The domain name, e.g. `api.example.com`.
    #[schemars(length(min = 1, max = 512), extend("x-force-new" = true, "x-identifying" = true))]
    pub domain_name: String,
    /// How the domain is served (Terraform's one-item list, as one block).
    pub domain_name_configuration: Configuration,
    /// Clients present certificates that this truststore validates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutual_tls_authentication: Option<MutualTls>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `domain_name_configuration = { certificate_arn = aws_acm_certificate.api.arn }`. What AWS
/// computes for it (`target_domain_name`, `hosted_zone_id`) are the resource's outputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// The ACM certificate's ARN (in the API's region).
    #[schemars(regex(pattern = r"^arn:\S+$"), extend("x-pattern-says" = "an ARN"))]
    pub certificate_arn: String,
    /// `REGIONAL`, the only endpoint type API Gateway v2 takes.
    #[serde(default = "regional")]
    #[schemars(extend("enum" = ["REGIONAL"]))]
    pub endpoint_type: String,
    /// The TLS version and ciphers: `TLS_1_2`.
    #[serde(default = "tls_1_2")]
    #[schemars(extend("enum" = ["TLS_1_2"]))]
    pub security_policy: String,
    /// The ARN of a public certificate that proves ownership of the domain (with mutual TLS
    /// and a certificate from a private CA or imported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^arn:\S+$"), extend("x-pattern-says" = "an ARN"))]
    pub ownership_verification_certificate_arn: Option<String>,
}

/// `mutual_tls_authentication = { truststore_uri = "s3://bucket/truststore.pem" }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MutualTls {
    /// `s3://<bucket>/<key>` of the PEM truststore.
    #[schemars(regex(pattern = r"^s3://\S+/\S+$"), extend("x-pattern-says" = "an s3://bucket/key URI"))]
    pub truststore_uri: String,
    /// The S3 object version of the truststore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truststore_version: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The domain name.
    pub id: String,
    /// `arn:aws:apigateway:<region>::/domainnames/<name>`.
    pub arn: String,
    /// The selection expression of the domain's API mappings (`$request.basepath`).
    pub api_mapping_selection_expression: Option<String>,
    /// The domain API Gateway serves it at (`d-....execute-api.<region>.amazonaws.com`):
    /// what a Route 53 alias names (Terraform's
    /// `domain_name_configuration[0].target_domain_name`).
    pub target_domain_name: Option<String>,
    /// The hosted zone of `target_domain_name`, for a Route 53 alias (Terraform's
    /// `domain_name_configuration[0].hosted_zone_id`).
    pub hosted_zone_id: Option<String>,
}

/// How `cairn import` names one: the domain name.
pub const IMPORT_ID: &str = "the domain name";

/// GetDomainName: `None` when there is no such domain.
async fn get(
    aws: &Aws,
    name: &str,
) -> Answer<Option<aws_sdk_apigatewayv2::operation::get_domain_name::GetDomainNameOutput>> {
    match aws
        .apigateway
        .get_domain_name()
        .domain_name(name)
        .send()
        .await
    {
        Ok(got) => Ok(Some(got)),
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                Ok(None)
            } else {
                Err(api("GetDomainName", name, e))
            }
        }
    }
}

fn domain_arn(aws: &Aws, name: &str) -> String {
    format!(
        "arn:{}:apigateway:{}::/domainnames/{name}",
        crate::data::partition_of(&aws.region).0,
        aws.region
    )
}

async fn read_one(aws: &Aws, name: &str) -> Answer<Option<Observed>> {
    let Some(got) = get(aws, name).await? else {
        return Ok(None);
    };
    let c = got.domain_name_configurations().first();
    let config = Config {
        domain_name: got.domain_name().unwrap_or(name).to_string(),
        domain_name_configuration: Configuration {
            certificate_arn: c
                .and_then(|c| c.certificate_arn())
                .unwrap_or_default()
                .to_string(),
            endpoint_type: c
                .and_then(|c| c.endpoint_type())
                .map(|e| e.as_str().to_string())
                .unwrap_or_else(regional),
            security_policy: c
                .and_then(|c| c.security_policy())
                .map(|e| e.as_str().to_string())
                .unwrap_or_else(tls_1_2),
            ownership_verification_certificate_arn: c
                .and_then(|c| c.ownership_verification_certificate_arn())
                .filter(|a| !a.is_empty())
                .map(str::to_string),
        },
        mutual_tls_authentication: got.mutual_tls_authentication().and_then(|m| {
            Some(MutualTls {
                truststore_uri: m.truststore_uri().filter(|u| !u.is_empty())?.to_string(),
                truststore_version: m
                    .truststore_version()
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
            })
        }),
        tags: visible(got.tags()),
    };
    let outputs = Outputs {
        id: config.domain_name.clone(),
        arn: domain_arn(aws, &config.domain_name),
        api_mapping_selection_expression: got
            .api_mapping_selection_expression()
            .map(str::to_string),
        target_domain_name: c
            .and_then(|c| c.api_gateway_domain_name())
            .map(str::to_string),
        hosted_zone_id: c.and_then(|c| c.hosted_zone_id()).map(str::to_string),
    };
    Ok(Some(AwsApigatewayv2DomainName::observed(
        &config.domain_name,
        &config,
        &outputs,
    )))
}

fn configuration(c: &Configuration) -> DomainNameConfiguration {
    DomainNameConfiguration::builder()
        .certificate_arn(&c.certificate_arn)
        .endpoint_type(EndpointType::from(c.endpoint_type.as_str()))
        .security_policy(SecurityPolicy::from(c.security_policy.as_str()))
        .set_ownership_verification_certificate_arn(
            c.ownership_verification_certificate_arn.clone(),
        )
        .build()
}

fn mutual_tls(m: &MutualTls) -> MutualTlsAuthenticationInput {
    MutualTlsAuthenticationInput::builder()
        .truststore_uri(&m.truststore_uri)
        .set_truststore_version(m.truststore_version.clone())
        .build()
}

/// Waits until the domain is available (not being created or updated).
async fn wait_available(aws: &Aws, ctx: &OpContext, name: &str) -> Answer<()> {
    crate::common::wait_until(ctx, TYPE, name, "available", AVAILABLE_PATIENCE, || async {
        let Some(got) = get(aws, name).await? else {
            return Ok(true);
        };
        Ok(got.domain_name_configurations().iter().all(|c| {
            !matches!(
                c.domain_name_status(),
                Some(
                    DomainNameStatus::Updating
                        | DomainNameStatus::PendingCertificateReimport
                        | DomainNameStatus::PendingOwnershipVerification
                )
            )
        }))
    })
    .await
}

/// The `aws_apigatewayv2_domain_name` resource type.
pub struct AwsApigatewayv2DomainName;

impl Resource for AwsApigatewayv2DomainName {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["domain_name"]),
        cloudformation: "AWS::ApiGatewayV2::DomainName",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words"],
        absent: Some("absent.example.com"),
    };

    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        aws.apigateway
            .create_domain_name()
            .domain_name(&c.domain_name)
            .domain_name_configurations(configuration(&c.domain_name_configuration))
            .set_mutual_tls_authentication(c.mutual_tls_authentication.as_ref().map(mutual_tls))
            .set_tags(tag_map(&c.tags))
            .send()
            .await
            .map_err(|e| api("CreateDomainName", &c.domain_name, e.into_service_error()))?;
        wait_available(aws, ctx, &c.domain_name).await?;
        read_back(TYPE, &c.domain_name, || read_one(aws, &c.domain_name)).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        if old.domain_name_configuration != new.domain_name_configuration
            || old.mutual_tls_authentication != new.mutual_tls_authentication
        {
            // Mutual TLS taken away is an empty truststore URI.
            let mtls = match &new.mutual_tls_authentication {
                Some(m) => Some(mutual_tls(m)),
                None if old.mutual_tls_authentication.is_some() => Some(
                    MutualTlsAuthenticationInput::builder()
                        .truststore_uri("")
                        .build(),
                ),
                None => None,
            };
            aws.apigateway
                .update_domain_name()
                .domain_name(name)
                .domain_name_configurations(configuration(&new.domain_name_configuration))
                .set_mutual_tls_authentication(mtls)
                .send()
                .await
                .map_err(|e| api("UpdateDomainName", name, e.into_service_error()))?;
            wait_available(aws, ctx, name).await?;
        }
        let shown: BTreeMap<String, String> = prior
            .inputs
            .get("tags")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_else(|| old.tags.clone());
        retag(aws, &domain_arn(aws, name), &shown, &new.tags).await?;
        read_back(TYPE, name, || read_one(aws, name)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        aws.apigateway
            .delete_domain_name()
            .domain_name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteDomainName", &prior.id, e.into_service_error()))
    }
}
