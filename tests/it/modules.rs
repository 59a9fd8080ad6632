//! The language's repetition and reuse against moto: the network module of
//! `examples/modules/vpc` in each of its NAT layouts, called with `for_each`-built inputs from
//! locals; apply, a re-plan with no changes, and destroy.

use crate::harness::{examples_dir, expect_code, Clients, World};

/// A stack that calls the network module over `zones` with `nat`, and puts one security
/// group in each private subnet's zone (for_each over the module's subnets by zone).
fn network(zones: &[&str], nat: &str) -> String {
    let list: Vec<String> = zones.iter().map(|z| format!("\"{z}\"")).collect();
    let cidrs = |base: usize| -> String {
        let items: Vec<String> = zones
            .iter()
            .enumerate()
            .map(|(i, z)| format!("\"{z}\" = \"10.0.{}.0/24\"", base + i))
            .collect();
        format!("{{ {} }}", items.join(", "))
    };
    format!(
        r#"[stack]
name = "modules"

[locals]
zones = [{zones}]
private = {private}

[module.net]
source = "{modules}/vpc"
name = "t"
cidr = "10.0.0.0/16"
azs = "${{local.zones}}"
public_subnets = {public}
private_subnets = "${{local.private}}"
nat = "{nat}"

[aws_security_group.zone]
for_each = "${{local.zones}}"
name = "zone-${{each.key}}"
description = "one per zone"
vpc_id = "${{module.net.private_subnets[each.key].vpc_id}}"
tags = {{ Subnet = "${{module.net.private_subnets[each.key].id}}" }}

[output.private_subnet_ids]
value = "${{module.net.private_subnet_ids}}"
"#,
        zones = list.join(", "),
        private = cidrs(100),
        public = cidrs(0),
        modules = examples_dir().join("modules").display(),
    )
}

async fn count(c: &Clients) -> (usize, usize, usize) {
    let nats = c
        .ec2
        .describe_nat_gateways()
        .send()
        .await
        .expect("nat gateways")
        .nat_gateways()
        .iter()
        .filter(|n| n.state().is_some_and(|s| s.as_str() == "available"))
        .count();
    let subnets = c
        .ec2
        .describe_subnets()
        .send()
        .await
        .expect("subnets")
        .subnets()
        .iter()
        .filter(|s| s.default_for_az() != Some(true))
        .count();
    let tables = c
        .ec2
        .describe_route_tables()
        .send()
        .await
        .expect("route tables")
        .route_tables()
        .iter()
        .filter(|t| !t.associations().iter().any(|a| a.main() == Some(true)))
        .count();
    (nats, subnets, tables)
}

async fn check(zones: &[&str], nat: &str, expected: (usize, usize, usize)) {
    let text = network(zones, nat);
    let w = World::files(&[("main.toml", &text)]);
    let c = w.clients().await;
    let apply = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&apply, 0);
    assert_eq!(
        count(&c).await,
        expected,
        "{nat}: (NAT gateways, subnets, route tables)"
    );
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{nat}: re-plans empty: {plan:?}");
    let out = w.cairn(&["output", "private_subnet_ids", "--json"]);
    expect_code(&out, 0);
    assert_eq!(
        out.stdout.matches("subnet-").count(),
        zones.len(),
        "{out:?}"
    );
    let state = w.cairn(&["state", "list"]);
    let first = format!("module.net.aws_subnet.private[\"{}\"]", zones[0]);
    assert!(state.stdout.lines().any(|l| l == first), "{state:?}");
    let destroy = w.cairn(&["destroy", "--auto-approve"]);
    expect_code(&destroy, 0);
    assert_eq!(count(&c).await, (0, 0, 0), "{nat}: destroyed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_network_module_with_a_nat_gateway_per_zone() {
    // Three zones: 3 NAT gateways, 6 subnets, a public table and 3 private ones.
    check(
        &["us-east-1a", "us-east-1b", "us-east-1c"],
        "per_az",
        (3, 6, 4),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_network_module_with_one_shared_nat_gateway() {
    check(&["us-east-1a", "us-east-1b"], "single", (1, 4, 2)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_network_module_without_nat() {
    check(&["us-east-1a", "us-east-1b"], "none", (0, 4, 2)).await;
}
