//! `aws_db_instance`: an RDS database instance.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_rds::types::DbInstance;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{rds_tags, tags_of, update_tags};
use crate::common::{
    api, claim, claimed, code, generated_from, only, read_found, request, tags_can_tell,
    wait_until, Named, Naming, DEFAULT_NAME_PREFIX,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_db_instance";

/// How an instance's identifier is generated when the configuration leaves it out.
const NAMING: Naming = Naming {
    rtype: TYPE,
    name: "identifier",
    prefix: "identifier_prefix",
    default_prefix: DEFAULT_NAME_PREFIX,
    max_len: 63,
};

/// An RDS DB instance.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("x-rules" = [{"given": ["identifier"], "forbid": ["identifier_prefix"]}]))]
pub struct Config {
    /// The instance's identifier; generated when left out (see `identifier_prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub identifier: Option<String>,
    /// A unique identifier is generated beginning with this prefix (followed by a UTC
    /// timestamp and a counter, as Terraform's `identifier_prefix`); conflicts with
    /// `identifier`. With neither, the identifier is generated from the prefix `cairn-`
    /// (Terraform's is `terraform-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 37), regex(pattern = r"^[a-z](?:-?[a-z0-9])*-?$"), extend("x-pattern-says" = "lowercase letters, digits and single hyphens, starting with a letter"))]
    pub identifier_prefix: Option<String>,
    /// `postgres`, `mysql`, `oracle-se2`, ...
    #[schemars(extend("x-force-new" = true))]
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// e.g. `db.t3.micro`.
    pub instance_class: String,
    /// GiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_storage: Option<i32>,
    /// `gp2`, `gp3`, `io1`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_type: Option<String>,
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub storage_encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub multi_az: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub db_subnet_group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-set" = true))]
    pub vpc_security_group_ids: Option<Vec<String>>,
    /// The master user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub username: Option<String>,
    /// Let RDS keep the master password in Secrets Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_master_user_password: Option<bool>,
    /// The master password (when RDS does not manage it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sensitive" = true, "x-not-in-aws" = true))]
    pub password: Option<String>,
    /// The database created with the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub db_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    /// Days of automated backups (0 turns them off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_period: Option<i32>,
    /// Delete without a final snapshot (else one named `<identifier>-final` is taken).
    #[serde(default)]
    #[schemars(extend("x-not-in-aws" = true))]
    pub skip_final_snapshot: bool,
    #[serde(default)]
    pub deletion_protection: bool,
    #[serde(default)]
    pub publicly_accessible: bool,
    /// e.g. `license-included`, `bring-your-own-license`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_model: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The instance identifier.
    pub id: String,
    pub arn: String,
    /// Host name to connect to.
    pub address: Option<String>,
    /// `address:port`.
    pub endpoint: Option<String>,
    pub port: Option<i32>,
    /// The Secrets Manager secret holding the master password, when RDS manages it.
    pub master_user_secret_arn: Option<String>,
}

fn rds_filter(name: &str, values: Vec<String>) -> aws_sdk_rds::types::Filter {
    aws_sdk_rds::types::Filter::builder()
        .name(name)
        .set_values(Some(values))
        .build()
}

async fn describe(aws: &Aws, ids: &[String]) -> Result<Vec<DbInstance>, ProviderError> {
    aws.rds
        .describe_db_instances()
        .filters(rds_filter("db-instance-id", ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| {
            api(
                "DescribeDBInstances",
                &ids.join(","),
                e.into_service_error(),
            )
        })
}

fn view(i: &DbInstance, prior: &serde_json::Value) -> Config {
    let prior_bool = |k: &str| prior.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let identifier = i.db_instance_identifier().unwrap_or_default();
    Config {
        identifier: Some(identifier.to_string()),
        identifier_prefix: NAMING.read_prefix(identifier, prior),
        engine: i.engine().unwrap_or_default().to_string(),
        engine_version: i.engine_version().map(str::to_string),
        instance_class: i.db_instance_class().unwrap_or_default().to_string(),
        allocated_storage: i.allocated_storage(),
        storage_type: i.storage_type().map(str::to_string),
        storage_encrypted: i.storage_encrypted().unwrap_or(false),
        kms_key_id: i.kms_key_id().map(str::to_string),
        multi_az: i.multi_az().unwrap_or(false),
        db_subnet_group_name: i
            .db_subnet_group()
            .and_then(|g| g.db_subnet_group_name())
            .map(str::to_string),
        vpc_security_group_ids: Some(
            i.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect(),
        ),
        username: i.master_username().map(str::to_string),
        manage_master_user_password: Some(i.master_user_secret().is_some()),
        // AWS never returns the password: what was last applied stands.
        password: prior
            .get("password")
            .and_then(|p| p.as_str())
            .map(str::to_string),
        db_name: i.db_name().map(str::to_string),
        port: i.endpoint().and_then(|e| e.port()).or(i.db_instance_port()),
        backup_retention_period: i.backup_retention_period(),
        skip_final_snapshot: prior_bool("skip_final_snapshot"),
        deletion_protection: i.deletion_protection().unwrap_or(false),
        publicly_accessible: i.publicly_accessible().unwrap_or(false),
        license_model: i.license_model().map(str::to_string),
        tags: tags_of(i.tag_list()),
    }
}

fn outputs(i: &DbInstance) -> Outputs {
    let address = i.endpoint().and_then(|e| e.address()).map(str::to_string);
    let port = i.endpoint().and_then(|e| e.port());
    Outputs {
        id: i.db_instance_identifier().unwrap_or_default().to_string(),
        arn: i.db_instance_arn().unwrap_or_default().to_string(),
        endpoint: address.as_ref().zip(port).map(|(a, p)| format!("{a}:{p}")),
        address,
        port,
        master_user_secret_arn: i
            .master_user_secret()
            .and_then(|s| s.secret_arn())
            .map(str::to_string),
    }
}

fn alive(i: &DbInstance) -> bool {
    i.db_instance_status() != Some("deleting")
}

/// One DescribeDBInstances (filtered by identifiers, paged) for all.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
    let mut out: BTreeMap<String, Option<Observed>> =
        ids.iter().map(|i| (i.clone(), None)).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let prior: BTreeMap<&str, &serde_json::Value> = requests
        .iter()
        .map(|r| (r.id.as_str(), &r.prior_inputs))
        .collect();
    for i in describe(aws, &ids).await?.iter().filter(|i| alive(i)) {
        let Some(id) = i.db_instance_identifier() else {
            continue;
        };
        let p = prior.get(id).copied().unwrap_or(&serde_json::Value::Null);
        out.insert(
            id.to_string(),
            Some(AwsDbInstance::observed(id, &view(i, p), &outputs(i))),
        );
    }
    Ok(out)
}

async fn read_one(
    aws: &Aws,
    id: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    Ok(only(id, read(aws, &request(id, prior.clone())).await?))
}

async fn status(aws: &Aws, id: &str) -> Result<Option<String>, ProviderError> {
    Ok(describe(aws, &[id.to_string()])
        .await?
        .first()
        .and_then(|i| i.db_instance_status().map(str::to_string)))
}

async fn wait_available(aws: &Aws, id: &str, ctx: &OpContext) -> Result<(), ProviderError> {
    wait_until(
        ctx,
        TYPE,
        id,
        "available",
        Duration::from_secs(3600),
        || async {
            match status(aws, id).await?.as_deref() {
                Some("available") => Ok(true),
                Some("failed" | "incompatible-parameters" | "incompatible-network") => Err(
                    ProviderError::Api(format!("DB instance {id} failed to become available")),
                ),
                _ => Ok(false),
            }
        },
    )
    .await
}
/// How `cairn import` names one: the DB instance identifier.
pub const IMPORT_ID: &str = "the DB instance identifier";

/// The `aws_db_instance` resource type.
pub struct AwsDbInstance;

impl Resource for AwsDbInstance {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["identifier"]),
        cloudformation: "AWS::RDS::DBInstance",
        stateful: true,
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["my db"],
        absent: None,
    };

    // Imported by its unique identifier, as the default does (an instance being deleted does
    // not count: the read leaves it out). What AWS does not keep (`skip_final_snapshot`,
    // `password`) reads as not set in an import.

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let id = NAMING.create_name(c.identifier.as_deref(), c.identifier_prefix.as_deref())?;
        aws.rds
            .create_db_instance()
            .db_instance_identifier(&id)
            .engine(&c.engine)
            .set_engine_version(c.engine_version.clone())
            .db_instance_class(&c.instance_class)
            .set_allocated_storage(c.allocated_storage)
            .set_storage_type(c.storage_type.clone())
            .storage_encrypted(c.storage_encrypted)
            .set_kms_key_id(c.kms_key_id.clone())
            .multi_az(c.multi_az)
            .set_db_subnet_group_name(c.db_subnet_group_name.clone())
            .set_vpc_security_group_ids(c.vpc_security_group_ids.clone())
            .set_master_username(c.username.clone())
            .set_manage_master_user_password(c.manage_master_user_password)
            .set_master_user_password(c.password.clone())
            .set_db_name(c.db_name.clone())
            .set_port(c.port)
            .set_backup_retention_period(c.backup_retention_period)
            .deletion_protection(c.deletion_protection)
            .publicly_accessible(c.publicly_accessible)
            .set_license_model(c.license_model.clone())
            .set_tags(Some(rds_tags(&c.tags)).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| api("CreateDBInstance", &id, e.into_service_error()))?;
        wait_available(aws, &id, ctx).await?;
        read_one(aws, &id, &recorded(c))
            .await?
            .ok_or_else(|| ProviderError::Api(format!("DB instance {id} vanished after create")))
    }

    /// By its unique identifier. A generated one by its prefix and the ownership tags (every
    /// instance, with its tags: those whose identifiers were generated from the prefix).
    async fn find(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Vec<Observed>> {
        let prefix = match NAMING.named(c.identifier.as_deref(), c.identifier_prefix.as_deref())? {
            Named::Given(id) => {
                let found = read_one(aws, id, &recorded(c)).await?;
                return Ok(found.into_iter().collect());
            }
            Named::Generated(prefix) => prefix,
        };
        tags_can_tell(TYPE, ctx)?;
        let all = aws
            .rds
            .describe_db_instances()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("DescribeDBInstances", prefix, e.into_service_error()))?;
        let ids = claimed(
            all.iter()
                .filter(|i| alive(i))
                .filter(|i| {
                    i.db_instance_identifier()
                        .is_some_and(|id| generated_from(id, prefix, ""))
                })
                .map(|i| {
                    let tags = i
                        .tag_list()
                        .iter()
                        .filter_map(|t| Some((t.key()?, t.value().unwrap_or_default())));
                    (i.db_instance_identifier(), claim(tags, ctx))
                }),
        );
        read_found(ids, c, |r| async move { read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        ctx: &OpContext,
    ) -> Answer<Observed> {
        let id = &prior.id;
        let changed = |f: fn(&Config) -> String| f(old) != f(new);
        let mut m = aws
            .rds
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(true);
        let mut any = false;
        if changed(|c| c.instance_class.clone()) {
            m = m.db_instance_class(&new.instance_class);
            any = true;
        }
        if changed(|c| format!("{:?}", c.engine_version)) {
            m = m.set_engine_version(new.engine_version.clone());
            any = true;
        }
        if changed(|c| format!("{:?}", c.allocated_storage)) {
            m = m.set_allocated_storage(new.allocated_storage);
            any = true;
        }
        if changed(|c| format!("{:?}", c.storage_type)) {
            m = m.set_storage_type(new.storage_type.clone());
            any = true;
        }
        if changed(|c| c.multi_az.to_string()) {
            m = m.multi_az(new.multi_az);
            any = true;
        }
        if changed(|c| format!("{:?}", c.vpc_security_group_ids)) {
            m = m.set_vpc_security_group_ids(new.vpc_security_group_ids.clone());
            any = true;
        }
        if changed(|c| format!("{:?}", c.manage_master_user_password)) {
            m = m.set_manage_master_user_password(new.manage_master_user_password);
            any = true;
        }
        if changed(|c| format!("{:?}", c.password)) {
            m = m.set_master_user_password(new.password.clone());
            any = true;
        }
        if changed(|c| format!("{:?}", c.port)) {
            m = m.set_db_port_number(new.port);
            any = true;
        }
        if changed(|c| format!("{:?}", c.backup_retention_period)) {
            m = m.set_backup_retention_period(new.backup_retention_period);
            any = true;
        }
        if changed(|c| c.deletion_protection.to_string()) {
            m = m.deletion_protection(new.deletion_protection);
            any = true;
        }
        if changed(|c| c.publicly_accessible.to_string()) {
            m = m.publicly_accessible(new.publicly_accessible);
            any = true;
        }
        if changed(|c| format!("{:?}", c.license_model)) {
            m = m.set_license_model(new.license_model.clone());
            any = true;
        }
        if any {
            m.send()
                .await
                .map_err(|e| api("ModifyDBInstance", id, e.into_service_error()))?;
            wait_available(aws, id, ctx).await?;
        }
        let arn = prior
            .outputs
            .get("arn")
            .and_then(|a| a.as_str())
            .unwrap_or_default();
        update_tags(aws, arn, &old.tags, &new.tags).await?;
        read_one(aws, id, &recorded(new))
            .await?
            .ok_or_else(|| ProviderError::Api(format!("DB instance {id} no longer exists")))
    }

    /// Takes a final snapshot unless `skip_final_snapshot`; refuses while deletion protection is
    /// on; waits until the instance is gone so its subnet group can go next.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let id = &prior.id;
        let skip = prior
            .inputs
            .get("skip_final_snapshot")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let mut req = aws
            .rds
            .delete_db_instance()
            .db_instance_identifier(id)
            .skip_final_snapshot(skip);
        if !skip {
            req = req.final_db_snapshot_identifier(format!("{id}-final"));
        }
        if let Err(e) = req.send().await {
            let e = e.into_service_error();
            match code(&e) {
                Some("InvalidParameterCombination") if e.to_string().contains("protection") => {
                    return Err(ProviderError::Api(format!(
                        "DeleteDBInstance {id}: deletion protection is on; set deletion_protection = false and apply first"
                    )))
                }
                _ => return Err(api("DeleteDBInstance", id, e)),
            }
        }
        wait_until(
            ctx,
            TYPE,
            id,
            "deleted",
            Duration::from_secs(3600),
            || async { Ok(status(aws, id).await?.is_none()) },
        )
        .await
    }
}

/// `c` as the recorded inputs a read after its create or update keeps what AWS does not
/// return (`password`, `skip_final_snapshot`) from.
fn recorded(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}
