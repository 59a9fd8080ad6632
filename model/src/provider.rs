//! The provider contract: what the engine needs from a cloud to refresh, create, update and
//! delete resources. `cairn-providers` implements it over AWS; tests use an in-memory one.

use std::collections::BTreeMap;

use crate::Catalog;
use async_trait::async_trait;

/// What exists in the cloud for one resource, as the provider reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The resource's id in the cloud (VPC id, bucket name, ...).
    pub id: String,
    /// Configuration-shaped view of the input attributes, normalised with the type's schema
    /// (defaults filled in, sets sorted, documents canonical): for a resource created from a
    /// configuration and not changed since, equal to that normalised configuration.
    pub inputs: serde_json::Value,
    /// Output attributes (`id`, `arn`, ...), a JSON object.
    pub outputs: serde_json::Value,
}

/// One resource to read: its id and, for types whose id alone does not identify what to
/// read (e.g. a security group rule), the inputs last applied.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRequest {
    pub id: String,
    pub prior_inputs: serde_json::Value,
}

/// Facts about the operation in progress, for the provider to use or pass on.
#[derive(Clone, Default)]
pub struct OpContext {
    /// Address of the resource, for messages and ownership tags.
    pub address: String,
    /// The stack that owns the resource, for ownership tags (`cairn:stack`).
    pub stack: Option<String>,
    /// Unique token of this operation: passed to AWS as an idempotency token where the API
    /// takes one, and as a tag where the resource has tags.
    pub token: String,
    /// Progress callback for long waits (load balancer provisioning, ...).
    pub progress: Option<std::sync::Arc<dyn Fn(String) + Send + Sync>>,
    /// The alias of the provider configuration to run with (`None`: the default one), for
    /// a provider made of several (regions, accounts).
    pub provider: Option<String>,
}

impl OpContext {
    pub fn report(&self, message: impl Into<String>) {
        if let Some(p) = &self.progress {
            p(message.into());
        }
    }
}

impl std::fmt::Debug for OpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpContext")
            .field("address", &self.address)
            .field("stack", &self.stack)
            .field("token", &self.token)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// What kind of failure an AWS answer (or the lack of one) is: for the binary to word it,
/// and to tell failures of one resource from failures of the whole environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The resource (or something it names) does not exist.
    NotFound,
    /// Too many requests, still so after every retry.
    Throttled,
    /// The credentials are valid but not allowed to do this.
    Denied,
    /// AWS refused the request's values.
    Invalid,
    /// The resource's current state forbids it (in use, already exists, being changed).
    Conflict,
    /// No credentials, or credentials AWS does not accept.
    Credentials,
    /// The credentials' session token has expired.
    Expired,
    /// AWS (or the endpoint) could not be reached.
    Unreachable,
    Other,
}

impl ErrorKind {
    /// Whether the failure is the environment's (credentials, network), the same for every
    /// resource, rather than one resource's.
    pub fn is_environment(self) -> bool {
        matches!(
            self,
            ErrorKind::Credentials | ErrorKind::Expired | ErrorKind::Unreachable
        )
    }
}

/// A failed AWS call, as AWS answered it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The API operation, e.g. `CreateVpc`.
    pub operation: String,
    /// What it was called for: the resource's id, name or address.
    pub resource: String,
    /// AWS's error code, e.g. `InvalidSubnet.Range`; `None` when no answer came.
    pub code: Option<String>,
    /// AWS's message, or what went wrong before an answer, in one line.
    pub message: String,
    /// The id AWS gave the request, for AWS support; `None` when no answer came.
    pub request_id: Option<String>,
    pub kind: ErrorKind,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: ", self.operation, self.resource)?;
        match &self.code {
            Some(code) if self.message.is_empty() => write!(f, "{code}"),
            Some(code) => write!(f, "{code}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// Why a provider operation failed.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum ProviderError {
    #[error("unknown resource type `{0}`")]
    UnknownType(String),
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A failure described by the provider in words (an answer that makes no sense, a
    /// resource left in a failed state).
    #[error("{0}")]
    Api(String),
    /// A failed AWS call, with AWS's code and request id.
    #[error("{0}")]
    Aws(Box<ApiError>),
    #[error("timed out: {0}")]
    Timeout(String),
    /// A data source found nothing, or several where it names one: what it looked for.
    #[error("{0}")]
    Lookup(String),
}

impl ProviderError {
    /// The kind of failure, where AWS's answer (or its absence) tells it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ProviderError::Aws(e) => e.kind,
            ProviderError::InvalidConfig(_) => ErrorKind::Invalid,
            _ => ErrorKind::Other,
        }
    }

    /// The failed AWS call, when there was one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ProviderError::Aws(e) => Some(e),
            _ => None,
        }
    }
}

/// A resource that carries a stack's ownership tag, as the cloud lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedResource {
    /// Its ARN (or id where the cloud has no ARN for it).
    pub arn: String,
    /// The address it was created for (its `cairn:address` tag), if it has one.
    pub address: Option<String>,
}

/// A cloud the engine can manage resources in.
///
/// Every call gets and returns JSON objects that are fully known: the engine resolves all
/// references before calling. Implementations retry throttling and transient errors
/// themselves; an error returned here is final for this operation.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The resource types this provider offers.
    fn catalog(&self) -> &Catalog;

    /// Reads many resources of one type at once, with as few calls as the API allows.
    /// The result maps each requested id to what exists, or `None` when it is gone.
    async fn read(
        &self,
        rtype: &str,
        requests: &[ReadRequest],
    ) -> Result<BTreeMap<String, Option<Observed>>, ProviderError>;

    /// [`Provider::read`] with the provider configuration `provider` (an alias; `None`: the
    /// default one). Providers of one configuration ignore it.
    async fn read_in(
        &self,
        rtype: &str,
        requests: &[ReadRequest],
        provider: Option<&str>,
    ) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
        let _ = provider;
        self.read(rtype, requests).await
    }

    /// [`Provider::import`] with the provider configuration `provider`.
    async fn import_in(
        &self,
        rtype: &str,
        import_id: &str,
        provider: Option<&str>,
    ) -> Result<Option<Observed>, ProviderError> {
        let _ = provider;
        self.import(rtype, import_id).await
    }

    /// Creates a resource from its normalised configuration and waits until it is usable.
    async fn create(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError>;

    /// Changes a resource in place from `prior` to `config`.
    async fn update(
        &self,
        rtype: &str,
        prior: &Observed,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError>;

    /// Deletes a resource and waits until it is gone. Deleting what is already gone succeeds.
    async fn delete(
        &self,
        rtype: &str,
        prior: &Observed,
        ctx: &OpContext,
    ) -> Result<(), ProviderError>;

    /// Finds what a create that may have been interrupted left behind: every existing
    /// resource of `rtype` that a create of `config` for `ctx.address` in `ctx.stack` could
    /// have made, found by ownership tags (`cairn:stack`, `cairn:address`, `cairn:token`),
    /// the resource's unique name, its natural key (e.g. a subnet's route table association)
    /// or the idempotency token `ctx.token` — never by the idempotency token alone, since
    /// some APIs ignore it. `config` is the normalised configuration the create was given.
    /// The engine leaves out what state already records; an empty list proves the create
    /// made nothing.
    async fn find(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Vec<Observed>, ProviderError>;

    /// Reads the existing resource that `import_id` names (its format per type is in the
    /// type's schema: `SchemaMeta::import_id`), to bring it under management: what exists, as
    /// `read` would show it after a create, or `None` when there is no such resource. The
    /// default reads `import_id` as the resource's own id with no prior inputs.
    async fn import(
        &self,
        rtype: &str,
        import_id: &str,
    ) -> Result<Option<Observed>, ProviderError> {
        let request = ReadRequest {
            id: import_id.to_string(),
            prior_inputs: serde_json::Value::Null,
        };
        let mut read = self.read(rtype, std::slice::from_ref(&request)).await?;
        Ok(read.remove(import_id).flatten())
    }

    /// Reads the data source `dtype` (`aws_vpc`, …) with its normalised arguments: its
    /// attributes, a JSON object. Finding nothing, or several where the data source names
    /// one, is an error (`ProviderError::Lookup`) that says what was looked for.
    async fn read_data(
        &self,
        dtype: &str,
        args: &serde_json::Value,
    ) -> Result<serde_json::Value, ProviderError> {
        let _ = args;
        Err(ProviderError::UnknownType(format!("data.{dtype}")))
    }

    /// [`Provider::read_data`] with the provider configuration `provider` (an alias).
    async fn read_data_in(
        &self,
        dtype: &str,
        args: &serde_json::Value,
        provider: Option<&str>,
    ) -> Result<serde_json::Value, ProviderError> {
        let _ = provider;
        self.read_data(dtype, args).await
    }

    /// Everything that carries `stack`'s ownership tag, in a few paged calls. Providers that
    /// do not tag return nothing.
    async fn owned(&self, stack: &str) -> Result<Vec<OwnedResource>, ProviderError> {
        let _ = stack;
        Ok(Vec::new())
    }
}
