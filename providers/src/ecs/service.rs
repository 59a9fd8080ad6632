//! `aws_ecs_service`: keeps a number of tasks of a task definition running (Fargate), behind
//! target groups.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, LaunchType, LoadBalancer, NetworkConfiguration, Service,
};
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ecs_tags, tags_of};
use crate::common::{api, code, only, read_found, request, tag_changes, wait_until};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_ecs_service";

fn one() -> i32 {
    1
}

/// An ECS service.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub name: String,
    /// The cluster's ARN (or name).
    #[schemars(extend("x-force-new" = true))]
    pub cluster: String,
    /// The task definition revision to run (its ARN).
    pub task_definition: String,
    #[serde(default = "one")]
    pub desired_count: i32,
    /// `FARGATE` or `EC2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-force-new" = true))]
    pub launch_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Subnets and security groups of the tasks (awsvpc network mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<Network>,
    /// Target groups the tasks register in.
    #[serde(default)]
    #[schemars(extend("x-force-new" = true, "x-set" = true))]
    pub load_balancer: Vec<Balancer>,
    /// Seconds to ignore failing load balancer health checks after a task starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    #[schemars(extend("x-set" = true))]
    pub subnets: Vec<String>,
    #[serde(default)]
    #[schemars(extend("x-set" = true))]
    pub security_groups: Vec<String>,
    #[serde(default)]
    pub assign_public_ip: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Balancer {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The service's ARN.
    pub id: String,
    pub arn: String,
}

/// `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>` → the cluster's name.
fn cluster_of(arn: &str) -> Option<String> {
    let tail = arn.split_once(":service/")?.1;
    let (cluster, _) = tail.split_once('/')?;
    Some(cluster.to_string())
}

fn alive(s: &Service) -> bool {
    !matches!(s.status(), Some("INACTIVE") | Some("DRAINING"))
}

/// DescribeServices per cluster, 10 services per call. The cluster comes from the recorded
/// inputs (as configured: a name or an ARN), else from the service's ARN; a service read
/// without recorded inputs shows its cluster's ARN.
async fn read(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let mut by_cluster: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut recorded: BTreeMap<&str, bool> = BTreeMap::new();
    for r in requests {
        let prior = r.prior_inputs.get("cluster").and_then(|c| c.as_str());
        recorded.insert(r.id.as_str(), prior.is_some());
        let cluster = prior
            .map(str::to_string)
            .or_else(|| cluster_of(&r.id))
            .unwrap_or_default();
        by_cluster.entry(cluster).or_default().push(r.id.clone());
    }
    for (cluster, arns) in &by_cluster {
        for chunk in arns.chunks(10) {
            for s in describe(aws, cluster, chunk).await? {
                let Some(arn) = s.service_arn() else { continue };
                if !out.contains_key(arn) {
                    continue;
                }
                let shown = match s.cluster_arn() {
                    Some(c) if recorded.get(arn) != Some(&true) => c.to_string(),
                    _ => cluster.clone(),
                };
                out.insert(arn.to_string(), observe(&s, shown));
            }
        }
    }
    Ok(out)
}

/// The live services among `services` (names or ARNs) of `cluster`: one DescribeServices
/// (at most 10); none when the cluster does not exist.
async fn describe(
    aws: &Aws,
    cluster: &str,
    services: &[String],
) -> Result<Vec<Service>, ProviderError> {
    match aws
        .ecs
        .describe_services()
        .cluster(cluster)
        .set_services(Some(services.to_vec()))
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
    {
        Ok(g) => Ok(g.services().iter().filter(|s| alive(s)).cloned().collect()),
        Err(e) => {
            let e = e.into_service_error();
            if code(&e) == Some("ClusterNotFoundException") {
                return Ok(Vec::new());
            }
            Err(api("DescribeServices", &services.join(","), e))
        }
    }
}

/// The configuration-shaped view of `s`, its cluster shown as `cluster`.
fn observe(s: &Service, cluster: String) -> Option<Observed> {
    let arn = s.service_arn()?;
    let vpc = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let config = Config {
        name: s.service_name().unwrap_or_default().to_string(),
        cluster,
        task_definition: s.task_definition().unwrap_or_default().to_string(),
        desired_count: s.desired_count(),
        launch_type: s.launch_type().map(|l| l.as_str().to_string()),
        platform_version: s.platform_version().map(str::to_string),
        network_configuration: vpc.map(|v| Network {
            subnets: v.subnets().to_vec(),
            security_groups: v.security_groups().to_vec(),
            assign_public_ip: v.assign_public_ip() == Some(&AssignPublicIp::Enabled),
        }),
        load_balancer: s
            .load_balancers()
            .iter()
            .map(|l| Balancer {
                target_group_arn: l.target_group_arn().unwrap_or_default().to_string(),
                container_name: l.container_name().unwrap_or_default().to_string(),
                container_port: l.container_port().unwrap_or(0),
            })
            .collect(),
        health_check_grace_period_seconds: s.health_check_grace_period_seconds(),
        tags: tags_of(s.tags()),
    };
    let outputs = Outputs {
        id: arn.to_string(),
        arn: arn.to_string(),
    };
    Some(AwsEcsService::observed(arn, &config, &outputs))
}

/// How `cairn import` names one: `<cluster name>/<service name>` (Terraform's form), or
/// the service's ARN.
pub const IMPORT_ID: &str =
    "`<cluster name>/<service name>` (Terraform's form), or the service ARN";

async fn read_one(aws: &Aws, arn: &str, cluster: &str) -> Result<Option<Observed>, ProviderError> {
    Ok(only(
        arn,
        read(
            aws,
            &request(arn, serde_json::json!({ "cluster": cluster })),
        )
        .await?,
    ))
}

fn network(c: &Config) -> Result<Option<NetworkConfiguration>, ProviderError> {
    let Some(n) = &c.network_configuration else {
        return Ok(None);
    };
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(n.subnets.clone()))
        .set_security_groups(Some(n.security_groups.clone()).filter(|g| !g.is_empty()))
        .assign_public_ip(if n.assign_public_ip {
            AssignPublicIp::Enabled
        } else {
            AssignPublicIp::Disabled
        })
        .build()
        .map_err(|e| ProviderError::InvalidConfig(e.to_string()))?;
    Ok(Some(
        NetworkConfiguration::builder()
            .awsvpc_configuration(vpc)
            .build(),
    ))
}

/// Retried while IAM or ELB have not yet caught up with what was just created (a fresh role
/// not yet assumable, a target group not yet attached to its load balancer).
fn settling(e: &aws_sdk_ecs::operation::create_service::CreateServiceError) -> bool {
    code(e) == Some("InvalidParameterException")
        && e.to_string().to_lowercase().contains("unable to assume")
}

/// The `aws_ecs_service` resource type.
pub struct AwsEcsService;

impl Resource for AwsEcsService {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["cluster", "name"]),
        cloudformation: "AWS::ECS::Service",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "web",
            "apps/web/x",
            "arn:aws:ecs:us-east-1:123456789012:service/web",
        ],
        absent: Some("absent/absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        read(aws, requests).await
    }

    /// By its cluster and name (or its ARN): one DescribeServices. The cluster is recorded as
    /// its ARN, as a reference to an `aws_ecs_cluster`'s `id` gives it.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        let (cluster, service) = if import_id.starts_with("arn:") {
            match cluster_of(import_id) {
                Some(cluster) => (cluster, import_id.to_string()),
                None => return Err(crate::common::malformed(
                    TYPE,
                    import_id,
                    "it is not a service ARN that names its cluster (`…:service/<cluster>/<name>`)",
                    IMPORT_ID,
                )),
            }
        } else {
            match import_id.split('/').collect::<Vec<_>>()[..] {
                [cluster, service] if !cluster.is_empty() && !service.is_empty() => {
                    (cluster.to_string(), service.to_string())
                }
                ref parts => {
                    return Err(crate::common::malformed(
                        TYPE,
                        import_id,
                        &format!("it has {} part(s) separated by `/`, not 2", parts.len()),
                        IMPORT_ID,
                    ))
                }
            }
        };
        let found = describe(aws, &cluster, std::slice::from_ref(&service)).await?;
        let Some(s) = found.iter().find(|s| {
            s.service_name() == Some(service.as_str()) || s.service_arn() == Some(import_id)
        }) else {
            return Ok(None);
        };
        let shown = s.cluster_arn().map(str::to_string).unwrap_or(cluster);
        Ok(observe(s, shown))
    }

    /// `<cluster name>/<service name>`, then its ARN (its id).
    fn import_ids(o: &Observed) -> Vec<String> {
        let input = |k: &str| o.inputs[k].as_str().unwrap_or_default().to_string();
        let cluster = input("cluster");
        let cluster = cluster.rsplit('/').next().unwrap_or_default();
        vec![format!("{cluster}/{}", input("name")), o.id.clone()]
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let network = network(c)?;
        let balancers: Vec<LoadBalancer> = c
            .load_balancer
            .iter()
            .map(|l| {
                LoadBalancer::builder()
                    .target_group_arn(&l.target_group_arn)
                    .container_name(&l.container_name)
                    .container_port(l.container_port)
                    .build()
            })
            .collect();
        let r = crate::common::retry(Duration::from_secs(120), settling, || async {
            aws.ecs
                .create_service()
                .service_name(&c.name)
                .cluster(&c.cluster)
                .task_definition(&c.task_definition)
                .desired_count(c.desired_count)
                .set_launch_type(c.launch_type.as_deref().map(LaunchType::from))
                .set_platform_version(c.platform_version.clone())
                .set_network_configuration(network.clone())
                .set_load_balancers(Some(balancers.clone()).filter(|b| !b.is_empty()))
                .set_health_check_grace_period_seconds(c.health_check_grace_period_seconds)
                .set_tags(Some(ecs_tags(&c.tags)).filter(|t| !t.is_empty()))
                .client_token(&ctx.token)
                .send()
                .await
                .map_err(|e| e.into_service_error())
        })
        .await;
        let r = r.map_err(|e| api("CreateService", &c.name, e))?;
        let arn = r
            .service()
            .and_then(|s| s.service_arn())
            .ok_or_else(|| ProviderError::Api("CreateService returned no ARN".into()))?
            .to_string();
        wait_until(
            ctx,
            TYPE,
            &arn,
            "active",
            Duration::from_secs(600),
            || async { Ok(read_one(aws, &arn, &c.cluster).await?.is_some()) },
        )
        .await?;
        read_one(aws, &arn, &c.cluster)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("service {arn} vanished after create")))
    }

    /// By its name, unique in its cluster: one DescribeServices of the name. A service inactive
    /// or draining (being deleted) does not count.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let got = match aws
            .ecs
            .describe_services()
            .cluster(&c.cluster)
            .services(&c.name)
            .send()
            .await
        {
            Ok(g) => g,
            Err(e) => {
                let e = e.into_service_error();
                if code(&e) == Some("ClusterNotFoundException") {
                    return Ok(Vec::new());
                }
                return Err(api("DescribeServices", &c.name, e));
            }
        };
        let ids = got
            .services()
            .iter()
            .filter(|s| s.service_name() == Some(c.name.as_str()) && alive(s))
            .filter_map(|s| s.service_arn().map(str::to_string))
            .collect();
        read_found(ids, c, |r| async move { Self::read(aws, &r).await }).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let arn = &prior.id;
        let settings = |c: &Config| {
            (
                c.task_definition.clone(),
                c.desired_count,
                c.platform_version.clone(),
                c.network_configuration.clone(),
                c.health_check_grace_period_seconds,
            )
        };
        if settings(old) != settings(new) {
            aws.ecs
                .update_service()
                .cluster(&new.cluster)
                .service(arn)
                .task_definition(&new.task_definition)
                .desired_count(new.desired_count)
                .set_platform_version(new.platform_version.clone())
                .set_network_configuration(network(new)?)
                .set_health_check_grace_period_seconds(new.health_check_grace_period_seconds)
                .send()
                .await
                .map_err(|e| api("UpdateService", arn, e.into_service_error()))?;
        }
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.ecs
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", arn, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.ecs
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(ecs_tags(&set)))
                .send()
                .await
                .map_err(|e| api("TagResource", arn, e.into_service_error()))?;
        }
        read_one(aws, arn, &new.cluster)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("service {arn} no longer exists")))
    }

    /// Scales to zero, deletes, and waits until the service is inactive so that its target
    /// groups and cluster can go next.
    async fn delete(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
        let arn = &prior.id;
        let cluster = prior
            .inputs
            .get("cluster")
            .and_then(|c| c.as_str())
            .map(str::to_string)
            .or_else(|| cluster_of(arn))
            .unwrap_or_default();
        if read_one(aws, arn, &cluster).await?.is_none() {
            return Ok(());
        }
        aws.ecs
            .delete_service()
            .cluster(&cluster)
            .service(arn)
            .force(true)
            .send()
            .await
            .map_err(|e| api("DeleteService", arn, e.into_service_error()))?;
        wait_until(
            ctx,
            TYPE,
            arn,
            "inactive",
            Duration::from_secs(900),
            || async { Ok(read_one(aws, arn, &cluster).await?.is_none()) },
        )
        .await
    }
}
