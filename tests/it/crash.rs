//! Crash safety: cairn killed with SIGKILL at many points of an apply of `examples/spydor`
//! (network and compute) and of `examples/seren` (serverless), through a proxy that holds
//! back the answers to mutating calls, so kills land between AWS doing something and cairn
//! hearing of it; then applied again: AWS holds exactly one of each resource, state lists
//! exactly the stack's resources, and no manual step is needed.
//!
//! `CAIRN_KILL_POINTS=N` runs N kill points instead of the few CI runs.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cairn_testkit::{Faults, Proxy};

use crate::harness::{expect_code, serverless_inventory, Clients, World};

/// Kill points in a normal test run; `CAIRN_KILL_POINTS` asks for more.
const KILL_POINTS: usize = 5;

/// How many of each kind of thing exist in moto: the stack's types, counted with plain AWS
/// calls (defaults AWS makes by itself, such as a VPC's main route table, left out).
pub async fn inventory(c: &Clients) -> BTreeMap<&'static str, usize> {
    let mut n = BTreeMap::new();
    let vpcs = c.ec2.describe_vpcs().send().await.expect("vpcs");
    n.insert(
        "aws_vpc",
        vpcs.vpcs()
            .iter()
            .filter(|v| v.is_default() != Some(true))
            .count(),
    );
    let subnets = c.ec2.describe_subnets().send().await.expect("subnets");
    n.insert(
        "aws_subnet",
        subnets
            .subnets()
            .iter()
            .filter(|s| s.default_for_az() != Some(true))
            .count(),
    );
    let igws = c
        .ec2
        .describe_internet_gateways()
        .send()
        .await
        .expect("igws");
    n.insert("aws_internet_gateway", igws.internet_gateways().len());
    let tables = c.ec2.describe_route_tables().send().await.expect("tables");
    let is_main = |t: &aws_sdk_ec2::types::RouteTable| {
        t.associations().iter().any(|a| a.main() == Some(true))
    };
    n.insert(
        "aws_route_table",
        tables.route_tables().iter().filter(|t| !is_main(t)).count(),
    );
    n.insert(
        "aws_route_table_association",
        tables
            .route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .filter(|a| a.main() != Some(true) && a.subnet_id().is_some())
            .count(),
    );
    let groups = c.ec2.describe_security_groups().send().await.expect("sgs");
    n.insert(
        "aws_security_group",
        groups
            .security_groups()
            .iter()
            .filter(|g| g.group_name() != Some("default"))
            .count(),
    );
    let buckets = c.s3.list_buckets().send().await.expect("buckets");
    n.insert("aws_s3_bucket", buckets.buckets().len());
    let roles = c.iam.list_roles().send().await.expect("roles");
    n.insert("aws_iam_role", roles.roles().len());
    let mut attachments = 0;
    for role in roles.roles() {
        attachments += c
            .iam
            .list_attached_role_policies()
            .role_name(role.role_name())
            .send()
            .await
            .expect("attached")
            .attached_policies()
            .len();
    }
    n.insert("aws_iam_role_policy_attachment", attachments);
    let policies = c
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("policies");
    n.insert("aws_iam_policy", policies.policies().len());
    let lbs = c.elb.describe_load_balancers().send().await.expect("lbs");
    n.insert("aws_lb", lbs.load_balancers().len());
    let mut listeners = 0;
    for lb in lbs.load_balancers() {
        listeners += c
            .elb
            .describe_listeners()
            .load_balancer_arn(lb.load_balancer_arn().unwrap_or_default())
            .send()
            .await
            .expect("listeners")
            .listeners()
            .len();
    }
    n.insert("aws_lb_listener", listeners);
    let tgs = c.elb.describe_target_groups().send().await.expect("tgs");
    n.insert("aws_lb_target_group", tgs.target_groups().len());
    let clusters = c.ecs.list_clusters().send().await.expect("clusters");
    let (mut active_clusters, mut services) = (0, 0);
    if !clusters.cluster_arns().is_empty() {
        let described = c
            .ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .expect("describe clusters");
        for cluster in described.clusters() {
            if cluster.status() != Some("ACTIVE") {
                continue;
            }
            active_clusters += 1;
            services += c
                .ecs
                .list_services()
                .cluster(cluster.cluster_arn().unwrap_or_default())
                .send()
                .await
                .expect("services")
                .service_arns()
                .len();
        }
    }
    n.insert("aws_ecs_cluster", active_clusters);
    n.insert("aws_ecs_service", services);
    let tds = c
        .ecs
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .expect("task definitions");
    n.insert("aws_ecs_task_definition", tds.task_definition_arns().len());
    let dbs = c.rds.describe_db_instances().send().await.expect("dbs");
    n.insert("aws_db_instance", dbs.db_instances().len());
    let db_groups = c
        .rds
        .describe_db_subnet_groups()
        .send()
        .await
        .expect("db subnet groups");
    n.insert("aws_db_subnet_group", db_groups.db_subnet_groups().len());
    let fss = c.efs.describe_file_systems().send().await.expect("efs");
    n.insert("aws_efs_file_system", fss.file_systems().len());
    let mut mount_targets = 0;
    for fs in fss.file_systems() {
        mount_targets += c
            .efs
            .describe_mount_targets()
            .file_system_id(fs.file_system_id())
            .send()
            .await
            .expect("mount targets")
            .mount_targets()
            .len();
    }
    n.insert("aws_efs_mount_target", mount_targets);
    let logs = c
        .logs
        .describe_log_groups()
        .send()
        .await
        .expect("log groups");
    n.insert("aws_cloudwatch_log_group", logs.log_groups().len());
    n
}

/// The addresses `cairn state list` prints.
fn state_list(w: &World) -> Vec<String> {
    let run = w.cairn(&["state", "list"]);
    expect_code(&run, 0);
    run.stdout.lines().map(str::to_string).collect()
}

/// A fresh account: moto reset, no state (Lambda artifacts are made again by the next
/// load).
fn fresh(w: &World) {
    w.moto().reset();
    let _ = std::fs::remove_dir_all(w.path(".cairn"));
}

/// Everything of the network, compute and serverless types that exists.
async fn everything(c: &Clients) -> BTreeMap<&'static str, usize> {
    let mut n = inventory(c).await;
    n.extend(serverless_inventory(c).await);
    n
}

/// Every file under `.cairn` is the owner's only (files 0600, directories 0700).
fn private_files(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let meta = std::fs::metadata(&path).expect("meta");
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", path.display());
            private_files(&path);
        } else {
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
}

/// Starts `cairn apply --auto-approve` talking to AWS through `proxy`.
fn spawn_apply(w: &World, proxy: &Proxy) -> std::process::Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.arg("-C")
        .arg(w.dir.path())
        .args(["apply", "--auto-approve"]);
    for (k, v) in proxy.env() {
        cmd.env(k, v);
    }
    cmd.env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cairn")
}

/// What the state file's journal holds: `(operation, address)` of each pending entry.
fn journal(w: &World) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(w.path(".cairn/state.json")) else {
        return Vec::new();
    };
    let state: serde_json::Value = serde_json::from_str(&text).expect("state parses");
    state["pending"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|p| {
                    (
                        p["operation"].as_str().unwrap_or_default().to_string(),
                        p["address"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn spydor_killed_mid_apply_recovers_with_exactly_one_of_each() {
    killed_mid_apply_recovers("spydor", 42).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn seren_killed_mid_apply_recovers_with_exactly_one_of_each() {
    killed_mid_apply_recovers("seren", 39).await;
}

/// Kills `cairn apply` of `examples/<example>` (which has `resources` resources) at several
/// points, applies again after each, and checks AWS and state hold exactly the stack.
async fn killed_mid_apply_recovers(example: &str, resources: usize) {
    let points: usize = std::env::var("CAIRN_KILL_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(KILL_POINTS);
    let w = World::example(example);
    let c = w.clients().await;
    let proxy = Proxy::start(&w.moto().endpoint());
    proxy.set(Faults {
        mutating_latency: Duration::from_millis(150),
        ..Faults::default()
    });

    // The reference: one whole apply through the slow proxy, for its duration, the
    // addresses it records and what it leaves in AWS.
    fresh(&w);
    let started = Instant::now();
    let status = spawn_apply(&w, &proxy).wait().expect("wait");
    let full = started.elapsed();
    assert!(status.success(), "the reference apply succeeds");
    let addresses = state_list(&w);
    assert_eq!(addresses.len(), resources, "{addresses:?}");
    let expected = everything(&c).await;

    let mut mid_flight = 0;
    for k in 0..points {
        fresh(&w);
        // Spread over the apply, with a per-point offset so kills land at varied moments.
        let at = full.mul_f64((k as f64 + 0.5) / points as f64);
        let mut child = spawn_apply(&w, &proxy);
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let pending = journal(&w);
        if pending.iter().any(|(op, _)| op == "create") {
            mid_flight += 1;
        }

        if !pending.is_empty() {
            // Plans change nothing: without refresh the journal is shown as a warning; with
            // it, resolved in memory and said so. State stays as the killed run left it.
            let before = std::fs::read(w.path(".cairn/state.json")).expect("state");
            let offline = w.cairn(&["plan", "--refresh=false"]);
            expect_code(&offline, 0);
            assert!(offline.stdout.contains("did not finish"), "{offline:?}");
            let plan = w.cairn(&["plan"]);
            expect_code(&plan, 0);
            assert!(plan.stdout.contains("Recovered:"), "{plan:?}");
            assert_eq!(
                std::fs::read(w.path(".cairn/state.json")).expect("state"),
                before,
                "plan writes no state"
            );
        }
        let again = w.cairn(&["apply", "--auto-approve"]);
        expect_code(&again, 0);
        if !pending.is_empty() {
            assert!(
                again.stdout.contains("Recovered:"),
                "the journal is resolved and said so: {again:?}"
            );
        }
        assert_eq!(
            state_list(&w),
            addresses,
            "kill {k} at {at:?}: state lists exactly the stack's resources"
        );
        assert_eq!(
            everything(&c).await,
            expected,
            "kill {k} at {at:?} (journal {pending:?}): exactly one of each in AWS"
        );
        assert!(journal(&w).is_empty(), "the journal is empty again");
        let plan = w.cairn(&["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "kill {k}: nothing left to do: {plan:?}");
        // Nothing an interrupted write left stays behind, and all of it is private.
        let leftovers: Vec<String> = std::fs::read_dir(w.path(".cairn"))
            .expect(".cairn")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "kill {k}: {leftovers:?}");
        private_files(&w.path(".cairn"));
    }
    eprintln!("{example}: {points} kill points, {mid_flight} with a create in flight");
    assert!(
        mid_flight > 0,
        "at least one kill landed while a create was in flight"
    );
}
