//! `aws_cloudwatch_log_stream`: a named stream of events inside a CloudWatch Logs log group
//! (a stream an application writes to by a name it knows in advance).

use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, malformed, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudwatch_log_stream";

/// A log stream of a CloudWatch Logs log group.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The stream's name, unique in its log group (no `:` or `*`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 512))]
    pub name: String,
    /// The name of the log group the stream is in (`aws_cloudwatch_log_group.<name>.name`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[\.\-_/#A-Za-z0-9]+$"), extend("x-pattern-says" = "letters, digits and . - _ / #"))]
    pub log_group_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The stream's name.
    pub id: String,
    /// The stream's ARN (`arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<name>`).
    pub arn: String,
}

/// How `cairn import` names one: as Terraform does.
pub const IMPORT_ID: &str = "`<log group name>:<log stream name>`";

/// The `aws_cloudwatch_log_stream` resource type.
pub struct AwsCloudwatchLogStream;

/// The log group and stream an import id names.
fn parse_import_id(import_id: &str) -> Answer<(&str, &str)> {
    crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
    match import_id.split_once(':') {
        Some((group, stream)) if !group.is_empty() && !stream.is_empty() => Ok((group, stream)),
        _ => Err(malformed(
            TYPE,
            import_id,
            "it is not a log group name and a stream name separated by `:`",
            IMPORT_ID,
        )),
    }
}

impl Resource for AwsCloudwatchLogStream {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["log_group_name", "name"]),
        cloudformation: "AWS::Logs::LogStream",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "stream", ":stream", "group:", "a group:stream"],
        absent: Some("absent-group:absent-stream"),
    };

    /// One DescribeLogStreams (by name prefix) in the group the recorded inputs name.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        let Some(group) = request
            .prior_inputs
            .get("log_group_name")
            .and_then(|v| v.as_str())
        else {
            return Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {}: the recorded inputs do not name its log group",
                request.id
            )));
        };
        read_one(aws, group, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        aws.logs
            .create_log_stream()
            .log_group_name(&c.log_group_name)
            .log_stream_name(&c.name)
            .send()
            .await
            .map_err(|e| api("CreateLogStream", &c.name, e.into_service_error()))?;
        read_back(TYPE, &c.name, || read_one(aws, &c.log_group_name, &c.name)).await
    }

    /// By its name in its log group (unique there).
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        read_found(vec![c.name.clone()], c, |r| async move {
            Self::read(aws, &r).await
        })
        .await
    }

    /// Nothing of a stream changes in place: every attribute replaces it.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        read_back(TYPE, &prior.id, || {
            read_one(aws, &new.log_group_name, &prior.id)
        })
        .await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let group = prior
            .inputs
            .get("log_group_name")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        aws.logs
            .delete_log_stream()
            .log_group_name(group)
            .log_stream_name(&prior.id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteLogStream", &prior.id, e.into_service_error()))
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parse_import_id(import_id).map(|_| ())
    }

    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        let (group, stream) = parse_import_id(import_id)?;
        read_one(aws, group, stream).await
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        let group = o
            .inputs
            .get("log_group_name")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        vec![format!("{group}:{}", o.id)]
    }
}

/// The stream `name` of the log group `group`; `None` when either is gone.
async fn read_one(aws: &Aws, group: &str, name: &str) -> Answer<Option<Observed>> {
    let streams = match aws
        .logs
        .describe_log_streams()
        .log_group_name(group)
        .log_stream_name_prefix(name)
        .send()
        .await
        .map_err(|e| api("DescribeLogStreams", name, e.into_service_error()))
    {
        Ok(s) => s,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(s) = streams
        .log_streams()
        .iter()
        .find(|s| s.log_stream_name() == Some(name))
    else {
        return Ok(None);
    };
    let arn = match s.arn() {
        Some(a) => a.to_string(),
        None => format!(
            "arn:aws:logs:{}:{}:log-group:{group}:log-stream:{name}",
            aws.region,
            aws.account().await?
        ),
    };
    let config = Config {
        name: name.to_string(),
        log_group_name: group.to_string(),
    };
    let outputs = Outputs {
        id: name.to_string(),
        arn,
    };
    Ok(Some(AwsCloudwatchLogStream::observed(
        name, &config, &outputs,
    )))
}
