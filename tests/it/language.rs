//! The expression language against moto: functions, operators and conditionals computed
//! while planning or during apply, `count` instances and moving them to `for_each` with
//! `[[moved]]`, and `cairn eval` against the stack and its state.

use crate::harness::{expect_code, World};

const COUNTED: &str = r#"[stack]
name = "lang"

[variable.zones]
type = "list(string)"
default = ["us-east-1a", "us-east-1b"]

[variable.public]
type = "bool"
default = true

[locals]
tags = { Team = "web" }

[aws_vpc.main]
cidr_block = "10.20.0.0/16"
tags = "${merge(local.tags, { Name = format(\"%s-vpc\", stack.name) })}"

[aws_subnet.app]
count = "${length(var.zones)}"
vpc_id = "${aws_vpc.main.id}"
availability_zone = "${var.zones[count.index]}"
cidr_block = "${cidrsubnet(aws_vpc.main.cidr_block, 8, count.index + 1)}"
map_public_ip_on_launch = "${var.public && count.index == 0}"
tags = { Name = "${upper(stack.name)}-${count.index}", Vpc = "${aws_vpc.main.id}" }

[aws_internet_gateway.gw]
count = "${var.public ? 1 : 0}"
vpc_id = "${aws_vpc.main.id}"

[output.subnets]
value = "${join(\",\", aws_subnet.app[*].cidr_block)}"
"#;

/// The same subnets keyed by zone, their state kept by `[[moved]]`.
const KEYED: &str = r#"
[aws_subnet.app]
for_each = "${var.zones}"
vpc_id = "${aws_vpc.main.id}"
availability_zone = "${each.key}"
cidr_block = "${cidrsubnet(aws_vpc.main.cidr_block, 8, index(var.zones, each.key) + 1)}"
map_public_ip_on_launch = "${var.public && each.key == var.zones[0]}"
tags = { Name = "${upper(stack.name)}-${index(var.zones, each.key)}", Vpc = "${aws_vpc.main.id}" }

[[moved]]
from = "aws_subnet.app[0]"
to = "aws_subnet.app[\"us-east-1a\"]"

[[moved]]
from = "aws_subnet.app[1]"
to = "aws_subnet.app[\"us-east-1b\"]"
"#;

fn eval(w: &World, expression: &str) -> String {
    let run = w.cairn(&["eval", expression]);
    expect_code(&run, 0);
    run.stdout.trim_end().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn counted_resources_and_computed_values_apply_and_replan_empty() {
    let w = World::files(&[("stack.toml", COUNTED)]);
    let plan = w.cairn(&["plan", "--format", "json"]);
    expect_code(&plan, 0);
    let json = plan.plan_json();
    let changes = json["changes"].as_array().expect("changes");
    let mut addresses: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["address"].as_str())
        .collect();
    addresses.sort();
    assert_eq!(
        addresses,
        [
            "aws_internet_gateway.gw[0]",
            "aws_subnet.app[0]",
            "aws_subnet.app[1]",
            "aws_vpc.main"
        ],
        "{json:#}"
    );
    // Computed while planning from the VPC's configured CIDR, though the VPC is not created.
    let second = changes
        .iter()
        .find(|c| c["address"] == "aws_subnet.app[1]")
        .expect("subnet");
    assert!(second.to_string().contains("10.20.2.0/24"), "{second:#}");

    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let ec2 = w.clients().await.ec2;
    let subnets = ec2.describe_subnets().send().await.expect("subnets");
    let mut cidrs: Vec<(String, bool, String)> = subnets
        .subnets()
        .iter()
        .filter(|s| s.cidr_block().is_some_and(|c| c.starts_with("10.20.")))
        .map(|s| {
            let name = s
                .tags()
                .iter()
                .find(|t| t.key() == Some("Name"))
                .and_then(|t| t.value())
                .unwrap_or_default()
                .to_string();
            (
                s.cidr_block().unwrap_or_default().to_string(),
                s.map_public_ip_on_launch().unwrap_or_default(),
                name,
            )
        })
        .collect();
    cidrs.sort();
    assert_eq!(
        cidrs,
        [
            ("10.20.1.0/24".to_string(), true, "LANG-0".to_string()),
            ("10.20.2.0/24".to_string(), false, "LANG-1".to_string())
        ]
    );
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);

    // Expressions against the stack and its state.
    assert_eq!(eval(&w, "aws_subnet.app[1].cidr_block"), "10.20.2.0/24");
    assert_eq!(eval(&w, "length(aws_subnet.app)"), "2");
    assert_eq!(
        eval(
            &w,
            "startswith(aws_vpc.main.id, \"vpc-\") ? \"vpc\" : \"?\""
        ),
        "vpc"
    );
    assert_eq!(
        eval(&w, "cidrhost(aws_subnet.app[0].cidr_block, 5)"),
        "10.20.1.5"
    );
    let out = w.cairn(&["output", "subnets"]);
    expect_code(&out, 0);
    assert_eq!(out.stdout.trim(), "10.20.1.0/24,10.20.2.0/24");

    // A condition turned off removes the gateway it counted.
    let off = w.cairn(&["plan", "--var", "public=false"]);
    expect_code(&off, 0);
    assert!(
        off.stdout
            .contains("# aws_internet_gateway.gw[0] will be destroyed"),
        "{off:?}"
    );

    // From `count` to `for_each`: the same subnets, moved, nothing else.
    let ids = |w: &World| {
        let run = w.cairn(&["state", "list"]);
        expect_code(&run, 0);
        run.stdout
    };
    let before: Vec<String> = subnets
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    let text = std::fs::read_to_string(w.path("stack.toml")).expect("read");
    let start = text.find("[aws_subnet.app]").expect("subnet block");
    let end = text
        .find("[aws_internet_gateway.gw]")
        .expect("gateway block");
    let keyed = format!("{}{KEYED}\n{}", &text[..start], &text[end..]);
    std::fs::write(w.path("stack.toml"), keyed).expect("write");
    let moved = w.cairn(&["plan"]);
    expect_code(&moved, 0);
    assert!(
        moved
            .stdout
            .contains("# aws_subnet.app[\"us-east-1a\"] will be moved from aws_subnet.app[0]\n"),
        "{moved:?}"
    );
    assert!(!moved.stdout.contains("will be created"), "{moved:?}");
    assert!(!moved.stdout.contains("will be destroyed"), "{moved:?}");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
    assert!(ids(&w).contains("aws_subnet.app[\"us-east-1b\"]"));
    let after = ec2.describe_subnets().send().await.expect("subnets");
    for id in before {
        assert!(
            after.subnets().iter().any(|s| s.subnet_id() == Some(&id)),
            "subnet {id} was kept"
        );
    }
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 0);
}
