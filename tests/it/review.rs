//! What a reviewer reads, against moto: after an apply, one action changed in one of three
//! inline policies and one port of twenty ingress rules opened to the internet show as a few
//! marked lines under a list of risks, in the human plan and the pull-request comment.

use crate::harness::{expect_code, World};

const POLICIES: &str = r#"
inline_policy = [
  { name = "logs", policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:*:*:*" }] } },
  { name = "read", policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::review-data/*"}]}' },
  { name = "queue", policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = "arn:aws:sqs:us-east-1:123456789012:jobs" }] } },
]
"#;

fn stack() -> String {
    let rules: Vec<String> = (8000..8020)
        .map(|p| {
            format!(
                "  {{ protocol = \"tcp\", from_port = {p}, to_port = {p}, cidr_blocks = [\"10.0.0.0/8\"] }},"
            )
        })
        .collect();
    format!(
        r#"[stack]
name = "review"

[aws_vpc.main]
cidr_block = "10.50.0.0/16"

[aws_security_group.web]
name = "review-web"
vpc_id = "${{aws_vpc.main.id}}"
ingress = [
{}
]

[aws_iam_role.app]
name = "review-app"
assume_role_policy = {{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "ecs-tasks.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }}
{POLICIES}"#,
        rules.join("\n")
    )
}

#[test]
fn a_change_inside_nested_values_reads_as_a_few_marked_lines() {
    let w = World::files(&[("main.toml", &stack())]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let again = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&again, 0);

    w.edit("main.toml", "\"s3:ListBucket\"", "\"s3:PutObject\"");
    w.edit(
        "main.toml",
        "from_port = 8005, to_port = 8005, cidr_blocks = [\"10.0.0.0/8\"]",
        "from_port = 9005, to_port = 9005, cidr_blocks = [\"0.0.0.0/0\"]",
    );
    let human = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&human, 2);
    for unchanged in ["logs:PutLogEvents", "sqs:SendMessage", "8013"] {
        assert!(!human.stdout.contains(unchanged), "{human:?}");
    }
    human.check_snapshot("review_nested_changes_human", &w);
    let md = w.cairn(&["plan", "--format", "markdown"]);
    expect_code(&md, 0);
    md.check_snapshot("review_nested_changes_markdown", &w);
    let plan = w.cairn(&["plan", "--format", "json"]).plan_json();
    let risks = plan["risks"].as_array().expect("risks");
    assert_eq!(risks.len(), 1, "{risks:#?}");
    assert_eq!(risks[0]["address"], "aws_security_group.web");
    assert_eq!(risks[0]["attribute"], "ingress");

    // Applied, the next plan is empty again: what was shown is what was done.
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    expect_code(&w.cairn(&["plan", "--detailed-exitcode"]), 0);
}
