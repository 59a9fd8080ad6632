//! `aws_cloudtrail`: a CloudTrail trail, which delivers the account's API activity to an S3
//! bucket (and optionally CloudWatch Logs), with its logging switched on or off and its event
//! selectors. Its id is its ARN, as Terraform's.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types::{DataResource as SdkDataResource, EventSelector as SdkSelector};
use aws_sdk_cloudtrail::types::{ReadWriteType, Tag};
use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, read_back, read_found, tag_changes, visible_tags};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_cloudtrail";

fn yes() -> bool {
    true
}

fn all() -> String {
    "All".into()
}

/// A CloudTrail trail.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [
    {"given": ["cloud_watch_logs_group_arn"], "require": ["cloud_watch_logs_role_arn"]},
    {"given": ["cloud_watch_logs_role_arn"], "require": ["cloud_watch_logs_group_arn"]}
]))]
pub struct Config {
    /// The trail's name.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 3, max = 128), regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$"), extend("x-pattern-says" = "letters, digits, periods, underscores and hyphens, starting and ending with a letter or digit"))]
    pub name: String,
    /// The bucket the log files are delivered to (its policy must let CloudTrail write).
    pub s3_bucket_name: String,
    /// The prefix of the log files' keys in the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2000))]
    pub s3_key_prefix: Option<String>,
    /// Also log events of global services (IAM, STS, CloudFront); must be true for a
    /// multi-region trail.
    #[serde(default = "yes")]
    pub include_global_service_events: bool,
    /// Log the events of every region, not only the trail's.
    #[serde(default)]
    pub is_multi_region_trail: bool,
    /// Log the events of every account of the organization (from its management account).
    #[serde(default)]
    pub is_organization_trail: bool,
    /// Whether the trail is logging (StartLogging / StopLogging).
    #[serde(default = "yes")]
    pub enable_logging: bool,
    /// Deliver digest files to validate the log files with.
    #[serde(default)]
    pub enable_log_file_validation: bool,
    /// The ARN of the KMS key that encrypts the log files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^arn:"), extend("x-pattern-says" = "an ARN"))]
    pub kms_key_id: Option<String>,
    /// The ARN of the CloudWatch Logs log group the events are also delivered to (ending
    /// in `:*`); needs `cloud_watch_logs_role_arn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^arn:"), extend("x-pattern-says" = "an ARN"))]
    pub cloud_watch_logs_group_arn: Option<String>,
    /// The ARN of the role CloudTrail writes to the log group as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^arn:"), extend("x-pattern-says" = "an ARN"))]
    pub cloud_watch_logs_role_arn: Option<String>,
    /// The SNS topic told of each log file delivery (its name, or its ARN when in another
    /// region or account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns_topic_name: Option<String>,
    /// Which events are logged (at most 5 selectors): `[[...event_selector]]` blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 5))]
    pub event_selector: Vec<EventSelector>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Which management and data events the trail logs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All` (the default).
    #[serde(default = "all")]
    #[schemars(extend("enum" = ["ReadOnly", "WriteOnly", "All"]))]
    pub read_write_type: String,
    /// Log management events (true by default).
    #[serde(default = "yes")]
    pub include_management_events: bool,
    /// Data events to log: `[[...data_resource]]` blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_resource: Vec<DataResource>,
    /// Event sources whose management events are not logged (`kms.amazonaws.com`,
    /// `rdsdata.amazonaws.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-set" = true))]
    pub exclude_management_event_sources: Vec<String>,
}

/// The resources whose data events are logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataResource {
    /// `AWS::S3::Object`, `AWS::Lambda::Function` or `AWS::DynamoDB::Table`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table"]))]
    pub kind: String,
    /// ARNs (or ARN prefixes, e.g. `arn:aws:s3:::bucket/`) of the resources (at most 250).
    #[schemars(length(max = 250))]
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The trail's ARN.
    pub id: String,
    pub arn: String,
    /// The region the trail was created in.
    pub home_region: String,
    /// The ARN of the SNS topic, when one is told of deliveries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns_topic_arn: Option<String>,
}

/// How `cairn import` names one: its ARN, or its name.
pub const IMPORT_ID: &str =
    "the trail's ARN (`arn:aws:cloudtrail:<region>:<account>:trail/<name>`) or name";

/// The `aws_cloudtrail` resource type.
pub struct AwsCloudtrail;

impl Resource for AwsCloudtrail {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::CloudTrail::Trail",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "a trail"],
        absent: Some("absent-trail"),
    };

    /// GetTrail, GetTrailStatus, ListTags and, for a trail with selectors of its own,
    /// GetEventSelectors.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let tags = sdk_tags(&c.tags)?;
        let made = aws
            .cloudtrail
            .create_trail()
            .name(&c.name)
            .s3_bucket_name(&c.s3_bucket_name)
            .set_s3_key_prefix(c.s3_key_prefix.clone())
            .include_global_service_events(c.include_global_service_events)
            .is_multi_region_trail(c.is_multi_region_trail)
            .is_organization_trail(c.is_organization_trail)
            .enable_log_file_validation(c.enable_log_file_validation)
            .set_kms_key_id(c.kms_key_id.clone())
            .set_cloud_watch_logs_log_group_arn(c.cloud_watch_logs_group_arn.clone())
            .set_cloud_watch_logs_role_arn(c.cloud_watch_logs_role_arn.clone())
            .set_sns_topic_name(c.sns_topic_name.clone())
            .set_tags_list((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| api("CreateTrail", &c.name, e.into_service_error()))?;
        let arn = made.trail_arn().unwrap_or(&c.name).to_string();
        // A new trail does not log until started.
        if c.enable_logging {
            set_logging(aws, &c.name, true).await?;
        }
        if !c.event_selector.is_empty() {
            put_selectors(aws, &c.name, &c.event_selector).await?;
        }
        read_back(TYPE, &arn, || read_one(aws, &arn)).await
    }

    /// By its name, unique in the region.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        read_found(vec![c.name.clone()], c, |r| async move {
            Self::read(aws, &r).await
        })
        .await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &new.name;
        let text = |v: &Option<String>| Some(v.clone().unwrap_or_default());
        let changed = |a: &Option<String>, b: &Option<String>| a != b;
        let logs = changed(
            &old.cloud_watch_logs_group_arn,
            &new.cloud_watch_logs_group_arn,
        ) || changed(
            &old.cloud_watch_logs_role_arn,
            &new.cloud_watch_logs_role_arn,
        );
        let mut call = aws.cloudtrail.update_trail().name(name);
        let mut any = false;
        if logs {
            call = call
                .set_cloud_watch_logs_log_group_arn(text(&new.cloud_watch_logs_group_arn))
                .set_cloud_watch_logs_role_arn(text(&new.cloud_watch_logs_role_arn));
            any = true;
        }
        if old.enable_log_file_validation != new.enable_log_file_validation {
            call = call.enable_log_file_validation(new.enable_log_file_validation);
            any = true;
        }
        if old.include_global_service_events != new.include_global_service_events {
            call = call.include_global_service_events(new.include_global_service_events);
            any = true;
        }
        if old.is_multi_region_trail != new.is_multi_region_trail {
            call = call.is_multi_region_trail(new.is_multi_region_trail);
            any = true;
        }
        if old.is_organization_trail != new.is_organization_trail {
            call = call.is_organization_trail(new.is_organization_trail);
            any = true;
        }
        if changed(&old.kms_key_id, &new.kms_key_id) {
            call = call.set_kms_key_id(text(&new.kms_key_id));
            any = true;
        }
        if old.s3_bucket_name != new.s3_bucket_name {
            call = call.s3_bucket_name(&new.s3_bucket_name);
            any = true;
        }
        if changed(&old.s3_key_prefix, &new.s3_key_prefix) {
            call = call.set_s3_key_prefix(text(&new.s3_key_prefix));
            any = true;
        }
        if changed(&old.sns_topic_name, &new.sns_topic_name) {
            call = call.set_sns_topic_name(text(&new.sns_topic_name));
            any = true;
        }
        if any {
            call.send()
                .await
                .map_err(|e| api("UpdateTrail", name, e.into_service_error()))?;
        }
        if old.enable_logging != new.enable_logging {
            set_logging(aws, name, new.enable_logging).await?;
        }
        if old.event_selector != new.event_selector {
            // No selectors of its own: the default one (all management events).
            let selectors = if new.event_selector.is_empty() {
                vec![EventSelector {
                    read_write_type: all(),
                    include_management_events: true,
                    data_resource: Vec::new(),
                    exclude_management_event_sources: Vec::new(),
                }]
            } else {
                new.event_selector.clone()
            };
            put_selectors(aws, name, &selectors).await?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            let keys = removed
                .iter()
                .map(|k| Tag::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {name}: {e}")))?;
            aws.cloudtrail
                .remove_tags()
                .resource_id(&prior.id)
                .set_tags_list(Some(keys))
                .send()
                .await
                .map_err(|e| api("RemoveTags", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.cloudtrail
                .add_tags()
                .resource_id(&prior.id)
                .set_tags_list(Some(sdk_tags(&set)?))
                .send()
                .await
                .map_err(|e| api("AddTags", name, e.into_service_error()))?;
        }
        read_back(TYPE, &prior.id, || read_one(aws, &prior.id)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = prior
            .inputs
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or(&prior.id);
        aws.cloudtrail
            .delete_trail()
            .name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteTrail", name, e.into_service_error()))
    }

    /// Its ARN, then its name.
    fn import_ids(o: &Observed) -> Vec<String> {
        let mut ids = vec![o.id.clone()];
        if let Some(name) = o.inputs.get("name").and_then(|v| v.as_str()) {
            ids.push(name.to_string());
        }
        ids
    }
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Answer<Vec<Tag>> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProviderError::InvalidConfig(format!("{TYPE}: {e}")))
}

async fn set_logging(aws: &Aws, name: &str, on: bool) -> Answer<()> {
    if on {
        aws.cloudtrail
            .start_logging()
            .name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("StartLogging", name, e.into_service_error()))
    } else {
        aws.cloudtrail
            .stop_logging()
            .name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("StopLogging", name, e.into_service_error()))
    }
}

async fn put_selectors(aws: &Aws, name: &str, selectors: &[EventSelector]) -> Answer<()> {
    let sdk = selectors
        .iter()
        .map(|s| {
            SdkSelector::builder()
                .read_write_type(ReadWriteType::from(s.read_write_type.as_str()))
                .include_management_events(s.include_management_events)
                .set_data_resources(Some(
                    s.data_resource
                        .iter()
                        .map(|d| {
                            SdkDataResource::builder()
                                .r#type(&d.kind)
                                .set_values(Some(d.values.clone()))
                                .build()
                        })
                        .collect(),
                ))
                .set_exclude_management_event_sources(
                    (!s.exclude_management_event_sources.is_empty())
                        .then(|| s.exclude_management_event_sources.clone()),
                )
                .build()
        })
        .collect::<Vec<_>>();
    aws.cloudtrail
        .put_event_selectors()
        .trail_name(name)
        .set_event_selectors(Some(sdk))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("PutEventSelectors", name, e.into_service_error()))
}

/// A text AWS answers, `None` for none or an empty one (what an update that clears it leaves).
fn set(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_string)
}

/// The trail named by `id` (its ARN or name); `None` when it is gone.
async fn read_one(aws: &Aws, id: &str) -> Answer<Option<Observed>> {
    let got = match aws
        .cloudtrail
        .get_trail()
        .name(id)
        .send()
        .await
        .map_err(|e| api("GetTrail", id, e.into_service_error()))
    {
        Ok(got) => got,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(t) = got.trail() else {
        return Ok(None);
    };
    let name = t.name().unwrap_or(id).to_string();
    let arn = t.trail_arn().unwrap_or(id).to_string();
    let home_region = t.home_region().unwrap_or(&aws.region).to_string();
    let status = aws
        .cloudtrail
        .get_trail_status()
        .name(&name)
        .send()
        .await
        .map_err(|e| api("GetTrailStatus", &name, e.into_service_error()))?;
    let event_selector = if t.has_custom_event_selectors() == Some(true) {
        let got = aws
            .cloudtrail
            .get_event_selectors()
            .trail_name(&name)
            .send()
            .await
            .map_err(|e| api("GetEventSelectors", &name, e.into_service_error()))?;
        got.event_selectors()
            .iter()
            .map(|s| EventSelector {
                read_write_type: s
                    .read_write_type()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_else(all),
                include_management_events: s.include_management_events().unwrap_or(true),
                data_resource: s
                    .data_resources()
                    .iter()
                    .map(|d| DataResource {
                        kind: d.r#type().unwrap_or_default().to_string(),
                        values: d.values().to_vec(),
                    })
                    .collect(),
                exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let tags = aws
        .cloudtrail
        .list_tags()
        .resource_id_list(&arn)
        .send()
        .await
        .map_err(|e| api("ListTags", &name, e.into_service_error()))?;
    let tags = visible_tags(
        tags.resource_tag_list()
            .iter()
            .flat_map(|r| r.tags_list())
            .map(|t| (t.key(), t.value().unwrap_or_default())),
    );
    // The topic's name when it is the trail's region's and account's, else its ARN (as
    // Terraform reads it).
    let topic_arn = set(t.sns_topic_arn());
    let sns_topic_name = match &topic_arn {
        Some(topic) => {
            let parts: Vec<&str> = topic.split(':').collect();
            let account = aws.account().await?;
            match parts.as_slice() {
                [_, _, _, region, acct, name] if *region == home_region && *acct == account => {
                    Some(name.to_string())
                }
                _ => Some(topic.clone()),
            }
        }
        #[allow(deprecated)]
        None => set(t.sns_topic_name()),
    };
    let config = Config {
        name: name.clone(),
        s3_bucket_name: t.s3_bucket_name().unwrap_or_default().to_string(),
        s3_key_prefix: set(t.s3_key_prefix()),
        include_global_service_events: t.include_global_service_events().unwrap_or(true),
        is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: t.is_organization_trail().unwrap_or(false),
        enable_logging: status.is_logging().unwrap_or(false),
        enable_log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
        kms_key_id: set(t.kms_key_id()),
        cloud_watch_logs_group_arn: set(t.cloud_watch_logs_log_group_arn()),
        cloud_watch_logs_role_arn: set(t.cloud_watch_logs_role_arn()),
        sns_topic_name,
        event_selector,
        tags,
    };
    let outputs = Outputs {
        id: arn.clone(),
        arn: arn.clone(),
        home_region,
        sns_topic_arn: topic_arn,
    };
    Ok(Some(AwsCloudtrail::observed(&arn, &config, &outputs)))
}
