//! The language's repetition and reuse against moto: the network module of
//! `examples/modules/vpc` in each of its NAT layouts, called with `for_each`-built inputs from
//! locals; apply, a re-plan with no changes, and destroy. And resources moved into a module
//! (as a `for_each` instance) and out again without being replaced.

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

const ROOT_LAYOUT: &str = r#"[stack]
name = "moving"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"
tags = { Name = "moving" }

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"
"#;

const MODULE: &str = r#"[variable.subnets]
type = "map(string)"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"
tags = { Name = "moving" }

[aws_subnet.s]
for_each = "${var.subnets}"
vpc_id = "${aws_vpc.main.id}"
cidr_block = "${each.value}"
availability_zone = "${each.key}"

[output.vpc_id]
value = "${aws_vpc.main.id}"
"#;

const MODULE_LAYOUT: &str = r#"[stack]
name = "moving"

[module.net]
source = "net"
subnets = { "us-east-1a" = "10.0.1.0/24" }

[[moved]]
from = "aws_vpc.main"
to = "module.net.aws_vpc.main"

[[moved]]
from = "aws_subnet.a"
to = 'module.net.aws_subnet.s["us-east-1a"]'
"#;

/// Addresses and actions of a JSON plan's changes, and the addresses they moved from.
fn changes(w: &World) -> Vec<(String, String, String)> {
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let field = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (field("address"), field("action"), field("moved_from"))
        })
        .collect()
}

fn ids(w: &World) -> Vec<String> {
    let state = std::fs::read_to_string(w.path(".cairn/state.json")).expect("state");
    let json: serde_json::Value = serde_json::from_str(&state).expect("JSON");
    let mut ids: Vec<String> = json["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn moved_blocks_take_resources_into_a_module_and_out_again() {
    let w = World::files(&[("main.toml", ROOT_LAYOUT)]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let before = ids(&w);

    // Into a module, the subnet becoming a for_each instance.
    std::fs::create_dir_all(w.path("net")).expect("mkdir");
    std::fs::write(w.path("net/main.toml"), MODULE).expect("module");
    std::fs::write(w.path("main.toml"), MODULE_LAYOUT).expect("stack");
    let mut moved = changes(&w);
    moved.sort();
    let expected = [
        ("module.net.aws_subnet.s[\"us-east-1a\"]", "aws_subnet.a"),
        ("module.net.aws_vpc.main", "aws_vpc.main"),
    ]
    .map(|(to, from)| (to.to_string(), "no-op".to_string(), from.to_string()));
    assert_eq!(moved, expected, "only moves");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    assert_eq!(ids(&w), before, "the same VPC and subnet");
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);

    // And out again, by hand this time.
    std::fs::write(w.path("main.toml"), ROOT_LAYOUT).expect("stack");
    for (from, to) in [
        ("module.net.aws_vpc.main", "aws_vpc.main"),
        ("module.net.aws_subnet.s[\"us-east-1a\"]", "aws_subnet.a"),
    ] {
        expect_code(&w.cairn(&["state", "mv", from, to]), 0);
    }
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    assert_eq!(ids(&w), before);
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}
