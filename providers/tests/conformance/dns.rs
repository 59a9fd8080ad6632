//! Conformance scenarios of DNS and TLS: Route 53 zones and records, ACM certificates and their validation, API Gateway custom domains and mappings.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[
    "aws_route53_zone",
    "aws_route53_record",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_apigatewayv2_domain_name",
    "aws_apigatewayv2_api_mapping",
];

/// Creates `config` of `rtype` outside `conform` (a second form of a type), checking that it
/// reads back as configured and (`imports`) imports as created.
async fn made(w: &World, rtype: &str, config: Json, address: &str, imports: bool) -> Observed {
    let created = w
        .provider
        .create(rtype, &normalized(rtype, &config), &ctx(address))
        .await
        .unwrap_or_else(|e| panic!("create {address}: {e}"));
    assert_round_trip(rtype, &config, &created);
    assert_eq!(
        read(w, rtype, &created.id, &created.inputs).await.as_ref(),
        Some(&created),
        "{address}: read after create"
    );
    if imports {
        assert_imports(w, rtype, &created).await;
    }
    created
}

/// A self-signed certificate for `domain` (PEM key, certificate, and another certificate of
/// the same key), made with openssl.
fn self_signed(domain: &str) -> (String, String, String) {
    let dir = std::env::temp_dir().join(format!("cairn-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (key, cert, renewed) = (
        dir.join("key.pem"),
        dir.join("cert.pem"),
        dir.join("renewed.pem"),
    );
    let subject = format!("/CN={domain}");
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl");
        assert!(status.success(), "openssl {args:?}");
    };
    let path = |p: &std::path::Path| p.to_str().expect("utf-8 path").to_string();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &path(&key),
        "-out",
        &path(&cert),
        "-days",
        "30",
        "-subj",
        &subject,
    ]);
    run(&[
        "req",
        "-x509",
        "-key",
        &path(&key),
        "-out",
        &path(&renewed),
        "-days",
        "60",
        "-subj",
        &subject,
    ]);
    let read = |p: &std::path::Path| std::fs::read_to_string(p).expect("pem");
    let out = (read(&key), read(&cert), read(&renewed));
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// A zone and its records; a certificate validated by DNS records in the zone, and its
/// validation; a custom domain served with it, an API mapped to it and an alias to it.
#[tokio::test]
async fn dns_and_tls_types_conform() {
    let owned = world().await;
    let w = &owned;
    let route53 = &aws_sdk_route53::Client::new(&w.shared);
    let acm = &aws_sdk_acm::Client::new(&w.shared);
    let gateway = &aws_sdk_apigatewayv2::Client::new(&w.shared);

    // Zone.
    let zone = conform(
        w,
        "aws_route53_zone",
        json!({"name": "conformance.example.com", "tags": {"App": "dns"}}),
        Some(
            json!({"name": "conformance.example.com", "comment": "dns zone", "force_destroy": true,
                    "tags": {"App": "dns", "Env": "t"}}),
        ),
        |id| async move {
            route53
                .update_hosted_zone_comment()
                .id(id)
                .comment("by hand")
                .send()
                .await
                .expect("update comment");
        },
        |o| o.is_some_and(|o| o.inputs["comment"] == "by hand"),
    )
    .await;
    let zone_id = zone.id.clone();
    assert_eq!(zone.outputs["zone_id"], json!(zone_id));
    assert_eq!(
        zone.outputs["arn"],
        format!("arn:aws:route53:::hostedzone/{zone_id}")
    );
    assert!(
        !zone.outputs["name_servers"]
            .as_array()
            .expect("name servers")
            .is_empty(),
        "{}",
        zone.outputs
    );
    assert!(zone.outputs["primary_name_server"].is_string());

    // A private zone, associated with one VPC, then two.
    let vpc = |cidr: &'static str, address: &'static str| async move {
        w.provider
            .create(
                "aws_vpc",
                &normalized("aws_vpc", &json!({"cidr_block": cidr})),
                &ctx(address),
            )
            .await
            .expect("vpc")
            .id
    };
    let (vpc_a, vpc_b) = (
        vpc("10.40.0.0/16", "aws_vpc.a").await,
        vpc("10.41.0.0/16", "aws_vpc.b").await,
    );
    let private = made(
        w,
        "aws_route53_zone",
        json!({"name": "internal.example", "vpc": [{"vpc_id": vpc_a}]}),
        "aws_route53_zone.private",
        false,
    )
    .await;
    let both = json!({"name": "internal.example",
                      "vpc": [{"vpc_id": vpc_b}, {"vpc_id": vpc_a, "vpc_region": "us-east-1"}]});
    let private = w
        .provider
        .update(
            "aws_route53_zone",
            &private,
            &normalized("aws_route53_zone", &both),
            &ctx("aws_route53_zone.private"),
        )
        .await
        .expect("associate a second VPC");
    assert_round_trip("aws_route53_zone", &both, &private);
    // An import shows each VPC's region.
    let imported = w
        .provider
        .import("aws_route53_zone", &private.id)
        .await
        .expect("import private zone")
        .expect("the zone exists");
    let regions = normalized(
        "aws_route53_zone",
        &json!({"name": "internal.example", "vpc": [{"vpc_id": vpc_a, "vpc_region": "us-east-1"},
                                                     {"vpc_id": vpc_b, "vpc_region": "us-east-1"}]}),
    );
    assert_eq!(imported.inputs["vpc"], regions["vpc"]);
    w.provider
        .delete(
            "aws_route53_zone",
            &private,
            &ctx("aws_route53_zone.private"),
        )
        .await
        .expect("delete private zone");

    // A record of values.
    let record = conform(
        w,
        "aws_route53_record",
        json!({"zone_id": zone_id, "name": "www.conformance.example.com", "type": "A", "ttl": 300,
               "records": ["10.0.0.2", "10.0.0.1"]}),
        Some(
            json!({"zone_id": zone_id, "name": "www.conformance.example.com", "type": "A", "ttl": 60,
               "records": ["10.0.0.3"]}),
        ),
        |_| async move {
            use aws_sdk_route53::types::*;
            let set = ResourceRecordSet::builder()
                .name("www.conformance.example.com")
                .r#type(RrType::A)
                .ttl(120)
                .resource_records(ResourceRecord::builder().value("10.0.0.3").build().expect("rr"))
                .build()
                .expect("set");
            route53
                .change_resource_record_sets()
                .hosted_zone_id(&zone_id)
                .change_batch(
                    ChangeBatch::builder()
                        .changes(
                            Change::builder()
                                .action(ChangeAction::Upsert)
                                .resource_record_set(set)
                                .build()
                                .expect("change"),
                        )
                        .build()
                        .expect("batch"),
                )
                .send()
                .await
                .expect("upsert");
        },
        |o| o.is_some_and(|o| o.inputs["ttl"] == 120),
    )
    .await;
    let zone_id = zone.id.clone();
    assert_eq!(
        record.id,
        format!("{zone_id}_www.conformance.example.com_A")
    );
    assert_eq!(record.outputs["fqdn"], "www.conformance.example.com");
    // A name within the zone reads so; its import shows the full name.
    let short = w
        .provider
        .create(
            "aws_route53_record",
            &normalized(
                "aws_route53_record",
                &json!({"zone_id": zone_id, "name": "txt", "type": "TXT", "ttl": 60,
                        "records": ["v=spf1 -all"]}),
            ),
            &ctx("aws_route53_record.short"),
        )
        .await
        .expect("short name");
    assert_eq!(short.inputs["name"], "txt");
    assert_eq!(short.inputs["records"], json!(["v=spf1 -all"]));
    assert_eq!(short.outputs["fqdn"], "txt.conformance.example.com");
    // A weighted record, of a set identifier.
    let weighted = made(
        w,
        "aws_route53_record",
        json!({"zone_id": zone_id, "name": "blue.conformance.example.com", "type": "CNAME", "ttl": 60,
               "records": ["blue.example.net"], "set_identifier": "blue_1",
               "weighted_routing_policy": {"weight": 10}}),
        "aws_route53_record.weighted",
        true,
    )
    .await;
    assert_eq!(
        weighted.id,
        format!("{zone_id}_blue.conformance.example.com_CNAME_blue_1")
    );

    // Certificate, still pending: its validation records do not exist yet.
    let certificate = conform(
        w,
        "aws_acm_certificate",
        json!({"domain_name": "conformance.example.com",
               "subject_alternative_names": ["api.conformance.example.com"],
               "validation_method": "DNS", "tags": {"App": "dns"}}),
        Some(json!({"domain_name": "conformance.example.com",
               "subject_alternative_names": ["api.conformance.example.com"],
               "validation_method": "DNS", "options": {"certificate_transparency_logging_preference": "DISABLED"},
               "tags": {"App": "dns", "Env": "t"}})),
        |arn| async move {
            acm.add_tags_to_certificate()
                .certificate_arn(arn)
                .tags(
                    aws_sdk_acm::types::Tag::builder()
                        .key("Env")
                        .value("hand")
                        .build()
                        .expect("tag"),
                )
                .send()
                .await
                .expect("tag certificate");
        },
        tag_is("Env", "hand"),
    )
    .await;
    let arn = certificate.id.clone();
    assert_eq!(certificate.outputs["status"], "PENDING_VALIDATION");
    assert_eq!(certificate.outputs["arn"], json!(arn));
    let options = certificate.outputs["domain_validation_options"]
        .as_array()
        .expect("validation options")
        .clone();
    assert_eq!(options.len(), 2, "{}", certificate.outputs);
    // An imported certificate, then another certificate of the same key re-imported.
    let (key, body, renewed) = self_signed("imported.conformance.example.com");
    let imported = conform(
        w,
        "aws_acm_certificate",
        json!({"private_key": key, "certificate_body": body, "tags": {"App": "dns"}}),
        Some(json!({"private_key": key, "certificate_body": renewed, "tags": {"App": "dns", "Env": "t"}})),
        |arn| async move {
            acm.add_tags_to_certificate()
                .certificate_arn(arn)
                .tags(
                    aws_sdk_acm::types::Tag::builder()
                        .key("Env")
                        .value("hand")
                        .build()
                        .expect("tag"),
                )
                .send()
                .await
                .expect("tag certificate");
        },
        tag_is("Env", "hand"),
    )
    .await;
    assert_eq!(imported.outputs["type"], "IMPORTED");
    assert_eq!(imported.outputs["status"], "ISSUED");
    assert_eq!(
        imported.inputs["domain_name"],
        "imported.conformance.example.com"
    );
    delete(w, "aws_acm_certificate", &imported).await;

    // Validation is waited for only once the records exist: none yet.
    let validation_config =
        |fqdns: Vec<String>| json!({"certificate_arn": arn, "validation_record_fqdns": fqdns});
    let wrong = w
        .provider
        .create(
            "aws_acm_certificate_validation",
            &normalized(
                "aws_acm_certificate_validation",
                &validation_config(vec!["elsewhere.example.com".into()]),
            ),
            &ctx("aws_acm_certificate_validation.wrong"),
        )
        .await;
    assert!(
        matches!(&wrong, Err(cairn_model::ProviderError::InvalidConfig(m)) if m.contains("lacks")),
        "{wrong:?}"
    );

    // Records from the certificate's domain_validation_options.
    let mut validation_records = Vec::new();
    for (i, o) in options.iter().enumerate() {
        let r = made(
            w,
            "aws_route53_record",
            json!({"zone_id": zone_id, "name": o["resource_record_name"],
                   "type": o["resource_record_type"], "ttl": 60,
                   "records": [o["resource_record_value"]], "allow_overwrite": true}),
            &format!("aws_route53_record.validation{i}"),
            false,
        )
        .await;
        // ACM names the records with the trailing dot: they read so, and import without it.
        let name = o["resource_record_name"].as_str().expect("record name");
        assert_eq!(r.inputs["name"], json!(name));
        let imported = w
            .provider
            .import("aws_route53_record", &r.id)
            .await
            .expect("import validation record")
            .expect("the record exists");
        assert_eq!(imported.inputs["name"], json!(name.trim_end_matches('.')));
        validation_records.push(r);
    }
    let fqdns: Vec<String> = validation_records
        .iter()
        .map(|r| r.outputs["fqdn"].as_str().expect("fqdn").to_string())
        .collect();
    let validation = conform(
        w,
        "aws_acm_certificate_validation",
        validation_config(fqdns),
        None,
        |_| async {},
        |o| o.is_some(),
    )
    .await;
    assert_eq!(validation.id, arn);
    let issued = read(w, "aws_acm_certificate", &arn, &certificate.inputs)
        .await
        .expect("certificate");
    assert_eq!(issued.outputs["status"], "ISSUED");

    // Custom domain served with the certificate.
    let domain = conform(
        w,
        "aws_apigatewayv2_domain_name",
        json!({"domain_name": "api.conformance.example.com",
               "domain_name_configuration": {"certificate_arn": arn}, "tags": {"App": "dns"}}),
        Some(json!({"domain_name": "api.conformance.example.com",
               "domain_name_configuration": {"certificate_arn": arn, "endpoint_type": "REGIONAL",
                                             "security_policy": "TLS_1_2"},
               "mutual_tls_authentication": {"truststore_uri": "s3://conformance-trust/truststore.pem"},
               "tags": {"App": "dns", "Env": "t"}})),
        |name| async move {
            let arn = format!("arn:aws:apigateway:us-east-1::/domainnames/{name}");
            gateway
                .tag_resource()
                .resource_arn(arn)
                .tags("Env", "hand")
                .send()
                .await
                .expect("tag domain");
        },
        tag_is("Env", "hand"),
    )
    .await;
    let target = domain.outputs["target_domain_name"]
        .as_str()
        .expect("target domain name")
        .to_string();
    assert!(
        target.ends_with(".execute-api.us-east-1.amazonaws.com"),
        "{target}"
    );
    assert_eq!(domain.outputs["hosted_zone_id"], "Z1UJRXOUMOOFQ8");
    assert_eq!(
        domain.outputs["arn"],
        "arn:aws:apigateway:us-east-1::/domainnames/api.conformance.example.com"
    );
    assert_eq!(
        domain.outputs["api_mapping_selection_expression"],
        "$request.basepath"
    );

    // An alias of the zone to the custom domain.
    let alias = made(
        w,
        "aws_route53_record",
        json!({"zone_id": zone_id, "name": "api.conformance.example.com", "type": "A",
               "alias": {"name": target, "zone_id": domain.outputs["hosted_zone_id"],
                         "evaluate_target_health": false}}),
        "aws_route53_record.alias",
        true,
    )
    .await;

    // An API mapped to the domain.
    let api = w
        .provider
        .create(
            "aws_apigatewayv2_api",
            &normalized(
                "aws_apigatewayv2_api",
                &json!({"name": "dns-api", "protocol_type": "HTTP"}),
            ),
            &ctx("aws_apigatewayv2_api.dns"),
        )
        .await
        .expect("api");
    let api_id = api.id.clone();
    let mapping = conform(
        w,
        "aws_apigatewayv2_api_mapping",
        json!({"api_id": api_id, "domain_name": "api.conformance.example.com", "stage": "$default",
               "api_mapping_key": "v1"}),
        Some(
            json!({"api_id": api_id, "domain_name": "api.conformance.example.com", "stage": "live",
               "api_mapping_key": "v2"}),
        ),
        |id| async move {
            gateway
                .update_api_mapping()
                .api_mapping_id(id)
                .domain_name("api.conformance.example.com")
                .api_id(&api_id)
                .stage("by-hand")
                .send()
                .await
                .expect("update mapping");
        },
        |o| o.is_some_and(|o| o.inputs["stage"] == "by-hand"),
    )
    .await;
    assert_eq!(
        cairn_providers::import_ids("aws_apigatewayv2_api_mapping", &mapping),
        vec![format!("{}/api.conformance.example.com", mapping.id)]
    );

    delete(w, "aws_apigatewayv2_api_mapping", &mapping).await;
    delete(w, "aws_apigatewayv2_domain_name", &domain).await;
    delete(w, "aws_route53_record", &alias).await;
    delete(w, "aws_route53_record", &record).await;
    for r in &validation_records {
        delete(w, "aws_route53_record", r).await;
    }
    // The validation is the certificate's state: it is gone once the certificate is.
    delete(w, "aws_acm_certificate", &certificate).await;
    delete(w, "aws_acm_certificate_validation", &validation).await;
    // The zone goes with the records still in it (`force_destroy`).
    delete(w, "aws_route53_zone", &zone).await;
    assert_eq!(
        read(w, "aws_route53_record", &weighted.id, &weighted.inputs).await,
        None
    );
    assert_eq!(
        read(w, "aws_route53_record", &short.id, &short.inputs).await,
        None
    );
    w.assert_looked_up(TYPES);
}
