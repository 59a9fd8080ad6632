//! Data sources that look up one named thing: `aws_ssm_parameter`,
//! `aws_secretsmanager_secret_version`, `aws_route53_zone`, `aws_acm_certificate`.

use std::collections::BTreeMap;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use cairn_model::ProviderError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{described, one, DataSource};
use crate::common::{api, code, is_not_found, visible_tags};
use crate::resource::Answer;
use crate::Aws;

/// `what` was not found `wanted`: the Lookup error [`one`] gives for nothing found.
fn none<T>(what: &str, wanted: &str) -> Answer<T> {
    one(Vec::<T>::new(), what, wanted, |_| String::new())
}

/// `key = "value"` parts for a lookup's message, one per tag it asked for.
fn tag_parts(tags: &BTreeMap<String, String>) -> Vec<(String, Option<String>)> {
    tags.iter()
        .map(|(k, v)| (format!("tag {k}"), Some(v.clone())))
        .collect()
}

/// [`described`] of owned parts.
fn describe(parts: &[(String, Option<String>)]) -> String {
    let borrowed: Vec<(&str, Option<String>)> =
        parts.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    described(&borrowed)
}

/// Whether `have` holds every pair of `want`.
fn tags_match(want: &BTreeMap<String, String>, have: &BTreeMap<String, String>) -> bool {
    want.iter().all(|(k, v)| have.get(k) == Some(v))
}

/// A timestamp as Go's RFC 3339 (whole seconds, UTC), as Terraform writes them.
fn rfc3339(t: &DateTime) -> Option<String> {
    DateTime::from_secs(t.secs()).fmt(Format::DateTime).ok()
}

// ---------------------------------------------------------------------------------------
// aws_ssm_parameter

/// One Systems Manager Parameter Store parameter and its value (SSM GetParameter).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SsmParameterArgs {
    /// The parameter's name (or ARN), e.g. `/app/prod/API_KEY`; `name:version` or
    /// `name:label` reads that version.
    pub name: String,
    /// Decrypt a `SecureString` value (else `value` is its ciphertext).
    #[serde(default = "yes")]
    pub with_decryption: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SsmParameterAttrs {
    /// The parameter's ARN.
    pub arn: String,
    /// The parameter's name.
    pub name: String,
    /// `String`, `StringList` or `SecureString`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value (decrypted when `with_decryption`); sensitive.
    #[schemars(extend("x-sensitive" = true))]
    pub value: String,
    /// The value when the type is not `SecureString` (not sensitive, for use where a
    /// sensitive value cannot go); null for a `SecureString`.
    pub insecure_value: Option<String>,
    /// The parameter's version.
    pub version: i64,
    /// The parameter's name.
    pub id: String,
}

pub struct AwsSsmParameter;

impl DataSource for AwsSsmParameter {
    const TYPE: &'static str = "aws_ssm_parameter";
    type Args = SsmParameterArgs;
    type Attrs = SsmParameterAttrs;

    async fn read(aws: &Aws, args: &SsmParameterArgs) -> Answer<SsmParameterAttrs> {
        let wanted = described(&[("name", Some(args.name.clone()))]);
        let got = match aws
            .ssm
            .get_parameter()
            .name(&args.name)
            .with_decryption(args.with_decryption)
            .send()
            .await
        {
            Ok(got) => got,
            Err(e) => {
                let e = e.into_service_error();
                if is_not_found(code(&e)) {
                    return none("SSM parameter", &wanted);
                }
                return Err(api("GetParameter", &args.name, e));
            }
        };
        let Some(p) = got.parameter() else {
            return none("SSM parameter", &wanted);
        };
        let kind = p
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let value = p.value().unwrap_or_default().to_string();
        let name = p.name().unwrap_or_default().to_string();
        Ok(SsmParameterAttrs {
            arn: p.arn().unwrap_or_default().to_string(),
            insecure_value: (kind != "SecureString").then(|| value.clone()),
            value,
            kind,
            version: p.version(),
            id: name.clone(),
            name,
        })
    }
}

// ---------------------------------------------------------------------------------------
// aws_secretsmanager_secret_version

/// One version of a Secrets Manager secret and its value (Secrets Manager GetSecretValue):
/// the version `version_id` names, else the one labelled `version_stage`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretVersionArgs {
    /// The secret's name or ARN.
    pub secret_id: String,
    /// The version's id; overrides `version_stage`.
    #[serde(default)]
    pub version_id: Option<String>,
    /// The staging label of the version, e.g. `AWSCURRENT` or `AWSPREVIOUS`.
    #[serde(default = "aws_current")]
    pub version_stage: String,
}

fn aws_current() -> String {
    "AWSCURRENT".to_string()
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SecretVersionAttrs {
    /// The secret's ARN.
    pub arn: String,
    /// `secret_id|version_id`, or `secret_id|version_stage` when no `version_id` was given.
    pub id: String,
    /// The secret, as given.
    pub secret_id: String,
    /// The value, when it was stored as a string; sensitive.
    #[schemars(extend("x-sensitive" = true))]
    pub secret_string: Option<String>,
    /// The value, base64-encoded, when it was stored as binary; sensitive.
    #[schemars(extend("x-sensitive" = true))]
    pub secret_binary: Option<String>,
    /// The version's id.
    pub version_id: String,
    /// The staging labels on the version.
    pub version_stages: Vec<String>,
    /// When the version was made (RFC 3339, UTC).
    pub created_date: Option<String>,
}

pub struct AwsSecretsmanagerSecretVersion;

impl DataSource for AwsSecretsmanagerSecretVersion {
    const TYPE: &'static str = "aws_secretsmanager_secret_version";
    type Args = SecretVersionArgs;
    type Attrs = SecretVersionAttrs;

    async fn read(aws: &Aws, args: &SecretVersionArgs) -> Answer<SecretVersionAttrs> {
        let mut call = aws
            .secretsmanager
            .get_secret_value()
            .secret_id(&args.secret_id);
        let (version, wanted) = match &args.version_id {
            Some(v) => {
                call = call.version_id(v);
                (v.clone(), ("version_id", Some(v.clone())))
            }
            None => {
                call = call.version_stage(&args.version_stage);
                (
                    args.version_stage.clone(),
                    ("version_stage", Some(args.version_stage.clone())),
                )
            }
        };
        let id = format!("{}|{version}", args.secret_id);
        let wanted = described(&[("secret_id", Some(args.secret_id.clone())), wanted]);
        let got = match call.send().await {
            Ok(got) => got,
            Err(e) => {
                let e = e.into_service_error();
                if crate::secretsmanager::not_found(code(&e))
                    || crate::secretsmanager::marked_deleted(&e)
                {
                    return none("Secrets Manager secret version", &wanted);
                }
                return Err(api("GetSecretValue", &id, e));
            }
        };
        Ok(SecretVersionAttrs {
            arn: got.arn().unwrap_or_default().to_string(),
            id,
            secret_id: args.secret_id.clone(),
            secret_string: got.secret_string().map(str::to_string),
            secret_binary: got
                .secret_binary()
                .map(|b| aws_smithy_types::base64::encode(b.as_ref())),
            version_id: got.version_id().unwrap_or_default().to_string(),
            version_stages: got.version_stages().to_vec(),
            created_date: got.created_date().and_then(rfc3339),
        })
    }
}

// ---------------------------------------------------------------------------------------
// aws_route53_zone

/// One Route 53 hosted zone: the one `zone_id` names, else the one of the public (or, with
/// `private_zone` or `vpc_id`, private) zones whose name, VPC and tags match.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneArgs {
    /// The zone's id, e.g. `Z1D633PJN98FT9`. Not with `name`.
    #[serde(default)]
    pub zone_id: Option<String>,
    /// The zone's domain name, e.g. `example.com` (a trailing dot and case do not matter).
    /// Not with `zone_id`.
    #[serde(default)]
    pub name: Option<String>,
    /// Look among private zones instead of public ones.
    #[serde(default)]
    pub private_zone: bool,
    /// Only a private zone associated with this VPC (implies `private_zone`).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Only a zone with all of these tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ZoneAttrs {
    /// The zone's id, e.g. `Z1D633PJN98FT9`.
    pub zone_id: String,
    /// The zone's id.
    pub id: String,
    /// The zone's ARN.
    pub arn: String,
    /// The zone's domain name, without the trailing dot, e.g. `example.com`.
    pub name: String,
    /// The zone's name servers.
    pub name_servers: Vec<String>,
    /// The first of `name_servers`.
    pub primary_name_server: Option<String>,
    /// Whether the zone is private.
    pub private_zone: bool,
    /// The zone's comment.
    pub comment: Option<String>,
    /// The caller reference the zone was created with.
    pub caller_reference: String,
    /// How many record sets the zone holds.
    pub resource_record_set_count: i64,
    /// For a zone another service made: that service's description of it.
    pub linked_service_description: Option<String>,
    /// For a zone another service made: that service's principal.
    pub linked_service_principal: Option<String>,
    /// The zone's tags.
    pub tags: BTreeMap<String, String>,
}

pub struct AwsRoute53Zone;

/// A zone id without its `/hostedzone/` prefix.
pub(crate) fn clean_zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// A domain name as Terraform compares and shows them: lower case, octal escapes (`\052`)
/// decoded, without the trailing dot.
pub(crate) fn normalize_domain(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < chars.len() {
        let escape = chars
            .get(i + 1..i + 4)
            .filter(|d| chars[i] == '\\' && d.iter().all(|c| ('0'..='7').contains(c)));
        let decoded = escape.and_then(|d| {
            u32::from_str_radix(&d.iter().collect::<String>(), 8)
                .ok()
                .and_then(char::from_u32)
        });
        match decoded {
            Some(c) => {
                out.push(c);
                i += 4;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    let out = out.to_lowercase();
    if out == "." {
        return out;
    }
    out.trim_end_matches('.').to_string()
}

pub(crate) async fn zone_tags(aws: &Aws, id: &str) -> Answer<BTreeMap<String, String>> {
    let got = aws
        .route53
        .list_tags_for_resource()
        .resource_type(aws_sdk_route53::types::TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
        .map_err(|e| api("ListTagsForResource", id, e.into_service_error()))?;
    Ok(got
        .resource_tag_set()
        .map(|s| {
            s.tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// GetHostedZone of `id`: `None` when there is no such zone.
pub(crate) async fn get_zone(
    aws: &Aws,
    id: &str,
) -> Answer<Option<aws_sdk_route53::operation::get_hosted_zone::GetHostedZoneOutput>> {
    match aws.route53.get_hosted_zone().id(id).send().await {
        Ok(got) => Ok(Some(got)),
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) || code(&e) == Some("InvalidInput") {
                Ok(None)
            } else {
                Err(api("GetHostedZone", id, e))
            }
        }
    }
}

/// The name servers of a private zone: the values of its apex NS record.
pub(crate) async fn private_name_servers(aws: &Aws, id: &str, name: &str) -> Answer<Vec<String>> {
    let got = aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(id)
        .start_record_name(name)
        .start_record_type(aws_sdk_route53::types::RrType::Ns)
        .max_items(1)
        .send()
        .await
        .map_err(|e| api("ListResourceRecordSets", id, e.into_service_error()))?;
    Ok(got
        .resource_record_sets()
        .iter()
        .find(|r| {
            r.r#type() == &aws_sdk_route53::types::RrType::Ns
                && normalize_domain(r.name()) == normalize_domain(name)
        })
        .map(|r| {
            r.resource_records()
                .iter()
                .map(|v| v.value().to_string())
                .collect()
        })
        .unwrap_or_default())
}

impl DataSource for AwsRoute53Zone {
    const TYPE: &'static str = "aws_route53_zone";
    type Args = ZoneArgs;
    type Attrs = ZoneAttrs;

    async fn read(aws: &Aws, args: &ZoneArgs) -> Answer<ZoneAttrs> {
        if args.zone_id.is_some() && args.name.is_some() {
            return Err(ProviderError::InvalidConfig(format!(
                "data.{}: only one of zone_id or name may be set",
                Self::TYPE
            )));
        }
        let private = args.private_zone || args.vpc_id.is_some();
        let kind = if private {
            "private Route 53 hosted zone"
        } else {
            "public Route 53 hosted zone"
        };
        let mut known_tags = None;
        let zone_id = match &args.zone_id {
            Some(id) => clean_zone_id(id),
            None => {
                let zones: Vec<_> = aws
                    .route53
                    .list_hosted_zones()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(|e| api("ListHostedZones", "hosted zones", e.into_service_error()))?;
                let mut found = Vec::new();
                for zone in zones {
                    if let Some(name) = &args.name {
                        if normalize_domain(zone.name()) != normalize_domain(name) {
                            continue;
                        }
                    }
                    if zone.config().map(|c| c.private_zone()).unwrap_or(false) != private {
                        continue;
                    }
                    let id = clean_zone_id(zone.id());
                    if let Some(vpc) = &args.vpc_id {
                        let Some(details) = get_zone(aws, &id).await? else {
                            continue;
                        };
                        if !details
                            .vpcs()
                            .iter()
                            .any(|v| v.vpc_id() == Some(vpc.as_str()))
                        {
                            continue;
                        }
                    }
                    let mut tags = None;
                    if !args.tags.is_empty() {
                        let have = zone_tags(aws, &id).await?;
                        if !tags_match(&args.tags, &have) {
                            continue;
                        }
                        tags = Some(have);
                    }
                    found.push((id, tags));
                }
                let mut parts = vec![("name".to_string(), args.name.clone())];
                parts.push(("vpc_id".to_string(), args.vpc_id.clone()));
                parts.extend(tag_parts(&args.tags));
                let (id, tags) = one(found, kind, &describe(&parts), |z| z.0.clone())?;
                known_tags = tags;
                id
            }
        };
        let wanted = described(&[("zone_id", Some(zone_id.clone()))]);
        let Some(got) = get_zone(aws, &zone_id).await? else {
            return none("Route 53 hosted zone", &wanted);
        };
        let Some(zone) = got.hosted_zone() else {
            return none("Route 53 hosted zone", &wanted);
        };
        let is_private = zone.config().map(|c| c.private_zone()).unwrap_or(false);
        let mut name_servers: Vec<String> = got
            .delegation_set()
            .map(|d| d.name_servers().to_vec())
            .unwrap_or_default();
        if is_private {
            name_servers = private_name_servers(aws, &zone_id, zone.name()).await?;
        }
        let tags = match known_tags {
            Some(t) => t,
            None => zone_tags(aws, &zone_id).await?,
        };
        Ok(ZoneAttrs {
            arn: format!(
                "arn:{}:route53:::hostedzone/{zone_id}",
                super::partition_of(&aws.region).0
            ),
            id: zone_id.clone(),
            zone_id,
            name: normalize_domain(zone.name()),
            primary_name_server: name_servers.first().cloned(),
            name_servers,
            private_zone: is_private,
            comment: zone.config().and_then(|c| c.comment()).map(str::to_string),
            caller_reference: zone.caller_reference().to_string(),
            resource_record_set_count: zone.resource_record_set_count().unwrap_or_default(),
            linked_service_description: zone
                .linked_service()
                .and_then(|l| l.description())
                .map(str::to_string),
            linked_service_principal: zone
                .linked_service()
                .and_then(|l| l.service_principal())
                .map(str::to_string),
            tags: visible_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        })
    }
}

// ---------------------------------------------------------------------------------------
// aws_acm_certificate

/// One ACM certificate (ACM ListCertificates, DescribeCertificate): the one whose domain,
/// status, type, key type and tags match; with `most_recent`, the newest of several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateArgs {
    /// The certificate's domain name (its primary one, exactly), e.g. `example.com` or
    /// `*.example.com`. `domain`, `tags` or both must be given.
    #[serde(default)]
    pub domain: Option<String>,
    /// Only certificates in these statuses: `PENDING_VALIDATION`, `ISSUED`, `INACTIVE`,
    /// `EXPIRED`, `VALIDATION_TIMED_OUT`, `REVOKED`, `FAILED`.
    #[serde(default = "issued")]
    pub statuses: Vec<String>,
    /// Only certificates of these types: `AMAZON_ISSUED`, `PRIVATE`, `IMPORTED`.
    #[serde(default)]
    pub types: Vec<String>,
    /// Only certificates with these key algorithms, e.g. `RSA_2048`, `EC_prime256v1` (when
    /// empty, ACM lists `RSA_1024` and `RSA_2048` ones only).
    #[serde(default)]
    pub key_types: Vec<String>,
    /// Of several matches, take the newest (else several is an error).
    #[serde(default)]
    pub most_recent: bool,
    /// Only a certificate with all of these tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn issued() -> Vec<String> {
    vec!["ISSUED".to_string()]
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CertificateAttrs {
    /// The certificate's ARN.
    pub arn: String,
    /// The certificate's ARN.
    pub id: String,
    /// The certificate's domain name.
    pub domain: String,
    /// Its status, e.g. `ISSUED`.
    pub status: String,
    /// `AMAZON_ISSUED`, `PRIVATE` or `IMPORTED`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its key algorithm, e.g. `RSA_2048`.
    pub key_type: String,
    /// The PEM certificate, when it is `ISSUED`.
    pub certificate: Option<String>,
    /// The PEM chain of the certificate, when it is `ISSUED`.
    pub certificate_chain: Option<String>,
    /// The certificate's tags.
    pub tags: BTreeMap<String, String>,
}

pub struct AwsAcmCertificate;

/// What `most_recent` compares a certificate by: issued ones by `NotBefore`, others by
/// `CreatedAt` (as Terraform).
fn recency(c: &aws_sdk_acm::types::CertificateDetail) -> i64 {
    let issued = c.status() == Some(&aws_sdk_acm::types::CertificateStatus::Issued);
    let at = if issued {
        c.not_before()
    } else {
        c.created_at()
    };
    at.or(c.created_at())
        .or(c.imported_at())
        .map(|t| t.secs())
        .unwrap_or(i64::MIN)
}

async fn certificate_tags(aws: &Aws, arn: &str) -> Answer<BTreeMap<String, String>> {
    let got = aws
        .acm
        .list_tags_for_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| api("ListTagsForCertificate", arn, e.into_service_error()))?;
    Ok(got
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

impl DataSource for AwsAcmCertificate {
    const TYPE: &'static str = "aws_acm_certificate";
    type Args = CertificateArgs;
    type Attrs = CertificateAttrs;

    async fn read(aws: &Aws, args: &CertificateArgs) -> Answer<CertificateAttrs> {
        use aws_sdk_acm::types::{CertificateStatus, Filters, KeyAlgorithm};
        if args.domain.is_none() && args.tags.is_empty() {
            return Err(ProviderError::InvalidConfig(format!(
                "data.{}: set domain, tags or both",
                Self::TYPE
            )));
        }
        let statuses = if args.statuses.is_empty() {
            issued()
        } else {
            args.statuses.clone()
        };
        let mut call = aws.acm.list_certificates().set_certificate_statuses(Some(
            statuses
                .iter()
                .map(|s| CertificateStatus::from(s.as_str()))
                .collect(),
        ));
        if !args.key_types.is_empty() {
            call = call.includes(
                Filters::builder()
                    .set_key_types(Some(
                        args.key_types
                            .iter()
                            .map(|k| KeyAlgorithm::from(k.as_str()))
                            .collect(),
                    ))
                    .build(),
            );
        }
        let summaries: Vec<_> = call
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api("ListCertificates", "certificates", e.into_service_error()))?;
        let mut found = Vec::new();
        for s in summaries {
            let Some(arn) = s.certificate_arn() else {
                continue;
            };
            if let Some(domain) = &args.domain {
                if s.domain_name() != Some(domain.as_str()) {
                    continue;
                }
            }
            let detail = match aws
                .acm
                .describe_certificate()
                .certificate_arn(arn)
                .send()
                .await
            {
                Ok(d) => d,
                Err(e) => {
                    let e = e.into_service_error();
                    if is_not_found(code(&e)) {
                        continue; // deleted since it was listed
                    }
                    return Err(api("DescribeCertificate", arn, e));
                }
            };
            let Some(cert) = detail.certificate().cloned() else {
                continue;
            };
            let kind = cert
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default();
            if !args.types.is_empty() && !args.types.contains(&kind) {
                continue;
            }
            let tags = certificate_tags(aws, arn).await?;
            if !tags_match(&args.tags, &tags) {
                continue;
            }
            found.push((cert, tags));
        }
        let mut parts = vec![("domain".to_string(), args.domain.clone())];
        parts.push(("statuses".to_string(), Some(statuses.join(","))));
        if !args.types.is_empty() {
            parts.push(("types".to_string(), Some(args.types.join(","))));
        }
        if !args.key_types.is_empty() {
            parts.push(("key_types".to_string(), Some(args.key_types.join(","))));
        }
        parts.extend(tag_parts(&args.tags));
        let wanted = describe(&parts);
        let arn_of = |c: &(
            aws_sdk_acm::types::CertificateDetail,
            BTreeMap<String, String>,
        )| { c.0.certificate_arn().unwrap_or_default().to_string() };
        let (cert, tags) = if args.most_recent && found.len() > 1 {
            let status = found[0].0.status().cloned();
            if found.iter().any(|c| c.0.status().cloned() != status) {
                return Err(ProviderError::Lookup(format!(
                    "{} ACM certificates {wanted} in different statuses: most_recent compares \
                     certificates of one status only — narrow statuses",
                    found.len()
                )));
            }
            found.sort_by_key(|c| recency(&c.0));
            found.pop().expect("several")
        } else {
            one(found, "ACM certificate", &wanted, arn_of)?
        };
        let arn = cert.certificate_arn().unwrap_or_default().to_string();
        let status = cert
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let (mut certificate, mut certificate_chain) = (None, None);
        if cert.status() == Some(&CertificateStatus::Issued) {
            let got = aws
                .acm
                .get_certificate()
                .certificate_arn(&arn)
                .send()
                .await
                .map_err(|e| api("GetCertificate", &arn, e.into_service_error()))?;
            certificate = got.certificate().map(str::to_string);
            certificate_chain = got.certificate_chain().map(str::to_string);
        }
        Ok(CertificateAttrs {
            id: arn.clone(),
            arn,
            domain: cert.domain_name().unwrap_or_default().to_string(),
            status,
            kind: cert
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            key_type: cert
                .key_algorithm()
                .map(|k| k.as_str().to_string())
                .unwrap_or_default(),
            certificate,
            certificate_chain,
            tags: visible_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_compare_as_terraform_does() {
        assert_eq!(normalize_domain("Example.COM."), "example.com");
        assert_eq!(normalize_domain("\\052.example.com."), "*.example.com");
        assert_eq!(normalize_domain("."), ".");
        assert_eq!(clean_zone_id("/hostedzone/Z123"), "Z123");
    }

    #[test]
    fn timestamps_are_whole_seconds() {
        let t = DateTime::from_fractional_secs(1_700_000_000, 0.25);
        assert_eq!(rfc3339(&t).as_deref(), Some("2023-11-14T22:13:20Z"));
    }
}
