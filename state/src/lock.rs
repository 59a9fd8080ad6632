//! The state lock: an OS file lock on `.cairn/state.lock` holding who took it.
//!
//! The kernel releases the lock when its holder exits, however it exits, so a lock left by a
//! process that died never blocks the next run; the holder's details in the file are then
//! simply overwritten.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::StateError;

/// Who holds the lock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Unique id of this lock, for `cairn force-unlock`.
    pub id: String,
    pub who: String,
    pub host: String,
    pub pid: u32,
    /// RFC 3339 time the lock was taken.
    pub created: String,
    /// The command that holds it (`apply`, `destroy`, ...).
    pub operation: String,
}

impl LockInfo {
    /// Details of a lock about to be taken by this process.
    pub fn for_this_process(operation: &str) -> Self {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            who: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| "unknown".into()),
            host: hostname(),
            pid: std::process::id(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            operation: operation.to_string(),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{} (pid {}) running `{}` since {} (lock ID {})",
            self.who, self.host, self.pid, self.operation, self.created, self.id
        )
    }
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
    pub info: LockInfo,
}

fn open(path: &Path) -> Result<File, StateError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| StateError::io("opening lock", path, e))
}

fn read_info(file: &mut File) -> Option<LockInfo> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Takes the lock at `path` for `operation`, or fails at once with the holder's details.
pub fn acquire(path: &Path, operation: &str) -> Result<LockGuard, StateError> {
    let mut file = open(path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let info = read_info(&mut file).unwrap_or(LockInfo {
                id: "unknown".into(),
                who: "another process".into(),
                host: "unknown".into(),
                pid: 0,
                created: "unknown".into(),
                operation: "unknown".into(),
            });
            return Err(StateError::Locked(Box::new(info)));
        }
        Err(TryLockError::Error(e)) => return Err(StateError::io("locking", path, e)),
    }
    let info = LockInfo::for_this_process(operation);
    let text = serde_json::to_string_pretty(&info).unwrap_or_default();
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)).map(|_| ()))
        .and_then(|_| file.write_all(text.as_bytes()))
        .and_then(|_| file.sync_all())
        .map_err(|e| StateError::io("writing lock", path, e))?;
    Ok(LockGuard {
        file,
        path: path.to_path_buf(),
        info,
    })
}

/// Clears the lock with `id` at `path` if its holder is gone. A lock whose holder still runs
/// cannot be taken away: the error says who holds it.
pub fn force_unlock(path: &Path, id: &str) -> Result<(), StateError> {
    let mut file = open(path)?;
    let info = read_info(&mut file);
    match file.try_lock() {
        Ok(()) => {
            match info {
                Some(i) if i.id == id => {
                    file.set_len(0)
                        .map_err(|e| StateError::io("clearing lock", path, e))?;
                }
                Some(i) => {
                    return Err(StateError::Unlock(format!(
                        "the lock recorded in {} has ID {}, not {id}; nothing changed",
                        path.display(),
                        i.id
                    )))
                }
                None => {
                    return Err(StateError::Unlock(format!(
                        "no lock is held at {}",
                        path.display()
                    )))
                }
            }
            Ok(())
        }
        Err(TryLockError::WouldBlock) => Err(StateError::Unlock(format!(
            "the lock is held by a running process: {}; stop that process instead",
            info.map(|i| i.to_string())
                .unwrap_or_else(|| "unknown".into())
        ))),
        Err(TryLockError::Error(e)) => Err(StateError::io("locking", path, e)),
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Clear the holder's details, then release (closing the file releases too).
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
        let _ = &self.path;
    }
}
