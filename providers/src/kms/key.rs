//! `aws_kms_key`: a customer managed KMS key.

use std::collections::BTreeMap;

use aws_sdk_kms::types::{KeySpec as SdkKeySpec, KeyState, KeyUsageType};
use cairn_model::{Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{all_tags, key_id_of, kms_tags, not_found, tags_of, update_tags};
use crate::common::{
    api, claim, claimed, code, from_wire, read_back, read_found, tags_can_tell, wire,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::{Aws, ADDRESS_TAG, OWNER_TAG, TOKEN_TAG};

pub const TYPE: &str = "aws_kms_key";

/// What the key is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeyUsage {
    #[default]
    EncryptDecrypt,
    SignVerify,
    GenerateVerifyMac,
    KeyAgreement,
}

/// The kind of key material.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum KeySpec {
    #[default]
    #[serde(rename = "SYMMETRIC_DEFAULT")]
    SymmetricDefault,
    #[serde(rename = "RSA_2048")]
    Rsa2048,
    #[serde(rename = "RSA_3072")]
    Rsa3072,
    #[serde(rename = "RSA_4096")]
    Rsa4096,
    #[serde(rename = "ECC_NIST_P256")]
    EccNistP256,
    #[serde(rename = "ECC_NIST_P384")]
    EccNistP384,
    #[serde(rename = "ECC_NIST_P521")]
    EccNistP521,
    #[serde(rename = "ECC_SECG_P256K1")]
    EccSecgP256k1,
    #[serde(rename = "HMAC_224")]
    Hmac224,
    #[serde(rename = "HMAC_256")]
    Hmac256,
    #[serde(rename = "HMAC_384")]
    Hmac384,
    #[serde(rename = "HMAC_512")]
    Hmac512,
    #[serde(rename = "SM2")]
    Sm2,
}

fn yes() -> bool {
    true
}

fn thirty() -> i32 {
    30
}

/// A KMS key.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"when": {"enable_key_rotation": false}, "forbid": ["rotation_period_in_days"]}]))]
pub struct Config {
    #[serde(default)]
    pub description: String,
    /// `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC` or `KEY_AGREEMENT`.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub key_usage: KeyUsage,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`, ...
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub customer_master_key_spec: KeySpec,
    /// Rotate the key material (symmetric keys), every `rotation_period_in_days`.
    #[serde(default)]
    pub enable_key_rotation: bool,
    /// Days (90 to 2560) between automatic rotations, with `enable_key_rotation`; AWS's
    /// default is 365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 90, max = 2560))]
    pub rotation_period_in_days: Option<i32>,
    /// A multi-Region primary key, which replicas in other Regions can share.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub multi_region: bool,
    /// Skip KMS's check that the policy does not lock the caller out of the key (on create
    /// and policy changes).
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub bypass_policy_lockout_safety_check: bool,
    #[serde(default = "yes")]
    pub is_enabled: bool,
    /// Days (7 to 30) between a delete and the key's end: a delete schedules it, and the
    /// key reads as gone from then on.
    #[serde(default = "thirty")]
    #[schemars(extend("x-not-in-aws" = true))]
    #[schemars(range(min = 7, max = 30))]
    pub deletion_window_in_days: i32,
    /// The key policy. When not set, AWS's default policy (the account may use the key
    /// through IAM) applies and is not reported as drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-document" = true))]
    pub policy: Option<serde_json::Value>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The key id.
    pub id: String,
    pub key_id: String,
    pub arn: String,
}

/// The days between rotations AWS uses when none are given.
const DEFAULT_ROTATION_DAYS: i32 = 365;

/// How `cairn import` names one: its key id (or ARN).
pub const IMPORT_ID: &str = "the key id (`1234abcd-12ab-34cd-56ef-1234567890ab`) or key ARN";

/// Whether `doc` is the key policy KMS gives a key created without one: a single statement
/// letting the account's root principal (and so IAM) do everything with the key.
pub fn is_default_policy(doc: &serde_json::Value) -> bool {
    let Some([s]) = doc
        .get("Statement")
        .and_then(|s| s.as_array())
        .map(Vec::as_slice)
    else {
        return false;
    };
    let root = match s.get("Principal").and_then(|p| p.get("AWS")) {
        Some(serde_json::Value::String(p)) => p.ends_with(":root"),
        Some(serde_json::Value::Array(ps)) => {
            ps.len() == 1 && ps[0].as_str().is_some_and(|p| p.ends_with(":root"))
        }
        _ => false,
    };
    let action = match s.get("Action") {
        Some(serde_json::Value::String(a)) => a == "kms:*",
        Some(serde_json::Value::Array(a)) => a.len() == 1 && a[0] == "kms:*",
        _ => false,
    };
    root && action
        && s.get("Effect").and_then(|e| e.as_str()) == Some("Allow")
        && s.get("Resource").and_then(|r| r.as_str()) == Some("*")
        && s.get("Condition").is_none()
}

/// A configured document (a table or a JSON string) → the JSON text KMS takes.
fn document_text(doc: &serde_json::Value) -> String {
    match doc {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A configured document as JSON.
fn parsed(doc: &serde_json::Value) -> serde_json::Value {
    match doc {
        serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| doc.clone()),
        other => other.clone(),
    }
}

async fn read_one(
    aws: &Aws,
    id: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let described = match aws.kms.describe_key().key_id(id).send().await {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api("DescribeKey", id, e));
        }
    };
    let Some(m) = described.key_metadata() else {
        return Ok(None);
    };
    if matches!(
        m.key_state(),
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
    ) {
        return Ok(None);
    }
    let key_id = m.key_id().to_string();
    let rotation = async {
        match aws
            .kms
            .get_key_rotation_status()
            .key_id(&key_id)
            .send()
            .await
        {
            Ok(r) => Ok((r.key_rotation_enabled(), r.rotation_period_in_days())),
            // Asymmetric and HMAC keys do not rotate.
            Err(e) => {
                let e = e.into_service_error();
                if code(&e) == Some("UnsupportedOperationException") {
                    Ok((false, None))
                } else {
                    Err(api("GetKeyRotationStatus", &key_id, e))
                }
            }
        }
    };
    let policy = async {
        let r = aws
            .kms
            .get_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| api("GetKeyPolicy", &key_id, e.into_service_error()))?;
        Ok::<_, ProviderError>(
            r.policy()
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok()),
        )
    };
    let (rotation, policy, tags) = futures::try_join!(rotation, policy, tags_of(aws, &key_id))?;
    let managed = prior.get("policy").is_some_and(|p| !p.is_null());
    let (rotation, period) = rotation;
    // AWS's default period (365 days) reads as unset, unless it was configured.
    let period_set = prior
        .get("rotation_period_in_days")
        .is_some_and(|p| !p.is_null());
    let rotation_period_in_days = period
        .filter(|_| rotation)
        .filter(|p| period_set || *p != DEFAULT_ROTATION_DAYS);
    let config = Config {
        description: m.description().unwrap_or_default().to_string(),
        key_usage: m
            .key_usage()
            .and_then(|u| from_wire(u.as_str()))
            .unwrap_or_default(),
        customer_master_key_spec: m
            .key_spec()
            .and_then(|s| from_wire(s.as_str()))
            .unwrap_or_default(),
        enable_key_rotation: rotation,
        rotation_period_in_days,
        multi_region: m.multi_region().unwrap_or(false),
        // Not in AWS: what was last applied stands.
        bypass_policy_lockout_safety_check: prior
            .get("bypass_policy_lockout_safety_check")
            .and_then(|b| b.as_bool())
            .unwrap_or(false),
        is_enabled: m.enabled(),
        // Not in AWS: what was last applied stands.
        deletion_window_in_days: prior
            .get("deletion_window_in_days")
            .and_then(|d| d.as_i64())
            .and_then(|d| i32::try_from(d).ok())
            .unwrap_or(30),
        policy: policy.filter(|p| managed || !is_default_policy(p)),
        tags,
    };
    let outputs = Outputs {
        id: key_id.clone(),
        key_id: key_id.clone(),
        arn: m.arn().unwrap_or_default().to_string(),
    };
    Ok(Some(AwsKmsKey::observed(&key_id, &config, &outputs)))
}

/// The `aws_kms_key` resource type.
pub struct AwsKmsKey;

impl Resource for AwsKmsKey {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        cloudformation: "AWS::KMS::Key",
        // What the key encrypted cannot be read once it is gone.
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["alias/app", "arn:aws:kms:us-east-1:123456789012:alias/app"],
        absent: Some("0000abcd-12ab-34cd-56ef-1234567890ab"),
    };

    /// DescribeKey, GetKeyRotationStatus, GetKeyPolicy and ListResourceTags per key, keys in
    /// parallel (KMS has no batch describe). A key scheduled for deletion reads as gone.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let made = aws
            .kms
            .create_key()
            .description(&c.description)
            .key_usage(KeyUsageType::from(wire(&c.key_usage).as_str()))
            .key_spec(SdkKeySpec::from(wire(&c.customer_master_key_spec).as_str()))
            .set_policy(c.policy.as_ref().map(document_text))
            .multi_region(c.multi_region)
            .bypass_policy_lockout_safety_check(c.bypass_policy_lockout_safety_check)
            .set_tags(Some(kms_tags(&c.tags)?).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateKey", "", e.into_service_error()))?;
        let id = made
            .key_metadata()
            .map(|m| m.key_id().to_string())
            .ok_or_else(|| ProviderError::Api("CreateKey returned no key".into()))?;
        if c.enable_key_rotation {
            aws.kms
                .enable_key_rotation()
                .key_id(&id)
                .set_rotation_period_in_days(c.rotation_period_in_days)
                .send()
                .await
                .map_err(|e| api("EnableKeyRotation", &id, e.into_service_error()))?;
        }
        if !c.is_enabled {
            aws.kms
                .disable_key()
                .key_id(&id)
                .send()
                .await
                .map_err(|e| api("DisableKey", &id, e.into_service_error()))?;
        }
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, &id, || read_one(aws, &id, &config)).await
    }

    /// By ownership tags, through the Resource Groups Tagging API (one paged call, not one per
    /// key in the account); keys scheduled for deletion do not count.
    async fn find(aws: &Aws, config: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        use aws_sdk_resourcegroupstagging::types::TagFilter;
        tags_can_tell(TYPE, ctx)?;
        let filters = match &ctx.stack {
            Some(stack) => vec![
                TagFilter::builder().key(OWNER_TAG).values(stack).build(),
                TagFilter::builder()
                    .key(ADDRESS_TAG)
                    .values(&ctx.address)
                    .build(),
            ],
            None => vec![TagFilter::builder()
                .key(TOKEN_TAG)
                .values(&ctx.token)
                .build()],
        };
        let tagged = aws
            .tagging
            .get_resources()
            .set_tag_filters(Some(filters))
            .resource_type_filters("kms:key")
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("GetResources", &ctx.address, e.into_service_error()))?;
        let ids = claimed(tagged.iter().map(|r| {
            (
                r.resource_arn().map(key_id_of),
                claim(r.tags().iter().map(|t| (t.key(), t.value())), ctx),
            )
        }));
        read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
    }

    /// By its key id or ARN. `deletion_window_in_days` (not in AWS) reads as its default.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let id = key_id_of(import_id);
        if import_id.starts_with("alias/")
            || import_id.contains(":alias/")
            || id.contains(['/', ':'])
        {
            return Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not a key id or key ARN",
                IMPORT_ID,
            ));
        }
        crate::common::import_read(id, |r| async move { Self::read(aws, &r).await }).await
    }

    /// Description, enabled state, rotation, policy (a policy no longer configured is left as
    /// it is) and tags, each with its own call.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        if old.description != new.description {
            aws.kms
                .update_key_description()
                .key_id(id)
                .description(&new.description)
                .send()
                .await
                .map_err(|e| api("UpdateKeyDescription", id, e.into_service_error()))?;
        }
        // Rotation needs an enabled key: enable first, disable last.
        if !old.is_enabled && new.is_enabled {
            aws.kms
                .enable_key()
                .key_id(id)
                .send()
                .await
                .map_err(|e| api("EnableKey", id, e.into_service_error()))?;
        }
        let period_changed = new.enable_key_rotation
            && new.rotation_period_in_days.is_some()
            && old.rotation_period_in_days != new.rotation_period_in_days;
        if old.enable_key_rotation != new.enable_key_rotation || period_changed {
            if new.enable_key_rotation {
                aws.kms
                    .enable_key_rotation()
                    .key_id(id)
                    .set_rotation_period_in_days(new.rotation_period_in_days)
                    .send()
                    .await
                    .map_err(|e| api("EnableKeyRotation", id, e.into_service_error()))?;
            } else {
                aws.kms
                    .disable_key_rotation()
                    .key_id(id)
                    .send()
                    .await
                    .map_err(|e| api("DisableKeyRotation", id, e.into_service_error()))?;
            }
        }
        if let Some(p) = &new.policy {
            if old.policy.as_ref().map(parsed) != Some(parsed(p)) {
                aws.kms
                    .put_key_policy()
                    .key_id(id)
                    .policy_name("default")
                    .policy(document_text(p))
                    .bypass_policy_lockout_safety_check(new.bypass_policy_lockout_safety_check)
                    .send()
                    .await
                    .map_err(|e| api("PutKeyPolicy", id, e.into_service_error()))?;
            }
        }
        update_tags(aws, id, &old.tags, &new.tags).await?;
        if old.is_enabled && !new.is_enabled {
            aws.kms
                .disable_key()
                .key_id(id)
                .send()
                .await
                .map_err(|e| api("DisableKey", id, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, id, || read_one(aws, id, &config)).await
    }

    /// Schedules the key's deletion after `deletion_window_in_days` (AWS deletes no key at
    /// once). The ownership tags go first, so that a key waiting for its end is not listed as
    /// this stack's.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        let window = prior
            .inputs
            .get("deletion_window_in_days")
            .and_then(|d| d.as_i64())
            .and_then(|d| i32::try_from(d).ok())
            .unwrap_or(30);
        let owned: Vec<String> = match all_tags(aws, id).await {
            Ok(pairs) => pairs
                .into_iter()
                .map(|(k, _)| k)
                .filter(|k| [OWNER_TAG, ADDRESS_TAG, TOKEN_TAG].contains(&k.as_str()))
                .collect(),
            Err(_) => Vec::new(),
        };
        if !owned.is_empty() {
            if let Err(e) = aws
                .kms
                .untag_resource()
                .key_id(id)
                .set_tag_keys(Some(owned))
                .send()
                .await
            {
                let e = e.into_service_error();
                if not_found(code(&e)) {
                    return Ok(());
                }
                // A key already waiting for deletion takes no tag changes: nothing to do.
                if code(&e) != Some("KMSInvalidStateException") {
                    return Err(api("UntagResource", id, e));
                }
            }
        }
        match aws
            .kms
            .schedule_key_deletion()
            .key_id(id)
            .pending_window_in_days(window)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                match code(&e) {
                    Some("NotFoundException") => Ok(()),
                    // Already scheduled.
                    Some("KMSInvalidStateException")
                        if crate::common::message(&e).contains("pending") =>
                    {
                        Ok(())
                    }
                    _ => Err(api("ScheduleKeyDeletion", id, e)),
                }
            }
        }
    }

    /// Its key id, then its ARN.
    fn import_ids(o: &Observed) -> Vec<String> {
        let arn = o.outputs["arn"].as_str().unwrap_or_default().to_string();
        vec![o.id.clone(), arn]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aws_s_default_policy_is_recognised() {
        let default = json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]});
        assert!(is_default_policy(&default));
        let narrowed = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}, "Action": "kms:*", "Resource": "*"}]});
        assert!(!is_default_policy(&narrowed));
        let two = json!({"Statement": [default["Statement"][0], narrowed["Statement"][0]]});
        assert!(!is_default_policy(&two));
    }

    #[test]
    fn key_specs_use_aws_names() {
        assert_eq!(wire(&KeySpec::Rsa2048), "RSA_2048");
        assert_eq!(wire(&KeySpec::EccSecgP256k1), "ECC_SECG_P256K1");
        assert_eq!(wire(&KeyUsage::GenerateVerifyMac), "GENERATE_VERIFY_MAC");
        assert_eq!(from_wire::<KeySpec>("HMAC_256"), Some(KeySpec::Hmac256));
        let s = AwsKmsKey::schema();
        assert!(s.inputs["key_usage"].force_new);
        assert!(s.inputs["customer_master_key_spec"].force_new);
        assert!(!s.inputs["policy"].force_new);
    }
}
