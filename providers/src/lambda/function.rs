//! `aws_lambda_function`: a Lambda function with its configuration, tags and code: a zip the
//! cairn binary builds from `source` (see [`ARTIFACTS`]) or a container image.
//!
//! The code of a `Zip` function is named by `source_code_hash`, the base64 SHA-256 of the zip
//! (what Lambda reports as `CodeSha256`). The binary zips `source` deterministically before
//! planning, sets `source_code_hash` and leaves the zip in the artifact directory under a
//! name derived from that hash ([`artifact_path`]); create and update upload it from there.
//! A read reports Lambda's `CodeSha256` as `source_code_hash`, so a plan shows a change of
//! code exactly when the zip's bytes changed, and `source` (a path Lambda does not know) as
//! last applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment as SdkEnvironment, FunctionCode, LastUpdateStatus,
    PackageType as SdkPackageType, Runtime, State, TracingConfig as SdkTracingConfig,
    TracingMode as SdkTracingMode,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cairn_model::{FoundBy, Observed, OpContext, ProviderError, ReadRequest, SchemaMeta};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::{busy, BUSY_PATIENCE};
use crate::common::{
    api, claim, code, is_not_found, read_back, retry, tag_changes, visible_tags, wait_until, Claim,
};
use crate::resource::{Answer, ImportChecks, Resource};
use crate::Aws;

pub const TYPE: &str = "aws_lambda_function";

/// Where the binary leaves built zips, relative to the stack's directory.
pub const ARTIFACTS: &str = ".cairn/artifacts";

fn three() -> i32 {
    3
}

fn one_hundred_twenty_eight() -> i32 {
    128
}

fn x86_64() -> Vec<String> {
    vec!["x86_64".into()]
}

/// How the code is packaged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PackageType {
    /// A zip of the code (`source`), run by a managed `runtime`.
    #[default]
    Zip,
    /// A container image (`image_uri`).
    Image,
}

/// A Lambda function.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[schemars(extend("x-force-new" = true, "x-identifying" = true))]
    #[schemars(length(min = 1, max = 64), regex(pattern = r"^[A-Za-z0-9_-]+$"), extend("x-pattern-says" = "letters, digits, hyphens and underscores"))]
    pub function_name: String,
    /// The ARN of the IAM role the function runs as.
    pub role: String,
    /// `Zip` (code from `source`) or `Image` (code from `image_uri`).
    #[serde(default)]
    #[schemars(extend("x-force-new" = true))]
    pub package_type: PackageType,
    /// The function's entry point (`Zip`), e.g. `index.handler` or `bootstrap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// The runtime (`Zip`), e.g. `python3.12`, `nodejs20.x`, `provided.al2023`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// The container image (`Image`): an ECR image URI with a tag or digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
    /// The code (`Zip`): a directory or a file, relative to the stack's directory, that cairn
    /// zips (sorted entries, fixed timestamps, modes 0644 or 0755 for executables, so the same
    /// files give the same zip); a `.zip` file is taken as it is. Kept by cairn: Lambda does
    /// not know paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-not-in-aws" = true))]
    pub source: Option<String>,
    /// The base64 SHA-256 of the zip (Lambda's `CodeSha256`). cairn computes it from `source`
    /// before planning: a change of code shows as a change of this attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_code_hash: Option<String>,
    /// Seconds an invocation may run (1 to 900).
    #[serde(default = "three")]
    #[schemars(range(min = 1, max = 900))]
    pub timeout: i32,
    /// MB of memory (128 to 10240).
    #[serde(default = "one_hundred_twenty_eight")]
    #[schemars(range(min = 128, max = 10240))]
    pub memory_size: i32,
    /// `["x86_64"]` or `["arm64"]`.
    #[serde(default = "x86_64")]
    pub architectures: Vec<String>,
    /// Environment variables: `environment = { variables = { KEY = "value" } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Concurrent executions reserved for the function, and the most it runs at once (0
    /// stops it from running). Left out: it shares the account's unreserved pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<i32>,
    /// X-Ray tracing: `tracing_config = { mode = "Active" }` (or `PassThrough`, Lambda's
    /// default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_config: Option<Tracing>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `tracing_config = { mode = "Active" }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tracing {
    pub mode: TracingMode,
}

/// Whether Lambda samples and traces requests itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TracingMode {
    /// Traced when the caller's request is.
    PassThrough,
    /// Lambda samples and traces requests.
    Active,
}

impl TracingMode {
    fn sdk(self) -> SdkTracingConfig {
        let mode = match self {
            TracingMode::Active => SdkTracingMode::Active,
            TracingMode::PassThrough => SdkTracingMode::PassThrough,
        };
        SdkTracingConfig::builder().mode(mode).build()
    }
}

impl Config {
    /// The tracing mode, Lambda's default when the configuration has no block.
    fn tracing_mode(&self) -> TracingMode {
        self.tracing_config
            .as_ref()
            .map_or(TracingMode::PassThrough, |t| t.mode)
    }
}

/// `environment = { variables = { ... } }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Outputs {
    /// The function name.
    pub id: String,
    pub arn: String,
    /// The ARN API Gateway invokes the function by.
    pub invoke_arn: String,
    /// The ARN of the function's version (`<arn>:$LATEST`).
    pub qualified_arn: String,
    /// The version (`$LATEST`).
    pub version: String,
    pub last_modified: String,
    /// The SHA-256 of the deployed code (base64) as Lambda reports it, for zips and images.
    pub code_sha256: String,
}

/// The base64 SHA-256 of a zip: its `source_code_hash`, as Lambda computes `CodeSha256`.
pub fn code_sha256(zip: &[u8]) -> String {
    aws_smithy_types::base64::encode(sha2::Sha256::digest(zip))
}

/// Where the zip whose `source_code_hash` is `hash` lies in the artifact directory `dir`:
/// `<the SHA-256 in hex>.zip`. `None` for what is not a SHA-256 in base64.
pub fn artifact_path(dir: &Path, hash: &str) -> Option<PathBuf> {
    let digest = aws_smithy_types::base64::decode(hash).ok()?;
    if digest.len() != 32 {
        return None;
    }
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Some(dir.join(format!("{hex}.zip")))
}

/// The zip named by `hash`, from the artifact directory, checked against the hash.
fn artifact(aws: &Aws, name: &str, hash: &str) -> Result<Vec<u8>, ProviderError> {
    let Some(dir) = &aws.artifacts else {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {name}: no artifact directory to take the zip {hash} from (the cairn binary builds it from `source`)"
        )));
    };
    let path = artifact_path(dir, hash).ok_or_else(|| {
        ProviderError::InvalidConfig(format!(
            "{TYPE} {name}: source_code_hash `{hash}` is not a base64 SHA-256"
        ))
    })?;
    let bytes = std::fs::read(&path).map_err(|e| {
        ProviderError::InvalidConfig(format!(
            "{TYPE} {name}: cannot read the zip of its source ({}): {e}",
            path.display()
        ))
    })?;
    if code_sha256(&bytes) != hash {
        return Err(ProviderError::InvalidConfig(format!(
            "{TYPE} {name}: {} does not hash to source_code_hash {hash}: it changed since cairn built it",
            path.display()
        )));
    }
    Ok(bytes)
}

/// The ARN API Gateway invokes a function by.
fn invoke_arn(region: &str, function_arn: &str) -> String {
    let partition = function_arn.split(':').nth(1).unwrap_or("aws");
    format!("arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations")
}

async fn read_one(
    aws: &Aws,
    name: &str,
    prior: &serde_json::Value,
) -> Result<Option<Observed>, ProviderError> {
    let got = match aws.lambda.get_function().function_name(name).send().await {
        Ok(r) => r,
        Err(e) => {
            let e = e.into_service_error();
            if is_not_found(code(&e)) {
                return Ok(None);
            }
            return Err(api("GetFunction", name, e));
        }
    };
    let Some(f) = got.configuration() else {
        return Ok(None);
    };
    let package_type = match f.package_type() {
        Some(SdkPackageType::Image) => PackageType::Image,
        _ => PackageType::Zip,
    };
    let code_sha256 = f.code_sha256().unwrap_or_default().to_string();
    let variables: BTreeMap<String, String> = f
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    // No variables read as the configuration last said it: no block, or an empty one.
    let environment = if variables.is_empty() && prior.get("environment").is_none() {
        None
    } else {
        Some(Environment { variables })
    };
    let architectures: Vec<String> = f
        .architectures()
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    let config = Config {
        function_name: f.function_name().unwrap_or(name).to_string(),
        role: f.role().unwrap_or_default().to_string(),
        package_type,
        handler: f.handler().map(str::to_string),
        runtime: f.runtime().map(|r| r.as_str().to_string()),
        image_uri: got.code().and_then(|c| c.image_uri()).map(str::to_string),
        source: prior
            .get("source")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
        source_code_hash: (package_type == PackageType::Zip).then(|| code_sha256.clone()),
        timeout: f.timeout().unwrap_or(3),
        memory_size: f.memory_size().unwrap_or(128),
        architectures: if architectures.is_empty() {
            x86_64()
        } else {
            architectures
        },
        environment,
        description: f
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        reserved_concurrent_executions: got
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        // Lambda's default reads as the configuration last said it: no block, or one.
        tracing_config: match f.tracing_config().and_then(|t| t.mode()) {
            Some(SdkTracingMode::Active) => Some(Tracing {
                mode: TracingMode::Active,
            }),
            _ if prior.get("tracing_config").is_some_and(|t| !t.is_null()) => Some(Tracing {
                mode: TracingMode::PassThrough,
            }),
            _ => None,
        },
        tags: visible_tags(
            got.tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
    };
    let arn = f.function_arn().unwrap_or_default().to_string();
    let version = f.version().unwrap_or("$LATEST").to_string();
    let outputs = Outputs {
        id: name.to_string(),
        invoke_arn: invoke_arn(&aws.region, &arn),
        qualified_arn: format!("{arn}:{version}"),
        arn,
        version,
        last_modified: f.last_modified().unwrap_or_default().to_string(),
        code_sha256,
    };
    Ok(Some(AwsLambdaFunction::observed(name, &config, &outputs)))
}

/// How `cairn import` names one: the function name.
pub const IMPORT_ID: &str = "the function name";

/// Waits until the function is no longer being created or updated (Lambda applies both
/// asynchronously, and refuses further changes meanwhile); fails if that did not succeed.
async fn wait_ready(aws: &Aws, ctx: &OpContext, name: &str) -> Result<(), ProviderError> {
    wait_until(ctx, TYPE, name, "ready", BUSY_PATIENCE, || async {
        let f = aws
            .lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|e| api("GetFunctionConfiguration", name, e.into_service_error()))?;
        if f.state() == Some(&State::Failed) {
            return Err(ProviderError::Api(format!(
                "{TYPE} {name} failed: {}",
                f.state_reason().unwrap_or("no reason given")
            )));
        }
        if f.last_update_status() == Some(&LastUpdateStatus::Failed) {
            return Err(ProviderError::Api(format!(
                "{TYPE} {name}: its update failed: {}",
                f.last_update_status_reason().unwrap_or("no reason given")
            )));
        }
        Ok(f.state() != Some(&State::Pending)
            && f.last_update_status() != Some(&LastUpdateStatus::InProgress))
    })
    .await
}

/// Whether CreateFunction (or a configuration update) failed because the role is not yet
/// usable by Lambda: a fresh IAM role takes a few seconds to be assumable.
fn role_not_ready<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("InvalidParameterValueException")
        && e.message().is_some_and(|m| {
            m.contains("cannot be assumed")
                || m.contains("execution role does not have permissions")
        })
}

/// How long calls wait for a fresh role to be assumable.
const ROLE_PATIENCE: Duration = Duration::from_secs(120);

fn sdk_environment(env: &Option<Environment>) -> SdkEnvironment {
    SdkEnvironment::builder()
        .set_variables(Some(
            env.as_ref()
                .map(|e| e.variables.clone().into_iter().collect())
                .unwrap_or_default(),
        ))
        .build()
}

fn sdk_architectures(c: &Config) -> Vec<Architecture> {
    c.architectures
        .iter()
        .map(|a| Architecture::from(a.as_str()))
        .collect()
}

/// The code to upload for `c`: the zip named by its `source_code_hash`, or its image.
fn package(aws: &Aws, c: &Config) -> Result<FunctionCode, ProviderError> {
    let name = &c.function_name;
    match c.package_type {
        PackageType::Zip => {
            let Some(hash) = &c.source_code_hash else {
                return Err(ProviderError::InvalidConfig(format!(
                    "{TYPE} {name}: a Zip function needs `source` (cairn zips it and sets source_code_hash)"
                )));
            };
            Ok(FunctionCode::builder()
                .zip_file(Blob::new(artifact(aws, name, hash)?))
                .build())
        }
        PackageType::Image => match &c.image_uri {
            Some(uri) => Ok(FunctionCode::builder().image_uri(uri).build()),
            None => Err(ProviderError::InvalidConfig(format!(
                "{TYPE} {name}: an Image function needs `image_uri`"
            ))),
        },
    }
}

/// Reserves `n` concurrent executions for the function, or none (back to the shared pool).
async fn set_concurrency(aws: &Aws, name: &str, n: Option<i32>) -> Result<(), ProviderError> {
    match n {
        Some(n) => aws
            .lambda
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(n)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("PutFunctionConcurrency", name, e.into_service_error())),
        None => aws
            .lambda
            .delete_function_concurrency()
            .function_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| api("DeleteFunctionConcurrency", name, e.into_service_error())),
    }
}

/// Whether the function `name` carries the token of the create `ctx`.
async fn made_by(aws: &Aws, name: &str, ctx: &OpContext) -> Result<bool, ProviderError> {
    let got = match aws.lambda.get_function().function_name(name).send().await {
        Ok(r) => r,
        Err(e) => return Err(api("GetFunction", name, e.into_service_error())),
    };
    let tags = got.tags().into_iter().flatten();
    Ok(claim(tags.map(|(k, v)| (k.as_str(), v.as_str())), ctx) == Some(Claim::Token))
}

/// The `aws_lambda_function` resource type.
pub struct AwsLambdaFunction;

impl Resource for AwsLambdaFunction {
    const TYPE: &'static str = TYPE;
    type Config = Config;
    type Outputs = Outputs;
    const META: SchemaMeta = SchemaMeta {
        found_by: FoundBy::Key(&["function_name"]),
        cloudformation: "AWS::Lambda::Function",
        import_id: IMPORT_ID,
        ..SchemaMeta::DEFAULT
    };
    const IMPORT_CHECKS: ImportChecks = ImportChecks {
        malformed: &["", "my function"],
        absent: Some("absent"),
    };

    /// Lambda has no batch read of functions by name: one GetFunction (configuration, code
    /// and tags) per function, in parallel.
    async fn read_one(aws: &Aws, request: &ReadRequest) -> Answer<Option<Observed>> {
        read_one(aws, &request.id, &request.prior_inputs).await
    }

    /// By its name. `source` reads as not set (Lambda does not know paths): the next plan
    /// shows it added, and an update of the code only if the zip of `source` differs.
    async fn import(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
        crate::common::expect_name(TYPE, import_id, IMPORT_ID)?;
        read_one(aws, import_id, &serde_json::Value::Null).await
    }

    async fn create(aws: &Aws, c: &Config, ctx: &OpContext) -> Answer<Observed> {
        let name = &c.function_name;
        let function_code = package(aws, c)?;
        let package_type = match c.package_type {
            PackageType::Zip => SdkPackageType::Zip,
            PackageType::Image => SdkPackageType::Image,
        };
        let created = retry(ROLE_PATIENCE, role_not_ready, || async {
            aws.lambda
                .create_function()
                .function_name(name)
                .role(&c.role)
                .package_type(package_type.clone())
                .code(function_code.clone())
                .set_handler(c.handler.clone())
                .set_runtime(c.runtime.as_deref().map(Runtime::from))
                .timeout(c.timeout)
                .memory_size(c.memory_size)
                .set_architectures(Some(sdk_architectures(c)))
                .set_environment(
                    c.environment
                        .as_ref()
                        .map(|_| sdk_environment(&c.environment)),
                )
                .set_description(c.description.clone())
                .set_tracing_config(c.tracing_config.as_ref().map(|t| t.mode.sdk()))
                .set_tags((!c.tags.is_empty()).then(|| c.tags.clone().into_iter().collect()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error())
        })
        .await;
        if let Err(e) = created {
            // A create whose answer was lost and that the SDK sent again finds its own function.
            if !(code(&e) == Some("ResourceConflictException") && made_by(aws, name, ctx).await?) {
                return Err(api("CreateFunction", name, e));
            }
        }
        wait_ready(aws, ctx, name).await?;
        if c.reserved_concurrent_executions.is_some() {
            set_concurrency(aws, name, c.reserved_concurrent_executions).await?;
        }
        let config = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    async fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Config,
        new: &Config,
        ctx: &OpContext,
    ) -> Answer<Observed> {
        let name = &prior.id;
        let configuration = |c: &Config| {
            (
                c.role.clone(),
                c.handler.clone(),
                c.runtime.clone(),
                c.timeout,
                c.memory_size,
                c.environment
                    .as_ref()
                    .map(|e| e.variables.clone())
                    .unwrap_or_default(),
                c.description.clone().unwrap_or_default(),
                c.tracing_mode(),
            )
        };
        if configuration(old) != configuration(new) {
            wait_ready(aws, ctx, name).await?;
            retry(
                ROLE_PATIENCE.max(BUSY_PATIENCE),
                |e: &aws_sdk_lambda::operation::update_function_configuration::UpdateFunctionConfigurationError| {
                    role_not_ready(e) || busy(e)
                },
                || async {
                    aws.lambda
                        .update_function_configuration()
                        .function_name(name)
                        .role(&new.role)
                        .set_handler(new.handler.clone())
                        .set_runtime(new.runtime.as_deref().map(Runtime::from))
                        .timeout(new.timeout)
                        .memory_size(new.memory_size)
                        .environment(sdk_environment(&new.environment))
                        .description(new.description.clone().unwrap_or_default())
                        .tracing_config(new.tracing_mode().sdk())
                        .send()
                        .await
                        .map_err(|e| e.into_service_error())
                },
            )
            .await
            .map_err(|e| api("UpdateFunctionConfiguration", name, e))?;
            wait_ready(aws, ctx, name).await?;
        }
        // Code the configuration leaves out (an imported function without `source`) stays.
        let code_changed = match new.package_type {
            PackageType::Zip => {
                new.source_code_hash.is_some() && old.source_code_hash != new.source_code_hash
            }
            PackageType::Image => new.image_uri.is_some() && old.image_uri != new.image_uri,
        };
        if code_changed || old.architectures != new.architectures {
            let function_code = package(aws, new)?;
            wait_ready(aws, ctx, name).await?;
            retry(
                BUSY_PATIENCE,
                |e: &aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeError| {
                    busy(e)
                },
                || async {
                    aws.lambda
                        .update_function_code()
                        .function_name(name)
                        .set_zip_file(function_code.zip_file().cloned())
                        .set_image_uri(function_code.image_uri().map(str::to_string))
                        .set_architectures(Some(sdk_architectures(new)))
                        .send()
                        .await
                        .map_err(|e| e.into_service_error())
                },
            )
            .await
            .map_err(|e| api("UpdateFunctionCode", name, e))?;
            wait_ready(aws, ctx, name).await?;
        }
        if old.reserved_concurrent_executions != new.reserved_concurrent_executions {
            set_concurrency(aws, name, new.reserved_concurrent_executions).await?;
        }
        let arn = prior
            .outputs
            .get("arn")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(name);
        let (removed, set) = tag_changes(&old.tags, &new.tags);
        if !removed.is_empty() {
            aws.lambda
                .untag_resource()
                .resource(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| api("UntagResource", name, e.into_service_error()))?;
        }
        if !set.is_empty() {
            aws.lambda
                .tag_resource()
                .resource(arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| api("TagResource", name, e.into_service_error()))?;
        }
        let config = serde_json::to_value(new).unwrap_or(serde_json::Value::Null);
        read_back(TYPE, name, || read_one(aws, name, &config)).await
    }

    async fn delete(aws: &Aws, prior: &Observed, _ctx: &OpContext) -> Answer<()> {
        let name = &prior.id;
        retry(
            BUSY_PATIENCE,
            |e: &aws_sdk_lambda::operation::delete_function::DeleteFunctionError| busy(e),
            || async {
                aws.lambda
                    .delete_function()
                    .function_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error())
            },
        )
        .await
        .map_err(|e| api("DeleteFunction", name, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_are_named_by_the_hash_in_hex() {
        let hash = code_sha256(b"zip bytes");
        assert_eq!(hash.len(), 44);
        let path = artifact_path(Path::new("/a"), &hash).expect("a SHA-256");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert_eq!(name.len(), 64 + 4, "{name}");
        assert!(name.ends_with(".zip") && name.chars().take(64).all(|c| c.is_ascii_hexdigit()));
        assert_eq!(path.parent(), Some(Path::new("/a")));
        assert_eq!(artifact_path(Path::new("/a"), "../../etc/passwd"), None);
        assert_eq!(artifact_path(Path::new("/a"), "YWJj"), None);
    }

    #[test]
    fn invoke_arns_name_the_function() {
        assert_eq!(
            invoke_arn("eu-west-1", "arn:aws:lambda:eu-west-1:123456789012:function:f"),
            "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:f/invocations"
        );
    }
}
