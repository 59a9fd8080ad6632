//! The contract one resource type implements: its facts, declared once (name, configuration
//! and outputs structs, import id, how an interrupted create is found, CloudFormation type,
//! replacement order), and its AWS calls over its typed configuration. What follows from the
//! facts comes as defaults: a find by unique name, an import by id, reads of a resource that
//! is gone as absent, deletes of one that is gone as done.

use std::collections::BTreeMap;
use std::future::Future;

use cairn_model::{
    ErrorKind, FoundBy, Observed, OpContext, ProviderError, ReadRequest, ResourceSchema, SchemaMeta,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::common;
use crate::Aws;

/// What AWS answered for a call, as `Result`.
pub type Answer<T> = Result<T, ProviderError>;

/// One resource type. Implemented by a unit struct in the type's module and listed once in
/// the registry (`for_each_type!` in `lib.rs`), from which the catalog, the provider's
/// dispatch, CloudFormation adoption's mapping and the docs derive.
pub trait Resource: Send + Sync + 'static {
    /// The type's name in stacks, e.g. `aws_vpc` (Terraform's name).
    const TYPE: &'static str;
    /// The configuration, as a stack writes it: the schema's inputs derive from it.
    type Config: Serialize + DeserializeOwned + JsonSchema + Send + Sync;
    /// What exists only after create (`id`, `arn`, ...): the schema's outputs.
    type Outputs: Serialize + JsonSchema;
    /// The facts not in the structs (import id, lookup, CloudFormation type, ...).
    const META: SchemaMeta;
    /// Import ids that show the format (`META.import_id`): ones an import refuses, and one
    /// in the format that names nothing. The conformance suite checks them for every type.
    const IMPORT_CHECKS: ImportChecks;

    /// The type's schema, derived from its structs and facts.
    fn schema() -> ResourceSchema {
        ResourceSchema::derive::<Self::Config, Self::Outputs>(Self::TYPE, Self::META)
    }

    /// What a read returns: the configuration AWS describes, normalised with the schema,
    /// and the outputs.
    fn observed(id: &str, config: &Self::Config, outputs: &Self::Outputs) -> Observed {
        match crate::shared_catalog().get(Self::TYPE) {
            Some(schema) => common::observed(schema, id, config, outputs),
            None => common::observed(&Self::schema(), id, config, outputs),
        }
    }

    /// Reads one resource: `None` when it is gone, and so is an answer that it was not
    /// found. Types whose API reads many at once implement [`Resource::read`] instead.
    fn read_one(
        aws: &Aws,
        request: &ReadRequest,
    ) -> impl Future<Output = Answer<Option<Observed>>> + Send {
        async move {
            let found = Self::read(aws, std::slice::from_ref(request)).await?;
            Ok(common::only(&request.id, found))
        }
    }

    /// Reads many resources, each requested id to what exists or `None`: by default each
    /// with [`Resource::read_one`], all at once.
    fn read(
        aws: &Aws,
        requests: &[ReadRequest],
    ) -> impl Future<Output = Answer<BTreeMap<String, Option<Observed>>>> + Send {
        common::read_each(requests, move |r| absent_if_gone(Self::read_one(aws, r)))
    }

    /// Creates the resource and waits until it is usable.
    fn create(
        aws: &Aws,
        config: &Self::Config,
        ctx: &OpContext,
    ) -> impl Future<Output = Answer<Observed>> + Send;

    /// Changes the resource in place from `old` (its last applied configuration, in
    /// `prior`) to `new`.
    fn update(
        aws: &Aws,
        prior: &Observed,
        old: &Self::Config,
        new: &Self::Config,
        ctx: &OpContext,
    ) -> impl Future<Output = Answer<Observed>> + Send;

    /// Deletes the resource and waits until it is gone. An answer that it was not found
    /// counts as done (see [`delete`]).
    fn delete(
        aws: &Aws,
        prior: &Observed,
        ctx: &OpContext,
    ) -> impl Future<Output = Answer<()>> + Send;

    /// What an interrupted create of `config` may have made, most surely its first. By
    /// default, for a type found by a unique name that is its id (`FoundBy::Key` of one
    /// attribute): the resource of that id, if any. Types found otherwise implement it.
    fn find(
        aws: &Aws,
        config: &Self::Config,
        ctx: &OpContext,
    ) -> impl Future<Output = Answer<Vec<Observed>>> + Send {
        let _ = ctx;
        async move {
            let FoundBy::Key([key]) = Self::META.found_by else {
                return Err(ProviderError::InvalidConfig(format!(
                    "{} declares no lookup for an interrupted create",
                    Self::TYPE
                )));
            };
            let json = serde_json::to_value(config).unwrap_or_default();
            let id = json.get(*key).and_then(|v| v.as_str()).unwrap_or_default();
            let ids = if id.is_empty() {
                vec![]
            } else {
                vec![id.to_string()]
            };
            common::read_found(ids, config, |r| async move { Self::read(aws, &r).await }).await
        }
    }

    /// Refuses an import id not in the type's format (`META.import_id`). By default the id
    /// is a name or ARN: not empty, no white space.
    fn check_import_id(import_id: &str) -> Answer<()> {
        common::expect_name(Self::TYPE, import_id, Self::META.import_id)
    }

    /// What the import id names, read as a read after its create would show it; `None`
    /// when it names nothing. By default the import id is the resource's id.
    fn import(aws: &Aws, import_id: &str) -> impl Future<Output = Answer<Option<Observed>>> + Send {
        async move {
            Self::check_import_id(import_id)?;
            common::import_read(import_id, |r| async move { Self::read(aws, &r).await }).await
        }
    }

    /// The import ids that name `o`, in the documented format first, then the other forms
    /// [`Resource::import`] accepts. By default its id.
    fn import_ids(o: &Observed) -> Vec<String> {
        vec![o.id.clone()]
    }
}

/// Import ids that show a type's import id format (see [`Resource::IMPORT_CHECKS`]).
#[derive(Clone, Copy, Debug)]
pub struct ImportChecks {
    /// Not in the format: an import refuses each, saying what the format is.
    pub malformed: &'static [&'static str],
    /// In the format, naming nothing that exists in a fresh account: an import finds
    /// nothing. `None` where AWS (or moto) cannot answer for such an id.
    pub absent: Option<&'static str>,
}

/// `read` as `None` when AWS answers that the resource is not found.
pub async fn absent_if_gone(
    read: impl Future<Output = Answer<Option<Observed>>>,
) -> Answer<Option<Observed>> {
    match read.await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        other => other,
    }
}

/// Parses `config` as `R`'s configuration.
fn config_of<R: Resource>(config: &serde_json::Value) -> Answer<R::Config> {
    common::parse(R::TYPE, config)
}

/// `R::create` of a configuration the engine resolved.
pub async fn create<R: Resource>(
    aws: &Aws,
    config: &serde_json::Value,
    ctx: &OpContext,
) -> Answer<Observed> {
    R::create(aws, &config_of::<R>(config)?, ctx).await
}

/// `R::update` from what `prior` was last applied with to `config`.
pub async fn update<R: Resource>(
    aws: &Aws,
    prior: &Observed,
    config: &serde_json::Value,
    ctx: &OpContext,
) -> Answer<Observed> {
    let old = config_of::<R>(&prior.inputs)?;
    let new = config_of::<R>(config)?;
    R::update(aws, prior, &old, &new, ctx).await
}

/// `R::delete`, with "not found" as done: what is gone need not be deleted.
pub async fn delete<R: Resource>(aws: &Aws, prior: &Observed, ctx: &OpContext) -> Answer<()> {
    match R::delete(aws, prior, ctx).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// `R::find` for a configuration the engine resolved.
pub async fn find<R: Resource>(
    aws: &Aws,
    config: &serde_json::Value,
    ctx: &OpContext,
) -> Answer<Vec<Observed>> {
    R::find(aws, &config_of::<R>(config)?, ctx).await
}

/// `R::read`.
pub async fn read<R: Resource>(
    aws: &Aws,
    requests: &[ReadRequest],
) -> Answer<BTreeMap<String, Option<Observed>>> {
    R::read(aws, requests).await
}

/// `R::import`.
pub async fn import<R: Resource>(aws: &Aws, import_id: &str) -> Answer<Option<Observed>> {
    R::import(aws, import_id).await
}
