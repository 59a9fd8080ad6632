//! `aws_lb_listener_certificate`: one more certificate of an HTTPS (or TLS) listener, beside
//! its default one (served by SNI), as Terraform's `aws_lb_listener_certificate`.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::Certificate;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::not_found;
use crate::common::{api, code, malformed, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lb_listener_certificate";

/// A certificate added to a listener's certificate list (not its default certificate, which
/// is the listener's `certificate_arn`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The listener (`aws_lb_listener.<name>.arn`).
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub listener_arn: String,
    /// The certificate: an ACM certificate's or an IAM server certificate's ARN.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    pub certificate_arn: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<listener arn>_<certificate arn>` (Terraform's id, also the import id).
    pub id: String,
}

/// How `cairn import` names one: Terraform's id.
pub const IMPORT_ID: &str = "`<listener ARN>_<certificate ARN>`";

/// The listener and the certificate of an id.
fn parts(id: &str) -> Answer<(&str, &str)> {
    crate::common::expect_name(TYPE, id, IMPORT_ID)?;
    let Some((listener, _)) = id.split_once("_arn:") else {
        return Err(malformed(
            TYPE,
            id,
            "it is not two ARNs joined by `_`",
            IMPORT_ID,
        ));
    };
    if !listener.starts_with("arn:") || !listener.contains(":listener/") {
        return Err(malformed(
            TYPE,
            id,
            "its first part is not a listener's ARN",
            IMPORT_ID,
        ));
    }
    // The certificate's ARN, after the `_`.
    Ok((listener, &id[listener.len() + 1..]))
}

/// The certificate of `id`, if its listener has it (other than as its default).
async fn read_one(aws: &Aws, id: &str) -> Answer<Option<Observed>> {
    let (listener, cert) = parts(id)?;
    let mut marker: Option<String> = None;
    loop {
        let page = match aws
            .elb
            .describe_listener_certificates()
            .listener_arn(listener)
            .set_marker(marker.clone())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) => {
                let e = e.into_service_error();
                if not_found(code(&e)) {
                    return Ok(None);
                }
                return Err(api("DescribeListenerCertificates", id, e));
            }
        };
        if page
            .certificates()
            .iter()
            .any(|c| c.certificate_arn() == Some(cert) && c.is_default() != Some(true))
        {
            let config = Config {
                listener_arn: listener.to_string(),
                certificate_arn: cert.to_string(),
            };
            let outputs = Outputs { id: id.to_string() };
            return Ok(Some(AwsLbListenerCertificate::observed(
                id, &config, &outputs,
            )));
        }
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(None),
        }
    }
}

/// The `aws_lb_listener_certificate` resource type.
pub struct AwsLbListenerCertificate;

impl Resource for AwsLbListenerCertificate {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["listener_arn", "certificate_arn"]),
        cloudformation: "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123/4567",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123_arn:aws:iam::123456789012:server-certificate/web",
        ],
        absent: Some("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/absent/0123456789abcdef/0123456789abcdef_arn:aws:iam::123456789012:server-certificate/absent"),
    };

    async fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> Answer<BTreeMap<String, Option<Observed>>> {
        crate::common::read_each(requests, |r| read_one(aws, &r.id)).await
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parts(import_id).map(|_| ())
    }

    fn import_ids(o: &Observed) -> Vec<String> {
        vec![o.id.clone()]
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        let id = format!("{}_{}", c.listener_arn, c.certificate_arn);
        parts(&id)?;
        aws.elb
            .add_listener_certificates()
            .listener_arn(&c.listener_arn)
            .certificates(
                Certificate::builder()
                    .certificate_arn(&c.certificate_arn)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| api("AddListenerCertificates", &id, e.into_service_error()))?;
        read_back(TYPE, &id, || read_one(aws, &id)).await
    }

    /// By its natural key: the listener's certificate of that ARN.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let id = format!("{}_{}", c.listener_arn, c.certificate_arn);
        if parts(&id).is_err() {
            return Ok(Vec::new());
        }
        read_found(vec![id], c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// Every attribute replaces it: nothing changes in place.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        _new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        read_one(aws, &prior.id)
            .await?
            .ok_or_else(|| ProviderError::Api(format!("{TYPE} {} no longer exists", prior.id)))
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let (listener, cert) = parts(&prior.id)?;
        match aws
            .elb
            .remove_listener_certificates()
            .listener_arn(listener)
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                if not_found(code(&e)) {
                    Ok(())
                } else {
                    Err(api("RemoveListenerCertificates", &prior.id, e))
                }
            }
        }
    }
}
