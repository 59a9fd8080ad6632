//! The provider conformance test (DESIGN §8) against a real moto server, for every type of
//! the catalog: create; read back equal to the configuration; the lookup after an
//! interrupted create (`find`) finds exactly what create made, and nothing for another
//! address, name or key; an import by the type's import id (in each form it takes) reads
//! what create returned; update in place; an out-of-band change made with a plain AWS call is
//! seen; delete; read, `find` and import after delete find nothing; delete again succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, Once};

use cairn_model::{FoundBy, Value};
use cairn_model::{Observed, OpContext, Provider, ReadRequest};
use cairn_providers::{catalog, shared_catalog, AwsProvider, AwsSettings};
use cairn_testkit::Moto;
use serde_json::{json, Value as Json};

#[path = "conformance/audit.rs"]
mod audit;
#[path = "conformance/dns.rs"]
mod dns;
#[path = "conformance/messaging.rs"]
mod messaging;
#[path = "conformance/routing.rs"]
mod routing;

static CREDENTIALS: Once = Once::new();

/// A resource `conform` created: its type, and the configuration and context it was
/// created with.
type Created = (String, Json, OpContext);

struct World {
    _moto: Moto,
    /// The SDK configuration pointed at moto, for clients of services not listed here.
    #[allow(dead_code)]
    shared: aws_config::SdkConfig,
    provider: AwsProvider,
    ec2: aws_sdk_ec2::Client,
    s3: aws_sdk_s3::Client,
    iam: aws_sdk_iam::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    efs: aws_sdk_efs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ecs: aws_sdk_ecs::Client,
    rds: aws_sdk_rds::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
    kms: aws_sdk_kms::Client,
    ssm: aws_sdk_ssm::Client,
    secretsmanager: aws_sdk_secretsmanager::Client,
    /// What `conform` created, by its type and the id it ended with (a queue policy's id is
    /// its queue's): the type, and the configuration and
    /// context of the create, for the lookup after delete.
    created: Mutex<BTreeMap<(String, String), Created>>,
    /// Types whose lookup was checked after create and after delete.
    looked_up: Mutex<BTreeSet<String>>,
    /// Types whose import was checked after create and after delete.
    imported: Mutex<BTreeSet<String>>,
}

async fn world() -> World {
    CREDENTIALS.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
    let moto = Moto::start();
    let settings = AwsSettings {
        region: Some("us-east-1".into()),
        endpoint: Some(moto.endpoint()),
        artifacts: Some(artifacts_dir()),
        ..AwsSettings::default()
    };
    let provider = AwsProvider::new(settings).await;
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(true)
            .build(),
    );
    World {
        ec2: aws_sdk_ec2::Client::new(&shared),
        iam: aws_sdk_iam::Client::new(&shared),
        logs: aws_sdk_cloudwatchlogs::Client::new(&shared),
        efs: aws_sdk_efs::Client::new(&shared),
        elb: aws_sdk_elasticloadbalancingv2::Client::new(&shared),
        ecs: aws_sdk_ecs::Client::new(&shared),
        rds: aws_sdk_rds::Client::new(&shared),
        dynamodb: aws_sdk_dynamodb::Client::new(&shared),
        sqs: aws_sdk_sqs::Client::new(&shared),
        kms: aws_sdk_kms::Client::new(&shared),
        ssm: aws_sdk_ssm::Client::new(&shared),
        secretsmanager: aws_sdk_secretsmanager::Client::new(&shared),
        s3,
        shared,
        provider,
        _moto: moto,
        created: Mutex::default(),
        looked_up: Mutex::default(),
        imported: Mutex::default(),
    }
}

/// A fresh operation token, shaped like the UUIDs the engine uses.
fn fresh_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let random = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u64(salt);
        h.finish()
    };
    let (a, b) = (random(1), random(2));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

fn ctx(address: &str) -> OpContext {
    // Every conformance create and update carries ownership tags, which reads must hide.
    OpContext {
        address: address.into(),
        stack: Some("conformance".into()),
        token: fresh_token(),
        progress: None,
        provider: None,
    }
}

/// The types each scenario below checks the lookup of (asserted at its end); together, the
/// whole catalog (`every_type_is_looked_up`).
const NETWORK: &[&str] = &[
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table",
    "aws_route_table_association",
    "aws_security_group",
    "aws_security_group_rule",
];
const BUCKET: &[&str] = &["aws_s3_bucket"];
const NAT_IAM_LOGS: &[&str] = &[
    "aws_eip",
    "aws_nat_gateway",
    "aws_iam_role",
    "aws_iam_instance_profile",
    "aws_iam_policy",
    "aws_iam_role_policy_attachment",
    "aws_cloudwatch_log_group",
];
const EFS: &[&str] = &[
    "aws_efs_file_system",
    "aws_efs_mount_target",
    "aws_efs_access_point",
];
const LOAD_BALANCING: &[&str] = &[
    "aws_lb",
    "aws_lb_target_group",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_ecs_cluster",
];
const ECS: &[&str] = &["aws_ecs_task_definition", "aws_ecs_service"];
const DATABASE: &[&str] = &["aws_db_subnet_group", "aws_db_instance"];
const TABLE_QUEUE: &[&str] = &[
    "aws_dynamodb_table",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
];
const KEYS_SECRETS: &[&str] = &[
    "aws_kms_key",
    "aws_kms_alias",
    "aws_ssm_parameter",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_version",
];
const SERVERLESS: &[&str] = &[
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_event_source_mapping",
    "aws_ecr_repository",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_dashboard",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
];
const API_GATEWAY: &[&str] = &[
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_integration",
    "aws_apigatewayv2_route",
];
const SCENARIOS: &[&[&str]] = &[
    NETWORK,
    BUCKET,
    NAT_IAM_LOGS,
    EFS,
    LOAD_BALANCING,
    ECS,
    DATABASE,
    TABLE_QUEUE,
    KEYS_SECRETS,
    SERVERLESS,
    API_GATEWAY,
    routing::TYPES,
    dns::TYPES,
    messaging::TYPES,
    audit::TYPES,
];

/// Whether the lookup of `rtype` goes by ownership tags (or the token create passed) rather
/// than by a unique name or natural key, as the type declares (`SchemaMeta::found_by`).
fn found_by_tags(rtype: &str) -> bool {
    shared_catalog().get(rtype).expect(rtype).found_by == FoundBy::Tags
}

/// Another value of a key attribute, of the same form: an AWS id stays a well-formed id of
/// the same kind, an ARN an ARN, a URL a URL, a route key a route key, a number a number.
fn another(value: &Json) -> Json {
    if let Some(n) = value.as_i64() {
        return json!(n + 1000);
    }
    let s = value.as_str().unwrap_or_default();
    let is_id = s.split_once('-').is_some_and(|(kind, hex)| {
        kind.chars().all(|c| c.is_ascii_lowercase())
            && hex.len() >= 8
            && hex.chars().all(|c| c.is_ascii_hexdigit())
    });
    match s {
        _ if is_id => json!(format!(
            "{}-0000000000000000f",
            s.split('-').next().unwrap_or("")
        )),
        _ if s.starts_with("https://") => json!("https://absent.example"),
        _ if s.contains(' ') => json!("GET /absent"),
        _ => json!(format!("{s}-absent")),
    }
}

/// How each type's lookup tells resources apart, as a configuration and context for which a
/// lookup must find nothing although what the test created exists: another address (and
/// token) for types found by ownership tags or token, another value of the last attribute
/// of the unique name or natural key the type declares for the others. A name the
/// configuration leaves to be generated is looked for by its prefix (`name_prefix`, ...):
/// another prefix then; a generated id with no prefix (an event target's) by the rest of the
/// key: another value of the attribute before it.
fn elsewhere(rtype: &str, config: &Json, op: &OpContext) -> (Json, OpContext) {
    let mut config = config.clone();
    let mut op = op.clone();
    match shared_catalog().get(rtype).expect(rtype).found_by {
        FoundBy::Tags | FoundBy::Token => op = ctx(&format!("{}_other", op.address)),
        FoundBy::Key(attributes) => {
            let last = attributes.last().expect("a key has attributes");
            let prefix = format!("{last}_prefix");
            let generated = config.get(*last).is_none_or(Json::is_null);
            if !generated {
                config[*last] = another(&config[*last]);
            } else if config.get(&prefix).is_some_and(Json::is_string) {
                config[&prefix] = another(&config[&prefix]);
            } else {
                let before = attributes[attributes.len().saturating_sub(2)];
                config[before] = another(&config[before]);
            }
        }
    }
    (config, op)
}

/// The attributes a type declares as its unique name or natural key are its inputs.
#[test]
fn declared_keys_are_attributes() {
    for schema in catalog().types.values() {
        if let FoundBy::Key(attributes) = schema.found_by {
            assert!(!attributes.is_empty(), "{}", schema.type_name);
            for a in attributes {
                assert!(schema.inputs.contains_key(*a), "{}.{a}", schema.type_name);
            }
        }
    }
}

#[test]
fn another_key_value_keeps_its_form() {
    for (value, expected) in [
        (
            json!("rtb-0123456789abcdef0"),
            json!("rtb-0000000000000000f"),
        ),
        (json!("subnet-0a1b2c3d"), json!("subnet-0000000000000000f")),
        (
            json!("alias/seren-credentials"),
            json!("alias/seren-credentials-absent"),
        ),
        (json!("/app/api-key"), json!("/app/api-key-absent")),
        (
            json!("arn:aws:sqs:us-east-1:123456789012:q"),
            json!("arn:aws:sqs:us-east-1:123456789012:q-absent"),
        ),
        (
            json!("https://example.com/x"),
            json!("https://absent.example"),
        ),
        (json!("GET /jobs"), json!("GET /absent")),
        (json!("web-api"), json!("web-api-absent")),
        (json!(8080), json!(9080)),
    ] {
        assert_eq!(another(&value), expected, "{value}");
    }
}

/// The lookup after an interrupted create, right after `created` was created from `config`
/// with `op`: exactly it; and nothing for another address, name or key. Types found by
/// ownership tags also find it for another create of the same address (by the stack's and
/// address's tags, not the token).
async fn assert_found(w: &World, rtype: &str, config: &Json, op: &OpContext, created: &Observed) {
    let found = w
        .provider
        .find(rtype, config, op)
        .await
        .unwrap_or_else(|e| panic!("find {rtype}: {e}"));
    assert_eq!(found, vec![created.clone()], "{rtype}: find after create");
    let (other_config, other_op) = elsewhere(rtype, config, op);
    let found = w
        .provider
        .find(rtype, &other_config, &other_op)
        .await
        .unwrap_or_else(|e| panic!("find {rtype}: {e}"));
    assert_eq!(
        found,
        vec![],
        "{rtype}: find for {other_config} at {}",
        other_op.address
    );
    if found_by_tags(rtype) {
        let again = ctx(&op.address);
        let found = w
            .provider
            .find(rtype, config, &again)
            .await
            .unwrap_or_else(|e| panic!("find {rtype}: {e}"));
        assert_eq!(found, vec![created.clone()], "{rtype}: find by tags");
    }
}

impl World {
    /// The token `conform` created `id`, of `rtype`, with.
    fn token_of(&self, rtype: &str, id: &str) -> String {
        let created = self.created.lock().expect("lock");
        let key = (rtype.to_string(), id.to_string());
        created
            .get(&key)
            .expect("created by conform")
            .2
            .token
            .clone()
    }

    /// Asserts that the lookups and the imports of exactly `types` were checked after create
    /// and delete.
    fn assert_looked_up(&self, types: &[&str]) {
        let checked = self.looked_up.lock().expect("lock").clone();
        let want: BTreeSet<String> = types.iter().map(|t| t.to_string()).collect();
        assert_eq!(checked, want, "types whose lookup was checked");
        let imported = self.imported.lock().expect("lock").clone();
        assert_eq!(imported, want, "types whose import was checked");
    }
}

/// What an import of `created` reads: `created`, with the attributes AWS does not keep as
/// not set.
fn as_imported(rtype: &str, created: &Observed) -> Observed {
    let mut o = created.clone();
    if let Some(inputs) = o.inputs.as_object_mut() {
        // Attributes of cairn's own that AWS does not keep (`x-not-in-aws`): an import
        // cannot know them and shows them as not set.
        let schema = shared_catalog().get(rtype).expect(rtype);
        for (name, _) in schema.inputs.iter().filter(|(_, a)| a.not_in_aws) {
            inputs.remove(name);
        }
    }
    o.inputs = normalized(rtype, &o.inputs);
    o
}

/// An import of what was just created, by each of its import ids, reads what create
/// returned.
async fn assert_imports(w: &World, rtype: &str, created: &Observed) {
    let want = as_imported(rtype, created);
    for id in cairn_providers::import_ids(rtype, created) {
        let got = w
            .provider
            .import(rtype, &id)
            .await
            .unwrap_or_else(|e| panic!("import {rtype} {id}: {e}"));
        assert_eq!(got.as_ref(), Some(&want), "{rtype}: import {id}");
    }
}

/// The normalised configuration, as the engine hands it to the provider.
fn normalized(rtype: &str, config: &Json) -> Json {
    let schema = shared_catalog().get(rtype).expect("type in catalog");
    schema
        .normalize(&Value::from_json(config.clone()))
        .to_json_lossy()
}

/// Whether `have` holds everything `want` sets: blocks compare the attributes they set
/// (those left out are AWS's, as in planning); everything else compares whole.
fn covers(want: &Json, have: &Json) -> bool {
    match (want, have) {
        (Json::Object(w), Json::Object(h)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|hv| covers(v, hv))),
        _ => want == have,
    }
}

/// Every attribute the configuration sets reads back equal.
fn assert_round_trip(rtype: &str, config: &Json, observed: &Observed) {
    let want = normalized(rtype, config);
    for (k, v) in want.as_object().expect("object") {
        assert!(
            observed.inputs.get(k).is_some_and(|have| covers(v, have)),
            "{rtype}.{k}: read back {} for configured {}",
            observed.inputs,
            want
        );
    }
}

async fn read(w: &World, rtype: &str, id: &str, prior: &Json) -> Option<Observed> {
    let req = ReadRequest {
        id: id.into(),
        prior_inputs: prior.clone(),
    };
    let mut got = w.provider.read(rtype, &[req]).await.expect("read");
    got.remove(id).expect("every requested id is answered")
}

/// `config` with each value whose spelling AWS normalises (`Spelling`) written another way
/// AWS accepts: an alias (`all` for `-1`, `6` for `tcp`), the other case (`TCP`, `http`), host
/// bits in a CIDR block (`10.0.0.1/16`). Planning compares such a configuration equal to what
/// AWS answers, so conformance runs every scenario in them.
fn other_spelling(rtype: &str, config: &Json) -> Json {
    let schema = shared_catalog().get(rtype).expect("type in catalog");
    respelled_fields(&schema.inputs, config)
}

fn respelled_fields(fields: &BTreeMap<String, cairn_model::Attribute>, config: &Json) -> Json {
    use cairn_model::AttrType;
    let Json::Object(m) = config else {
        return config.clone();
    };
    m.iter()
        .map(|(k, v)| {
            let Some(a) = fields.get(k) else {
                return (k.clone(), v.clone());
            };
            let v = match (&a.ty, v) {
                (AttrType::Object(f), _) => respelled_fields(f, v),
                (AttrType::List(t) | AttrType::Set(t), Json::Array(items)) => match &**t {
                    AttrType::Object(f) => items.iter().map(|i| respelled_fields(f, i)).collect(),
                    _ => respelled(&a.spelling, v),
                },
                _ => respelled(&a.spelling, v),
            };
            (k.clone(), v)
        })
        .collect()
}

fn respelled(spelling: &cairn_model::Spelling, v: &Json) -> Json {
    match v {
        Json::Array(items) => items.iter().map(|i| respelled(spelling, i)).collect(),
        Json::String(text) => {
            let mut out = spelling
                .aliases
                .iter()
                .find(|(_, to)| to == text)
                .map(|(alias, _)| alias.clone())
                .unwrap_or_else(|| text.clone());
            if spelling.lowercase {
                out = out.to_uppercase();
            } else if spelling.uppercase {
                out = out.to_lowercase();
            }
            if spelling.cidr {
                if let Some((address, prefix)) = out.split_once('/') {
                    let host = address.parse::<std::net::Ipv4Addr>().ok();
                    let prefix = prefix.parse::<u32>().ok().filter(|p| *p < 32);
                    if let (Some(host), Some(prefix)) = (host, prefix) {
                        out = format!("{}/{prefix}", std::net::Ipv4Addr::from(u32::from(host) | 1));
                    }
                }
            }
            Json::String(out)
        }
        other => other.clone(),
    }
}

/// The conformance sequence for one type. `change` is applied with plain SDK calls and must
/// be seen by the next read (`seen` checks it); `None` for `updated` skips the in-place update
/// (types whose every attribute forces replacement).
async fn conform<F, Fut>(
    w: &World,
    rtype: &str,
    config: Json,
    updated: Option<Json>,
    change: F,
    seen: impl Fn(Option<&Observed>) -> bool,
) -> Observed
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // Written in the other spellings AWS accepts: they must read back as configured.
    let config = other_spelling(rtype, &config);
    let updated = updated.map(|u| other_spelling(rtype, &u));
    let address = format!("{rtype}.test");
    let config_n = normalized(rtype, &config);
    let op = ctx(&address);
    let created = w
        .provider
        .create(rtype, &config_n, &op)
        .await
        .unwrap_or_else(|e| panic!("create {rtype}: {e}"));
    assert_round_trip(rtype, &config, &created);
    let again = read(w, rtype, &created.id, &created.inputs).await;
    assert_eq!(again.as_ref(), Some(&created), "{rtype}: read after create");
    assert_found(w, rtype, &config_n, &op, &created).await;
    assert_imports(w, rtype, &created).await;

    let mut current = created;
    if let Some(updated) = updated {
        let updated_n = normalized(rtype, &updated);
        current = w
            .provider
            .update(rtype, &current, &updated_n, &ctx(&address))
            .await
            .unwrap_or_else(|e| panic!("update {rtype}: {e}"));
        assert_round_trip(rtype, &updated, &current);
        assert_eq!(
            read(w, rtype, &current.id, &current.inputs).await.as_ref(),
            Some(&current)
        );
    }

    change(current.id.clone()).await;
    let after = read(w, rtype, &current.id, &current.inputs).await;
    assert!(
        seen(after.as_ref()),
        "{rtype}: out-of-band change not seen: {after:?}"
    );
    let last = after.unwrap_or(current);
    w.created.lock().expect("lock").insert(
        (rtype.to_string(), last.id.clone()),
        (rtype.to_string(), config_n, op),
    );
    last
}

async fn delete(w: &World, rtype: &str, obs: &Observed) {
    w.provider
        .delete(rtype, obs, &ctx(rtype))
        .await
        .unwrap_or_else(|e| panic!("delete {rtype}: {e}"));
    assert_eq!(
        read(w, rtype, &obs.id, &obs.inputs).await,
        None,
        "{rtype}: read after delete"
    );
    let created = w
        .created
        .lock()
        .expect("lock")
        .remove(&(rtype.to_string(), obs.id.clone()));
    if let Some((created_type, config, op)) = created {
        assert_eq!(created_type, rtype);
        let found = w
            .provider
            .find(rtype, &config, &op)
            .await
            .unwrap_or_else(|e| panic!("find {rtype}: {e}"));
        assert_eq!(found, vec![], "{rtype}: find after delete");
        w.looked_up.lock().expect("lock").insert(rtype.to_string());
        for id in cairn_providers::import_ids(rtype, obs) {
            let got = w
                .provider
                .import(rtype, &id)
                .await
                .unwrap_or_else(|e| panic!("import {rtype} {id}: {e}"));
            assert_eq!(got, None, "{rtype}: import {id} after delete");
        }
        w.imported.lock().expect("lock").insert(rtype.to_string());
    }
    w.provider
        .delete(rtype, obs, &ctx(rtype))
        .await
        .unwrap_or_else(|e| panic!("second delete {rtype}: {e}"));
}

async fn tag(w: &World, id: &str, key: &str, value: &str) {
    w.ec2
        .create_tags()
        .resources(id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .expect("create_tags");
}

fn tag_is(key: &'static str, value: &'static str) -> impl Fn(Option<&Observed>) -> bool {
    move |o| o.is_some_and(|o| o.inputs["tags"][key] == value)
}

/// Every constraint a type declares refuses a value that breaks it (and so does `validate`,
/// which checks the same constraints): none is declared and then never enforced.
#[test]
fn declared_constraints_refuse_what_breaks_them() {
    fn walk(
        rtype: &str,
        prefix: &str,
        fields: &BTreeMap<String, cairn_model::Attribute>,
        checked: &mut usize,
    ) {
        for (name, a) in fields {
            let path = format!("{prefix}{name}");
            for (what, value) in a.constraints.violations() {
                let refused = a.constraints.check(&value);
                assert!(
                    refused.is_err(),
                    "{rtype}.{path}: {what} does not refuse {value:?}"
                );
                *checked += 1;
            }
            let inner = match &a.ty {
                cairn_model::AttrType::Object(f) => Some(f),
                cairn_model::AttrType::List(t) | cairn_model::AttrType::Set(t) => match &**t {
                    cairn_model::AttrType::Object(f) => Some(f),
                    _ => None,
                },
                _ => None,
            };
            if let Some(f) = inner {
                walk(rtype, &format!("{path}."), f, checked);
            }
        }
    }
    let mut checked = 0;
    for (rtype, schema) in &shared_catalog().types {
        walk(rtype, "", &schema.inputs, &mut checked);
        for rule in &schema.rules {
            for name in rule
                .when
                .keys()
                .chain(&rule.given)
                .chain(&rule.require)
                .chain(&rule.forbid)
            {
                assert!(
                    schema.inputs.contains_key(name),
                    "{rtype}: a rule names `{name}`, which is not an attribute"
                );
            }
        }
    }
    assert!(checked >= 30, "only {checked} constraints checked");
}

/// The other spellings `conform` writes its configurations in are other, and plan equal.
#[test]
fn other_spellings_differ_and_normalise_equal() {
    let check = |rtype: &str, config: Json, want: Json| {
        let other = other_spelling(rtype, &config);
        assert_eq!(other, want, "{rtype}");
        assert_eq!(
            normalized(rtype, &other),
            normalized(rtype, &config),
            "{rtype}"
        );
    };
    check(
        "aws_security_group_rule",
        json!({"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp",
               "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]}),
        json!({"type": "ingress", "security_group_id": "sg-1", "protocol": "6",
               "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.1/16"]}),
    );
    check(
        "aws_security_group",
        json!({"name": "g", "vpc_id": "vpc-1", "egress": [{"protocol": "-1", "from_port": 0,
               "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}]}),
        json!({"name": "g", "vpc_id": "vpc-1", "egress": [{"protocol": "ALL", "from_port": 0,
               "to_port": 0, "cidr_blocks": ["0.0.0.1/0"]}]}),
    );
    check(
        "aws_lb_target_group",
        json!({"name": "app", "port": 80, "protocol": "HTTP", "vpc_id": "vpc-1"}),
        json!({"name": "app", "port": 80, "protocol": "http", "vpc_id": "vpc-1"}),
    );
}

#[test]
fn every_type_is_looked_up() {
    let mut covered = BTreeSet::new();
    for types in SCENARIOS {
        for t in *types {
            assert!(covered.insert(t.to_string()), "{t} is in two scenarios");
        }
    }
    let all: BTreeSet<String> = catalog().types.keys().cloned().collect();
    assert_eq!(covered, all);
}

/// Of several resources carrying the stack's and the address's tags, the one with the
/// create's own token comes first; without a stack only the token counts.
#[tokio::test]
async fn find_puts_the_create_s_own_token_first() {
    let owned = world().await;
    let w = &owned;
    let config = normalized("aws_vpc", &json!({"cidr_block": "10.20.0.0/16"}));
    let (first_op, second_op) = (ctx("aws_vpc.main"), ctx("aws_vpc.main"));
    let first = w
        .provider
        .create("aws_vpc", &config, &first_op)
        .await
        .expect("first");
    let second = w
        .provider
        .create("aws_vpc", &config, &second_op)
        .await
        .expect("second");
    let ids = |found: Vec<Observed>| found.into_iter().map(|o| o.id).collect::<Vec<_>>();
    let find = |op: OpContext| {
        let config = config.clone();
        async move {
            w.provider
                .find("aws_vpc", &config, &op)
                .await
                .expect("find")
        }
    };
    assert_eq!(
        ids(find(first_op.clone()).await),
        vec![first.id.clone(), second.id.clone()]
    );
    assert_eq!(
        ids(find(second_op.clone()).await),
        vec![second.id.clone(), first.id.clone()]
    );
    // Another create of the address finds both, made before it; another stack nothing.
    assert_eq!(ids(find(ctx("aws_vpc.main")).await).len(), 2);
    let elsewhere = OpContext {
        stack: Some("other".into()),
        ..ctx("aws_vpc.main")
    };
    assert!(find(elsewhere).await.is_empty());
    let stackless = OpContext {
        stack: None,
        ..first_op.clone()
    };
    assert_eq!(ids(find(stackless).await), vec![first.id.clone()]);
    // Nor do updates tag the token: only the create that made a resource is its token's.
    let mut tagged = config.clone();
    tagged["tags"] = json!({"Name": "main"});
    w.provider
        .update("aws_vpc", &second, &tagged, &ctx("aws_vpc.main"))
        .await
        .expect("update");
    assert_eq!(
        ids(find(second_op).await),
        vec![second.id.clone(), first.id.clone()]
    );
}

/// An import id in the wrong format is refused, saying what the format is; one in the right
/// format that names nothing finds nothing. Every type documents its format.
#[tokio::test]
async fn imports_refuse_ids_in_the_wrong_format_and_find_nothing_for_absent_ones() {
    let owned = world().await;
    let w = &owned;
    let cat = catalog();
    for rtype in cat.types.keys() {
        let format = &cat.get(rtype).expect("type in catalog").import_id;
        assert!(!format.is_empty(), "{rtype} documents no import id");
        let checks = cairn_providers::import_checks(rtype).expect("a registered type");
        assert!(
            !checks.malformed.is_empty(),
            "{rtype} shows no import id its import refuses"
        );
        for id in checks.malformed {
            match w.provider.import(rtype, id).await {
                Err(cairn_model::ProviderError::InvalidConfig(m)) => assert!(
                    m.contains(format.as_str()) && m.contains(&format!("`{id}`")),
                    "{rtype}: the refusal of `{id}` does not say the format: {m}"
                ),
                other => panic!("{rtype}: import `{id}` is not refused: {other:?}"),
            }
        }
        if let Some(id) = checks.absent {
            let got = w
                .provider
                .import(rtype, id)
                .await
                .unwrap_or_else(|e| panic!("import {rtype} {id}: {e}"));
            assert_eq!(got, None, "{rtype}: import {id}");
        }
    }
    // A rule's sources share one description; sources AWS describes differently are two
    // rules, which one import cannot take.
    let vpc = w
        .provider
        .create(
            "aws_vpc",
            &normalized("aws_vpc", &json!({"cidr_block": "10.30.0.0/16"})),
            &ctx("vpc"),
        )
        .await
        .expect("vpc");
    let sg = w
        .provider
        .create(
            "aws_security_group",
            &normalized(
                "aws_security_group",
                &json!({"name": "ssh", "vpc_id": vpc.id, "ingress": [
                    {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.1.0.0/16"], "description": "office"},
                    {"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.2.0.0/16"], "description": "vpn"},
                    {"protocol": "-1", "from_port": 0, "to_port": 0, "self": true}]}),
            ),
            &ctx("sg"),
        )
        .await
        .expect("group");
    let one = w
        .provider
        .import(
            "aws_security_group_rule",
            &format!("{}_ingress_tcp_22_22_10.2.0.0/16", sg.id),
        )
        .await
        .expect("import one source")
        .expect("the rule exists");
    assert_eq!(one.inputs["description"], "vpn", "{}", one.inputs);
    let this = w
        .provider
        .import(
            "aws_security_group_rule",
            &format!("{}_ingress_all_0_0_self", sg.id),
        )
        .await
        .expect("import self")
        .expect("the rule exists");
    assert_eq!(this.inputs["source_security_group_id"], json!(sg.id));
    assert_eq!(this.inputs["protocol"], "-1");
    let both = w
        .provider
        .import(
            "aws_security_group_rule",
            &format!("{}_ingress_tcp_22_22_10.1.0.0/16_10.2.0.0/16", sg.id),
        )
        .await;
    assert!(
        matches!(&both, Err(cairn_model::ProviderError::InvalidConfig(m)) if m.contains("descriptions")),
        "{both:?}"
    );
    // An import records the rule sets a group has, and leaves out an empty one (as a
    // configuration that manages rules elsewhere does).
    let group = w
        .provider
        .import("aws_security_group", &sg.id)
        .await
        .expect("import group")
        .expect("the group exists");
    assert_eq!(group.inputs["ingress"], sg.inputs["ingress"]);
    assert!(group.inputs["egress"].is_array(), "{}", group.inputs);
    let bare = w
        .provider
        .create(
            "aws_security_group",
            &normalized(
                "aws_security_group",
                &json!({"name": "bare", "vpc_id": vpc.id, "egress": []}),
            ),
            &ctx("bare"),
        )
        .await
        .expect("bare group");
    let bare = w
        .provider
        .import("aws_security_group", &bare.id)
        .await
        .expect("import bare")
        .expect("the group exists");
    assert!(bare.inputs.get("ingress").is_none(), "{}", bare.inputs);
    assert!(bare.inputs.get("egress").is_none(), "{}", bare.inputs);
}

#[test]
fn catalog_has_every_type_with_replacement_rules() {
    let cat = catalog();
    let force_new = |t: &str, a: &str| cat.get(t).expect(t).inputs[a].force_new;
    for t in [
        "aws_vpc",
        "aws_subnet",
        "aws_internet_gateway",
        "aws_route_table",
        "aws_route_table_association",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_s3_bucket",
    ] {
        assert!(cat.get(t).is_some(), "{t}");
    }
    assert!(force_new("aws_vpc", "cidr_block"));
    assert!(!force_new("aws_vpc", "enable_dns_hostnames"));
    assert!(force_new("aws_subnet", "cidr_block"));
    assert!(!force_new("aws_subnet", "map_public_ip_on_launch"));
    assert!(!force_new("aws_route_table_association", "route_table_id"));
    assert!(force_new("aws_security_group", "name"));
    assert!(force_new("aws_s3_bucket", "bucket"));
    assert!(cat.get("aws_s3_bucket").expect("bucket").stateful);
    assert!(!cat.get("aws_vpc").expect("vpc").stateful);
}

#[tokio::test]
async fn network_types_conform() {
    let owned = world().await;
    let w = &owned;

    let vpc = conform(
        w,
        "aws_vpc",
        json!({"cidr_block": "10.7.0.0/16", "tags": {"Name": "conf"}}),
        Some(json!({"cidr_block": "10.7.0.0/16", "enable_dns_hostnames": true, "tags": {"Name": "conf2", "Env": "t"}})),
        |id| async move { tag(w, &id, "Name", "by-hand").await },
        tag_is("Name", "by-hand"),
    )
    .await;
    assert!(
        vpc.outputs["main_route_table_id"].is_string(),
        "{}",
        vpc.outputs
    );
    assert!(
        vpc.outputs["default_security_group_id"].is_string(),
        "{}",
        vpc.outputs
    );
    assert_eq!(vpc.inputs["enable_dns_hostnames"], true);
    let vpc_id = vpc.id.clone();
    // The create's token is a tag of what it made (and stays through updates), hidden from
    // reads.
    let described = w
        .ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect("describe_vpcs");
    let tags: BTreeMap<&str, &str> = described
        .vpcs()
        .first()
        .expect("the VPC")
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?, t.value()?)))
        .collect();
    assert_eq!(
        tags.get("cairn:token").copied(),
        Some(w.token_of("aws_vpc", &vpc_id).as_str()),
        "{tags:?}"
    );
    assert_eq!(tags.get("cairn:address").copied(), Some("aws_vpc.test"));
    assert!(vpc.inputs["tags"].get("cairn:token").is_none());

    let subnet = conform(
        w,
        "aws_subnet",
        json!({"vpc_id": vpc_id, "cidr_block": "10.7.1.0/24", "availability_zone": "us-east-1a"}),
        Some(json!({"vpc_id": vpc_id, "cidr_block": "10.7.1.0/24", "availability_zone": "us-east-1a", "map_public_ip_on_launch": true, "tags": {"Tier": "public"}})),
        |id| async move { tag(w, &id, "Tier", "changed").await },
        tag_is("Tier", "changed"),
    )
    .await;

    let igw = conform(
        w,
        "aws_internet_gateway",
        json!({"vpc_id": vpc_id}),
        Some(json!({"vpc_id": vpc_id, "tags": {"Name": "gw"}})),
        |id| async move { tag(w, &id, "Name", "other").await },
        tag_is("Name", "other"),
    )
    .await;

    let rt = conform(
        w,
        "aws_route_table",
        json!({"vpc_id": vpc_id, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]}),
        Some(json!({"vpc_id": vpc_id, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}, {"cidr_block": "192.168.0.0/16", "gateway_id": igw.id}]})),
        |id| async move {
            w.ec2
                .delete_route()
                .route_table_id(&id)
                .destination_cidr_block("192.168.0.0/16")
                .send()
                .await
                .expect("delete_route");
        },
        |o| o.is_some_and(|o| o.inputs["route"].as_array().map(Vec::len) == Some(1)),
    )
    .await;

    let rt2 = w
        .provider
        .create(
            "aws_route_table",
            &normalized("aws_route_table", &json!({"vpc_id": vpc_id})),
            &ctx("rt2"),
        )
        .await
        .expect("second table");
    let assoc = conform(
        w,
        "aws_route_table_association",
        json!({"subnet_id": subnet.id, "route_table_id": rt.id}),
        Some(json!({"subnet_id": subnet.id, "route_table_id": rt2.id})),
        |id| async move {
            w.ec2
                .disassociate_route_table()
                .association_id(&id)
                .send()
                .await
                .expect("disassociate");
        },
        |o| o.is_none(),
    )
    .await;

    let sg = conform(
        w,
        "aws_security_group",
        json!({"name": "web", "vpc_id": vpc_id,
               "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"], "description": "HTTPS"}],
               "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}]}),
        Some(json!({"name": "web", "vpc_id": vpc_id,
               "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"], "description": "HTTPS"},
                           {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"], "self": true}],
               "egress": [], "tags": {"Name": "web"}})),
        |id| async move {
            w.ec2
                .authorize_security_group_ingress()
                .group_id(&id)
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .cidr_ip("1.2.3.4/32")
                .send()
                .await
                .expect("authorize");
        },
        |o| o.is_some_and(|o| o.inputs["ingress"].as_array().map(Vec::len) == Some(3)),
    )
    .await;
    assert_eq!(sg.inputs["egress"], json!([]));

    let other = w
        .provider
        .create(
            "aws_security_group",
            &normalized(
                "aws_security_group",
                &json!({"name": "app", "vpc_id": vpc_id}),
            ),
            &ctx("other"),
        )
        .await
        .expect("second group");
    let rule = conform(
        w,
        "aws_security_group_rule",
        json!({"security_group_id": other.id, "type": "ingress", "protocol": "tcp", "from_port": 8080, "to_port": 8080, "source_security_group_id": sg.id}),
        None,
        |_| async {
            w.ec2
                .revoke_security_group_ingress()
                .group_id(&other.id)
                .ip_permissions(
                    aws_sdk_ec2::types::IpPermission::builder()
                        .ip_protocol("tcp")
                        .from_port(8080)
                        .to_port(8080)
                        .user_id_group_pairs(aws_sdk_ec2::types::UserIdGroupPair::builder().group_id(&sg.id).build())
                        .build(),
                )
                .send()
                .await
                .expect("revoke");
        },
        |o| o.is_none(),
    )
    .await;

    // Deletes in reverse dependency order, each checked by a read.
    delete(w, "aws_security_group_rule", &rule).await;
    delete(w, "aws_security_group", &other).await;
    delete(w, "aws_security_group", &sg).await;
    delete(w, "aws_route_table_association", &assoc).await;
    delete(w, "aws_route_table", &rt2).await;
    delete(w, "aws_route_table", &rt).await;
    delete(w, "aws_internet_gateway", &igw).await;
    delete(w, "aws_subnet", &subnet).await;
    delete(w, "aws_vpc", &vpc).await;
    w.assert_looked_up(NETWORK);
}

#[tokio::test]
async fn bucket_conforms() {
    let owned = world().await;
    let w = &owned;
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "SSLOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::conf-bucket", "arn:aws:s3:::conf-bucket/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]});
    let bucket = conform(
        w,
        "aws_s3_bucket",
        json!({"bucket": "conf-bucket", "versioning": true, "force_destroy": true,
               "server_side_encryption": {"sse_algorithm": "AES256"},
               "public_access_block": {"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": true, "restrict_public_buckets": true},
               "policy": policy.to_string(), "tags": {"Name": "logs"}}),
        Some(json!({"bucket": "conf-bucket", "versioning": true, "force_destroy": true,
               "server_side_encryption": {"sse_algorithm": "AES256"},
               "policy": policy, "tags": {"Name": "logs", "Env": "test"}})),
        |id| async move {
            w.s3.delete_bucket_policy().bucket(&id).send().await.expect("delete policy");
        },
        |o| o.is_some_and(|o| o.inputs.get("policy").is_none()),
    )
    .await;
    assert_eq!(bucket.outputs["arn"], "arn:aws:s3:::conf-bucket");
    // A versioned bucket with objects goes with force_destroy.
    for i in 0..3 {
        w.s3.put_object()
            .bucket("conf-bucket")
            .key(format!("k{}", i % 2))
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"x"))
            .send()
            .await
            .expect("put object");
    }
    delete(w, "aws_s3_bucket", &bucket).await;
    w.assert_looked_up(BUCKET);
}

#[tokio::test]
async fn reads_are_batched_and_report_missing_ids() {
    let owned = world().await;
    let w = &owned;
    let mut ids = Vec::new();
    for i in 0..3 {
        let cfg = normalized("aws_vpc", &json!({"cidr_block": format!("10.{i}.0.0/16")}));
        ids.push(
            w.provider
                .create("aws_vpc", &cfg, &ctx("v"))
                .await
                .expect("vpc")
                .id,
        );
    }
    ids.push("vpc-0000000000000000f".into());
    let reqs: Vec<ReadRequest> = ids
        .iter()
        .map(|id| ReadRequest {
            id: id.clone(),
            prior_inputs: Json::Null,
        })
        .collect();
    let got = w.provider.read("aws_vpc", &reqs).await.expect("read");
    assert_eq!(got.len(), 4);
    assert_eq!(got.values().filter(|o| o.is_some()).count(), 3);
    assert_eq!(got["vpc-0000000000000000f"], None);
    // Unknown types and invalid configurations are errors, not panics.
    assert!(w.provider.read("aws_nope", &reqs).await.is_err());
    let bad = w
        .provider
        .create("aws_vpc", &json!({"cidr": 1}), &ctx("bad"))
        .await;
    assert!(
        matches!(bad, Err(cairn_model::ProviderError::InvalidConfig(_))),
        "{bad:?}"
    );
}

#[tokio::test]
async fn nat_iam_and_logs_conform() {
    let owned = world().await;
    let w = &owned;
    let vpc = w
        .provider
        .create(
            "aws_vpc",
            &normalized("aws_vpc", &json!({"cidr_block": "10.9.0.0/16"})),
            &ctx("vpc"),
        )
        .await
        .expect("vpc");
    let subnet = w
        .provider
        .create(
            "aws_subnet",
            &normalized(
                "aws_subnet",
                &json!({"vpc_id": vpc.id, "cidr_block": "10.9.1.0/24"}),
            ),
            &ctx("subnet"),
        )
        .await
        .expect("subnet");

    let eip = conform(
        w,
        "aws_eip",
        json!({"domain": "vpc"}),
        Some(json!({"domain": "vpc", "tags": {"Name": "nat"}})),
        |id| async move { tag(w, &id, "Name", "moved").await },
        tag_is("Name", "moved"),
    )
    .await;
    assert!(eip.outputs["public_ip"]
        .as_str()
        .is_some_and(|ip| !ip.is_empty()));

    let nat = conform(
        w,
        "aws_nat_gateway",
        json!({"subnet_id": subnet.id, "allocation_id": eip.id}),
        Some(json!({"subnet_id": subnet.id, "allocation_id": eip.id, "tags": {"Name": "nat"}})),
        |id| async move { tag(w, &id, "Name", "renamed").await },
        tag_is("Name", "renamed"),
    )
    .await;

    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = conform(
        w,
        "aws_iam_role",
        json!({"name": "task-exec", "assume_role_policy": trust.to_string(),
               "managed_policy_arns": ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]}),
        Some(json!({"name": "task-exec", "assume_role_policy": trust, "description": "runs tasks",
               "managed_policy_arns": [],
               "inline_policy": [{"name": "logs", "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}}],
               "tags": {"Team": "core"}})),
        |id| async move {
            w.iam
                .tag_role()
                .role_name(&id)
                .tags(aws_sdk_iam::types::Tag::builder().key("Team").value("other").build().expect("tag"))
                .send()
                .await
                .expect("tag_role");
        },
        tag_is("Team", "other"),
    )
    .await;
    assert!(role.outputs["arn"]
        .as_str()
        .is_some_and(|a| a.ends_with(":role/task-exec")));

    // Updated to hold no role (the out-of-band change puts one back).
    let profile = conform(
        w,
        "aws_iam_instance_profile",
        json!({"name": "workers", "role": "task-exec"}),
        Some(json!({"name": "workers", "tags": {"Team": "core"}})),
        |id| async move {
            w.iam
                .add_role_to_instance_profile()
                .instance_profile_name(&id)
                .role_name("task-exec")
                .send()
                .await
                .expect("add role");
        },
        |o| o.is_some_and(|o| o.inputs["role"] == "task-exec"),
    )
    .await;
    assert!(profile.outputs["arn"]
        .as_str()
        .is_some_and(|a| a.ends_with(":instance-profile/workers")));

    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    let policy = conform(
        w,
        "aws_iam_policy",
        json!({"name": "read", "policy": doc}),
        Some(json!({"name": "read", "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}})),
        |arn| async move {
            w.iam
                .create_policy_version()
                .policy_arn(&arn)
                .policy_document(doc.to_string())
                .set_as_default(true)
                .send()
                .await
                .expect("policy version");
        },
        |o| o.is_some_and(|o| o.inputs["policy"]["Statement"][0]["Action"] == "s3:GetObject"),
    )
    .await;

    let attachment = conform(
        w,
        "aws_iam_role_policy_attachment",
        json!({"role": "task-exec", "policy_arn": policy.id}),
        None,
        |_| async {
            w.iam
                .detach_role_policy()
                .role_name("task-exec")
                .policy_arn(&policy.id)
                .send()
                .await
                .expect("detach");
        },
        |o| o.is_none(),
    )
    .await;

    let group = conform(
        w,
        "aws_cloudwatch_log_group",
        json!({"name": "/ecs/app", "retention_in_days": 30}),
        Some(json!({"name": "/ecs/app", "retention_in_days": 7, "tags": {"App": "web"}})),
        |id| async move {
            w.logs
                .put_retention_policy()
                .log_group_name(&id)
                .retention_in_days(90)
                .send()
                .await
                .expect("retention");
        },
        |o| o.is_some_and(|o| o.inputs["retention_in_days"] == 90),
    )
    .await;

    delete(w, "aws_cloudwatch_log_group", &group).await;
    delete(w, "aws_iam_role_policy_attachment", &attachment).await;
    delete(w, "aws_iam_policy", &policy).await;
    delete(w, "aws_iam_instance_profile", &profile).await;
    delete(w, "aws_iam_role", &role).await;
    delete(w, "aws_nat_gateway", &nat).await;
    delete(w, "aws_eip", &eip).await;
    w.assert_looked_up(NAT_IAM_LOGS);
}

#[tokio::test]
async fn efs_types_conform() {
    let owned = world().await;
    let w = &owned;
    let vpc = w
        .provider
        .create(
            "aws_vpc",
            &normalized("aws_vpc", &json!({"cidr_block": "10.11.0.0/16"})),
            &ctx("vpc"),
        )
        .await
        .expect("vpc");
    let subnet = w
        .provider
        .create(
            "aws_subnet",
            &normalized(
                "aws_subnet",
                &json!({"vpc_id": vpc.id, "cidr_block": "10.11.1.0/24"}),
            ),
            &ctx("subnet"),
        )
        .await
        .expect("subnet");
    let sg = |name: &str| {
        normalized(
            "aws_security_group",
            &json!({"name": name, "vpc_id": vpc.id}),
        )
    };
    let sg1 = w
        .provider
        .create("aws_security_group", &sg("efs1"), &ctx("sg1"))
        .await
        .expect("sg1");
    let sg2 = w
        .provider
        .create("aws_security_group", &sg("efs2"), &ctx("sg2"))
        .await
        .expect("sg2");

    let fs = conform(
        w,
        "aws_efs_file_system",
        json!({"encrypted": true, "lifecycle_policy": [{"transition_to_ia": "AFTER_30_DAYS"}], "tags": {"Name": "data"}}),
        Some(json!({"encrypted": true, "lifecycle_policy": [{"transition_to_ia": "AFTER_7_DAYS"}], "tags": {"Name": "data", "Env": "t"}})),
        |id| async move {
            w.efs
                .tag_resource()
                .resource_id(&id)
                .tags(aws_sdk_efs::types::Tag::builder().key("Name").value("by-hand").build().expect("tag"))
                .send()
                .await
                .expect("tag");
        },
        tag_is("Name", "by-hand"),
    )
    .await;
    assert!(fs.outputs["dns_name"]
        .as_str()
        .is_some_and(|d| d.starts_with(&fs.id)));

    let mt = conform(
        w,
        "aws_efs_mount_target",
        json!({"file_system_id": fs.id, "subnet_id": subnet.id, "security_groups": [sg1.id]}),
        Some(json!({"file_system_id": fs.id, "subnet_id": subnet.id, "security_groups": [sg2.id]})),
        |id| async move {
            w.efs
                .modify_mount_target_security_groups()
                .mount_target_id(&id)
                .security_groups(&sg1.id)
                .security_groups(&sg2.id)
                .send()
                .await
                .expect("modify groups");
        },
        |o| o.is_some_and(|o| o.inputs["security_groups"].as_array().map(Vec::len) == Some(2)),
    )
    .await;

    let ap = conform(
        w,
        "aws_efs_access_point",
        json!({"file_system_id": fs.id, "posix_user": {"uid": 1000, "gid": 1000},
               "root_directory": {"path": "/data", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "755"}}}),
        Some(json!({"file_system_id": fs.id, "posix_user": {"uid": 1000, "gid": 1000},
               "root_directory": {"path": "/data", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "755"}},
               "tags": {"App": "foundry"}})),
        |id| async move {
            w.efs.delete_access_point().access_point_id(&id).send().await.expect("delete ap");
        },
        |o| o.is_none(),
    )
    .await;

    delete(w, "aws_efs_access_point", &ap).await;
    delete(w, "aws_efs_mount_target", &mt).await;
    delete(w, "aws_efs_file_system", &fs).await;
    w.assert_looked_up(EFS);
}

async fn elb_tag(w: &World, arn: &str, key: &str, value: &str) {
    w.elb
        .add_tags()
        .resource_arns(arn)
        .tags(
            aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .expect("add_tags");
}

#[tokio::test]
async fn load_balancing_and_ecs_cluster_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let vpc = create("aws_vpc", json!({"cidr_block": "10.12.0.0/16"})).await;
    let a = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.12.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let b = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.12.2.0/24", "availability_zone": "us-east-1b"}),
    )
    .await;
    let sg = create(
        "aws_security_group",
        json!({"name": "alb", "vpc_id": vpc.id}),
    )
    .await;
    let igw = create("aws_internet_gateway", json!({"vpc_id": vpc.id})).await;

    let lb = conform(
        w,
        "aws_lb",
        json!({"name": "web", "subnets": [a.id, b.id], "security_groups": [sg.id]}),
        Some(json!({"name": "web", "subnets": [a.id, b.id], "security_groups": [sg.id], "idle_timeout": 120, "tags": {"Name": "web"}})),
        |arn| async move { elb_tag(w, &arn, "Name", "by-hand").await },
        tag_is("Name", "by-hand"),
    )
    .await;
    assert!(lb.outputs["dns_name"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    assert!(lb.outputs["arn_suffix"]
        .as_str()
        .is_some_and(|s| s.starts_with("app/web/")));

    let tg = conform(
        w,
        "aws_lb_target_group",
        json!({"name": "app", "port": 8080, "protocol": "HTTP", "vpc_id": vpc.id, "target_type": "ip",
               "health_check": {"path": "/health", "matcher": "200"}}),
        Some(json!({"name": "app", "port": 8080, "protocol": "HTTP", "vpc_id": vpc.id, "target_type": "ip",
               "deregistration_delay": 30, "health_check": {"path": "/ready", "matcher": "200-399"}})),
        |arn| async move { elb_tag(w, &arn, "Team", "x").await },
        tag_is("Team", "x"),
    )
    .await;

    let listener = conform(
        w,
        "aws_lb_listener",
        json!({"load_balancer_arn": lb.id, "port": 80, "protocol": "HTTP",
               "default_action": [{"type": "forward", "target_group_arn": tg.id}]}),
        Some(json!({"load_balancer_arn": lb.id, "port": 80, "protocol": "HTTP",
               "default_action": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}]})),
        |arn| async move { elb_tag(w, &arn, "Name", "http").await },
        tag_is("Name", "http"),
    )
    .await;

    let rule = conform(
        w,
        "aws_lb_listener_rule",
        json!({"listener_arn": listener.id, "priority": 10,
               "action": [{"type": "forward", "target_group_arn": tg.id}],
               "condition": [{"path_pattern": {"values": ["/api/*"]}}]}),
        Some(json!({"listener_arn": listener.id, "priority": 20,
               "action": [{"type": "fixed-response", "fixed_response": {"content_type": "text/plain", "message_body": "no", "status_code": "404"}}],
               "condition": [{"host_header": {"values": ["api.example.com"]}}]})),
        |arn| async move { elb_tag(w, &arn, "Name", "rule").await },
        tag_is("Name", "rule"),
    )
    .await;

    let cluster = conform(
        w,
        "aws_ecs_cluster",
        // moto has no UpdateClusterSettings (it answers 500): settings are set at creation.
        json!({"name": "apps", "setting": [{"name": "containerInsights", "value": "enabled"}]}),
        Some(json!({"name": "apps", "setting": [{"name": "containerInsights", "value": "enabled"}], "tags": {"Env": "t"}})),
        |arn| async move {
            w.ecs
                .tag_resource()
                .resource_arn(&arn)
                .tags(aws_sdk_ecs::types::Tag::builder().key("Env").value("prod").build())
                .send()
                .await
                .expect("tag cluster");
        },
        tag_is("Env", "prod"),
    )
    .await;

    delete(w, "aws_ecs_cluster", &cluster).await;
    delete(w, "aws_lb_listener_rule", &rule).await;
    delete(w, "aws_lb_listener", &listener).await;
    delete(w, "aws_lb_target_group", &tg).await;
    delete(w, "aws_lb", &lb).await;
    delete(w, "aws_internet_gateway", &igw).await;
    w.assert_looked_up(LOAD_BALANCING);
}

#[tokio::test]
async fn task_definition_and_service_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let vpc = create("aws_vpc", json!({"cidr_block": "10.13.0.0/16"})).await;
    let a = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.13.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let b = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.13.2.0/24", "availability_zone": "us-east-1b"}),
    )
    .await;
    let sg = create(
        "aws_security_group",
        json!({"name": "app", "vpc_id": vpc.id}),
    )
    .await;
    let lb = create("aws_lb", json!({"name": "svc", "subnets": [a.id, b.id]})).await;
    let tg = create("aws_lb_target_group", json!({"name": "svc", "port": 80, "protocol": "HTTP", "vpc_id": vpc.id, "target_type": "ip"})).await;
    let listener = create(
        "aws_lb_listener",
        json!({"load_balancer_arn": lb.id, "port": 80, "protocol": "HTTP",
        "default_action": [{"type": "forward", "target_group_arn": tg.id}]}),
    )
    .await;
    let cluster = create("aws_ecs_cluster", json!({"name": "svc"})).await;
    let role = create("aws_iam_role", json!({"name": "exec", "assume_role_policy": {"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}})).await;

    // Every key of a container definition goes to AWS and reads back as written.
    let containers = json!([{"name": "web", "image": "nginx:1.27", "essential": true,
        "portMappings": [{"containerPort": 80, "protocol": "tcp", "name": "http", "appProtocol": "http"}],
        "environment": [{"name": "MODE", "value": "prod"}],
        "secrets": [{"name": "TOKEN", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/web/token"}],
        "dependsOn": [{"containerName": "log-router", "condition": "START"}],
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 30, "retries": 3},
        "linuxParameters": {"initProcessEnabled": true, "capabilities": {"drop": ["NET_RAW"]}},
        "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
        "dockerLabels": {"team": "web"}, "readonlyRootFilesystem": true, "stopTimeout": 20, "startTimeout": 30,
        "restartPolicy": {"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
        "versionConsistency": "disabled", "workingDirectory": "/usr/share/nginx", "user": "101",
        "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}}},
        {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", "essential": false,
         "memoryReservation": 50, "cpu": 32,
         "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
         "environmentFiles": [{"value": "arn:aws:s3:::conf-config/router.env", "type": "s3"}],
         "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/router"},
                              "secretOptions": [{"name": "key", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/router/key"}]}}]);
    // validate refuses a key AWS does not take, or a value of the wrong type, by its path.
    let declared = &shared_catalog()
        .get("aws_ecs_task_definition")
        .expect("task definition")
        .inputs["container_definitions"]
        .constraints;
    assert_eq!(
        declared.check(&Value::from_json(containers.clone())),
        Ok(())
    );
    let mut wrong = containers.clone();
    wrong[1]["firelensConfiguration"]["options"]["enable-ecs-log-metadata"] = json!(true);
    assert_eq!(
        declared.check(&Value::from_json(wrong)),
        Err("[1].firelensConfiguration.options.enable-ecs-log-metadata: expected a string, found the bool true".into())
    );
    let mut unknown = containers.clone();
    unknown[0]["healthCheck"]["startPeriods"] = json!(10);
    assert_eq!(
        declared.check(&Value::from_json(unknown)),
        Err("[0].healthCheck: unknown key `startPeriods` (did you mean `startPeriod`?)".into())
    );
    let td_config = json!({"family": "web", "cpu": "256", "memory": "512", "network_mode": "awsvpc",
        "requires_compatibilities": ["FARGATE"], "execution_role_arn": role.outputs["arn"],
        "container_definitions": containers.to_string(),
        "runtime_platform": {"operating_system_family": "LINUX", "cpu_architecture": "X86_64"}});
    let mut td_tagged = td_config.clone();
    td_tagged["tags"] = json!({"App": "web"});
    let first = conform(
        w,
        "aws_ecs_task_definition",
        td_config,
        Some(td_tagged),
        |arn| async move {
            w.ecs
                .deregister_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .expect("deregister");
        },
        |o| o.is_none(),
    )
    .await;
    // Deregistered by hand: register again for the service.
    let td = w
        .provider
        .create("aws_ecs_task_definition", &first.inputs, &ctx("td"))
        .await
        .expect("register again");
    assert_eq!(td.outputs["revision"], 2);

    let svc = conform(
        w,
        "aws_ecs_service",
        json!({"name": "web", "cluster": cluster.id, "task_definition": td.id, "desired_count": 1,
               "launch_type": "FARGATE",
               "network_configuration": {"subnets": [a.id, b.id], "security_groups": [sg.id]},
               "load_balancer": [{"target_group_arn": tg.id, "container_name": "web", "container_port": 80}]}),
        Some(json!({"name": "web", "cluster": cluster.id, "task_definition": td.id, "desired_count": 2,
               "launch_type": "FARGATE",
               "network_configuration": {"subnets": [a.id, b.id], "security_groups": [sg.id]},
               "load_balancer": [{"target_group_arn": tg.id, "container_name": "web", "container_port": 80}],
               "tags": {"App": "web"}})),
        |arn| async move {
            w.ecs
                .update_service()
                .cluster(&cluster.id)
                .service(&arn)
                .desired_count(5)
                .send()
                .await
                .expect("scale");
        },
        |o| o.is_some_and(|o| o.inputs["desired_count"] == 5),
    )
    .await;

    delete(w, "aws_ecs_service", &svc).await;
    delete(w, "aws_ecs_task_definition", &td).await;
    // The first revision, deregistered by hand above.
    delete(w, "aws_ecs_task_definition", &first).await;
    delete(w, "aws_lb_listener", &listener).await;
    delete(w, "aws_lb_target_group", &tg).await;
    w.assert_looked_up(ECS);
}

#[tokio::test]
async fn database_types_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let vpc = create("aws_vpc", json!({"cidr_block": "10.14.0.0/16"})).await;
    let a = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.14.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let b = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.14.2.0/24", "availability_zone": "us-east-1b"}),
    )
    .await;
    let c = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.14.3.0/24", "availability_zone": "us-east-1c"}),
    )
    .await;
    let sg = create(
        "aws_security_group",
        json!({"name": "db", "vpc_id": vpc.id}),
    )
    .await;

    let group = conform(
        w,
        "aws_db_subnet_group",
        json!({"name": "db", "description": "database subnets", "subnet_ids": [a.id, b.id, c.id]}),
        // moto's ModifyDBSubnetGroup loses the group (it pops it and never puts it back), so
        // the in-place update here changes tags only.
        Some(json!({"name": "db", "description": "database subnets", "subnet_ids": [a.id, b.id, c.id], "tags": {"Tier": "db"}})),
        |_| async {
            let arn = "arn:aws:rds:us-east-1:123456789012:subgrp:db";
            w.rds
                .add_tags_to_resource()
                .resource_name(arn)
                .tags(aws_sdk_rds::types::Tag::builder().key("Tier").value("data").build())
                .send()
                .await
                .expect("tag group");
        },
        tag_is("Tier", "data"),
    )
    .await;

    let db = conform(
        w,
        "aws_db_instance",
        json!({"identifier": "spydor", "engine": "oracle-se2", "instance_class": "db.m5.large",
               "allocated_storage": 100, "storage_type": "gp3", "storage_encrypted": true, "multi_az": true,
               "db_subnet_group_name": "db", "vpc_security_group_ids": [sg.id], "username": "admin",
               "manage_master_user_password": true, "license_model": "license-included",
               "skip_final_snapshot": true}),
        Some(json!({"identifier": "spydor", "engine": "oracle-se2", "instance_class": "db.m5.xlarge",
               "allocated_storage": 200, "storage_type": "gp3", "storage_encrypted": true, "multi_az": true,
               "db_subnet_group_name": "db", "vpc_security_group_ids": [sg.id], "username": "admin",
               "manage_master_user_password": true, "license_model": "license-included",
               "skip_final_snapshot": true, "backup_retention_period": 7, "tags": {"App": "spydor"}})),
        |id| async move {
            w.rds
                .modify_db_instance()
                .db_instance_identifier(&id)
                .backup_retention_period(14)
                .apply_immediately(true)
                .send()
                .await
                .expect("modify");
        },
        |o| o.is_some_and(|o| o.inputs["backup_retention_period"] == 14),
    )
    .await;
    assert!(db.outputs["address"].is_string(), "{}", db.outputs);

    delete(w, "aws_db_instance", &db).await;
    delete(w, "aws_db_subnet_group", &group).await;
    w.assert_looked_up(DATABASE);
}

/// The serverless seeds' data layer: Foundry's instance table (a GSI, TTL), Seren's job
/// table, queue and dead-letter queue.
#[tokio::test]
async fn table_and_queue_conform() {
    let owned = world().await;
    let w = &owned;

    let table = conform(
        w,
        "aws_dynamodb_table",
        json!({"name": "foundry-instances", "hash_key": "userId",
               "attribute": [{"name": "userId", "type": "S"}, {"name": "taskArn", "type": "S"}],
               "global_secondary_index": [{"name": "TaskArnIndex", "hash_key": "taskArn", "projection_type": "ALL"}],
               "ttl": {"attribute_name": "expiresAt", "enabled": true},
               "server_side_encryption": {"enabled": true},
               "point_in_time_recovery": {"enabled": true},
               "tags": {"App": "foundry"}}),
        Some(json!({"name": "foundry-instances", "hash_key": "userId",
               "attribute": [{"name": "userId", "type": "S"}, {"name": "taskArn", "type": "S"}, {"name": "status", "type": "S"}],
               "global_secondary_index": [
                   {"name": "TaskArnIndex", "hash_key": "taskArn", "projection_type": "ALL"},
                   {"name": "StatusIndex", "hash_key": "status", "projection_type": "INCLUDE", "non_key_attributes": ["taskArn"]}],
               "ttl": {"attribute_name": "expiresAt", "enabled": true},
               "point_in_time_recovery": {"enabled": false},
               "stream_enabled": true, "stream_view_type": "NEW_AND_OLD_IMAGES",
               "tags": {"App": "foundry", "Env": "t"}})),
        |name| async move {
            w.dynamodb
                .update_time_to_live()
                .table_name(&name)
                .time_to_live_specification(
                    aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                        .attribute_name("expiresAt")
                        .enabled(false)
                        .build()
                        .expect("spec"),
                )
                .send()
                .await
                .expect("disable ttl");
        },
        |o| o.is_some_and(|o| o.inputs["ttl"] == json!({"attribute_name": "expiresAt", "enabled": false})),
    )
    .await;
    assert_eq!(
        table.outputs["arn"],
        "arn:aws:dynamodb:us-east-1:123456789012:table/foundry-instances"
    );
    assert!(table.outputs["stream_arn"].is_string(), "{}", table.outputs);
    assert_eq!(table.inputs["billing_mode"], "PAY_PER_REQUEST");

    // Provisioned capacity, for the table and its index, changes in place; removing an
    // index deletes it.
    let provisioned = |rcu: i64| {
        json!({"name": "replication-jobs", "hash_key": "job_id", "range_key": "created",
               "billing_mode": "PROVISIONED", "read_capacity": rcu, "write_capacity": 5,
               "attribute": [{"name": "job_id", "type": "S"}, {"name": "created", "type": "N"}, {"name": "status", "type": "S"},
                             {"name": "priority", "type": "N"}],
               "global_secondary_index": [{"name": "ByStatus", "hash_key": "status", "projection_type": "KEYS_ONLY",
                                           "read_capacity": rcu, "write_capacity": 5}],
               "local_secondary_index": [
                   {"name": "ByPriority", "range_key": "priority", "projection_type": "INCLUDE", "non_key_attributes": ["owner"]},
                   {"name": "ByCreatedKeys", "range_key": "status", "projection_type": "KEYS_ONLY"}]})
    };
    let jobs = w
        .provider
        .create(
            "aws_dynamodb_table",
            &normalized("aws_dynamodb_table", &provisioned(5)),
            &ctx("jobs"),
        )
        .await
        .expect("provisioned table");
    assert_round_trip("aws_dynamodb_table", &provisioned(5), &jobs);
    let mut bare = provisioned(10);
    bare["global_secondary_index"] = json!([]);
    bare["attribute"] = json!([{"name": "job_id", "type": "S"}, {"name": "created", "type": "N"},
                               {"name": "status", "type": "S"}, {"name": "priority", "type": "N"}]);
    let jobs = w
        .provider
        .update(
            "aws_dynamodb_table",
            &jobs,
            &normalized("aws_dynamodb_table", &bare),
            &ctx("jobs"),
        )
        .await
        .expect("capacity");
    assert_round_trip("aws_dynamodb_table", &bare, &jobs);
    assert_eq!(jobs.inputs["read_capacity"], 10);
    // Local secondary indexes are read back from DescribeTable and only made with the table.
    assert_eq!(
        jobs.inputs["local_secondary_index"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{}",
        jobs.inputs
    );
    assert!(
        shared_catalog()
            .get("aws_dynamodb_table")
            .expect("table")
            .inputs["local_secondary_index"]
            .force_new
    );

    let dlq = w
        .provider
        .create(
            "aws_sqs_queue",
            &normalized(
                "aws_sqs_queue",
                &json!({"name": "jobs-dlq", "message_retention_seconds": 1209600}),
            ),
            &ctx("dlq"),
        )
        .await
        .expect("dead-letter queue");
    let dlq_arn = dlq.outputs["arn"].as_str().expect("arn").to_string();
    assert_eq!(dlq_arn, "arn:aws:sqs:us-east-1:123456789012:jobs-dlq");
    let queue = conform(
        w,
        "aws_sqs_queue",
        json!({"name": "jobs", "visibility_timeout_seconds": 300,
               "redrive_policy": {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5},
               "tags": {"App": "seren"}}),
        Some(json!({"name": "jobs", "visibility_timeout_seconds": 600, "receive_wait_time_seconds": 20,
               "redrive_policy": json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}).to_string(),
               "tags": {"App": "seren", "Env": "t"}})),
        |url| async move {
            w.sqs
                .set_queue_attributes()
                .queue_url(&url)
                .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, "120")
                .send()
                .await
                .expect("set attributes");
        },
        |o| o.is_some_and(|o| o.inputs["visibility_timeout_seconds"] == 120),
    )
    .await;
    assert_eq!(
        queue.inputs["redrive_policy"],
        json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    );
    // Without a redrive policy any more.
    let plain = normalized(
        "aws_sqs_queue",
        &json!({"name": "jobs", "visibility_timeout_seconds": 600, "receive_wait_time_seconds": 20}),
    );
    let queue = w
        .provider
        .update("aws_sqs_queue", &queue, &plain, &ctx("aws_sqs_queue.test"))
        .await
        .expect("drop the redrive policy");
    assert!(
        queue.inputs.get("redrive_policy").is_none(),
        "{}",
        queue.inputs
    );

    // The queue's access policy, kept apart from it.
    let queue_arn = queue.outputs["arn"].as_str().expect("arn").to_string();
    let allow = |sid: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": queue_arn}]})
    };
    let console = allow("console").to_string();
    let policy = conform(
        w,
        "aws_sqs_queue_policy",
        json!({"queue_url": queue.id, "policy": allow("s3")}),
        Some(json!({"queue_url": queue.id, "policy": allow("sns").to_string()})),
        |url| async move {
            w.sqs
                .set_queue_attributes()
                .queue_url(&url)
                .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, console)
                .send()
                .await
                .expect("set policy");
        },
        |o| o.is_some_and(|o| o.inputs["policy"]["Statement"][0]["Sid"] == "console"),
    )
    .await;
    delete(w, "aws_sqs_queue_policy", &policy).await;

    let fifo_config =
        json!({"name": "jobs.fifo", "fifo_queue": true, "content_based_deduplication": true});
    let fifo = w
        .provider
        .create(
            "aws_sqs_queue",
            &normalized("aws_sqs_queue", &fifo_config),
            &ctx("fifo"),
        )
        .await
        .expect("fifo queue");
    assert_round_trip("aws_sqs_queue", &fifo_config, &fifo);

    delete(w, "aws_sqs_queue", &fifo).await;
    delete(w, "aws_sqs_queue", &queue).await;
    delete(w, "aws_sqs_queue", &dlq).await;
    delete(w, "aws_dynamodb_table", &jobs).await;
    // Deletion protection refuses cairn's delete too, saying what to do.
    let protected = json!({"name": "kept", "hash_key": "id", "attribute": [{"name": "id", "type": "S"}],
                           "deletion_protection_enabled": true});
    let kept = w
        .provider
        .create(
            "aws_dynamodb_table",
            &normalized("aws_dynamodb_table", &protected),
            &ctx("kept"),
        )
        .await
        .expect("protected table");
    let refused = w
        .provider
        .delete("aws_dynamodb_table", &kept, &ctx("kept"))
        .await;
    assert!(
        matches!(&refused, Err(cairn_model::ProviderError::Api(m)) if m.contains("deletion_protection_enabled = false")),
        "{refused:?}"
    );
    delete(w, "aws_dynamodb_table", &table).await;
    w.assert_looked_up(TABLE_QUEUE);
}

/// Seren's key and API key parameter, Phoney's credentials secret and its value.
#[tokio::test]
async fn keys_parameters_and_secrets_conform() {
    let owned = world().await;
    let w = &owned;

    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Workers", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/worker"}, "Action": "kms:Decrypt", "Resource": "*"}]});
    let key = conform(
        w,
        "aws_kms_key",
        json!({"description": "seren credentials", "enable_key_rotation": true,
               "rotation_period_in_days": 180,
               "deletion_window_in_days": 7, "tags": {"App": "seren"}}),
        Some(json!({"description": "seren job credentials", "enable_key_rotation": false,
               "bypass_policy_lockout_safety_check": true,
               "deletion_window_in_days": 7, "policy": policy, "tags": {"App": "seren", "Env": "t"}})),
        |id| async move {
            w.kms.disable_key().key_id(&id).send().await.expect("disable key");
        },
        |o| o.is_some_and(|o| o.inputs["is_enabled"] == false),
    )
    .await;
    assert_eq!(key.outputs["key_id"], json!(key.id));
    let key_id = key.id.clone();
    // AWS's default policy is not reported; a configured one is, canonical.
    let plain = w
        .provider
        .create(
            "aws_kms_key",
            &normalized(
                "aws_kms_key",
                &json!({"description": "plain", "multi_region": true, "enable_key_rotation": true}),
            ),
            &ctx("plain"),
        )
        .await
        .expect("plain key");
    assert!(plain.inputs.get("policy").is_none(), "{}", plain.inputs);
    // A multi-Region key reads back so; AWS's default rotation period reads as unset.
    assert_round_trip(
        "aws_kms_key",
        &json!({"description": "plain", "multi_region": true, "enable_key_rotation": true}),
        &plain,
    );
    assert!(plain.id.starts_with("mrk-"), "{}", plain.id);
    assert!(
        plain.inputs.get("rotation_period_in_days").is_none(),
        "{}",
        plain.inputs
    );
    assert_eq!(key.inputs.get("rotation_period_in_days"), None);
    assert_eq!(
        key.inputs["policy"],
        normalized("aws_kms_key", &json!({"policy": policy}))["policy"]
    );

    let alias = conform(
        w,
        "aws_kms_alias",
        json!({"name": "alias/seren", "target_key_id": key.id}),
        // Another key, named by its ARN: read back as configured.
        Some(json!({"name": "alias/seren", "target_key_id": plain.outputs["arn"]})),
        |name| async move {
            w.kms
                .update_alias()
                .alias_name(&name)
                .target_key_id(&key_id)
                .send()
                .await
                .expect("update alias");
        },
        |o| o.is_some_and(|o| o.inputs["target_key_id"] == json!(key.id)),
    )
    .await;
    assert_eq!(
        alias.outputs["arn"],
        "arn:aws:kms:us-east-1:123456789012:alias/seren"
    );
    assert_eq!(alias.outputs["target_key_arn"], key.outputs["arn"]);

    let parameter = conform(
        w,
        "aws_ssm_parameter",
        json!({"name": "/seren-replication/api-key", "type": "SecureString", "value": "s3cret",
               "description": "API key", "tags": {"App": "seren"}}),
        Some(json!({"name": "/seren-replication/api-key", "type": "SecureString", "value": "n3w",
               "key_id": key.id, "description": "the API key", "tags": {"App": "seren", "Env": "t"}})),
        |name| async move {
            w.ssm
                .put_parameter()
                .name(&name)
                .value("by-hand")
                .overwrite(true)
                .send()
                .await
                .expect("put parameter");
        },
        |o| o.is_some_and(|o| o.inputs["value"] == "by-hand"),
    )
    .await;
    assert_eq!(parameter.outputs["version"], 3, "{}", parameter.outputs);
    // A tag change alone makes no new version.
    let string = json!({"name": "/phoney/prod/CORS_ORIGINS", "type": "StringList", "value": "https://a,https://b"});
    let cors = w
        .provider
        .create(
            "aws_ssm_parameter",
            &normalized("aws_ssm_parameter", &string),
            &ctx("cors"),
        )
        .await
        .expect("string list");
    let mut tagged = string.clone();
    tagged["tags"] = json!({"Stage": "prod"});
    let cors = w
        .provider
        .update(
            "aws_ssm_parameter",
            &cors,
            &normalized("aws_ssm_parameter", &tagged),
            &ctx("cors"),
        )
        .await
        .expect("tag");
    assert_eq!(cors.outputs["version"], 1);
    assert_round_trip("aws_ssm_parameter", &tagged, &cors);

    let secret = conform(
        w,
        "aws_secretsmanager_secret",
        json!({"name": "phoney/prod/credentials", "description": "API credentials",
               "recovery_window_in_days": 0, "tags": {"App": "phoney"}}),
        Some(
            json!({"name": "phoney/prod/credentials", "description": "API and JWT credentials",
               "recovery_window_in_days": 0, "tags": {"App": "phoney", "Env": "t"}}),
        ),
        |arn| async move {
            w.secretsmanager
                .tag_resource()
                .secret_id(&arn)
                .tags(
                    aws_sdk_secretsmanager::types::Tag::builder()
                        .key("Env")
                        .value("prod")
                        .build(),
                )
                .send()
                .await
                .expect("tag secret");
        },
        tag_is("Env", "prod"),
    )
    .await;

    let value = json!({"api_password_hash": "$2b$12$abc", "jwt_secret": "s3cret"}).to_string();
    let version = conform(
        w,
        "aws_secretsmanager_secret_version",
        json!({"secret_id": secret.id, "secret_string": value}),
        Some(json!({"secret_id": secret.id, "secret_string": value, "version_stages": ["AWSCURRENT", "blue"]})),
        // A value put by hand: ours is the previous one now. (moto also drops the other
        // labels of the version that was current; AWS keeps them.)
        |_| async {
            w.secretsmanager
                .put_secret_value()
                .secret_id(&secret.id)
                .secret_string("by-hand")
                .send()
                .await
                .expect("put value");
        },
        |o| {
            o.is_some_and(|o| {
                let stages = &o.inputs["version_stages"];
                stages.as_array().is_some_and(|s| s.contains(&json!("AWSPREVIOUS")))
                    && !stages.as_array().is_some_and(|s| s.contains(&json!("AWSCURRENT")))
            })
        },
    )
    .await;
    assert_eq!(
        version.id,
        format!(
            "{}|{}",
            secret.id,
            w.token_of("aws_secretsmanager_secret_version", &version.id)
        ),
        "the version id is the create's token"
    );
    // Making it current again moves AWSCURRENT back.
    let wanted = normalized(
        "aws_secretsmanager_secret_version",
        &json!({"secret_id": secret.id, "secret_string": value, "version_stages": ["AWSCURRENT", "blue"]}),
    );
    let current = w
        .provider
        .update(
            "aws_secretsmanager_secret_version",
            &version,
            &wanted,
            &ctx("aws_secretsmanager_secret_version.test"),
        )
        .await
        .expect("make current");
    assert_eq!(
        current.inputs["version_stages"],
        json!(["AWSCURRENT", "blue"])
    );
    let now = w
        .secretsmanager
        .get_secret_value()
        .secret_id(&secret.id)
        .version_stage("AWSCURRENT")
        .send()
        .await
        .expect("current value");
    assert_eq!(now.secret_string(), Some(value.as_str()));
    // Deleting the current version takes its other labels and leaves it the value.
    w.provider
        .delete("aws_secretsmanager_secret_version", &current, &ctx("v"))
        .await
        .expect("delete current");
    let left = read(
        w,
        "aws_secretsmanager_secret_version",
        &current.id,
        &current.inputs,
    )
    .await
    .expect("still the value");
    assert_eq!(left.inputs["version_stages"], json!(["AWSCURRENT"]));
    // Once another version is current, deleting it deprecates it.
    let described = w
        .secretsmanager
        .describe_secret()
        .secret_id(&secret.id)
        .send()
        .await
        .expect("describe secret");
    let ours = current.outputs["version_id"].as_str().expect("version id");
    let other = described
        .version_ids_to_stages()
        .into_iter()
        .flatten()
        .map(|(v, _)| v.clone())
        .find(|v| v != ours)
        .expect("the value put by hand");
    w.secretsmanager
        .update_secret_version_stage()
        .secret_id(&secret.id)
        .version_stage("AWSCURRENT")
        .move_to_version_id(&other)
        .remove_from_version_id(ours)
        .send()
        .await
        .expect("make the other current");

    delete(w, "aws_secretsmanager_secret_version", &current).await;
    delete(w, "aws_secretsmanager_secret", &secret).await;
    delete(w, "aws_ssm_parameter", &cors).await;
    delete(w, "aws_ssm_parameter", &parameter).await;
    delete(w, "aws_kms_alias", &alias).await;
    delete(w, "aws_kms_key", &plain).await;
    delete(w, "aws_kms_key", &key).await;
    // A key waiting for its deletion no longer carries the stack's tags.
    let tags = w
        .kms
        .list_resource_tags()
        .key_id(&key.id)
        .send()
        .await
        .expect("tags");
    assert!(
        tags.tags()
            .iter()
            .all(|t| !t.tag_key().starts_with("cairn:")),
        "{:?}",
        tags.tags()
    );
    w.assert_looked_up(KEYS_SECRETS);
}

/// For every type: the planner plans a change of each `*` attribute as a replacement and a
/// change of each other top-level attribute as an update (so that it goes through the
/// type's update); which attributes are `*` is checked against the reviewed list above.
#[test]
fn force_new_attributes_replace_and_others_update() {
    use cairn_model::{AttrType, Value};
    let sample = |ty: &AttrType, n: i64| -> Option<Value> {
        Some(match ty {
            AttrType::String => Value::string(format!("v{n}")),
            AttrType::Number => Value::from(n),
            AttrType::Bool => Value::Bool(n % 2 == 0),
            AttrType::Enum(vals) => Value::string(vals.get(n as usize % vals.len())?.clone()),
            _ => return None,
        })
    };
    let cat = catalog();
    let mut checked = 0;
    for (name, schema) in &cat.types {
        for (attr, def) in &schema.inputs {
            let (Some(a), Some(b)) = (sample(&def.ty, 1), sample(&def.ty, 2)) else {
                continue;
            };
            if a == b {
                continue;
            }
            let current = Value::map([(attr.as_str(), a)]);
            let desired = Value::map([(attr.as_str(), b)]);
            let changes = cairn_engine::plan::diff_inputs(schema, &desired, &current, &[]);
            assert_eq!(changes.len(), 1, "{name}.{attr}");
            assert_eq!(
                changes[0].forces_replacement, def.force_new,
                "{name}.{attr}"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} attributes checked");
}

/// Which attributes force a replacement, type by type (nested ones as `block.attr`), as a
/// reviewed list (an insta snapshot) rather than the schema compared with itself: adding or
/// dropping a `*` shows in review, to be held against the Terraform AWS provider's
/// `ForceNew` and the update calls AWS has.
#[test]
fn force_new_attributes_are_the_reviewed_ones() {
    use cairn_model::{AttrType, Attribute};
    use std::collections::BTreeMap;
    fn walk(fields: &BTreeMap<String, Attribute>, prefix: &str, out: &mut Vec<String>) {
        for (name, a) in fields {
            let path = format!("{prefix}{name}");
            if a.force_new {
                out.push(path.clone());
            }
            match &a.ty {
                AttrType::Object(inner) => walk(inner, &format!("{path}."), out),
                AttrType::List(t) | AttrType::Set(t) => {
                    if let AttrType::Object(inner) = &**t {
                        walk(inner, &format!("{path}[]."), out);
                    }
                }
                _ => {}
            }
        }
    }
    let listing: String = catalog()
        .types
        .values()
        .map(|schema| {
            let mut forced = Vec::new();
            walk(&schema.inputs, "", &mut forced);
            format!("{}: {}\n", schema.type_name, forced.join(", "))
        })
        .collect();
    insta::assert_snapshot!(listing);
}

/// Where the Lambda scenario leaves the zips it uploads (one directory per test process).
fn artifacts_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "cairn-conformance-artifacts-{}",
        std::process::id()
    ))
}

/// A zip of `files` (name, text), as a stack's `source` would give.
fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("start file");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

/// Leaves `zip` where the provider takes code from (as the binary does) and returns its
/// `source_code_hash`.
fn stage(zip: &[u8]) -> String {
    use cairn_providers::lambda::function::{artifact_path, code_sha256};
    let hash = code_sha256(zip);
    let path = artifact_path(&artifacts_dir(), &hash).expect("a SHA-256");
    std::fs::create_dir_all(artifacts_dir()).expect("artifacts dir");
    std::fs::write(path, zip).expect("write zip");
    hash
}

#[tokio::test]
async fn serverless_types_conform() {
    let owned = world().await;
    let w = &owned;
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(w._moto.endpoint())
        .load()
        .await;
    let lambda = aws_sdk_lambda::Client::new(&shared);
    let ecr = aws_sdk_ecr::Client::new(&shared);
    let cloudwatch = aws_sdk_cloudwatch::Client::new(&shared);
    let events = aws_sdk_eventbridge::Client::new(&shared);
    let (lambda, ecr, cloudwatch, events) = (&lambda, &ecr, &cloudwatch, &events);

    // moto checks that the role exists.
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = w
        .provider
        .create(
            "aws_iam_role",
            &normalized(
                "aws_iam_role",
                &json!({"name": "fn-exec", "assume_role_policy": trust}),
            ),
            &ctx("role"),
        )
        .await
        .expect("role");
    let role_arn = role.outputs["arn"].as_str().expect("role arn").to_string();
    let v1 = stage(&zip_of(&[(
        "index.py",
        "def handler(e, c):\n    return 1\n",
    )]));
    let v2 = stage(&zip_of(&[(
        "index.py",
        "def handler(e, c):\n    return 2\n",
    )]));
    assert_ne!(v1, v2);

    let function = conform(
        w,
        "aws_lambda_function",
        json!({"function_name": "conf-fn", "role": role_arn, "runtime": "python3.12",
               "handler": "index.handler", "source": "fn", "source_code_hash": v1, "architectures": ["arm64"],
               "reserved_concurrent_executions": 5, "tracing_config": {"mode": "Active"},
               "environment": {"variables": {"TABLE": "t1"}}, "tags": {"App": "conf"}}),
        // moto's UpdateFunctionCode ignores `Architectures`: they stay as created here.
        Some(json!({"function_name": "conf-fn", "role": role_arn, "runtime": "python3.12",
               "handler": "index.handler", "source": "fn", "source_code_hash": v2,
               "timeout": 30, "memory_size": 256, "architectures": ["arm64"], "description": "handles things",
               "reserved_concurrent_executions": 10, "tracing_config": {"mode": "Active"},
               "environment": {"variables": {"TABLE": "t2", "MODE": "fast"}}, "tags": {"App": "conf", "Env": "test"}})),
        |id| async move {
            lambda
                .update_function_configuration()
                .function_name(&id)
                .memory_size(512)
                .send()
                .await
                .expect("update configuration");
        },
        |o| o.is_some_and(|o| o.inputs["memory_size"] == 512),
    )
    .await;
    assert_eq!(function.inputs["source_code_hash"], json!(v2));
    assert_eq!(
        function.inputs["source"], "fn",
        "source is kept from the configuration"
    );
    assert_eq!(function.outputs["code_sha256"], json!(v2));
    let function_arn = function.outputs["arn"].as_str().expect("arn").to_string();
    assert!(
        function_arn.ends_with(":function:conf-fn"),
        "{function_arn}"
    );
    assert!(
        function.outputs["invoke_arn"]
            .as_str()
            .is_some_and(|a| a.contains(&function_arn) && a.ends_with("/invocations")),
        "{}",
        function.outputs
    );
    // A create whose zip the binary did not leave is refused, saying so.
    let unstaged = w
        .provider
        .create(
            "aws_lambda_function",
            &normalized(
                "aws_lambda_function",
                &json!({"function_name": "conf-other", "role": role_arn, "runtime": "python3.12",
                        "handler": "index.handler", "source": "other",
                        "source_code_hash": cairn_providers::lambda::function::code_sha256(b"never staged")}),
            ),
            &ctx("aws_lambda_function.other"),
        )
        .await;
    assert!(
        matches!(&unstaged, Err(cairn_model::ProviderError::InvalidConfig(m)) if m.contains("conf-other")),
        "{unstaged:?}"
    );

    let repo = conform(
        w,
        "aws_ecr_repository",
        json!({"name": "conf-repo", "image_scanning_configuration": {"scan_on_push": false},
               "force_delete": true, "tags": {"App": "conf"}}),
        // The SDK leaves `scanOnPush = false` out, and moto then ignores the call: the update
        // here turns scanning on.
        Some(
            json!({"name": "conf-repo", "image_tag_mutability": "IMMUTABLE",
               "image_scanning_configuration": {"scan_on_push": true},
               "force_delete": true, "tags": {"App": "other"}}),
        ),
        |id| async move {
            ecr.put_image_tag_mutability()
                .repository_name(&id)
                .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Mutable)
                .send()
                .await
                .expect("put mutability");
        },
        |o| o.is_some_and(|o| o.inputs["image_tag_mutability"] == "MUTABLE"),
    )
    .await;
    assert!(
        repo.outputs["repository_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(".amazonaws.com/conf-repo")),
        "{}",
        repo.outputs
    );

    let topic = "arn:aws:sns:us-east-1:123456789012:alerts";
    let alarm = conform(
        w,
        "aws_cloudwatch_metric_alarm",
        json!({"alarm_name": "conf-errors", "comparison_operator": "GreaterThanThreshold",
               "evaluation_periods": 1, "metric_name": "Errors", "namespace": "AWS/Lambda",
               "period": 300, "statistic": "Sum", "threshold": 5,
               "dimensions": {"FunctionName": "conf-fn"}, "alarm_actions": [topic]}),
        Some(json!({"alarm_name": "conf-errors", "comparison_operator": "GreaterThanOrEqualToThreshold",
               "evaluation_periods": 3, "datapoints_to_alarm": 2, "metric_name": "Errors", "namespace": "AWS/Lambda",
               "period": 60, "statistic": "Sum", "threshold": 10.5, "treat_missing_data": "notBreaching",
               "alarm_description": "too many errors",
               "dimensions": {"FunctionName": "conf-fn"}, "alarm_actions": [topic], "ok_actions": [topic],
               "tags": {"Team": "core"}})),
        |id| async move {
            let arn = format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{id}");
            cloudwatch
                .tag_resource()
                .resource_arn(arn)
                .tags(aws_sdk_cloudwatch::types::Tag::builder().key("Team").value("other").build())
                .send()
                .await
                .expect("tag alarm");
        },
        tag_is("Team", "other"),
    )
    .await;

    // The body as a table first, then as the JSON text CloudWatch's console shows.
    let widget = |metric: &str| {
        json!({"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
               "properties": {"metrics": [["AWS/Lambda", metric, "FunctionName", "conf-fn"]],
                              "period": 300, "stat": "Sum", "region": "us-east-1", "title": metric}})
    };
    let dashboard = conform(
        w,
        "aws_cloudwatch_dashboard",
        json!({"dashboard_name": "conf-board", "dashboard_body": {"widgets": [widget("Invocations")]}}),
        Some(json!({"dashboard_name": "conf-board",
                    "dashboard_body": json!({"widgets": [widget("Invocations"), widget("Errors")]}).to_string()})),
        |id| async move {
            cloudwatch
                .put_dashboard()
                .dashboard_name(&id)
                .dashboard_body(json!({"widgets": []}).to_string())
                .send()
                .await
                .expect("put dashboard");
        },
        |o| o.is_some_and(|o| o.inputs["dashboard_body"]["widgets"] == json!([])),
    )
    .await;
    assert!(dashboard.outputs["dashboard_arn"]
        .as_str()
        .is_some_and(|a| a.ends_with(":dashboard/conf-board")));

    let rule = conform(
        w,
        "aws_cloudwatch_event_rule",
        json!({"name": "conf-nightly", "schedule_expression": "rate(5 minutes)",
               "description": "checks every five minutes"}),
        Some(
            json!({"name": "conf-nightly", "schedule_expression": "rate(1 minute)",
               "description": "checks every minute", "state": "DISABLED", "tags": {"App": "conf"}}),
        ),
        |id| async move {
            events
                .enable_rule()
                .name(&id)
                .send()
                .await
                .expect("enable rule");
        },
        |o| o.is_some_and(|o| o.inputs["state"] == "ENABLED"),
    )
    .await;
    let rule_arn = rule.outputs["arn"].as_str().expect("rule arn").to_string();

    let target = conform(
        w,
        "aws_cloudwatch_event_target",
        json!({"rule": "conf-nightly", "target_id": "fn", "arn": function_arn,
               "input": {"action": "sweep"}}),
        Some(
            json!({"rule": "conf-nightly", "target_id": "fn", "arn": function_arn,
               "input_transformer": {"input_paths": {"at": "$.time"},
                                     "input_template": "{\"action\": \"check\", \"at\": <at>}"},
               "retry_policy": {"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 600},
               "dead_letter_config": {"arn": "arn:aws:sqs:us-east-1:123456789012:conf-nightly-dlq"}}),
        ),
        |_| async {
            events
                .remove_targets()
                .rule("conf-nightly")
                .ids("fn")
                .send()
                .await
                .expect("remove target");
        },
        |o| o.is_none(),
    )
    .await;
    assert_eq!(target.id, "conf-nightly/fn");
    // An ECS task as a target: read back and imported whole.
    let task = json!({"rule": "conf-nightly", "target_id": "task",
        "arn": "arn:aws:ecs:us-east-1:123456789012:cluster/conf",
        "role_arn": "arn:aws:iam::123456789012:role/conf-events",
        "ecs_target": {
            "task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/conf-sweep:1",
            "launch_type": "FARGATE", "platform_version": "LATEST", "group": "sweeps",
            "enable_ecs_managed_tags": true, "propagate_tags": "TASK_DEFINITION",
            "network_configuration": {"subnets": ["subnet-2", "subnet-1"], "security_groups": ["sg-1"]},
            "ordered_placement_strategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
            "tags": {"Job": "sweep"}},
        "run_command_targets": [{"key": "tag:Role", "values": ["worker"]}]});
    let ecs_target = w
        .provider
        .create(
            "aws_cloudwatch_event_target",
            &normalized("aws_cloudwatch_event_target", &task),
            &ctx("aws_cloudwatch_event_target.task"),
        )
        .await
        .expect("ecs target");
    assert_round_trip("aws_cloudwatch_event_target", &task, &ecs_target);
    assert_eq!(ecs_target.inputs["ecs_target"]["task_count"], 1);
    assert_eq!(
        ecs_target.inputs["ecs_target"]["network_configuration"]["assign_public_ip"],
        false
    );
    assert_eq!(
        w.provider
            .import("aws_cloudwatch_event_target", "conf-nightly/task")
            .await
            .expect("import"),
        Some(ecs_target.clone())
    );
    let mut counted = task.clone();
    counted["ecs_target"]["task_count"] = json!(2);
    counted["ecs_target"]["network_configuration"]["assign_public_ip"] = json!(true);
    let ecs_target = w
        .provider
        .update(
            "aws_cloudwatch_event_target",
            &ecs_target,
            &normalized("aws_cloudwatch_event_target", &counted),
            &ctx("aws_cloudwatch_event_target.task"),
        )
        .await
        .expect("ecs target update");
    assert_round_trip("aws_cloudwatch_event_target", &counted, &ecs_target);
    w.provider
        .delete("aws_cloudwatch_event_target", &ecs_target, &ctx("task"))
        .await
        .expect("delete ecs target");

    let permission = conform(
        w,
        "aws_lambda_permission",
        json!({"statement_id": "allow-nightly", "action": "lambda:InvokeFunction",
               "function_name": "conf-fn", "principal": "events.amazonaws.com", "source_arn": rule_arn}),
        None,
        |_| async {
            lambda
                .remove_permission()
                .function_name("conf-fn")
                .statement_id("allow-nightly")
                .send()
                .await
                .expect("remove permission");
        },
        |o| o.is_none(),
    )
    .await;
    assert_eq!(permission.id, "conf-fn/allow-nightly");

    // A queue the function is invoked from; the function named by its ARN, as an import reads it.
    let queue = w
        .provider
        .create(
            "aws_sqs_queue",
            &normalized("aws_sqs_queue", &json!({"name": "conf-work"})),
            &ctx("aws_sqs_queue.work"),
        )
        .await
        .expect("queue");
    let queue_arn = queue.outputs["arn"]
        .as_str()
        .expect("queue arn")
        .to_string();
    let mapping = conform(
        w,
        "aws_lambda_event_source_mapping",
        json!({"event_source_arn": queue_arn, "function_name": function_arn, "batch_size": 10}),
        Some(
            json!({"event_source_arn": queue_arn, "function_name": function_arn, "batch_size": 5,
                    "maximum_batching_window_in_seconds": 2, "enabled": false,
                    "function_response_types": ["ReportBatchItemFailures"],
                    "scaling_config": {"maximum_concurrency": 4}}),
        ),
        |id| async move {
            lambda
                .update_event_source_mapping()
                .uuid(&id)
                .batch_size(7)
                .send()
                .await
                .expect("update mapping");
        },
        |o| o.is_some_and(|o| o.inputs["batch_size"] == 7),
    )
    .await;
    assert_eq!(mapping.outputs["function_arn"], json!(function_arn));

    // On a bus of its own, a rule's and a target's ids name the bus (Terraform's formats).
    events
        .create_event_bus()
        .name("orders")
        .send()
        .await
        .expect("bus");
    let on_bus = w
        .provider
        .create(
            "aws_cloudwatch_event_rule",
            &normalized(
                "aws_cloudwatch_event_rule",
                &json!({"name": "conf-placed", "event_bus_name": "orders",
                        "event_pattern": {"source": ["shop"], "detail-type": ["OrderPlaced"]}}),
            ),
            &ctx("aws_cloudwatch_event_rule.placed"),
        )
        .await
        .expect("rule on a bus");
    assert_eq!(on_bus.id, "orders/conf-placed");
    assert_eq!(on_bus.inputs["event_pattern"]["source"], json!(["shop"]));
    assert_eq!(
        w.provider
            .import("aws_cloudwatch_event_rule", "orders/conf-placed")
            .await
            .expect("import"),
        Some(on_bus.clone())
    );
    let bus_target = w
        .provider
        .create(
            "aws_cloudwatch_event_target",
            &normalized(
                "aws_cloudwatch_event_target",
                &json!({"rule": "conf-placed", "event_bus_name": "orders", "target_id": "fn",
                        "arn": function_arn, "input_path": "$.detail"}),
            ),
            &ctx("aws_cloudwatch_event_target.placed"),
        )
        .await
        .expect("target on a bus");
    assert_eq!(bus_target.id, "orders/conf-placed/fn");
    assert_eq!(
        w.provider
            .import("aws_cloudwatch_event_target", "orders/conf-placed/fn")
            .await
            .expect("import"),
        Some(bus_target.clone())
    );
    w.provider
        .delete("aws_cloudwatch_event_target", &bus_target, &ctx("t"))
        .await
        .expect("delete target on a bus");
    w.provider
        .delete("aws_cloudwatch_event_rule", &on_bus, &ctx("r"))
        .await
        .expect("delete rule on a bus");

    delete(w, "aws_lambda_permission", &permission).await;
    delete(w, "aws_lambda_event_source_mapping", &mapping).await;
    w.provider
        .delete("aws_sqs_queue", &queue, &ctx("queue"))
        .await
        .expect("delete queue");
    delete(w, "aws_cloudwatch_event_target", &target).await;
    delete(w, "aws_cloudwatch_event_rule", &rule).await;
    delete(w, "aws_cloudwatch_metric_alarm", &alarm).await;
    delete(w, "aws_cloudwatch_dashboard", &dashboard).await;
    delete(w, "aws_ecr_repository", &repo).await;
    delete(w, "aws_lambda_function", &function).await;
    w.provider
        .delete("aws_iam_role", &role, &ctx("role"))
        .await
        .expect("delete role");
    w.assert_looked_up(SERVERLESS);
}

/// An HTTP API with CORS, its `$default` stage with throttling and access logs, a Lambda
/// proxy integration and a route to it (moto checks no ARNs of API Gateway's integrations).
#[tokio::test]
async fn api_gateway_types_conform() {
    let owned = world().await;
    let w = &owned;
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(w._moto.endpoint())
        .load()
        .await;
    let gateway = &aws_sdk_apigatewayv2::Client::new(&shared);

    let api = conform(
        w,
        "aws_apigatewayv2_api",
        json!({"name": "conf-http", "protocol_type": "HTTP", "description": "jobs",
               "cors_configuration": {"allow_origins": ["https://b.example", "https://a.example"],
                                      "allow_methods": ["POST", "GET"], "allow_headers": ["content-type"],
                                      "max_age": 300},
               "tags": {"App": "conf"}}),
        Some(json!({"name": "conf-http-2", "protocol_type": "HTTP",
               "cors_configuration": {"allow_origins": ["*"], "allow_methods": ["GET"],
                                      "allow_credentials": false},
               "tags": {"App": "conf", "Env": "t"}})),
        |id| async move {
            gateway
                .update_api()
                .api_id(id)
                .description("by hand")
                .send()
                .await
                .expect("update api");
        },
        |o| o.is_some_and(|o| o.inputs["description"] == "by hand"),
    )
    .await;
    let api_id = api.id.clone();
    assert_eq!(
        api.outputs["execution_arn"],
        format!("arn:aws:execute-api:us-east-1:123456789012:{api_id}")
    );
    assert_eq!(
        api.outputs["api_endpoint"],
        format!("https://{api_id}.execute-api.us-east-1.amazonaws.com")
    );
    // Removing CORS removes it in AWS (UpdateApi alone cannot).
    let bare = w
        .provider
        .update(
            "aws_apigatewayv2_api",
            &api,
            &normalized(
                "aws_apigatewayv2_api",
                &json!({"name": "conf-http-2", "protocol_type": "HTTP", "description": "by hand",
                        "tags": {"App": "conf", "Env": "t"}}),
            ),
            &ctx("aws_apigatewayv2_api.test"),
        )
        .await
        .expect("update api without cors");
    assert!(
        bare.inputs.get("cors_configuration").is_none(),
        "{}",
        bare.inputs
    );

    let logs = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/conf";
    let stage = conform(
        w,
        "aws_apigatewayv2_stage",
        json!({"api_id": api_id, "name": "$default", "auto_deploy": true,
               "default_route_settings": {"throttling_burst_limit": 100, "throttling_rate_limit": 50.5},
               "access_log_settings": {"destination_arn": logs, "format": "$context.requestId"},
               "stage_variables": {"mode": "a"}, "tags": {"App": "conf"}}),
        Some(json!({"api_id": api_id, "name": "$default", "auto_deploy": true, "description": "live",
               "default_route_settings": {"throttling_burst_limit": 200, "throttling_rate_limit": 50,
                                          "detailed_metrics_enabled": true},
               "stage_variables": {"mode": "b", "region": "us-east-1"}, "tags": {"App": "conf"}})),
        |name| async move {
            gateway
                .update_stage()
                .api_id(&api_id)
                .stage_name(name)
                .description("by hand")
                .send()
                .await
                .expect("update stage");
        },
        |o| o.is_some_and(|o| o.inputs["description"] == "by hand"),
    )
    .await;
    assert_eq!(
        stage.outputs["invoke_url"],
        format!("https://{}.execute-api.us-east-1.amazonaws.com/", api.id)
    );
    assert_eq!(
        stage.outputs["execution_arn"],
        format!(
            "arn:aws:execute-api:us-east-1:123456789012:{}/$default",
            api.id
        )
    );
    let api_id = api.id.clone();

    let function = "arn:aws:lambda:us-east-1:123456789012:function:conf-submit";
    let integration = conform(
        w,
        "aws_apigatewayv2_integration",
        json!({"api_id": api_id, "integration_type": "AWS_PROXY", "integration_uri": function,
               "integration_method": "POST", "payload_format_version": "2.0",
               "timeout_milliseconds": 10000}),
        Some(
            json!({"api_id": api_id, "integration_type": "AWS_PROXY", "integration_uri": function,
               "integration_method": "POST", "payload_format_version": "2.0",
               "timeout_milliseconds": 29000, "description": "submit"}),
        ),
        |id| async move {
            gateway
                .update_integration()
                .api_id(&api_id)
                .integration_id(id)
                .timeout_in_millis(5000)
                .send()
                .await
                .expect("update integration");
        },
        |o| o.is_some_and(|o| o.inputs["timeout_milliseconds"] == 5000),
    )
    .await;
    let api_id = api.id.clone();

    let target = format!("integrations/{}", integration.id);
    let route = conform(
        w,
        "aws_apigatewayv2_route",
        json!({"api_id": api_id, "route_key": "POST /jobs", "target": target}),
        Some(
            json!({"api_id": api_id, "route_key": "POST /jobs/{id}", "target": target,
                    "operation_name": "submit"}),
        ),
        |id| async move {
            gateway
                .update_route()
                .api_id(&api_id)
                .route_id(id)
                .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::AwsIam)
                .send()
                .await
                .expect("update route");
        },
        |o| o.is_some_and(|o| o.inputs["authorization_type"] == "AWS_IAM"),
    )
    .await;
    assert_eq!(route.inputs["target"], json!(target));

    delete(w, "aws_apigatewayv2_route", &route).await;
    delete(w, "aws_apigatewayv2_integration", &integration).await;
    delete(w, "aws_apigatewayv2_stage", &stage).await;
    // The API last: deleting it takes what is left in it too.
    delete(w, "aws_apigatewayv2_api", &api).await;
    w.assert_looked_up(API_GATEWAY);
}

/// The types whose name (or id) the configuration may leave to cairn to generate, as the
/// Terraform AWS provider does (`name_prefix`, `bucket_prefix`, `identifier_prefix`, an event
/// target's `target_id`). Each is also in one of `SCENARIOS` with a name it is given.
const GENERATED_NAMES: &[&str] = &[
    "aws_security_group",
    "aws_lb",
    "aws_lb_target_group",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_instance_profile",
    "aws_s3_bucket",
    "aws_sqs_queue",
    "aws_db_subnet_group",
    "aws_db_instance",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_cloudwatch_log_group",
    "aws_kms_alias",
    "aws_secretsmanager_secret",
    "aws_lambda_permission",
];

/// The planner finds nothing to change between `config` and what `observed` shows: a stack
/// re-plans empty after it was applied.
fn assert_no_changes(rtype: &str, config: &Json, observed: &Observed) {
    let schema = shared_catalog().get(rtype).expect(rtype);
    let desired = Value::from_json(normalized(rtype, config));
    let current = Value::from_json(observed.inputs.clone());
    let changes = cairn_engine::plan::diff_inputs(schema, &desired, &current, &[]);
    assert!(changes.is_empty(), "{rtype}: {changes:?} for {config}");
}

/// `observed`, made from `config`, has a name (its `name_attr`) generated from `prefix`: the
/// prefix and Terraform's 26-character unique part (then `.fifo` for a FIFO queue); and
/// re-plans empty.
fn assert_generated(
    rtype: &str,
    config: &Json,
    observed: &Observed,
    name_attr: &str,
    prefix: &str,
) -> String {
    let name = observed.inputs[name_attr]
        .as_str()
        .unwrap_or_else(|| panic!("{rtype}: no {name_attr} in {}", observed.inputs))
        .to_string();
    assert!(name.starts_with(prefix), "{rtype}: {name} for {prefix}");
    let stem = name.strip_suffix(".fifo").unwrap_or(&name);
    assert_eq!(stem.len(), prefix.len() + 26, "{rtype}: {name}");
    assert!(
        stem[prefix.len()..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{rtype}: {name}"
    );
    assert_no_changes(rtype, config, observed);
    name
}

/// `conform` with no out-of-band change (the scenario below checks names), its future on the
/// heap: the scenario runs many.
async fn conformed(w: &World, rtype: &str, config: Json, updated: Option<Json>) -> Observed {
    let unchanged = |_: String| std::future::ready(());
    Box::pin(conform(w, rtype, config, updated, unchanged, |o| {
        o.is_some()
    }))
    .await
}

/// For every type whose name cairn may generate: a create with only the prefix (or, for an
/// event target, without `target_id`) makes a resource whose name starts with the prefix,
/// reads back as configured (the planner finds no change), is found again by the lookup
/// after an interrupted create (by the prefix and the ownership tags, or for the types
/// without tags by the prefix and what they point at) and by its import, is updated in place
/// with its name left out, and deleted. With neither a name nor a prefix, names are
/// generated from `cairn-`, and fit the shortest names (32 characters); a name and a prefix
/// together are refused.
#[tokio::test]
async fn generated_names_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let vpc = create("aws_vpc", json!({"cidr_block": "10.40.0.0/16"})).await;
    let a = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.40.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let b = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.40.2.0/24", "availability_zone": "us-east-1b"}),
    )
    .await;

    let sg_config = json!({"name_prefix": "web-", "vpc_id": vpc.id,
        "ingress": [{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}],
        "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}]});
    let mut sg_tagged = sg_config.clone();
    sg_tagged["tags"] = json!({"Name": "web"});
    let sg = conformed(
        w,
        "aws_security_group",
        sg_config.clone(),
        Some(sg_tagged.clone()),
    )
    .await;
    assert_generated("aws_security_group", &sg_tagged, &sg, "name", "web-");

    let lb_config =
        json!({"name_prefix": "web-", "subnets": [a.id, b.id], "security_groups": [sg.id]});
    let mut lb_tagged = lb_config.clone();
    lb_tagged["tags"] = json!({"Name": "web"});
    let lb = conformed(w, "aws_lb", lb_config, Some(lb_tagged.clone())).await;
    let lb_name = assert_generated("aws_lb", &lb_tagged, &lb, "name", "web-");
    assert_eq!(lb_name.len(), 30);

    let tg_config = json!({"name_prefix": "app-", "port": 8080, "protocol": "HTTP", "vpc_id": vpc.id, "target_type": "ip"});
    let mut tg_updated = tg_config.clone();
    tg_updated["deregistration_delay"] = json!(30);
    let tg = conformed(
        w,
        "aws_lb_target_group",
        tg_config,
        Some(tg_updated.clone()),
    )
    .await;
    assert_generated("aws_lb_target_group", &tg_updated, &tg, "name", "app-");

    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role_config = json!({"name_prefix": "exec-", "assume_role_policy": trust});
    let role_updated = json!({"name_prefix": "exec-", "assume_role_policy": trust, "description": "runs things", "tags": {"Team": "core"}});
    let role = conformed(w, "aws_iam_role", role_config, Some(role_updated.clone())).await;
    let role_name = assert_generated("aws_iam_role", &role_updated, &role, "name", "exec-");
    assert!(role.outputs["arn"]
        .as_str()
        .is_some_and(|arn| arn.ends_with(&format!(":role/{role_name}"))));

    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    let policy_updated = json!({"name_prefix": "read-", "policy": doc, "tags": {"Team": "core"}});
    let policy = conformed(
        w,
        "aws_iam_policy",
        json!({"name_prefix": "read-", "policy": doc}),
        Some(policy_updated.clone()),
    )
    .await;
    assert_generated("aws_iam_policy", &policy_updated, &policy, "name", "read-");

    // The profile holds the role by its generated name.
    let profile_updated =
        json!({"name_prefix": "workers-", "role": role_name, "tags": {"Team": "core"}});
    let profile = conformed(
        w,
        "aws_iam_instance_profile",
        json!({"name_prefix": "workers-", "role": role_name}),
        Some(profile_updated.clone()),
    )
    .await;
    assert_generated(
        "aws_iam_instance_profile",
        &profile_updated,
        &profile,
        "name",
        "workers-",
    );

    let bucket_updated =
        json!({"bucket_prefix": "conf-logs-", "force_destroy": true, "versioning": true});
    let bucket = conformed(
        w,
        "aws_s3_bucket",
        json!({"bucket_prefix": "conf-logs-", "force_destroy": true}),
        Some(bucket_updated.clone()),
    )
    .await;
    let bucket_name = assert_generated(
        "aws_s3_bucket",
        &bucket_updated,
        &bucket,
        "bucket",
        "conf-logs-",
    );
    assert_eq!(bucket.outputs["arn"], format!("arn:aws:s3:::{bucket_name}"));

    let queue_updated = json!({"name_prefix": "jobs-", "visibility_timeout_seconds": 60});
    let queue = conformed(
        w,
        "aws_sqs_queue",
        json!({"name_prefix": "jobs-"}),
        Some(queue_updated.clone()),
    )
    .await;
    assert_generated("aws_sqs_queue", &queue_updated, &queue, "name", "jobs-");
    // A FIFO queue's generated name ends in `.fifo`, after the unique part.
    let fifo_config = json!({"name_prefix": "orders-", "fifo_queue": true});
    let fifo = create("aws_sqs_queue", fifo_config.clone()).await;
    let fifo_name = assert_generated("aws_sqs_queue", &fifo_config, &fifo, "name", "orders-");
    assert!(fifo_name.ends_with(".fifo"), "{fifo_name}");
    assert_eq!(
        read(w, "aws_sqs_queue", &fifo.id, &fifo.inputs)
            .await
            .as_ref(),
        Some(&fifo)
    );

    let group_updated =
        json!({"name_prefix": "db-", "subnet_ids": [a.id, b.id], "tags": {"Tier": "db"}});
    let group = conformed(
        w,
        "aws_db_subnet_group",
        json!({"name_prefix": "db-", "subnet_ids": [a.id, b.id]}),
        Some(group_updated.clone()),
    )
    .await;
    let group_name = assert_generated("aws_db_subnet_group", &group_updated, &group, "name", "db-");

    let db_config = json!({"identifier_prefix": "conf-", "engine": "postgres", "instance_class": "db.t3.micro",
        "allocated_storage": 20, "db_subnet_group_name": group_name, "username": "admin",
        "password": "s3cret-pass", "skip_final_snapshot": true});
    let mut db_tagged = db_config.clone();
    db_tagged["tags"] = json!({"App": "conf"});
    let db = conformed(w, "aws_db_instance", db_config, Some(db_tagged.clone())).await;
    assert_generated("aws_db_instance", &db_tagged, &db, "identifier", "conf-");

    let rule_updated = json!({"name_prefix": "nightly-", "schedule_expression": "rate(5 minutes)", "description": "every five minutes"});
    let rule = conformed(
        w,
        "aws_cloudwatch_event_rule",
        json!({"name_prefix": "nightly-", "schedule_expression": "rate(5 minutes)"}),
        Some(rule_updated.clone()),
    )
    .await;
    let rule_name = assert_generated(
        "aws_cloudwatch_event_rule",
        &rule_updated,
        &rule,
        "name",
        "nightly-",
    );

    // A statement of a function's policy with only `statement_id_prefix`.
    let function = create(
        "aws_lambda_function",
        json!({"function_name": "conf-generated", "role": role.outputs["arn"], "runtime": "python3.12",
               "handler": "index.handler", "source": "fn",
               "source_code_hash": stage(&zip_of(&[("index.py", "def handler(e, c):\n    return 1\n")]))}),
    )
    .await;
    let permission_config = json!({"statement_id_prefix": "allow-", "action": "lambda:InvokeFunction",
        "function_name": "conf-generated", "principal": "events.amazonaws.com",
        "source_arn": rule.outputs["arn"]});
    let permission = conformed(w, "aws_lambda_permission", permission_config.clone(), None).await;
    let statement = assert_generated(
        "aws_lambda_permission",
        &permission_config,
        &permission,
        "statement_id",
        "allow-",
    );
    assert_eq!(permission.id, format!("conf-generated/{statement}"));

    // A target with no `target_id`: one is generated (`cairn-...`) and kept.
    let queue_arn = queue.outputs["arn"]
        .as_str()
        .expect("queue arn")
        .to_string();
    let target_updated = json!({"rule": rule_name, "arn": queue_arn, "input": {"action": "check"}});
    let target = conformed(
        w,
        "aws_cloudwatch_event_target",
        json!({"rule": rule_name, "arn": queue_arn, "input": {"action": "sweep"}}),
        Some(target_updated.clone()),
    )
    .await;
    let target_id = assert_generated(
        "aws_cloudwatch_event_target",
        &target_updated,
        &target,
        "target_id",
        "cairn-",
    );
    assert_eq!(target.id, format!("{rule_name}/{target_id}"));

    let logs_updated = json!({"name_prefix": "/ecs/app-", "retention_in_days": 7});
    let logs = conformed(
        w,
        "aws_cloudwatch_log_group",
        json!({"name_prefix": "/ecs/app-"}),
        Some(logs_updated.clone()),
    )
    .await;
    assert_generated(
        "aws_cloudwatch_log_group",
        &logs_updated,
        &logs,
        "name",
        "/ecs/app-",
    );

    let key = create("aws_kms_key", json!({"description": "conf"})).await;
    let other_key = create("aws_kms_key", json!({"description": "other"})).await;
    let alias_updated = json!({"name_prefix": "alias/conf-", "target_key_id": other_key.id});
    let alias = conformed(
        w,
        "aws_kms_alias",
        json!({"name_prefix": "alias/conf-", "target_key_id": key.id}),
        Some(alias_updated.clone()),
    )
    .await;
    assert_generated(
        "aws_kms_alias",
        &alias_updated,
        &alias,
        "name",
        "alias/conf-",
    );

    let secret_updated = json!({"name_prefix": "conf/db-", "description": "credentials", "recovery_window_in_days": 0});
    let secret = conformed(
        w,
        "aws_secretsmanager_secret",
        json!({"name_prefix": "conf/db-", "recovery_window_in_days": 0}),
        Some(secret_updated.clone()),
    )
    .await;
    assert_generated(
        "aws_secretsmanager_secret",
        &secret_updated,
        &secret,
        "name",
        "conf/db-",
    );

    // With neither a name nor a prefix: generated from `cairn-`, which with the unique part
    // fills a target group's 32 characters; read back as configured, found again.
    for (rtype, config, name_attr) in [
        (
            "aws_lb_target_group",
            json!({"port": 80, "protocol": "HTTP", "vpc_id": vpc.id}),
            "name",
        ),
        ("aws_iam_role", json!({"assume_role_policy": trust}), "name"),
        ("aws_cloudwatch_log_group", json!({}), "name"),
        ("aws_kms_alias", json!({"target_key_id": key.id}), "name"),
    ] {
        let op = ctx(&format!("{rtype}.unnamed"));
        let config_n = normalized(rtype, &config);
        let made = w
            .provider
            .create(rtype, &config_n, &op)
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"));
        let prefix = if rtype == "aws_kms_alias" {
            "alias/cairn-"
        } else {
            "cairn-"
        };
        let name = assert_generated(rtype, &config, &made, name_attr, prefix);
        if rtype == "aws_lb_target_group" {
            assert_eq!(name.len(), 32, "{name}");
        }
        assert_eq!(
            made.inputs[format!("{name_attr}_prefix")],
            prefix,
            "{rtype}"
        );
        let again = read(w, rtype, &made.id, &made.inputs).await;
        assert_eq!(again.as_ref(), Some(&made), "{rtype}: read");
        let found = w.provider.find(rtype, &config_n, &op).await.expect("find");
        assert_eq!(found, vec![made.clone()], "{rtype}: find");
        w.provider
            .delete(rtype, &made, &op)
            .await
            .unwrap_or_else(|e| panic!("delete {rtype}: {e}"));
    }

    // A name and a prefix together are refused (before any call); so is a prefix that leaves
    // no room for the unique part (a FIFO queue's `.fifo` counts).
    for (rtype, config) in [
        (
            "aws_iam_role",
            json!({"name": "a", "name_prefix": "a-", "assume_role_policy": trust}),
        ),
        (
            "aws_s3_bucket",
            json!({"bucket": "a-bucket", "bucket_prefix": "a-"}),
        ),
        (
            "aws_db_instance",
            json!({"identifier": "a", "identifier_prefix": "a-", "engine": "postgres", "instance_class": "db.t3.micro"}),
        ),
        (
            "aws_sqs_queue",
            json!({"name_prefix": "q".repeat(50), "fifo_queue": true}),
        ),
    ] {
        let config_n = normalized(rtype, &config);
        let refused = w.provider.create(rtype, &config_n, &ctx(rtype)).await;
        assert!(
            matches!(&refused, Err(cairn_model::ProviderError::InvalidConfig(_))),
            "{rtype}: {refused:?}"
        );
        if config.get("fifo_queue").is_none() {
            let refused = w.provider.find(rtype, &config_n, &ctx(rtype)).await;
            assert!(
                matches!(&refused, Err(cairn_model::ProviderError::InvalidConfig(m)) if m.contains("cannot both be given")),
                "{rtype}: {refused:?}"
            );
        }
    }

    delete(w, "aws_secretsmanager_secret", &secret).await;
    delete(w, "aws_kms_alias", &alias).await;
    delete(w, "aws_cloudwatch_log_group", &logs).await;
    delete(w, "aws_cloudwatch_event_target", &target).await;
    delete(w, "aws_lambda_permission", &permission).await;
    w.provider
        .delete("aws_lambda_function", &function, &ctx("function"))
        .await
        .expect("delete function");
    delete(w, "aws_cloudwatch_event_rule", &rule).await;
    delete(w, "aws_db_instance", &db).await;
    delete(w, "aws_db_subnet_group", &group).await;
    w.provider
        .delete("aws_sqs_queue", &fifo, &ctx("fifo"))
        .await
        .expect("delete fifo");
    delete(w, "aws_sqs_queue", &queue).await;
    delete(w, "aws_s3_bucket", &bucket).await;
    delete(w, "aws_iam_instance_profile", &profile).await;
    delete(w, "aws_iam_policy", &policy).await;
    delete(w, "aws_iam_role", &role).await;
    delete(w, "aws_lb_target_group", &tg).await;
    delete(w, "aws_lb", &lb).await;
    delete(w, "aws_security_group", &sg).await;
    w.assert_looked_up(GENERATED_NAMES);
}

/// Every type with a `name_prefix` (or `bucket_prefix`, `identifier_prefix`) is in
/// `GENERATED_NAMES`, and each prefix forces a replacement, as its name does.
#[test]
fn every_generated_name_is_conformed() {
    let cat = catalog();
    let mut prefixed: Vec<&str> = cat
        .types
        .values()
        .filter(|s| {
            s.inputs.iter().any(|(name, a)| {
                let named = name.strip_suffix("_prefix").and_then(|n| s.inputs.get(n));
                named.is_some_and(|n| !n.required && n.force_new) && a.force_new && !a.required
            })
        })
        .map(|s| s.type_name.as_str())
        .collect();
    prefixed.push("aws_cloudwatch_event_target");
    prefixed.sort();
    let mut want = GENERATED_NAMES.to_vec();
    want.extend(messaging::GENERATED_NAMES);
    want.extend(routing::GENERATED_NAMES);
    want.sort();
    assert_eq!(prefixed, want);
    assert!(!cat.types["aws_cloudwatch_event_target"].inputs["target_id"].required);
}
