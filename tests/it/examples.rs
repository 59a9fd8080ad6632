//! The seed systems as shipped in `examples/`: each applies with `apply --auto-approve` and no
//! other argument, re-plans empty, survives a change that AWS can only make by replacement
//! under a running dependent, and destroys to nothing, checked with plain AWS calls.

use crate::harness::{expect_code, Clients, World};

/// The HTTPS listeners' certificate exists before the stack, as in the seed documents
/// (uploaded to IAM).
pub async fn upload_certificate(c: &Clients, name: &str) {
    c.iam
        .upload_server_certificate()
        .server_certificate_name(name)
        .certificate_body("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----")
        .private_key("-----BEGIN PRIVATE KEY-----\ntest\n-----END PRIVATE KEY-----")
        .send()
        .await
        .expect("upload certificate");
}

/// Applies the example as shipped and checks that a plan right after is empty.
async fn lifecycle(name: &str, certificate: Option<&str>) -> (World, Clients) {
    let w = World::example(name);
    let c = w.clients().await;
    if let Some(certificate) = certificate {
        upload_certificate(&c, certificate).await;
    }
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

/// Nothing of the serverless types is left (each test has its own moto, so all of them): KMS
/// keys only wait for their deletion, which AWS cannot do at once.
async fn serverless_leaves_nothing(c: &Clients) {
    let functions = c.lambda.list_functions().send().await.expect("functions");
    assert!(functions.functions().is_empty(), "{functions:?}");
    let tables = c.dynamodb.list_tables().send().await.expect("tables");
    assert!(tables.table_names().is_empty(), "{tables:?}");
    let queues = c.sqs.list_queues().send().await.expect("queues");
    assert!(queues.queue_urls().is_empty(), "{queues:?}");
    let apis = c.apigateway.get_apis().send().await.expect("apis");
    assert!(apis.items().is_empty(), "{apis:?}");
    let rules = c.events.list_rules().send().await.expect("rules");
    assert!(rules.rules().is_empty(), "{rules:?}");
    let alarms = c.cloudwatch.describe_alarms().send().await.expect("alarms");
    assert!(alarms.metric_alarms().is_empty(), "{alarms:?}");
    let repos = c
        .ecr
        .describe_repositories()
        .send()
        .await
        .expect("repositories");
    assert!(repos.repositories().is_empty(), "{repos:?}");
    let params = c
        .ssm
        .describe_parameters()
        .send()
        .await
        .expect("parameters");
    assert!(params.parameters().is_empty(), "{params:?}");
    let secrets = c
        .secretsmanager
        .list_secrets()
        .send()
        .await
        .expect("secrets");
    assert!(secrets.secret_list().is_empty(), "{secrets:?}");
    let policies = c
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("policies");
    assert!(policies.policies().is_empty(), "{policies:?}");
    // moto makes keys of its own (RDS's default key): only those cairn made count, and a
    // key cairn deleted is pending deletion.
    for key in c.kms.list_keys().send().await.expect("keys").keys() {
        let id = key.key_id().unwrap_or_default();
        let tags = c
            .kms
            .list_resource_tags()
            .key_id(id)
            .send()
            .await
            .expect("key tags");
        let described = c
            .kms
            .describe_key()
            .key_id(id)
            .send()
            .await
            .expect("describe key");
        let state = described.key_metadata().and_then(|m| m.key_state());
        assert!(
            state == Some(&aws_sdk_kms::types::KeyState::PendingDeletion)
                || !tags.tags().iter().any(|t| t.tag_key() == "cairn:stack"),
            "{described:?} {tags:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn foundry_applies_replans_empty_and_destroys_clean() {
    let (w, c) = lifecycle("foundry", Some("foundry-wildcard")).await;
    let state = w.cairn(&["state", "list"]);
    for address in [
        "module.network.aws_nat_gateway.main[\"shared\"]",
        "module.network.aws_route_table_association.private_shared[\"us-east-1b\"]",
        "aws_efs_mount_target.private[\"us-east-1b\"]",
        "aws_lb_listener.https",
        "aws_iam_role.execution",
    ] {
        assert!(
            state.stdout.lines().any(|l| l == address),
            "{address}: {state:?}"
        );
    }
    destroy_leaves_nothing(&w, &c, "foundry-vtt", "foundry-").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn spydor_applies_replaces_its_task_definition_under_the_service_and_destroys_clean() {
    let (w, c) = lifecycle("spydor", Some("spydor")).await;
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
