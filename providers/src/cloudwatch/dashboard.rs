//! `aws_cloudwatch_dashboard`: a CloudWatch dashboard, its widgets given as a document (a
//! TOML table or a JSON string).

use std::collections::BTreeMap;

use cairn_model::{Observed, OpContext, ProviderError, ReadRequest};
use cairn_model::{ResourceSchema, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, code, is_not_found, observed, parse, read_back, read_found};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_dashboard";

/// A CloudWatch dashboard.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub dashboard_name: String,
    /// The dashboard's body: `{ widgets = [...] }` as CloudWatch documents it (each widget's
    /// `type`, `x`, `y`, `width`, `height` and `properties`).
    #[schemars(extend("x-document" = true))]
    pub dashboard_body: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The dashboard's name.
    pub id: String,
    pub dashboard_arn: String,
}

pub fn schema() -> ResourceSchema {
    ResourceSchema::derive::<Config, Outputs>(
        TYPE,
        SchemaMeta {
            found_by: cairn_model::FoundBy::Key(&["dashboard_name"]),
            cloudformation: "AWS::CloudWatch::Dashboard",
            import_id: IMPORT_ID,
            ..SchemaMeta::default()
        },
    )
}

/// How `cairn import` names one: the dashboard name.
pub const IMPORT_ID: &str = "the dashboard name";

/// CloudWatch lists dashboards without their bodies: one GetDashboard each, in parallel.
pub async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    crate::common::read_each(requests, |r| read_one(aws, &r.id)).await
}

async fn read_one(aws: &Aws, name: &str) -> Result<Option<Observed>, ProviderError> {
    let got = match aws
        .cloudwatch
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetDashboard", name, e));
        }
    };
    let body = got.dashboard_body().unwrap_or("{}");
    let config = Config {
        dashboard_name: got.dashboard_name().unwrap_or(name).to_string(),
        dashboard_body: serde_json::from_str(body).map_err(|e| {
            ProviderError::Api(format!("dashboard {name}: its body is not JSON: {e}"))
        })?,
    };
    let outputs = Outputs {
        id: name.to_string(),
        dashboard_arn: got.dashboard_arn().unwrap_or_default().to_string(),
    };
    Ok(Some(observed(&schema(), name, &config, &outputs)))
}

/// By its name.
pub async fn import(aws: &Aws, import_id: &str) -> Result<Option<Observed>, ProviderError> {
    crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
    read_one(aws, import_id).await
}

/// PutDashboard creates and replaces alike.
async fn put(aws: &Aws, c: &Config) -> Result<(), ProviderError> {
    let got = aws
        .cloudwatch
        .put_dashboard()
        .dashboard_name(&c.dashboard_name)
        .dashboard_body(c.dashboard_body.to_string())
        .send()
        .await
        .map_err(|e| api("PutDashboard", &c.dashboard_name, e.into_service_error()))?;
    let problems: Vec<String> = got
        .dashboard_validation_messages()
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m.data_path().unwrap_or("body"),
                m.message().unwrap_or_default()
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {}: CloudWatch took the dashboard with warnings: {}",
            c.dashboard_name,
            problems.join("; ")
        )))
    }
}

pub async fn create(
    aws: &Aws,
    config: &serde_json::Value,
    _ctx: &OpContext,
) -> Result<Observed, ProviderError> {
    let c: Config = parse(TYPE, config)?;
    put(aws, &c).await?;
    read_back(TYPE, &c.dashboard_name, || read_one(aws, &c.dashboard_name)).await
}

/// By its unique name.
pub async fn find(
    aws: &Aws,
    config: &serde_json::Value,
    _ctx: &OpContext,
) -> Result<Vec<Observed>, ProviderError> {
    let c: Config = parse(TYPE, config)?;
    read_found(vec![c.dashboard_name], config, |r| async move {
        read(aws, &r).await
    })
    .await
}

pub async fn update(
    aws: &Aws,
    prior: &Observed,
    config: &serde_json::Value,
    _ctx: &OpContext,
) -> Result<Observed, ProviderError> {
    let c: Config = parse(TYPE, config)?;
    put(aws, &c).await?;
    read_back(TYPE, &prior.id, || read_one(aws, &prior.id)).await
}

/// A dashboard already gone (CloudWatch answers `ResourceNotFound`) is no error.
pub async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Result<(), ProviderError> {
    let name = &prior.id;
    match aws
        .cloudwatch
        .delete_dashboards()
        .dashboard_names(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                Ok(())
            } else {
                Err(api("DeleteDashboards", name, e))
            }
        }
    }
}
