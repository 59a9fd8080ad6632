//! The lookup data sources (`aws_ssm_parameter`, `aws_secretsmanager_secret_version`,
//! `aws_route53_zone`, `aws_acm_certificate`) against a real moto server: what they find,
//! and the Lookup errors for nothing found and for several where one is named.

mod support;

use support::{world, World};

use cairn_model::{Provider, ProviderError};
use cairn_providers::catalog;
use serde_json::{json, Value as Json};

const TYPES: [&str; 4] = [
    "aws_ssm_parameter",
    "aws_secretsmanager_secret_version",
    "aws_route53_zone",
    "aws_acm_certificate",
];

impl World {
    async fn read(&self, dtype: &str, args: Json) -> Result<Json, ProviderError> {
        self.provider.read_data(dtype, &args).await
    }

    /// Reads `dtype` with `args` and checks that every attribute of `expected` is as given
    /// (attributes it does not name may be anything); returns what was read.
    async fn check(&self, dtype: &str, args: Json, expected: Json) -> Json {
        let got = self
            .read(dtype, args.clone())
            .await
            .unwrap_or_else(|e| panic!("data.{dtype} {args}: {e}"));
        for (k, want) in expected.as_object().expect("expected is an object") {
            assert_eq!(
                &got[k], want,
                "data.{dtype} {args}: attribute {k} of {got:#}"
            );
        }
        got
    }

    /// Reads `dtype` with `args`, expecting a Lookup error whose message contains each of
    /// `says`.
    async fn lookup_fails(&self, dtype: &str, args: Json, says: &[&str]) -> String {
        match self.read(dtype, args.clone()).await {
            Err(ProviderError::Lookup(msg)) => {
                for s in says {
                    assert!(
                        msg.contains(s),
                        "data.{dtype} {args}: {msg:?} should say {s:?}"
                    );
                }
                msg
            }
            other => panic!("data.{dtype} {args}: expected a Lookup error, got {other:?}"),
        }
    }
}

#[test]
fn the_catalog_describes_each_lookup() {
    let catalog = catalog();
    for t in TYPES {
        let schema = catalog
            .data
            .get(t)
            .unwrap_or_else(|| panic!("{t} is not in the catalog's data sources"));
        assert!(
            !schema.description.trim().is_empty(),
            "{t} has no description"
        );
    }
    let ssm = &catalog.data["aws_ssm_parameter"];
    assert!(ssm.outputs["value"].sensitive);
    assert!(!ssm.outputs["insecure_value"].sensitive);
    let secret = &catalog.data["aws_secretsmanager_secret_version"];
    assert!(secret.outputs["secret_string"].sensitive);
    assert!(secret.outputs["secret_binary"].sensitive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssm_parameter() {
    use aws_sdk_ssm::types::ParameterType;
    let w = world().await;
    let ssm = aws_sdk_ssm::Client::new(&w.shared);
    for (name, kind, value) in [
        ("/app/plain", ParameterType::String, "hello"),
        ("/app/list", ParameterType::StringList, "a,b,c"),
        ("/app/secret", ParameterType::SecureString, "s3cr3t"),
    ] {
        ssm.put_parameter()
            .name(name)
            .r#type(kind)
            .value(value)
            .send()
            .await
            .unwrap();
    }
    ssm.put_parameter()
        .name("/app/plain")
        .r#type(ParameterType::String)
        .value("hello again")
        .overwrite(true)
        .send()
        .await
        .unwrap();

    let plain = w
        .check(
            "aws_ssm_parameter",
            json!({ "name": "/app/plain" }),
            json!({
                "name": "/app/plain",
                "id": "/app/plain",
                "type": "String",
                "value": "hello again",
                "insecure_value": "hello again",
                "version": 2,
            }),
        )
        .await;
    assert!(
        plain["arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:ssm:us-east-1:")
            && plain["arn"]
                .as_str()
                .unwrap()
                .ends_with(":parameter/app/plain"),
        "{plain}"
    );
    w.check(
        "aws_ssm_parameter",
        json!({ "name": "/app/list" }),
        json!({ "type": "StringList", "value": "a,b,c", "insecure_value": "a,b,c", "version": 1 }),
    )
    .await;
    w.check(
        "aws_ssm_parameter",
        json!({ "name": "/app/secret" }),
        json!({ "type": "SecureString", "value": "s3cr3t", "insecure_value": null }),
    )
    .await;
    let encrypted = w
        .check(
            "aws_ssm_parameter",
            json!({ "name": "/app/secret", "with_decryption": false }),
            json!({ "type": "SecureString", "insecure_value": null }),
        )
        .await;
    assert_ne!(
        encrypted["value"], "s3cr3t",
        "read without decryption: {encrypted}"
    );

    w.lookup_fails(
        "aws_ssm_parameter",
        json!({ "name": "/app/missing" }),
        &["SSM parameter", "/app/missing"],
    )
    .await;
    assert!(matches!(
        w.read(
            "aws_ssm_parameter",
            json!({ "name": "/app/plain", "value": "x" })
        )
        .await,
        Err(ProviderError::InvalidConfig(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secretsmanager_secret_version() {
    let w = world().await;
    let sm = aws_sdk_secretsmanager::Client::new(&w.shared);
    let created = sm
        .create_secret()
        .name("db-password")
        .secret_string("first")
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_string();
    let first = created.version_id().unwrap().to_string();
    let second = sm
        .put_secret_value()
        .secret_id("db-password")
        .secret_string("second")
        .send()
        .await
        .unwrap()
        .version_id()
        .unwrap()
        .to_string();

    let current = w
        .check(
            "aws_secretsmanager_secret_version",
            json!({ "secret_id": "db-password" }),
            json!({
                "arn": arn,
                "id": "db-password|AWSCURRENT",
                "secret_id": "db-password",
                "secret_string": "second",
                "secret_binary": null,
                "version_id": second,
                "version_stages": ["AWSCURRENT"],
            }),
        )
        .await;
    let created_date = current["created_date"].as_str().expect("created_date");
    assert!(
        created_date.len() == 20 && created_date.ends_with('Z'),
        "RFC 3339 in whole seconds: {created_date}"
    );
    w.check(
        "aws_secretsmanager_secret_version",
        json!({ "secret_id": arn, "version_stage": "AWSPREVIOUS" }),
        json!({ "secret_string": "first", "version_id": first, "version_stages": ["AWSPREVIOUS"] }),
    )
    .await;
    // version_id overrides version_stage.
    w.check(
        "aws_secretsmanager_secret_version",
        json!({ "secret_id": "db-password", "version_id": first, "version_stage": "AWSCURRENT" }),
        json!({ "id": format!("db-password|{first}"), "secret_string": "first", "version_id": first }),
    )
    .await;

    sm.create_secret()
        .name("tls-key")
        .secret_binary(aws_smithy_types::Blob::new(vec![0u8, 159, 146, 150, 255]))
        .send()
        .await
        .unwrap();
    w.check(
        "aws_secretsmanager_secret_version",
        json!({ "secret_id": "tls-key" }),
        json!({ "secret_string": null, "secret_binary": "AJ+Slv8=" }),
    )
    .await;

    w.lookup_fails(
        "aws_secretsmanager_secret_version",
        json!({ "secret_id": "no-such-secret" }),
        &[
            "Secrets Manager secret version",
            "no-such-secret",
            "AWSCURRENT",
        ],
    )
    .await;
    w.lookup_fails(
        "aws_secretsmanager_secret_version",
        json!({ "secret_id": "db-password", "version_stage": "NOT-A-STAGE" }),
        &["db-password", "NOT-A-STAGE"],
    )
    .await;
    w.lookup_fails(
        "aws_secretsmanager_secret_version",
        json!({ "secret_id": "db-password", "version_id": "00000000-0000-0000-0000-000000000000" }),
        &["db-password", "00000000-0000-0000-0000-000000000000"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route53_zone() {
    use aws_sdk_route53::types::{HostedZoneConfig, Tag, TagResourceType, Vpc, VpcRegion};
    let w = world().await;
    let r53 = aws_sdk_route53::Client::new(&w.shared);
    let ec2 = aws_sdk_ec2::Client::new(&w.shared);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();

    // Two public zones named example.com (prod and dev), one public other.org, and a
    // private example.com in the VPC.
    let mut ids = Vec::new();
    for (name, reference, env, comment) in [
        ("example.com", "ref-prod", "prod", "production"),
        ("example.com.", "ref-dev", "dev", "development"),
        ("other.org", "ref-other", "other", "other"),
    ] {
        let made = r53
            .create_hosted_zone()
            .name(name)
            .caller_reference(reference)
            .hosted_zone_config(HostedZoneConfig::builder().comment(comment).build())
            .send()
            .await
            .unwrap();
        let id = made
            .hosted_zone()
            .unwrap()
            .id()
            .trim_start_matches("/hostedzone/")
            .to_string();
        r53.change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .add_tags(Tag::builder().key("env").value(env).build())
            .add_tags(Tag::builder().key("team").value("web").build())
            .send()
            .await
            .unwrap();
        ids.push(id);
    }
    let private = r53
        .create_hosted_zone()
        .name("example.com")
        .caller_reference("ref-private")
        .hosted_zone_config(HostedZoneConfig::builder().private_zone(true).build())
        .vpc(
            Vpc::builder()
                .vpc_id(&vpc)
                .vpc_region(VpcRegion::UsEast1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let private_id = private
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let (prod, dev, other) = (&ids[0], &ids[1], &ids[2]);

    let by_id = w
        .check(
            "aws_route53_zone",
            json!({ "zone_id": prod }),
            json!({
                "zone_id": prod,
                "id": prod,
                "arn": format!("arn:aws:route53:::hostedzone/{prod}"),
                "name": "example.com",
                "private_zone": false,
                "comment": "production",
                "caller_reference": "ref-prod",
                "tags": { "env": "prod", "team": "web" },
            }),
        )
        .await;
    let servers = by_id["name_servers"].as_array().unwrap();
    assert!(!servers.is_empty(), "{by_id}");
    assert_eq!(by_id["primary_name_server"], servers[0]);
    assert!(
        by_id["resource_record_set_count"].as_i64().unwrap() >= 2,
        "SOA and NS: {by_id}"
    );
    // The zone id as the API writes it works too.
    w.check(
        "aws_route53_zone",
        json!({ "zone_id": format!("/hostedzone/{dev}") }),
        json!({ "zone_id": dev, "comment": "development" }),
    )
    .await;

    // By name (any case, with or without the dot) and tags.
    for (args, zone) in [
        (
            json!({ "name": "Example.COM.", "tags": { "env": "dev" } }),
            dev,
        ),
        (
            json!({ "name": "example.com", "tags": { "env": "prod", "team": "web" } }),
            prod,
        ),
        (json!({ "name": "other.org" }), other),
        (json!({ "tags": { "env": "other" } }), other),
    ] {
        w.check(
            "aws_route53_zone",
            args,
            json!({ "zone_id": zone, "private_zone": false }),
        )
        .await;
    }
    // Private zones: by private_zone, by vpc_id (which implies it).
    for args in [
        json!({ "name": "example.com", "private_zone": true }),
        json!({ "name": "example.com", "vpc_id": vpc }),
        json!({ "vpc_id": vpc }),
    ] {
        w.check(
            "aws_route53_zone",
            args,
            json!({ "zone_id": private_id, "name": "example.com", "private_zone": true, "tags": {} }),
        )
        .await;
    }

    // Several.
    let msg = w
        .lookup_fails(
            "aws_route53_zone",
            json!({ "name": "example.com" }),
            &["2 public Route 53 hosted zones", "example.com", "narrow"],
        )
        .await;
    assert!(
        msg.contains(prod.as_str()) && msg.contains(dev.as_str()),
        "{msg}"
    );
    w.lookup_fails(
        "aws_route53_zone",
        json!({ "tags": { "team": "web" } }),
        &["3 public Route 53 hosted zones", "team"],
    )
    .await;
    // None.
    for (args, says) in [
        (
            json!({ "name": "missing.net" }),
            vec!["no public Route 53 hosted zone", "missing.net"],
        ),
        (
            json!({ "name": "example.com", "tags": { "env": "staging" } }),
            vec![
                "no public Route 53 hosted zone",
                "example.com",
                "tag env = \"staging\"",
            ],
        ),
        (
            json!({ "name": "other.org", "private_zone": true }),
            vec!["no private Route 53 hosted zone", "other.org"],
        ),
        (
            json!({ "vpc_id": "vpc-00000000000000000" }),
            vec!["no private Route 53 hosted zone", "vpc-00000000000000000"],
        ),
        (
            json!({ "zone_id": "ZNOSUCHZONE0000" }),
            vec!["no Route 53 hosted zone", "ZNOSUCHZONE0000"],
        ),
    ] {
        w.lookup_fails("aws_route53_zone", args, &says).await;
    }
    assert!(matches!(
        w.read(
            "aws_route53_zone",
            json!({ "zone_id": prod, "name": "example.com" })
        )
        .await,
        Err(ProviderError::InvalidConfig(_))
    ));
}

/// A self-signed certificate for `domain` and its key (PEM), made with openssl, else with
/// Python's `cryptography` (which moto needs, so it is there wherever moto runs).
fn self_signed(domain: &str) -> (String, String) {
    let dir = tempfile_dir();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let subject = format!("/CN={domain}");
    let openssl = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", &subject])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !openssl.is_ok_and(|o| o.status.success()) {
        let script = r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sys.argv[1])])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
    .public_key(key.public_key()).serial_number(x509.random_serial_number())
    .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
    .sign(key, hashes.SHA256()))
open(sys.argv[2], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(sys.argv[3], "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
"#;
        let status = std::process::Command::new("python3")
            .args(["-c", script, domain])
            .arg(&cert)
            .arg(&key)
            .status()
            .expect("neither openssl nor python3 can make a test certificate");
        assert!(
            status.success(),
            "python3 could not make a test certificate"
        );
    }
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    let pair = (read(&cert), read(&key));
    let _ = std::fs::remove_dir_all(&dir);
    pair
}

fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cairn-data-lookups-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acm_certificate() {
    use aws_sdk_acm::types::Tag;
    let w = world().await;
    let acm = aws_sdk_acm::Client::new(&w.shared);
    let import = |domain: &'static str, tags: Vec<(&'static str, &'static str)>| {
        let acm = acm.clone();
        async move {
            let (cert, key) = self_signed(domain);
            let mut call = acm
                .import_certificate()
                .certificate(aws_smithy_types::Blob::new(cert.into_bytes()))
                .private_key(aws_smithy_types::Blob::new(key.into_bytes()));
            for (k, v) in tags {
                call = call.tags(Tag::builder().key(k).value(v).build().unwrap());
            }
            call.send()
                .await
                .unwrap()
                .certificate_arn()
                .unwrap()
                .to_string()
        }
    };
    // Imported certificates are ISSUED at once; moto leaves a requested one
    // PENDING_VALIDATION (for a minute, then ISSUED).
    let site = import("site.example.com", vec![("app", "site")]).await;
    let api_old = import("api.example.com", vec![("app", "api")]).await;
    // NotBefore, which most_recent compares issued certificates by, is in whole seconds.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let api_new = import("api.example.com", vec![("app", "api")]).await;
    let pending = acm
        .request_certificate()
        .domain_name("new.example.com")
        .tags(Tag::builder().key("app").value("new").build().unwrap())
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string();

    let found = w
        .check(
            "aws_acm_certificate",
            json!({ "domain": "site.example.com" }),
            json!({
                "arn": site,
                "id": site,
                "domain": "site.example.com",
                "status": "ISSUED",
                "type": "IMPORTED",
                "key_type": "RSA_2048",
                "tags": { "app": "site" },
            }),
        )
        .await;
    assert!(
        found["certificate"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----"),
        "{found}"
    );
    for (args, arn) in [
        (
            json!({ "domain": "site.example.com", "types": ["IMPORTED"], "key_types": ["RSA_2048"] }),
            &site,
        ),
        (json!({ "tags": { "app": "site" } }), &site),
        (
            json!({ "domain": "api.example.com", "most_recent": true }),
            &api_new,
        ),
        (
            json!({ "tags": { "app": "api" }, "most_recent": true }),
            &api_new,
        ),
        (
            json!({ "domain": "new.example.com", "statuses": ["PENDING_VALIDATION"] }),
            &pending,
        ),
    ] {
        w.check("aws_acm_certificate", args, json!({ "arn": arn }))
            .await;
    }
    w.check(
        "aws_acm_certificate",
        json!({ "domain": "new.example.com", "statuses": ["PENDING_VALIDATION", "ISSUED"], "types": ["AMAZON_ISSUED"] }),
        json!({ "status": "PENDING_VALIDATION", "type": "AMAZON_ISSUED", "certificate": null, "tags": { "app": "new" } }),
    )
    .await;

    // Several without most_recent.
    let msg = w
        .lookup_fails(
            "aws_acm_certificate",
            json!({ "domain": "api.example.com" }),
            &["2 ACM certificates", "api.example.com", "narrow"],
        )
        .await;
    assert!(msg.contains(&api_old) && msg.contains(&api_new), "{msg}");
    w.lookup_fails(
        "aws_acm_certificate",
        json!({ "tags": { "app": "api" } }),
        &["2 ACM certificates", "tag app = \"api\""],
    )
    .await;
    // None: by domain, by status (the pending one is not ISSUED), by type, key type, tags.
    for (args, says) in [
        (
            json!({ "domain": "missing.example.com" }),
            vec!["missing.example.com"],
        ),
        (
            json!({ "domain": "new.example.com" }),
            vec!["new.example.com", "ISSUED"],
        ),
        (
            json!({ "domain": "site.example.com", "types": ["AMAZON_ISSUED"] }),
            vec!["AMAZON_ISSUED"],
        ),
        (
            json!({ "domain": "site.example.com", "key_types": ["EC_prime256v1"] }),
            vec!["EC_prime256v1"],
        ),
        (
            json!({ "domain": "site.example.com", "tags": { "app": "api" } }),
            vec!["tag app = \"api\""],
        ),
    ] {
        let mut says = says;
        says.insert(0, "no ACM certificate");
        w.lookup_fails("aws_acm_certificate", args, &says).await;
    }
    assert!(matches!(
        w.read("aws_acm_certificate", json!({ "statuses": ["ISSUED"] }))
            .await,
        Err(ProviderError::InvalidConfig(_))
    ));
}
