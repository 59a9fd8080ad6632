//! Nothing but the reviewed change: a saved plan applies only with the sensitive values it
//! was made with, a stack file that cannot be read stops every command, state content never
//! makes cairn panic, secrets cannot flow into ids, and cairn's files are private.

use crate::harness::{expect_code, Run, World};

const PARAMETER: &str = r#"
[stack]
name = "pinned"

[variable.api_key]
type = "string"
sensitive = true
default = "placeholder"

[aws_ssm_parameter.api_key]
name = "/pinned/api-key"
type = "SecureString"
value = "${var.api_key}"
"#;

/// The parameter's value in AWS, `None` when it does not exist.
async fn parameter(w: &World) -> Option<String> {
    let c = w.clients().await;
    c.ssm
        .get_parameter()
        .name("/pinned/api-key")
        .with_decryption(true)
        .send()
        .await
        .ok()
        .and_then(|p| p.parameter?.value)
}

fn state_text(w: &World) -> Option<String> {
    std::fs::read_to_string(w.path(".cairn/state.json")).ok()
}

#[track_caller]
fn refused(run: &Run, needle: &str) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(needle), "{needle:?} not in {run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_applies_only_with_the_sensitive_values_it_was_made_with() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::files(&[("main.toml", PARAMETER)]);
    let plan_file = w.path("p.plan");
    let plan_file = plan_file.to_str().expect("path");
    expect_code(
        &w.cairn(&["plan", "--var", "api_key=NEW-value-1", "--out", plan_file]),
        0,
    );
    let mode = std::fs::metadata(plan_file)
        .expect("plan")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "a saved plan is its owner's only");
    let saved = std::fs::read_to_string(plan_file).expect("plan");
    assert!(!saved.contains("NEW-value-1"), "{saved}");

    // Not given again: the default would be applied. Refused, AWS and state unchanged.
    let before = state_text(&w);
    let missing = w.cairn(&["apply", plan_file]);
    missing.check_snapshot("saved_plan_applied_without_its_secret", &w);
    // Given another value: refused, naming the variable and not the value.
    let other = w.cairn(&["apply", plan_file, "--var", "api_key=OTHER-value"]);
    other.check_snapshot("saved_plan_applied_with_another_secret", &w);
    assert_eq!(parameter(&w).await, None, "nothing reached AWS");
    assert_eq!(state_text(&w), before, "state is unchanged");

    // The very value: applied as reviewed.
    let same = w.cairn(&["apply", plan_file, "--var", "api_key=NEW-value-1"]);
    expect_code(&same, 0);
    assert_eq!(parameter(&w).await.as_deref(), Some("NEW-value-1"));

    // A plan made with the default pins the default: giving a value is refused too.
    let second = w.path("second.plan");
    let second = second.to_str().expect("path");
    expect_code(&w.cairn(&["plan", "--out", second]), 0);
    refused(
        &w.cairn(&["apply", second, "--var", "api_key=sneaked-in"]),
        "`api_key` was left to its default when the plan was made and is given another value now",
    );
    assert_eq!(parameter(&w).await.as_deref(), Some("NEW-value-1"));
    expect_code(&w.cairn(&["apply", second]), 0);
    assert_eq!(parameter(&w).await.as_deref(), Some("placeholder"));
}

const NETWORK: &str = r#"
[stack]
name = "linked"

[aws_vpc.main]
cidr_block = "10.40.0.0/16"
"#;

const SUBNET: &str = r#"
[aws_subnet.a]
vpc_id = "${aws_vpc.main.id}"
cidr_block = "10.40.1.0/24"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_file_that_cannot_be_read_stops_every_command() {
    let w = World::files(&[("main.toml", NETWORK)]);
    // The subnet lives on another volume, linked into the stack.
    let elsewhere = tempfile::tempdir().expect("tmp");
    std::fs::write(elsewhere.path().join("subnet.toml"), SUBNET).expect("write");
    std::os::unix::fs::symlink(elsewhere.path().join("subnet.toml"), w.path("subnet.toml"))
        .expect("link");
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    let ec2 = w.ec2().await;
    let subnets = || async {
        ec2.describe_subnets()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("cidr-block")
                    .values("10.40.1.0/24")
                    .build(),
            )
            .send()
            .await
            .expect("subnets")
            .subnets()
            .len()
    };
    assert_eq!(subnets().await, 1);
    let before = state_text(&w);

    // The volume is gone: the link dangles. Then a link that points at itself.
    let target = elsewhere.path().join("subnet.toml");
    std::fs::remove_file(&target).expect("unmount");
    let dangling = format!(
        "it is a symbolic link to {}, which does not exist",
        target.display()
    );
    let looping = "cannot read stack file (a symbolic link)";
    for (why, expected) in [("dangling", dangling.as_str()), ("loop", looping)] {
        if why == "loop" {
            std::fs::remove_file(w.path("subnet.toml")).expect("unlink");
            std::os::unix::fs::symlink(w.path("subnet.toml"), w.path("subnet.toml")).expect("loop");
        }
        for command in [
            vec!["validate"],
            vec!["plan"],
            vec!["apply", "--auto-approve"],
            vec!["destroy", "--auto-approve"],
            vec!["drift"],
            vec!["fmt", "--check"],
        ] {
            let run = w.cairn(&command);
            assert_ne!(run.code, 0, "{why}: {command:?} {run:?}");
            assert_ne!(run.code, 101, "{why}: {command:?} panicked: {run:?}");
            assert!(
                run.stderr.contains("subnet.toml") && run.stderr.contains(expected),
                "{why}: {command:?} says which file and why: {run:?}"
            );
            assert!(
                !run.stdout.contains("destroy") && !run.stdout.contains("aws_subnet.a"),
                "{why}: {command:?} plans nothing: {run:?}"
            );
        }
    }
    assert_eq!(subnets().await, 1, "the subnet is still there");
    assert_eq!(state_text(&w), before, "state is unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_serial_at_its_maximum_stops_apply_cleanly() {
    let w = World::files(&[("main.toml", NETWORK)]);
    expect_code(&w.cairn(&["apply", "--auto-approve"]), 0);
    // Edited by hand (without the checksum line) to the largest serial there is.
    let mut state: serde_json::Value =
        serde_json::from_str(&state_text(&w).expect("state")).expect("JSON");
    state["serial"] = serde_json::json!(u64::MAX);
    state.as_object_mut().expect("object").remove("checksum");
    let edited = serde_json::to_string_pretty(&state).expect("JSON");
    std::fs::write(w.path(".cairn/state.json"), &edited).expect("edit");
    std::fs::write(w.path("subnet.toml"), SUBNET).expect("add a subnet");

    let plan = w.cairn(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "a plan only reads state: {plan:?}");
    let apply = w.cairn(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "an error, not a panic: {apply:?}");
    assert!(
        apply.stderr.contains("the largest a serial can be"),
        "{apply:?}"
    );
    assert_eq!(state_text(&w).as_deref(), Some(edited.as_str()));
    let subnets = w
        .ec2()
        .await
        .describe_subnets()
        .send()
        .await
        .expect("subnets");
    assert!(
        subnets
            .subnets()
            .iter()
            .all(|s| s.cidr_block() != Some("10.40.1.0/24")),
        "nothing was created before the state could record it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_an_attribute_aws_echoes_into_ids_is_refused_at_validate() {
    let stack = PARAMETER.replace(
        r#"name = "/pinned/api-key""#,
        r#"name = "/app/${var.api_key}""#,
    );
    let w = World::files(&[("main.toml", &stack)]);
    for command in [vec!["validate"], vec!["plan"]] {
        let run = w.cairn(&command);
        refused(
            &run,
            "`aws_ssm_parameter.api_key`'s `name` is built from a sensitive value",
        );
        assert!(run.stderr.contains("main.toml:11:"), "located: {run:?}");
    }
    assert!(!w.path(".cairn/state.json").exists());
    // Through another resource's attribute and a module input too.
    let module_dir = w.path("modules/queue");
    std::fs::create_dir_all(&module_dir).expect("mkdir");
    std::fs::write(
        module_dir.join("main.toml"),
        "[variable.name]\ntype = \"string\"\n\n[aws_sqs_queue.q]\nname = \"${var.name}\"\n",
    )
    .expect("module");
    std::fs::write(
        w.path("main.toml"),
        format!(
            "{PARAMETER}\n[aws_sqs_queue.copy]\nname = \"${{aws_ssm_parameter.api_key.value}}\"\n\n\
             [module.queue]\nsource = \"./modules/queue\"\nname = \"q-${{var.api_key}}\"\n"
        ),
    )
    .expect("stack");
    let run = w.cairn(&["validate"]);
    refused(
        &run,
        "`aws_sqs_queue.copy`'s `name` is built from a sensitive value",
    );
    refused(
        &run,
        "`module.queue.aws_sqs_queue.q`'s `name` is built from a sensitive value",
    );
}

#[test]
fn a_module_whose_source_is_its_own_stack_is_refused_clearly() {
    for source in [".", "./", "../{dir}"] {
        let w = World::files(&[("main.toml", NETWORK)]);
        let name = w
            .dir
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let source = source.replace("{dir}", &name);
        std::fs::write(
            w.path("module.toml"),
            format!("[module.self]\nsource = \"{source}\"\n"),
        )
        .expect("write");
        let run = w.cairn(&["validate"]);
        let shown = source
            .replace(&name, "stack")
            .replace('.', "dot")
            .replace('/', "slash");
        run.check_snapshot(&format!("module_sourcing_its_caller_{shown}"), &w);
    }
}
