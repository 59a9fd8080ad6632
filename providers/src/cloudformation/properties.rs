//! The CloudFormation properties cairn carries over when it adopts a stack, per CloudFormation
//! type. Adoption writes what the type's import reads from AWS, so a property whose setting
//! has no cairn attribute is simply absent from the written stack: without this table it would
//! be dropped silently. Each type (adopted, folded or part of another) lists what its cairn
//! counterpart represents; [`leftovers`] names every other property a template sets, so that
//! adoption reports it instead.

use std::fmt;

use serde_json::{Map, Value as Json};

use super::TemplateResource;

/// What cairn carries over of one CloudFormation property.
#[derive(Debug)]
pub(super) enum Prop {
    /// All of it.
    All(&'static str),
    /// These fields of it (an object, or each object of a list); any other is left over.
    Fields(&'static str, &'static [Prop]),
    /// Of a list of `{Key, Value}` settings, those with these keys; any other is left over.
    Keys(&'static str, &'static [&'static str]),
    /// cairn has it (as the attribute named), but AWS does not return it, and adoption writes
    /// what it reads: the written stack has the attribute's default instead.
    Unread(&'static str, &'static str),
}

use Prop::{All, Fields, Keys, Unread};

impl Prop {
    fn name(&self) -> &'static str {
        match self {
            All(n) | Fields(n, _) | Keys(n, _) | Unread(n, _) => n,
        }
    }
}

/// A property a template sets that the adopted configuration does not carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    /// Its path: `LocalSecondaryIndexes`,
    /// `GlobalSecondaryIndexes.ContributorInsightsSpecification` (fields of the items of a
    /// list are named once), `LoadBalancerAttributes[routing.http2.enabled]`.
    pub property: String,
    /// The cairn attribute that has it, where AWS does not return it.
    pub unread_as: Option<&'static str>,
}

impl Leftover {
    /// Why it is left over.
    pub fn why(&self) -> String {
        match self.unread_as {
            None => "cairn cannot represent it yet".into(),
            Some(attr) => format!(
                "AWS does not return it: the stack has `{attr}`'s default; set `{attr}` by hand"
            ),
        }
    }
}

impl fmt::Display for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.property, self.why())
    }
}

/// The properties the template resource `resource` sets that cairn does not carry over; none
/// for a type cairn neither adopts nor folds (the whole resource is left out then).
pub fn leftovers(resource: &TemplateResource) -> Vec<Leftover> {
    let mut out = Vec::new();
    if let Some(props) = translated(&resource.cfn_type) {
        walk(props, &resource.properties, "", &mut out);
    }
    out
}

/// The properties of an EventBridge rule's target (an item of its `Targets`) that cairn's
/// `aws_cloudwatch_event_target` does not carry.
pub(super) fn target_leftovers(target: &Json) -> Vec<Leftover> {
    let mut out = Vec::new();
    walk(EVENT_TARGET, target, "", &mut out);
    out
}

/// Whether `value` is not set at all: null, or `!Ref AWS::NoValue`.
fn unset(value: &Json) -> bool {
    value.is_null()
        || value
            .as_object()
            .is_some_and(|m| m.len() == 1 && m.get("Ref") == Some(&Json::from("AWS::NoValue")))
}

/// An intrinsic function (`{"Ref": ...}`, `{"Fn::...": ...}`) standing for a value.
fn intrinsic(m: &Map<String, Json>) -> Option<(&str, &Json)> {
    let (name, args) = m.iter().next()?;
    (m.len() == 1 && (name == "Ref" || name.starts_with("Fn::"))).then_some((name.as_str(), args))
}

fn push(out: &mut Vec<Leftover>, property: String, unread_as: Option<&'static str>) {
    if !out.iter().any(|l| l.property == property) {
        out.push(Leftover {
            property,
            unread_as,
        });
    }
}

/// Every field of `value` (an object, a list of them, or an `Fn::If` of either, whose branches
/// are both looked at) that `props` does not carry, named under `at`. What another intrinsic
/// function computes cannot be looked into, and counts as carried.
fn walk(props: &[Prop], value: &Json, at: &str, out: &mut Vec<Leftover>) {
    match value {
        Json::Array(items) => items.iter().for_each(|i| walk(props, i, at, out)),
        Json::Object(m) => match intrinsic(m) {
            Some(("Fn::If", Json::Array(args))) => {
                args.iter().skip(1).for_each(|b| walk(props, b, at, out));
            }
            Some(_) => {}
            None => {
                for (k, v) in m.iter().filter(|(_, v)| !unset(v)) {
                    let path = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    match props.iter().find(|p| p.name() == k) {
                        None => push(out, path, None),
                        Some(All(_)) => {}
                        Some(Fields(_, inner)) => walk(inner, v, &path, out),
                        Some(Keys(_, keys)) => settings(keys, v, &path, out),
                        Some(Unread(_, attr)) => push(out, path, Some(attr)),
                    }
                }
            }
        },
        _ => {}
    }
}

/// The `{Key, Value}` settings of `value` whose key is not one of `keys`.
fn settings(keys: &[&str], value: &Json, at: &str, out: &mut Vec<Leftover>) {
    match value {
        Json::Array(items) => items.iter().for_each(|i| settings(keys, i, at, out)),
        Json::Object(m) => match intrinsic(m) {
            Some(("Fn::If", Json::Array(args))) => {
                args.iter().skip(1).for_each(|b| settings(keys, b, at, out));
            }
            Some(_) => {}
            None => {
                if let Some(key) = m.get("Key").and_then(Json::as_str) {
                    if !keys.contains(&key) {
                        push(out, format!("{at}[{key}]"), None);
                    }
                }
            }
        },
        _ => {}
    }
}

/// What cairn carries over of each CloudFormation type it adopts ([`super::Mapping::Type`]),
/// folds into another resource ([`super::Mapping::Folded`]) or adopts as parts of one
/// (a rule's `Targets`, checked item by item with [`EVENT_TARGET`]).
const TYPES: &[(&str, &[Prop])] = &[
    (
        "AWS::EC2::VPC",
        &[
            All("CidrBlock"),
            All("EnableDnsHostnames"),
            All("EnableDnsSupport"),
            All("InstanceTenancy"),
            All("Tags"),
        ],
    ),
    // The zone is read back as its name, whichever way the template named it.
    (
        "AWS::EC2::Subnet",
        &[
            All("AvailabilityZone"),
            All("AvailabilityZoneId"),
            All("CidrBlock"),
            All("MapPublicIpOnLaunch"),
            All("Tags"),
            All("VpcId"),
        ],
    ),
    ("AWS::EC2::InternetGateway", &[All("Tags")]),
    (
        "AWS::EC2::VPCGatewayAttachment",
        &[All("InternetGatewayId"), All("VpcId")],
    ),
    ("AWS::EC2::RouteTable", &[All("Tags"), All("VpcId")]),
    (
        "AWS::EC2::Route",
        &[
            All("DestinationCidrBlock"),
            All("GatewayId"),
            All("NatGatewayId"),
            All("RouteTableId"),
        ],
    ),
    (
        "AWS::EC2::SubnetRouteTableAssociation",
        &[All("RouteTableId"), All("SubnetId")],
    ),
    (
        "AWS::EC2::SecurityGroup",
        &[
            All("GroupDescription"),
            All("GroupName"),
            Fields("SecurityGroupEgress", EGRESS),
            Fields("SecurityGroupIngress", INGRESS),
            All("Tags"),
            All("VpcId"),
        ],
    ),
    ("AWS::EC2::SecurityGroupIngress", INGRESS_RESOURCE),
    ("AWS::EC2::SecurityGroupEgress", EGRESS_RESOURCE),
    ("AWS::EC2::EIP", &[All("Domain"), All("Tags")]),
    (
        "AWS::EC2::NatGateway",
        &[
            All("AllocationId"),
            All("ConnectivityType"),
            All("SubnetId"),
            All("Tags"),
        ],
    ),
    (
        "AWS::KMS::Key",
        &[
            All("Description"),
            All("EnableKeyRotation"),
            All("Enabled"),
            All("KeyPolicy"),
            All("KeySpec"),
            All("KeyUsage"),
            Unread("PendingWindowInDays", "deletion_window_in_days"),
            All("Tags"),
            // attrs group: multi-Region keys, rotation periods, the lockout check.
            Unread(
                "BypassPolicyLockoutSafetyCheck",
                "bypass_policy_lockout_safety_check",
            ),
            All("MultiRegion"),
            All("RotationPeriodInDays"),
        ],
    ),
    ("AWS::KMS::Alias", &[All("AliasName"), All("TargetKeyId")]),
    (
        "AWS::Events::Rule",
        &[
            All("Description"),
            All("EventBusName"),
            All("EventPattern"),
            All("Name"),
            All("ScheduleExpression"),
            All("State"),
            All("Tags"),
            // Each target is adopted as an `aws_cloudwatch_event_target` of its own, and
            // its properties are checked there (`EVENT_TARGET`).
            All("Targets"),
        ],
    ),
    (
        "AWS::Lambda::Function",
        &[
            All("Architectures"),
            // Whatever the code came from, the function's deployed code is kept
            // (`source_code_hash`, or `image_uri`).
            All("Code"),
            All("Description"),
            All("Environment"),
            All("FunctionName"),
            All("Handler"),
            All("MemorySize"),
            All("PackageType"),
            All("ReservedConcurrentExecutions"),
            All("Role"),
            All("Runtime"),
            All("Tags"),
            All("Timeout"),
            All("TracingConfig"),
        ],
    ),
    (
        "AWS::Lambda::Permission",
        &[
            All("Action"),
            All("FunctionName"),
            All("Principal"),
            All("SourceAccount"),
            All("SourceArn"),
        ],
    ),
    (
        "AWS::Lambda::EventSourceMapping",
        &[
            All("BatchSize"),
            All("Enabled"),
            All("EventSourceArn"),
            All("FunctionName"),
            All("FunctionResponseTypes"),
            All("MaximumBatchingWindowInSeconds"),
            All("ScalingConfig"),
            All("StartingPosition"),
        ],
    ),
    (
        "AWS::ApiGatewayV2::Api",
        &[
            All("CorsConfiguration"),
            All("Description"),
            All("DisableExecuteApiEndpoint"),
            All("Name"),
            All("ProtocolType"),
            All("RouteSelectionExpression"),
            All("Tags"),
        ],
    ),
    (
        "AWS::ApiGatewayV2::Integration",
        &[
            All("ApiId"),
            All("ConnectionId"),
            All("ConnectionType"),
            All("CredentialsArn"),
            All("Description"),
            All("IntegrationMethod"),
            All("IntegrationType"),
            All("IntegrationUri"),
            All("PayloadFormatVersion"),
            All("TimeoutInMillis"),
        ],
    ),
    (
        "AWS::ApiGatewayV2::Route",
        &[
            All("ApiId"),
            All("ApiKeyRequired"),
            All("AuthorizationType"),
            All("AuthorizerId"),
            All("OperationName"),
            All("RouteKey"),
            All("Target"),
        ],
    ),
    (
        "AWS::ApiGatewayV2::Stage",
        &[
            All("AccessLogSettings"),
            All("ApiId"),
            All("AutoDeploy"),
            Fields(
                "DefaultRouteSettings",
                &[
                    All("DetailedMetricsEnabled"),
                    All("ThrottlingBurstLimit"),
                    All("ThrottlingRateLimit"),
                ],
            ),
            All("Description"),
            All("StageName"),
            All("StageVariables"),
            All("Tags"),
        ],
    ),
    (
        "AWS::SQS::Queue",
        &[
            All("ContentBasedDeduplication"),
            All("DelaySeconds"),
            All("FifoQueue"),
            All("KmsDataKeyReusePeriodSeconds"),
            All("KmsMasterKeyId"),
            All("MaximumMessageSize"),
            All("MessageRetentionPeriod"),
            All("QueueName"),
            All("ReceiveMessageWaitTimeSeconds"),
            All("RedrivePolicy"),
            All("SqsManagedSseEnabled"),
            All("Tags"),
            All("VisibilityTimeout"),
        ],
    ),
    (
        "AWS::SSM::Parameter",
        &[
            All("Description"),
            All("Name"),
            All("Tags"),
            All("Tier"),
            All("Type"),
            All("Value"),
        ],
    ),
    (
        "AWS::SecretsManager::Secret",
        &[
            All("Description"),
            All("KmsKeyId"),
            All("Name"),
            All("Tags"),
        ],
    ),
    (
        "AWS::Logs::LogGroup",
        &[
            All("KmsKeyId"),
            All("LogGroupName"),
            All("RetentionInDays"),
            All("Tags"),
        ],
    ),
    (
        "AWS::CloudWatch::Dashboard",
        &[All("DashboardBody"), All("DashboardName")],
    ),
    (
        "AWS::CloudWatch::Alarm",
        &[
            All("ActionsEnabled"),
            All("AlarmActions"),
            All("AlarmDescription"),
            All("AlarmName"),
            All("ComparisonOperator"),
            All("DatapointsToAlarm"),
            All("Dimensions"),
            All("EvaluationPeriods"),
            All("ExtendedStatistic"),
            All("InsufficientDataActions"),
            All("MetricName"),
            All("Namespace"),
            All("OKActions"),
            All("Period"),
            All("Statistic"),
            All("Tags"),
            All("Threshold"),
            All("TreatMissingData"),
            All("Unit"),
        ],
    ),
    (
        "AWS::IAM::Role",
        &[
            All("AssumeRolePolicyDocument"),
            All("Description"),
            All("ManagedPolicyArns"),
            All("MaxSessionDuration"),
            All("Path"),
            All("Policies"),
            All("RoleName"),
            All("Tags"),
        ],
    ),
    // Its `Roles` are carried by each adopted role's `managed_policy_arns`.
    (
        "AWS::IAM::ManagedPolicy",
        &[
            All("Description"),
            All("ManagedPolicyName"),
            All("Path"),
            All("PolicyDocument"),
            All("Roles"),
        ],
    ),
    (
        "AWS::IAM::Policy",
        &[All("PolicyDocument"), All("PolicyName"), All("Roles")],
    ),
    (
        "AWS::IAM::RolePolicy",
        &[All("PolicyDocument"), All("PolicyName"), All("RoleName")],
    ),
    (
        "AWS::IAM::InstanceProfile",
        &[All("InstanceProfileName"), All("Path"), All("Roles")],
    ),
    (
        "AWS::ECS::Cluster",
        &[All("ClusterName"), All("ClusterSettings"), All("Tags")],
    ),
    (
        "AWS::ECS::TaskDefinition",
        &[
            Fields("ContainerDefinitions", CONTAINER),
            All("Cpu"),
            All("ExecutionRoleArn"),
            All("Family"),
            All("Memory"),
            All("NetworkMode"),
            All("RequiresCompatibilities"),
            All("RuntimePlatform"),
            All("Tags"),
            All("TaskRoleArn"),
            Fields(
                "Volumes",
                &[
                    Fields(
                        "EFSVolumeConfiguration",
                        &[
                            All("AuthorizationConfig"),
                            All("FilesystemId"),
                            All("RootDirectory"),
                            All("TransitEncryption"),
                        ],
                    ),
                    All("Name"),
                ],
            ),
        ],
    ),
    (
        "AWS::ECS::Service",
        &[
            All("Cluster"),
            All("DesiredCount"),
            All("HealthCheckGracePeriodSeconds"),
            All("LaunchType"),
            Fields(
                "LoadBalancers",
                &[
                    All("ContainerName"),
                    All("ContainerPort"),
                    All("TargetGroupArn"),
                ],
            ),
            Fields(
                "NetworkConfiguration",
                &[Fields(
                    "AwsvpcConfiguration",
                    &[All("AssignPublicIp"), All("SecurityGroups"), All("Subnets")],
                )],
            ),
            All("PlatformVersion"),
            All("ServiceName"),
            All("Tags"),
            All("TaskDefinition"),
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        &[
            Keys(
                "LoadBalancerAttributes",
                &[
                    "deletion_protection.enabled",
                    "idle_timeout.timeout_seconds",
                ],
            ),
            All("Name"),
            All("Scheme"),
            All("SecurityGroups"),
            All("Subnets"),
            All("Tags"),
            All("Type"),
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::Listener",
        &[
            Fields("Certificates", &[All("CertificateArn")]),
            Fields("DefaultActions", ACTION),
            All("LoadBalancerArn"),
            All("Port"),
            All("Protocol"),
            All("SslPolicy"),
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        &[
            Fields("Actions", ACTION),
            Fields(
                "Conditions",
                &[
                    All("Field"),
                    All("HostHeaderConfig"),
                    All("PathPatternConfig"),
                    All("Values"),
                ],
            ),
            All("ListenerArn"),
            All("Priority"),
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        &[
            All("HealthCheckEnabled"),
            All("HealthCheckIntervalSeconds"),
            All("HealthCheckPath"),
            All("HealthCheckPort"),
            All("HealthCheckProtocol"),
            All("HealthCheckTimeoutSeconds"),
            All("HealthyThresholdCount"),
            Fields("Matcher", &[All("HttpCode")]),
            All("Name"),
            All("Port"),
            All("Protocol"),
            All("Tags"),
            Keys(
                "TargetGroupAttributes",
                &["deregistration_delay.timeout_seconds"],
            ),
            All("TargetType"),
            All("UnhealthyThresholdCount"),
            All("VpcId"),
        ],
    ),
    (
        "AWS::S3::Bucket",
        &[
            Fields(
                "BucketEncryption",
                &[Fields(
                    "ServerSideEncryptionConfiguration",
                    &[All("ServerSideEncryptionByDefault")],
                )],
            ),
            All("BucketName"),
            All("PublicAccessBlockConfiguration"),
            All("Tags"),
            All("VersioningConfiguration"),
        ],
    ),
    (
        "AWS::ECR::Repository",
        &[
            Unread("EmptyOnDelete", "force_delete"),
            All("EncryptionConfiguration"),
            All("ImageScanningConfiguration"),
            All("ImageTagMutability"),
            All("RepositoryName"),
            All("Tags"),
        ],
    ),
    (
        "AWS::DynamoDB::Table",
        &[
            All("AttributeDefinitions"),
            All("BillingMode"),
            All("DeletionProtectionEnabled"),
            Fields(
                "GlobalSecondaryIndexes",
                &[
                    All("IndexName"),
                    All("KeySchema"),
                    All("Projection"),
                    All("ProvisionedThroughput"),
                ],
            ),
            All("KeySchema"),
            // attrs group: local secondary indexes.
            Fields(
                "LocalSecondaryIndexes",
                &[All("IndexName"), All("KeySchema"), All("Projection")],
            ),
            Fields(
                "PointInTimeRecoverySpecification",
                &[All("PointInTimeRecoveryEnabled")],
            ),
            All("ProvisionedThroughput"),
            All("SSESpecification"),
            Fields("StreamSpecification", &[All("StreamViewType")]),
            All("TableName"),
            All("Tags"),
            All("TimeToLiveSpecification"),
        ],
    ),
    (
        "AWS::EFS::FileSystem",
        &[
            All("Encrypted"),
            All("FileSystemTags"),
            All("KmsKeyId"),
            Fields(
                "LifecyclePolicies",
                &[
                    All("TransitionToIA"),
                    All("TransitionToPrimaryStorageClass"),
                ],
            ),
            All("PerformanceMode"),
            All("ProvisionedThroughputInMibps"),
            All("ThroughputMode"),
        ],
    ),
    (
        "AWS::EFS::MountTarget",
        &[
            All("FileSystemId"),
            All("IpAddress"),
            All("SecurityGroups"),
            All("SubnetId"),
        ],
    ),
    // A client token only makes the create idempotent: nothing of it lasts.
    (
        "AWS::EFS::AccessPoint",
        &[
            All("AccessPointTags"),
            All("ClientToken"),
            All("FileSystemId"),
            All("PosixUser"),
            All("RootDirectory"),
        ],
    ),
    (
        "AWS::RDS::DBSubnetGroup",
        &[
            All("DBSubnetGroupDescription"),
            All("DBSubnetGroupName"),
            All("SubnetIds"),
            All("Tags"),
        ],
    ),
    (
        "AWS::RDS::DBInstance",
        &[
            All("AllocatedStorage"),
            All("BackupRetentionPeriod"),
            All("DBInstanceClass"),
            All("DBInstanceIdentifier"),
            All("DBName"),
            All("DBSubnetGroupName"),
            All("DeletionProtection"),
            All("Engine"),
            All("EngineVersion"),
            All("KmsKeyId"),
            All("LicenseModel"),
            All("ManageMasterUserPassword"),
            All("MasterUserPassword"),
            All("MasterUsername"),
            All("MultiAZ"),
            All("Port"),
            All("PubliclyAccessible"),
            All("StorageEncrypted"),
            All("StorageType"),
            All("Tags"),
            All("VPCSecurityGroups"),
        ],
    ),
    // --- audit: log streams, WAFv2 web ACLs and associations, CloudTrail trails ---
    (
        "AWS::Logs::LogStream",
        &[All("LogGroupName"), All("LogStreamName")],
    ),
    (
        "AWS::WAFv2::WebACL",
        &[
            Fields(
                "DefaultAction",
                &[Fields("Allow", &[]), Fields("Block", &[])],
            ),
            All("Description"),
            All("Name"),
            Fields(
                "Rules",
                &[
                    Fields("Action", WAF_ACTION),
                    All("Name"),
                    Fields(
                        "OverrideAction",
                        &[Fields("Count", &[]), Fields("None", &[])],
                    ),
                    All("Priority"),
                    Fields(
                        "Statement",
                        &[
                            Fields("GeoMatchStatement", &[All("CountryCodes")]),
                            Fields("IPSetReferenceStatement", &[All("Arn")]),
                            Fields(
                                "ManagedRuleGroupStatement",
                                &[
                                    All("Name"),
                                    Fields(
                                        "RuleActionOverrides",
                                        &[All("Name"), Fields("ActionToUse", WAF_ACTION)],
                                    ),
                                    All("VendorName"),
                                    All("Version"),
                                ],
                            ),
                            Fields(
                                "RateBasedStatement",
                                &[
                                    All("AggregateKeyType"),
                                    All("EvaluationWindowSec"),
                                    All("Limit"),
                                    Fields(
                                        "ScopeDownStatement",
                                        &[
                                            Fields("GeoMatchStatement", &[All("CountryCodes")]),
                                            Fields("IPSetReferenceStatement", &[All("Arn")]),
                                        ],
                                    ),
                                ],
                            ),
                        ],
                    ),
                    All("VisibilityConfig"),
                ],
            ),
            All("Scope"),
            All("Tags"),
            All("VisibilityConfig"),
        ],
    ),
    (
        "AWS::WAFv2::WebACLAssociation",
        &[All("ResourceArn"), All("WebACLArn")],
    ),
    (
        "AWS::CloudTrail::Trail",
        &[
            All("CloudWatchLogsLogGroupArn"),
            All("CloudWatchLogsRoleArn"),
            All("EnableLogFileValidation"),
            Fields(
                "EventSelectors",
                &[
                    Fields("DataResources", &[All("Type"), All("Values")]),
                    All("ExcludeManagementEventSources"),
                    All("IncludeManagementEvents"),
                    All("ReadWriteType"),
                ],
            ),
            All("IncludeGlobalServiceEvents"),
            All("IsLogging"),
            All("IsMultiRegionTrail"),
            All("IsOrganizationTrail"),
            All("KMSKeyId"),
            All("S3BucketName"),
            All("S3KeyPrefix"),
            All("SnsTopicName"),
            All("Tags"),
            All("TrailName"),
        ],
    ),
    // Messaging: SNS topics, subscriptions and topic policies; Application Auto Scaling
    // targets and policies.
    (
        "AWS::SNS::Topic",
        &[
            All("ContentBasedDeduplication"),
            All("DeliveryPolicy"),
            All("DisplayName"),
            All("FifoTopic"),
            All("KmsMasterKeyId"),
            All("SignatureVersion"),
            All("Tags"),
            All("TopicName"),
            All("TracingConfig"),
        ],
    ),
    (
        "AWS::SNS::Subscription",
        &[
            All("DeliveryPolicy"),
            All("Endpoint"),
            All("FilterPolicy"),
            All("FilterPolicyScope"),
            All("Protocol"),
            All("RawMessageDelivery"),
            All("RedrivePolicy"),
            All("SubscriptionRoleArn"),
            All("TopicArn"),
        ],
    ),
    // One topic's policy: a template's policy of several topics is adopted for the first.
    (
        "AWS::SNS::TopicPolicy",
        &[All("PolicyDocument"), All("Topics")],
    ),
    (
        "AWS::ApplicationAutoScaling::ScalableTarget",
        &[
            All("MaxCapacity"),
            All("MinCapacity"),
            All("ResourceId"),
            All("RoleARN"),
            All("ScalableDimension"),
            All("ServiceNamespace"),
            All("SuspendedState"),
        ],
    ),
    (
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        &[
            All("PolicyName"),
            All("PolicyType"),
            All("ResourceId"),
            All("ScalableDimension"),
            All("ScalingTargetId"),
            All("ServiceNamespace"),
            Fields(
                "StepScalingPolicyConfiguration",
                &[
                    All("AdjustmentType"),
                    All("Cooldown"),
                    All("MetricAggregationType"),
                    All("MinAdjustmentMagnitude"),
                    All("StepAdjustments"),
                ],
            ),
            Fields(
                "TargetTrackingScalingPolicyConfiguration",
                &[
                    Fields(
                        "CustomizedMetricSpecification",
                        &[
                            All("Dimensions"),
                            All("MetricName"),
                            All("Namespace"),
                            All("Statistic"),
                            All("Unit"),
                        ],
                    ),
                    All("DisableScaleIn"),
                    All("PredefinedMetricSpecification"),
                    All("ScaleInCooldown"),
                    All("ScaleOutCooldown"),
                    All("TargetValue"),
                ],
            ),
        ],
    ),
    // dns: Route 53 zones and records, ACM certificates, API Gateway v2 custom domains.
    (
        "AWS::Route53::HostedZone",
        &[
            Fields("HostedZoneConfig", &[All("Comment")]),
            All("HostedZoneTags"),
            All("Name"),
            Fields("VPCs", &[All("VPCId"), All("VPCRegion")]),
        ],
    ),
    (
        "AWS::Route53::RecordSet",
        &[
            Fields(
                "AliasTarget",
                &[
                    All("DNSName"),
                    All("EvaluateTargetHealth"),
                    All("HostedZoneId"),
                ],
            ),
            All("Failover"),
            All("HealthCheckId"),
            All("HostedZoneId"),
            All("MultiValueAnswer"),
            All("Name"),
            All("ResourceRecords"),
            All("SetIdentifier"),
            All("TTL"),
            All("Type"),
            All("Weight"),
        ],
    ),
    (
        "AWS::CertificateManager::Certificate",
        &[
            All("CertificateAuthorityArn"),
            All("CertificateTransparencyLoggingPreference"),
            All("DomainName"),
            All("KeyAlgorithm"),
            All("SubjectAlternativeNames"),
            All("Tags"),
            All("ValidationMethod"),
        ],
    ),
    (
        "AWS::ApiGatewayV2::DomainName",
        &[
            All("DomainName"),
            Fields(
                "DomainNameConfigurations",
                &[
                    All("CertificateArn"),
                    All("EndpointType"),
                    All("OwnershipVerificationCertificateArn"),
                    All("SecurityPolicy"),
                ],
            ),
            Fields(
                "MutualTlsAuthentication",
                &[All("TruststoreUri"), All("TruststoreVersion")],
            ),
            All("Tags"),
        ],
    ),
    (
        "AWS::ApiGatewayV2::ApiMapping",
        &[
            All("ApiId"),
            All("ApiMappingKey"),
            All("DomainName"),
            All("Stage"),
        ],
    ),
    // The routing group: server certificates and listeners' extra certificates.
    (
        "AWS::IAM::ServerCertificate",
        &[
            All("CertificateBody"),
            All("CertificateChain"),
            All("Path"),
            Unread("PrivateKey", "private_key"),
            All("ServerCertificateName"),
            All("Tags"),
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        &[
            Fields("Certificates", &[All("CertificateArn")]),
            All("ListenerArn"),
        ],
    ),
    (
        "AWS::EC2::VPCEndpoint",
        &[
            All("PolicyDocument"),
            All("PrivateDnsEnabled"),
            All("RouteTableIds"),
            All("SecurityGroupIds"),
            All("ServiceName"),
            All("SubnetIds"),
            All("Tags"),
            All("VpcEndpointType"),
            All("VpcId"),
        ],
    ),
];

/// A WAF rule's action as cairn keeps it: which one, without custom requests or responses.
const WAF_ACTION: &[Prop] = &[
    Fields("Allow", &[]),
    Fields("Block", &[]),
    Fields("Captcha", &[]),
    Fields("Challenge", &[]),
    Fields("Count", &[]),
];

/// What cairn carries over of the CloudFormation type `cfn_type`, if it adopts or folds it.
pub(super) fn translated(cfn_type: &str) -> Option<&'static [Prop]> {
    TYPES
        .iter()
        .find(|(name, _)| *name == cfn_type)
        .map(|(_, props)| *props)
}

/// An inline rule of a security group, as cairn's `ingress` keeps it.
const INGRESS: &[Prop] = &[
    All("CidrIp"),
    All("Description"),
    All("FromPort"),
    All("IpProtocol"),
    All("SourceSecurityGroupId"),
    All("SourceSecurityGroupName"),
    All("ToPort"),
];

/// An inline rule of a security group, as cairn's `egress` keeps it.
const EGRESS: &[Prop] = &[
    All("CidrIp"),
    All("Description"),
    All("DestinationSecurityGroupId"),
    All("FromPort"),
    All("IpProtocol"),
    All("ToPort"),
];

/// `AWS::EC2::SecurityGroupIngress`, folded into its group's `ingress`.
const INGRESS_RESOURCE: &[Prop] = &[
    All("CidrIp"),
    All("Description"),
    All("FromPort"),
    All("GroupId"),
    All("GroupName"),
    All("IpProtocol"),
    All("SourceSecurityGroupId"),
    All("SourceSecurityGroupName"),
    All("ToPort"),
];

/// `AWS::EC2::SecurityGroupEgress`, folded into its group's `egress`.
const EGRESS_RESOURCE: &[Prop] = &[
    All("CidrIp"),
    All("Description"),
    All("DestinationSecurityGroupId"),
    All("FromPort"),
    All("GroupId"),
    All("IpProtocol"),
    All("ToPort"),
];

/// A listener's or listener rule's action, as cairn's `default_action` and `action` keep it.
const ACTION: &[Prop] = &[
    All("FixedResponseConfig"),
    All("Order"),
    All("RedirectConfig"),
    All("TargetGroupArn"),
    All("Type"),
];

/// A container definition: the keys cairn's `container_definitions` maps (`ecs::containers`):
/// every key of ECS's container definitions (attrs group).
const CONTAINER: &[Prop] = &[
    All("Command"),
    All("Cpu"),
    All("CredentialSpecs"),
    All("DependsOn"),
    All("DisableNetworking"),
    All("DnsSearchDomains"),
    All("DnsServers"),
    All("DockerLabels"),
    All("DockerSecurityOptions"),
    All("EntryPoint"),
    All("Environment"),
    All("EnvironmentFiles"),
    All("Essential"),
    All("ExtraHosts"),
    All("FirelensConfiguration"),
    All("HealthCheck"),
    All("Hostname"),
    All("Image"),
    All("Interactive"),
    All("Links"),
    All("LinuxParameters"),
    Fields(
        "LogConfiguration",
        &[All("LogDriver"), All("Options"), All("SecretOptions")],
    ),
    All("Memory"),
    All("MemoryReservation"),
    All("MountPoints"),
    All("Name"),
    Fields(
        "PortMappings",
        &[
            All("AppProtocol"),
            All("ContainerPort"),
            All("ContainerPortRange"),
            All("HostPort"),
            All("Name"),
            All("Protocol"),
        ],
    ),
    All("Privileged"),
    All("PseudoTerminal"),
    All("ReadonlyRootFilesystem"),
    All("RepositoryCredentials"),
    All("ResourceRequirements"),
    All("RestartPolicy"),
    All("Secrets"),
    All("StartTimeout"),
    All("StopTimeout"),
    All("SystemControls"),
    All("Ulimits"),
    All("User"),
    All("VersionConsistency"),
    All("VolumesFrom"),
    All("WorkingDirectory"),
];

/// An EventBridge rule's target, as `aws_cloudwatch_event_target` keeps it.
pub(super) const EVENT_TARGET: &[Prop] = &[
    All("Arn"),
    All("Id"),
    All("Input"),
    All("InputPath"),
    All("RoleArn"),
    // attrs group: ECS tasks, input transformers, retries, dead letters, Run Command.
    All("DeadLetterConfig"),
    Fields(
        "EcsParameters",
        &[
            All("CapacityProviderStrategy"),
            All("EnableECSManagedTags"),
            All("EnableExecuteCommand"),
            All("Group"),
            All("LaunchType"),
            All("NetworkConfiguration"),
            All("PlacementConstraints"),
            All("PlacementStrategies"),
            All("PlatformVersion"),
            All("PropagateTags"),
            All("TagList"),
            All("TaskCount"),
            All("TaskDefinitionArn"),
        ],
    ),
    All("InputTransformer"),
    All("RetryPolicy"),
    All("RunCommandParameters"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudformation::{mapping, parse_template, Mapping};
    use serde_json::json;

    fn names(leftovers: &[Leftover]) -> Vec<&str> {
        leftovers.iter().map(|l| l.property.as_str()).collect()
    }

    #[test]
    fn every_type_adoption_maps_or_folds_says_what_it_carries_over() {
        let catalog = crate::shared_catalog();
        let mut cfn_types: Vec<&str> = catalog
            .types
            .values()
            .map(|s| s.cloudformation.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        cfn_types.extend([
            "AWS::EC2::VPCGatewayAttachment",
            "AWS::EC2::Route",
            "AWS::EC2::SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress",
            "AWS::IAM::Policy",
            "AWS::IAM::RolePolicy",
        ]);
        let mut listed: Vec<&str> = TYPES.iter().map(|(t, _)| *t).collect();
        listed.sort_unstable();
        listed.dedup();
        assert_eq!(listed.len(), TYPES.len(), "a type is listed twice");
        for t in &listed {
            assert_ne!(
                mapping(t),
                Mapping::Unsupported,
                "{t} is listed but not adopted"
            );
        }
        for t in cfn_types {
            assert_ne!(mapping(t), Mapping::Unsupported, "{t}");
            let props = translated(t).unwrap_or_else(|| panic!("{t} has no table"));
            // Where cairn has an attribute AWS does not return, that attribute exists.
            for p in props {
                if let Unread(_, attr) = p {
                    let Mapping::Type(cairn) = mapping(t) else {
                        panic!("{t}: only adopted types have attributes");
                    };
                    let schema = catalog.get(cairn).expect("schema");
                    assert!(schema.inputs.contains_key(*attr), "{t}: {attr}");
                }
            }
        }
    }

    #[test]
    fn what_cairn_cannot_represent_is_named_down_to_the_field() {
        let t = parse_template(
            r#"
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      LocalSecondaryIndexes: [{ IndexName: by-total }]
      KinesisStreamSpecification: { StreamArn: arn:aws:kinesis:us-east-1:1:stream/s }
      GlobalSecondaryIndexes:
        - IndexName: a
          ContributorInsightsSpecification: { Enabled: true }
        - IndexName: b
          ContributorInsightsSpecification: { Enabled: true }
      TableClass: !Ref AWS::NoValue
      StreamSpecification: !If [Streams, { StreamViewType: KEYS_ONLY, Extra: 1 }, !Ref AWS::NoValue]
      Tags: !If [Tagged, [{ Key: a, Value: b }], []]
  Lb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      LoadBalancerAttributes:
        - { Key: idle_timeout.timeout_seconds, Value: '30' }
        - { Key: routing.http2.enabled, Value: 'false' }
  Repo:
    Type: AWS::ECR::Repository
    Properties: { EmptyOnDelete: true }
  Topic:
    Type: AWS::Glue::Database
    Properties: { DatabaseInput: { Name: t } }
"#,
        )
        .expect("parses");
        let of = |id: &str| leftovers(t.resource(id).expect("resource"));
        assert_eq!(
            names(&of("Orders")),
            [
                "GlobalSecondaryIndexes.ContributorInsightsSpecification",
                "KinesisStreamSpecification",
                "StreamSpecification.Extra",
            ]
        );
        assert_eq!(
            of("Orders")[1].to_string(),
            "KinesisStreamSpecification (cairn cannot represent it yet)"
        );
        assert_eq!(
            names(&of("Lb")),
            ["LoadBalancerAttributes[routing.http2.enabled]"]
        );
        let repo = of("Repo");
        assert_eq!(repo[0].unread_as, Some("force_delete"));
        assert!(repo[0].why().contains("`force_delete`"), "{}", repo[0]);
        // A type cairn has no counterpart for is left out whole, not property by property.
        assert!(of("Topic").is_empty());
    }

    #[test]
    fn a_rule_target_s_own_settings_are_checked_as_the_target_s() {
        let target = json!({
            "Id": "report",
            "Arn": {"Fn::GetAtt": ["Cluster", "Arn"]},
            "RoleArn": "arn:aws:iam::1:role/r",
            "EcsParameters": {"TaskCount": 1, "ReferenceId": "r"},
            "RetryPolicy": {"MaximumRetryAttempts": 2},
            "HttpParameters": {"PathParameterValues": ["a"]},
        });
        assert_eq!(
            names(&target_leftovers(&target)),
            ["EcsParameters.ReferenceId", "HttpParameters"]
        );
        assert!(target_leftovers(&json!({"Id": "a", "Arn": "arn:x"})).is_empty());
    }
}
