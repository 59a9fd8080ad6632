//! The S3 backend (feature `s3`): the state is one object, written with S3 conditional
//! writes so that runners sharing it never fork it, and locked with a second object.
//!
//! - The state object (`key`) is read with GetObject, whose ETag is remembered; each write is
//!   a PutObject with `If-Match: <that ETag>` (or `If-None-Match: *` when there was no
//!   object), so a second writer's change makes the write fail with
//!   [`StateError::Conflict`] instead of overwriting it.
//! - The lock (`<key>.lock`) is created with `If-None-Match: *` and holds the JSON of a
//!   [`LockInfo`]; it is deleted with `If-Match` on its ETag, so only its own holder (or
//!   `force_unlock` naming its ID) removes it.
//! - The key for digests of sensitive values (`<key>.secret-key`) is created with
//!   `If-None-Match: *`, so every runner ends up with the same key.
//!
//! Every object is written with server-side encryption (SSE-S3, or SSE-KMS with the
//! configured key). With versioning enabled on the bucket, a state object that does not
//! parse is reported with the latest earlier version that does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_sdk_s3::Client;

use crate::format::{check_next, parse, render, RenderCache, StateFile};
use crate::lock::LockInfo;
use crate::{GoodCopy, StateError};

/// How many earlier versions of a corrupt state object are tried before giving up.
const VERSIONS_TRIED: usize = 100;

/// Where the S3 backend keeps the state (`[backend] type = "s3"`).
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    pub bucket: String,
    /// The state object's key; the lock is `<key>.lock`, the digest key `<key>.secret-key`.
    pub key: String,
    /// Else `AWS_REGION` / the profile's region.
    pub region: Option<String>,
    /// Else `AWS_ENDPOINT_URL` (an emulator such as moto). A custom endpoint is addressed
    /// path-style (`http://host/bucket/key`).
    pub endpoint: Option<String>,
    /// Encrypt with SSE-KMS and this key (ID, ARN or alias); else SSE-S3 (AES256).
    pub kms_key_id: Option<String>,
}

/// What this backend last saw of the state object.
#[derive(Clone, Debug)]
enum Seen {
    /// Not read yet (or the last read or write failed): a write reads first.
    Unknown,
    /// There was no state object.
    Absent,
    /// The object with this ETag held this lineage and serial.
    Present {
        etag: String,
        lineage: String,
        serial: u64,
    },
}

/// State kept in one S3 object. Its methods take `&self` and it is `Send + Sync`.
#[derive(Debug)]
pub struct S3Backend {
    client: Client,
    bucket: String,
    key: String,
    kms_key_id: Option<String>,
    last: Mutex<Seen>,
    /// The text of the records last written, so a write renders only what changed.
    rendered: Mutex<RenderCache>,
}

/// User metadata naming the write that stored a state object (a fresh UUID per write), so a
/// write can tell its own object from another writer's with the same content.
const WRITE_ID: &str = "cairn-write-id";

/// One object as read.
struct Object {
    body: Vec<u8>,
    etag: Option<String>,
    version_id: Option<String>,
    /// [`WRITE_ID`] of a state object.
    write_id: Option<String>,
}

/// How an S3 request failed.
enum Failure {
    /// 404 / `NoSuchKey`.
    Missing,
    /// 412 `PreconditionFailed` or 409 `ConditionalRequestConflict`: a condition did not hold.
    Precondition,
    /// Anything else, described with what S3 said.
    Other(String),
}

/// What S3 said: its error code and message, and the HTTP status.
fn said<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let said = match (err.code(), err.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    };
    match err.raw_response().map(|r| r.status().as_u16()) {
        Some(s) => format!("{said} (HTTP {s})"),
        None => said,
    }
}

fn classify<E>(err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    match (status, err.code()) {
        // A HEAD-like 404 has no code; `NoSuchBucket` is not a missing object.
        (_, Some("NoSuchKey")) | (Some(404), None) => Failure::Missing,
        (_, Some("PreconditionFailed" | "ConditionalRequestConflict")) | (Some(412), _) => {
            Failure::Precondition
        }
        _ => Failure::Other(said(err)),
    }
}

impl S3Backend {
    /// Configures the client from `settings` and the standard AWS chain (environment,
    /// profile, instance role; standard retries). Makes no request: credentials are resolved
    /// on first use. Fails only when the settings cannot work (no bucket, key or region).
    pub async fn new(settings: S3Settings) -> Result<S3Backend, StateError> {
        if settings.bucket.is_empty() || settings.key.is_empty() {
            return Err(StateError::Config(format!(
                "the S3 state backend needs a bucket and a key (got bucket `{}`, key `{}`)",
                settings.bucket, settings.key
            )));
        }
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).retry_config(RetryConfig::standard());
        if let Some(r) = &settings.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        if let Some(e) = &settings.endpoint {
            loader = loader.endpoint_url(e.clone());
        }
        let shared = loader.load().await;
        if shared.region().is_none() {
            return Err(StateError::Config(format!(
                "no AWS region for the S3 state backend s3://{}/{}: set `region` in [backend] or AWS_REGION",
                settings.bucket, settings.key
            )));
        }
        let custom_endpoint = settings.endpoint.is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(custom_endpoint)
            .build();
        Ok(S3Backend {
            client: Client::from_conf(config),
            bucket: settings.bucket,
            key: settings.key,
            kms_key_id: settings.kms_key_id,
            last: Mutex::new(Seen::Unknown),
            rendered: Mutex::new(RenderCache::default()),
        })
    }

    /// `s3://bucket/key` of the state object.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The key of the lock object.
    pub fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }

    /// The key of the object holding the digest key for sensitive values.
    pub fn secret_key_key(&self) -> String {
        format!("{}.secret-key", self.key)
    }

    fn location_path(&self) -> PathBuf {
        PathBuf::from(self.location())
    }

    fn error(&self, action: &'static str, key: &str, message: String) -> StateError {
        StateError::S3 {
            action,
            bucket: self.bucket.clone(),
            key: key.to_string(),
            message,
        }
    }

    fn seen(&self) -> Seen {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn remember(&self, seen: Seen) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = seen;
    }

    /// GetObject of `key` (one version of it with `version_id`); `None` when there is none.
    async fn fetch(
        &self,
        action: &'static str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<Object>, StateError> {
        let got = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version_id.map(str::to_string))
            .send()
            .await;
        let out = match got {
            Ok(out) => out,
            Err(e) => {
                return match classify(&e) {
                    Failure::Missing => Ok(None),
                    Failure::Precondition => Err(self.error(action, key, said(&e))),
                    Failure::Other(m) => Err(self.error(action, key, m)),
                }
            }
        };
        let etag = out.e_tag().map(str::to_string);
        let version_id = out.version_id().map(str::to_string);
        let write_id = out.metadata().and_then(|m| m.get(WRITE_ID)).cloned();
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| self.error(action, key, DisplayErrorContext(&e).to_string()))?
            .into_bytes()
            .to_vec();
        Ok(Some(Object {
            body,
            etag,
            version_id,
            write_id,
        }))
    }

    /// The state in `body`, read from `location`.
    fn parse_body(location: &Path, body: &[u8]) -> Result<StateFile, StateError> {
        let text = std::str::from_utf8(body).map_err(|e| StateError::Corrupt {
            path: location.to_path_buf(),
            message: format!("not UTF-8 text: {e}"),
            backup: None,
        })?;
        parse(location, text)
    }

    /// Reads the state; `None` when there is no state object. Remembers the object's ETag
    /// for the next [`S3Backend::write`]. An object that does not parse is
    /// [`StateError::Corrupt`] (never read as no state), naming the latest earlier version
    /// that parses when the bucket keeps versions.
    pub async fn read(&self) -> Result<Option<StateFile>, StateError> {
        self.remember(Seen::Unknown);
        let Some(object) = self.fetch("reading state", &self.key, None).await? else {
            self.remember(Seen::Absent);
            return Ok(None);
        };
        let location = self.location_path();
        let state = match Self::parse_body(&location, &object.body) {
            Ok(s) => s,
            Err(StateError::Corrupt { path, message, .. }) => {
                let good = self.latest_good_version(object.version_id.as_deref()).await;
                return Err(StateError::Corrupt {
                    path,
                    message,
                    backup: good.map(|version_id| GoodCopy::Version {
                        object: self.location(),
                        version_id,
                    }),
                });
            }
            Err(e) => return Err(e),
        };
        if let Some(etag) = object.etag {
            self.remember(Seen::Present {
                etag,
                lineage: state.lineage.clone(),
                serial: state.serial,
            });
        }
        Ok(Some(state))
    }

    /// The ID of the newest version of the state object, other than `current`, that parses
    /// as a state (ListObjectVersions, newest first). `None` without versioning, or when the
    /// versions cannot be listed: this only improves an error message.
    async fn latest_good_version(&self, current: Option<&str>) -> Option<String> {
        let location = self.location_path();
        let mut key_marker: Option<String> = None;
        let mut version_marker: Option<String> = None;
        let mut tried = 0;
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(&self.key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .ok()?;
            for v in page.versions() {
                let key = v.key().unwrap_or_default();
                if key > self.key.as_str() {
                    return None; // keys are listed in order: past ours
                }
                let Some(id) = v.version_id() else { continue };
                let is_current = match current {
                    Some(c) => c == id,
                    None => v.is_latest() == Some(true),
                };
                if key != self.key || is_current {
                    continue;
                }
                tried += 1;
                if tried > VERSIONS_TRIED {
                    return None;
                }
                if let Ok(Some(object)) = self.fetch("reading state", &self.key, Some(id)).await {
                    if Self::parse_body(&location, &object.body).is_ok() {
                        return Some(id.to_string());
                    }
                }
            }
            if page.is_truncated() != Some(true) {
                return None;
            }
            key_marker = Some(page.next_key_marker()?.to_string());
            version_marker = page.next_version_id_marker().map(str::to_string);
        }
    }

    fn encrypted(&self, put: PutObjectFluentBuilder) -> PutObjectFluentBuilder {
        match &self.kms_key_id {
            Some(k) => put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(k),
            None => put.server_side_encryption(ServerSideEncryption::Aes256),
        }
    }

    /// Writes `state` as the next version: its serial is incremented, the object replaced
    /// with `If-Match` on the ETag last read or written here (`If-None-Match: *` when there
    /// was none). Refuses with [`StateError::Conflict`], writing nothing and leaving the
    /// serial as it was, when another writer changed the object since; refuses a stored
    /// state that does not parse (it is never overwritten).
    pub async fn write(&self, state: &mut StateFile) -> Result<(), StateError> {
        self.write_changed(state, None).await
    }

    /// [`S3Backend::write`] of the next version of the state last written here, in which only
    /// the records at the addresses in `changed` differ (see [`RenderCache::render_changed`]).
    pub async fn write_changed(
        &self,
        state: &mut StateFile,
        changed: Option<&BTreeSet<String>>,
    ) -> Result<(), StateError> {
        if matches!(self.seen(), Seen::Unknown) {
            // Never read here (or the last attempt failed): see what is stored now.
            self.read().await?;
        }
        let location = self.location();
        let (etag, current) = match self.seen() {
            Seen::Present {
                etag,
                lineage,
                serial,
            } => (Some(etag), Some((lineage, serial))),
            Seen::Absent => (None, None),
            Seen::Unknown => {
                return Err(self.error(
                    "writing state",
                    &self.key,
                    "S3 returned no ETag for the state object, so it cannot be replaced safely"
                        .into(),
                ))
            }
        };
        let next = check_next(
            &location,
            current.as_ref().map(|(l, s)| (l.as_str(), *s)),
            state,
        )?;
        let started = state.serial;
        state.serial = next;
        let rendered = match self.rendered.lock() {
            Ok(mut cache) => cache.render_changed(&self.location_path(), state, changed),
            Err(_) => render(&self.location_path(), state),
        };
        let result = match rendered {
            Ok(text) => self.put_state(text, etag, state).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            state.serial = started;
        }
        result
    }

    /// The conditional PutObject of [`S3Backend::write`]; `state` holds the new serial.
    async fn put_state(
        &self,
        text: String,
        etag: Option<String>,
        state: &StateFile,
    ) -> Result<(), StateError> {
        let write_id = uuid::Uuid::new_v4().to_string();
        let put = self
            .encrypted(self.client.put_object())
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .metadata(WRITE_ID, &write_id)
            .body(ByteStream::from(text.into_bytes()));
        let put = match &etag {
            Some(e) => put.if_match(e),
            None => put.if_none_match("*"),
        };
        let err = match put.send().await {
            Ok(out) => {
                self.remember(match out.e_tag() {
                    Some(etag) => Seen::Present {
                        etag: etag.to_string(),
                        lineage: state.lineage.clone(),
                        serial: state.serial,
                    },
                    None => Seen::Unknown,
                });
                return Ok(());
            }
            Err(e) => e,
        };
        self.remember(Seen::Unknown);
        match classify(&err) {
            // A 404 to `If-Match`: the object was deleted since it was read.
            Failure::Precondition | Failure::Missing => {}
            Failure::Other(m) => return Err(self.error("writing state", &self.key, m)),
        }
        // The condition failed: another writer changed the object, unless the object is this
        // very write (a request retried after its response was lost).
        let found = match self.fetch("reading state", &self.key, None).await {
            Ok(Some(object)) if object.write_id.as_deref() == Some(write_id.as_str()) => {
                if let Some(etag) = object.etag {
                    self.remember(Seen::Present {
                        etag,
                        lineage: state.lineage.clone(),
                        serial: state.serial,
                    });
                }
                return Ok(());
            }
            Ok(Some(object)) => match Self::parse_body(&self.location_path(), &object.body) {
                Ok(s) => format!("lineage {}, serial {}", s.lineage, s.serial),
                Err(_) => "an object that is not a valid state".into(),
            },
            Ok(None) => "no state object: it was deleted".into(),
            Err(e) => format!("changed; reading it back failed: {e}"),
        };
        Err(StateError::Conflict {
            location: self.location(),
            found,
            ours: state.lineage.clone(),
            our_serial: state.serial.saturating_sub(1),
        })
    }

    /// The lock's holder as stored in the lock object (a placeholder when it does not parse).
    fn lock_holder(body: &[u8]) -> LockInfo {
        serde_json::from_slice(body).unwrap_or_else(|_| LockInfo {
            id: "unknown".into(),
            who: "another process (the lock object holds no valid lock details)".into(),
            host: "unknown".into(),
            pid: 0,
            created: "unknown".into(),
            operation: "unknown".into(),
        })
    }

    /// Takes the state lock for `operation`: creates `<key>.lock` with `If-None-Match: *`.
    /// When it exists, fails at once with [`StateError::Locked`] and the holder's details.
    pub async fn lock(&self, operation: &str) -> Result<S3Lock, StateError> {
        let key = self.lock_key();
        let info = LockInfo::for_this_process(operation);
        let body = serde_json::to_vec_pretty(&info)
            .map_err(|e| StateError::Config(format!("cannot serialise the lock: {e}")))?;
        // A lock released between our failed create and our read of it: try again.
        for _ in 0..3 {
            let put = self
                .encrypted(self.client.put_object())
                .bucket(&self.bucket)
                .key(&key)
                .content_type("application/json")
                .if_none_match("*")
                .body(ByteStream::from(body.clone()));
            let err = match put.send().await {
                Ok(out) => {
                    return Ok(S3Lock {
                        client: self.client.clone(),
                        bucket: self.bucket.clone(),
                        key,
                        etag: out.e_tag().map(str::to_string),
                        info,
                        released: false,
                    })
                }
                Err(e) => e,
            };
            if let Failure::Other(m) = classify(&err) {
                return Err(self.error("taking the lock", &key, m));
            }
            let Some(object) = self.fetch("reading the lock", &key, None).await? else {
                continue;
            };
            let holder = Self::lock_holder(&object.body);
            if holder.id == info.id {
                // Our own create, retried after its response was lost.
                return Ok(S3Lock {
                    client: self.client.clone(),
                    bucket: self.bucket.clone(),
                    key,
                    etag: object.etag,
                    info,
                    released: false,
                });
            }
            return Err(StateError::Locked(Box::new(holder)));
        }
        Err(self.error(
            "taking the lock",
            &key,
            "the lock object kept appearing and disappearing; try again".into(),
        ))
    }

    /// Clears a lock left by a run that died (S3 cannot know that its holder is gone): deletes
    /// `<key>.lock` only if it holds the lock `id`, and only the version that was read.
    pub async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        let key = self.lock_key();
        let where_ = format!("s3://{}/{key}", self.bucket);
        let Some(object) = self.fetch("reading the lock", &key, None).await? else {
            return Err(StateError::Unlock(format!(
                "no lock is held at {where_}; nothing changed"
            )));
        };
        let holder = Self::lock_holder(&object.body);
        if holder.id != id {
            return Err(StateError::Unlock(format!(
                "the lock at {where_} has ID {}, not {id}; nothing changed (held by {holder})",
                holder.id
            )));
        }
        let Some(etag) = object.etag else {
            return Err(self.error(
                "clearing the lock",
                &key,
                "S3 returned no ETag for the lock object, so it cannot be deleted safely".into(),
            ));
        };
        let deleted = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .if_match(etag)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) => match classify(&e) {
                Failure::Missing => Ok(()),
                Failure::Precondition => Err(StateError::Unlock(format!(
                    "the lock at {where_} changed while it was being cleared; nothing changed"
                ))),
                Failure::Other(m) => Err(self.error("clearing the lock", &key, m)),
            },
        }
    }

    /// The stack's key for digests of sensitive values (`<key>.secret-key`), `None` when none
    /// was made yet.
    pub async fn read_secret_key(&self) -> Result<Option<Vec<u8>>, StateError> {
        let key = self.secret_key_key();
        Ok(self
            .fetch("reading the secret key", &key, None)
            .await?
            .map(|o| o.body))
    }

    /// Stores `secret` as the stack's digest key (`If-None-Match: *`, encrypted) unless one
    /// exists, and returns the key now stored: `secret`, or the one another runner made first.
    pub async fn create_secret_key(&self, secret: &[u8]) -> Result<Vec<u8>, StateError> {
        let key = self.secret_key_key();
        let put = self
            .encrypted(self.client.put_object())
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/octet-stream")
            .if_none_match("*")
            .body(ByteStream::from(secret.to_vec()));
        match put.send().await {
            Ok(_) => Ok(secret.to_vec()),
            Err(e) => match classify(&e) {
                Failure::Precondition => self.read_secret_key().await?.ok_or_else(|| {
                    self.error(
                        "reading the secret key",
                        &key,
                        "it existed a moment ago and is gone now".into(),
                    )
                }),
                Failure::Missing => Err(self.error("creating the secret key", &key, said(&e))),
                Failure::Other(m) => Err(self.error("creating the secret key", &key, m)),
            },
        }
    }
}

/// The held S3 lock. Release it with [`S3Lock::release`]; dropping it releases best-effort
/// (on a multi-thread tokio runtime it waits for the delete; on a current-thread one it only
/// spawns it). A process killed outright (SIGKILL, a lost machine) leaves the lock object
/// behind: S3 cannot know that its holder died, so `cairn force-unlock ID` clears it.
#[derive(Debug)]
pub struct S3Lock {
    client: Client,
    bucket: String,
    key: String,
    etag: Option<String>,
    pub info: LockInfo,
    released: bool,
}

impl S3Lock {
    /// Who holds the lock (this run).
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// Deletes the lock object if it is still ours (`If-Match` on its ETag). A lock cleared
    /// meanwhile is fine; one cleared and taken by another run is left in place, with an
    /// error saying so.
    pub async fn release(mut self) -> Result<(), StateError> {
        let result = self.delete().await;
        self.released = true;
        result
    }

    async fn delete(&self) -> Result<(), StateError> {
        let error = |message: String| StateError::S3 {
            action: "releasing the lock",
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            message,
        };
        let etag = match &self.etag {
            Some(e) => e.clone(),
            // No ETag came back when the lock was made: take it from the lock if it is ours.
            None => {
                let got = self
                    .client
                    .get_object()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .send()
                    .await;
                let out = match got {
                    Ok(out) => out,
                    Err(e) => {
                        return match classify(&e) {
                            Failure::Missing => Ok(()),
                            Failure::Precondition => Err(error(said(&e))),
                            Failure::Other(m) => Err(error(m)),
                        }
                    }
                };
                let etag = out.e_tag().map(str::to_string);
                let body = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| error(DisplayErrorContext(&e).to_string()))?
                    .into_bytes();
                if S3Backend::lock_holder(&body).id != self.info.id {
                    return Err(self.not_ours());
                }
                etag.ok_or_else(|| error("S3 returned no ETag for the lock object".into()))?
            }
        };
        let deleted = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .if_match(etag)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) => match classify(&e) {
                Failure::Missing => Ok(()),
                Failure::Precondition => Err(self.not_ours()),
                Failure::Other(m) => Err(error(m)),
            },
        }
    }

    fn not_ours(&self) -> StateError {
        StateError::Unlock(format!(
            "the lock at s3://{}/{} is no longer this run's (lock ID {}): it was cleared with force-unlock and taken by another run; left it in place",
            self.bucket, self.key, self.info.id
        ))
    }
}

impl Drop for S3Lock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return; // no runtime to send the request with: force-unlock clears it
        };
        let Some(etag) = self.etag.clone() else {
            return;
        };
        let request = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .if_match(etag);
        match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| {
                    let _ = handle.block_on(request.send());
                });
            }
            _ => {
                handle.spawn(async move {
                    let _ = request.send().await;
                });
            }
        }
    }
}
