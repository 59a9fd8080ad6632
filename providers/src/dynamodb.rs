//! `aws_dynamodb_table`: a DynamoDB table, with its global and local secondary indexes, time to live,
//! point-in-time recovery, encryption and stream.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode as SdkBillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate,
    IndexStatus, KeySchemaElement, KeyType, LocalSecondaryIndex, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, Projection, ProjectionType as SdkProjectionType,
    ProvisionedThroughput, ScalarAttributeType, SseSpecification, SseStatus, SseType,
    StreamSpecification, StreamViewType as SdkStreamViewType, TableDescription, TableStatus, Tag,
    TimeToLiveSpecification, TimeToLiveStatus, UpdateGlobalSecondaryIndexAction,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{api, code, retry, tag_changes, visible_tags, wait_until};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_dynamodb_table";

/// How reads and writes are paid for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingMode {
    /// On demand: per request, no capacity to plan.
    #[default]
    PayPerRequest,
    /// `read_capacity` and `write_capacity` units, for the table and each index.
    Provisioned,
}

/// The type of a key attribute: string, number or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AttributeType {
    S,
    N,
    B,
}

/// Which attributes an index copies from the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectionType {
    #[default]
    All,
    KeysOnly,
    /// The keys and `non_key_attributes`.
    Include,
}

/// What a stream record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamViewType {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

/// A key attribute (of the table or of an index).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub name: String,
    /// `S` (string), `N` (number) or `B` (binary).
    #[serde(rename = "type")]
    pub kind: AttributeType,
}

/// A global secondary index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub name: String,
    pub hash_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_key: Option<String>,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    #[serde(default)]
    pub projection_type: ProjectionType,
    /// With `INCLUDE`: the other attributes the index copies.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub non_key_attributes: Vec<String>,
    /// With `PROVISIONED` billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_capacity: Option<i64>,
    /// With `PROVISIONED` billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_capacity: Option<i64>,
}

/// A local secondary index: the table's partition key with another sort key. Made with the
/// table only: any change replaces the table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalIndex {
    pub name: String,
    /// The index's sort key: an attribute's name.
    pub range_key: String,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    #[serde(default)]
    pub projection_type: ProjectionType,
    /// With `INCLUDE`: the other attributes the index copies.
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub non_key_attributes: Vec<String>,
}

/// Items expire at the time (epoch seconds) in `attribute_name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ttl {
    #[serde(default)]
    pub attribute_name: String,
    #[serde(default)]
    pub enabled: bool,
}

/// Encryption at rest with a KMS key: AWS's own key when `enabled` is false, else the
/// AWS-managed `aws/dynamodb` key or `kms_key_arn`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

/// Continuous backups for point-in-time restores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    #[serde(default)]
    pub enabled: bool,
}

/// A DynamoDB table.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: String,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    #[serde(default)]
    pub billing_mode: BillingMode,
    /// Read capacity units, with `PROVISIONED` billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_capacity: Option<i64>,
    /// Write capacity units, with `PROVISIONED` billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_capacity: Option<i64>,
    /// The partition key: an attribute's name.
    #[schemars(extend("x-force-new" = true))]
    pub hash_key: String,
    /// The sort key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub range_key: Option<String>,
    /// The key attributes of the table and its indexes (and only those).
    #[schemars(extend("x-set" = true))]
    pub attribute: Vec<Attribute>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub global_secondary_index: Vec<Index>,
    /// Indexes with the table's partition key and another sort key (the table needs a
    /// `range_key`); made with the table only.
    #[serde(default)]
    #[schemars(extend("x-set" = true, "x-force-new" = true))]
    pub local_secondary_index: Vec<LocalIndex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Ttl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_encryption: Option<Encryption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_in_time_recovery: Option<Recovery>,
    /// Refuse deletes (also cairn's).
    #[serde(default)]
    pub deletion_protection_enabled: bool,
    /// Send item changes to a DynamoDB stream (`stream_arn`).
    #[serde(default)]
    pub stream_enabled: bool,
    /// With `stream_enabled`: `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_view_type: Option<StreamViewType>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The table's name.
    pub id: String,
    pub arn: String,
    /// The stream's ARN, while the stream is on.
    pub stream_arn: Option<String>,
}

/// How `cairn import` names one: the table name.
pub const IMPORT_ID: &str = "the table name";

/// How long a table or index may take to become active or go away.
const PATIENCE: Duration = Duration::from_secs(1800);

fn built<T>(what: &str, r: Result<T, BuildError>) -> Result<T, ProviderError> {
    r.map_err(|e| ProviderError::InvalidConfig(format!("{TYPE} {what}: {e}")))
}

fn gone(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("ResourceNotFoundException" | "ResourceNotFound" | "TableNotFoundException")
    )
}

fn key_schema(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>, ProviderError> {
    let mut keys = vec![built(
        "hash_key",
        KeySchemaElement::builder()
            .attribute_name(hash)
            .key_type(KeyType::Hash)
            .build(),
    )?];
    if let Some(r) = range {
        keys.push(built(
            "range_key",
            KeySchemaElement::builder()
                .attribute_name(r)
                .key_type(KeyType::Range)
                .build(),
        )?);
    }
    Ok(keys)
}

fn keys_of(keys: &[KeySchemaElement]) -> (String, Option<String>) {
    let find = |t: KeyType| {
        keys.iter()
            .find(|k| *k.key_type() == t)
            .map(|k| k.attribute_name().to_string())
    };
    (
        find(KeyType::Hash).unwrap_or_default(),
        find(KeyType::Range),
    )
}

fn attribute_definitions(c: &Config) -> Result<Vec<AttributeDefinition>, ProviderError> {
    c.attribute
        .iter()
        .map(|a| {
            let kind = match a.kind {
                AttributeType::S => ScalarAttributeType::S,
                AttributeType::N => ScalarAttributeType::N,
                AttributeType::B => ScalarAttributeType::B,
            };
            built(
                "attribute",
                AttributeDefinition::builder()
                    .attribute_name(&a.name)
                    .attribute_type(kind)
                    .build(),
            )
        })
        .collect()
}

fn throughput(
    what: &str,
    mode: BillingMode,
    read: Option<i64>,
    write: Option<i64>,
) -> Result<Option<ProvisionedThroughput>, ProviderError> {
    if mode != BillingMode::Provisioned {
        return Ok(None);
    }
    let (Some(r), Some(w)) = (read, write) else {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {what}: PROVISIONED billing needs read_capacity and write_capacity"
        )));
    };
    built(
        what,
        ProvisionedThroughput::builder()
            .read_capacity_units(r)
            .write_capacity_units(w)
            .build(),
    )
    .map(Some)
}

fn projection(i: &Index) -> Projection {
    projection_of(i.projection_type, &i.non_key_attributes)
}

fn projection_of(kind: ProjectionType, non_key_attributes: &[String]) -> Projection {
    let kind = match kind {
        ProjectionType::All => SdkProjectionType::All,
        ProjectionType::KeysOnly => SdkProjectionType::KeysOnly,
        ProjectionType::Include => SdkProjectionType::Include,
    };
    Projection::builder()
        .projection_type(kind)
        .set_non_key_attributes(
            (!non_key_attributes.is_empty()).then(|| non_key_attributes.to_vec()),
        )
        .build()
}

fn local_index(c: &Config, i: &LocalIndex) -> Result<LocalSecondaryIndex, ProviderError> {
    let what = format!("local_secondary_index {}", i.name);
    built(
        &what,
        LocalSecondaryIndex::builder()
            .index_name(&i.name)
            .set_key_schema(Some(key_schema(&c.hash_key, Some(&i.range_key))?))
            .projection(projection_of(i.projection_type, &i.non_key_attributes))
            .build(),
    )
}

/// What a described projection says, in the configuration's terms.
fn projection_view(p: Option<&Projection>) -> (ProjectionType, Vec<String>) {
    (
        match p.and_then(|p| p.projection_type()) {
            Some(SdkProjectionType::KeysOnly) => ProjectionType::KeysOnly,
            Some(SdkProjectionType::Include) => ProjectionType::Include,
            _ => ProjectionType::All,
        },
        p.map(|p| p.non_key_attributes().to_vec())
            .unwrap_or_default(),
    )
}

fn index(mode: BillingMode, i: &Index) -> Result<GlobalSecondaryIndex, ProviderError> {
    let what = format!("global_secondary_index {}", i.name);
    built(
        &what,
        GlobalSecondaryIndex::builder()
            .index_name(&i.name)
            .set_key_schema(Some(key_schema(&i.hash_key, i.range_key.as_deref())?))
            .projection(projection(i))
            .set_provisioned_throughput(throughput(&what, mode, i.read_capacity, i.write_capacity)?)
            .build(),
    )
}

fn sdk_billing(mode: BillingMode) -> SdkBillingMode {
    match mode {
        BillingMode::PayPerRequest => SdkBillingMode::PayPerRequest,
        BillingMode::Provisioned => SdkBillingMode::Provisioned,
    }
}

fn stream_spec(c: &Config) -> Result<StreamSpecification, ProviderError> {
    let view = c.stream_view_type.map(|v| match v {
        StreamViewType::KeysOnly => SdkStreamViewType::KeysOnly,
        StreamViewType::NewImage => SdkStreamViewType::NewImage,
        StreamViewType::OldImage => SdkStreamViewType::OldImage,
        StreamViewType::NewAndOldImages => SdkStreamViewType::NewAndOldImages,
    });
    if c.stream_enabled && view.is_none() {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {}: stream_enabled needs stream_view_type",
            c.name
        )));
    }
    built(
        "stream",
        StreamSpecification::builder()
            .stream_enabled(c.stream_enabled)
            .set_stream_view_type(view.filter(|_| c.stream_enabled))
            .build(),
    )
}

fn sse_spec(e: &Encryption) -> SseSpecification {
    let b = SseSpecification::builder().enabled(e.enabled);
    if e.enabled {
        b.sse_type(SseType::Kms)
            .set_kms_master_key_id(e.kms_key_arn.clone())
            .build()
    } else {
        b.build()
    }
}

fn dynamo_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| built("tags", Tag::builder().key(k).value(v).build()))
        .collect()
}

async fn describe(aws: &Aws, name: &str) -> Result<Option<TableDescription>, ProviderError> {
    match aws.dynamodb.describe_table().table_name(name).send().await {
        Ok(r) => Ok(r.table().cloned()),
        Err(e) => {
            let e = e.into_service_error();
            if gone(code(&e)) {
                Ok(None)
            } else {
                Err(api("DescribeTable", name, e))
            }
        }
    }
}

async fn tags_of(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let r = aws
            .dynamodb
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| api("ListTagsOfResource", arn, e.into_service_error()))?;
        pairs.extend(
            r.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        match r.next_token() {
            Some(t) if !t.is_empty() => next = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(visible_tags(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

/// The time-to-live setting: `None` when off and the prior configuration had no block (AWS
/// forgets the attribute of a disabled TTL: the prior one stands).
async fn ttl_of(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Ttl>, ProviderError> {
    let r = aws
        .dynamodb
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| api("DescribeTimeToLive", name, e.into_service_error()))?;
    let d = r.time_to_live_description();
    let on = matches!(
        d.and_then(|d| d.time_to_live_status()),
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    );
    if on {
        return Ok(Some(Ttl {
            attribute_name: d
                .and_then(|d| d.attribute_name())
                .unwrap_or_default()
                .to_string(),
            enabled: true,
        }));
    }
    Ok(prior.get("ttl").filter(|t| t.is_object()).map(|t| Ttl {
        attribute_name: t
            .get("attribute_name")
            .and_then(|a| a.as_str())
            .unwrap_or_default()
            .to_string(),
        enabled: false,
    }))
}

async fn recovery_of(aws: &Aws, name: &str) -> Result<bool, ProviderError> {
    let r = aws
        .dynamodb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(|e| api("DescribeContinuousBackups", name, e.into_service_error()))?;
    Ok(matches!(
        r.continuous_backups_description()
            .and_then(|d| d.point_in_time_recovery_description())
            .and_then(|p| p.point_in_time_recovery_status()),
        Some(PointInTimeRecoveryStatus::Enabled)
    ))
}

fn view(t: &TableDescription) -> (BillingMode, Vec<Attribute>, Vec<Index>) {
    let mode = match t.billing_mode_summary().and_then(|b| b.billing_mode()) {
        Some(SdkBillingMode::PayPerRequest) => BillingMode::PayPerRequest,
        _ => BillingMode::Provisioned,
    };
    // Only key attributes count (AWS takes no others), also where AWS still lists the key
    // of an index deleted since.
    let mut keys: Vec<&str> = t.key_schema().iter().map(|k| k.attribute_name()).collect();
    for i in t
        .global_secondary_indexes()
        .iter()
        .filter(|i| !matches!(i.index_status(), Some(IndexStatus::Deleting)))
    {
        keys.extend(i.key_schema().iter().map(|k| k.attribute_name()));
    }
    for i in t.local_secondary_indexes() {
        keys.extend(i.key_schema().iter().map(|k| k.attribute_name()));
    }
    let attributes = t
        .attribute_definitions()
        .iter()
        .filter(|a| keys.contains(&a.attribute_name()))
        .map(|a| Attribute {
            name: a.attribute_name().to_string(),
            kind: match a.attribute_type() {
                ScalarAttributeType::N => AttributeType::N,
                ScalarAttributeType::B => AttributeType::B,
                _ => AttributeType::S,
            },
        })
        .collect();
    let provisioned = |v: Option<i64>| v.filter(|_| mode == BillingMode::Provisioned);
    let indexes = t
        .global_secondary_indexes()
        .iter()
        .filter(|i| !matches!(i.index_status(), Some(IndexStatus::Deleting)))
        .map(|i| {
            let (hash_key, range_key) = keys_of(i.key_schema());
            let (projection_type, non_key_attributes) = projection_view(i.projection());
            Index {
                name: i.index_name().unwrap_or_default().to_string(),
                hash_key,
                range_key,
                projection_type,
                non_key_attributes,
                read_capacity: provisioned(
                    i.provisioned_throughput()
                        .and_then(|t| t.read_capacity_units()),
                ),
                write_capacity: provisioned(
                    i.provisioned_throughput()
                        .and_then(|t| t.write_capacity_units()),
                ),
            }
        })
        .collect();
    (mode, attributes, indexes)
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let Some(t) = describe(aws, name).await? else {
        return Ok(None);
    };
    if matches!(t.table_status(), Some(TableStatus::Deleting)) {
        return Ok(None);
    }
    let arn = t.table_arn().unwrap_or_default().to_string();
    let (ttl, recovery, tags) = futures::try_join!(
        ttl_of(aws, name, prior),
        recovery_of(aws, name),
        tags_of(aws, &arn)
    )?;
    let (billing_mode, attribute, global_secondary_index) = view(&t);
    let local_secondary_index = t
        .local_secondary_indexes()
        .iter()
        .map(|i| {
            let (projection_type, non_key_attributes) = projection_view(i.projection());
            LocalIndex {
                name: i.index_name().unwrap_or_default().to_string(),
                range_key: keys_of(i.key_schema()).1.unwrap_or_default(),
                projection_type,
                non_key_attributes,
            }
        })
        .collect();
    let (hash_key, range_key) = keys_of(t.key_schema());
    let provisioned = |v: Option<i64>| v.filter(|_| billing_mode == BillingMode::Provisioned);
    let sse = t.sse_description().filter(|d| {
        matches!(
            d.status(),
            Some(SseStatus::Enabled | SseStatus::Enabling | SseStatus::Updating)
        )
    });
    let stream = t.stream_specification().filter(|s| s.stream_enabled());
    let config = Config {
        name: t.table_name().unwrap_or(name).to_string(),
        billing_mode,
        read_capacity: provisioned(
            t.provisioned_throughput()
                .and_then(|p| p.read_capacity_units()),
        ),
        write_capacity: provisioned(
            t.provisioned_throughput()
                .and_then(|p| p.write_capacity_units()),
        ),
        hash_key,
        range_key,
        attribute,
        global_secondary_index,
        local_secondary_index,
        ttl,
        server_side_encryption: Some(Encryption {
            enabled: sse.is_some(),
            kms_key_arn: sse.and_then(|d| d.kms_master_key_arn()).map(str::to_string),
        }),
        point_in_time_recovery: Some(Recovery { enabled: recovery }),
        deletion_protection_enabled: t.deletion_protection_enabled().unwrap_or(false),
        stream_enabled: stream.is_some(),
        stream_view_type: stream
            .and_then(|s| s.stream_view_type())
            .and_then(|v| match v {
                SdkStreamViewType::KeysOnly => Some(StreamViewType::KeysOnly),
                SdkStreamViewType::NewImage => Some(StreamViewType::NewImage),
                SdkStreamViewType::OldImage => Some(StreamViewType::OldImage),
                SdkStreamViewType::NewAndOldImages => Some(StreamViewType::NewAndOldImages),
                _ => None,
            }),
        tags,
    };
    let outputs = Outputs {
        id: config.name.clone(),
        arn,
        stream_arn: stream.and(t.latest_stream_arn()).map(str::to_string),
    };
    Ok(Some(AwsDynamodbTable::observed(
        &config.name,
        &config,
        &outputs,
    )))
}

/// Waits until the table and every index on it are active (after a create or an update).
async fn wait_active(aws: &Aws, name: &str, ctx: &OpContext) -> Result<(), ProviderError> {
    wait_until(ctx, TYPE, name, "active", PATIENCE, || async {
        let Some(t) = describe(aws, name).await? else {
            return Err(ProviderError::Api(format!(
                "DynamoDB table {name} vanished while it was being changed"
            )));
        };
        Ok(matches!(t.table_status(), Some(TableStatus::Active))
            && t.global_secondary_indexes()
                .iter()
                .all(|i| matches!(i.index_status(), Some(IndexStatus::Active) | None)))
    })
    .await
}

/// Whether an UpdateTable or a backup call was refused because the table is still busy.
fn busy(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("ResourceInUseException" | "ContinuousBackupsUnavailableException")
    )
}

async fn update_table(
    aws: &Aws,
    name: &str,
    what: &str,
    ctx: &OpContext,
    build: impl Fn(
        aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
    ) -> aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
) -> Result<(), ProviderError> {
    retry(
        PATIENCE,
        |e: &aws_sdk_dynamodb::operation::update_table::UpdateTableError| busy(code(e)),
        || async {
            build(aws.dynamodb.update_table().table_name(name))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        },
    )
    .await
    .map_err(|e| api(&format!("UpdateTable ({what})"), name, e))?;
    wait_active(aws, name, ctx).await
}

async fn set_ttl(aws: &Aws, name: &str, attribute: &str, on: bool) -> Result<(), ProviderError> {
    let spec = built(
        "ttl",
        TimeToLiveSpecification::builder()
            .attribute_name(attribute)
            .enabled(on)
            .build(),
    )?;
    aws.dynamodb
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| api("UpdateTimeToLive", name, e.into_service_error()))
}

async fn set_recovery(aws: &Aws, name: &str, on: bool) -> Result<(), ProviderError> {
    let spec = built(
        "point_in_time_recovery",
        PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(on)
            .build(),
    )?;
    retry(
        PATIENCE,
        |e: &aws_sdk_dynamodb::operation::update_continuous_backups::UpdateContinuousBackupsError| {
            busy(code(e))
        },
        || async {
            aws.dynamodb
                .update_continuous_backups()
                .table_name(name)
                .point_in_time_recovery_specification(spec.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        },
    )
    .await
    .map_err(|e| api("UpdateContinuousBackups", name, e))
}

/// Changes the time to live from `old` to `new` (a rename disables the old attribute first).
async fn change_ttl(
    aws: &Aws,
    name: &str,
    old: Option<&Ttl>,
    new: &Ttl,
) -> Result<(), ProviderError> {
    let was_on = old.filter(|t| t.enabled);
    match (was_on, new.enabled) {
        (Some(o), true) if o.attribute_name == new.attribute_name => Ok(()),
        (Some(o), true) => {
            set_ttl(aws, name, &o.attribute_name, false).await?;
            set_ttl(aws, name, &new.attribute_name, true).await
        }
        (None, true) => set_ttl(aws, name, &new.attribute_name, true).await,
        (Some(o), false) => set_ttl(aws, name, &o.attribute_name, false).await,
        (None, false) => Ok(()),
    }
}

/// The `aws_dynamodb_table` resource type.
pub struct AwsDynamodbTable;

impl Resource for AwsDynamodbTable {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["name"]),
        cloudformation: "AWS::DynamoDB::Table",
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "two words"],
        absent: Some("absent"),
    };

    /// DescribeTable, DescribeTimeToLive, DescribeContinuousBackups and ListTagsOfResource per
    /// table, tables in parallel (DynamoDB has no batch describe).
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let name = &c.name;
        let indexes = c
            .global_secondary_index
            .iter()
            .map(|i| index(c.billing_mode, i))
            .collect::<Result<Vec<_>, _>>()?;
        let local = c
            .local_secondary_index
            .iter()
            .map(|i| local_index(c, i))
            .collect::<Result<Vec<_>, _>>()?;
        aws.dynamodb
            .create_table()
            .table_name(name)
            .billing_mode(sdk_billing(c.billing_mode))
            .set_provisioned_throughput(throughput(
                "table",
                c.billing_mode,
                c.read_capacity,
                c.write_capacity,
            )?)
            .set_attribute_definitions(Some(attribute_definitions(c)?))
            .set_key_schema(Some(key_schema(&c.hash_key, c.range_key.as_deref())?))
            .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
            .set_local_secondary_indexes((!local.is_empty()).then_some(local))
            .set_sse_specification(
                c.server_side_encryption
                    .as_ref()
                    .filter(|e| e.enabled)
                    .map(sse_spec),
            )
            .set_stream_specification(c.stream_enabled.then(|| stream_spec(c)).transpose()?)
            .deletion_protection_enabled(c.deletion_protection_enabled)
            .set_tags(Some(dynamo_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateTable", name, e.into_service_error()))?;
        wait_active(aws, name, ctx).await?;
        if let Some(t) = c.ttl.as_ref().filter(|t| t.enabled) {
            set_ttl(aws, name, &t.attribute_name, true).await?;
        }
        if c.point_in_time_recovery.as_ref().is_some_and(|p| p.enabled) {
            set_recovery(aws, name, true).await?;
        }
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_one(aws, name, &config).await?.ok_or_else(|| {
            ProviderError::Api(format!("DynamoDB table {name} vanished after create"))
        })
    }

    /// Billing mode and capacity, indexes (one created or deleted per UpdateTable, as AWS
    /// allows), stream, deletion protection and encryption with UpdateTable; time to live with
    /// UpdateTimeToLive; point-in-time recovery with UpdateContinuousBackups; tags. A block the
    /// configuration leaves out is left as it is.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &new.name;
        drop_indexes(aws, old, new, ctx).await?;
        change_billing(aws, old, new, ctx).await?;
        change_indexes(aws, old, new, ctx).await?;
        change_stream(aws, old, new, ctx).await?;
        change_settings(aws, old, new, ctx).await?;
        let arn = prior
            .outputs
            .get("arn")
            .and_then(|a| a.as_str())
            .unwrap_or_default();
        change_tags(aws, arn, old, new).await?;
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_one(aws, name, &config)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("DynamoDB table {name} no longer exists")))
    }

    /// Refuses while deletion protection is on; waits until the table is gone.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        let sent = retry(
            PATIENCE,
            |e: &aws_sdk_dynamodb::operation::delete_table::DeleteTableError| {
                code(e) == Some("ResourceInUseException")
            },
            || async {
                aws.dynamodb
                    .delete_table()
                    .table_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await;
        if let Err(e) = sent {
            if gone(code(&e)) {
                return Ok(());
            }
            let protected = crate::common::message(&e).contains("protect")
                || code(&e).is_some_and(|c| c.contains("DeletionProtect"));
            if protected {
                return Err(ProviderError::Api(format!(
                    "DeleteTable {name}: deletion protection is on; set deletion_protection_enabled = false and apply first"
                )));
            }
            return Err(api("DeleteTable", name, e));
        }
        wait_until(ctx, TYPE, name, "deleted", PATIENCE, || async {
            Ok(describe(aws, name).await?.is_none())
        })
        .await
    }
}

/// An index's definition apart from its capacity (which UpdateTable changes in place).
fn shape(i: &Index) -> (&str, &str, Option<&str>, ProjectionType, &[String]) {
    (
        &i.name,
        &i.hash_key,
        i.range_key.as_deref(),
        i.projection_type,
        &i.non_key_attributes,
    )
}

/// Indexes gone or redefined go first, one per call (a table that becomes provisioned needs
/// capacity for every index it keeps, and only for those).
async fn drop_indexes(
    aws: &Aws,
    old: &Config,
    new: &Config,
    ctx: &OpContext,
) -> Result<(), ProviderError> {
    let name = &new.name;
    for o in &old.global_secondary_index {
        if new
            .global_secondary_index
            .iter()
            .any(|n| shape(n) == shape(o))
        {
            continue;
        }
        let delete = GlobalSecondaryIndexUpdate::builder()
            .delete(built(
                "global_secondary_index",
                DeleteGlobalSecondaryIndexAction::builder()
                    .index_name(&o.name)
                    .build(),
            )?)
            .build();
        update_table(aws, name, &format!("delete index {}", o.name), ctx, |b| {
            b.global_secondary_index_updates(delete.clone())
        })
        .await?;
    }
    Ok(())
}

/// The indexes of `new` that `old` has in the same shape.
fn kept_indexes<'a>(old: &Config, new: &'a Config) -> Vec<&'a Index> {
    new.global_secondary_index
        .iter()
        .filter(|n| {
            old.global_secondary_index
                .iter()
                .any(|o| shape(o) == shape(n))
        })
        .collect()
}

/// The update that gives the existing index `index` its configured capacity under `mode`.
fn capacity_update(
    index: &Index,
    mode: BillingMode,
) -> Result<GlobalSecondaryIndexUpdate, ProviderError> {
    let what = format!("global_secondary_index {}", index.name);
    let capacity = throughput(&what, mode, index.read_capacity, index.write_capacity)?;
    Ok(GlobalSecondaryIndexUpdate::builder()
        .update(built(
            &what,
            UpdateGlobalSecondaryIndexAction::builder()
                .index_name(&index.name)
                .set_provisioned_throughput(capacity)
                .build(),
        )?)
        .build())
}

/// Billing mode and table capacity; indexes that stay get their capacity in the same call
/// (AWS needs it when the table becomes provisioned).
async fn change_billing(
    aws: &Aws,
    old: &Config,
    new: &Config,
    ctx: &OpContext,
) -> Result<(), ProviderError> {
    let name = &new.name;
    let mode = new.billing_mode;
    let kept = kept_indexes(old, new);
    if old.billing_mode != mode
        || (mode == BillingMode::Provisioned
            && (old.read_capacity, old.write_capacity) != (new.read_capacity, new.write_capacity))
    {
        let table = throughput("table", mode, new.read_capacity, new.write_capacity)?;
        let mut updates = Vec::new();
        if old.billing_mode != mode && mode == BillingMode::Provisioned {
            for i in &kept {
                updates.push(capacity_update(i, mode)?);
            }
        }
        let billing = sdk_billing(mode);
        update_table(aws, name, "billing mode", ctx, |b| {
            b.billing_mode(billing.clone())
                .set_provisioned_throughput(table.clone())
                .set_global_secondary_index_updates((!updates.is_empty()).then(|| updates.clone()))
        })
        .await?;
    }
    Ok(())
}

/// Kept indexes whose capacity changed, and new or redefined indexes, one per call.
async fn change_indexes(
    aws: &Aws,
    old: &Config,
    new: &Config,
    ctx: &OpContext,
) -> Result<(), ProviderError> {
    let name = &new.name;
    let mode = new.billing_mode;
    let definitions = attribute_definitions(new)?;
    for n in &new.global_secondary_index {
        let what = format!("global_secondary_index {}", n.name);
        if old
            .global_secondary_index
            .iter()
            .any(|o| shape(o) == shape(n))
        {
            // Kept: only its capacity may have changed.
            let was = old.global_secondary_index.iter().find(|o| o.name == n.name);
            let changed = was.is_some_and(|o| {
                (o.read_capacity, o.write_capacity) != (n.read_capacity, n.write_capacity)
            });
            if mode == BillingMode::Provisioned && old.billing_mode == mode && changed {
                let update = capacity_update(n, mode)?;
                update_table(aws, name, &format!("index {} capacity", n.name), ctx, |b| {
                    b.global_secondary_index_updates(update.clone())
                })
                .await?;
            }
            continue;
        }
        let created = GlobalSecondaryIndexUpdate::builder()
            .create(built(
                &what,
                CreateGlobalSecondaryIndexAction::builder()
                    .index_name(&n.name)
                    .set_key_schema(Some(key_schema(&n.hash_key, n.range_key.as_deref())?))
                    .projection(projection(n))
                    .set_provisioned_throughput(throughput(
                        &what,
                        mode,
                        n.read_capacity,
                        n.write_capacity,
                    )?)
                    .build(),
            )?)
            .build();
        update_table(aws, name, &format!("create index {}", n.name), ctx, |b| {
            b.set_attribute_definitions(Some(definitions.clone()))
                .global_secondary_index_updates(created.clone())
        })
        .await?;
    }
    Ok(())
}

/// The stream: a new view type needs the stream off first.
async fn change_stream(
    aws: &Aws,
    old: &Config,
    new: &Config,
    ctx: &OpContext,
) -> Result<(), ProviderError> {
    let name = &new.name;
    if (old.stream_enabled, old.stream_view_type) != (new.stream_enabled, new.stream_view_type) {
        // A new view type needs the stream off first.
        if old.stream_enabled && new.stream_enabled {
            let off = stream_spec(&Config {
                stream_enabled: false,
                ..new.clone()
            })?;
            update_table(aws, name, "stream", ctx, |b| {
                b.stream_specification(off.clone())
            })
            .await?;
        }
        let spec = stream_spec(new)?;
        update_table(aws, name, "stream", ctx, |b| {
            b.stream_specification(spec.clone())
        })
        .await?;
    }
    Ok(())
}

/// Deletion protection, encryption, time to live and point-in-time recovery.
async fn change_settings(
    aws: &Aws,
    old: &Config,
    new: &Config,
    ctx: &OpContext,
) -> Result<(), ProviderError> {
    let name = &new.name;
    if old.deletion_protection_enabled != new.deletion_protection_enabled {
        let on = new.deletion_protection_enabled;
        update_table(aws, name, "deletion protection", ctx, |b| {
            b.deletion_protection_enabled(on)
        })
        .await?;
    }
    if let Some(e) = &new.server_side_encryption {
        let was = old.server_side_encryption.as_ref();
        let same = was.is_some_and(|w| {
            w.enabled == e.enabled && (e.kms_key_arn.is_none() || w.kms_key_arn == e.kms_key_arn)
        });
        if !same {
            let spec = sse_spec(e);
            update_table(aws, name, "encryption", ctx, |b| {
                b.sse_specification(spec.clone())
            })
            .await?;
        }
    }
    if let Some(t) = &new.ttl {
        change_ttl(aws, name, old.ttl.as_ref(), t).await?;
    }
    if let Some(p) = &new.point_in_time_recovery {
        if old.point_in_time_recovery.as_ref().map(|o| o.enabled) != Some(p.enabled) {
            set_recovery(aws, name, p.enabled).await?;
        }
    }
    Ok(())
}

/// Tags removed, then tags added or changed.
async fn change_tags(
    aws: &Aws,
    arn: &str,
    old: &Config,
    new: &Config,
) -> Result<(), ProviderError> {
    let name = &new.name;
    let (removed, set) = tag_changes(&old.tags, &new.tags);
    if !removed.is_empty() {
        aws.dynamodb
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| api("UntagResource", name, e.into_service_error()))?;
    }
    if !set.is_empty() {
        aws.dynamodb
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(dynamo_tags(&set)?))
            .send()
            .await
            .map_err(|e| api("TagResource", name, e.into_service_error()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_has_the_seeds_attributes() {
        let s = AwsDynamodbTable::schema();
        assert!(s.stateful);
        for a in ["name", "hash_key", "range_key"] {
            assert!(s.inputs[a].force_new, "{a}");
        }
        for a in [
            "billing_mode",
            "attribute",
            "global_secondary_index",
            "ttl",
            "server_side_encryption",
            "point_in_time_recovery",
            "deletion_protection_enabled",
            "tags",
        ] {
            assert!(!s.inputs[a].force_new, "{a}");
        }
        assert_eq!(
            s.inputs["billing_mode"].default,
            Some(cairn_model::Value::string("PAY_PER_REQUEST"))
        );
        assert!(s.outputs.contains_key("stream_arn"));
    }
}
