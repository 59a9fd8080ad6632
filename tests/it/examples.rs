//! The seed systems as shipped in `examples/`: each applies with `apply --auto-approve` and no
//! other argument, re-plans empty, survives a change that AWS can only make by replacement
//! under a running dependent, and destroys to nothing, checked with plain AWS calls.

use crate::harness::{expect_code, serverless_leaves_nothing, Clients, World};

/// Applies the example as shipped and checks that a plan right after is empty.
async fn lifecycle(name: &str) -> (World, Clients) {
    let w = World::example(name);
    let c = w.clients().await;
    let apply = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&apply, 0);
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "a fresh apply re-plans empty: {plan:?}");
    let drift = w.cairn(&["drift"]);
    assert_eq!(
        drift.code, 0,
        "a fresh apply has no drift and nothing unmanaged: {drift:?}"
    );
    (w, c)
}

/// Destroys the stack and checks with plain AWS calls that nothing it made is left.
async fn destroy_leaves_nothing(w: &World, c: &Clients, project_tag: &str, role_prefix: &str) {
    let destroy = w.cairn(&["destroy", "--auto-approve"]);
    expect_code(&destroy, 0);
    let tag = aws_sdk_ec2::types::Filter::builder()
        .name("tag:Project")
        .values(project_tag)
        .build();
    let vpcs = c
        .ec2
        .describe_vpcs()
        .filters(tag.clone())
        .send()
        .await
        .expect("vpcs");
    assert!(vpcs.vpcs().is_empty(), "{:?}", vpcs.vpcs());
    let subnets = c
        .ec2
        .describe_subnets()
        .filters(tag.clone())
        .send()
        .await
        .expect("subnets");
    assert!(subnets.subnets().is_empty());
    let nats = c.ec2.describe_nat_gateways().send().await.expect("nat");
    assert!(nats
        .nat_gateways()
        .iter()
        .all(|n| n.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Deleted)));
    let addresses = c.ec2.describe_addresses().send().await.expect("eips");
    assert!(addresses.addresses().is_empty());
    let lbs = c.elb.describe_load_balancers().send().await.expect("lbs");
    assert!(lbs.load_balancers().is_empty());
    let tgs = c.elb.describe_target_groups().send().await.expect("tgs");
    assert!(tgs.target_groups().is_empty());
    let clusters = c.ecs.list_clusters().send().await.expect("clusters");
    let described = if clusters.cluster_arns().is_empty() {
        Vec::new()
    } else {
        c.ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .expect("describe clusters")
            .clusters()
            .to_vec()
    };
    assert!(
        described.iter().all(|c| c.status() == Some("INACTIVE")),
        "{described:?}"
    );
    let dbs = c.rds.describe_db_instances().send().await.expect("dbs");
    assert!(dbs.db_instances().is_empty());
    let groups = c
        .rds
        .describe_db_subnet_groups()
        .send()
        .await
        .expect("db subnet groups");
    assert!(groups.db_subnet_groups().is_empty());
    let fss = c.efs.describe_file_systems().send().await.expect("efs");
    assert!(fss.file_systems().is_empty());
    let logs = c
        .logs
        .describe_log_groups()
        .send()
        .await
        .expect("log groups");
    assert!(logs.log_groups().is_empty());
    let roles = c.iam.list_roles().send().await.expect("roles");
    assert!(
        roles
            .roles()
            .iter()
            .all(|r| !r.role_name().starts_with(role_prefix)),
        "{:?}",
        roles.roles()
    );
    let buckets = c.s3.list_buckets().send().await.expect("buckets");
    assert!(buckets.buckets().is_empty());
    serverless_leaves_nothing(c).await;
    let state = w.cairn(&["state", "list"]);
    expect_code(&state, 0);
    assert!(state.stdout.trim().is_empty(), "{state:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn foundry_applies_replans_empty_and_destroys_clean() {
    let (w, c) = lifecycle("foundry").await;
    let state = w.cairn(&["state", "list"]);
    for address in [
        "module.network.aws_nat_gateway.main[\"shared\"]",
        "module.network.aws_route_table_association.private_shared[\"us-east-1b\"]",
        "aws_efs_mount_target.private[\"us-east-1b\"]",
        "aws_lb_listener.https",
        "aws_iam_role.execution",
        "aws_dynamodb_table.instances",
        "aws_lambda_function.instance_management",
        "aws_cloudwatch_event_target.session_prep",
        "aws_lambda_permission.auto_shutdown",
        "aws_route53_zone.platform",
        "aws_acm_certificate_validation.wildcard",
        "aws_route53_record.platform",
    ] {
        assert!(
            state.stdout.lines().any(|l| l == address),
            "{address}: {state:?}"
        );
    }
    foundry_schedules_reach_the_function(&c).await;
    // The HTTPS listener serves the wildcard certificate ACM issued after the DNS validation,
    // and the platform's domain points at the load balancer.
    let certificate = issued_certificate(&c, "*.foundry.example.com").await;
    let lbs = c.elb.describe_load_balancers().send().await.expect("lbs");
    let lb = &lbs.load_balancers()[0];
    let listeners = c
        .elb
        .describe_listeners()
        .load_balancer_arn(lb.load_balancer_arn().unwrap_or_default())
        .send()
        .await
        .expect("listeners");
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .expect("https listener");
    assert_eq!(
        https.certificates()[0].certificate_arn(),
        Some(certificate.as_str())
    );
    let alias = alias_of(&c, "foundry.example.com").await;
    assert_eq!(
        alias.dns_name().trim_end_matches('.').to_lowercase(),
        lb.dns_name().unwrap_or_default().to_lowercase()
    );
    destroy_leaves_nothing(&w, &c, "foundry-vtt", "foundry-").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn spydor_applies_replaces_its_task_definition_under_the_service_and_destroys_clean() {
    let (w, c) = lifecycle("spydor").await;
    // HTTPS on the certificate the stack uploaded to IAM; the alarms notify the topic.
    let uploaded = c
        .iam
        .list_server_certificates()
        .send()
        .await
        .expect("server certificates");
    let certificate = &uploaded.server_certificate_metadata_list()[0];
    assert!(certificate
        .server_certificate_name()
        .starts_with("spydor-infra-"));
    let lbs = c.elb.describe_load_balancers().send().await.expect("lbs");
    let listeners = c
        .elb
        .describe_listeners()
        .load_balancer_arn(
            lbs.load_balancers()[0]
                .load_balancer_arn()
                .unwrap_or_default(),
        )
        .send()
        .await
        .expect("listeners");
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .expect("https listener");
    assert_eq!(
        https.certificates()[0].certificate_arn(),
        Some(certificate.arn())
    );
    alarms_notify(&c, "spydor-infra-", "spydor-infra-alarms", 5).await;
    // A service scaled by hand is reported exactly: that attribute, both values.
    c.ecs
        .update_service()
        .cluster("spydor-infra-cluster")
        .service("spydor-infra-service")
        .desired_count(5)
        .send()
        .await
        .expect("scale");
    let drift = w.cairn(&["drift", "--format", "json"]);
    expect_code(&drift, 2);
    let report = drift.json();
    let resources = report["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 1, "{report:#}");
    assert_eq!(resources[0]["address"], "aws_ecs_service.app");
    assert_eq!(resources[0]["attributes"].as_array().map(Vec::len), Some(1));
    assert_eq!(resources[0]["attributes"][0]["path"], "desired_count");
    assert_eq!(resources[0]["attributes"][0]["recorded"], 2);
    assert_eq!(resources[0]["attributes"][0]["actual"], 5);
    assert_eq!(report["unmanaged"].as_array().map(Vec::len), Some(0));
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["drift"]), 0);
    // A new image is a new task definition revision: created first, the service moved onto
    // it, then the old revision deregistered.
    w.edit("app.toml", "nginx/nginx:1.27", "nginx/nginx:1.28");
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    let actions: Vec<(String, String)> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or("").to_string(),
                c["action"].as_str().unwrap_or("").to_string(),
            )
        })
        .filter(|(_, a)| a != "no-op")
        .collect();
    assert_eq!(
        actions,
        vec![
            (
                "aws_ecs_task_definition.app".to_string(),
                "replace".to_string()
            ),
            ("aws_ecs_service.app".to_string(), "update".to_string()),
        ],
        "{plan}"
    );
    let apply = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&apply, 0);
    let created = apply
        .stdout
        .find("aws_ecs_task_definition.app: Created")
        .expect("created");
    let moved = apply
        .stdout
        .find("aws_ecs_service.app: Updated")
        .expect("service updated");
    let deregistered = apply
        .stdout
        .rfind("aws_ecs_task_definition.app")
        .expect("old one");
    assert!(created < moved && moved < deregistered, "{apply:?}");
    let again = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");
    let service = c
        .ecs
        .describe_services()
        .cluster("spydor-infra-cluster")
        .services("spydor-infra-service")
        .send()
        .await
        .expect("service");
    let td = service.services()[0]
        .task_definition()
        .unwrap_or_default()
        .to_string();
    assert!(td.ends_with(":2"), "{td}");
    destroy_leaves_nothing(&w, &c, "spydor", "spydor-").await;
}

/// The ARN of the certificate ACM issued for `domain`.
async fn issued_certificate(c: &Clients, domain: &str) -> String {
    let listed = c
        .acm
        .list_certificates()
        .send()
        .await
        .expect("certificates");
    let summary = listed
        .certificate_summary_list()
        .iter()
        .find(|s| s.domain_name() == Some(domain))
        .unwrap_or_else(|| panic!("no certificate for {domain}: {listed:?}"));
    let arn = summary.certificate_arn().unwrap_or_default().to_string();
    let described = c
        .acm
        .describe_certificate()
        .certificate_arn(&arn)
        .send()
        .await
        .expect("certificate");
    assert_eq!(
        described.certificate().and_then(|d| d.status()),
        Some(&aws_sdk_acm::types::CertificateStatus::Issued)
    );
    arn
}

/// The alias target of the A record `name`, in the hosted zone of that name.
async fn alias_of(c: &Clients, name: &str) -> aws_sdk_route53::types::AliasTarget {
    let zones = c.route53.list_hosted_zones().send().await.expect("zones");
    let zone = zones
        .hosted_zones()
        .iter()
        .find(|z| z.name().trim_end_matches('.') == name)
        .unwrap_or_else(|| panic!("no zone {name}: {zones:?}"));
    let sets = c
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone.id())
        .send()
        .await
        .expect("records");
    let record = sets
        .resource_record_sets()
        .iter()
        .find(|r| {
            r.name().trim_end_matches('.') == name
                && r.r#type() == &aws_sdk_route53::types::RrType::A
        })
        .unwrap_or_else(|| panic!("no A record {name}: {sets:?}"));
    record.alias_target().expect("an alias").clone()
}

/// The API answers at `domain`: its certificate issued, the custom domain name on it with the
/// API's stage mapped at its root, and the domain's A record an alias of the domain name's
/// regional endpoint.
async fn custom_domain_serves(c: &Clients, domain: &str, api_id: &str) {
    let certificate = issued_certificate(c, domain).await;
    let got = c
        .apigateway
        .get_domain_name()
        .domain_name(domain)
        .send()
        .await
        .expect("domain name");
    let configuration = &got.domain_name_configurations()[0];
    assert_eq!(configuration.certificate_arn(), Some(certificate.as_str()));
    let mappings = c
        .apigateway
        .get_api_mappings()
        .domain_name(domain)
        .send()
        .await
        .expect("mappings");
    assert_eq!(mappings.items().len(), 1, "{mappings:?}");
    assert_eq!(mappings.items()[0].api_id(), Some(api_id));
    let alias = alias_of(c, domain).await;
    assert_eq!(
        alias.dns_name().trim_end_matches('.'),
        configuration
            .api_gateway_domain_name()
            .unwrap_or_default()
            .trim_end_matches('.')
    );
    assert_eq!(Some(alias.hosted_zone_id()), configuration.hosted_zone_id());
}

/// Every alarm whose name starts with `prefix` (`count` of them) notifies the topic `topic`
/// when it fires and when it clears.
async fn alarms_notify(c: &Clients, prefix: &str, topic: &str, count: usize) {
    let topics = c.sns.list_topics().send().await.expect("topics");
    let arn = topics
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .find(|a| a.ends_with(&format!(":{topic}")))
        .unwrap_or_else(|| panic!("no topic {topic}: {topics:?}"))
        .to_string();
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_name_prefix(prefix)
        .send()
        .await
        .expect("alarms");
    assert_eq!(alarms.metric_alarms().len(), count, "{alarms:?}");
    for alarm in alarms.metric_alarms() {
        assert_eq!(
            alarm.alarm_actions(),
            std::slice::from_ref(&arn),
            "{alarm:?}"
        );
        assert_eq!(alarm.ok_actions(), std::slice::from_ref(&arn), "{alarm:?}");
    }
}

/// The EventBridge schedules of Foundry's management layer invoke its function with their
/// action, and the function may be invoked by them.
async fn foundry_schedules_reach_the_function(c: &Clients) {
    for (rule, schedule, action) in [
        ("foundry-auto-shutdown", "rate(5 minutes)", "autoShutdown"),
        ("foundry-session-prep", "rate(1 minute)", "prepareSessions"),
    ] {
        let described = c
            .events
            .describe_rule()
            .name(rule)
            .send()
            .await
            .expect("rule");
        assert_eq!(described.schedule_expression(), Some(schedule));
        let targets = c
            .events
            .list_targets_by_rule()
            .rule(rule)
            .send()
            .await
            .expect("targets");
        let target = &targets.targets()[0];
        assert!(target
            .arn()
            .ends_with(":function:foundry-instance-management"));
        let input: serde_json::Value =
            serde_json::from_str(target.input().unwrap_or("null")).expect("JSON input");
        assert_eq!(input["action"], action);
    }
    let policy = c
        .lambda
        .get_policy()
        .function_name("foundry-instance-management")
        .send()
        .await
        .expect("policy");
    let policy = policy.policy().unwrap_or_default();
    assert!(
        policy.contains("AllowAutoShutdownRule") && policy.contains("AllowSessionPrepRule"),
        "{policy}"
    );
}

/// Seren: the API's three routes reach the coordinator through one integration, the stage is
/// throttled as the seed says, the queue sends failures to its dead-letter queue, and the API
/// key is a SecureString no file of the stack holds.
#[tokio::test(flavor = "multi_thread")]
async fn seren_applies_replans_empty_and_destroys_clean() {
    let (w, c) = lifecycle("seren").await;
    let outputs = w.cairn(&["output", "--json"]);
    expect_code(&outputs, 0);
    let endpoint = outputs.json()["api_endpoint"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        endpoint.starts_with("https://")
            && endpoint.ends_with(".execute-api.us-east-1.amazonaws.com/"),
        "{endpoint}"
    );
    let apis = c.apigateway.get_apis().send().await.expect("apis");
    let api = &apis.items()[0];
    let api_id = api.api_id().unwrap_or_default();
    let routes = c
        .apigateway
        .get_routes()
        .api_id(api_id)
        .send()
        .await
        .expect("routes");
    let mut keys: Vec<&str> = routes
        .items()
        .iter()
        .filter_map(|r| r.route_key())
        .collect();
    keys.sort();
    assert_eq!(keys, ["GET /health", "GET /jobs/{job_id}", "POST /jobs"]);
    let integrations = c
        .apigateway
        .get_integrations()
        .api_id(api_id)
        .send()
        .await
        .expect("integrations");
    let integration = &integrations.items()[0];
    assert!(integration
        .integration_uri()
        .unwrap_or_default()
        .contains(":function:seren-replication-coordinator/invocations"));
    for r in routes.items() {
        assert_eq!(
            r.target(),
            Some(
                format!(
                    "integrations/{}",
                    integration.integration_id().unwrap_or_default()
                )
                .as_str()
            )
        );
    }
    let stage = c
        .apigateway
        .get_stage()
        .api_id(api_id)
        .stage_name("$default")
        .send()
        .await
        .expect("stage");
    let throttling = stage.default_route_settings().expect("route settings");
    assert_eq!(throttling.throttling_rate_limit(), Some(1000.0));
    let queue = c
        .sqs
        .get_queue_url()
        .queue_name("seren-replication-provisioning")
        .send()
        .await
        .expect("queue");
    let attributes = c
        .sqs
        .get_queue_attributes()
        .queue_url(queue.queue_url().unwrap_or_default())
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .expect("attributes");
    let redrive = attributes
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy))
        .cloned()
        .unwrap_or_default();
    assert!(
        redrive.contains("seren-replication-provisioning-dlq"),
        "{redrive}"
    );
    let profile = c
        .iam
        .get_instance_profile()
        .instance_profile_name("seren-replication-worker")
        .send()
        .await
        .expect("instance profile");
    let roles: Vec<&str> = profile
        .instance_profile()
        .map(|p| p.roles().iter().map(|r| r.role_name()).collect())
        .unwrap_or_default();
    assert_eq!(roles, ["seren-replication-worker"]);
    let mappings = c
        .lambda
        .list_event_source_mappings()
        .send()
        .await
        .expect("mappings");
    let [mapping] = mappings.event_source_mappings() else {
        panic!("one event source mapping: {mappings:?}");
    };
    assert!(
        mapping
            .event_source_arn()
            .is_some_and(|a| a.ends_with(":seren-replication-provisioning"))
            && mapping
                .function_arn()
                .is_some_and(|a| a.ends_with(":function:seren-replication-provisioner")),
        "{mapping:?}"
    );
    let key = c
        .ssm
        .get_parameter()
        .name("/seren-replication/api-key")
        .with_decryption(true)
        .send()
        .await
        .expect("parameter");
    let key = key.parameter().expect("parameter");
    assert_eq!(
        key.r#type(),
        Some(&aws_sdk_ssm::types::ParameterType::SecureString)
    );
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    assert!(!state.contains(key.value().unwrap_or("sk_test_replace_me")));
    custom_domain_serves(&c, "api.seren.cloud", api_id).await;
    destroy_leaves_nothing(&w, &c, "seren-replication", "seren-").await;
}

/// spawn: the composite-key alert history table, encrypted buckets closed to the public, and
/// functions on the custom runtime with the seed's environment.
#[tokio::test(flavor = "multi_thread")]
async fn spawn_applies_replans_empty_and_destroys_clean() {
    let (w, c) = lifecycle("spawn").await;
    let table = c
        .dynamodb
        .describe_table()
        .table_name("my-spawn-alert-history")
        .send()
        .await
        .expect("table");
    let keys: Vec<(String, String)> = table
        .table()
        .map(|t| t.key_schema())
        .unwrap_or_default()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_string(),
                k.key_type().as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("alert_id".into(), "HASH".into()),
            ("timestamp".into(), "RANGE".into())
        ]
    );
    // One stack, two regions: each region's buckets made with that region's provider.
    for bucket in [
        "my-spawn-binaries-us-east-1",
        "my-spawn-schedules-us-east-1",
        "my-spawn-binaries-us-west-2",
        "my-spawn-schedules-us-west-2",
    ] {
        let region = if bucket.ends_with("us-west-2") {
            "us-west-2"
        } else {
            "us-east-1"
        };
        assert_eq!(
            crate::harness::bucket_region(&c.s3, bucket).await,
            region,
            "{bucket}"
        );
        let block =
            c.s3.get_public_access_block()
                .bucket(bucket)
                .send()
                .await
                .expect("public access block");
        let block = block
            .public_access_block_configuration()
            .expect("configuration");
        assert_eq!(block.block_public_acls(), Some(true));
        assert_eq!(block.restrict_public_buckets(), Some(true));
    }
    let function = c
        .lambda
        .get_function_configuration()
        .function_name("my-spawn-scheduler-handler")
        .send()
        .await
        .expect("function");
    assert_eq!(function.runtime().map(|r| r.as_str()), Some("provided.al2"));
    assert_eq!(function.timeout(), Some(300));
    let env = function
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        env.get("SPAWN_SCHEDULES_TABLE").map(String::as_str),
        Some("my-spawn-schedules")
    );
    assert_eq!(
        env.get("SPAWN_ORCHESTRATOR_FUNCTION_NAME")
            .map(String::as_str),
        Some("my-spawn-sweep-orchestrator")
    );
    assert_eq!(
        env.get("SPAWN_ACCOUNT_ID").map(String::as_str),
        Some("123456789012"),
        "the account of the credentials, read while planning"
    );
    let plan = w.cairn(&["plan", "--format", "json"]);
    expect_code(&plan, 0);
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    assert!(
        state.contains("\"provider\": \"us_west_2\""),
        "the western buckets record their provider"
    );
    // The High baseline: a trail of every region into its own bucket, and the VPC endpoints
    // for DynamoDB and S3 on the default VPC's main route table.
    let high = ["--var", "high_baseline=true"];
    expect_code(
        &w.cairn(&[&["apply", "--auto-approve"][..], &high[..]].concat()),
        0,
    );
    let again = w.cairn(&[&["plan", "--detailed-exitcode"][..], &high[..]].concat());
    assert_eq!(again.code, 0, "{again:?}");
    let trails = c.cloudtrail.describe_trails().send().await.expect("trails");
    let trail = &trails.trail_list()[0];
    assert_eq!(trail.name(), Some("spawn-infrastructure-trail"));
    assert_eq!(trail.is_multi_region_trail(), Some(true));
    assert_eq!(trail.log_file_validation_enabled(), Some(true));
    assert!(trail
        .s3_bucket_name()
        .is_some_and(|b| b.starts_with("my-spawn-cloudtrail-")));
    let vpcs = c
        .ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("is-default")
                .values("true")
                .build(),
        )
        .send()
        .await
        .expect("default vpc");
    let default_vpc = vpcs.vpcs()[0].vpc_id().unwrap_or_default();
    let endpoints = c
        .ec2
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("endpoints");
    let mut services: Vec<&str> = endpoints
        .vpc_endpoints()
        .iter()
        .filter(|e| e.vpc_id() == Some(default_vpc))
        .filter_map(|e| e.service_name())
        .collect();
    services.sort();
    assert_eq!(
        services,
        [
            "com.amazonaws.us-east-1.dynamodb",
            "com.amazonaws.us-east-1.s3"
        ]
    );
    destroy_leaves_nothing(&w, &c, "spawn", "my-spawn-").await;
}

/// Phoney: a container-image function from the stack's repository behind a CORS-enabled,
/// throttled API, its configuration under /phoney/dev/.
#[tokio::test(flavor = "multi_thread")]
async fn phoney_applies_replans_empty_and_destroys_clean() {
    let (w, c) = lifecycle("phoney").await;
    let function = c
        .lambda
        .get_function()
        .function_name("phoney-dev")
        .send()
        .await
        .expect("function");
    let config = function.configuration().expect("configuration");
    assert_eq!(config.package_type().map(|p| p.as_str()), Some("Image"));
    assert_eq!(config.memory_size(), Some(256));
    assert_eq!(
        function
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        Some(100)
    );
    assert_eq!(
        config.tracing_config().and_then(|t| t.mode()),
        Some(&aws_sdk_lambda::types::TracingMode::Active)
    );
    let dashboard = c
        .cloudwatch
        .get_dashboard()
        .dashboard_name("phoney-dev")
        .send()
        .await
        .expect("dashboard");
    let body: serde_json::Value =
        serde_json::from_str(dashboard.dashboard_body().unwrap_or("{}")).expect("body");
    assert_eq!(body["widgets"].as_array().map(Vec::len), Some(5), "{body}");
    assert_eq!(
        body["widgets"][0]["properties"]["metrics"][0][3],
        "phoney-dev"
    );
    assert!(
        body["widgets"][4]["properties"]["query"]
            .as_str()
            .is_some_and(|q| q.starts_with("SOURCE '/aws/lambda/phoney-dev'")),
        "{body}"
    );
    let image = function
        .code()
        .and_then(|c| c.image_uri())
        .unwrap_or_default();
    assert!(
        image.ends_with(".dkr.ecr.us-east-1.amazonaws.com/phoney-dev:latest"),
        "{image}"
    );
    let apis = c.apigateway.get_apis().send().await.expect("apis");
    let cors = apis.items()[0].cors_configuration().expect("cors");
    assert_eq!(cors.allow_origins(), ["http://localhost:3000"]);
    let params = c
        .ssm
        .get_parameters_by_path()
        .path("/phoney/dev/")
        .send()
        .await
        .expect("parameters");
    let mut names: Vec<&str> = params
        .parameters()
        .iter()
        .filter_map(|p| p.name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "/phoney/dev/API_USERNAME",
            "/phoney/dev/CORS_ORIGINS",
            "/phoney/dev/RATE_LIMIT_PER_MINUTE",
            "/phoney/dev/SECRET_KEY",
        ]
    );
    let api_id = apis.items()[0].api_id().unwrap_or_default();
    custom_domain_serves(&c, "api.phoney.example.com", api_id).await;
    alarms_notify(&c, "phoney-dev-", "phoney-dev-alarms", 4).await;
    destroy_leaves_nothing(&w, &c, "phoney", "phoney-").await;
}

/// web on network: two stacks joined by a stack reference — the application stack reads the
/// network stack's outputs from its state; each applies and re-plans empty, and they are
/// destroyed in order, the application first.
#[tokio::test(flavor = "multi_thread")]
async fn web_on_network_joined_by_a_stack_reference() {
    let w = World::examples(&["network", "web"]);
    expect_code(&w.cairn_in("network", &["apply", "--auto-approve"]), 0);
    let plan = w.cairn_in("web", &["plan"]);
    expect_code(&plan, 0);
    assert!(
        plan.stdout.contains("data.cairn_stack.network (used by"),
        "{plan:?}"
    );
    expect_code(&w.cairn_in("web", &["apply", "--auto-approve"]), 0);
    for stack in ["network", "web"] {
        let again = w.cairn_in(stack, &["plan", "--detailed-exitcode"]);
        assert_eq!(again.code, 0, "{stack} re-plans empty: {again:?}");
    }
    let c = w.clients().await;
    let lbs = c
        .elb
        .describe_load_balancers()
        .names("web")
        .send()
        .await
        .expect("load balancer");
    let vpc = w.cairn_in("network", &["output", "vpc_id"]);
    assert_eq!(
        lbs.load_balancers().first().and_then(|l| l.vpc_id()),
        Some(vpc.stdout.trim()),
        "the load balancer is in the network stack's VPC"
    );
    expect_code(&w.cairn_in("web", &["destroy", "--auto-approve"]), 0);
    expect_code(&w.cairn_in("network", &["destroy", "--auto-approve"]), 0);
}
