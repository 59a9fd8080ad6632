//! The provider of a stack: one AWS provider per provider configuration — `[provider.aws]`
//! and each `[provider.aws.<alias>]` (another region, profile or assumed role) — with each
//! call sent to the configuration of the resource it is for (`OpContext::provider`, or the
//! alias a batched read or an import names).

use std::collections::{BTreeMap, BTreeSet};

use cairn_engine::{Observed, OpContext, OwnedResource, Provider, ProviderError, ReadRequest};
use cairn_model::Catalog;
use cairn_providers::{AwsProvider, AwsSettings};
use cairn_stacks::ProviderSettings;

/// Every provider configuration of a stack.
pub struct Providers {
    default: AwsProvider,
    aliases: BTreeMap<String, AwsProvider>,
}

impl Providers {
    /// Providers for `settings` and its aliases; `artifacts` is where Lambda code zips are.
    pub async fn new(settings: &ProviderSettings, artifacts: std::path::PathBuf) -> Providers {
        let aws = |s: &ProviderSettings| AwsSettings {
            region: s.region.clone(),
            endpoint: s.endpoint.clone(),
            profile: s.profile.clone(),
            assume_role: s.assume_role.as_ref().map(|r| cairn_providers::AssumeRole {
                role_arn: r.role_arn.clone(),
                session_name: r.session_name.clone(),
                external_id: r.external_id.clone(),
            }),
            artifacts: Some(artifacts.clone()),
        };
        let mut aliases = BTreeMap::new();
        for (alias, s) in &settings.aliases {
            aliases.insert(alias.clone(), AwsProvider::new(aws(s)).await);
        }
        Providers {
            default: AwsProvider::new(aws(settings)).await,
            aliases,
        }
    }

    fn of(&self, alias: Option<&str>) -> Result<&AwsProvider, ProviderError> {
        match alias {
            None => Ok(&self.default),
            Some(a) => self.aliases.get(a).ok_or_else(|| {
                ProviderError::InvalidConfig(format!(
                    "the provider aws.{a} is not declared: declare [provider.aws.{a}] again to reach what was made with it"
                ))
            }),
        }
    }
}

#[async_trait::async_trait]
impl Provider for Providers {
    fn catalog(&self) -> &Catalog {
        self.default.catalog()
    }

    async fn read(
        &self,
        rtype: &str,
        requests: &[ReadRequest],
    ) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
        self.default.read(rtype, requests).await
    }

    async fn read_in(
        &self,
        rtype: &str,
        requests: &[ReadRequest],
        provider: Option<&str>,
    ) -> Result<BTreeMap<String, Option<Observed>>, ProviderError> {
        self.of(provider)?.read(rtype, requests).await
    }

    async fn import_in(
        &self,
        rtype: &str,
        import_id: &str,
        provider: Option<&str>,
    ) -> Result<Option<Observed>, ProviderError> {
        self.of(provider)?.import(rtype, import_id).await
    }

    async fn create(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        self.of(ctx.provider.as_deref())?
            .create(rtype, config, ctx)
            .await
    }

    async fn update(
        &self,
        rtype: &str,
        prior: &Observed,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Observed, ProviderError> {
        self.of(ctx.provider.as_deref())?
            .update(rtype, prior, config, ctx)
            .await
    }

    async fn delete(
        &self,
        rtype: &str,
        prior: &Observed,
        ctx: &OpContext,
    ) -> Result<(), ProviderError> {
        self.of(ctx.provider.as_deref())?
            .delete(rtype, prior, ctx)
            .await
    }

    async fn find(
        &self,
        rtype: &str,
        config: &serde_json::Value,
        ctx: &OpContext,
    ) -> Result<Vec<Observed>, ProviderError> {
        self.of(ctx.provider.as_deref())?
            .find(rtype, config, ctx)
            .await
    }

    async fn import(
        &self,
        rtype: &str,
        import_id: &str,
    ) -> Result<Option<Observed>, ProviderError> {
        self.default.import(rtype, import_id).await
    }

    async fn read_data(
        &self,
        dtype: &str,
        args: &serde_json::Value,
    ) -> Result<serde_json::Value, ProviderError> {
        self.default.read_data(dtype, args).await
    }

    async fn read_data_in(
        &self,
        dtype: &str,
        args: &serde_json::Value,
        provider: Option<&str>,
    ) -> Result<serde_json::Value, ProviderError> {
        self.of(provider)?.read_data(dtype, args).await
    }

    /// What carries the stack's ownership tag, in every configuration's region and account.
    async fn owned(&self, stack: &str) -> Result<Vec<OwnedResource>, ProviderError> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for p in std::iter::once(&self.default).chain(self.aliases.values()) {
            for o in p.owned(stack).await? {
                if seen.insert(o.arn.clone()) {
                    out.push(o);
                }
            }
        }
        Ok(out)
    }
}
