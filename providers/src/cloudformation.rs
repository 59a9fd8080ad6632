//! Reading an existing CloudFormation stack for adoption (`cairn import --from-cloudformation`):
//! its status, parameters and outputs (DescribeStacks), its template (GetTemplate; JSON or YAML
//! with the short-form tags `!Ref`, `!GetAtt`, `!Sub`, ...), its resources with their physical
//! ids (ListStackResources), how each resource maps to a cairn type and import id, and which
//! of its properties cairn does not carry over (`properties`).

mod properties;

pub use properties::{leftovers, Leftover};

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_sdk_cloudformation::types::TemplateStage;
use cairn_model::ProviderError;
use serde_json::{json, Map, Value as Json};

use crate::common::{api, code};
use crate::{ec2, events, AwsSettings};

/// A CloudFormation stack as it stands.
#[derive(Clone, Debug)]
pub struct Stack {
    pub name: String,
    /// The stack's ARN.
    pub id: String,
    /// `CREATE_COMPLETE`, `UPDATE_IN_PROGRESS`, ...
    pub status: String,
    pub description: Option<String>,
    /// Parameter values, as DescribeStacks shows them (`NoEcho` ones masked), in its order.
    pub parameters: Vec<(String, String)>,
    pub outputs: Vec<StackOutput>,
    pub template: Template,
    /// Every resource of the stack, in the order ListStackResources gives.
    pub resources: Vec<StackResource>,
}

/// One output of a stack.
#[derive(Clone, Debug, PartialEq)]
pub struct StackOutput {
    pub key: String,
    pub value: String,
    pub description: Option<String>,
}

/// One resource of a stack, as ListStackResources shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StackResource {
    pub logical_id: String,
    /// `AWS::EC2::VPC`, ...
    pub cfn_type: String,
    /// `None` for resources that were never made or are gone.
    pub physical_id: Option<String>,
    pub status: String,
}

/// The parts of a template that adoption uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    /// In the template's order (YAML, and JSON that the YAML parser reads), else by logical id.
    pub resources: Vec<TemplateResource>,
}

/// One entry of a template's `Resources`, with intrinsic functions in their long form
/// (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateResource {
    pub logical_id: String,
    pub cfn_type: String,
    /// The `Properties` object (`{}` when there is none).
    pub properties: Json,
    /// `DependsOn`, as a list.
    pub depends_on: Vec<String>,
    /// `DeletionPolicy`, when given.
    pub deletion_policy: Option<String>,
}

impl Template {
    pub fn resource(&self, logical_id: &str) -> Option<&TemplateResource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }
}

impl TemplateResource {
    pub fn property(&self, name: &str) -> Option<&Json> {
        self.properties.get(name)
    }
}

impl Stack {
    pub fn resource(&self, logical_id: &str) -> Option<&StackResource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }

    /// What `value` stands for where a property names another resource of the stack by its
    /// physical id: as [`Stack::resolve`], and for a `GetAtt` (`!GetAtt Api.ApiId`,
    /// `!GetAtt Fn.Arn` where a function's name is what is wanted) the target's physical id.
    pub fn physical_id_named(&self, value: &Json) -> Option<String> {
        self.resolve(value)
            .or_else(|| self.resource(target(value)?)?.physical_id.clone())
    }

    /// The plain value `value` stands for, where the template and the stack tell it: a
    /// literal string, a `Ref` to a resource (its physical id) or to a parameter (its value).
    pub fn resolve(&self, value: &Json) -> Option<String> {
        match value {
            Json::String(s) => Some(s.clone()),
            Json::Object(m) if m.len() == 1 => {
                let target = m.get("Ref")?.as_str()?;
                if let Some(r) = self.resource(target) {
                    return r.physical_id.clone();
                }
                self.parameters
                    .iter()
                    .find(|(k, _)| k == target)
                    .map(|(_, v)| v.clone())
            }
            _ => None,
        }
    }
}

/// The logical id of the resource `value` points at: `{"Ref": X}` or `{"Fn::GetAtt": [X, ...]}`.
pub fn target(value: &Json) -> Option<&str> {
    let m = value.as_object()?;
    if m.len() != 1 {
        return None;
    }
    if let Some(r) = m.get("Ref") {
        return r.as_str();
    }
    m.get("Fn::GetAtt")?.as_array()?.first()?.as_str()
}

/// Parses a template body: JSON or YAML, with CloudFormation's short-form tags turned into
/// the long form (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
/// `!Sub ...` → `{"Fn::Sub": ...}`, ...).
pub fn parse_template(body: &str) -> Result<Template, String> {
    let resources: Vec<(String, Json)> = match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(body)
    {
        Ok(doc) => {
            let Some(resources) = doc.get("Resources") else {
                return Err("the template has no `Resources` section".into());
            };
            let serde_yaml_ng::Value::Mapping(m) = resources else {
                return Err("the template's `Resources` is not a mapping".into());
            };
            m.iter()
                .map(|(k, v)| Ok((yaml_key(k)?, yaml_to_json(v)?)))
                .collect::<Result<_, String>>()?
        }
        Err(yaml_error) => {
            // Valid JSON that libyaml still refuses (e.g. tabs where YAML forbids them).
            let doc: Json = serde_json::from_str(body)
                .map_err(|_| format!("the template is neither JSON nor YAML: {yaml_error}"))?;
            let Some(Json::Object(m)) = doc.get("Resources") else {
                return Err("the template has no `Resources` object".into());
            };
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
    };
    let resources = resources
        .into_iter()
        .map(|(logical_id, body)| {
            let cfn_type = body
                .get("Type")
                .and_then(Json::as_str)
                .ok_or_else(|| format!("resource `{logical_id}` has no `Type`"))?
                .to_string();
            let depends_on = match body.get("DependsOn") {
                Some(Json::String(s)) => vec![s.clone()],
                Some(Json::Array(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            Ok(TemplateResource {
                properties: body.get("Properties").cloned().unwrap_or_else(|| json!({})),
                deletion_policy: body
                    .get("DeletionPolicy")
                    .and_then(Json::as_str)
                    .map(str::to_string),
                logical_id,
                cfn_type,
                depends_on,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Template { resources })
}

fn yaml_key(k: &serde_yaml_ng::Value) -> Result<String, String> {
    use serde_yaml_ng::Value as Y;
    match k {
        Y::String(s) => Ok(s.clone()),
        Y::Number(n) => Ok(n.to_string()),
        Y::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "unsupported mapping key in the template: {other:?}"
        )),
    }
}

/// A YAML value as JSON, short-form tags in their long form.
fn yaml_to_json(v: &serde_yaml_ng::Value) -> Result<Json, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match v {
        Y::Null => Json::Null,
        Y::Bool(b) => Json::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Json::Number)
                    .unwrap_or_else(|| Json::String(n.to_string()))
            }
        }
        Y::String(s) => Json::String(s.clone()),
        Y::Sequence(items) => {
            Json::Array(items.iter().map(yaml_to_json).collect::<Result<_, _>>()?)
        }
        Y::Mapping(m) => Json::Object(
            m.iter()
                .map(|(k, v)| Ok((yaml_key(k)?, yaml_to_json(v)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = yaml_to_json(&t.value)?;
            match name {
                "Ref" | "Condition" => json!({ name: inner }),
                "GetAtt" => match inner {
                    // `!GetAtt Resource.Attribute` (the attribute may itself hold dots).
                    Json::String(s) => {
                        let (resource, attribute) = s
                            .split_once('.')
                            .ok_or_else(|| format!("`!GetAtt {s}`: expected Resource.Attribute"))?;
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                _ => json!({ format!("Fn::{name}"): inner }),
            }
        }
    })
}

/// How a CloudFormation resource type becomes part of a cairn stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// A cairn resource of this type.
    Type(&'static str),
    /// Part of the resource (of the stack) that the property names: cairn keeps it inline
    /// in that resource (routes in their route table, an internet gateway's attachment as its
    /// `vpc_id`, security group rules in their group, inline IAM policies in their role).
    Folded {
        /// The property (`RouteTableId`, `Roles`, ...) whose `Ref`/`GetAtt` names the parent.
        property: &'static str,
        /// What it becomes there.
        becomes: &'static str,
    },
    /// cairn has no type for it.
    Unsupported,
}

/// The cairn counterpart of the CloudFormation type `cfn_type`: the type whose `SchemaMeta`
/// names it, or the resource it is folded into.
pub fn mapping(cfn_type: &str) -> Mapping {
    let folded = |property, becomes| Mapping::Folded { property, becomes };
    match cfn_type {
        // Parts of another resource in cairn.
        "AWS::EC2::VPCGatewayAttachment" => folded("InternetGatewayId", "its `vpc_id`"),
        "AWS::EC2::Route" => folded("RouteTableId", "one of its `route`s"),
        "AWS::EC2::SecurityGroupIngress" => folded("GroupId", "one of its `ingress` rules"),
        "AWS::EC2::SecurityGroupEgress" => folded("GroupId", "one of its `egress` rules"),
        "AWS::IAM::Policy" => folded("Roles", "one of its `inline_policy`s"),
        "AWS::IAM::RolePolicy" => folded("RoleName", "one of its `inline_policy`s"),
        _ => crate::shared_catalog()
            .types
            .values()
            .find(|schema| schema.cloudformation == cfn_type)
            .map_or(Mapping::Unsupported, |schema| {
                Mapping::Type(schema.type_name.as_str())
            }),
    }
}

/// A cairn resource that CloudFormation keeps inside another one (an EventBridge rule's
/// `Targets`): adopted beside its parent, as a resource of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub cairn_type: &'static str,
    /// As `cairn import` takes it.
    pub import_id: String,
    /// What tells it apart within its parent (a target's `Id`).
    pub name: String,
    /// What the template sets for it that cairn does not carry over.
    pub leftovers: Vec<Leftover>,
}

/// The parts of the template resource `resource` whose own import id is `import_id`.
pub fn parts(resource: &TemplateResource, import_id: &str) -> Vec<Part> {
    match resource.cfn_type.as_str() {
        "AWS::Events::Rule" => resource
            .property("Targets")
            .and_then(Json::as_array)
            .map(|targets| {
                targets
                    .iter()
                    .filter_map(|t| Some((t.get("Id")?.as_str()?, t)))
                    .map(|(id, t)| Part {
                        cairn_type: events::target::TYPE,
                        import_id: format!("{import_id}/{id}"),
                        name: id.to_string(),
                        leftovers: properties::target_leftovers(t),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A function's name (with `:qualifier` when it has one) from its name or ARN.
fn function_name(name_or_arn: &str) -> &str {
    name_or_arn
        .split_once(":function:")
        .map_or(name_or_arn, |(_, rest)| rest)
}

/// The logical ids of the resources that the folded `resource` belongs to (by `property`,
/// a `Ref`/`GetAtt` or a list of them); empty when the template does not name one (e.g. a
/// gateway attachment of a VPN gateway, which has no `InternetGatewayId`).
pub fn parents(resource: &TemplateResource, property: &str) -> Vec<String> {
    match resource.property(property) {
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(target)
            .map(str::to_string)
            .collect(),
        Some(v) => target(v).map(|t| vec![t.to_string()]).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// Where to read a CloudFormation stack, and the EC2 look-ups that turn some physical ids
/// into cairn import ids.
pub struct StackReader {
    cfn: aws_sdk_cloudformation::Client,
    ec2: aws_sdk_ec2::Client,
    region: String,
}

impl StackReader {
    /// Clients from `settings` and the standard AWS chain, configured as the provider's are.
    pub async fn new(settings: &AwsSettings) -> StackReader {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(crate::max_attempts()));
        if let Some(r) = &settings.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        if let Some(e) = &settings.endpoint {
            loader = loader.endpoint_url(e.clone());
        }
        let shared = loader.load().await;
        StackReader {
            cfn: crate::client!(aws_sdk_cloudformation, &shared),
            ec2: crate::client!(aws_sdk_ec2, &shared),
            region: shared
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
        }
    }

    /// The region the stack is read from.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The stack `name` (or stack id), its template and its resources; `None` when there is
    /// no such stack.
    pub async fn read(&self, name: &str) -> Result<Option<Stack>, ProviderError> {
        let described = match self.cfn.describe_stacks().stack_name(name).send().await {
            Ok(d) => d,
            Err(e) => {
                let e = e.into_service_error();
                let missing = code(&e) == Some("ValidationError")
                    && aws_smithy_types::error::metadata::ProvideErrorMetadata::message(&e)
                        .is_some_and(|m| m.contains("does not exist"));
                if missing {
                    return Ok(None);
                }
                return Err(api("DescribeStacks", name, e));
            }
        };
        let Some(s) = described.stacks().first() else {
            return Ok(None);
        };
        let stack_name = s.stack_name().unwrap_or(name).to_string();
        let body = self
            .template_body(&stack_name, TemplateStage::Original)
            .await?;
        let mut template = parse_template(&body).map_err(|e| {
            ProviderError::Api(format!("the template of stack `{stack_name}`: {e}"))
        })?;
        // A template with a transform (SAM, macros) says what was made only once expanded.
        if template_has_transform(&body) {
            let processed = self
                .template_body(&stack_name, TemplateStage::Processed)
                .await?;
            template = parse_template(&processed).map_err(|e| {
                ProviderError::Api(format!(
                    "the processed template of stack `{stack_name}`: {e}"
                ))
            })?;
        }
        let summaries = self
            .cfn
            .list_stack_resources()
            .stack_name(&stack_name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListStackResources", &stack_name, e.into_service_error()))?;
        let resources = summaries
            .iter()
            .map(|r| StackResource {
                logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                cfn_type: r.resource_type().unwrap_or_default().to_string(),
                physical_id: r
                    .physical_resource_id()
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
                status: r
                    .resource_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(Some(Stack {
            id: s.stack_id().unwrap_or_default().to_string(),
            status: s
                .stack_status()
                .map(|st| st.as_str().to_string())
                .unwrap_or_default(),
            description: s.description().map(str::to_string),
            parameters: s
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap_or_default().to_string(),
                        p.resolved_value()
                            .or(p.parameter_value())
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect(),
            outputs: s
                .outputs()
                .iter()
                .filter_map(|o| {
                    Some(StackOutput {
                        key: o.output_key()?.to_string(),
                        value: o.output_value()?.to_string(),
                        description: o.description().map(str::to_string),
                    })
                })
                .collect(),
            name: stack_name,
            template,
            resources,
        }))
    }

    async fn template_body(
        &self,
        name: &str,
        stage: TemplateStage,
    ) -> Result<String, ProviderError> {
        let got = self
            .cfn
            .get_template()
            .stack_name(name)
            .template_stage(stage)
            .send()
            .await
            .map_err(|e| api("GetTemplate", name, e.into_service_error()))?;
        got.template_body()
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Api(format!("GetTemplate {name}: no template body")))
    }

    /// The import id (as `cairn import` takes it for `cairn_type`) of the stack's resource
    /// `r`, whose physical id is `physical`: mostly the physical id itself; for a route table
    /// association `<subnet id>/<route table id>` (from the template, else the association
    /// id), for a security group its id when CloudFormation names it by group name.
    /// `Err` with the reason when it cannot be told.
    pub async fn import_id(
        &self,
        stack: &Stack,
        r: &StackResource,
        physical: &str,
    ) -> Result<String, String> {
        let template = stack.template.resource(&r.logical_id);
        match r.cfn_type.as_str() {
            "AWS::EC2::SubnetRouteTableAssociation" => {
                if physical.starts_with("rtbassoc-") {
                    return Ok(physical.to_string());
                }
                let resolve = |p: &str| {
                    template
                        .and_then(|t| t.property(p))
                        .and_then(|v| stack.resolve(v))
                };
                match (resolve("SubnetId"), resolve("RouteTableId")) {
                    (Some(subnet), Some(table)) => Ok(format!("{subnet}/{table}")),
                    _ => Err(format!(
                        "its physical id `{physical}` is not an association id and the template does not tell its subnet and route table"
                    )),
                }
            }
            "AWS::EC2::SecurityGroup" if !physical.starts_with("sg-") => {
                let vpc = template
                    .and_then(|t| t.property("VpcId"))
                    .and_then(|v| stack.resolve(v));
                match self.security_group_id(physical, vpc.as_deref()).await {
                    Ok(Some(id)) => Ok(id),
                    Ok(None) => Err(format!("no security group is named `{physical}`")),
                    Err(e) => Err(e.to_string()),
                }
            }
            "AWS::ApiGatewayV2::Stage"
            | "AWS::ApiGatewayV2::Integration"
            | "AWS::ApiGatewayV2::Route" => {
                match template
                    .and_then(|t| t.property("ApiId"))
                    .and_then(|v| stack.physical_id_named(v))
                {
                    Some(api) => Ok(format!("{api}/{physical}")),
                    None => Err(format!(
                        "the template does not tell the API of `{physical}` (its `ApiId`)"
                    )),
                }
            }
            // `<function ARN>|<statement id>`, or the statement id alone.
            "AWS::Lambda::Permission" => {
                if let Some((function, statement)) = physical.split_once('|') {
                    return Ok(format!("{}/{statement}", function_name(function)));
                }
                // A name, a `Ref`, or a `GetAtt` of the function's ARN.
                match template
                    .and_then(|t| t.property("FunctionName"))
                    .and_then(|v| stack.physical_id_named(v))
                {
                    Some(f) => Ok(format!("{}/{physical}", function_name(&f))),
                    None => Err(format!(
                        "the template does not tell the function of statement `{physical}` (its `FunctionName`)"
                    )),
                }
            }
            // The policy of the topic its `Topics` names (the first, when it names several).
            "AWS::SNS::TopicPolicy" => {
                let topic = template
                    .and_then(|t| t.property("Topics"))
                    .and_then(|v| match v {
                        Json::Array(topics) => topics.first(),
                        other => Some(other),
                    })
                    .and_then(|v| stack.physical_id_named(v));
                topic.ok_or_else(|| {
                    format!("the template does not tell the topic of policy `{physical}` (its `Topics`)")
                })
            }
            // `<resource id>|<scalable dimension>|<service namespace>`.
            "AWS::ApplicationAutoScaling::ScalableTarget" => {
                match physical.split('|').collect::<Vec<_>>()[..] {
                    [resource, dimension, namespace] => {
                        Ok(format!("{namespace}/{resource}/{dimension}"))
                    }
                    _ => Ok(physical.to_string()),
                }
            }
            // The policy's ARN, which names its namespace, resource and name; its dimension
            // from the template (`ScalableDimension`, or its `ScalingTargetId`'s).
            "AWS::ApplicationAutoScaling::ScalingPolicy" => {
                let Some((resource, name)) = physical
                    .split_once(":resource/")
                    .and_then(|(_, rest)| rest.rsplit_once(":policyName/"))
                else {
                    return Err(format!(
                        "its physical id `{physical}` is not a scaling policy ARN"
                    ));
                };
                let resolve = |p: &str| {
                    template
                        .and_then(|t| t.property(p))
                        .and_then(|v| stack.physical_id_named(v))
                };
                let dimension = resolve("ScalableDimension").or_else(|| {
                    resolve("ScalingTargetId").and_then(|t| t.split('|').nth(1).map(str::to_string))
                });
                match dimension {
                    Some(d) => match resource.split_once('/') {
                        Some((namespace, id)) => Ok(format!("{namespace}/{id}/{d}/{name}")),
                        None => Err(format!("its ARN `{physical}` names no resource")),
                    },
                    None => Err(format!(
                        "the template does not tell the scalable dimension of policy `{physical}`"
                    )),
                }
            }
            // A record set's physical id is its name: cairn's id adds its zone and type (and
            // set identifier), which the template tells.
            "AWS::Route53::RecordSet" => {
                let resolve = |p: &str| {
                    template
                        .and_then(|t| t.property(p))
                        .and_then(|v| stack.physical_id_named(v))
                };
                match (resolve("HostedZoneId"), resolve("Type")) {
                    (Some(zone), Some(rtype)) => {
                        let name = crate::route53::normalize_domain(physical);
                        let zone = crate::route53::clean_zone_id(&zone);
                        Ok(match resolve("SetIdentifier") {
                            Some(set) => format!("{zone}_{name}_{rtype}_{set}"),
                            None => format!("{zone}_{name}_{rtype}"),
                        })
                    }
                    _ => Err(format!(
                        "the template does not tell the hosted zone id and type of record `{physical}` (its `HostedZoneId` and `Type`)"
                    )),
                }
            }
            // A mapping's physical id is its id alone: cairn's import id adds its domain.
            "AWS::ApiGatewayV2::ApiMapping" => {
                match template
                    .and_then(|t| t.property("DomainName"))
                    .and_then(|v| stack.physical_id_named(v))
                {
                    Some(domain) => Ok(format!("{physical}/{domain}")),
                    None => Err(format!(
                        "the template does not tell the domain name of API mapping `{physical}` (its `DomainName`)"
                    )),
                }
            }
            // `<listener ARN>_<certificate ARN>`, from the template (one certificate each).
            "AWS::ElasticLoadBalancingV2::ListenerCertificate" => {
                let listener = template
                    .and_then(|t| t.property("ListenerArn"))
                    .and_then(|v| stack.physical_id_named(v));
                let certificates = template
                    .and_then(|t| t.property("Certificates"))
                    .and_then(|v| v.as_array());
                let certificate = match certificates.map(Vec::as_slice) {
                    Some([one]) => one
                        .get("CertificateArn")
                        .and_then(|v| stack.physical_id_named(v)),
                    _ => None,
                };
                match (listener, certificate) {
                    (Some(l), Some(c)) => Ok(format!("{l}_{c}")),
                    _ => Err(format!(
                        "the template does not tell the listener and the one certificate of `{physical}` (its `ListenerArn` and `Certificates`)"
                    )),
                }
            }
            // A rule's name, `<bus>|<name>` on another bus, or its ARN.
            "AWS::Events::Rule" => {
                let name = physical
                    .split_once(":rule/")
                    .map_or(physical, |(_, rest)| rest);
                Ok(name.replacen('|', "/", 1))
            }
            // A stream's name; its group from the template.
            "AWS::Logs::LogStream" => match template
                .and_then(|t| t.property("LogGroupName"))
                .and_then(|v| stack.physical_id_named(v))
            {
                Some(group) => Ok(format!("{group}:{physical}")),
                None => Err(format!(
                    "the template does not tell the log group of stream `{physical}` (its `LogGroupName`)"
                )),
            },
            // `<name>|<id>|<scope>`.
            "AWS::WAFv2::WebACL" => match physical.split('|').collect::<Vec<_>>().as_slice() {
                [name, id, scope] => Ok(format!("{id}/{name}/{scope}")),
                _ => Err(format!(
                    "its physical id `{physical}` is not `<name>|<id>|<scope>`"
                )),
            },
            // The two ARNs joined by `|`, else the template's.
            "AWS::WAFv2::WebACLAssociation" => {
                let is_acl = |arn: &str| arn.contains(":wafv2:") && arn.contains("/webacl/");
                if let Some((a, b)) = physical.split_once('|') {
                    return match (is_acl(a), is_acl(b)) {
                        (true, false) => Ok(format!("{a},{b}")),
                        (false, true) => Ok(format!("{b},{a}")),
                        _ => Err(format!(
                            "its physical id `{physical}` does not name one web ACL and one resource"
                        )),
                    };
                }
                let resolve = |p: &str| {
                    template
                        .and_then(|t| t.property(p))
                        .and_then(|v| stack.resolve(v))
                };
                match (resolve("WebACLArn"), resolve("ResourceArn")) {
                    (Some(acl), Some(resource)) if is_acl(&acl) => Ok(format!("{acl},{resource}")),
                    _ => Err(format!(
                        "its physical id `{physical}` is not `<resource ARN>|<web ACL ARN>` and the template does not tell both ARNs"
                    )),
                }
            }
            _ => Ok(physical.to_string()),
        }
    }

    /// The id of the security group named `name` (in `vpc_id` when given); `None` when there
    /// is none, or more than one.
    pub async fn security_group_id(
        &self,
        name: &str,
        vpc_id: Option<&str>,
    ) -> Result<Option<String>, ProviderError> {
        let mut call = self
            .ec2
            .describe_security_groups()
            .filters(ec2::filter("group-name", [name]));
        if let Some(vpc) = vpc_id {
            call = call.filters(ec2::filter("vpc-id", [vpc]));
        }
        let got = call
            .send()
            .await
            .map_err(|e| api("DescribeSecurityGroups", name, e.into_service_error()))?;
        let ids: Vec<&str> = got
            .security_groups()
            .iter()
            .filter(|g| g.group_name() == Some(name))
            .filter_map(|g| g.group_id())
            .collect();
        Ok(match ids.as_slice() {
            [one] => Some(one.to_string()),
            _ => None,
        })
    }
}

/// Whether a template body declares a `Transform` (checked on the text, before parsing).
fn template_has_transform(body: &str) -> bool {
    match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(body) {
        Ok(doc) => doc.get("Transform").is_some(),
        Err(_) => serde_json::from_str::<Json>(body)
            .map(|d| d.get("Transform").is_some())
            .unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env: { Type: String }
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
      Tags:
        - Key: Name
          Value: !Sub '${Env}-vpc'
  Subnet:
    Type: AWS::EC2::Subnet
    DependsOn: Vpc
    DeletionPolicy: Retain
    Properties:
      VpcId: !Ref Vpc
      AvailabilityZone: !Select [0, !GetAZs '']
      CidrBlock: !Join ['', ['10.0.', '1.0/24']]
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: !GetAtt Vpc.VpcId
  Ingress:
    Type: AWS::EC2::SecurityGroupIngress
    DependsOn: [Vpc, Subnet]
    Properties:
      GroupId: !GetAtt [Sg, GroupId]
      Description: !If [IsProd, !Ref 'AWS::NoValue', 'x']
"#;

    /// Import ids the template tells (no AWS call is made for these types).
    #[tokio::test]
    async fn import_ids_of_parts_name_their_api_or_function() {
        let template = parse_template(
            "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n  Live:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties:\n      ApiId: !GetAtt Api.ApiId\n  Allow:\n    Type: AWS::Lambda::Permission\n    Properties:\n      FunctionName: !GetAtt Fn.Arn\n  Orphan:\n    Type: AWS::ApiGatewayV2::Route\n    Properties: {}\n",
        )
        .expect("parses");
        let resource = |logical: &str, cfn_type: &str, physical: &str| StackResource {
            logical_id: logical.into(),
            cfn_type: cfn_type.into(),
            physical_id: Some(physical.into()),
            status: "CREATE_COMPLETE".into(),
        };
        let stack = Stack {
            name: "s".into(),
            id: "arn".into(),
            status: "CREATE_COMPLETE".into(),
            description: None,
            parameters: Vec::new(),
            outputs: Vec::new(),
            template,
            resources: vec![
                resource("Api", "AWS::ApiGatewayV2::Api", "a1b2c3"),
                resource("Fn", "AWS::Lambda::Function", "jobs"),
            ],
        };
        let reader = StackReader::new(&AwsSettings {
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            artifacts: None,
            ..AwsSettings::default()
        })
        .await;
        async fn id(
            reader: &StackReader,
            stack: &Stack,
            logical: &str,
            cfn_type: &str,
            physical: &str,
        ) -> Result<String, String> {
            let r = StackResource {
                logical_id: logical.into(),
                cfn_type: cfn_type.into(),
                physical_id: Some(physical.into()),
                status: "CREATE_COMPLETE".into(),
            };
            reader.import_id(stack, &r, physical).await
        }
        let id = |logical: &'static str, cfn_type: &'static str, physical: &'static str| {
            id(&reader, &stack, logical, cfn_type, physical)
        };
        assert_eq!(
            id("Live", "AWS::ApiGatewayV2::Stage", "$default").await,
            Ok("a1b2c3/$default".into())
        );
        assert!(id("Orphan", "AWS::ApiGatewayV2::Route", "r1")
            .await
            .is_err_and(|e| e.contains("ApiId")));
        // The statement id alone (the function from the template: a `GetAtt` of its ARN
        // names the function whose physical id is its name) ...
        assert_eq!(
            id("Allow", "AWS::Lambda::Permission", "s-Allow-1").await,
            Ok("jobs/s-Allow-1".into())
        );
        // ... or the function's ARN and the statement id.
        assert_eq!(
            id(
                "Allow",
                "AWS::Lambda::Permission",
                "arn:aws:lambda:us-east-1:1:function:jobs|s-Allow-1"
            )
            .await,
            Ok("jobs/s-Allow-1".into())
        );
        for (physical, expected) in [
            ("nightly", "nightly"),
            ("orders|placed", "orders/placed"),
            (
                "arn:aws:events:us-east-1:1:rule/orders/placed",
                "orders/placed",
            ),
        ] {
            assert_eq!(
                id("Rule", "AWS::Events::Rule", physical).await,
                Ok(expected.into())
            );
        }
    }

    /// Import ids of log streams, web ACLs and their associations (audit group).
    #[tokio::test]
    async fn import_ids_of_streams_and_web_acls() {
        let template = parse_template(
            "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n  Stream:\n    Type: AWS::Logs::LogStream\n    Properties:\n      LogGroupName: !Ref Logs\n",
        )
        .expect("parses");
        let stack = Stack {
            name: "s".into(),
            id: "arn".into(),
            status: "CREATE_COMPLETE".into(),
            description: None,
            parameters: Vec::new(),
            outputs: Vec::new(),
            template,
            resources: vec![StackResource {
                logical_id: "Logs".into(),
                cfn_type: "AWS::Logs::LogGroup".into(),
                physical_id: Some("/app/logs".into()),
                status: "CREATE_COMPLETE".into(),
            }],
        };
        let reader = StackReader::new(&AwsSettings {
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            ..AwsSettings::default()
        })
        .await;
        let id = |logical: &str, cfn_type: &str, physical: &str| {
            let r = StackResource {
                logical_id: logical.into(),
                cfn_type: cfn_type.into(),
                physical_id: Some(physical.into()),
                status: "CREATE_COMPLETE".into(),
            };
            let (reader, stack, physical) = (&reader, &stack, physical.to_string());
            async move { reader.import_id(stack, &r, &physical).await }
        };
        assert_eq!(
            id("Stream", "AWS::Logs::LogStream", "app-1").await,
            Ok("/app/logs:app-1".into())
        );
        assert_eq!(
            id("Acl", "AWS::WAFv2::WebACL", "api|0b0c-1|REGIONAL").await,
            Ok("0b0c-1/api/REGIONAL".into())
        );
        let acl = "arn:aws:wafv2:us-east-1:1:regional/webacl/api/0b0c-1";
        let lb = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/1";
        for physical in [format!("{lb}|{acl}"), format!("{acl}|{lb}")] {
            assert_eq!(
                id("Assoc", "AWS::WAFv2::WebACLAssociation", &physical).await,
                Ok(format!("{acl},{lb}"))
            );
        }
        assert!(id("Assoc", "AWS::WAFv2::WebACLAssociation", "x")
            .await
            .is_err());
    }

    #[tokio::test]
    async fn import_ids_of_record_sets_and_api_mappings_name_their_zone_or_domain() {
        let template = parse_template(
            "Resources:\n  Zone:\n    Type: AWS::Route53::HostedZone\n  Www:\n    Type: AWS::Route53::RecordSet\n    Properties:\n      HostedZoneId: !Ref Zone\n      Type: A\n  Blue:\n    Type: AWS::Route53::RecordSet\n    Properties:\n      HostedZoneId: Z2ABC\n      Type: CNAME\n      SetIdentifier: blue\n  ByName:\n    Type: AWS::Route53::RecordSet\n    Properties:\n      HostedZoneName: example.com.\n      Type: A\n  Domain:\n    Type: AWS::ApiGatewayV2::DomainName\n  Mapping:\n    Type: AWS::ApiGatewayV2::ApiMapping\n    Properties:\n      DomainName: !Ref Domain\n",
        )
        .expect("parses");
        let resource = |logical: &str, cfn_type: &str, physical: &str| StackResource {
            logical_id: logical.into(),
            cfn_type: cfn_type.into(),
            physical_id: Some(physical.into()),
            status: "CREATE_COMPLETE".into(),
        };
        let stack = Stack {
            name: "s".into(),
            id: "arn".into(),
            status: "CREATE_COMPLETE".into(),
            description: None,
            parameters: Vec::new(),
            outputs: Vec::new(),
            template,
            resources: vec![
                resource("Zone", "AWS::Route53::HostedZone", "Z1XYZ"),
                resource("Domain", "AWS::ApiGatewayV2::DomainName", "api.example.com"),
            ],
        };
        let reader = StackReader::new(&AwsSettings {
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            artifacts: None,
            ..AwsSettings::default()
        })
        .await;
        let id = |logical: &'static str, cfn_type: &'static str, physical: &'static str| {
            let r = resource(logical, cfn_type, physical);
            let (reader, stack) = (&reader, &stack);
            async move { reader.import_id(stack, &r, physical).await }
        };
        assert_eq!(
            id("Www", "AWS::Route53::RecordSet", "WWW.example.com.").await,
            Ok("Z1XYZ_www.example.com_A".into())
        );
        assert_eq!(
            id("Blue", "AWS::Route53::RecordSet", "blue.example.com").await,
            Ok("Z2ABC_blue.example.com_CNAME_blue".into())
        );
        assert!(id("ByName", "AWS::Route53::RecordSet", "x.example.com")
            .await
            .is_err_and(|e| e.contains("HostedZoneId")));
        assert_eq!(
            id("Mapping", "AWS::ApiGatewayV2::ApiMapping", "m1a2b3").await,
            Ok("m1a2b3/api.example.com".into())
        );
    }

    #[test]
    fn a_rule_s_targets_are_parts_of_their_own() {
        let t = parse_template(
            "Resources:\n  Nightly:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(1 day)\n      Targets:\n        - Id: sweep\n          Arn: !GetAtt Fn.Arn\n        - Arn: no-id\n",
        )
        .expect("parses");
        let rule = t.resource("Nightly").expect("rule");
        assert_eq!(
            parts(rule, "orders/nightly"),
            vec![Part {
                cairn_type: "aws_cloudwatch_event_target",
                import_id: "orders/nightly/sweep".into(),
                name: "sweep".into(),
                leftovers: Vec::new(),
            }]
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:1:function:f:live"),
            "f:live"
        );
        assert_eq!(function_name("f"), "f");
    }

    #[test]
    fn yaml_short_forms_become_long_forms_in_order() {
        let t = parse_template(YAML).expect("parses");
        let ids: Vec<&str> = t.resources.iter().map(|r| r.logical_id.as_str()).collect();
        assert_eq!(ids, ["Vpc", "Subnet", "Sg", "Ingress"]);
        let vpc = t.resource("Vpc").expect("vpc");
        assert_eq!(
            vpc.properties["Tags"][0]["Value"],
            json!({"Fn::Sub": "${Env}-vpc"})
        );
        let subnet = t.resource("Subnet").expect("subnet");
        assert_eq!(subnet.properties["VpcId"], json!({"Ref": "Vpc"}));
        assert_eq!(
            subnet.properties["AvailabilityZone"],
            json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]})
        );
        assert_eq!(
            subnet.properties["CidrBlock"],
            json!({"Fn::Join": ["", ["10.0.", "1.0/24"]]})
        );
        assert_eq!(subnet.depends_on, ["Vpc"]);
        assert_eq!(subnet.deletion_policy.as_deref(), Some("Retain"));
        let sg = t.resource("Sg").expect("sg");
        assert_eq!(
            sg.properties["VpcId"],
            json!({"Fn::GetAtt": ["Vpc", "VpcId"]})
        );
        let ingress = t.resource("Ingress").expect("ingress");
        assert_eq!(
            ingress.properties["GroupId"],
            json!({"Fn::GetAtt": ["Sg", "GroupId"]})
        );
        assert_eq!(
            ingress.properties["Description"],
            json!({"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, "x"]})
        );
        assert_eq!(ingress.depends_on, ["Vpc", "Subnet"]);
        assert_eq!(parents(ingress, "GroupId"), ["Sg"]);
        assert_eq!(target(&subnet.properties["VpcId"]), Some("Vpc"));
    }

    #[test]
    fn json_templates_parse_too_even_with_tabs() {
        let body = "{\n\t\"Resources\": {\n\t\t\"B\": {\"Type\": \"AWS::S3::Bucket\"},\n\t\t\"A\": {\"Type\": \"AWS::SNS::Topic\", \"Properties\": {\"TopicName\": {\"Fn::Sub\": \"${AWS::StackName}-t\"}}}\n\t}\n}";
        let t = parse_template(body).expect("parses");
        assert_eq!(t.resources.len(), 2);
        let a = t.resource("A").expect("a");
        assert_eq!(a.cfn_type, "AWS::SNS::Topic");
        assert_eq!(
            a.properties["TopicName"],
            json!({"Fn::Sub": "${AWS::StackName}-t"})
        );
        assert_eq!(t.resource("B").expect("b").properties, json!({}));
    }

    #[test]
    fn templates_without_resources_or_types_are_refused() {
        assert!(parse_template("Description: nothing\n").is_err());
        assert!(parse_template("Resources:\n  X:\n    Properties: {}\n")
            .expect_err("no type")
            .contains("`X`"));
        assert!(parse_template("Resources: [1, 2]\n").is_err());
    }

    #[test]
    fn types_map_to_cairn_types_or_fold_into_their_parent() {
        assert_eq!(mapping("AWS::EC2::VPC"), Mapping::Type("aws_vpc"));
        assert_eq!(
            mapping("AWS::ElasticLoadBalancingV2::Listener"),
            Mapping::Type("aws_lb_listener")
        );
        assert!(matches!(
            mapping("AWS::EC2::Route"),
            Mapping::Folded {
                property: "RouteTableId",
                ..
            }
        ));
        assert_eq!(
            mapping("AWS::DynamoDB::Table"),
            Mapping::Type("aws_dynamodb_table")
        );
        assert_eq!(mapping("AWS::Glue::Database"), Mapping::Unsupported);
        assert_eq!(mapping("AWS::CloudFormation::Stack"), Mapping::Unsupported);
    }

    #[test]
    fn refs_resolve_to_physical_ids_and_parameter_values() {
        let stack = Stack {
            name: "s".into(),
            id: "arn".into(),
            status: "CREATE_COMPLETE".into(),
            description: None,
            parameters: vec![("SubnetParam".into(), "subnet-p".into())],
            outputs: Vec::new(),
            template: Template::default(),
            resources: vec![StackResource {
                logical_id: "Table".into(),
                cfn_type: "AWS::EC2::RouteTable".into(),
                physical_id: Some("rtb-1".into()),
                status: "CREATE_COMPLETE".into(),
            }],
        };
        assert_eq!(
            stack.resolve(&json!({"Ref": "Table"})).as_deref(),
            Some("rtb-1")
        );
        assert_eq!(
            stack.resolve(&json!({"Ref": "SubnetParam"})).as_deref(),
            Some("subnet-p")
        );
        assert_eq!(
            stack.resolve(&json!("subnet-lit")).as_deref(),
            Some("subnet-lit")
        );
        assert_eq!(stack.resolve(&json!({"Fn::ImportValue": "x"})), None);
        assert_eq!(stack.resolve(&json!({"Ref": "Nothing"})), None);
    }

    #[tokio::test]
    async fn import_ids_of_topic_policies_and_scaling_name_their_topic_and_target() {
        let template = parse_template(
            "Resources:\n  Alerts:\n    Type: AWS::SNS::Topic\n  Allow:\n    Type: AWS::SNS::TopicPolicy\n    Properties:\n      Topics: [!Ref Alerts]\n      PolicyDocument: {}\n  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n  Steps:\n    Type: AWS::ApplicationAutoScaling::ScalingPolicy\n    Properties:\n      ScalingTargetId: !Ref Target\n  Cpu:\n    Type: AWS::ApplicationAutoScaling::ScalingPolicy\n    Properties:\n      ScalableDimension: ecs:service:DesiredCount\n",
        )
        .expect("parses");
        let resource = |logical: &str, cfn_type: &str, physical: &str| StackResource {
            logical_id: logical.into(),
            cfn_type: cfn_type.into(),
            physical_id: Some(physical.into()),
            status: "CREATE_COMPLETE".into(),
        };
        let topic = "arn:aws:sns:us-east-1:1:alerts";
        let target = "service/prod/web|ecs:service:DesiredCount|ecs";
        let stack = Stack {
            name: "s".into(),
            id: "arn".into(),
            status: "CREATE_COMPLETE".into(),
            description: None,
            parameters: Vec::new(),
            outputs: Vec::new(),
            template,
            resources: vec![
                resource("Alerts", "AWS::SNS::Topic", topic),
                resource(
                    "Target",
                    "AWS::ApplicationAutoScaling::ScalableTarget",
                    target,
                ),
            ],
        };
        let reader = StackReader::new(&AwsSettings {
            region: Some("us-east-1".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            artifacts: None,
            ..AwsSettings::default()
        })
        .await;
        async fn import_id(
            reader: &StackReader,
            stack: &Stack,
            logical: &str,
            cfn_type: &str,
            physical: &str,
        ) -> Result<String, String> {
            let r = StackResource {
                logical_id: logical.into(),
                cfn_type: cfn_type.into(),
                physical_id: Some(physical.into()),
                status: "CREATE_COMPLETE".into(),
            };
            reader.import_id(stack, &r, physical).await
        }
        let id = |logical: &'static str, cfn_type: &'static str, physical: String| {
            let (reader, stack) = (&reader, &stack);
            async move { import_id(reader, stack, logical, cfn_type, &physical).await }
        };
        assert_eq!(
            id("Allow", "AWS::SNS::TopicPolicy", "s-Allow-1".into()).await,
            Ok(topic.into())
        );
        assert_eq!(
            id(
                "Target",
                "AWS::ApplicationAutoScaling::ScalableTarget",
                target.into()
            )
            .await,
            Ok("ecs/service/prod/web/ecs:service:DesiredCount".into())
        );
        let policy = |name: &str| {
            format!("arn:aws:autoscaling:us-east-1:1:scalingPolicy:0f1e:resource/ecs/service/prod/web:policyName/{name}")
        };
        for (logical, name) in [("Steps", "out"), ("Cpu", "cpu")] {
            assert_eq!(
                id(
                    logical,
                    "AWS::ApplicationAutoScaling::ScalingPolicy",
                    policy(name)
                )
                .await,
                Ok(format!(
                    "ecs/service/prod/web/ecs:service:DesiredCount/{name}"
                ))
            );
        }
        assert!(id(
            "Steps",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            "out".into()
        )
        .await
        .is_err());
    }
}
