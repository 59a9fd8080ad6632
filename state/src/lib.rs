//! cairn's recorded state: the versioned file format, the local backend (atomic writes,
//! backups, mode 0600), the lock that serialises writers and, with the `s3` feature, the S3
//! backend (conditional writes, a lock object); [`Backend`] uses either uniformly.
//!
//! This crate knows nothing of the engine's in-memory types or of TOML: it stores and
//! returns [`StateFile`] values. Without the `s3` feature it does not depend on aws-sdk.

pub mod backend;
pub mod format;
pub mod local;
pub mod lock;
#[cfg(feature = "s3")]
pub mod s3;

pub use backend::{Backend, BackendLock};
pub use format::{
    parse, render, OutputRecord, PendingRecord, RenderCache, ResourceRecord, StateFile,
    FORMAT_VERSION,
};
pub use local::LocalBackend;
pub use lock::{LockGuard, LockInfo};
#[cfg(feature = "s3")]
pub use s3::{S3Backend, S3Lock, S3Settings};

use std::fmt;
use std::path::PathBuf;

/// What can go wrong reading, writing or locking state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid cairn state file: {message}{}", .path.display(), backup_hint(.backup))]
    Corrupt {
        /// The state file, or `s3://bucket/key`.
        path: PathBuf,
        message: String,
        /// The newest earlier version that reads as a valid state, if any.
        backup: Option<GoodCopy>,
    },
    #[error("{path} has state format version {found}; this cairn reads up to {supported}: upgrade cairn")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("state is locked by {0}")]
    Locked(Box<LockInfo>),
    #[error("the state in {location} ({found}) is not the one this run started from (lineage {ours}, serial {our_serial}): another writer changed it; nothing was written")]
    Conflict {
        /// The state file, or `s3://bucket/key`.
        location: String,
        /// What is stored there now (`lineage L, serial N`, or that it is gone).
        found: String,
        ours: String,
        our_serial: u64,
    },
    /// The state's serial is at its maximum: no later version can be numbered.
    #[error("the state in {location} has serial {serial}, the largest a serial can be, so no later version can be recorded; nothing was written. Write the state out with `cairn state pull FILE`, set its \"serial\" to a smaller number, and store it with `cairn state push FILE --force`")]
    SerialExhausted { location: String, serial: u64 },
    #[error("{0}")]
    Unlock(String),
    /// A request to S3 failed: what was being done, where, and what S3 said.
    #[error("{action} s3://{bucket}/{key}: {message}")]
    S3 {
        action: &'static str,
        bucket: String,
        key: String,
        message: String,
    },
    /// The backend's settings cannot work (e.g. no AWS region for the S3 backend).
    #[error("{0}")]
    Config(String),
}

/// An earlier version of a state that reads as valid, named in [`StateError::Corrupt`].
#[derive(Clone, Debug, PartialEq)]
pub enum GoodCopy {
    /// A backup file of the local backend.
    Backup(PathBuf),
    /// An earlier version of the S3 state object (bucket versioning).
    Version {
        /// `s3://bucket/key`.
        object: String,
        version_id: String,
    },
}

impl fmt::Display for GoodCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoodCopy::Backup(p) => write!(f, "{}", p.display()),
            GoodCopy::Version { object, version_id } => {
                write!(f, "version {version_id} of {object}")
            }
        }
    }
}

impl StateError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

fn backup_hint(backup: &Option<GoodCopy>) -> String {
    match backup {
        Some(b @ GoodCopy::Backup(_)) => format!(
            ". Nothing was changed. The latest good backup is {b}: check it, then copy it over the state file to recover"
        ),
        Some(b @ GoodCopy::Version { .. }) => format!(
            ". Nothing was changed. The latest good version is {b}: check it, then copy it over the state object to recover"
        ),
        None => ". Nothing was changed, and no good backup or earlier version was found".into(),
    }
}
