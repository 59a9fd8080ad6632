//! `aws_lambda_event_source_mapping`: Lambda polling a queue or a stream (SQS, DynamoDB
//! streams, Kinesis) and invoking a function with what it receives.

use std::collections::BTreeMap;

use aws_sdk_lambda::types::{
    EventSourceMappingConfiguration, EventSourcePosition, FunctionResponseType, ScalingConfig,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{busy, BUSY_PATIENCE};
use crate::common::{api, code, expect_name, is_not_found, read_back, retry};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lambda_event_source_mapping";

fn yes() -> bool {
    true
}

/// A queue or stream a function is invoked from.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The queue's or stream's ARN.
    #[schemars(extend("x-force-new" = true))]
    pub event_source_arn: String,
    /// The function's name or ARN.
    #[schemars(extend("x-identifying" = true))]
    pub function_name: String,
    /// Records per invocation; AWS's default is 10 for SQS and 100 for streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<i32>,
    /// Seconds to gather records before invoking (0 to 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_batching_window_in_seconds: Option<i32>,
    /// Whether Lambda polls the source.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Streams only: `TRIM_HORIZON` or `LATEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub starting_position: Option<String>,
    /// `["ReportBatchItemFailures"]`: the function reports which records failed, and only
    /// those are retried.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub function_response_types: Vec<String>,
    /// SQS only: at most this many concurrent invocations (2 to 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_config: Option<Scaling>,
}

/// `scaling_config = { maximum_concurrency = 10 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    pub maximum_concurrency: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The mapping's UUID.
    pub id: String,
    pub arn: String,
    /// The function's ARN, as Lambda resolved `function_name`.
    pub function_arn: String,
}

/// How `cairn import` names one: the mapping's UUID.
pub const IMPORT_ID: &str = "the mapping's UUID";

/// Every mapping of the account and region (ListEventSourceMappings, paged), or of one
/// function.
async fn all(
    aws: &Aws,
    function: Option<&str>,
) -> Result<Vec<EventSourceMappingConfiguration>, ProviderError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = aws
            .lambda
            .list_event_source_mappings()
            .set_function_name(function.map(str::to_string))
            .set_marker(marker.take())
            .max_items(100)
            .send()
            .await
            .map_err(|e| {
                api(
                    "ListEventSourceMappings",
                    function.unwrap_or(""),
                    e.into_service_error(),
                )
            })?;
        out.extend(page.event_source_mappings().iter().cloned());
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

/// One listing (paged) answers for every mapping at once.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    if out.is_empty() {
        return Ok(out);
    }
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    for m in all(aws, None).await? {
        let id = m.uuid().unwrap_or_default();
        if out.contains_key(id) && !gone(&m) {
            let o = view(&m, prior.get(id).copied());
            out.insert(o.id.clone(), Some(o));
        }
    }
    Ok(out)
}

/// A mapping on its way out reads as gone.
fn gone(m: &EventSourceMappingConfiguration) -> bool {
    m.state() == Some("Deleting")
}

/// The function as the configuration named it: by name when the ARN Lambda reports is that
/// name's, else the ARN.
fn function_as_configured(arn: &str, prior: Option<&serde_json::Value>) -> String {
    let configured = prior
        .and_then(|p| p.get("function_name"))
        .and_then(serde_json::Value::as_str);
    match configured {
        Some(name) if name == arn || arn.ends_with(&format!(":function:{name}")) => {
            name.to_string()
        }
        _ => arn.to_string(),
    }
}

/// Whether the mapping polls, from its state; while it is being created or updated, as the
/// configuration said (the state does not tell yet).
fn enabled(state: Option<&str>, prior: Option<&serde_json::Value>) -> bool {
    match state {
        Some("Disabled" | "Disabling") => false,
        Some("Creating" | "Updating") => prior
            .and_then(|p| p.get("enabled"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true),
        _ => true,
    }
}

fn view(m: &EventSourceMappingConfiguration, prior: Option<&serde_json::Value>) -> Observed {
    let id = m.uuid().unwrap_or_default();
    let function_arn = m.function_arn().unwrap_or_default();
    let config = Config {
        event_source_arn: m.event_source_arn().unwrap_or_default().to_string(),
        function_name: function_as_configured(function_arn, prior),
        batch_size: m.batch_size(),
        maximum_batching_window_in_seconds: m.maximum_batching_window_in_seconds(),
        enabled: enabled(m.state(), prior),
        starting_position: m.starting_position().map(|p| p.as_str().to_string()),
        function_response_types: m
            .function_response_types()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        scaling_config: m.scaling_config().and_then(|s| {
            s.maximum_concurrency().map(|n| Scaling {
                maximum_concurrency: n,
            })
        }),
    };
    let outputs = Outputs {
        id: id.to_string(),
        arn: m.event_source_mapping_arn().unwrap_or_default().to_string(),
        function_arn: function_arn.to_string(),
    };
    AwsLambdaEventSourceMapping::observed(id, &config, &outputs)
}

async fn read_one(
    aws: &Aws,
    id: &str,
    prior: Option<&serde_json::Value>,
) -> Result<Option<Observed>, ProviderError> {
    match aws.lambda.get_event_source_mapping().uuid(id).send().await {
        Ok(m) => {
            let m = EventSourceMappingConfiguration::builder()
                .set_uuid(m.uuid().map(str::to_string))
                .set_event_source_arn(m.event_source_arn().map(str::to_string))
                .set_event_source_mapping_arn(m.event_source_mapping_arn().map(str::to_string))
                .set_function_arn(m.function_arn().map(str::to_string))
                .set_batch_size(m.batch_size())
                .set_maximum_batching_window_in_seconds(m.maximum_batching_window_in_seconds())
                .set_state(m.state().map(str::to_string))
                .set_starting_position(m.starting_position().cloned())
                .set_function_response_types(Some(m.function_response_types().to_vec()))
                .set_scaling_config(m.scaling_config().cloned())
                .build();
            Ok((!gone(&m)).then(|| view(&m, prior)))
        }
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                Ok(None)
            } else {
                Err(api("GetEventSourceMapping", id, e))
            }
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn response_types(c: &Config) -> Option<Vec<FunctionResponseType>> {
    Some(
        c.function_response_types
            .iter()
            .map(|t| FunctionResponseType::from(t.as_str()))
            .collect(),
    )
}

fn scaling(c: &Config) -> Option<ScalingConfig> {
    c.scaling_config.as_ref().map(|s| {
        ScalingConfig::builder()
            .maximum_concurrency(s.maximum_concurrency)
            .build()
    })
}

/// The `aws_lambda_event_source_mapping` resource type.
pub struct AwsLambdaEventSourceMapping;

impl Resource for AwsLambdaEventSourceMapping {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["function_name", "event_source_arn"]),
        cloudformation: "AWS::Lambda::EventSourceMapping",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "not-a-uuid", "provisioner/queue"],
        absent: Some("00000000-0000-4000-8000-000000000000"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its UUID. The function reads as its ARN.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        expect_name(TYPE, import_id, IMPORT_ID)?;
        if !is_uuid(import_id) {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not a UUID",
                IMPORT_ID,
            ));
        }
        read_one(aws, import_id, None).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        // A role made moments ago may not yet let Lambda read the queue: retried like a busy
        // function.
        let made = retry(
            BUSY_PATIENCE,
            |e: &aws_sdk_lambda::operation::create_event_source_mapping::CreateEventSourceMappingError| {
                busy(e) || (code(e) == Some("InvalidParameterValueException") && crate::common::message(e).contains("permission"))
            },
            || async {
                aws.lambda
                    .create_event_source_mapping()
                    .event_source_arn(&c.event_source_arn)
                    .function_name(&c.function_name)
                    .set_batch_size(c.batch_size)
                    .set_maximum_batching_window_in_seconds(c.maximum_batching_window_in_seconds)
                    .enabled(c.enabled)
                    .set_starting_position(c.starting_position.as_deref().map(EventSourcePosition::from))
                    .set_function_response_types(response_types(c))
                    .set_scaling_config(scaling(c))
                    .send()
                    .await
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("CreateEventSourceMapping", &c.event_source_arn, e))?;
        let id = made.uuid().unwrap_or_default().to_string();
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &id, || read_one(aws, &id, Some(&config))).await
    }

    /// By its natural key: the source and the function (Lambda polls a source once per
    /// function).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        Ok(all(aws, Some(&c.function_name))
            .await?
            .iter()
            .filter(|m| m.event_source_arn() == Some(c.event_source_arn.as_str()) && !gone(m))
            .map(|m| view(m, Some(&config)))
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
        retry(
            BUSY_PATIENCE,
            |e: &aws_sdk_lambda::operation::update_event_source_mapping::UpdateEventSourceMappingError| busy(e) || code(e) == Some("ResourceInUseException"),
            || async {
                aws.lambda
                    .update_event_source_mapping()
                    .uuid(id)
                    .function_name(&c.function_name)
                    .set_batch_size(c.batch_size)
                    .set_maximum_batching_window_in_seconds(c.maximum_batching_window_in_seconds)
                    .enabled(c.enabled)
                    .set_function_response_types(response_types(c))
                    .set_scaling_config(scaling(c))
                    .send()
                    .await
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("UpdateEventSourceMapping", id, e))?;
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, id, || read_one(aws, id, Some(&config))).await
    }

    /// Deletes the mapping; Lambda stops polling soon after (the mapping reads as gone while
    /// it is being deleted).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        retry(
            BUSY_PATIENCE,
            |e: &aws_sdk_lambda::operation::delete_event_source_mapping::DeleteEventSourceMappingError| code(e) == Some("ResourceInUseException"),
            || async {
                aws.lambda
                    .delete_event_source_mapping()
                    .uuid(&prior.id)
                    .send()
                    .await
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map(|_| ())
        .map_err(|e| api("DeleteEventSourceMapping", &prior.id, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_read_as_they_were_named() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:provisioner";
        let named = serde_json::json!({ "function_name": "provisioner" });
        let by_arn = serde_json::json!({ "function_name": arn });
        let other = serde_json::json!({ "function_name": "coordinator" });
        assert_eq!(function_as_configured(arn, Some(&named)), "provisioner");
        assert_eq!(function_as_configured(arn, Some(&by_arn)), arn);
        assert_eq!(function_as_configured(arn, Some(&other)), arn);
        assert_eq!(function_as_configured(arn, None), arn);
    }

    #[test]
    fn transitional_states_read_as_configured() {
        let off = serde_json::json!({ "enabled": false });
        assert!(!enabled(Some("Creating"), Some(&off)));
        assert!(enabled(Some("Creating"), None));
        assert!(!enabled(Some("Disabling"), None));
        assert!(enabled(Some("Enabled"), Some(&off)));
    }

    #[test]
    fn import_ids_are_uuids() {
        assert!(is_uuid("14e0db71-5d35-4eb5-b481-8945cf9d10c2"));
        for id in [
            "",
            "not-a-uuid",
            "14e0db71-5d35-4eb5-b481-8945cf9d10cz",
            "14e0db71-5d35-4eb5-b4818945cf9d10c2",
        ] {
            assert!(!is_uuid(id), "{id}");
        }
    }
}
