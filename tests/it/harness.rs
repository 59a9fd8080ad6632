//! Test harness: a moto server, a copy of a stack in a temporary directory, and a way to run
//! the `cairn` binary against both; plus plain AWS clients to check what really exists.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cairn_testkit::Moto;

/// Plain AWS clients pointed at a world's moto server.
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub iam: aws_sdk_iam::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub rds: aws_sdk_rds::Client,
    pub efs: aws_sdk_efs::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub kms: aws_sdk_kms::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub apigateway: aws_sdk_apigatewayv2::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub route53: aws_sdk_route53::Client,
    pub acm: aws_sdk_acm::Client,
    pub sns: aws_sdk_sns::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub appautoscaling: aws_sdk_applicationautoscaling::Client,
}

/// A stack directory with its own moto server, started when first needed: a test that runs
/// only commands that never call AWS starts none.
pub struct World {
    moto: std::sync::OnceLock<Moto>,
    pub dir: tempfile::TempDir,
}

/// Commands that never call AWS: run with an endpoint where nothing listens, so that a call
/// would fail the test rather than start moto.
const OFFLINE: [&str; 4] = ["validate", "fmt", "schema", "graph"];

/// The output of one cairn run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// The JSON plan printed, checked against `docs/plan-format.schema.json`.
    pub fn plan_json(&self) -> serde_json::Value {
        let plan = self.json();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-format.schema.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("JSON");
        let validator = jsonschema::validator_for(&schema).expect("valid schema");
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "the plan does not conform to the schema: {errors:?}"
        );
        plan
    }
}

impl Run {
    /// Checks the run — exit code, stdout, stderr — against the insta snapshot `name`, with
    /// what differs from run to run replaced: the world's directory, temporary paths, AWS
    /// ids, request ids, times and durations.
    #[track_caller]
    pub fn check_snapshot(&self, name: &str, w: &World) {
        let dir = w.dir.path().display().to_string();
        let text = format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.stdout.replace(&dir, "<stack>"),
            self.stderr.replace(&dir, "<stack>")
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_snapshot_path("snapshots");
        for (pattern, with) in [
            (r"/tmp/[.A-Za-z0-9_-]+", "<tmp>"),
            // A temporary directory's own name, as a relative path names it (same length).
            (r"\.tmp[A-Za-z0-9]{6}", ".tmpXXXXXX"),
            (
                r"\b(vpc|subnet|sg|igw|rtb|rtbassoc|eipalloc|nat|fs|fsmt|fsap)-[0-9a-f]{8,17}\b",
                "<$1-id>",
            ),
            (r#"request_id="[^"]*""#, r#"request_id="<request-id>""#),
            (r"\d{4}-\d\d-\d\dT[0-9:.]+Z", "<time>"),
            (r"\b\d+(\.\d+)?(ms|s)\b", "<duration>"),
            (r"elapsed_ms=\d+", "elapsed_ms=<ms>"),
        ] {
            settings.add_filter(pattern, with);
        }
        settings.bind(|| insta::assert_snapshot!(name.to_string(), text));
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

impl World {
    /// A copy of `examples/<name>` (its files and directories, such as Lambda functions'
    /// code, but not its `.cairn`) and a fresh moto server.
    pub fn example(name: &str) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_example(&examples_dir().join(name), dir.path());
        World {
            moto: std::sync::OnceLock::new(),
            dir,
        }
    }

    /// Copies of several examples side by side (`<dir>/<name>`), sharing one moto server:
    /// for stacks that refer to one another (`data.cairn_stack`'s `path = "../network"`).
    pub fn examples(names: &[&str]) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in names {
            let to = dir.path().join(name);
            std::fs::create_dir_all(&to).expect("mkdir");
            copy_example(&examples_dir().join(name), &to);
        }
        World {
            moto: std::sync::OnceLock::new(),
            dir,
        }
    }

    /// A stack made of the given files.
    pub fn files(files: &[(&str, &str)]) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(path, text).expect("write");
        }
        World {
            moto: std::sync::OnceLock::new(),
            dir,
        }
    }

    /// This world's moto server (started on first use).
    pub fn moto(&self) -> &Moto {
        self.moto.get_or_init(Moto::start)
    }

    /// The environment of a cairn run: moto's, or for a command in [`OFFLINE`] a dead
    /// endpoint (port 9, discard) with the same fake credentials.
    fn aws_env(&self, args: &[&str]) -> Vec<(&'static str, String)> {
        if args.first().is_some_and(|a| OFFLINE.contains(a)) && self.moto.get().is_none() {
            return cairn_testkit::env_for("http://127.0.0.1:9".to_string());
        }
        self.moto().env()
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Runs `cairn -C <dir> <args>` pointed at this world's moto server.
    pub fn cairn(&self, args: &[&str]) -> Run {
        self.cairn_in("", args)
    }

    /// Runs `cairn -C <dir>/<sub> <args>`: for worlds of several stacks.
    pub fn cairn_in(&self, sub: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
        let dir = match sub {
            "" => self.dir.path().to_path_buf(),
            sub => self.dir.path().join(sub),
        };
        cmd.arg("-C").arg(dir).args(args);
        for (k, v) in self.aws_env(args) {
            cmd.env(k, v);
        }
        cmd.env("NO_COLOR", "1").env_remove("AWS_PROFILE");
        let out: Output = cmd.output().expect("run cairn");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// [`World::cairn`] with the environment changed: each `(name, Some(value))` set, each
    /// `(name, None)` removed.
    pub fn cairn_env<V: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[&str],
        env: &[(&str, Option<V>)],
    ) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
        cmd.arg("-C").arg(self.dir.path()).args(args);
        for (k, v) in self.aws_env(args) {
            cmd.env(k, v);
        }
        cmd.env("NO_COLOR", "1").env_remove("AWS_PROFILE");
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let out: Output = cmd.output().expect("run cairn");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Replaces `from` by `to` in a stack file (exactly once).
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path(file);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text.matches(from).count(),
            1,
            "{from:?} must occur once in {file}"
        );
        std::fs::write(&path, text.replace(from, to)).expect("write");
    }

    async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(self.moto().endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config().await)
    }

    /// Every client the examples' checks use, from one configuration.
    pub async fn clients(&self) -> Clients {
        let c = self.sdk_config().await;
        Clients {
            ec2: aws_sdk_ec2::Client::new(&c),
            iam: aws_sdk_iam::Client::new(&c),
            ecs: aws_sdk_ecs::Client::new(&c),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&c),
            rds: aws_sdk_rds::Client::new(&c),
            efs: aws_sdk_efs::Client::new(&c),
            logs: aws_sdk_cloudwatchlogs::Client::new(&c),
            s3: self.s3().await,
            dynamodb: aws_sdk_dynamodb::Client::new(&c),
            sqs: aws_sdk_sqs::Client::new(&c),
            kms: aws_sdk_kms::Client::new(&c),
            ssm: aws_sdk_ssm::Client::new(&c),
            secretsmanager: aws_sdk_secretsmanager::Client::new(&c),
            lambda: aws_sdk_lambda::Client::new(&c),
            apigateway: aws_sdk_apigatewayv2::Client::new(&c),
            events: aws_sdk_eventbridge::Client::new(&c),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&c),
            ecr: aws_sdk_ecr::Client::new(&c),
            route53: aws_sdk_route53::Client::new(&c),
            acm: aws_sdk_acm::Client::new(&c),
            sns: aws_sdk_sns::Client::new(&c),
            cloudtrail: aws_sdk_cloudtrail::Client::new(&c),
            wafv2: aws_sdk_wafv2::Client::new(&c),
            appautoscaling: aws_sdk_applicationautoscaling::Client::new(&c),
        }
    }

    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config().await)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
}

/// Copies the stack `from` into `to`; module sources beside the examples (`source = "../`)
/// keep pointing at them.
fn copy_example(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("example dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != ".cairn") {
                std::fs::create_dir_all(&target).expect("mkdir");
                copy_example(&path, &target);
            }
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("read example");
            let modules = format!("source = \"{}/", examples_dir().display());
            std::fs::write(target, text.replace("source = \"../", &modules)).expect("copy");
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Asserts the exit code, showing the whole run when it differs.
/// The region a bucket is in, as S3 says (`us-east-1` for its empty location constraint).
pub async fn bucket_region(s3: &aws_sdk_s3::Client, bucket: &str) -> String {
    let answer = s3
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .expect("location");
    answer
        .location_constraint()
        .map(|l| l.as_str().to_string())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "us-east-1".into())
}

#[track_caller]
pub fn expect_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{run:?}");
}

/// Runs `cairn -C <dir> <args>` for a command that calls no AWS API (no moto server).
pub fn cairn_offline(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cairn");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// How many of each serverless type cairn made exist in moto (each test has its own moto):
/// customer KMS keys that are not pending deletion, aliases other than AWS's own.
pub async fn serverless_inventory(c: &Clients) -> std::collections::BTreeMap<&'static str, usize> {
    let mut n = std::collections::BTreeMap::new();
    let functions = c.lambda.list_functions().send().await.expect("functions");
    n.insert("aws_lambda_function", functions.functions().len());
    let mut permissions = 0;
    for f in functions.functions() {
        // A function without a policy answers ResourceNotFound.
        if let Ok(policy) = c
            .lambda
            .get_policy()
            .function_name(f.function_name().unwrap_or_default())
            .send()
            .await
        {
            let doc: serde_json::Value =
                serde_json::from_str(policy.policy().unwrap_or("{}")).expect("policy JSON");
            permissions += doc["Statement"].as_array().map_or(0, Vec::len);
        }
    }
    n.insert("aws_lambda_permission", permissions);
    let mappings = c
        .lambda
        .list_event_source_mappings()
        .send()
        .await
        .expect("mappings");
    n.insert(
        "aws_lambda_event_source_mapping",
        mappings.event_source_mappings().len(),
    );
    let tables = c.dynamodb.list_tables().send().await.expect("tables");
    n.insert("aws_dynamodb_table", tables.table_names().len());
    let queues = c.sqs.list_queues().send().await.expect("queues");
    n.insert("aws_sqs_queue", queues.queue_urls().len());
    let apis = c.apigateway.get_apis().send().await.expect("apis");
    n.insert("aws_apigatewayv2_api", apis.items().len());
    let (mut stages, mut integrations, mut routes) = (0, 0, 0);
    for api in apis.items() {
        let id = api.api_id().unwrap_or_default();
        let g = &c.apigateway;
        stages += g
            .get_stages()
            .api_id(id)
            .send()
            .await
            .expect("stages")
            .items()
            .len();
        integrations += g
            .get_integrations()
            .api_id(id)
            .send()
            .await
            .expect("integrations")
            .items()
            .len();
        routes += g
            .get_routes()
            .api_id(id)
            .send()
            .await
            .expect("routes")
            .items()
            .len();
    }
    n.insert("aws_apigatewayv2_stage", stages);
    n.insert("aws_apigatewayv2_integration", integrations);
    n.insert("aws_apigatewayv2_route", routes);
    let rules = c.events.list_rules().send().await.expect("rules");
    n.insert("aws_cloudwatch_event_rule", rules.rules().len());
    let alarms = c.cloudwatch.describe_alarms().send().await.expect("alarms");
    n.insert("aws_cloudwatch_metric_alarm", alarms.metric_alarms().len());
    let dashboards = c
        .cloudwatch
        .list_dashboards()
        .send()
        .await
        .expect("dashboards");
    n.insert(
        "aws_cloudwatch_dashboard",
        dashboards.dashboard_entries().len(),
    );
    let repos = c
        .ecr
        .describe_repositories()
        .send()
        .await
        .expect("repositories");
    n.insert("aws_ecr_repository", repos.repositories().len());
    let params = c
        .ssm
        .describe_parameters()
        .send()
        .await
        .expect("parameters");
    n.insert("aws_ssm_parameter", params.parameters().len());
    let secrets = c
        .secretsmanager
        .list_secrets()
        .send()
        .await
        .expect("secrets");
    n.insert("aws_secretsmanager_secret", secrets.secret_list().len());
    let aliases = c.kms.list_aliases().send().await.expect("aliases");
    n.insert(
        "aws_kms_alias",
        aliases
            .aliases()
            .iter()
            .filter(|a| !a.alias_name().is_some_and(|n| n.starts_with("alias/aws/")))
            .count(),
    );
    let profiles = c
        .iam
        .list_instance_profiles()
        .send()
        .await
        .expect("instance profiles");
    n.insert(
        "aws_iam_instance_profile",
        profiles.instance_profiles().len(),
    );
    let policies = c
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("policies");
    n.insert("aws_iam_policy", policies.policies().len());
    // moto makes keys of its own (RDS's default key): only those cairn made count, and a
    // key cairn deleted is pending deletion.
    let mut keys = 0;
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
        if state != Some(&aws_sdk_kms::types::KeyState::PendingDeletion)
            && tags.tags().iter().any(|t| t.tag_key() == "cairn:stack")
        {
            keys += 1;
        }
    }
    n.insert("aws_kms_key", keys);
    let zones = c.route53.list_hosted_zones().send().await.expect("zones");
    n.insert("aws_route53_zone", zones.hosted_zones().len());
    // A zone's own NS and SOA records come and go with it.
    let mut records = 0;
    for zone in zones.hosted_zones() {
        let sets = c
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone.id())
            .send()
            .await
            .expect("record sets");
        records += sets
            .resource_record_sets()
            .iter()
            .filter(|r| {
                !matches!(
                    r.r#type(),
                    aws_sdk_route53::types::RrType::Ns | aws_sdk_route53::types::RrType::Soa
                )
            })
            .count();
    }
    n.insert("aws_route53_record", records);
    let certificates = c
        .acm
        .list_certificates()
        .send()
        .await
        .expect("certificates");
    n.insert(
        "aws_acm_certificate",
        certificates.certificate_summary_list().len(),
    );
    let domains = c
        .apigateway
        .get_domain_names()
        .send()
        .await
        .expect("domains");
    n.insert("aws_apigatewayv2_domain_name", domains.items().len());
    let topics = c.sns.list_topics().send().await.expect("topics");
    n.insert("aws_sns_topic", topics.topics().len());
    let subscriptions = c
        .sns
        .list_subscriptions()
        .send()
        .await
        .expect("subscriptions");
    n.insert(
        "aws_sns_topic_subscription",
        subscriptions.subscriptions().len(),
    );
    let server_certificates = c
        .iam
        .list_server_certificates()
        .send()
        .await
        .expect("server certificates");
    n.insert(
        "aws_iam_server_certificate",
        server_certificates.server_certificate_metadata_list().len(),
    );
    let trails = c.cloudtrail.describe_trails().send().await.expect("trails");
    n.insert("aws_cloudtrail", trails.trail_list().len());
    let endpoints = c
        .ec2
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("endpoints");
    n.insert(
        "aws_vpc_endpoint",
        endpoints
            .vpc_endpoints()
            .iter()
            // EC2 answers `deleted` for a deleted endpoint (lower case, unlike the SDK's enum).
            .filter(|e| {
                !e.state().is_some_and(|s| {
                    matches!(
                        s.as_str().to_ascii_lowercase().as_str(),
                        "deleted" | "deleting"
                    )
                })
            })
            .count(),
    );
    let targets = c
        .appautoscaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("scalable targets");
    n.insert(
        "aws_appautoscaling_target",
        targets.scalable_targets().len(),
    );
    let acls = c
        .wafv2
        .list_web_acls()
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .send()
        .await
        .expect("web ACLs");
    n.insert("aws_wafv2_web_acl", acls.web_acls().len());
    n
}

/// Nothing of the serverless types is left (each test has its own moto, so all of them): KMS
/// keys only wait for their deletion, which AWS cannot do at once.
pub async fn serverless_leaves_nothing(c: &Clients) {
    let left: Vec<(&str, usize)> = serverless_inventory(c)
        .await
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
