//! Conformance scenarios of networking glue (routes, VPC endpoints, main route table associations) and certificates on IAM and listeners.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[
    "aws_route",
    "aws_main_route_table_association",
    "aws_iam_server_certificate",
    "aws_lb_listener_certificate",
    "aws_vpc_endpoint",
];

/// This file's types whose name the configuration may leave to cairn to generate (see
/// `GENERATED_NAMES`), each checked by `server_certificate_names_are_generated`.
pub const GENERATED_NAMES: &[&str] = &["aws_iam_server_certificate"];

/// The types of `routes_conform`.
const ROUTES: &[&str] = &["aws_route", "aws_main_route_table_association"];

/// Routes kept apart from their tables (on the VPC's main table, and on a table whose
/// configuration leaves its routes out, which then reads back unchanged), and the VPC's main
/// table made another one and back.
#[tokio::test]
async fn routes_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let vpc = create("aws_vpc", json!({"cidr_block": "10.60.0.0/16"})).await;
    let main = vpc.outputs["main_route_table_id"]
        .as_str()
        .expect("the VPC's main table")
        .to_string();
    let igw = create("aws_internet_gateway", json!({"vpc_id": vpc.id})).await;
    let subnet = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.60.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let eni = w
        .ec2
        .create_network_interface()
        .subnet_id(&subnet.id)
        .send()
        .await
        .expect("create_network_interface");
    let eni = eni
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .expect("an interface id")
        .to_string();

    // A route on the VPC's main table, moved to another target in place, and back by hand.
    let igw_id = igw.id.clone();
    let route = conform(
        w,
        "aws_route",
        json!({"route_table_id": main, "destination_cidr_block": "0.0.0.0/0", "gateway_id": igw.id}),
        Some(json!({"route_table_id": main, "destination_cidr_block": "0.0.0.0/0", "network_interface_id": eni})),
        |id| {
            let main = main.clone();
            let igw_id = igw_id.clone();
            async move {
                assert_eq!(id, format!("{main}_0.0.0.0/0"));
                w.ec2
                    .replace_route()
                    .route_table_id(&main)
                    .destination_cidr_block("0.0.0.0/0")
                    .gateway_id(&igw_id)
                    .send()
                    .await
                    .expect("replace_route");
            }
        },
        |o| {
            o.is_some_and(|o| {
                o.inputs["gateway_id"] == json!(igw.id)
                    && o.inputs.get("network_interface_id").is_none()
            })
        },
    )
    .await;
    assert_eq!(route.outputs["origin"], "CreateRoute");
    assert_eq!(route.outputs["state"], "active");

    // A table whose configuration leaves `route` out: routes made by `aws_route` are not
    // its drift. An IPv6 route to an egress-only gateway, imported in its form.
    let table_config = normalized("aws_route_table", &json!({"vpc_id": vpc.id}));
    let table = w
        .provider
        .create(
            "aws_route_table",
            &table_config,
            &ctx("aws_route_table.bare"),
        )
        .await
        .expect("table");
    let eigw = w
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&vpc.id)
        .send()
        .await
        .expect("create_egress_only_internet_gateway");
    let eigw = eigw
        .egress_only_internet_gateway()
        .and_then(|g| g.egress_only_internet_gateway_id())
        .expect("an egress-only gateway id")
        .to_string();
    let v6 = create(
        "aws_route",
        json!({"route_table_id": table.id, "destination_ipv6_cidr_block": "::/0", "egress_only_gateway_id": eigw}),
    )
    .await;
    assert_eq!(v6.id, format!("{}_::/0", table.id));
    assert_eq!(v6.inputs["egress_only_gateway_id"], json!(eigw));
    let v4 = create(
        "aws_route",
        json!({"route_table_id": table.id, "destination_cidr_block": "192.168.0.0/16", "gateway_id": igw.id}),
    )
    .await;
    let imported = w
        .provider
        .import("aws_route", &v6.id)
        .await
        .expect("import")
        .expect("the route exists");
    assert_eq!(imported, v6);
    let table_now = read(w, "aws_route_table", &table.id, &table.inputs).await;
    assert_eq!(table_now.as_ref(), Some(&table), "a table without `route`");
    // Updating the table (its tags) leaves the routes alone.
    let mut tagged = table_config.clone();
    tagged["tags"] = json!({"Name": "bare"});
    let table = w
        .provider
        .update(
            "aws_route_table",
            &table,
            &normalized("aws_route_table", &tagged),
            &ctx("aws_route_table.bare"),
        )
        .await
        .expect("update table");
    assert!(table.inputs.get("route").is_none(), "{}", table.inputs);
    assert!(read(w, "aws_route", &v4.id, &v4.inputs).await.is_some());
    // The VPC's local route is no route of this type.
    let local = w
        .provider
        .import("aws_route", &format!("{main}_10.60.0.0/16"))
        .await
        .expect("import local");
    assert_eq!(local, None);
    // Exactly one destination and one target.
    for config in [
        json!({"route_table_id": table.id, "gateway_id": igw.id}),
        json!({"route_table_id": table.id, "destination_cidr_block": "10.9.0.0/16"}),
        json!({"route_table_id": table.id, "destination_cidr_block": "10.9.0.0/16", "destination_ipv6_cidr_block": "::/0", "gateway_id": igw.id}),
    ] {
        let refused = w
            .provider
            .create("aws_route", &normalized("aws_route", &config), &ctx("bad"))
            .await;
        assert!(
            matches!(&refused, Err(cairn_model::ProviderError::InvalidConfig(_))),
            "{refused:?}"
        );
    }

    // The VPC's main table made another one, then a third in place; made the original main
    // again by hand (then nothing is left of the association).
    let third = w
        .provider
        .create(
            "aws_route_table",
            &normalized("aws_route_table", &json!({"vpc_id": vpc.id})),
            &ctx("aws_route_table.third"),
        )
        .await
        .expect("third table");
    let main_for_change = main.clone();
    let association = conform(
        w,
        "aws_main_route_table_association",
        json!({"vpc_id": vpc.id, "route_table_id": table.id}),
        Some(json!({"vpc_id": vpc.id, "route_table_id": third.id})),
        |id| async move {
            w.ec2
                .replace_route_table_association()
                .association_id(&id)
                .route_table_id(&main_for_change)
                .send()
                .await
                .expect("replace_route_table_association");
        },
        |o| o.is_none(),
    )
    .await;
    assert_eq!(
        association.outputs["original_route_table_id"],
        json!(main),
        "{}",
        association.outputs
    );
    // Once more, deleted by cairn: the original table is main again.
    let again = create(
        "aws_main_route_table_association",
        json!({"vpc_id": vpc.id, "route_table_id": third.id}),
    )
    .await;
    let vpc_now = read(w, "aws_vpc", &vpc.id, &vpc.inputs).await.expect("vpc");
    assert_eq!(vpc_now.outputs["main_route_table_id"], json!(third.id));
    w.provider
        .delete(
            "aws_main_route_table_association",
            &again,
            &ctx("aws_main_route_table_association"),
        )
        .await
        .expect("delete association");
    let vpc_now = read(w, "aws_vpc", &vpc.id, &vpc.inputs).await.expect("vpc");
    assert_eq!(vpc_now.outputs["main_route_table_id"], json!(main));

    delete(w, "aws_main_route_table_association", &association).await;
    for r in [&v4, &v6] {
        w.provider
            .delete("aws_route", r, &ctx("aws_route"))
            .await
            .expect("delete route");
        assert_eq!(read(w, "aws_route", &r.id, &r.inputs).await, None);
    }
    delete(w, "aws_route", &route).await;
    w.assert_looked_up(ROUTES);
}

/// A self-signed certificate (CN `cairn.test`) and its key, for server certificates. Without
/// a final newline: IAM keeps PEM texts trimmed, and an import shows them as IAM does.
const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIDDTCCAfWgAwIBAgIUJ7PjgehP/UXneT81oDw1V1eyLh0wDQYJKoZIhvcNAQEL\nBQAwFTETMBEGA1UEAwwKY2Fpcm4udGVzdDAgFw0yNjEyMDYxMDI5NTRaGA8yMTI2\nMTExMjEwMjk1NFowFTETMBEGA1UEAwwKY2Fpcm4udGVzdDCCASIwDQYJKoZIhvcN\nAQEBBQADggEPADCCAQoCggEBAL9RLg4N7aOmdIiS5+O5uIHdy29RnVIIYivFh1O8\nFCTtDgWH0TDjlIefb8vSnA857lHnkC1ZlCUdUhxzxhC66IFZh/cWn2auXGs2VMvg\nLpSL/qxL0tkcWVCpFuzheFTekTRBI/iLqALDfNxCaYzxb8bUopQIUNrB5C0mdup4\nvFof/zUg+6e+P9m8HdzmZBRvlbNbtcrU+Sg0jZ759oobivq4QaK0/bscpbWbeXAr\nQd33eUhTLbcd1hz6Wo+T0hojrp5Qr8DdV63mJSdHFMpDKQlgh8gue7SVDcIRgZUX\nYrxoPpkhxTHvoF+U9v7lTO/B2u4wRxssTY6tgKEhq+8MlM0CAwEAAaNTMFEwHQYD\nVR0OBBYEFLXrAW11VN3n0VtOp4Oe/yUKVuZVMB8GA1UdIwQYMBaAFLXrAW11VN3n\n0VtOp4Oe/yUKVuZVMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB\nACeVVkM1kOPHOGQYIVO5d5blwPEZf/2QlFmrtx0pjKTLxmTSwWtlOrj7Z1CnQBRc\nbWmBqg5wnV8tOyfbVQCxcuLyCFuAvKeoHPHIUfZ8iBGvhvz4PSU2J6dNGETia0Ej\nRTX6AMWWvAko7xoox/WygRtVVYi9LePgcNbb/59WnQnO3mLjpX0A5fj5F3uu5Z5Z\n5KIufq8nTzsMqdQICulhKNqTUDARYHch9v1wLrER8n+plaO1ppwTM94iD4P+ipra\nPbENDmy29GYM+pgW6OtM0s9Bg/ciMt/PKPeB4Tm5kNLA0Pnzy399nDCElo588zqc\nkiR/igtJ9U//CtatbrdcxB8=\n-----END CERTIFICATE-----";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC/US4ODe2jpnSI\nkufjubiB3ctvUZ1SCGIrxYdTvBQk7Q4Fh9Ew45SHn2/L0pwPOe5R55AtWZQlHVIc\nc8YQuuiBWYf3Fp9mrlxrNlTL4C6Ui/6sS9LZHFlQqRbs4XhU3pE0QSP4i6gCw3zc\nQmmM8W/G1KKUCFDaweQtJnbqeLxaH/81IPunvj/ZvB3c5mQUb5WzW7XK1PkoNI2e\n+faKG4r6uEGitP27HKW1m3lwK0Hd93lIUy23HdYc+lqPk9IaI66eUK/A3Vet5iUn\nRxTKQykJYIfILnu0lQ3CEYGVF2K8aD6ZIcUx76BflPb+5UzvwdruMEcbLE2OrYCh\nIavvDJTNAgMBAAECggEABpvvU1z30Kd3byBkEmHgFdxrorTXEnZnrcttGV9t8rid\nu2MtvtqdzvGbExd7fKsrqHivamGl1IJmy8TUGs/aKF3HbKnDZ/CuEKYX19MuyMLt\nUVZtOkLYcwjkWdqQJZ5qtbtqWrO4YiAOuC0zKENO8Td3RlXjNSttjoG9qevx1csl\nvqkxqbXPv0cNFy9fFiGmEgbd62mU8wxR8iO0WDlhtJF0XGHOBaPddzwdXBcacNPL\ncdMcab7798Oy8n8NbbD/n7KREXy8z1HIctpOf0N4WS/9zHDfXqOOCG1egFWVwLY6\nq2N0FD1I0rRF0/qocDUIDzhB6ILgFgGAZ6hNRBsYoQKBgQD9zk/rSCbXFxNRs70u\nhOtqKkmpISD3QaiON57u1OUdVNyUsoEGHYT8PK8waOCwUwsUWh1OVzuGffhal4DZ\n7UnD7TWF6WOawGQs4XfwWU+Z7xJdPMxF7DJIAISqyKxe4M2LhGfxFaskxTNt2RkS\nAxdXljrRLlXfDCdkWZF0M+v22wKBgQDA+JOD1T9/tFJd//MhCY2lPW5S9qZlyXTR\ncZJhuRaMosl6hpKtgG6apflVq2w0YJtnAkZawTIse8QuTrBgklf1d954FTxrDjtw\nDzjTwTzf/VHmMuI7Q/wGb8CFpQ72e0RhfA/TPZVS5cpojcVmBWBOZX3tPp1f78zZ\nNWQ9kJIPdwKBgG9TMUbYTQEHRBgQKKjg8ImOpuSifV021YIb74B+rUhiUqZ+bY2L\nISuqSoWHWxa8Nh3lMPmN1bQ2SNsjnQb5x+NChrmIF4JnZQkylHM+GWZBsOJoqoj5\nA00FvStT/hdXr5DEsPrUME9emCJUmWSHKpPmd0INeujs4dJoXx6DL7sFAoGAD/oE\nrJuRQE97qlCwnoGd+ppVcgT9zduaEmUmy3R5i3dG2yAdMMQ7ZA5t0Ev7D3MYKrUj\nggwQzWIJ4hOdwsEbCzW7c5G+iNaK0UJRYCbVlW3xw+9ej62XRikmdWovDPUzuiZ9\nYO3uWQixc2qZd1LmoFcC0AupF/JQsYMcI4S+sw0CgYEA5t6PJ7DxhIyxDJjZmY/H\njfT+hVv6mDsMCChihlFP98FiFj/1HaIApU+4Z276hjwlMV87CI6jWNru3vTUvqTb\narxonT7F2+ZSjRKSIkcNqVy5+ycRIyKnTCHHRww9mTsPsnRx9lE9f+SMlwE087+d\nIEIJBCm9Z0y6+N2lM1DFd7A=\n-----END PRIVATE KEY-----";

/// The types of `certificates_conform`.
const CERTIFICATES: &[&str] = &["aws_iam_server_certificate", "aws_lb_listener_certificate"];

/// An IAM server certificate, and one more certificate of an HTTPS listener whose default
/// certificate is another.
#[tokio::test]
async fn certificates_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let cert = conform(
        w,
        "aws_iam_server_certificate",
        json!({"name": "web", "certificate_body": CERT, "private_key": KEY}),
        Some(json!({"name": "web", "certificate_body": CERT, "private_key": KEY, "tags": {"Team": "web"}})),
        |name| async move {
            w.iam
                .tag_server_certificate()
                .server_certificate_name(&name)
                .tags(aws_sdk_iam::types::Tag::builder().key("Team").value("x").build().expect("tag"))
                .send()
                .await
                .expect("tag_server_certificate");
        },
        tag_is("Team", "x"),
    )
    .await;
    assert_eq!(cert.id, "web");
    assert!(cert.outputs["arn"]
        .as_str()
        .is_some_and(|a| a.ends_with(":server-certificate/web")));
    // The key stands as applied (AWS never returns it); a body written with white space
    // around it (as `file()` reads it) is normalised without it, as Terraform does, so it
    // reads back equal to the normalised configuration.
    assert_eq!(cert.inputs["private_key"], KEY);
    let spaced = create(
        "aws_iam_server_certificate",
        json!({"name": "spaced", "path": "/tls/", "certificate_body": format!("{CERT}\n"), "private_key": KEY}),
    )
    .await;
    assert_eq!(spaced.inputs["certificate_body"], CERT.trim());
    assert_eq!(spaced.inputs["path"], "/tls/");
    assert!(shared_catalog().types["aws_iam_server_certificate"].inputs["private_key"].required);

    let vpc = create("aws_vpc", json!({"cidr_block": "10.61.0.0/16"})).await;
    let a = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.61.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let b = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.61.2.0/24", "availability_zone": "us-east-1b"}),
    )
    .await;
    let _igw = create("aws_internet_gateway", json!({"vpc_id": vpc.id})).await;
    let lb = create("aws_lb", json!({"name": "tls", "subnets": [a.id, b.id]})).await;
    let listener = create(
        "aws_lb_listener",
        json!({"load_balancer_arn": lb.id, "port": 443, "protocol": "HTTPS",
               "certificate_arn": spaced.outputs["arn"],
               "default_action": [{"type": "fixed-response", "fixed_response": {"content_type": "text/plain", "message_body": "ok", "status_code": "200"}}]}),
    )
    .await;
    let cert_arn = cert.outputs["arn"].as_str().expect("arn").to_string();
    let listener_arn = listener.id.clone();
    let extra = conform(
        w,
        "aws_lb_listener_certificate",
        json!({"listener_arn": listener.id, "certificate_arn": cert_arn}),
        None,
        |_| async move {
            w.elb
                .remove_listener_certificates()
                .listener_arn(&listener_arn)
                .certificates(
                    aws_sdk_elasticloadbalancingv2::types::Certificate::builder()
                        .certificate_arn(&cert_arn)
                        .build(),
                )
                .send()
                .await
                .expect("remove_listener_certificates");
        },
        |o| o.is_none(),
    )
    .await;
    assert_eq!(
        extra.id,
        format!(
            "{}_{}",
            listener.id,
            cert.outputs["arn"].as_str().expect("arn")
        )
    );
    // The listener's default certificate is none of this type's.
    let default = w
        .provider
        .import(
            "aws_lb_listener_certificate",
            &format!(
                "{}_{}",
                listener.id,
                spaced.outputs["arn"].as_str().expect("arn")
            ),
        )
        .await
        .expect("import default");
    assert_eq!(default, None);

    delete(w, "aws_lb_listener_certificate", &extra).await;
    w.provider
        .delete("aws_lb_listener", &listener, &ctx("listener"))
        .await
        .expect("delete listener");
    w.provider
        .delete("aws_lb", &lb, &ctx("lb"))
        .await
        .expect("delete lb");
    w.provider
        .delete("aws_iam_server_certificate", &spaced, &ctx("spaced"))
        .await
        .expect("delete spaced");
    delete(w, "aws_iam_server_certificate", &cert).await;
    w.assert_looked_up(CERTIFICATES);
}

/// A server certificate named from `name_prefix`, and from `cairn-` with neither (as
/// `generated_names_conform` checks the other types whose names cairn may generate).
#[tokio::test]
async fn server_certificate_names_are_generated() {
    let owned = world().await;
    let w = &owned;
    let rtype = "aws_iam_server_certificate";
    let config = json!({"name_prefix": "web-", "certificate_body": CERT, "private_key": KEY});
    let mut tagged = config.clone();
    tagged["tags"] = json!({"Team": "web"});
    let cert = conformed(w, rtype, config, Some(tagged.clone())).await;
    assert_generated(rtype, &tagged, &cert, "name", "web-");

    let unnamed = json!({"certificate_body": CERT, "private_key": KEY});
    let op = ctx("aws_iam_server_certificate.unnamed");
    let config_n = normalized(rtype, &unnamed);
    let made = w
        .provider
        .create(rtype, &config_n, &op)
        .await
        .expect("unnamed");
    assert_generated(rtype, &unnamed, &made, "name", "cairn-");
    assert_eq!(made.inputs["name_prefix"], "cairn-");
    let found = w.provider.find(rtype, &config_n, &op).await.expect("find");
    assert_eq!(found, vec![made.clone()]);
    w.provider.delete(rtype, &made, &op).await.expect("delete");

    let both =
        json!({"name": "a", "name_prefix": "a-", "certificate_body": CERT, "private_key": KEY});
    let refused = w
        .provider
        .create(rtype, &normalized(rtype, &both), &ctx(rtype))
        .await;
    assert!(
        matches!(&refused, Err(cairn_model::ProviderError::InvalidConfig(_))),
        "{refused:?}"
    );
    delete(w, rtype, &cert).await;
    w.assert_looked_up(GENERATED_NAMES);
}

/// A gateway endpoint (S3) routed from route tables, its tables and policy changed in place;
/// an interface endpoint whose private DNS and groups change in place.
#[tokio::test]
async fn vpc_endpoints_conform() {
    let owned = world().await;
    let w = &owned;
    let create = |rtype: &'static str, config: Json| async move {
        w.provider
            .create(rtype, &normalized(rtype, &config), &ctx(rtype))
            .await
            .unwrap_or_else(|e| panic!("{rtype}: {e}"))
    };
    let vpc = create("aws_vpc", json!({"cidr_block": "10.62.0.0/16"})).await;
    let rt1 = create("aws_route_table", json!({"vpc_id": vpc.id})).await;
    let rt2 = create("aws_route_table", json!({"vpc_id": vpc.id})).await;
    let s3 = "com.amazonaws.us-east-1.s3";
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::conf/*"}]});
    let gateway = conform(
        w,
        "aws_vpc_endpoint",
        json!({"vpc_id": vpc.id, "service_name": s3, "route_table_ids": [rt1.id]}),
        Some(
            json!({"vpc_id": vpc.id, "service_name": s3, "route_table_ids": [rt1.id, rt2.id],
                    "policy": policy, "tags": {"Name": "s3"}}),
        ),
        |id| async move { tag(w, &id, "Name", "by-hand").await },
        tag_is("Name", "by-hand"),
    )
    .await;
    assert_eq!(gateway.inputs["vpc_endpoint_type"], "Gateway");
    assert_eq!(gateway.inputs["private_dns_enabled"], false);
    assert_eq!(gateway.outputs["state"], "available");
    // The endpoint's routes are not the tables' (which leave `route` out).
    let rt1_now = read(w, "aws_route_table", &rt1.id, &rt1.inputs).await;
    assert_eq!(rt1_now.as_ref(), Some(&rt1));

    let subnet = create(
        "aws_subnet",
        json!({"vpc_id": vpc.id, "cidr_block": "10.62.1.0/24", "availability_zone": "us-east-1a"}),
    )
    .await;
    let sg = create(
        "aws_security_group",
        json!({"name": "vpce", "vpc_id": vpc.id}),
    )
    .await;
    let sqs = "com.amazonaws.us-east-1.sqs";
    let interface_config = json!({"vpc_id": vpc.id, "service_name": sqs, "vpc_endpoint_type": "Interface",
        "subnet_ids": [subnet.id], "private_dns_enabled": true});
    let interface = create("aws_vpc_endpoint", interface_config.clone()).await;
    assert_eq!(interface.inputs["private_dns_enabled"], true);
    assert_eq!(
        interface.outputs["network_interface_ids"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{}",
        interface.outputs
    );
    let updated = json!({"vpc_id": vpc.id, "service_name": sqs, "vpc_endpoint_type": "Interface",
        "subnet_ids": [subnet.id], "security_group_ids": [sg.id], "private_dns_enabled": false});
    let interface = w
        .provider
        .update(
            "aws_vpc_endpoint",
            &interface,
            &normalized("aws_vpc_endpoint", &updated),
            &ctx("aws_vpc_endpoint"),
        )
        .await
        .expect("update interface endpoint");
    assert_eq!(interface.inputs["private_dns_enabled"], false);
    assert_eq!(interface.inputs["security_group_ids"], json!([sg.id]));
    let imported = w
        .provider
        .import("aws_vpc_endpoint", &interface.id)
        .await
        .expect("import")
        .expect("the endpoint exists");
    assert_eq!(imported, interface);
    w.provider
        .delete("aws_vpc_endpoint", &interface, &ctx("aws_vpc_endpoint"))
        .await
        .expect("delete interface endpoint");

    delete(w, "aws_vpc_endpoint", &gateway).await;
    w.assert_looked_up(&["aws_vpc_endpoint"]);
}
