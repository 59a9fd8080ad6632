//! What every resource type shares: config parsing, the normalised `Observed` view, AWS error
//! handling, retries for eventual consistency, and tags.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cairn_engine::{Observed, ProviderError};
use cairn_model::{ResourceSchema, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Tag key prefixes that are never part of a resource's configured tags: cairn's own
/// ownership tags and the ones AWS adds.
const HIDDEN_TAG_PREFIXES: [&str; 2] = ["cairn:", "aws:"];

/// Parses a resolved configuration into a resource type's struct.
pub fn parse<T: DeserializeOwned>(
    rtype: &str,
    config: &serde_json::Value,
) -> Result<T, ProviderError> {
    serde_json::from_value(config.clone())
        .map_err(|e| ProviderError::InvalidConfig(format!("{rtype}: {e}")))
}

/// The normalised, configuration-shaped view of what exists.
pub fn observed<C: Serialize, O: Serialize>(
    schema: &ResourceSchema,
    id: &str,
    config: &C,
    outputs: &O,
) -> Observed {
    let inputs = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    let inputs = schema.normalize(&Value::from_json(inputs)).to_json_lossy();
    Observed {
        id: id.to_string(),
        inputs,
        outputs: serde_json::to_value(outputs).unwrap_or(serde_json::Value::Null),
    }
}

/// The AWS error code of a failed call, if it has one.
pub fn code<E: ProvideErrorMetadata>(e: &E) -> Option<&str> {
    e.code()
}

/// A final API error, with the operation, the resource and AWS's code and message.
pub fn api<E: ProvideErrorMetadata + std::error::Error + 'static>(
    op: &str,
    what: &str,
    e: E,
) -> ProviderError {
    let detail = match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
    };
    ProviderError::Api(format!("{op} {what}: {detail}"))
}

/// Whether an error code means the resource does not exist.
pub fn is_not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.contains("NotFound") || c.starts_with("NoSuch") || c == "NotFound")
}

/// Runs `op` until it succeeds, fails with an error `retryable` does not accept, or `limit`
/// has passed; waits grow from 0.5 s to 10 s. For eventual consistency (a dependency still
/// being deleted, a fresh resource not yet visible), which the SDK's retries do not cover.
pub async fn retry<T, E, F, Fut>(
    limit: Duration,
    retryable: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = std::time::Instant::now();
    let mut wait = Duration::from_millis(500);
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e) && start.elapsed() + wait < limit => {
                tracing::debug!("retrying in {wait:?}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e),
        }
    }
}

/// How long deletes wait for dependents to go away.
pub const DELETE_PATIENCE: Duration = Duration::from_secs(300);
/// How long a read-back after create waits for the resource to become visible.
pub const VISIBLE_PATIENCE: Duration = Duration::from_secs(60);

/// Tags as configured: the hidden prefixes dropped.
pub fn visible_tags<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .filter(|(k, _)| !HIDDEN_TAG_PREFIXES.iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Keys to remove and pairs to set to go from `old` to `new` tags.
pub fn tag_changes(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> (Vec<String>, BTreeMap<String, String>) {
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, set)
}

/// A batched read's request for the one resource `id`.
pub fn request(id: &str, prior_inputs: serde_json::Value) -> [cairn_engine::ReadRequest; 1] {
    [cairn_engine::ReadRequest {
        id: id.to_string(),
        prior_inputs,
    }]
}

/// What a batched read found for `id`.
pub fn only(id: &str, mut found: BTreeMap<String, Option<Observed>>) -> Option<Observed> {
    found.remove(id).flatten()
}

/// Reads one resource back until it is visible: what create and update return.
pub async fn read_back<F, Fut>(
    rtype: &str,
    id: &str,
    mut read: F,
) -> Result<Observed, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Observed>, ProviderError>>,
{
    let found = retry(
        VISIBLE_PATIENCE,
        |e: &ProviderError| matches!(e, ProviderError::Timeout(_)),
        || {
            let fut = read();
            async move {
                match fut.await? {
                    Some(o) => Ok(o),
                    None => Err(ProviderError::Timeout(String::new())),
                }
            }
        },
    )
    .await;
    match found {
        Err(ProviderError::Timeout(_)) => Err(ProviderError::Timeout(format!(
            "{rtype} {id} was created but did not become visible within {}s",
            VISIBLE_PATIENCE.as_secs()
        ))),
        other => other,
    }
}

/// Polls `done` every few seconds until it says so, reporting progress, for at most `limit`.
pub async fn wait_until<F, Fut>(
    ctx: &cairn_engine::OpContext,
    rtype: &str,
    id: &str,
    what: &str,
    limit: Duration,
    mut done: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, ProviderError>>,
{
    let start = std::time::Instant::now();
    let mut wait = Duration::from_millis(250);
    loop {
        if done().await? {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(ProviderError::Timeout(format!(
                "{rtype} {id} was not {what} after {}s",
                limit.as_secs()
            )));
        }
        ctx.report(format!("waiting for {id} to be {what}"));
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(10));
    }
}

/// Whether the JSON `have` (as AWS returns it, with its defaults filled in) says everything
/// `want` says: objects by the keys `want` has, arrays element by element, scalars equal.
/// Used to keep documents AWS enriches (container definitions) in their configured form.
pub fn json_covers(want: &serde_json::Value, have: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (want, have) {
        (J::Object(w), J::Object(h)) => w.iter().all(|(k, v)| match h.get(k) {
            Some(hv) => json_covers(v, hv),
            None => v.is_null() || v == &J::Array(Vec::new()),
        }),
        (J::Array(w), J::Array(h)) => {
            w.len() == h.len() && w.iter().zip(h).all(|(a, b)| json_covers(a, b))
        }
        (J::Number(a), J::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == have,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_tags_and_changes() {
        let tags = visible_tags([
            ("Name", "a"),
            ("cairn:stack", "x"),
            ("aws:cloudformation", "y"),
        ]);
        assert_eq!(
            tags,
            BTreeMap::from([("Name".to_string(), "a".to_string())])
        );
        let old = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        let new = BTreeMap::from([
            ("b".to_string(), "3".to_string()),
            ("c".to_string(), "4".to_string()),
        ]);
        let (removed, set) = tag_changes(&old, &new);
        assert_eq!(removed, vec!["a".to_string()]);
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn configured_documents_are_covered_by_enriched_ones() {
        use serde_json::json;
        let want =
            json!([{"name": "app", "image": "nginx", "portMappings": [{"containerPort": 80}]}]);
        let have = json!([{"name": "app", "image": "nginx", "essential": true, "cpu": 0,
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}], "environment": []}]);
        assert!(json_covers(&want, &have));
        let changed =
            json!([{"name": "app", "image": "nginx:2", "portMappings": [{"containerPort": 80}]}]);
        assert!(!json_covers(&changed, &have));
        assert!(!json_covers(
            &json!([{"name": "app"}, {"name": "b"}]),
            &have
        ));
    }
}
