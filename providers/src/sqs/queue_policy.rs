//! `aws_sqs_queue_policy`: the access policy of an SQS queue, kept apart from the queue (an
//! S3 bucket or SNS topic allowed to send to it, a queue made elsewhere).

use aws_sdk_sqs::types::QueueAttributeName as Attr;
use cairn_model::{ErrorKind, FoundBy, Observed, OpContext, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, read_back};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_sqs_queue_policy";

/// The access policy of an SQS queue. A queue has one policy: two of these for one queue
/// overwrite each other.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The URL of the queue (`aws_sqs_queue.<name>.id`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub queue_url: String,
    /// The policy document (a table, or JSON text).
    #[schemars(extend("x-document" = true))]
    pub policy: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The queue's URL.
    pub id: String,
}

/// How `cairn import` names one: the queue's URL.
pub const IMPORT_ID: &str =
    "the queue's URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`)";

/// The `aws_sqs_queue_policy` resource type.
pub struct AwsSqsQueuePolicy;

impl Resource for AwsSqsQueuePolicy {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["queue_url"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "jobs",
            "arn:aws:sqs:us-east-1:123456789012:jobs",
            "https://sqs.us-east-1.amazonaws.com",
        ],
        absent: Some("https://sqs.us-east-1.amazonaws.com/123456789012/absent"),
    };

    /// One GetQueueAttributes (Policy): a queue without a policy has none to read.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        set_policy(aws, &c.queue_url, &document_text(&c.policy)).await?;
        read_back(TYPE, &c.queue_url, || read_one(aws, &c.queue_url)).await
    }

    async fn update(
        aws: &Aws,
        _prior: &Observed,
        _old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        set_policy(aws, &new.queue_url, &document_text(&new.policy)).await?;
        read_back(TYPE, &new.queue_url, || read_one(aws, &new.queue_url)).await
    }

    /// Sets the queue's policy to none (the queue stays).
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        set_policy(aws, &prior.id, "").await
    }

    /// A URL (`https://`, or `http://` as emulators answer), with the queue's path.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let path = ["https://", "http://"]
            .iter()
            .find_map(|scheme| import_id.strip_prefix(scheme))
            .and_then(|rest| rest.split_once('/'));
        match path {
            Some((host, name)) if !host.is_empty() && !name.is_empty() => Ok(()),
            _ => Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not a queue URL",
                IMPORT_ID,
            )),
        }
    }
}

/// A configured document (a table or JSON text) as the JSON text SQS takes.
fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn set_policy(aws: &Aws, url: &str, policy: &str) -> Answer<()> {
    aws.sqs
        .set_queue_attributes()
        .queue_url(url)
        .attributes(Attr::Policy, policy)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("SetQueueAttributes", url, e.into_service_error()))
}

/// The queue's policy; `None` when the queue is gone or has no policy.
async fn read_one(aws: &Aws, url: &str) -> Answer<Option<Observed>> {
    let got = match aws
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(Attr::Policy)
        .send()
        .await
        .map_err(|e| api("GetQueueAttributes", url, e.into_service_error()))
    {
        Ok(got) => got,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(text) = got
        .attributes()
        .and_then(|a| a.get(&Attr::Policy))
        .filter(|p| !p.trim().is_empty())
    else {
        return Ok(None);
    };
    let policy = serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!(text));
    let config = Config {
        queue_url: url.to_string(),
        policy,
    };
    let outputs = Outputs {
        id: url.to_string(),
    };
    Ok(Some(AwsSqsQueuePolicy::observed(url, &config, &outputs)))
}
