//! API Gateway v2 resource types (HTTP and WebSocket APIs, their stages, integrations and
//! routes, custom domain names and their API mappings) and what they share: the API a child
//! resource belongs to, ARNs, tags.

pub mod api;
pub mod api_mapping;
pub mod domain_name;
pub mod integration;
pub mod route;
pub mod stage;

use std::collections::{BTreeMap, HashMap};

use cairn_model::{Observed, ProviderError, ReadRequest};

use crate::common::malformed;

/// The API a stage, integration or route belongs to: its `api_id` among the inputs last
/// applied (ids of those are unique only within their API).
fn api_of(rtype: &str, id: &str, prior: &serde_json::Value) -> Result<String, ProviderError> {
    prior
        .get("api_id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ProviderError::InvalidConfig(format!(
                "{rtype} {id}: the recorded inputs name no api_id to read it from"
            ))
        })
}

/// The import id of a stage, integration or route: `API_ID/CHILD`, what `split_import`
/// takes apart.
fn child_import_ids(o: &cairn_model::Observed) -> Vec<String> {
    let api_id = o.inputs["api_id"].as_str().unwrap_or_default();
    vec![format!("{api_id}/{}", o.id)]
}

/// `API_ID/CHILD` (Terraform's import format of stages, integrations and routes).
fn split_import<'a>(
    rtype: &str,
    import_id: &'a str,
    format: &str,
) -> Result<(&'a str, &'a str), ProviderError> {
    match import_id.split_once('/') {
        Some((api, child))
            if !api.is_empty()
                && !child.is_empty()
                && !child.contains('/')
                && !import_id.contains(char::is_whitespace) =>
        {
            Ok((api, child))
        }
        _ => Err(malformed(
            rtype,
            import_id,
            "it is not two parts separated by `/`",
            format,
        )),
    }
}

/// The ARN of an API, or of something under it (`/stages/NAME`).
fn arn(region: &str, path: &str) -> String {
    format!("arn:aws:apigateway:{region}::/apis/{path}")
}

/// The ARN to invoke an API with (`execute-api`), what Lambda permissions name as their source.
fn execution_arn(region: &str, account: &str, api_id: &str) -> String {
    format!("arn:aws:execute-api:{region}:{account}:{api_id}")
}

/// Tags as API Gateway takes them.
fn tag_map(tags: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!tags.is_empty()).then(|| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Tags as API Gateway returns them, without the hidden prefixes.
fn visible(tags: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    crate::common::visible_tags(
        tags.into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// Brings the tags of `arn` from `old` (as last read: the hidden ones left out) to `new` (as
/// configured, with the ownership tags), with TagResource and UntagResource: only when the
/// visible tags differ (API Gateway's tag calls are few per second).
async fn retag(
    aws: &crate::Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let shown = crate::common::visible_tags(new.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if &shown == old {
        return Ok(());
    }
    let (removed, set) = crate::common::tag_changes(old, new);
    if !removed.is_empty() {
        aws.apigateway
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| crate::common::api("UntagResource", arn, e.into_service_error()))?;
    }
    if !set.is_empty() {
        aws.apigateway
            .tag_resource()
            .resource_arn(arn)
            .set_tags(tag_map(&set))
            .send()
            .await
            .map_err(|e| crate::common::api("TagResource", arn, e.into_service_error()))?;
    }
    Ok(())
}

/// Every item of a paged API Gateway listing under one API (GetStages, GetIntegrations,
/// GetRoutes): `$request` is the call without its page token. None when the API is gone.
macro_rules! list_under_api {
    ($op:literal, $api_id:expr, $request:expr) => {{
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = match $request.set_next_token(token.take()).send().await {
                Ok(p) => p,
                Err(e) => {
                    let e = e.into_service_error();
                    if crate::common::is_not_found(crate::common::code(&e)) {
                        break Ok(Vec::new());
                    }
                    break Err(crate::common::api($op, $api_id, e));
                }
            };
            out.extend(page.items().iter().cloned());
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break Ok(out),
            }
        }
    }};
}
pub(crate) use list_under_api;

/// The batched read of a type that lives under an API: one listing per API (`list`), in
/// parallel, answering for every requested id of that API (`id_of` of each item, `view` of
/// those asked for).
async fn read_under_api<T, L, Fut>(
    rtype: &str,
    requests: &[ReadRequest],
    list: L,
    id_of: impl Fn(&T) -> Option<&str>,
    view: impl Fn(&str, &T) -> Observed,
) -> Result<BTreeMap<String, Option<Observed>>, ProviderError>
where
    L: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, ProviderError>>,
{
    let mut out: BTreeMap<String, Option<Observed>> =
        requests.iter().map(|r| (r.id.clone(), None)).collect();
    let mut by_api: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for r in requests {
        by_api
            .entry(api_of(rtype, &r.id, &r.prior_inputs)?)
            .or_default()
            .push(&r.id);
    }
    let lists = by_api.into_iter().map(|(api_id, ids)| {
        let listed = list(api_id.clone());
        async move { Ok::<_, ProviderError>((api_id, ids, listed.await?)) }
    });
    for (api_id, ids, items) in futures::future::try_join_all(lists).await? {
        for item in &items {
            if id_of(item).is_some_and(|id| ids.contains(&id)) {
                let o = view(&api_id, item);
                out.insert(o.id.clone(), Some(o));
            }
        }
    }
    Ok(out)
}
