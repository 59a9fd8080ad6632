//! [`Backend`]: the local backend or (feature `s3`) the S3 backend behind one async API, so
//! the binary reads, writes and locks state the same way wherever it is kept.

use std::collections::BTreeSet;

use crate::format::StateFile;
use crate::local::LocalBackend;
use crate::lock::{LockGuard, LockInfo};
use crate::StateError;

#[cfg(feature = "s3")]
use crate::s3::{S3Backend, S3Lock};

/// Where the state is kept.
#[derive(Debug)]
pub enum Backend {
    /// `.cairn/state.json` in the stack directory.
    Local(LocalBackend),
    /// One object in an S3 bucket, shared by every runner.
    #[cfg(feature = "s3")]
    S3(S3Backend),
}

impl From<LocalBackend> for Backend {
    fn from(b: LocalBackend) -> Self {
        Backend::Local(b)
    }
}

#[cfg(feature = "s3")]
impl From<S3Backend> for Backend {
    fn from(b: S3Backend) -> Self {
        Backend::S3(b)
    }
}

impl Backend {
    /// Where the state is, for messages: the state file's path or `s3://bucket/key`.
    pub fn describe(&self) -> String {
        match self {
            Backend::Local(b) => b.state_path().display().to_string(),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.location(),
        }
    }

    /// Reads the state; `None` when none was written yet. A state that does not parse is
    /// [`StateError::Corrupt`], naming the latest good earlier version when there is one.
    pub async fn read(&self) -> Result<Option<StateFile>, StateError> {
        match self {
            Backend::Local(b) => b.read(),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.read().await,
        }
    }

    /// Writes `state` as the next version (its serial incremented only on success); refuses
    /// with [`StateError::Conflict`], writing nothing, when the stored state is not the one
    /// last read or written through this backend.
    pub async fn write(&self, state: &mut StateFile) -> Result<(), StateError> {
        self.write_changed(state, None).await
    }

    /// [`Backend::write`] of the next version of the state last written through this backend,
    /// in which only the records at the addresses in `changed` differ (all may, with `None`):
    /// the others are not rendered again.
    pub async fn write_changed(
        &self,
        state: &mut StateFile,
        changed: Option<&BTreeSet<String>>,
    ) -> Result<(), StateError> {
        match self {
            Backend::Local(b) => b.write_changed(state, changed),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.write_changed(state, changed).await,
        }
    }

    /// Takes the state lock for `operation`; fails at once with [`StateError::Locked`] and
    /// the holder's details when another run holds it.
    pub async fn lock(&self, operation: &str) -> Result<BackendLock, StateError> {
        match self {
            Backend::Local(b) => b.lock(operation).map(BackendLock::Local),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.lock(operation).await.map(BackendLock::S3),
        }
    }

    /// Clears a stale lock with this `id` (`cairn force-unlock ID`).
    pub async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        match self {
            Backend::Local(b) => b.force_unlock(id),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.force_unlock(id).await,
        }
    }

    /// The stack's key for digests of sensitive values, `None` when none was made yet.
    pub async fn read_secret_key(&self) -> Result<Option<Vec<u8>>, StateError> {
        match self {
            Backend::Local(b) => b.read_secret_key(),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.read_secret_key().await,
        }
    }

    /// Stores `key` as the stack's digest key unless one exists, and returns the key now
    /// stored (`key`, or the one another runner made first: all runners agree on one key).
    pub async fn create_secret_key(&self, key: &[u8]) -> Result<Vec<u8>, StateError> {
        match self {
            Backend::Local(b) => b.create_secret_key(key),
            #[cfg(feature = "s3")]
            Backend::S3(b) => b.create_secret_key(key).await,
        }
    }
}

/// A held state lock of either backend.
#[derive(Debug)]
pub enum BackendLock {
    /// Released by the kernel when dropped or when the process exits.
    Local(LockGuard),
    /// Released by [`BackendLock::release`], else best-effort on drop.
    #[cfg(feature = "s3")]
    S3(S3Lock),
}

impl BackendLock {
    /// Who holds the lock (this run).
    pub fn info(&self) -> &LockInfo {
        match self {
            BackendLock::Local(g) => &g.info,
            #[cfg(feature = "s3")]
            BackendLock::S3(l) => &l.info,
        }
    }

    /// Releases the lock, reporting failure (dropping it releases too, but silently).
    pub async fn release(self) -> Result<(), StateError> {
        match self {
            BackendLock::Local(g) => {
                drop(g);
                Ok(())
            }
            #[cfg(feature = "s3")]
            BackendLock::S3(l) => l.release().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Runs a future that never waits (the local backend's), without an async runtime.
    fn now<T>(f: impl Future<Output = T>) -> T {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(f).poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the local backend never waits"),
        }
    }

    #[test]
    fn the_local_backend_through_the_enum() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = Backend::from(LocalBackend::new(dir.path()));
        assert!(backend.describe().ends_with(".cairn/state.json"));
        assert!(now(backend.read()).expect("read").is_none());
        let mut state = StateFile::new("test");
        now(backend.write(&mut state)).expect("write");
        assert_eq!(state.serial, 1);
        assert_eq!(now(backend.read()).expect("read"), Some(state.clone()));

        let lock = now(backend.lock("apply")).expect("lock");
        match now(backend.lock("plan")) {
            Err(StateError::Locked(info)) => assert_eq!(info.id, lock.info().id),
            other => panic!("expected Locked, got {other:?}"),
        }
        now(lock.release()).expect("release");
        drop(now(backend.lock("apply")).expect("lock again"));

        assert_eq!(now(backend.read_secret_key()).expect("key"), None);
        let key = now(backend.create_secret_key(b"0123456789abcdef")).expect("create");
        assert_eq!(key, b"0123456789abcdef");
        let other = now(backend.create_secret_key(b"another")).expect("create");
        assert_eq!(other, key, "the first key stays");
        assert_eq!(now(backend.read_secret_key()).expect("key"), Some(key));
    }
}
