//! What every resource type shares: config parsing, the normalised `Observed` view, AWS error
//! handling, retries for eventual consistency, tags, and the lookups after an interrupted
//! create.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cairn_model::{ApiError, ErrorKind, Observed, OpContext, ProviderError, ReadRequest};
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

/// The name AWS uses for a value of a configuration enum (its serde name).
pub fn wire<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The configuration enum value AWS names `s`, if it is one.
pub fn from_wire<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// The AWS error code of a failed call, if it has one.
pub fn code<E: ProvideErrorMetadata>(e: &E) -> Option<&str> {
    e.code()
}

/// AWS's message of a failed call, in lower case (empty when it has none), for the
/// errors whose code alone does not say what happened.
pub fn message<E: ProvideErrorMetadata>(e: &E) -> String {
    e.message().unwrap_or_default().to_lowercase()
}

/// A final API error, with the operation, the resource, AWS's code, message and request id,
/// and what kind of failure it is. A call that got no answer (no credentials, an endpoint
/// that cannot be reached) is described in one line, never by the SDK's whole error chain.
pub fn api<E>(op: &str, what: &str, e: E) -> ProviderError
where
    E: ProvideErrorMetadata + aws_types::request_id::RequestId + std::error::Error + 'static,
{
    let code = e.code().map(str::to_string);
    let (kind, message) = match &code {
        Some(c) => (kind_of_code(c), e.message().unwrap_or_default().to_string()),
        None => unanswered(&e),
    };
    ProviderError::Aws(Box::new(ApiError {
        operation: op.to_string(),
        resource: what.to_string(),
        code,
        message,
        request_id: e.request_id().map(str::to_string),
        kind,
    }))
}

/// The kind of failure AWS's error code names.
pub fn kind_of_code(code: &str) -> ErrorKind {
    const CREDENTIALS: [&str; 9] = [
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidAccessKeyId",
        "MissingAuthenticationToken",
        "IncompleteSignature",
        "InvalidSignatureException",
        "InvalidToken",
    ];
    const EXPIRED: [&str; 4] = [
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "TokenRefreshRequired",
    ];
    const DENIED: [&str; 5] = [
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "Forbidden",
    ];
    const THROTTLED: [&str; 7] = [
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "RequestThrottled",
    ];
    if CREDENTIALS.contains(&code) {
        ErrorKind::Credentials
    } else if EXPIRED.contains(&code) {
        ErrorKind::Expired
    } else if DENIED.contains(&code) {
        ErrorKind::Denied
    } else if THROTTLED.contains(&code) {
        ErrorKind::Throttled
    } else if is_not_found(Some(code)) {
        ErrorKind::NotFound
    } else if [
        "Already",
        "Conflict",
        "InUse",
        "DependencyViolation",
        "Duplicate",
        "State",
    ]
    .iter()
    .any(|p| code.contains(p))
    {
        ErrorKind::Conflict
    } else if code.starts_with("Invalid")
        || [
            "Validation",
            "Malformed",
            "BadRequest",
            "Parameter",
            "LimitExceeded",
        ]
        .iter()
        .any(|p| code.contains(p))
    {
        ErrorKind::Invalid
    } else {
        ErrorKind::Other
    }
}

/// What went wrong with a call that got no answer from AWS, in one line: the kind, and the
/// innermost cause the SDK reports (the rest of its chain is the SDK's own plumbing).
fn unanswered(e: &(dyn std::error::Error + 'static)) -> (ErrorKind, String) {
    let mut chain = Vec::new();
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = at {
        chain.push(err.to_string());
        at = err.source();
    }
    let all = chain.join(": ").to_lowercase();
    let innermost = chain
        .iter()
        .rev()
        .find(|m| !m.trim().is_empty())
        .map(|m| one_line(m))
        .unwrap_or_default();
    if all.contains("credentials") {
        let message = if all.contains("no credentials") || all.contains("loading credentials") {
            "no AWS credentials were found".to_string()
        } else {
            format!("the AWS credentials could not be loaded: {innermost}")
        };
        (ErrorKind::Credentials, message)
    } else if all.contains("dispatch failure")
        || all.contains("timed out")
        || all.contains("timeout")
        || all.contains("connect")
        || all.contains("dns")
    {
        (
            ErrorKind::Unreachable,
            format!("no answer from AWS: {innermost}"),
        )
    } else {
        (ErrorKind::Other, innermost)
    }
}

/// `text` on one line, at most 300 characters (an SDK's debug dump is not a message).
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// Whether an error code means the resource does not exist.
pub fn is_not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| {
        c.contains("NotFound")
            || c.starts_with("NoSuch")
            || c.contains("NonExistent")
            || c.contains("DoesNotExist")
    })
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
pub fn request(id: &str, prior_inputs: serde_json::Value) -> [cairn_model::ReadRequest; 1] {
    [cairn_model::ReadRequest {
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
    ctx: &cairn_model::OpContext,
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

/// How surely a resource's ownership tags say that an interrupted create made it, most sure
/// first (the order `find` returns candidates in: the engine adopts the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Claim {
    /// It carries the create's own token (or, for EFS, was made with it).
    Token,
    /// It carries the stack's and the address's tags and no token (made before cairn
    /// tagged tokens).
    Owner,
    /// It carries the stack's and the address's tags but another create's token: left over
    /// by an earlier create of the same address.
    OtherToken,
}

/// What the ownership tags among `tags` say about the create of `ctx`: `None` when it cannot
/// have made the resource. Without a stack only the token ties a resource to the create.
pub fn claim<'a>(
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    ctx: &OpContext,
) -> Option<Claim> {
    let (mut stack, mut address, mut token) = (None, None, None);
    for (k, v) in tags {
        match k {
            crate::OWNER_TAG => stack = Some(v),
            crate::ADDRESS_TAG => address = Some(v),
            crate::TOKEN_TAG => token = Some(v),
            _ => {}
        }
    }
    if !ctx.token.is_empty() && token == Some(ctx.token.as_str()) {
        return Some(Claim::Token);
    }
    let owner = ctx.stack.as_deref()?;
    if stack != Some(owner) || address != Some(ctx.address.as_str()) {
        return None;
    }
    Some(match token {
        None => Claim::Owner,
        Some(_) => Claim::OtherToken,
    })
}

/// The ids of the claimed candidates, most sure first, each once.
pub fn claimed<'a>(
    candidates: impl IntoIterator<Item = (Option<&'a str>, Option<Claim>)>,
) -> Vec<String> {
    let mut found: Vec<(Claim, &str)> = candidates
        .into_iter()
        .filter_map(|(id, claim)| Some((claim?, id?)))
        .collect();
    found.sort_by_key(|(claim, _)| *claim);
    let mut ids: Vec<String> = Vec::new();
    for (_, id) in found {
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// Fails a lookup by ownership tags that could not find anything: without a stack and a
/// token the create tagged nothing, and an empty answer would wrongly prove it made nothing.
pub fn tags_can_tell(rtype: &str, ctx: &OpContext) -> Result<(), ProviderError> {
    if ctx.stack.is_none() && ctx.token.is_empty() {
        return Err(ProviderError::InvalidConfig(format!(
            "{rtype} {}: an interrupted create is looked up by its ownership tags, and it had neither a stack nor a token",
            ctx.address
        )));
    }
    Ok(())
}

/// What a batched `read` finds of `ids`, each read with `config` as its prior inputs, in the
/// order of `ids`: what `find` returns once it knows the ids.
pub async fn read_found<F, Fut>(
    ids: Vec<String>,
    config: &impl Serialize,
    read: F,
) -> Result<Vec<Observed>, ProviderError>
where
    F: FnOnce(Vec<ReadRequest>) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, Option<Observed>>, ProviderError>>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let config = serde_json::to_value(config).unwrap_or(serde_json::Value::Null);
    let requests = ids
        .iter()
        .map(|id| ReadRequest {
            id: id.clone(),
            prior_inputs: config.clone(),
        })
        .collect();
    let mut found = read(requests).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id).flatten())
        .collect())
}

/// The error for an import id that is not in its type's format: what was wrong, and the
/// format (`SchemaMeta::import_id`).
pub fn malformed(rtype: &str, import_id: &str, why: &str, format: &str) -> ProviderError {
    ProviderError::InvalidConfig(format!(
        "{rtype}: cannot import `{import_id}`: {why}; the import id of {rtype} is {format}"
    ))
}

/// Fails an import id that does not start with `prefix` (or has nothing after it).
pub fn expect_prefix(
    rtype: &str,
    import_id: &str,
    prefix: &str,
    format: &str,
) -> Result<(), ProviderError> {
    match import_id.strip_prefix(prefix) {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(()),
        _ => Err(malformed(
            rtype,
            import_id,
            &format!("it does not start with `{prefix}`"),
            format,
        )),
    }
}

/// Fails an empty import id or one with white space in it (names and ARNs have none).
pub fn expect_name(rtype: &str, import_id: &str, format: &str) -> Result<(), ProviderError> {
    if import_id.is_empty() {
        return Err(malformed(rtype, import_id, "it is empty", format));
    }
    if import_id.contains(char::is_whitespace) {
        return Err(malformed(
            rtype,
            import_id,
            "it contains white space",
            format,
        ));
    }
    Ok(())
}

/// Fails an import id that is not an ARN whose resource part starts with `kind` (e.g.
/// `:loadbalancer/`).
pub fn expect_arn(
    rtype: &str,
    import_id: &str,
    kind: &str,
    format: &str,
) -> Result<(), ProviderError> {
    expect_name(rtype, import_id, format)?;
    if !import_id.starts_with("arn:") || !import_id.contains(kind) {
        return Err(malformed(
            rtype,
            import_id,
            &format!("it is not an ARN with `{kind}` in it"),
            format,
        ));
    }
    Ok(())
}

/// What a batched `read` of the one id `import_id`, with no prior inputs, finds: the import
/// of a type whose import id is its own id.
pub async fn import_read<F, Fut>(
    import_id: &str,
    read: F,
) -> Result<Option<Observed>, ProviderError>
where
    F: FnOnce(Vec<ReadRequest>) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, Option<Observed>>, ProviderError>>,
{
    let request = vec![ReadRequest {
        id: import_id.to_string(),
        prior_inputs: serde_json::Value::Null,
    }];
    Ok(read(request).await?.remove(import_id).flatten())
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

/// Reads each request with `read_one`, all at once, for types whose API has no batch read:
/// each requested id to what exists, or `None`.
pub async fn read_each<'a, F, Fut>(
    requests: &'a [cairn_model::ReadRequest],
    read_one: F,
) -> Result<
    std::collections::BTreeMap<String, Option<cairn_model::Observed>>,
    cairn_model::ProviderError,
>
where
    F: Fn(&'a cairn_model::ReadRequest) -> Fut,
    Fut: std::future::Future<
        Output = Result<Option<cairn_model::Observed>, cairn_model::ProviderError>,
    >,
{
    let reads = requests.iter().map(|r| {
        let read = read_one(r);
        async move { read.await.map(|o| (r.id.clone(), o)) }
    });
    Ok(futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .collect())
}

/// The prefix of the names cairn generates when a configuration gives neither a name nor a
/// prefix of one. Terraform's AWS provider uses `terraform-` there (and `tf-` or `tf-lb-`
/// where names may have only 32 characters); cairn uses `cairn-`, which with the unique
/// suffix fits the shortest names (32 characters: load balancers, target groups).
pub const DEFAULT_NAME_PREFIX: &str = "cairn-";

/// The length of the unique part of a generated name, Terraform's `id.UniqueIDSuffixLength`:
/// an 18-digit UTC timestamp (`YYYYMMDDHHMMSS` and four digits of the second) and an 8-digit
/// hexadecimal counter.
pub const UNIQUE_SUFFIX_LEN: usize = 26;

/// A unique name that starts with `prefix`, in Terraform's format (`id.PrefixedUniqueId`):
/// the prefix, the UTC time to a ten-thousandth of a second, and a counter of this process's
/// generated names in 8 hex digits (so two names made in the same instant differ, and names
/// sort in the order they were made). At most `max_len` characters: a prefix too long to
/// leave room for the 26 characters of the unique part is cut (the attributes that take a
/// prefix refuse such a one before it gets here, as Terraform's do), never the unique part.
pub fn generated_name(prefix: &str, max_len: usize) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let count = COUNTER
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .wrapping_add(1);
    let suffix = format!("{}{count:08x}", utc_digits(since_epoch));
    let mut keep = max_len.saturating_sub(suffix.len()).min(prefix.len());
    while !prefix.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}{suffix}", &prefix[..keep])
}

/// `YYYYMMDDHHMMSS` and four digits of the second (cut, not rounded, as Go's
/// `20060102150405.0000` formats them, without the dot) of a time since the Unix epoch, UTC.
fn utc_digits(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}{:04}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since_epoch.subsec_nanos() / 100_000
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The prefix a name was generated from, when it ends in a unique part (26 hex digits)
/// followed by `suffix` (a FIFO queue's `.fifo`), and something comes before it: Terraform's
/// `create.NamePrefixFromNameWithSuffix`.
pub fn prefix_of_generated<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let stem = name.strip_suffix(suffix)?;
    let cut = stem.len().checked_sub(UNIQUE_SUFFIX_LEN)?;
    if cut == 0 || !stem.is_char_boundary(cut) {
        return None;
    }
    let (prefix, unique) = stem.split_at(cut);
    unique
        .bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then_some(prefix)
}

/// How a configuration names its resource: a name it gives, or the prefix of a name to
/// generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named<'a> {
    Given(&'a str),
    Generated(&'a str),
}

/// A type whose name (or other unique id) a configuration may leave to cairn to generate, as
/// Terraform's AWS provider does: the attribute of the name (`name`, `bucket`,
/// `identifier`, `target_id`), the attribute of its prefix (`name_prefix`, ...), the prefix
/// used when neither is given ([`DEFAULT_NAME_PREFIX`] where Terraform's is `terraform-`),
/// and the longest name AWS takes.
#[derive(Clone, Copy, Debug)]
pub struct Naming {
    pub rtype: &'static str,
    pub name: &'static str,
    /// Empty for a generated id that has no prefix attribute (an event target's).
    pub prefix: &'static str,
    pub default_prefix: &'static str,
    pub max_len: usize,
}

impl Naming {
    /// How `name` and `prefix`, as configured, name the resource: the name, else a name
    /// generated from the prefix, else from the default prefix. Both given is refused: the
    /// two attributes conflict, as in Terraform.
    pub fn named<'a>(
        &self,
        name: Option<&'a str>,
        prefix: Option<&'a str>,
    ) -> Result<Named<'a>, ProviderError> {
        match (name, prefix) {
            (Some(_), Some(_)) => Err(ProviderError::InvalidConfig(format!(
                "{}: `{}` and `{}` cannot both be given: `{}` generates the {} from the prefix",
                self.rtype, self.name, self.prefix, self.prefix, self.name
            ))),
            (Some(n), None) => Ok(Named::Given(n)),
            (None, Some(p)) => Ok(Named::Generated(p)),
            (None, None) => Ok(Named::Generated(self.default_prefix)),
        }
    }

    /// The name a create gives the resource (Terraform's `create.Name`).
    pub fn create_name(
        &self,
        name: Option<&str>,
        prefix: Option<&str>,
    ) -> Result<String, ProviderError> {
        self.create_name_with_suffix(name, prefix, "")
    }

    /// The name a create gives the resource, a generated one followed by `suffix` (a FIFO
    /// queue's `.fifo`: Terraform's `create.NameWithSuffix`). A prefix that leaves no room
    /// for the unique part within the longest name is refused.
    pub fn create_name_with_suffix(
        &self,
        name: Option<&str>,
        prefix: Option<&str>,
        suffix: &str,
    ) -> Result<String, ProviderError> {
        match self.named(name, prefix)? {
            Named::Given(n) => Ok(n.to_string()),
            Named::Generated(p) => {
                let room = self
                    .max_len
                    .saturating_sub(UNIQUE_SUFFIX_LEN + suffix.len());
                if p.len() > room {
                    return Err(ProviderError::InvalidConfig(format!(
                        "{}: `{}` `{p}` is longer than {room} characters, which with the {UNIQUE_SUFFIX_LEN} of the generated part{} make the {} longest {}",
                        self.rtype,
                        self.prefix,
                        if suffix.is_empty() { String::new() } else { format!(" and `{suffix}`") },
                        self.max_len,
                        self.name
                    )));
                }
                Ok(format!(
                    "{}{suffix}",
                    generated_name(p, self.max_len - suffix.len())
                ))
            }
        }
    }

    /// The prefix a read of the resource named `name` shows, so that it reads back as
    /// configured: Terraform's `create.NamePrefixFromName`, unless the recorded inputs
    /// (`prior`) gave the name itself and no prefix (a name that merely looks generated is
    /// then the configured one). An import (no recorded inputs) shows it as Terraform's
    /// does.
    pub fn read_prefix(&self, name: &str, prior: &serde_json::Value) -> Option<String> {
        self.read_prefix_with_suffix(name, "", prior)
    }

    /// [`Naming::read_prefix`] of a name generated with `suffix` after its unique part.
    pub fn read_prefix_with_suffix(
        &self,
        name: &str,
        suffix: &str,
        prior: &serde_json::Value,
    ) -> Option<String> {
        let set = |k: &str| prior.get(k).is_some_and(|v| !v.is_null());
        if set(self.name) && !set(self.prefix) {
            return None;
        }
        prefix_of_generated(name, suffix).map(str::to_string)
    }
}

/// Whether `name` is one generated from `prefix` (and then `suffix`), as what an interrupted
/// create of a configuration with that prefix made is looked for.
pub fn generated_from(name: &str, prefix: &str, suffix: &str) -> bool {
    prefix_of_generated(name, suffix) == Some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_keep_the_prefix_after_terraform_s_format() {
        let name = generated_name("web-", 64);
        assert!(name.starts_with("web-"), "{name}");
        assert_eq!(name.len(), 4 + UNIQUE_SUFFIX_LEN, "{name}");
        let unique = &name[4..];
        assert!(unique[..18].bytes().all(|b| b.is_ascii_digit()), "{name}");
        assert!(
            unique[18..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{name}"
        );
        assert!(unique.starts_with("20"), "{name}");
        assert_eq!(prefix_of_generated(&name, ""), Some("web-"));
        assert!(generated_from(&name, "web-", ""));
        assert!(!generated_from(&name, "we", ""));
        let fifo = format!("{}.fifo", generated_name("jobs-", 75));
        assert_eq!(prefix_of_generated(&fifo, ".fifo"), Some("jobs-"));
        assert_eq!(prefix_of_generated(&fifo, ""), None);
        // A name that only looks generated has a prefix; one too short or not hex has none.
        assert_eq!(prefix_of_generated("web", ""), None);
        assert_eq!(prefix_of_generated("20240101000000000000000001", ""), None);
        assert_eq!(
            prefix_of_generated(&format!("x-{}g", "0".repeat(25)), ""),
            None
        );
    }

    #[test]
    fn generated_names_fit_the_longest_name() {
        // A target group's 32 characters hold the default prefix and the unique part.
        let tg = generated_name(DEFAULT_NAME_PREFIX, 32);
        assert_eq!(tg.len(), 32, "{tg}");
        assert!(tg.starts_with(DEFAULT_NAME_PREFIX), "{tg}");
        // A prefix that leaves no room is cut, never the unique part.
        let cut = generated_name("a-much-too-long-prefix-", 32);
        assert_eq!(cut.len(), 32, "{cut}");
        assert!(cut.starts_with("a-much"), "{cut}");
        assert_eq!(prefix_of_generated(&cut, ""), Some("a-much"));
        assert_eq!(generated_name("é-long", 27).len(), 26);
        assert_eq!(generated_name("p", 10).len(), 26);
    }

    #[test]
    fn generated_names_are_unique() {
        let names: std::collections::BTreeSet<String> =
            (0..2000).map(|_| generated_name("p-", 64)).collect();
        assert_eq!(names.len(), 2000);
        // In the order they were made.
        let (a, b) = (generated_name("p-", 64), generated_name("p-", 64));
        assert!(a < b, "{a} {b}");
    }

    #[test]
    fn utc_timestamps_are_terraform_s() {
        assert_eq!(utc_digits(Duration::ZERO), "197001010000000000");
        // 2000-02-29T12:34:56.78912Z: the fraction is cut to four digits.
        assert_eq!(
            utc_digits(Duration::new(951_827_696, 789_120_000)),
            "200002291234567891"
        );
        assert_eq!(
            utc_digits(Duration::from_secs(4_102_444_799)),
            "209912312359590000"
        );
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }

    #[test]
    fn names_are_given_or_generated_and_read_back_as_configured() {
        use serde_json::json;
        let n = Naming {
            rtype: "aws_iam_role",
            name: "name",
            prefix: "name_prefix",
            default_prefix: DEFAULT_NAME_PREFIX,
            max_len: 64,
        };
        assert_eq!(n.named(Some("a"), None).ok(), Some(Named::Given("a")));
        assert_eq!(n.named(None, Some("p-")).ok(), Some(Named::Generated("p-")));
        assert_eq!(
            n.named(None, None).ok(),
            Some(Named::Generated(DEFAULT_NAME_PREFIX))
        );
        assert!(matches!(
            n.named(Some("a"), Some("p-")),
            Err(ProviderError::InvalidConfig(m)) if m.contains("`name` and `name_prefix`")
        ));
        assert_eq!(
            n.create_name(Some("app"), None).ok().as_deref(),
            Some("app")
        );
        let made = n.create_name(None, Some("app-")).expect("generated");
        assert!(made.starts_with("app-") && made.len() == 30, "{made}");
        assert!(n.create_name(None, Some(&"x".repeat(39))).is_err());
        assert!(n.create_name(None, Some(&"x".repeat(38))).is_ok());
        let fifo = n
            .create_name_with_suffix(None, Some("q-"), ".fifo")
            .expect("fifo");
        assert!(fifo.ends_with(".fifo") && fifo.starts_with("q-"), "{fifo}");
        assert!(n
            .create_name_with_suffix(None, Some(&"x".repeat(38)), ".fifo")
            .is_err());

        // What a read shows: the prefix, when one was configured or generated, or on import.
        assert_eq!(
            n.read_prefix(&made, &json!({"name_prefix": "app-"}))
                .as_deref(),
            Some("app-")
        );
        assert_eq!(n.read_prefix(&made, &json!({})).as_deref(), Some("app-"));
        assert_eq!(n.read_prefix(&made, &json!(null)).as_deref(), Some("app-"));
        assert_eq!(
            n.read_prefix(&made, &json!({"name": made, "name_prefix": "app-"}))
                .as_deref(),
            Some("app-")
        );
        // A configured name that looks generated stays a name.
        assert_eq!(n.read_prefix(&made, &json!({"name": made})), None);
        assert_eq!(n.read_prefix("app", &json!(null)), None);
    }

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
    fn error_codes_name_their_kind() {
        let check = |code: &str, kind: ErrorKind| assert_eq!(kind_of_code(code), kind, "{code}");
        for code in [
            "InvalidVpcID.NotFound",
            "NoSuchBucket",
            "NoSuchEntity",
            "ResourceNotFoundException",
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        ] {
            check(code, ErrorKind::NotFound);
        }
        check("ExpiredToken", ErrorKind::Expired);
        check("InvalidClientTokenId", ErrorKind::Credentials);
        check("AccessDenied", ErrorKind::Denied);
        check("ThrottlingException", ErrorKind::Throttled);
        check("DependencyViolation", ErrorKind::Conflict);
        check("BucketAlreadyOwnedByYou", ErrorKind::Conflict);
        check("InvalidSubnet.Range", ErrorKind::Invalid);
        check("ValidationError", ErrorKind::Invalid);
        check("InternalFailure", ErrorKind::Other);
    }

    #[test]
    fn ownership_tags_claim_in_order_of_certainty() {
        let ctx = OpContext {
            address: "aws_vpc.main".into(),
            stack: Some("prod".into()),
            token: "t1".into(),
            progress: None,
            provider: None,
        };
        let tags = |token: Option<&'static str>| {
            let mut t = vec![("cairn:stack", "prod"), ("cairn:address", "aws_vpc.main")];
            t.extend(token.map(|v| ("cairn:token", v)));
            t
        };
        assert_eq!(claim(tags(Some("t1")), &ctx), Some(Claim::Token));
        assert_eq!(claim(tags(None), &ctx), Some(Claim::Owner));
        assert_eq!(claim(tags(Some("t0")), &ctx), Some(Claim::OtherToken));
        assert_eq!(
            claim(
                [("cairn:stack", "prod"), ("cairn:address", "aws_vpc.other")],
                &ctx
            ),
            None
        );
        assert_eq!(
            claim(
                [("cairn:stack", "dev"), ("cairn:address", "aws_vpc.main")],
                &ctx
            ),
            None
        );
        assert_eq!(claim([("Name", "x")], &ctx), None);
        let stackless = OpContext {
            stack: None,
            ..ctx.clone()
        };
        assert_eq!(claim(tags(None), &stackless), None);
        assert_eq!(claim(tags(Some("t1")), &stackless), Some(Claim::Token));
        assert!(tags_can_tell("aws_vpc", &stackless).is_ok());
        let blind = OpContext {
            token: String::new(),
            ..stackless
        };
        assert!(tags_can_tell("aws_vpc", &blind).is_err());
        assert_eq!(
            claimed([
                (Some("b"), Some(Claim::OtherToken)),
                (Some("x"), None),
                (None, Some(Claim::Token)),
                (Some("a"), Some(Claim::Owner)),
                (Some("c"), Some(Claim::Token)),
                (Some("a"), Some(Claim::Owner)),
            ]),
            vec!["c".to_string(), "a".to_string(), "b".to_string()]
        );
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
