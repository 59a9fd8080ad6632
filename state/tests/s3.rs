//! The S3 backend against moto's S3 (a real server per test): conditional writes, the lock
//! object, encryption, corrupt objects and the shared digest key.
#![cfg(feature = "s3")]

use std::sync::{Arc, Once};

use aws_config::BehaviorVersion;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, ServerSideEncryption, VersioningConfiguration};
use cairn_state::{
    Backend, BackendLock, GoodCopy, LocalBackend, S3Backend, S3Settings, StateError, StateFile,
};
use cairn_testkit::Moto;

const BUCKET: &str = "cairn-state";
const KEY: &str = "stacks/web/state.json";

/// Credentials and region for moto, set once for the whole test process (each test passes
/// its own server's endpoint in the settings, never through the environment).
fn aws_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
}

struct Fixture {
    moto: Moto,
    /// A plain client, to look at and tamper with the bucket behind the backend's back.
    s3: aws_sdk_s3::Client,
}

impl Fixture {
    /// A moto server with the bucket `BUCKET`, versioning on. It answers one request at a
    /// time, as S3 decides each conditional write atomically (see [`Moto::start_serial`]).
    async fn start() -> Fixture {
        aws_env();
        let moto = tokio::task::spawn_blocking(Moto::start_serial)
            .await
            .expect("moto started");
        let shared = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(moto.endpoint())
            .load()
            .await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&shared)
                .force_path_style(true)
                .build(),
        );
        let f = Fixture { moto, s3 };
        f.bucket(BUCKET, true).await;
        f
    }

    async fn bucket(&self, name: &str, versioned: bool) {
        self.s3
            .create_bucket()
            .bucket(name)
            .send()
            .await
            .expect("create bucket");
        if versioned {
            self.s3
                .put_bucket_versioning()
                .bucket(name)
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await
                .expect("versioning");
        }
    }

    fn settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            bucket: bucket.into(),
            key: KEY.into(),
            region: None,
            endpoint: Some(self.moto.endpoint()),
            kms_key_id: None,
        }
    }

    async fn backend(&self) -> S3Backend {
        S3Backend::new(self.settings(BUCKET))
            .await
            .expect("backend")
    }

    /// The stored bytes of `key`, `None` when there is no such object.
    async fn object(&self, key: &str) -> Option<Vec<u8>> {
        match self.s3.get_object().bucket(BUCKET).key(key).send().await {
            Ok(out) => Some(
                out.body
                    .collect()
                    .await
                    .expect("body")
                    .into_bytes()
                    .to_vec(),
            ),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => None,
            Err(e) => panic!("get {key}: {e:?}"),
        }
    }

    async fn put_raw(&self, key: &str, body: &str) {
        self.s3
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .expect("put");
    }
}

fn lock_key() -> String {
    format!("{KEY}.lock")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_state_is_none_then_writes_round_trip_encrypted() {
    let f = Fixture::start().await;
    let backend = f.backend().await;
    assert_eq!(backend.location(), format!("s3://{BUCKET}/{KEY}"));
    assert!(backend.read().await.expect("read").is_none());

    let mut state = StateFile::new("test");
    backend.write(&mut state).await.expect("first write");
    assert_eq!(state.serial, 1);
    backend.write(&mut state).await.expect("second write");
    assert_eq!(state.serial, 2);

    let back = f.backend().await.read().await.expect("read").expect("some");
    assert_eq!(back, state);

    let head =
        f.s3.head_object()
            .bucket(BUCKET)
            .key(KEY)
            .send()
            .await
            .expect("head");
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_encryption_uses_the_configured_key() {
    let f = Fixture::start().await;
    let backend = S3Backend::new(S3Settings {
        kms_key_id: Some("alias/cairn-state".into()),
        ..f.settings(BUCKET)
    })
    .await
    .expect("backend");
    let mut state = StateFile::new("test");
    backend.write(&mut state).await.expect("write");
    let lock = backend.lock("apply").await.expect("lock");
    for key in [KEY.to_string(), lock_key()] {
        let head =
            f.s3.head_object()
                .bucket(BUCKET)
                .key(&key)
                .send()
                .await
                .expect("head");
        assert_eq!(
            head.server_side_encryption(),
            Some(&ServerSideEncryption::AwsKms),
            "{key}"
        );
        assert_eq!(head.ssekms_key_id(), Some("alias/cairn-state"), "{key}");
    }
    lock.release().await.expect("release");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_writer_is_refused_and_the_state_never_forks() {
    let f = Fixture::start().await;
    let a = f.backend().await;
    let mut sa = StateFile::new("test");
    a.write(&mut sa).await.expect("write");

    let b = f.backend().await;
    let mut sb = b.read().await.expect("read").expect("some");
    let mut sa2 = a.read().await.expect("read").expect("some");
    assert_eq!(sa2, sb);
    a.write(&mut sa2).await.expect("a writes serial 2");
    let stored = f.object(KEY).await.expect("stored");

    let err = b.write(&mut sb).await.expect_err("b is refused");
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("s3://{BUCKET}/{KEY}")),
        "{message}"
    );
    assert!(message.contains("serial 2"), "{message}");
    assert!(message.contains("another writer"), "{message}");
    assert_eq!(sb.serial, 1, "serial unchanged on refusal");
    assert_eq!(
        f.object(KEY).await.expect("stored"),
        stored,
        "nothing written"
    );

    // A backend that never read refuses a state of another lineage, and accepts the one
    // stored (it reads before its first write).
    let c = f.backend().await;
    let mut fresh = StateFile::new("test");
    let err = c.write(&mut fresh).await.expect_err("other lineage");
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    assert_eq!(fresh.serial, 0);
    let mut current = f.backend().await.read().await.expect("read").expect("some");
    c.write(&mut current)
        .await
        .expect("write of the stored state");
    assert_eq!(current.serial, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_of_the_same_serial_exactly_one_wins() {
    let f = Fixture::start().await;
    let mut first = StateFile::new("test");
    f.backend().await.write(&mut first).await.expect("write");

    for round in 0..10 {
        // Two runners (two backends) and two tasks of one runner (one shared backend).
        let shared = Arc::new(f.backend().await);
        let runners: Vec<Arc<S3Backend>> = if round % 2 == 0 {
            vec![Arc::new(f.backend().await), Arc::new(f.backend().await)]
        } else {
            vec![shared.clone(), shared]
        };
        let mut states = Vec::new();
        for r in &runners {
            states.push(r.read().await.expect("read").expect("some"));
        }
        let serial = states[0].serial;
        assert_eq!(states[1].serial, serial);
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = runners
            .into_iter()
            .zip(states)
            .map(|(backend, mut state)| {
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    let result = backend.write(&mut state).await;
                    (result, state.serial)
                })
            })
            .collect();
        let mut wins = 0;
        for t in tasks {
            let (result, after) = t.await.expect("task");
            match result {
                Ok(()) => {
                    wins += 1;
                    assert_eq!(after, serial + 1);
                }
                Err(StateError::Conflict { .. }) => assert_eq!(after, serial),
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        assert_eq!(wins, 1, "round {round}: exactly one writer wins");
        let stored = f.backend().await.read().await.expect("read").expect("some");
        assert_eq!(stored.serial, serial + 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_lockers_exactly_one_wins() {
    let f = Fixture::start().await;
    for round in 0..10 {
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let backend = f.backend().await;
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                backend.lock("apply").await
            }));
        }
        let mut held = Vec::new();
        let mut refused = Vec::new();
        for t in tasks {
            match t.await.expect("task") {
                Ok(lock) => held.push(lock),
                Err(StateError::Locked(info)) => refused.push(info),
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        assert_eq!(held.len(), 1, "round {round}: exactly one lock holder");
        assert_eq!(refused[0].id, held[0].info.id, "round {round}");
        for lock in held {
            lock.release().await.expect("release");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_is_exclusive_force_unlockable_and_released_only_by_its_holder() {
    let f = Fixture::start().await;
    let a = f.backend().await;
    let b = f.backend().await;

    let err = a.force_unlock("nothing").await.expect_err("no lock");
    assert!(err.to_string().contains("no lock is held"), "{err}");

    let held = a.lock("apply").await.expect("lock");
    match b.lock("plan").await {
        Err(StateError::Locked(info)) => {
            assert_eq!(info.id, held.info.id);
            assert_eq!(info.operation, "apply");
            assert_eq!(info.pid, std::process::id());
        }
        other => panic!("expected Locked, got {other:?}"),
    }

    let err = b.force_unlock("wrong-id").await.expect_err("wrong id");
    let message = err.to_string();
    assert!(matches!(err, StateError::Unlock(_)), "{message}");
    assert!(message.contains(&held.info.id), "{message}");
    assert!(f.object(&lock_key()).await.is_some(), "lock kept");

    b.force_unlock(&held.info.id).await.expect("force unlock");
    assert!(f.object(&lock_key()).await.is_none(), "lock cleared");
    let taken = b.lock("apply").await.expect("lock after force-unlock");

    // The first holder's release must not delete the lock another run now holds.
    let err = held.release().await.expect_err("not ours any more");
    assert!(err.to_string().contains("no longer this run's"), "{err}");
    match a.lock("plan").await {
        Err(StateError::Locked(info)) => assert_eq!(info.id, taken.info.id),
        other => panic!("expected Locked, got {other:?}"),
    }

    taken.release().await.expect("release");
    assert!(f.object(&lock_key()).await.is_none(), "released");
    // Dropping a lock releases it too.
    drop(a.lock("apply").await.expect("lock"));
    let again = b.lock("apply").await.expect("lock after drop");
    again.release().await.expect("release");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_state_is_refused_and_names_the_latest_good_version() {
    let f = Fixture::start().await;
    let backend = f.backend().await;
    let mut state = StateFile::new("test");
    for _ in 0..3 {
        backend.write(&mut state).await.expect("write");
        // moto orders versions by last-modified in milliseconds, oldest first on a tie.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let good =
        f.s3.head_object()
            .bucket(BUCKET)
            .key(KEY)
            .send()
            .await
            .expect("head")
            .version_id()
            .expect("versioned")
            .to_string();
    f.put_raw(KEY, "{ \"format_version\": 1, \"lineage\": ")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    f.put_raw(KEY, "").await; // two bad versions on top

    let err = f.backend().await.read().await.expect_err("corrupt");
    let StateError::Corrupt { backup, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        backup,
        &Some(GoodCopy::Version {
            object: format!("s3://{BUCKET}/{KEY}"),
            version_id: good.clone()
        })
    );
    let message = err.to_string();
    assert!(message.contains(&good), "{message}");
    assert!(
        message.contains(&format!("s3://{BUCKET}/{KEY}")),
        "{message}"
    );

    // Never overwritten, neither by the backend that read it nor by a fresh one.
    assert!(backend.write(&mut state).await.is_err());
    assert!(f.backend().await.write(&mut state).await.is_err());
    assert_eq!(state.serial, 3);
    assert_eq!(f.object(KEY).await.expect("stored"), b"");

    // Without versioning there is nothing to name, and it is still an error.
    f.bucket("plain", false).await;
    f.s3.put_object()
        .bucket("plain")
        .key(KEY)
        .body(ByteStream::from_static(b"garbage"))
        .send()
        .await
        .expect("put");
    let plain = S3Backend::new(f.settings("plain")).await.expect("backend");
    match plain.read().await {
        Err(StateError::Corrupt { backup: None, .. }) => {}
        other => panic!("expected Corrupt without a version, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runners_agree_on_one_secret_key() {
    let f = Fixture::start().await;
    let a = f.backend().await;
    let b = f.backend().await;
    assert!(a.read_secret_key().await.expect("read").is_none());
    let first = a.create_secret_key(b"first-key").await.expect("create");
    assert_eq!(first, b"first-key");
    let second = b.create_secret_key(b"second-key").await.expect("create");
    assert_eq!(second, b"first-key", "the key made first wins");
    assert_eq!(
        b.read_secret_key().await.expect("read").as_deref(),
        Some(&b"first-key"[..])
    );
    let head =
        f.s3.head_object()
            .bucket(BUCKET)
            .key(format!("{KEY}.secret-key"))
            .send()
            .await
            .expect("head");
    assert_eq!(
        head.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_bucket_and_what_s3_said() {
    let f = Fixture::start().await;
    let missing = S3Backend::new(f.settings("no-such-bucket"))
        .await
        .expect("backend");
    let err = missing.read().await.expect_err("no bucket");
    let message = err.to_string();
    assert!(matches!(err, StateError::S3 { .. }), "{message}");
    assert!(
        message.contains(&format!("s3://no-such-bucket/{KEY}")),
        "{message}"
    );
    assert!(message.contains("NoSuchBucket"), "{message}");

    let err = S3Backend::new(S3Settings::default())
        .await
        .expect_err("no bucket");
    assert!(matches!(err, StateError::Config(_)), "{err}");
}

/// The binary's view: either backend through [`Backend`].
async fn exercise(backend: &Backend) {
    assert!(backend.read().await.expect("read").is_none());
    let mut state = StateFile::new("test");
    backend.write(&mut state).await.expect("write");
    assert_eq!(backend.read().await.expect("read"), Some(state.clone()));
    let lock: BackendLock = backend.lock("apply").await.expect("lock");
    match backend.lock("plan").await {
        Err(StateError::Locked(info)) => assert_eq!(info.id, lock.info().id),
        other => panic!("expected Locked, got {other:?}"),
    }
    lock.release().await.expect("release");
    backend.lock("apply").await.expect("lock again");
    let key = backend.create_secret_key(b"k").await.expect("key");
    assert_eq!(backend.read_secret_key().await.expect("key"), Some(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_work_through_the_backend_enum() {
    let f = Fixture::start().await;
    let s3 = Backend::from(f.backend().await);
    assert_eq!(s3.describe(), format!("s3://{BUCKET}/{KEY}"));
    exercise(&s3).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let local = Backend::from(LocalBackend::new(dir.path()));
    assert!(local.describe().ends_with(".cairn/state.json"));
    exercise(&local).await;
}
