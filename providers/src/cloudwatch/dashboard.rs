//! `aws_cloudwatch_dashboard`: a CloudWatch dashboard, its widgets given as a document (a
//! TOML table or a JSON string).

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, code, is_not_found, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
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

/// How `cairn import` names one: the dashboard name.
pub const IMPORT_ID: &str = "the dashboard name";

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
    Ok(Some(AwsCloudwatchDashboard::observed(
        name, &config, &outputs,
    )))
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

/// The `aws_cloudwatch_dashboard` resource type.
pub struct AwsCloudwatchDashboard;

impl Resource for AwsCloudwatchDashboard {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["dashboard_name"]),
        cloudformation: "AWS::CloudWatch::Dashboard",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words"],
        absent: Some("absent"),
    };

    /// CloudWatch lists dashboards without their bodies: one GetDashboard each, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        put(aws, c).await?;
        read_back(TYPE, &c.dashboard_name, || read_one(aws, &c.dashboard_name)).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        put(aws, new).await?;
        read_back(TYPE, &prior.id, || read_one(aws, &prior.id)).await
    }

    /// A dashboard already gone (CloudWatch answers `ResourceNotFound`) is no error.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        aws.cloudwatch
            .delete_dashboards()
            .dashboard_names(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteDashboards", name, e.into_service_error()))
    }
}
