//! The contract one data source implements — `[data.<type>.<name>]`, read while planning,
//! never written to AWS — and the registry of data sources (`for_each_data!`), from which
//! the catalog's data schemas and the dispatch of `Provider::read_data` derive.

pub mod account;
pub mod ec2;
pub mod iam;
pub mod lookups;
pub mod services;

use cairn_model::{ProviderError, ResourceSchema, SchemaMeta};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::resource::Answer;
use crate::Aws;

/// One data source. Implemented by a unit struct in its module and listed once in
/// `for_each_data!`.
pub trait DataSource: Send + Sync + 'static {
    /// Its name in stacks (Terraform's), e.g. `aws_vpc` for `[data.aws_vpc.NAME]`.
    const TYPE: &'static str;
    /// Its arguments, as a stack writes them (the schema's inputs; its doc comment is the
    /// data source's description).
    type Args: DeserializeOwned + JsonSchema + Send + Sync;
    /// What it reads (the schema's outputs).
    type Attrs: Serialize + JsonSchema;

    /// The data source's schema, derived from its structs.
    fn schema() -> ResourceSchema {
        ResourceSchema::derive::<Self::Args, Self::Attrs>(Self::TYPE, SchemaMeta::DEFAULT)
    }

    /// Reads what the arguments name. Finding nothing, or several where one is named, is
    /// `ProviderError::Lookup` saying what was looked for (see [`one`]).
    fn read(
        aws: &Aws,
        args: &Self::Args,
    ) -> impl std::future::Future<Output = Answer<Self::Attrs>> + Send;
}

/// Reads data source `D` from JSON arguments: parsed, read, serialised.
pub async fn read<D: DataSource>(aws: &Aws, args: &serde_json::Value) -> Answer<serde_json::Value> {
    let parsed: D::Args = serde_json::from_value(args.clone())
        .map_err(|e| ProviderError::InvalidConfig(format!("data.{}: {e}", D::TYPE)))?;
    let attrs = D::read(aws, &parsed).await?;
    serde_json::to_value(attrs).map_err(|e| ProviderError::Api(format!("data.{}: {e}", D::TYPE)))
}

/// The single item of `found`, for a data source that names one thing: finding none or
/// several is a `Lookup` error naming what (`what`, e.g. "VPC") was looked for (`wanted`,
/// e.g. `with tag Name = "main"`) and, for several, what was found (`label` of each).
pub fn one<T>(found: Vec<T>, what: &str, wanted: &str, label: impl Fn(&T) -> String) -> Answer<T> {
    let mut found = found;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ProviderError::Lookup(format!("no {what} {wanted}"))),
        n => {
            let labels: Vec<String> = found.iter().take(5).map(label).collect();
            let more = if n > 5 { ", …" } else { "" };
            Err(ProviderError::Lookup(format!(
                "{n} {what}s {wanted} ({}{more}): the data source names one — narrow its arguments",
                labels.join(", ")
            )))
        }
    }
}

/// `key = value, key = value` of the arguments a lookup used, for its messages.
pub fn described(parts: &[(&str, Option<String>)]) -> String {
    let said: Vec<String> = parts
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {v:?}")))
        .collect();
    if said.is_empty() {
        "at all".to_string()
    } else {
        format!("with {}", said.join(", "))
    }
}

/// The partition of a region (for ARNs) and its DNS suffix.
pub(crate) fn partition_of(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else if region.starts_with("us-iso-") {
        ("aws-iso", "c2s.ic.gov")
    } else if region.starts_with("us-isob-") {
        ("aws-iso-b", "sc2s.sgov.gov")
    } else {
        ("aws", "amazonaws.com")
    }
}

/// The registry: every data source's struct, once.
macro_rules! for_each_data {
    ($callback:ident ! $args:tt) => {
        $callback! { $args
        account::AwsCallerIdentity,
        account::AwsRegion,
        account::AwsPartition,
        ec2::AwsAvailabilityZones,
        ec2::AwsVpc,
        ec2::AwsSubnets,
        ec2::AwsSecurityGroup,
        services::AwsLb,
        services::AwsIamRole,
        services::AwsEcrRepository,
        services::AwsKmsAlias,
        iam::AwsIamPolicyDocument,
        lookups::AwsSsmParameter,
        lookups::AwsSecretsmanagerSecretVersion,
        lookups::AwsRoute53Zone,
        lookups::AwsAcmCertificate,
            }
    };
}

macro_rules! data_schemas_of {
    (($catalog:expr) $($($m:ident)::+),+ $(,)?) => {
        {
            $( $catalog.insert_data(<$($m)::+ as DataSource>::schema()); )+
        }
    };
}

/// Adds every data source's schema to `catalog`.
pub fn add_schemas(catalog: &mut cairn_model::Catalog) {
    for_each_data!(data_schemas_of!(catalog))
}

macro_rules! read_data_of {
    (($dtype:expr, $aws:expr, $args:expr) $($($m:ident)::+),+ $(,)?) => {
        match $dtype {
            $( t if t == <$($m)::+ as DataSource>::TYPE => read::<$($m)::+>($aws, $args).await, )+
            other => Err(ProviderError::UnknownType(format!("data.{other}"))),
        }
    };
}

/// Reads the data source `dtype` with `args`.
pub async fn read_data(
    aws: &Aws,
    dtype: &str,
    args: &serde_json::Value,
) -> Answer<serde_json::Value> {
    for_each_data!(read_data_of!(dtype, aws, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_of("us-east-1"), ("aws", "amazonaws.com"));
        assert_eq!(partition_of("cn-north-1"), ("aws-cn", "amazonaws.com.cn"));
        assert_eq!(partition_of("us-gov-west-1").0, "aws-us-gov");
    }
}
