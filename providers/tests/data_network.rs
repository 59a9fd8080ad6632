//! The data sources `aws_vpc`, `aws_subnets`, `aws_security_group`, `aws_lb`,
//! `aws_iam_role`, `aws_ecr_repository` and `aws_kms_alias` against a real moto server: each
//! finds what plain SDK calls made, says what it looked for when it finds nothing, and — where
//! its arguments filter — when it finds several.

mod support;

use std::collections::BTreeMap;
use support::{world, World};

use cairn_model::{AttrType, Provider, ProviderError};
use serde_json::{json, Value as Json};

/// The account moto answers for.
const ACCOUNT: &str = "123456789012";

const TYPES: &[&str] = &[
    "aws_vpc",
    "aws_subnets",
    "aws_security_group",
    "aws_lb",
    "aws_iam_role",
    "aws_ecr_repository",
    "aws_kms_alias",
];

impl World {
    /// Reads `dtype` with `args`, asserts that every key of `expected` has its value in what
    /// it read, and returns all it read.
    async fn check(&self, dtype: &str, args: Json, expected: Json) -> Json {
        let got = self
            .provider
            .read_data(dtype, &args)
            .await
            .unwrap_or_else(|e| panic!("data.{dtype} {args}: {e}"));
        let Json::Object(expected) = expected else {
            panic!("expected is an object");
        };
        for (k, want) in &expected {
            assert_eq!(
                got.get(k),
                Some(want),
                "data.{dtype} {args}: attribute {k} in {got:#}"
            );
        }
        got
    }

    /// Reads `dtype` with `args` and asserts a `Lookup` error whose message holds every one of
    /// `says`.
    async fn lookup_fails(&self, dtype: &str, args: Json, says: &[&str]) {
        match self.provider.read_data(dtype, &args).await {
            Err(ProviderError::Lookup(msg)) => {
                for s in says {
                    assert!(
                        msg.contains(s),
                        "data.{dtype} {args}: `{msg}` does not say `{s}`"
                    );
                }
            }
            other => panic!("data.{dtype} {args}: expected a Lookup error, got {other:?}"),
        }
    }

    /// Reads `dtype` with `args` and asserts an `InvalidConfig` error.
    async fn invalid(&self, dtype: &str, args: Json) {
        match self.provider.read_data(dtype, &args).await {
            Err(ProviderError::InvalidConfig(_)) => {}
            other => panic!("data.{dtype} {args}: expected InvalidConfig, got {other:?}"),
        }
    }
}

fn ec2_tags(
    kind: aws_sdk_ec2::types::ResourceType,
    pairs: &[(&str, &str)],
) -> Option<Vec<aws_sdk_ec2::types::TagSpecification>> {
    let tags = pairs
        .iter()
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build())
        .collect();
    let spec = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(tags))
        .build();
    (!pairs.is_empty()).then(|| vec![spec])
}

async fn vpc(ec2: &aws_sdk_ec2::Client, cidr: &str, tags: &[(&str, &str)]) -> String {
    ec2.create_vpc()
        .cidr_block(cidr)
        .set_tag_specifications(ec2_tags(aws_sdk_ec2::types::ResourceType::Vpc, tags))
        .send()
        .await
        .unwrap()
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap()
        .to_string()
}

async fn subnet(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
    cidr: &str,
    zone: &str,
    tags: &[(&str, &str)],
) -> String {
    ec2.create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .availability_zone(zone)
        .set_tag_specifications(ec2_tags(aws_sdk_ec2::types::ResourceType::Subnet, tags))
        .send()
        .await
        .unwrap()
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap()
        .to_string()
}

async fn group(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str, tags: &[(&str, &str)]) -> String {
    ec2.create_security_group()
        .vpc_id(vpc)
        .group_name(name)
        .description(format!("the {name} group"))
        .set_tag_specifications(ec2_tags(
            aws_sdk_ec2::types::ResourceType::SecurityGroup,
            tags,
        ))
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn vpcs_subnets_and_security_groups_are_found() {
    let w = world().await;
    let ec2 = aws_sdk_ec2::Client::new(&w.shared);
    let app = vpc(&ec2, "10.10.0.0/16", &[("Name", "app"), ("Env", "test")]).await;
    let other = vpc(&ec2, "10.20.0.0/16", &[("Name", "other"), ("Env", "test")]).await;
    ec2.modify_vpc_attribute()
        .vpc_id(&app)
        .enable_dns_hostnames(
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let main_table = ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&app)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        .and_then(|t| t.route_table_id())
        .unwrap()
        .to_string();

    // aws_vpc: found every way a stack names one.
    let whole = json!({
        "id": app,
        "arn": format!("arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{app}"),
        "cidr_block": "10.10.0.0/16",
        "default": false,
        "enable_dns_hostnames": true,
        "enable_dns_support": true,
        "instance_tenancy": "default",
        "main_route_table_id": main_table,
        "owner_id": ACCOUNT,
        "state": "available",
        "tags": {"Name": "app", "Env": "test"},
    });
    let got = w.check("aws_vpc", json!({"id": app}), whole.clone()).await;
    assert!(got["dhcp_options_id"].is_string(), "{got:#}");
    for args in [
        json!({"tags": {"Name": "app"}}),
        json!({"cidr_block": "10.10.0.0/16"}),
        json!({"tags": {"Env": "test"}, "cidr_block": "10.10.0.0/16", "state": "available"}),
        json!({"filter": [{"name": "cidr", "values": ["10.10.0.0/16"]}]}),
        json!({"filter": [{"name": "tag:Name", "values": ["ap*"]}]}),
        json!({"default": false, "tags": {"Name": "app"}}),
    ] {
        w.check("aws_vpc", args, json!({"id": app})).await;
    }
    w.check(
        "aws_vpc",
        json!({"default": true}),
        json!({"default": true, "cidr_block": "172.31.0.0/16"}),
    )
    .await;
    // Not found: the message says what was looked for.
    w.lookup_fails(
        "aws_vpc",
        json!({"tags": {"Name": "absent"}}),
        &["no VPC", "tag Name = \"absent\""],
    )
    .await;
    w.lookup_fails(
        "aws_vpc",
        json!({"id": "vpc-0000000000000000f"}),
        &["no VPC", "id = \"vpc-0000000000000000f\""],
    )
    .await;
    w.lookup_fails(
        "aws_vpc",
        json!({"default": true, "tags": {"Name": "app"}}),
        &["no VPC", "default = \"true\""],
    )
    .await;
    // Several: which, and that the arguments should narrow.
    w.lookup_fails(
        "aws_vpc",
        json!({"tags": {"Env": "test"}}),
        &["2 VPCs", "tag Env = \"test\"", &app, &other, "narrow"],
    )
    .await;
    w.lookup_fails(
        "aws_vpc",
        json!({"filter": [{"name": "cidr", "values": ["10.10.0.0/16", "10.20.0.0/16"]}]}),
        &["2 VPCs", "filter cidr"],
    )
    .await;
    w.invalid("aws_vpc", json!({"name": "app"})).await;

    // aws_subnets: every match, sorted; none is no error.
    let a = subnet(
        &ec2,
        &app,
        "10.10.1.0/24",
        "us-east-1a",
        &[("Tier", "private")],
    )
    .await;
    let b = subnet(
        &ec2,
        &app,
        "10.10.2.0/24",
        "us-east-1b",
        &[("Tier", "private")],
    )
    .await;
    let c = subnet(
        &ec2,
        &app,
        "10.10.3.0/24",
        "us-east-1a",
        &[("Tier", "public")],
    )
    .await;
    let d = subnet(
        &ec2,
        &other,
        "10.20.1.0/24",
        "us-east-1a",
        &[("Tier", "private")],
    )
    .await;
    let in_app = sorted(vec![a.clone(), b.clone(), c.clone()]);
    let private_in_app = sorted(vec![a.clone(), b.clone()]);
    let cases = [
        (
            json!({"filter": [{"name": "vpc-id", "values": [app]}]}),
            in_app.clone(),
        ),
        (
            json!({"filter": [{"name": "vpc-id", "values": [app]}], "tags": {"Tier": "private"}}),
            private_in_app.clone(),
        ),
        (
            json!({"tags": {"Tier": "private"}}),
            sorted(vec![a.clone(), b.clone(), d.clone()]),
        ),
        (
            json!({"filter": [
                {"name": "vpc-id", "values": [app]},
                {"name": "availability-zone", "values": ["us-east-1a"]},
            ]}),
            sorted(vec![a.clone(), c.clone()]),
        ),
        (json!({"tags": {"Tier": "absent"}}), vec![]),
        (
            json!({"filter": [{"name": "vpc-id", "values": ["vpc-0000000000000000f"]}]}),
            vec![],
        ),
    ];
    for (args, ids) in cases {
        w.check("aws_subnets", args, json!({"ids": ids, "id": "us-east-1"}))
            .await;
    }
    // Without arguments: every subnet of the region, moto's default ones too.
    let all = w.check("aws_subnets", json!({}), json!({})).await;
    let all: Vec<String> = serde_json::from_value(all["ids"].clone()).unwrap();
    assert_eq!(all, sorted(all.clone()));
    assert!(all.len() > 4 && [&a, &b, &c, &d].iter().all(|s| all.contains(s)));

    // aws_security_group.
    let web = group(&ec2, &app, "web", &[("Role", "web")]).await;
    let web_other = group(&ec2, &other, "web", &[("Role", "web")]).await;
    let whole = json!({
        "id": web,
        "arn": format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{web}"),
        "name": "web",
        "description": "the web group",
        "vpc_id": app,
        "tags": {"Role": "web"},
    });
    for args in [
        json!({"id": web}),
        json!({"name": "web", "vpc_id": app}),
        json!({"tags": {"Role": "web"}, "vpc_id": app}),
        json!({"filter": [{"name": "group-name", "values": ["we*"]}, {"name": "vpc-id", "values": [app]}]}),
    ] {
        w.check("aws_security_group", args, whole.clone()).await;
    }
    w.check(
        "aws_security_group",
        json!({"name": "default", "vpc_id": other}),
        json!({"name": "default", "vpc_id": other}),
    )
    .await;
    w.lookup_fails(
        "aws_security_group",
        json!({"name": "web"}),
        &["2 security groups", "name = \"web\"", &web, &web_other],
    )
    .await;
    w.lookup_fails(
        "aws_security_group",
        json!({"name": "default"}),
        &["security groups", "name = \"default\"", "narrow"],
    )
    .await;
    w.lookup_fails(
        "aws_security_group",
        json!({"name": "absent", "vpc_id": app}),
        &[
            "no security group",
            "name = \"absent\"",
            &format!("vpc_id = \"{app}\""),
        ],
    )
    .await;
    w.lookup_fails(
        "aws_security_group",
        json!({"id": "sg-0000000000000000f"}),
        &["no security group", "id = \"sg-0000000000000000f\""],
    )
    .await;
    w.lookup_fails(
        "aws_security_group",
        json!({"name": "web", "tags": {"Role": "db"}}),
        &["no security group", "tag Role = \"db\""],
    )
    .await;
}

#[tokio::test]
async fn load_balancers_roles_repositories_and_aliases_are_found() {
    let w = world().await;
    let ec2 = aws_sdk_ec2::Client::new(&w.shared);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&w.shared);
    let iam = aws_sdk_iam::Client::new(&w.shared);
    let ecr = aws_sdk_ecr::Client::new(&w.shared);
    let kms = aws_sdk_kms::Client::new(&w.shared);

    // aws_lb.
    let net = vpc(&ec2, "10.30.0.0/16", &[("Name", "lb")]).await;
    let a = subnet(&ec2, &net, "10.30.1.0/24", "us-east-1a", &[]).await;
    let b = subnet(&ec2, &net, "10.30.2.0/24", "us-east-1b", &[]).await;
    let sg = group(&ec2, &net, "lb", &[]).await;
    let make =
        |name: &'static str, internal: bool, tags: &'static [(&'static str, &'static str)]| {
            let elb = elb.clone();
            let (a, b, sg) = (a.clone(), b.clone(), sg.clone());
            async move {
                use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, Tag};
                let scheme = if internal {
                    LoadBalancerSchemeEnum::Internal
                } else {
                    LoadBalancerSchemeEnum::InternetFacing
                };
                elb.create_load_balancer()
                    .name(name)
                    .subnets(a)
                    .subnets(b)
                    .security_groups(sg)
                    .scheme(scheme)
                    .set_tags(Some(
                        tags.iter()
                            .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                            .collect(),
                    ))
                    .send()
                    .await
                    .unwrap()
                    .load_balancers()[0]
                    .clone()
            }
        };
    let app = make("app-lb", true, &[("Team", "web"), ("Name", "app")]).await;
    let api = make("api-lb", false, &[("Team", "web"), ("Name", "api")]).await;
    let app_arn = app.load_balancer_arn().unwrap().to_string();
    let api_arn = api.load_balancer_arn().unwrap().to_string();
    let whole = json!({
        "id": app_arn,
        "arn": app_arn,
        "arn_suffix": app_arn.split_once(":loadbalancer/").unwrap().1,
        "dns_name": app.dns_name().unwrap(),
        "zone_id": app.canonical_hosted_zone_id().unwrap(),
        "name": "app-lb",
        "internal": true,
        "load_balancer_type": "application",
        "security_groups": [sg],
        "subnets": sorted(vec![a.clone(), b.clone()]),
        "vpc_id": net,
        "tags": {"Team": "web", "Name": "app"},
    });
    for args in [
        json!({"name": "app-lb"}),
        json!({"arn": app_arn}),
        json!({"arn": app_arn, "name": "ignored when the ARN is given"}),
        json!({"tags": {"Name": "app"}}),
        json!({"tags": {"Team": "web", "Name": "app"}}),
        json!({"name": "app-lb", "tags": {"Team": "web"}}),
    ] {
        w.check("aws_lb", args, whole.clone()).await;
    }
    assert!(whole["arn_suffix"]
        .as_str()
        .unwrap()
        .starts_with("app/app-lb/"));
    w.check(
        "aws_lb",
        json!({"name": "api-lb"}),
        json!({"arn": api_arn, "internal": false}),
    )
    .await;
    w.lookup_fails(
        "aws_lb",
        json!({"tags": {"Team": "web"}}),
        &[
            "2 load balancers",
            "tag Team = \"web\"",
            "app-lb",
            "api-lb",
            "narrow",
        ],
    )
    .await;
    w.lookup_fails("aws_lb", json!({}), &["2 load balancers", "at all"])
        .await;
    w.lookup_fails(
        "aws_lb",
        json!({"name": "absent"}),
        &["no load balancer", "name = \"absent\""],
    )
    .await;
    w.lookup_fails(
        "aws_lb",
        json!({"name": "app-lb", "tags": {"Team": "db"}}),
        &["no load balancer", "name = \"app-lb\"", "tag Team = \"db\""],
    )
    .await;
    let gone = app_arn.replace("app/app-lb/", "app/gone-lb/");
    w.lookup_fails("aws_lb", json!({"arn": gone}), &["no load balancer", &gone])
        .await;
    w.invalid("aws_lb", json!({"arn": "app-lb"})).await;

    // aws_iam_role.
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    });
    let role = iam
        .create_role()
        .role_name("task")
        .path("/svc/")
        .description("runs the tasks")
        .assume_role_policy_document(trust.to_string())
        .max_session_duration(7200)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("Team")
                .value("web")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .clone();
    let got = w
        .check(
            "aws_iam_role",
            json!({"name": "task"}),
            json!({
                "id": "task",
                "name": "task",
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/svc/task"),
                "unique_id": role.role_id(),
                "path": "/svc/",
                "description": "runs the tasks",
                "max_session_duration": 7200,
                "permissions_boundary": "",
                "tags": {"Team": "web"},
            }),
        )
        .await;
    let policy: Json = serde_json::from_str(got["assume_role_policy"].as_str().unwrap())
        .unwrap_or_else(|e| panic!("assume_role_policy is not JSON: {e}: {got:#}"));
    assert_eq!(policy, trust);
    let created = got["create_date"].as_str().unwrap();
    assert_eq!(created.len(), "2024-01-31T12:00:00Z".len(), "{created}");
    assert!(
        created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "{created}"
    );
    w.lookup_fails(
        "aws_iam_role",
        json!({"name": "absent"}),
        &["no IAM role", "name = \"absent\""],
    )
    .await;
    w.invalid("aws_iam_role", json!({})).await;

    // aws_ecr_repository.
    let repo = ecr
        .create_repository()
        .repository_name("app/web")
        .image_tag_mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable)
        .tags(
            aws_sdk_ecr::types::Tag::builder()
                .key("Team")
                .value("web")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .repository()
        .unwrap()
        .clone();
    let whole = json!({
        "id": "app/web",
        "name": "app/web",
        "arn": repo.repository_arn().unwrap(),
        "registry_id": ACCOUNT,
        "repository_url": format!("{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app/web"),
        "image_tag_mutability": "IMMUTABLE",
        "tags": {"Team": "web"},
    });
    w.check(
        "aws_ecr_repository",
        json!({"name": "app/web"}),
        whole.clone(),
    )
    .await;
    w.check(
        "aws_ecr_repository",
        json!({"name": "app/web", "registry_id": ACCOUNT}),
        whole,
    )
    .await;
    w.lookup_fails(
        "aws_ecr_repository",
        json!({"name": "absent"}),
        &["no ECR repository", "name = \"absent\""],
    )
    .await;

    // aws_kms_alias.
    let key = kms
        .create_key()
        .description("app")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .clone();
    kms.create_alias()
        .alias_name("alias/app/main")
        .target_key_id(key.key_id())
        .send()
        .await
        .unwrap();
    let alias_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/app/main");
    w.check(
        "aws_kms_alias",
        json!({"name": "alias/app/main"}),
        json!({
            "id": alias_arn,
            "arn": alias_arn,
            "name": "alias/app/main",
            "target_key_id": key.key_id(),
            "target_key_arn": key.arn().unwrap(),
        }),
    )
    .await;
    w.lookup_fails(
        "aws_kms_alias",
        json!({"name": "alias/absent"}),
        &["no KMS alias", "name = \"alias/absent\""],
    )
    .await;
    w.invalid("aws_kms_alias", json!({"name": "app/main"}))
        .await;
    w.invalid("aws_kms_alias", json!({"name": "alias/"})).await;
}

#[test]
fn the_catalog_describes_each_data_source() {
    let catalog = cairn_providers::catalog();
    let mut arguments: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    arguments.insert(
        "aws_vpc",
        vec!["id", "cidr_block", "default", "state", "tags", "filter"],
    );
    arguments.insert("aws_subnets", vec!["filter", "tags"]);
    arguments.insert(
        "aws_security_group",
        vec!["id", "name", "vpc_id", "tags", "filter"],
    );
    arguments.insert("aws_lb", vec!["arn", "name", "tags"]);
    arguments.insert("aws_iam_role", vec!["name"]);
    arguments.insert("aws_ecr_repository", vec!["name", "registry_id"]);
    arguments.insert("aws_kms_alias", vec!["name"]);
    for dtype in TYPES {
        let schema = catalog
            .data
            .get(*dtype)
            .unwrap_or_else(|| panic!("data.{dtype} is not in the catalog"));
        assert!(
            !schema.description.trim().is_empty(),
            "data.{dtype} has no description"
        );
        for arg in &arguments[dtype] {
            let attr = schema
                .inputs
                .get(*arg)
                .unwrap_or_else(|| panic!("data.{dtype} has no argument {arg}"));
            assert!(
                attr.description.as_deref().is_some_and(|d| !d.is_empty()),
                "data.{dtype}.{arg} has no description"
            );
        }
        assert!(
            !schema.outputs.is_empty(),
            "data.{dtype} reads no attributes"
        );
    }
    assert!(catalog.data["aws_subnets"].outputs.contains_key("ids"));
    // `filter` is a list of `{ name, values }` blocks, as Terraform's.
    for dtype in ["aws_vpc", "aws_subnets", "aws_security_group"] {
        let filter = &catalog.data[dtype].inputs["filter"];
        assert!(!filter.required, "data.{dtype}.filter");
        let (AttrType::List(item) | AttrType::Set(item)) = &filter.ty else {
            panic!("data.{dtype}.filter is {}", filter.ty.describe());
        };
        let AttrType::Object(fields) = item.as_ref() else {
            panic!("data.{dtype}.filter holds {}", item.describe());
        };
        assert!(
            fields["name"].required && fields["values"].required,
            "{fields:?}"
        );
    }
    assert!(catalog.data["aws_iam_role"].inputs["name"].required);
    assert!(catalog.data["aws_kms_alias"].inputs["name"].required);
}
