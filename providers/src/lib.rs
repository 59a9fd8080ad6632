//! cairn's AWS resource types over aws-sdk-rust: one definition per type (its configuration
//! and outputs structs, from which the schema derives) and its create, read, update and
//! delete calls. The only crate that talks to AWS.

pub mod acm;
pub mod apigatewayv2;
pub mod appautoscaling;
mod calls;
pub mod cloudformation;
pub mod cloudtrail;
pub mod cloudwatch;
mod common;
pub mod data;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecr_lifecycle_policy;
pub mod ecs;
pub mod efs;
pub mod elb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod logs_stream;
pub mod rds;
pub mod resource;
pub mod route53;
pub mod s3;
pub mod s3_notification;
pub mod s3_object;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod wafv2;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use cairn_model::Catalog;
use cairn_model::{Observed, OpContext, OwnedResource, Provider, ProviderError, ReadRequest};
use resource::Resource;
use tracing::Instrument;

/// The registry: every resource type's module, once. The catalog (and so validation,
/// `cairn schema`, docs/resources.md and CloudFormation adoption's mapping, from each
/// type's `SchemaMeta`) and the dispatch of provider calls derive from this one list: a new
/// type is its module, one line here and its conformance scenario.
macro_rules! for_each_type {
    ($callback:ident ! $args:tt) => {
        $callback! { $args
        ec2::vpc::AwsVpc,
        ec2::subnet::AwsSubnet,
        ec2::internet_gateway::AwsInternetGateway,
        ec2::route_table::AwsRouteTable,
        ec2::route_table_association::AwsRouteTableAssociation,
        ec2::security_group::AwsSecurityGroup,
        ec2::security_group_rule::AwsSecurityGroupRule,
        ec2::eip::AwsEip,
        ec2::nat_gateway::AwsNatGateway,
        s3::AwsS3Bucket,
        iam::role::AwsIamRole,
        iam::policy::AwsIamPolicy,
        iam::attachment::AwsIamRolePolicyAttachment,
        iam::instance_profile::AwsIamInstanceProfile,
        logs::AwsCloudwatchLogGroup,
        efs::file_system::AwsEfsFileSystem,
        efs::mount_target::AwsEfsMountTarget,
        efs::access_point::AwsEfsAccessPoint,
        ecs::cluster::AwsEcsCluster,
        ecs::task_definition::AwsEcsTaskDefinition,
        ecs::service::AwsEcsService,
        rds::subnet_group::AwsDbSubnetGroup,
        rds::instance::AwsDbInstance,
        elb::lb::AwsLb,
        elb::target_group::AwsLbTargetGroup,
        elb::listener::AwsLbListener,
        elb::listener_rule::AwsLbListenerRule,
        lambda::function::AwsLambdaFunction,
        lambda::permission::AwsLambdaPermission,
        lambda::event_source_mapping::AwsLambdaEventSourceMapping,
        ecr::AwsEcrRepository,
        cloudwatch::alarm::AwsCloudwatchMetricAlarm,
        cloudwatch::dashboard::AwsCloudwatchDashboard,
        events::rule::AwsCloudwatchEventRule,
        events::target::AwsCloudwatchEventTarget,
        dynamodb::AwsDynamodbTable,
        sqs::AwsSqsQueue,
        sqs::queue_policy::AwsSqsQueuePolicy,
        kms::key::AwsKmsKey,
        kms::alias::AwsKmsAlias,
        ssm::AwsSsmParameter,
        secretsmanager::secret::AwsSecretsmanagerSecret,
        secretsmanager::version::AwsSecretsmanagerSecretVersion,
        apigatewayv2::api::AwsApigatewayv2Api,
        apigatewayv2::stage::AwsApigatewayv2Stage,
        apigatewayv2::integration::AwsApigatewayv2Integration,
        apigatewayv2::route::AwsApigatewayv2Route,
        s3_object::AwsS3Object,
        ecr_lifecycle_policy::AwsEcrLifecyclePolicy,
        logs_stream::AwsCloudwatchLogStream,
        wafv2::web_acl::AwsWafv2WebAcl,
        wafv2::association::AwsWafv2WebAclAssociation,
        cloudtrail::AwsCloudtrail,
        sns::topic::AwsSnsTopic,
        sns::subscription::AwsSnsTopicSubscription,
        sns::topic_policy::AwsSnsTopicPolicy,
        s3_notification::AwsS3BucketNotification,
        appautoscaling::target::AwsAppautoscalingTarget,
        appautoscaling::policy::AwsAppautoscalingPolicy,
        route53::zone::AwsRoute53Zone,
        route53::record::AwsRoute53Record,
        acm::certificate::AwsAcmCertificate,
        acm::validation::AwsAcmCertificateValidation,
        apigatewayv2::domain_name::AwsApigatewayv2DomainName,
        apigatewayv2::api_mapping::AwsApigatewayv2ApiMapping,
        ec2::route::AwsRoute,
        ec2::main_route_table_association::AwsMainRouteTableAssociation,
        iam::server_certificate::AwsIamServerCertificate,
        elb::listener_certificate::AwsLbListenerCertificate,
        ec2::vpc_endpoint::AwsVpcEndpoint,
            }
    };
}

/// The catalog of the registry's types.
macro_rules! catalog_of {
    (() $($($m:ident)::+),+ $(,)?) => {{
        let mut c = Catalog::default();
        $( c.insert(<$($m)::+ as Resource>::schema()); )+
        c
    }};
}

/// Every resource type and data source cairn offers, with its schema. Needs no AWS access.
pub fn catalog() -> Catalog {
    let mut catalog = for_each_type!(catalog_of!());
    data::add_schemas(&mut catalog);
    catalog
}

/// The catalog, made once (schemas are derived from the types' structs).
pub fn shared_catalog() -> &'static Catalog {
    static CATALOG: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(catalog);
    &CATALOG
}

/// Calls `R::import_ids` for the registry's type named `$rtype`.
macro_rules! import_ids_of {
    (($rtype:expr, $o:expr) $($($m:ident)::+),+ $(,)?) => {
        match $rtype {
            $( t if t == <$($m)::+ as Resource>::TYPE => <$($m)::+ as Resource>::import_ids($o), )+
            _ => Vec::new(),
        }
    };
}

/// The import ids that name `o`, a resource of `rtype`: in the format the type documents
/// (`ResourceSchema::import_id`) first, then the other forms its import accepts. Empty for
/// a type not in the catalog.
pub fn import_ids(rtype: &str, o: &Observed) -> Vec<String> {
    for_each_type!(import_ids_of!(rtype, o))
}

/// Calls `R::IMPORT_CHECKS` for the registry's type named `$rtype`.
macro_rules! import_checks_of {
    (($rtype:expr) $($($m:ident)::+),+ $(,)?) => {
        match $rtype {
            $( t if t == <$($m)::+ as Resource>::TYPE => Some(<$($m)::+ as Resource>::IMPORT_CHECKS), )+
            _ => None,
        }
    };
}

/// The import ids that show the format of `rtype`'s (see `Resource::IMPORT_CHECKS`).
pub fn import_checks(rtype: &str) -> Option<resource::ImportChecks> {
    for_each_type!(import_checks_of!(rtype))
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
    /// A profile of the AWS configuration files, else `AWS_PROFILE` or the default one.
    pub profile: Option<String>,
    /// A role to assume with the credentials found (STS AssumeRole).
    pub assume_role: Option<AssumeRole>,
}

/// A role the provider assumes.
#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    /// Else `cairn`.
    pub session_name: Option<String>,
    pub external_id: Option<String>,
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
    pub route53: aws_sdk_route53::Client,
    pub acm: aws_sdk_acm::Client,
    pub sts: aws_sdk_sts::Client,
    pub sns: aws_sdk_sns::Client,
    pub appautoscaling: aws_sdk_applicationautoscaling::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
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
        let loader = || {
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .retry_config(RetryConfig::standard().with_max_attempts(max_attempts()));
            if let Some(r) = &settings.region {
                loader = loader.region(aws_config::Region::new(r.clone()));
            }
            if let Some(e) = &settings.endpoint {
                loader = loader.endpoint_url(e.clone());
            }
            if let Some(p) = &settings.profile {
                loader = loader.profile_name(p);
            }
            loader
        };
        let mut shared = loader().load().await;
        if let Some(role) = &settings.assume_role {
            // The role is assumed with the credentials the chain finds; its temporary
            // credentials sign every call after (refreshed before they expire).
            let mut assume = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
                .session_name(role.session_name.clone().unwrap_or_else(|| "cairn".into()))
                .configure(&shared);
            if let Some(id) = &role.external_id {
                assume = assume.external_id(id.clone());
            }
            let credentials = assume.build().await;
            shared = loader().credentials_provider(credentials).load().await;
        }
        let region = shared
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        let custom_endpoint = settings.endpoint.is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3_config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(custom_endpoint)
            .interceptor(calls::CallLog)
            .build();
        AwsProvider {
            aws: Aws {
                ec2: client!(aws_sdk_ec2, &shared),
                s3: aws_sdk_s3::Client::from_conf(s3_config),
                iam: client!(aws_sdk_iam, &shared),
                logs: client!(aws_sdk_cloudwatchlogs, &shared),
                efs: client!(aws_sdk_efs, &shared),
                tagging: client!(aws_sdk_resourcegroupstagging, &shared),
                ecs: client!(aws_sdk_ecs, &shared),
                elb: client!(aws_sdk_elasticloadbalancingv2, &shared),
                rds: client!(aws_sdk_rds, &shared),
                lambda: client!(aws_sdk_lambda, &shared),
                ecr: client!(aws_sdk_ecr, &shared),
                cloudwatch: client!(aws_sdk_cloudwatch, &shared),
                events: client!(aws_sdk_eventbridge, &shared),
                artifacts: settings.artifacts.clone(),
                dynamodb: client!(aws_sdk_dynamodb, &shared),
                sqs: client!(aws_sdk_sqs, &shared),
                kms: client!(aws_sdk_kms, &shared),
                ssm: client!(aws_sdk_ssm, &shared),
                secretsmanager: client!(aws_sdk_secretsmanager, &shared),
                apigateway: client!(aws_sdk_apigatewayv2, &shared),
                route53: client!(aws_sdk_route53, &shared),
                acm: client!(aws_sdk_acm, &shared),
                sts: client!(aws_sdk_sts, &shared),
                sns: client!(aws_sdk_sns, &shared),
                appautoscaling: client!(aws_sdk_applicationautoscaling, &shared),
                wafv2: client!(aws_sdk_wafv2, &shared),
                cloudtrail: client!(aws_sdk_cloudtrail, &shared),
                account: tokio::sync::OnceCell::new(),
                region,
            },
            catalog: shared_catalog().clone(),
        }
    }
}

/// A client of `$sdk` configured from `$shared`, its calls logged (see `calls`).
macro_rules! client {
    ($sdk:ident, $shared:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($shared)
                .interceptor($crate::calls::CallLog)
                .build(),
        )
    };
}
pub(crate) use client;

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

/// Calls `resource::$op` for the registry's type named `$rtype`. Each type's future is on the
/// heap: inline, every arm's would take room in the one stack frame that polls the match,
/// which grows with each type until a test thread's stack overflows (in debug builds).
macro_rules! dispatch_to {
    (($rtype:expr, $op:ident $args:tt) $($($m:ident)::+),+ $(,)?) => {
        match $rtype {
            $( t if t == <$($m)::+ as Resource>::TYPE => Box::pin(resource::$op::<$($m)::+> $args).await, )+
            other => Err(ProviderError::UnknownType(other.to_string())),
        }
    };
}

/// Calls `resource::$op` for the type named `$rtype`.
macro_rules! dispatch {
    ($rtype:expr, $op:ident $args:tt) => {
        for_each_type!(dispatch_to!($rtype, $op $args))
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
        let span = tracing::debug_span!("read", rtype, count = requests.len());
        async { dispatch!(rtype, read(&self.aws, requests)) }
            .instrument(span)
            .await
    }

    async fn create(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        let config = self.owned(rtype, config, ctx, Operation::Create);
        async { dispatch!(rtype, create(&self.aws, &config, ctx)) }
            .instrument(tracing::debug_span!("create", address = %ctx.address))
            .await
    }

    async fn update(
        &self,
        rtype: &str,
        prior: &Observed,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        let config = self.owned(rtype, config, ctx, Operation::Update);
        async { dispatch!(rtype, update(&self.aws, prior, &config, ctx)) }
            .instrument(tracing::debug_span!("update", address = %ctx.address))
            .await
    }

    async fn read_data(
        &self,
        dtype: &str,
        args: &serde_json::Value,
    ) -> Result<serde_json::Value, ProviderError> {
        async { data::read_data(&self.aws, dtype, args).await }
            .instrument(tracing::debug_span!("read_data", dtype))
            .await
    }

    /// Each type looks up what an interrupted create of `config` may have made: by ownership
    /// tags, unique name or natural key (see each module's `find`).
    async fn find(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Vec<Observed>, ProviderError> {
        async { dispatch!(rtype, find(&self.aws, config, ctx)) }
            .instrument(tracing::debug_span!("find", address = %ctx.address))
            .await
    }

    async fn delete(
        &self,
        rtype: &str,
        prior: &Observed,
        ctx: &OpContext,
    ) -> Result<(), ProviderError> {
        async { dispatch!(rtype, delete(&self.aws, prior, ctx)) }
            .instrument(tracing::debug_span!("delete", address = %ctx.address))
            .await
    }

    /// Each type reads what its import id names (`SchemaMeta::import_id`, each module's
    /// `IMPORT_ID`) as a read after its create would show it; an id not in that format is
    /// `InvalidConfig`, one that names nothing `None`.
    async fn import(
        &self,
        rtype: &str,
        import_id: &str,
    ) -> Result<Option<Observed>, ProviderError> {
        async { dispatch!(rtype, import(&self.aws, import_id)) }
            .instrument(tracing::debug_span!("import", rtype, id = import_id))
            .await
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
