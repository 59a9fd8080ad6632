//! Conformance scenarios of networking glue (routes, VPC endpoints, main route table associations) and certificates on IAM and listeners.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &["aws_route", "aws_main_route_table_association"];

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
