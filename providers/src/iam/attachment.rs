//! `aws_iam_role_policy_attachment`: one managed policy attached to one role.

use std::collections::{BTreeMap, BTreeSet};

use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::no_such_entity;
use crate::common::{api, code, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_iam_role_policy_attachment";

/// Attaches a managed policy (AWS's or a customer's) to a role.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The role's name.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub role: String,
    #[schemars(extend("x-force-new" = true))]
    pub policy_arn: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<role>/<policy_arn>`.
    pub id: String,
}

/// `<role>/<policy_arn>`.
fn id_of(c: &Config) -> String {
    format!("{}/{}", c.role, c.policy_arn)
}

fn split(id: &str) -> Option<Config> {
    let (role, arn) = id.split_once('/')?;
    Some(Config {
        role: role.to_string(),
        policy_arn: arn.to_string(),
    })
}

/// One ListAttachedRolePolicies per distinct role, in parallel.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let wanted: Vec<(String, Config)> = requests
        .iter()
        .filter_map(|r| split(&r.id).map(|c| (r.id.clone(), c)))
        .collect();
    let roles: BTreeSet<&str> = wanted.iter().map(|(_, c)| c.role.as_str()).collect();
    let lists = futures::future::try_join_all(roles.iter().map(|role| async move {
        let got = aws
            .iam
            .list_attached_role_policies()
            .role_name(*role)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        match got {
            Ok(list) => Ok((
                role.to_string(),
                list.iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect::<Vec<_>>(),
            )),
            Err(e) => {
                let e = e.into_service_error();
                if no_such_entity(code(&e)) {
                    Ok((role.to_string(), Vec::new()))
                } else {
                    Err(api("ListAttachedRolePolicies", role, e))
                }
            }
        }
    }))
    .await?;
    let attached: BTreeMap<String, Vec<String>> = lists.into_iter().collect();
    for (id, c) in wanted {
        if attached
            .get(&c.role)
            .is_some_and(|l| l.contains(&c.policy_arn))
        {
            let outputs = Outputs { id: id.clone() };
            out.insert(
                id.clone(),
                Some(AwsIamRolePolicyAttachment::observed(&id, &c, &outputs)),
            );
        }
    }
    Ok(out)
}
/// How `cairn import` names one: `<role name>/<policy ARN>` (Terraform's form).
pub const IMPORT_ID: &str = "`<role name>/<policy ARN>` (Terraform's form)";

/// The `aws_iam_role_policy_attachment` resource type.
pub struct AwsIamRolePolicyAttachment;

impl Resource for AwsIamRolePolicyAttachment {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["role", "policy_arn"]),
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["task-exec", "task-exec/ReadOnlyAccess"],
        absent: Some("absent/arn:aws:iam::aws:policy/ReadOnlyAccess"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By the role and the policy: its id.
    fn check_import_id(import_id: &str) -> Answer<()> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        match split(import_id) {
            Some(c) if !c.role.is_empty() && c.policy_arn.starts_with("arn:") => Ok(()),
            _ => Err(crate::common::malformed(
                TYPE,
                import_id,
                "it is not a role name and a policy ARN separated by `/`",
                IMPORT_ID,
            )),
        }
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        aws.iam
            .attach_role_policy()
            .role_name(&c.role)
            .policy_arn(&c.policy_arn)
            .send()
            .await
            .map_err(|e| api("AttachRolePolicy", &c.role, e.into_service_error()))?;
        let id = id_of(c);
        Ok(Self::observed(&id, c, &Outputs { id: id.clone() }))
    }

    /// By its natural key: the role's attached policies include the policy.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        read_found(
            vec![id_of(c)],
            c,
            |r| async move { Self::read(aws, &r).await },
        )
        .await
    }

    /// Both attributes force replacement: never called by the engine.
    async fn update(
        _aws: &Aws,
        prior: &Observed,
        _old: &Config,
        _new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {} cannot change in place; it is replaced",
            prior.id
        )))
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let Some(c) = split(&prior.id) else {
            return Ok(());
        };
        aws.iam
            .detach_role_policy()
            .role_name(&c.role)
            .policy_arn(&c.policy_arn)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DetachRolePolicy", &prior.id, e.into_service_error()))
    }
}
