//! Refresh costs calls per type, not per resource: a stack of one VPC, 100 subnets and 100
//! security groups is refreshed (by `plan` and by `drift`) in at most 10 API calls.

use std::fmt::Write;

use crate::harness::{expect_code, World};

#[test]
fn refreshing_two_hundred_resources_takes_a_handful_of_calls() {
    let mut stack = String::from(
        "[stack]\nname = \"wide\"\n\n[aws_vpc.main]\ncidr_block = \"10.0.0.0/16\"\n\n",
    );
    for i in 0..100 {
        let _ = write!(
            stack,
            "[aws_subnet.s{i}]\nvpc_id = \"${{aws_vpc.main.id}}\"\ncidr_block = \"10.0.{i}.0/24\"\n\n\
             [aws_security_group.g{i}]\nname = \"g{i}\"\nvpc_id = \"${{aws_vpc.main.id}}\"\n\n"
        );
    }
    let w = World::files(&[("main.toml", &stack)]);
    let apply = w.cairn(&["apply", "--auto-approve", "--parallelism", "20"]);
    expect_code(&apply, 0);
    assert!(apply.stdout.contains("201 created"), "{apply:?}");

    let before = w.moto().request_count();
    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    expect_code(&plan, 0);
    let plan_calls = w.moto().request_count() - before;
    assert!(
        plan_calls <= 10,
        "plan refreshed 201 resources with {plan_calls} calls"
    );

    let before = w.moto().request_count();
    let drift = w.cairn(&["drift"]);
    expect_code(&drift, 0);
    let drift_calls = w.moto().request_count() - before;
    assert!(
        drift_calls <= 10,
        "drift took {drift_calls} calls: {:#?}",
        &w.moto().requests()[before..]
    );
    eprintln!("refresh of 201 resources: plan {plan_calls} calls, drift {drift_calls} calls");
}
