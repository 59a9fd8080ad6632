//! `cairn import --from-terraform`: configurations applied by the real Terraform (1.11, with
//! the AWS provider from the machine's filesystem mirror) against moto are taken over by
//! cairn — the benchmark's twins, public configurations (`tests/terraform/`, each with its
//! source in a README) and one with modules — and each is then planned empty, changed by cairn
//! (the change lands on the very resource Terraform made), and destroyed by cairn, after
//! which Terraform itself, refreshing, finds nothing of what cairn imported. Terraform's
//! state is only read; what cairn has no type for is listed and left to Terraform.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{expect_code, Run, World};

/// Where the provider mirror is: the one the benchmark uses (bench/compare.py).
fn provider_mirror() -> PathBuf {
    for root in ["/opt/tf-plugins", "/usr/share/terraform/plugins"] {
        if Path::new(root)
            .join("registry.terraform.io/hashicorp/aws")
            .is_dir()
        {
            return PathBuf::from(root);
        }
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let user = Path::new(&home).join(".terraform.d/plugins");
    assert!(
        user.join("registry.terraform.io/hashicorp/aws").is_dir(),
        "terraform-provider-aws is not in a filesystem mirror (/opt/tf-plugins, /usr/share/terraform/plugins, ~/.terraform.d/plugins): these tests need Terraform 1.11 and the AWS provider 5.100"
    );
    user
}

/// A Terraform working directory in a world, applied against its moto server.
struct Terraform<'a> {
    w: &'a World,
    dir: PathBuf,
    tfrc: PathBuf,
}

impl<'a> Terraform<'a> {
    /// Copies `source` to `<world>/tf` and runs `terraform init` and `apply` there.
    fn apply(w: &'a World, source: &Path, vars: &[(&str, &str)]) -> Terraform<'a> {
        let dir = w.path("tf");
        copy_dir(source, &dir);
        let tfrc = w.path("tfrc");
        std::fs::write(
            &tfrc,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path = {:?}\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
                provider_mirror()
            ),
        )
        .expect("tfrc");
        let tf = Terraform { w, dir, tfrc };
        tf.run(&["init", "-input=false"], vars);
        tf.run(&["apply", "-auto-approve", "-input=false"], vars);
        tf
    }

    fn command(&self, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new("terraform");
        cmd.current_dir(&self.dir).args(args);
        for (k, v) in self.w.moto().env() {
            cmd.env(k, v);
        }
        for (k, v) in vars {
            cmd.env(format!("TF_VAR_{k}"), v);
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.tfrc)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE");
        cmd
    }

    /// Runs terraform, which must succeed; its output.
    fn run(&self, args: &[&str], vars: &[(&str, &str)]) -> String {
        let out = self
            .command(args, vars)
            .output()
            .expect("terraform must be installed (Terraform 1.11)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "terraform {args:?} failed:\n{text}");
        text
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("terraform.tfstate")
    }

    /// Terraform's id of each managed resource instance, by its address.
    fn ids(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.state_path()).expect("tfstate");
        let state: serde_json::Value = serde_json::from_str(&text).expect("tfstate json");
        let mut ids = BTreeMap::new();
        for r in state["resources"].as_array().into_iter().flatten() {
            if r["mode"] != "managed" {
                continue;
            }
            let base = match r["module"].as_str() {
                Some(m) => format!(
                    "{m}.{}.{}",
                    r["type"].as_str().unwrap_or_default(),
                    r["name"].as_str().unwrap_or_default()
                ),
                None => format!(
                    "{}.{}",
                    r["type"].as_str().unwrap_or_default(),
                    r["name"].as_str().unwrap_or_default()
                ),
            };
            for i in r["instances"].as_array().into_iter().flatten() {
                let address = match &i["index_key"] {
                    serde_json::Value::Number(n) => format!("{base}[{n}]"),
                    serde_json::Value::String(s) => format!("{base}[{s:?}]"),
                    _ => base.clone(),
                };
                let id = i["attributes"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                ids.insert(address, id);
            }
        }
        ids
    }

    /// What Terraform still finds after refreshing its state: the resources that exist.
    fn still_there(&self, vars: &[(&str, &str)]) -> Vec<String> {
        self.run(
            &["apply", "-refresh-only", "-auto-approve", "-input=false"],
            vars,
        );
        self.run(&["state", "list"], vars)
            .lines()
            .filter(|l| !l.starts_with("data.") && !l.contains(".data."))
            .map(str::to_string)
            .collect()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == ".terraform"
            || name.starts_with("terraform.tfstate")
            || name == ".terraform.lock.hcl"
        {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&*name));
        } else {
            std::fs::copy(&path, to.join(&*name)).expect("copy");
        }
    }
}

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).expect("read");
    format!("{:x}", sha2::Sha256::digest(bytes))
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `cairn -C <world>/cairn ARGS`, with `vars` as `--var` after the command.
fn cairn(w: &World, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    for (k, v) in vars {
        all.push("--var".into());
        all.push(format!("{k}={v}"));
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    w.cairn_in("cairn", &all)
}

/// `cairn import --from-terraform <world>/FROM` into `<world>/cairn`.
fn import(w: &World, from: &str) -> Run {
    let from = w.path(from);
    w.cairn_in(
        "cairn",
        &["import", "--from-terraform", &from.to_string_lossy()],
    )
}

/// Imports `tf` into `<world>/cairn`, checks Terraform's state is untouched, the stack is in
/// `cairn fmt`'s layout and plans empty; returns the import's report.
fn take_over(w: &World, tf: &Terraform, from: &str, secrets: &[(&str, &str)]) -> String {
    let before = sha256(&tf.state_path());
    let run = import(w, from);
    expect_code(&run, 0);
    assert_eq!(
        sha256(&tf.state_path()),
        before,
        "Terraform's state changed"
    );
    let plan = cairn(w, &["plan", "--detailed-exitcode"], secrets);
    assert_eq!(
        plan.code,
        0,
        "the plan right after the import is not empty:\n{}{}\n{}",
        plan.stdout,
        plan.stderr,
        std::fs::read_to_string(w.path("cairn/main.toml")).unwrap_or_default()
    );
    expect_code(&cairn(w, &["fmt", "--check"], &[]), 0);
    run.stdout
}

/// Applies a change, which must be an update in place (no replacement).
fn change(w: &World, secrets: &[(&str, &str)]) {
    let plan = cairn(w, &["plan", "--detailed-exitcode"], secrets);
    assert_eq!(
        plan.code, 2,
        "the edit plans no change:\n{}{}",
        plan.stdout, plan.stderr
    );
    assert!(
        plan.stdout.contains("Plan: 0 to add,")
            && plan.stdout.contains("0 to replace, 0 to destroy."),
        "the edit should update in place:\n{}",
        plan.stdout
    );
    expect_code(&cairn(w, &["apply", "--auto-approve"], secrets), 0);
    expect_code(&cairn(w, &["plan", "--detailed-exitcode"], secrets), 0);
}

/// Destroys with cairn; Terraform then finds only `left` (what cairn did not import).
fn destroy(
    w: &World,
    tf: &Terraform,
    secrets: &[(&str, &str)],
    vars: &[(&str, &str)],
    left: &[&str],
) {
    expect_code(&cairn(w, &["destroy", "--auto-approve"], secrets), 0);
    assert_eq!(
        tf.still_there(vars),
        left,
        "Terraform still finds these after cairn's destroy"
    );
}

fn edit(w: &World, file: &str, from: &str, to: &str) {
    w.edit(&format!("cairn/{file}"), from, to);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_network_twin_is_taken_over_from_its_tf_files() {
    let w = World::files(&[]);
    let tf = Terraform::apply(&w, &repo("bench/terraform/network"), &[]);
    let ids = tf.ids();
    let report = take_over(&w, &tf, "tf", &[]);
    for folded in [
        "aws_s3_bucket_versioning.logs: `versioning` in aws_s3_bucket.logs",
        "aws_s3_bucket_policy.logs: `policy` in aws_s3_bucket.logs",
    ] {
        assert!(report.contains(folded), "{folded} not reported:\n{report}");
    }
    let stack = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    // What the team wrote: references, the provider's default tags, the outputs.
    for written in [
        "vpc_id = '${aws_vpc.main.id}'",
        "default_tags = { Project = \"cairn-example\", Stack = \"network\" }",
        "[output.subnet_ids]",
        "# from aws_s3_bucket_versioning.logs (as it exists)\nversioning = true",
    ] {
        assert!(stack.contains(written), "{written:?} not in:\n{stack}");
    }
    // A change lands on the VPC Terraform made.
    edit(
        &w,
        "main.toml",
        "tags = { Name = \"network-dev\" }",
        "tags = { Name = \"network-prod\" }",
    );
    change(&w, &[]);
    let ec2 = w.ec2().await;
    let vpc = ec2
        .describe_vpcs()
        .vpc_ids(&ids["aws_vpc.main"])
        .send()
        .await
        .expect("vpc");
    let name = vpc.vpcs()[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .map(str::to_string);
    assert_eq!(name.as_deref(), Some("network-prod"));
    destroy(&w, &tf, &[], &[], &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spydor_twin_is_taken_over_with_its_secrets_as_variables() {
    let w = World::files(&[]);
    let source = w.path("spydor");
    copy_dir(&repo("bench/terraform/spydor"), &source);
    copy_dir(
        &repo("examples/spydor/certificate"),
        &source.join("certificate"),
    );
    let tf = Terraform::apply(&w, &source, &[]);
    let ids = tf.ids();
    let key = std::fs::read_to_string(source.join("certificate/private-key.pem")).expect("key");
    // What the team wrote reads the key from its file, as cairn does: no variable needed.
    let report = take_over(&w, &tf, "tf", &[]);
    assert!(!report.contains("--var"), "{report}");
    // The private key is never written, in the stack nor in cairn's state.
    let secret_line = key.lines().nth(1).expect("key body");
    for file in ["cairn/main.toml", "cairn/.cairn/state.json"] {
        let text = std::fs::read_to_string(w.path(file)).expect(file);
        assert!(!text.contains(secret_line), "{file} holds the private key");
    }
    // From the state alone, the key becomes a sensitive variable, which the report names.
    let pulled = w
        .path("tf/terraform.tfstate")
        .to_string_lossy()
        .into_owned();
    let alone = w.cairn_in("alone", &["import", "--from-terraform", &pulled]);
    expect_code(&alone, 0);
    assert!(
        alone.stdout.contains(
            "  --var https_private_key=...   (aws_iam_server_certificate.https.private_key)"
        ),
        "{}",
        alone.stdout
    );
    let text = std::fs::read_to_string(w.path("alone/main.toml")).expect("stack");
    assert!(
        text.contains("private_key = '${var.https_private_key}'"),
        "{text}"
    );
    assert!(!text.contains(secret_line));
    let given = format!("https_private_key={}", key.trim_end());
    expect_code(
        &w.cairn_in("alone", &["plan", "--detailed-exitcode", "--var", &given]),
        0,
    );
    let secrets: [(&str, &str); 0] = [];
    // Alarms made with for_each stay instances of one declaration.
    let stack = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    assert!(
        stack.contains("[aws_cloudwatch_metric_alarm.alarm]\nfor_each = '${local.alarms}'"),
        "{stack}"
    );
    // The service Terraform made takes the change.
    edit(
        &w,
        "main.toml",
        "[variable.desired_count]\ntype = \"number\"\ndefault = 2",
        "[variable.desired_count]\ntype = \"number\"\ndefault = 1",
    );
    change(&w, &secrets);
    let ecs = w.clients().await.ecs;
    let services = ecs
        .describe_services()
        .cluster("spydor-infra-cluster")
        .services(&ids["aws_ecs_service.app"])
        .send()
        .await
        .expect("services");
    assert_eq!(services.services()[0].desired_count(), 1);
    destroy(&w, &tf, &secrets, &[], &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn modules_become_cairn_modules_and_what_cairn_lacks_is_left_to_terraform() {
    let w = World::files(&[]);
    let tf = Terraform::apply(&w, &repo("tests/terraform/modules"), &[]);
    let ids = tf.ids();
    let report = take_over(&w, &tf, "tf", &[]);
    for line in [
        "Terraform's module.network became the cairn module `network` (modules/network)",
        "Terraform's module.bucket[\"logs\"] became the cairn module `bucket_logs` (modules/bucket_logs): a module called with count or for_each is written as it exists, one cairn module per instance",
        "  - aws_iam_user.deployer: cairn has no type aws_iam_user",
        "  - data.aws_s3_bucket.logs: cairn has no such data source",
    ] {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }
    let root = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    assert!(
        root.starts_with("# Imported from the Terraform state"),
        "{root}"
    );
    assert!(
        root.contains("#   aws_iam_user.deployer (cairn has no type aws_iam_user)"),
        "{root}"
    );
    assert!(
        root.contains("vpc_id = '${module.network.vpc_id}'"),
        "{root}"
    );
    // An output cairn cannot compute is Terraform's value, the expression named.
    assert!(
        root.contains("# was: data.aws_s3_bucket.logs.arn (cairn: reference to undeclared data source `data.aws_s3_bucket.logs`)\nvalue = \"arn:aws:s3:::mods-logs\""),
        "{root}"
    );
    let network =
        std::fs::read_to_string(w.path("cairn/modules/network/main.toml")).expect("module");
    for written in [
        "count = '${length(var.zones)}'",
        "cidr_block = '${cidrsubnet(var.cidr, 8, count.index)}'",
        "[output.subnet_ids]\nvalue = '${aws_subnet.private[*].id}'",
    ] {
        assert!(network.contains(written), "{written:?} not in:\n{network}");
    }
    // A change through the module's input lands on Terraform's subnets.
    edit(
        &w,
        "main.toml",
        "tags = '${local.tags}'",
        "tags = '${merge(local.tags, { Team = \"infra\" })}'",
    );
    change(&w, &[]);
    let subnets = w
        .ec2()
        .await
        .describe_subnets()
        .subnet_ids(&ids["module.network.aws_subnet.private[0]"])
        .send()
        .await
        .expect("subnets");
    assert!(subnets.subnets()[0]
        .tags()
        .iter()
        .any(|t| t.key() == Some("Team") && t.value() == Some("infra")));
    destroy(&w, &tf, &[], &[], &["aws_iam_user.deployer"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_file_alone_is_written_as_it_exists() {
    let w = World::files(&[]);
    let tf = Terraform::apply(&w, &repo("tests/terraform/modules"), &[]);
    // `terraform state pull`'s file, away from the .tf files.
    let pulled = tf.run(&["state", "pull"], &[]);
    std::fs::write(w.path("pulled.tfstate"), pulled).expect("write");
    let report = take_over(&w, &tf, "pulled.tfstate", &[]);
    assert!(report.contains("Imported 6 resources"), "{report}");
    let root = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    assert!(
        root.contains("Written as the resources exist (no .tf files were given)."),
        "{root}"
    );
    assert!(
        root.contains("vpc_id = \"vpc-"),
        "another module's id stays literal:\n{root}"
    );
    let network =
        std::fs::read_to_string(w.path("cairn/modules/network/main.toml")).expect("module");
    for written in [
        "[aws_subnet.private]\ncount = 2\n",
        "vpc_id = \"${aws_vpc.this.id}\"",
        "cidr_block = '${[\"10.60.0.0/24\", \"10.60.1.0/24\"][count.index]}'",
    ] {
        assert!(network.contains(written), "{written:?} not in:\n{network}");
    }
    // Refused: a directory that already holds a stack, and anything but a v4 state.
    let again = import(&w, "pulled.tfstate");
    expect_code(&again, 1);
    assert!(
        again.stderr.contains("already holds a stack"),
        "{}",
        again.stderr
    );
    std::fs::write(w.path("old.tfstate"), r#"{"version": 3, "modules": []}"#).expect("write");
    let old = w.cairn_in(
        "other",
        &[
            "import",
            "--from-terraform",
            &w.path("old.tfstate").to_string_lossy(),
        ],
    );
    expect_code(&old, 1);
    assert!(
        old.stderr
            .contains("format version 3; cairn reads version 4"),
        "{}",
        old.stderr
    );
    assert!(!w.path("other/main.toml").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_ecs_fargate_and_alb_configuration_is_taken_over() {
    let w = World::files(&[]);
    let tf = Terraform::apply(&w, &repo("tests/terraform/ecs-fargate-alb"), &[]);
    let ids = tf.ids();
    let report = take_over(&w, &tf, "tf", &[]);
    assert!(report.contains("Imported 28 resources"), "{report}");
    let stack = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    for written in [
        // count, legacy splats and element() as written.
        "[aws_subnet.private]\ncount = '${var.az_count}'",
        "cidr_block = '${cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)}'",
        "subnets = '${aws_subnet.public[*].id}'",
        // A container definition AWS ignores part of falls back, the expression named.
        "# was: local.cb_app (cairn: `container_definitions`: [0]: unknown key `networkMode`)",
    ] {
        assert!(stack.contains(written), "{written:?} not in:\n{stack}");
    }
    edit(
        &w,
        "main.toml",
        "[variable.app_count]\ndescription = \"Number of docker containers to run\"\ndefault = 3",
        "[variable.app_count]\ndescription = \"Number of docker containers to run\"\ndefault = 2",
    );
    change(&w, &[]);
    let services = w
        .clients()
        .await
        .ecs
        .describe_services()
        .cluster("cb-cluster")
        .services(&ids["aws_ecs_service.main"])
        .send()
        .await
        .expect("services");
    assert_eq!(services.services()[0].desired_count(), 2);
    destroy(&w, &tf, &[], &[], &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_rds_configuration_is_taken_over_its_password_a_variable() {
    let w = World::files(&[]);
    let password = [("db_password", "Sup3r-Secret-Passw0rd")];
    let tf = Terraform::apply(&w, &repo("tests/terraform/rds"), &password);
    let report = take_over(&w, &tf, "tf", &password);
    assert!(
        report.contains("  --var db_password=...   (aws_db_instance.education.password)"),
        "{report}"
    );
    for file in ["cairn/main.toml", "cairn/.cairn/state.json"] {
        let text = std::fs::read_to_string(w.path(file)).expect(file);
        assert!(
            !text.contains("Sup3r-Secret-Passw0rd"),
            "{file} holds the password"
        );
    }
    let stack = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    for written in [
        "[variable.db_password]\ndescription = \"RDS root user password\"\nsensitive = true",
        "password = '${var.db_password}'",
        // for_each over a `for` expression: the keys that exist, each value chosen by key.
        "for_each = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]",
        "# was: [for s in aws_subnet.public : s.id] (no cairn equivalent: a `for` expression)",
    ] {
        assert!(stack.contains(written), "{written:?} not in:\n{stack}");
    }
    // Without the password the plan says which variable is missing.
    let missing = cairn(&w, &["plan"], &[]);
    expect_code(&missing, 1);
    assert!(
        missing
            .stderr
            .contains("variable `db_password` has no value"),
        "{}",
        missing.stderr
    );
    edit(
        &w,
        "main.toml",
        "allocated_storage = 5",
        "allocated_storage = 10",
    );
    change(&w, &password);
    let db = w
        .clients()
        .await
        .rds
        .describe_db_instances()
        .db_instance_identifier("education")
        .send()
        .await
        .expect("db");
    assert_eq!(db.db_instances()[0].allocated_storage(), Some(10));
    destroy(&w, &tf, &password, &password, &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_serverless_api_configuration_is_taken_over() {
    let w = World::files(&[]);
    let tf = Terraform::apply(&w, &repo("tests/terraform/serverless-api"), &[]);
    let ids = tf.ids();
    let report = take_over(&w, &tf, "tf", &[]);
    assert!(report.contains("Imported 14 resources"), "{report}");
    assert!(report.contains("  ~ aws_s3_bucket_public_access_block.private_bucket: `public_access_block` in aws_s3_bucket.lambda_bucket"), "{report}");
    let stack = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    // The object's file is Terraform's, found from the stack's directory.
    assert!(stack.contains("source = \"../tf/lambda.zip\""), "{stack}");
    edit(&w, "main.toml", "[variable.lambda_log_retention]\ndescription = \"lambda log retention in days\"\ntype = \"number\"\ndefault = 7", "[variable.lambda_log_retention]\ndescription = \"lambda log retention in days\"\ntype = \"number\"\ndefault = 14");
    change(&w, &[]);
    let groups = w
        .clients()
        .await
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&ids["aws_cloudwatch_log_group.lambda_logs"])
        .send()
        .await
        .expect("log groups");
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(14));
    destroy(&w, &tf, &[], &[], &[]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_s3_sqs_lambda_configuration_is_taken_over() {
    let w = World::files(&[]);
    let tf = Terraform::apply(&w, &repo("tests/terraform/s3-sqs-lambda"), &[]);
    let ids = tf.ids();
    let report = take_over(&w, &tf, "tf", &[]);
    assert!(
        report.contains("  ~ aws_iam_role_policy.MyHandlerFunction-Policy-source: `inline_policy` in aws_iam_role.MyHandlerFunction-Role"),
        "{report}"
    );
    let stack = std::fs::read_to_string(w.path("cairn/main.toml")).expect("stack");
    // A heredoc stays a block of text, its interpolations live.
    assert!(
        stack.contains("policy = '''\n{\n  \"Version\": \"2012-10-17\","),
        "{stack}"
    );
    assert!(
        stack.contains("\"aws:SourceArn\": \"arn:aws:s3:::${aws_s3_bucket.MySourceS3Bucket.id}\""),
        "{stack}"
    );
    edit(
        &w,
        "main.toml",
        "[aws_sqs_queue.MyHandlerQueue]\n",
        "[aws_sqs_queue.MyHandlerQueue]\nmessage_retention_seconds = 86400\n",
    );
    change(&w, &[]);
    let attributes = w
        .clients()
        .await
        .sqs
        .get_queue_attributes()
        .queue_url(&ids["aws_sqs_queue.MyHandlerQueue"])
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::MessageRetentionPeriod)
        .send()
        .await
        .expect("queue");
    assert_eq!(
        attributes
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::MessageRetentionPeriod))
            .map(String::as_str),
        Some("86400")
    );
    destroy(&w, &tf, &[], &[], &[]);
}
