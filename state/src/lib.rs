//! cairn's recorded state: the versioned file format, the local backend (atomic writes,
//! backups, mode 0600) and the lock that serialises writers.
//!
//! This crate knows nothing of the engine's in-memory types or of TOML: it stores and
//! returns [`StateFile`] values.

pub mod format;
pub mod local;
pub mod lock;

pub use format::{OutputRecord, PendingRecord, ResourceRecord, StateFile, FORMAT_VERSION};
pub use local::LocalBackend;
pub use lock::{LockGuard, LockInfo};

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
    #[error("{path} is not a valid cairn state file: {message}{}", backup_hint(.backup))]
    Corrupt {
        path: PathBuf,
        message: String,
        /// The newest backup that reads as a valid state, if any.
        backup: Option<PathBuf>,
    },
    #[error("{path} has state format version {found}; this cairn reads up to {supported}: upgrade cairn")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("state is locked by {0}")]
    Locked(Box<LockInfo>),
    #[error("the state on disk (lineage {on_disk}, serial {on_disk_serial}) is not the one this run started from (lineage {ours}, serial {our_serial}): another writer changed it; nothing was written")]
    Conflict {
        on_disk: String,
        on_disk_serial: u64,
        ours: String,
        our_serial: u64,
    },
    #[error("{0}")]
    Unlock(String),
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

fn backup_hint(backup: &Option<PathBuf>) -> String {
    match backup {
        Some(b) => format!(
            ". Nothing was changed. The latest good backup is {}: check it, then copy it over the state file to recover",
            b.display()
        ),
        None => ". Nothing was changed, and no good backup was found".into(),
    }
}
