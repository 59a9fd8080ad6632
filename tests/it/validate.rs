//! Invalid stacks get every error at once, located (file:line:col) with a source snippet and,
//! for unknown names, the closest valid name.

use crate::harness::{expect_code, World};

const BROKEN: &str = r#"[stack]
name = "broken"

[aws_vpc.main]
cidr_blok = "10.0.0.0/16"

[aws_subnet.a]
vpc_id = "${aws_vpc.mian.id}"
cidr_block = "10.0.1.0/24"

[aws_security_group.one]
name = "one"
vpc_id = "${aws_vpc.main.id}"
ingress = [{ protocol = "tcp", from_port = 1, to_port = 1, security_groups = ["${aws_security_group.two.id}"] }]

[aws_security_group.two]
name = "two"
vpc_id = "${aws_vpc.main.id}"
ingress = [{ protocol = "tcp", from_port = 1, to_port = 1, security_groups = ["${aws_security_group.one.id}"] }]
"#;

#[test]
fn invalid_stack_gets_located_errors_with_suggestions() {
    let w = World::files(&[("main.toml", BROKEN)]);
    let run = w.cairn(&["validate"]);
    expect_code(&run, 1);
    // Every error at once: the misspelled attribute, located, with the right name
    // suggested and its source line shown; the reference to a missing resource, located
    // inside the string; the cycle, with its members.
    run.check_snapshot("validate_broken_stack", &w);
    // The same errors stop plan and apply before any AWS call.
    expect_code(&w.cairn(&["plan"]), 1);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 1);
}

#[test]
fn misspelled_resource_type_and_variable() {
    let w = World::files(&[(
        "main.toml",
        "[stack]\nname = \"x\"\n\n[variable.env]\ntype = \"string\"\n\n[aws_vcp.main]\ncidr_block = \"10.0.0.0/16\"\n\n[aws_vpc.ok]\ncidr_block = \"${var.evn}\"\n",
    )]);
    let run = w.cairn(&["validate"]);
    expect_code(&run, 1);
    run.check_snapshot("validate_misspelled_type_and_variable", &w);
}

#[test]
fn variables_from_flags_and_files() {
    let w = World::files(&[(
        "main.toml",
        "[stack]\nname = \"x\"\n\n[variable.cidr]\ntype = \"string\"\n\n[aws_vpc.main]\ncidr_block = \"${var.cidr}\"\n",
    )]);
    let run = w.cairn(&["validate"]);
    expect_code(&run, 1);
    assert!(run.stderr.contains("cidr"), "{run:?}");
    expect_code(&w.cairn(&["validate", "--var", "cidr=10.0.0.0/16"]), 0);
    let vars = w.path("vars.toml");
    std::fs::write(&vars, "cidr = \"10.1.0.0/16\"\n").expect("write");
    let vars = vars.to_str().expect("path");
    expect_code(&w.cairn(&["validate", "--var-file", vars]), 0);
    let plan = w
        .cairn(&["plan", "--var-file", vars, "--format", "json"])
        .plan_json();
    let attrs = plan["changes"][0]["attributes"]
        .as_array()
        .expect("attrs")
        .clone();
    let cidr = attrs
        .iter()
        .find(|a| a["path"] == "cidr_block")
        .expect("cidr");
    assert_eq!(cidr["after"], "10.1.0.0/16");
}

/// Values AWS would refuse fail `validate`, each located at its attribute, all at once and
/// before any AWS call (the world's endpoint answers nothing).
#[test]
fn values_aws_would_refuse_are_refused_by_validate() {
    let w = World::files(&[(
        "main.toml",
        r#"[stack]
name = "refused"

[aws_vpc.main]
cidr_block = "10.0.1.0/33"

[aws_lb.web]
name = "web"
load_balancer_type = "aplication"
subnets = ["subnet-1", "subnet-2"]

[aws_subnet.a]
vpc_id = "vpc-0123456789abcdef0"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"

[aws_subnet.b]
vpc_id = "vpc-0123456789abcdef0"
cidr_block = "10.0.2.0/24"
availability_zone = "us-east-1a"

[aws_lb.api]
name = "api"
subnets = ["${aws_subnet.a.id}", "${aws_subnet.b.id}"]

[aws_cloudwatch_log_group.app]
name = "/app"
retention_in_days = 8

[aws_security_group.web]
name = "web"
vpc_id = "${aws_vpc.main.id}"
ingress = [{ protocol = "tcp", from_port = 443, to_port = 70000, cidr_blocks = ["0.0.0.0/0"] }]

[aws_apigatewayv2_api.http]
name = "http"
protocol_type = "HTTP"

[aws_apigatewayv2_integration.fn]
api_id = "${aws_apigatewayv2_api.http.id}"
integration_type = "AWS_PROXY"
integration_uri = "arn:aws:lambda:us-east-1:123456789012:function:fn"

[aws_s3_bucket.data]
bucket = "My_Data"

[aws_sqs_queue.jobs]
name = "jobs"
content_based_deduplication = true

[aws_ecs_task_definition.app]
family = "app"
container_definitions = [{ name = "app", image = "nginx", portMapings = [{ containerPort = 80 }] }]

[aws_wafv2_web_acl_association.api]
resource_arn = "arn:aws:apigateway:us-east-1::/apis/a1b2c3/stages/$default"
web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/0f1e"

[aws_cloudwatch_event_target.report]
rule = "nightly"
arn = "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"
input = "{}"
input_transformer = { input_template = "{}" }

[aws_route.default]
route_table_id = "rtb-0123456789abcdef0"
destination_cidr_block = "0.0.0.0/0"
gateway_id = "igw-0123456789abcdef0"
nat_gateway_id = "nat-0123456789abcdef0"
"#,
    )]);
    let run = w.cairn(&["validate"]);
    expect_code(&run, 1);
    run.check_snapshot("validate_values_aws_would_refuse", &w);
    // WAF cannot protect an HTTP API; a target takes one kind of input; a route one target.
    for refused in [
        "WAF cannot protect an HTTP API",
        "input_transformer",
        "nat_gateway_id",
    ] {
        assert!(run.stderr.contains(refused), "{refused}: {run:?}");
    }
}

/// Variables as Terraform users write them: type expressions, values from `CAIRN_VAR_*`
/// (the lowest precedence; names the stack does not declare ignored), and `*.vars.toml`
/// files beside the stack, which are never read as part of it.
#[test]
fn variables_take_type_expressions_environment_values_and_var_files() {
    let w = World::files(&[
        (
            "main.toml",
            r#"[stack]
name = "vars"

[variable.env]
type = "string"

[variable.zones]
type = "list(string)"

[variable.subnets]
type = "map(object({ cidr = string, public = optional(bool) }))"

[aws_vpc.main]
cidr_block = "10.0.0.0/16"
tags = { Env = "${var.env}" }

[aws_subnet.app]
for_each = "${var.subnets}"
vpc_id = "${aws_vpc.main.id}"
cidr_block = "${each.value.cidr}"
"#,
        ),
        (
            "prod.vars.toml",
            "zones = [\"us-east-1a\", \"us-east-1b\"]\nsubnets = { a = { cidr = \"10.0.1.0/24\" }, b = { cidr = \"10.0.2.0/24\", public = true } }\n",
        ),
    ]);
    let var_file = w.path("prod.vars.toml");
    let var_file = var_file.to_str().expect("path");
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    };
    let run_with = |args: &[&str], vars: &[(&str, &str)]| {
        let vars = env(vars);
        let vars: Vec<(&str, Option<&str>)> = vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        w.cairn_env(args, &vars)
    };
    // The var file is not a stack file: without it the variables have no values.
    let missing = run_with(&["validate"], &[("CAIRN_VAR_env", "prod")]);
    expect_code(&missing, 1);
    assert!(
        missing.stderr.contains("variable `zones` has no value"),
        "{missing:?}"
    );
    assert!(
        !missing.stderr.contains("`env` has no value"),
        "{missing:?}"
    );
    let ok = run_with(
        &["validate", "--var-file", var_file],
        &[("CAIRN_VAR_env", "prod"), ("CAIRN_VAR_elsewhere", "x")],
    );
    expect_code(&ok, 0);
    // --var beats the environment; a value of the wrong shape is a located error.
    let graph = run_with(
        &["graph", "--var-file", var_file, "--var", "env=dev"],
        &[("CAIRN_VAR_env", "prod")],
    );
    expect_code(&graph, 0);
    assert!(graph.stdout.contains("aws_subnet.app"), "{graph:?}");
    // Lists and objects from the environment are TOML; a value of the wrong shape is a
    // located error.
    let wrong = run_with(
        &["validate"],
        &[
            ("CAIRN_VAR_env", "prod"),
            ("CAIRN_VAR_zones", "[\"us-east-1a\"]"),
            ("CAIRN_VAR_subnets", "{ a = { cdir = \"10.0.1.0/24\" } }"),
        ],
    );
    expect_code(&wrong, 1);
    wrong.check_snapshot("validate_variable_of_the_wrong_shape", &w);
}

/// Terraform habits are answered with the cairn way, not a generic error.
#[test]
fn terraform_habits_get_the_cairn_way() {
    let w = World::files(&[(
        "main.toml",
        r#"[stack]
name = "habits"

[variable.cidr]
type = "string"
default = "10.0.0.0/16"

[aws_vpc.main]
cidr_block = "${var.cidr}"
tags = { Region = "${data.aws_region.current.name}" }

[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "${cidrsubnet(var.cidr, 8, 1)}"
tags = { Zones = '${join(",", [for z in ["a", "b"] : upper(z)])}', At = "${timestamp()}" }

[aws_iam_role_policy.read]
role = "app"

[aws_lambda_function.fn]
function_name = "fn"
role = "arn:aws:iam::123456789012:role/fn"
handler = "index.handler"
runtime = "python3.12"
filename = "fn.zip"
"#,
    )]);
    let run = w.cairn(&["validate"]);
    expect_code(&run, 1);
    run.check_snapshot("validate_terraform_habits", &w);
}
