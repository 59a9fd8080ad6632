//! cairn's AWS resource types over aws-sdk-rust: one definition per type (its configuration
//! and outputs structs, from which the schema derives) and its create, read, update and
//! delete calls. The only crate that talks to AWS.

pub mod apigatewayv2;
pub mod cloudformation;
pub mod cloudwatch;
mod common;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod efs;
pub mod elb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod rds;
pub mod s3;
pub mod secretsmanager;
pub mod sqs;
pub mod ssm;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use cairn_engine::{Observed, OpContext, OwnedResource, Provider, ProviderError, ReadRequest};
use cairn_model::Catalog;

/// Every resource type cairn offers, with its schema. Needs no AWS access.
pub fn catalog() -> Catalog {
    let mut c = Catalog::default();
    for schema in [
        ec2::vpc::schema(),
        ec2::subnet::schema(),
        ec2::internet_gateway::schema(),
        ec2::route_table::schema(),
        ec2::route_table_association::schema(),
        ec2::security_group::schema(),
        ec2::security_group_rule::schema(),
        ec2::eip::schema(),
        ec2::nat_gateway::schema(),
        s3::schema(),
        iam::role::schema(),
        iam::policy::schema(),
        iam::attachment::schema(),
        iam::instance_profile::schema(),
        logs::schema(),
        efs::file_system::schema(),
        efs::mount_target::schema(),
        efs::access_point::schema(),
        ecs::cluster::schema(),
        ecs::task_definition::schema(),
        ecs::service::schema(),
        rds::subnet_group::schema(),
        rds::instance::schema(),
        elb::lb::schema(),
        elb::target_group::schema(),
        elb::listener::schema(),
        elb::listener_rule::schema(),
        lambda::function::schema(),
        lambda::permission::schema(),
        lambda::event_source_mapping::schema(),
        ecr::schema(),
        cloudwatch::alarm::schema(),
        cloudwatch::dashboard::schema(),
        events::rule::schema(),
        events::target::schema(),
        dynamodb::schema(),
        sqs::schema(),
        kms::key::schema(),
        kms::alias::schema(),
        ssm::schema(),
        secretsmanager::secret::schema(),
        secretsmanager::version::schema(),
        apigatewayv2::api::schema(),
        apigatewayv2::stage::schema(),
        apigatewayv2::integration::schema(),
        apigatewayv2::route::schema(),
    ] {
        c.insert(schema);
    }
    c
}

/// Where to reach AWS.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    /// Else `AWS_REGION` / the profile's region.
    pub region: Option<String>,
    /// Else `AWS_ENDPOINT_URL` (an emulator such as moto).
    pub endpoint: Option<String>,
    /// Where the binary left the zips of Lambda functions' code (`<stack>/.cairn/artifacts`),
    /// by `source_code_hash` (see `lambda::function`).
    pub artifacts: Option<std::path::PathBuf>,
}

/// The AWS clients the resource types call.
pub struct Aws {
    pub ec2: aws_sdk_ec2::Client,
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub efs: aws_sdk_efs::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub rds: aws_sdk_rds::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub events: aws_sdk_eventbridge::Client,
    /// See [`AwsSettings::artifacts`].
    pub artifacts: Option<std::path::PathBuf>,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub kms: aws_sdk_kms::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub apigateway: aws_sdk_apigatewayv2::Client,
    pub sts: aws_sdk_sts::Client,
    /// The account's id, asked of STS once, when an ARN that names it is first needed.
    account: tokio::sync::OnceCell<String>,
    /// Region, for ARNs and bucket locations.
    pub region: String,
}

impl Aws {
    /// The id of the account the credentials belong to (GetCallerIdentity, once).
    pub async fn account(&self) -> Result<String, ProviderError> {
        self.account
            .get_or_try_init(|| async {
                let me = self.sts.get_caller_identity().send().await.map_err(|e| {
                    common::api("GetCallerIdentity", "the caller", e.into_service_error())
                })?;
                Ok::<_, ProviderError>(me.account().unwrap_or_default().to_string())
            })
            .await
            .cloned()
    }
}

/// The provider: AWS clients and the catalog.
pub struct AwsProvider {
    aws: Aws,
    catalog: Catalog,
}

impl AwsProvider {
    /// Configures clients from `settings` and the standard AWS chain (environment, profile,
    /// instance role). Makes no call: credentials are resolved on first use.
    pub async fn new(settings: AwsSettings) -> AwsProvider {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts()));
        if let Some(r) = &settings.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        if let Some(e) = &settings.endpoint {
            loader = loader.endpoint_url(e.clone());
        }
        let shared = loader.load().await;
        let region = shared
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        let custom_endpoint = settings.endpoint.is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3_config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(custom_endpoint)
            .build();
        AwsProvider {
            aws: Aws {
                ec2: aws_sdk_ec2::Client::new(&shared),
                s3: aws_sdk_s3::Client::from_conf(s3_config),
                iam: aws_sdk_iam::Client::new(&shared),
                logs: aws_sdk_cloudwatchlogs::Client::new(&shared),
                efs: aws_sdk_efs::Client::new(&shared),
                tagging: aws_sdk_resourcegroupstagging::Client::new(&shared),
                ecs: aws_sdk_ecs::Client::new(&shared),
                elb: aws_sdk_elasticloadbalancingv2::Client::new(&shared),
                rds: aws_sdk_rds::Client::new(&shared),
                lambda: aws_sdk_lambda::Client::new(&shared),
                ecr: aws_sdk_ecr::Client::new(&shared),
                cloudwatch: aws_sdk_cloudwatch::Client::new(&shared),
                events: aws_sdk_eventbridge::Client::new(&shared),
                artifacts: settings.artifacts.clone(),
                dynamodb: aws_sdk_dynamodb::Client::new(&shared),
                sqs: aws_sdk_sqs::Client::new(&shared),
                kms: aws_sdk_kms::Client::new(&shared),
                ssm: aws_sdk_ssm::Client::new(&shared),
                secretsmanager: aws_sdk_secretsmanager::Client::new(&shared),
                apigateway: aws_sdk_apigatewayv2::Client::new(&shared),
                sts: aws_sdk_sts::Client::new(&shared),
                account: tokio::sync::OnceCell::new(),
                region,
            },
            catalog: catalog(),
        }
    }
}

/// Attempts per AWS call (the first one included) for throttling, 5xx answers and dropped
/// connections, with exponential backoff and jitter: `AWS_MAX_ATTEMPTS` (the SDKs' standard
/// setting) when set to a positive number, else 8.
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(8)
}

/// Calls `$op` of the module that implements `$rtype`.
macro_rules! dispatch {
    ($rtype:expr, $op:ident ( $($arg:expr),* )) => {
        match $rtype {
            ec2::vpc::TYPE => ec2::vpc::$op($($arg),*).await,
            ec2::subnet::TYPE => ec2::subnet::$op($($arg),*).await,
            ec2::internet_gateway::TYPE => ec2::internet_gateway::$op($($arg),*).await,
            ec2::route_table::TYPE => ec2::route_table::$op($($arg),*).await,
            ec2::route_table_association::TYPE => ec2::route_table_association::$op($($arg),*).await,
            ec2::security_group::TYPE => ec2::security_group::$op($($arg),*).await,
            ec2::security_group_rule::TYPE => ec2::security_group_rule::$op($($arg),*).await,
            ec2::eip::TYPE => ec2::eip::$op($($arg),*).await,
            ec2::nat_gateway::TYPE => ec2::nat_gateway::$op($($arg),*).await,
            s3::TYPE => s3::$op($($arg),*).await,
            iam::role::TYPE => iam::role::$op($($arg),*).await,
            iam::policy::TYPE => iam::policy::$op($($arg),*).await,
            iam::attachment::TYPE => iam::attachment::$op($($arg),*).await,
            iam::instance_profile::TYPE => iam::instance_profile::$op($($arg),*).await,
            logs::TYPE => logs::$op($($arg),*).await,
            efs::file_system::TYPE => efs::file_system::$op($($arg),*).await,
            efs::mount_target::TYPE => efs::mount_target::$op($($arg),*).await,
            efs::access_point::TYPE => efs::access_point::$op($($arg),*).await,
            ecs::cluster::TYPE => ecs::cluster::$op($($arg),*).await,
            ecs::task_definition::TYPE => ecs::task_definition::$op($($arg),*).await,
            ecs::service::TYPE => ecs::service::$op($($arg),*).await,
            rds::subnet_group::TYPE => rds::subnet_group::$op($($arg),*).await,
            rds::instance::TYPE => rds::instance::$op($($arg),*).await,
            elb::lb::TYPE => elb::lb::$op($($arg),*).await,
            elb::target_group::TYPE => elb::target_group::$op($($arg),*).await,
            elb::listener::TYPE => elb::listener::$op($($arg),*).await,
            elb::listener_rule::TYPE => elb::listener_rule::$op($($arg),*).await,
            lambda::function::TYPE => lambda::function::$op($($arg),*).await,
            lambda::permission::TYPE => lambda::permission::$op($($arg),*).await,
            lambda::event_source_mapping::TYPE => lambda::event_source_mapping::$op($($arg),*).await,
            ecr::TYPE => ecr::$op($($arg),*).await,
            cloudwatch::alarm::TYPE => cloudwatch::alarm::$op($($arg),*).await,
            cloudwatch::dashboard::TYPE => cloudwatch::dashboard::$op($($arg),*).await,
            events::rule::TYPE => events::rule::$op($($arg),*).await,
            events::target::TYPE => events::target::$op($($arg),*).await,
            dynamodb::TYPE => dynamodb::$op($($arg),*).await,
            sqs::TYPE => sqs::$op($($arg),*).await,
            kms::key::TYPE => kms::key::$op($($arg),*).await,
            kms::alias::TYPE => kms::alias::$op($($arg),*).await,
            ssm::TYPE => ssm::$op($($arg),*).await,
            secretsmanager::secret::TYPE => secretsmanager::secret::$op($($arg),*).await,
            secretsmanager::version::TYPE => secretsmanager::version::$op($($arg),*).await,
            apigatewayv2::api::TYPE => apigatewayv2::api::$op($($arg),*).await,
            apigatewayv2::stage::TYPE => apigatewayv2::stage::$op($($arg),*).await,
            apigatewayv2::integration::TYPE => apigatewayv2::integration::$op($($arg),*).await,
            apigatewayv2::route::TYPE => apigatewayv2::route::$op($($arg),*).await,
            other => Err(ProviderError::UnknownType(other.to_string())),
        }
    };
}

/// Tag keys that tie a resource to its stack. Reads hide them (see `common::visible_tags`),
/// so they never show in plans or drift.
pub const OWNER_TAG: &str = "cairn:stack";
pub const ADDRESS_TAG: &str = "cairn:address";
/// The token of the operation that created the resource (set at creation only), so that the
/// lookup after an interrupted create (`Provider::find`) can tell what that create made.
pub const TOKEN_TAG: &str = "cairn:token";

/// Which operation the ownership tags are added for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Create,
    Update,
}

impl AwsProvider {
    /// `config` with the ownership tags added, for types that take tags: the stack and
    /// address (when there is a stack) and, at creation, the operation's token.
    fn owned(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
        op: Operation,
    ) -> serde_json::Value {
        let mut add: Vec<(&str, &str)> = Vec::new();
        if let Some(stack) = &ctx.stack {
            add.push((OWNER_TAG, stack));
            add.push((ADDRESS_TAG, &ctx.address));
        }
        if op == Operation::Create && !ctx.token.is_empty() {
            add.push((TOKEN_TAG, &ctx.token));
        }
        if add.is_empty() || !self.catalog.get(rtype).is_some_and(|s| s.taggable()) {
            return config.clone();
        }
        let mut config = config.clone();
        if let Some(obj) = config.as_object_mut() {
            let tags = obj
                .entry("tags")
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let Some(tags) = tags.as_object_mut() {
                for (k, v) in add {
                    tags.insert(k.into(), v.into());
                }
            }
        }
        config
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    async fn read(
        &self,
        rtype: &str,
        requests: &[ReadRequest],
    ) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
        dispatch!(rtype, read(&self.aws, requests))
    }

    async fn create(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        let config = self.owned(rtype, config, ctx, Operation::Create);
        dispatch!(rtype, create(&self.aws, &config, ctx))
    }

    async fn update(
        &self,
        rtype: &str,
        prior: &Observed,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        let config = self.owned(rtype, config, ctx, Operation::Update);
        dispatch!(rtype, update(&self.aws, prior, &config, ctx))
    }

    /// Each type looks up what an interrupted create of `config` may have made: by ownership
    /// tags, unique name or natural key (see each module's `find`).
    async fn find(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Vec<Observed>, ProviderError> {
        dispatch!(rtype, find(&self.aws, config, ctx))
    }

    async fn delete(
        &self,
        rtype: &str,
        prior: &Observed,
        ctx: &OpContext,
    ) -> Result<(), ProviderError> {
        dispatch!(rtype, delete(&self.aws, prior, ctx))
    }

    /// Each type reads what its import id names (`SchemaMeta::import_id`, each module's
    /// `IMPORT_ID`) as a read after its create would show it; an id not in that format is
    /// `InvalidConfig`, one that names nothing `None`.
    async fn import(
        &self,
        rtype: &str,
        import_id: &str,
    ) -> Result<Option<Observed>, ProviderError> {
        dispatch!(rtype, import(&self.aws, import_id))
    }

    /// One paged GetResources of the Resource Groups Tagging API for every type at once
    /// (it lists only what exists; EC2's DescribeTags can still list a deleted resource's tags).
    async fn owned(&self, stack: &str) -> Result<Vec<OwnedResource>, ProviderError> {
        use aws_sdk_resourcegroupstagging::types::TagFilter;
        let mut out = Vec::new();
        let pages = self
            .aws
            .tagging
            .get_resources()
            .tag_filters(TagFilter::builder().key(OWNER_TAG).values(stack).build())
            .resources_per_page(100)
            .tags_per_page(500)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| common::api("GetResources", stack, e.into_service_error()))?;
        out.extend(pages.iter().filter_map(|r| {
            Some(OwnedResource {
                arn: r.resource_arn()?.to_string(),
                address: r
                    .tags()
                    .iter()
                    .find(|t| t.key() == ADDRESS_TAG)
                    .map(|t| t.value().to_string()),
            })
        }));
        Ok(out)
    }
}
