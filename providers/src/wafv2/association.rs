//! `aws_wafv2_web_acl_association`: a regional WAF web ACL protecting a resource (an
//! Application Load Balancer, an API Gateway REST API stage, an AppSync API, a Cognito user
//! pool, an App Runner service, a Verified Access instance). WAF cannot protect an HTTP API
//! (`aws_apigatewayv2_api`): the resource ARN is refused at validate.

use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::api;
use crate::common::{malformed, read_back, read_found};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_wafv2_web_acl_association";

/// A web ACL associated with the resource it protects. A resource has at most one.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ARN of the protected resource: an Application Load Balancer, an API Gateway REST
    /// API stage (`arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>`), an AppSync
    /// API, a Cognito user pool, an App Runner service or a Verified Access instance.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(regex(pattern = r"^arn:[a-z-]+:(elasticloadbalancing:[a-z0-9-]+:[0-9]+:loadbalancer/app/|apigateway:[a-z0-9-]+::/restapis/[^/]+/stages/|appsync:[a-z0-9-]+:[0-9]+:apis/|cognito-idp:[a-z0-9-]+:[0-9]+:userpool/|apprunner:[a-z0-9-]+:[0-9]+:service/|ec2:[a-z0-9-]+:[0-9]+:verified-access-instance/|amplify:[a-z0-9-]+:[0-9]+:apps/).+$"), extend("x-pattern-says" = "the ARN of an Application Load Balancer, an API Gateway REST API stage, an AppSync API, a Cognito user pool, an App Runner service, a Verified Access instance or an Amplify app (WAF cannot protect an HTTP API)"))]
    pub resource_arn: String,
    /// The ARN of the web ACL (`aws_wafv2_web_acl.<name>.arn`), of scope `REGIONAL`.
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(regex(pattern = r"^arn:[a-z-]+:wafv2:[a-z0-9-]+:[0-9]+:regional/webacl/.+$"), extend("x-pattern-says" = "the ARN of a regional WAFv2 web ACL"))]
    pub web_acl_arn: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// `<web ACL ARN>,<resource ARN>`.
    pub id: String,
}

/// How `cairn import` names one: as Terraform does.
pub const IMPORT_ID: &str = "`<web ACL ARN>,<resource ARN>`";

/// The `aws_wafv2_web_acl_association` resource type.
pub struct AwsWafv2WebAclAssociation;

/// The web ACL and the resource an id names.
fn parse_id(id: &str) -> Answer<(&str, &str)> {
    crate::common::expect_name(TYPE, id, IMPORT_ID)?;
    match id.split_once(',') {
        Some((acl, resource))
            if acl.starts_with("arn:")
                && resource.starts_with("arn:")
                && acl.contains(":wafv2:") =>
        {
            Ok((acl, resource))
        }
        _ => Err(malformed(
            TYPE,
            id,
            "it is not a web ACL ARN and a resource ARN separated by `,`",
            IMPORT_ID,
        )),
    }
}

impl Resource for AwsWafv2WebAclAssociation {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["web_acl_arn", "resource_arn"]),
        cloudformation: "AWS::WAFv2::WebACLAssociation",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &[
            "",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef",
            "web,arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef",
        ],
        absent: Some("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/absent/0b0c0d0e-0000-4000-8000-000000000000,arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/absent/0123456789abcdef"),
    };

    /// One GetWebACLForResource.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        let (acl, resource) = parse_id(&request.id)?;
        read_one(aws, acl, resource).await
    }

    async fn create(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Observed> {
        // A web ACL just made may not be visible to WAF's association yet.
        crate::common::retry(
            std::time::Duration::from_secs(60),
            |e: &ProviderError| e.kind() == ErrorKind::NotFound,
            || async {
                aws.wafv2
                    .associate_web_acl()
                    .web_acl_arn(&c.web_acl_arn)
                    .resource_arn(&c.resource_arn)
                    .send()
                    .await
                    .map_err(|e| api("AssociateWebACL", &c.resource_arn, e.into_service_error()))
            },
        )
        .await?;
        read_back(TYPE, &c.resource_arn, || {
            read_one(aws, &c.web_acl_arn, &c.resource_arn)
        })
        .await
    }

    /// By the resource: the web ACL it is associated with, if it is this one.
    async fn find(aws: &Aws, c: &Config, _ctx: &OpContext) -> Answer<Vec<Observed>> {
        let id = format!("{},{}", c.web_acl_arn, c.resource_arn);
        read_found(vec![id], c, |r| async move { Self::read(aws, &r).await }).await
    }

    /// Nothing changes in place: both attributes replace it.
    async fn update(
        aws: &Aws,
        prior: &Observed,
        _old: &Config,
        _new: &Config,
        _ctx: &OpContext,
    ) -> Answer<Observed> {
        let (acl, resource) = parse_id(&prior.id)?;
        read_back(TYPE, &prior.id, || read_one(aws, acl, resource)).await
    }

    /// DisassociateWebACL, when the resource is still protected by this web ACL.
    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let (acl, resource) = parse_id(&prior.id)?;
        if read_one(aws, acl, resource).await?.is_none() {
            return Ok(());
        }
        aws.wafv2
            .disassociate_web_acl()
            .resource_arn(resource)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DisassociateWebACL", resource, e.into_service_error()))
    }

    fn check_import_id(import_id: &str) -> Answer<()> {
        parse_id(import_id).map(|_| ())
    }
}

/// The association of `resource` with the web ACL `acl`; `None` when the resource is gone or
/// is not protected by that ACL.
async fn read_one(aws: &Aws, acl: &str, resource: &str) -> Answer<Option<Observed>> {
    let got = match aws
        .wafv2
        .get_web_acl_for_resource()
        .resource_arn(resource)
        .send()
        .await
        .map_err(|e| api("GetWebACLForResource", resource, e.into_service_error()))
    {
        Ok(got) => got,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if got.web_acl().map(|w| w.arn()) != Some(acl) {
        return Ok(None);
    }
    let id = format!("{acl},{resource}");
    let config = Config {
        resource_arn: resource.to_string(),
        web_acl_arn: acl.to_string(),
    };
    let outputs = Outputs { id: id.clone() };
    Ok(Some(AwsWafv2WebAclAssociation::observed(
        &id, &config, &outputs,
    )))
}
