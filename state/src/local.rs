//! The local backend: `.cairn/state.json` in the stack directory, written atomically
//! (temporary file, fsync, rename) with mode 0600, earlier versions kept in `.cairn/backups/`.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::format::{check_next, parse, RenderCache, StateFile};
use crate::lock::{self, LockGuard};
use crate::{GoodCopy, StateError};

/// How many earlier versions of the state are kept.
pub const BACKUPS_KEPT: usize = 10;

/// Lineage and serial of a state file, and the file's identity when it was seen.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    lineage: String,
    serial: u64,
    file: Option<(u64, u64, std::time::SystemTime)>,
}

fn identity(path: &Path) -> Option<(u64, u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).ok()?;
    Some((m.ino(), m.len(), m.modified().ok()?))
}

/// State stored in a directory on the local file system.
#[derive(Debug)]
pub struct LocalBackend {
    dir: PathBuf,
    /// The last state read or written here, to detect a second writer cheaply.
    last: Mutex<Option<Seen>>,
    /// The text of the records last written, so a write renders only what changed.
    rendered: Mutex<RenderCache>,
}

impl LocalBackend {
    /// The backend of the stack in `stack_dir` (state under `stack_dir/.cairn`).
    pub fn new(stack_dir: &Path) -> Self {
        LocalBackend {
            dir: stack_dir.join(".cairn"),
            last: Mutex::new(None),
            rendered: Mutex::new(RenderCache::default()),
        }
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("state.lock")
    }

    pub fn backups_dir(&self) -> PathBuf {
        self.dir.join("backups")
    }

    /// Where the stack's key for digests of sensitive values is kept.
    pub fn secret_key_path(&self) -> PathBuf {
        self.dir.join("secret.key")
    }

    /// The stack's digest key (surrounding white space trimmed), `None` when none was made.
    pub fn read_secret_key(&self) -> Result<Option<Vec<u8>>, StateError> {
        let path = self.secret_key_path();
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes.trim_ascii().to_vec())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("reading", path, e)),
        }
    }

    /// Stores `key` as the stack's digest key (mode 0600) unless one exists already, and
    /// returns the key now stored: `key`, or the one another run made first. The key file
    /// appears whole (written aside, then linked into place), never half written.
    pub fn create_secret_key(&self, key: &[u8]) -> Result<Vec<u8>, StateError> {
        self.ensure_dir()?;
        let path = self.secret_key_path();
        let tmp = self
            .dir
            .join(format!("secret.key.tmp-{}", std::process::id()));
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(key).and_then(|_| f.sync_all()))
            .map_err(|e| StateError::io("writing", &tmp, e));
        let linked = written.and_then(|()| match fs::hard_link(&tmp, &path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(StateError::io("creating", &path, e)),
        });
        let _ = fs::remove_file(&tmp);
        if linked? {
            return Ok(key.to_vec());
        }
        self.read_secret_key()?
            .ok_or_else(|| StateError::io("reading", &path, std::io::ErrorKind::NotFound.into()))
    }

    /// `.cairn/` and its backups, owner only (an older cairn, or another tool making
    /// `.cairn/artifacts` first, may have left them wider).
    fn ensure_dir(&self) -> Result<(), StateError> {
        use std::os::unix::fs::PermissionsExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(self.backups_dir())
            .map_err(|e| StateError::io("creating", self.backups_dir(), e))?;
        for dir in [&self.dir, &self.backups_dir()] {
            let mode = fs::metadata(dir)
                .map_err(|e| StateError::io("reading", dir, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))
                    .map_err(|e| StateError::io("restricting", dir, e))?;
            }
        }
        Ok(())
    }

    /// Reads the state; `None` when none was written yet.
    pub fn read(&self) -> Result<Option<StateFile>, StateError> {
        let path = self.state_path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("reading", path, e)),
        };
        let state = match parse(&path, &text) {
            Err(StateError::Corrupt { path, message, .. }) => {
                return Err(StateError::Corrupt {
                    path,
                    message,
                    backup: self.latest_good_backup().map(GoodCopy::Backup),
                })
            }
            other => other?,
        };
        self.remember(&state);
        Ok(Some(state))
    }

    /// The newest backup that parses as a state file.
    pub fn latest_good_backup(&self) -> Option<PathBuf> {
        let mut backups: Vec<PathBuf> = fs::read_dir(self.backups_dir())
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        backups.sort();
        backups.into_iter().rev().find(|p| {
            fs::read_to_string(p)
                .ok()
                .is_some_and(|t| parse(p, &t).is_ok())
        })
    }

    /// Takes the state lock for `operation`; fails at once if another process holds it.
    pub fn lock(&self, operation: &str) -> Result<LockGuard, StateError> {
        self.ensure_dir()?;
        let guard = lock::acquire(&self.lock_path(), operation)?;
        self.remove_leftovers();
        Ok(guard)
    }

    /// Removes what an interrupted write left behind: temporary state files (only a holder
    /// of the lock writes them, so under the lock none is in use) and temporary key files
    /// older than a minute (a key file is written aside and linked into place at once).
    fn remove_leftovers(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let stale = std::time::Duration::from_secs(60);
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let old = || {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > stale)
            };
            if name.starts_with("state.json.tmp-") || (name.starts_with("secret.key.tmp-") && old())
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Clears a lock whose holder died (see [`lock::force_unlock`]).
    pub fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        lock::force_unlock(&self.lock_path(), id)
    }

    /// Writes `state` as the next version: its serial is incremented, the file replaced
    /// atomically, the previous version kept as a backup. Refuses (writing nothing) when the
    /// state on disk is not the one last read or written here.
    pub fn write(&self, state: &mut StateFile) -> Result<(), StateError> {
        self.write_changed(state, None)
    }

    /// [`LocalBackend::write`] of the next version of the state last written here, in which
    /// only the records at the addresses in `changed` differ (see [`RenderCache::render_changed`]).
    pub fn write_changed(
        &self,
        state: &mut StateFile,
        changed: Option<&BTreeSet<String>>,
    ) -> Result<(), StateError> {
        self.ensure_dir()?;
        let path = self.state_path();
        // What is on disk now: the state last seen here when the file is unchanged since
        // (one stat), else the file itself.
        let seen = self.last.lock().ok().and_then(|l| l.clone());
        let now = identity(&path);
        let current = match (seen, now) {
            (_, None) => None,
            (Some(seen), Some(id)) if seen.file == Some(id) => Some((seen.lineage, seen.serial)),
            (_, Some(_)) => {
                let text =
                    fs::read_to_string(&path).map_err(|e| StateError::io("reading", &path, e))?;
                let s = parse(&path, &text)?;
                Some((s.lineage, s.serial))
            }
        };
        let next = check_next(
            &path.display().to_string(),
            current.as_ref().map(|(l, s)| (l.as_str(), *s)),
            state,
        )?;
        let started = state.serial;
        state.serial = next;
        let rendered = match self.rendered.lock() {
            Ok(mut cache) => cache.render_changed(&path, state, changed),
            Err(_) => crate::format::render(&path, state),
        };
        let text = match rendered {
            Ok(t) => t,
            Err(e) => {
                state.serial = started;
                return Err(e);
            }
        };
        let result = self.replace(&path, &text, current.map(|c| c.1));
        match result {
            Ok(()) => {
                self.remember(state);
                Ok(())
            }
            Err(e) => {
                state.serial = started;
                Err(e)
            }
        }
    }

    fn remember(&self, state: &StateFile) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Seen {
                lineage: state.lineage.clone(),
                serial: state.serial,
                file: identity(&self.state_path()),
            });
        }
    }

    fn replace(&self, path: &Path, text: &str, old_serial: Option<u64>) -> Result<(), StateError> {
        let tmp = self
            .dir
            .join(format!("state.json.tmp-{}", std::process::id()));
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| StateError::io("creating", &tmp, e))?;
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| StateError::io("writing", &tmp, e))?;
        drop(f);
        if let Some(serial) = old_serial {
            // The old version stays reachable as a backup (a hard link: no copy).
            let backup = self.backups_dir().join(format!("state.{serial:08}.json"));
            let _ = fs::remove_file(&backup);
            fs::hard_link(path, &backup)
                .or_else(|_| fs::copy(path, &backup).map(|_| ()))
                .map_err(|e| StateError::io("backing up to", &backup, e))?;
            self.prune_backups();
        }
        fs::rename(&tmp, path).map_err(|e| StateError::io("replacing", path, e))?;
        if let Ok(d) = fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    fn prune_backups(&self) {
        let Ok(entries) = fs::read_dir(self.backups_dir()) else {
            return;
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("state.") && n.ends_with(".json"))
            })
            .collect();
        names.sort();
        while names.len() > BACKUPS_KEPT {
            let _ = fs::remove_file(names.remove(0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_atomically_with_mode_backups_and_serials() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        assert!(backend.read().expect("read").is_none());
        let mut state = StateFile::new("test");
        for _ in 0..(BACKUPS_KEPT + 3) {
            backend.write(&mut state).expect("write");
        }
        assert_eq!(state.serial, (BACKUPS_KEPT + 3) as u64);
        let mode = fs::metadata(backend.state_path())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let back = LocalBackend::new(dir.path())
            .read()
            .expect("read")
            .expect("some");
        assert_eq!(back, state);
        let backups = fs::read_dir(backend.backups_dir()).expect("dir").count();
        assert_eq!(backups, BACKUPS_KEPT);
        // No temporary file is left behind.
        let leftovers: Vec<_> = fs::read_dir(dir.path().join(".cairn"))
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_second_writer_with_a_stale_state_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = LocalBackend::new(dir.path());
        let mut sa = StateFile::new("test");
        a.write(&mut sa).expect("write");
        let b = LocalBackend::new(dir.path());
        let mut sb = b.read().expect("read").expect("some");
        a.write(&mut sa).expect("write");
        let err = b.write(&mut sb).expect_err("conflict");
        assert!(matches!(err, StateError::Conflict { .. }), "{err}");
        assert_eq!(sb.serial, 1, "serial unchanged on refusal");
        assert_eq!(a.read().expect("read").expect("some").serial, 2);
    }

    #[test]
    fn a_truncated_state_names_the_latest_good_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        let mut s = StateFile::new("test");
        for _ in 0..3 {
            backend.write(&mut s).expect("write");
        }
        // Truncated in place (a full disk, a bad editor): never read as an empty state.
        fs::write(backend.state_path(), "").expect("truncate");
        let err = backend.read().expect_err("corrupt");
        let StateError::Corrupt { backup, .. } = &err else {
            panic!("{err:?}");
        };
        let Some(GoodCopy::Backup(backup)) = backup.clone() else {
            panic!("no good backup named: {err}");
        };
        let good = parse(&backup, &fs::read_to_string(&backup).expect("backup")).expect("parses");
        assert!(good.serial >= 1 && good.lineage == s.lineage);
        let message = err.to_string();
        assert!(message.contains("latest good backup is"), "{message}");
        assert!(message.contains(&backup.display().to_string()), "{message}");
    }

    #[test]
    fn damage_that_leaves_valid_json_is_caught_by_the_checksum() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        let mut s = StateFile::new("test");
        s.resources.push(crate::ResourceRecord {
            address: "aws_vpc.main".into(),
            rtype: "aws_vpc".into(),
            id: "vpc-0123456789abcdef0".into(),
            inputs: serde_json::json!({"cidr_block": "10.0.0.0/16"}),
            outputs: serde_json::json!({}),
            dependencies: Vec::new(),
            prevent_destroy: false,
            provider: None,
        });
        backend.write(&mut s).expect("write");
        backend.write(&mut s).expect("write");
        let text = fs::read_to_string(backend.state_path()).expect("read");
        assert!(text.contains("\"checksum\": \"sha256:"), "{text}");
        // One byte of the id flipped: still valid JSON, no longer the state cairn wrote.
        fs::write(backend.state_path(), text.replace("vpc-0123", "vpc-0124")).expect("write");
        let err = LocalBackend::new(dir.path()).read().expect_err("refused");
        let message = err.to_string();
        assert!(message.contains("checksum does not match"), "{message}");
        assert!(message.contains("latest good backup is"), "{message}");
        // An edit on purpose: without its checksum line the file is read as it is.
        let edited: String = text
            .replace("vpc-0123", "vpc-0124")
            .lines()
            .filter(|l| !l.contains("\"checksum\""))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("],\n}", "]\n}")
            .replace("},\n}", "}\n}");
        fs::write(backend.state_path(), edited).expect("write");
        let read = LocalBackend::new(dir.path())
            .read()
            .expect("read")
            .expect("some");
        assert_eq!(read.resources[0].id, "vpc-0124456789abcdef0");
        assert_eq!(read.checksum, None);
    }

    #[test]
    fn newer_format_and_garbage_are_errors_not_data_loss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        fs::create_dir_all(dir.path().join(".cairn")).expect("mkdir");
        fs::write(backend.state_path(), r#"{"format_version": 99}"#).expect("write");
        assert!(matches!(
            backend.read(),
            Err(StateError::TooNew { found: 99, .. })
        ));
        fs::write(backend.state_path(), "{ not json").expect("write");
        assert!(matches!(backend.read(), Err(StateError::Corrupt { .. })));
        let mut s = StateFile::new("test");
        assert!(
            backend.write(&mut s).is_err(),
            "never overwrite what cannot be read"
        );
        assert_eq!(
            fs::read_to_string(backend.state_path()).expect("read"),
            "{ not json"
        );
    }

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        let guard = backend.lock("apply").expect("lock");
        match LocalBackend::new(dir.path()).lock("plan") {
            Err(StateError::Locked(info)) => {
                assert_eq!(info.id, guard.info.id);
                assert_eq!(info.operation, "apply");
                assert_eq!(info.pid, std::process::id());
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        let err = backend.force_unlock(&guard.info.id).expect_err("held");
        assert!(err.to_string().contains("running process"), "{err}");
        drop(guard);
        let again = backend.lock("apply").expect("lock again after release");
        drop(again);
    }

    #[test]
    fn a_serial_at_its_maximum_is_refused_never_wrapped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        let mut s = StateFile::new("test");
        backend.write(&mut s).expect("first write");
        s.serial = u64::MAX;
        // As a person would edit it: without the checksum line.
        let edited = serde_json::to_string_pretty(&s).expect("json");
        fs::write(backend.state_path(), &edited).expect("edit");
        let fresh = LocalBackend::new(dir.path());
        let mut read = fresh.read().expect("read").expect("some");
        assert_eq!(read.serial, u64::MAX);
        match fresh.write(&mut read) {
            Err(e @ StateError::SerialExhausted { .. }) => {
                assert!(e.to_string().contains("state push FILE --force"), "{e}");
            }
            other => panic!("expected SerialExhausted, got {other:?}"),
        }
        assert_eq!(read.serial, u64::MAX, "the serial is left as it was");
        assert_eq!(
            fs::read_to_string(backend.state_path()).expect("read"),
            edited,
            "nothing was written"
        );
    }

    #[test]
    fn the_next_lock_removes_what_an_interrupted_write_left() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = LocalBackend::new(dir.path());
        let mut s = StateFile::new("test");
        backend.write(&mut s).expect("write");
        let cairn = dir.path().join(".cairn");
        // A write killed before its rename, and a key file being made right now elsewhere.
        fs::write(cairn.join("state.json.tmp-4242"), "{\"half").expect("leftover");
        fs::write(cairn.join("secret.key.tmp-4243"), "fresh").expect("in use");
        // An older cairn left the directory readable by others.
        fs::set_permissions(&cairn, fs::Permissions::from_mode(0o755)).expect("chmod");
        let guard = backend.lock("apply").expect("lock");
        assert!(!cairn.join("state.json.tmp-4242").exists());
        assert!(
            cairn.join("secret.key.tmp-4243").exists(),
            "a fresh key file may be in use by a plan"
        );
        let mode = fs::metadata(&cairn).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        drop(guard);
        assert_eq!(
            LocalBackend::new(dir.path()).read().expect("read"),
            Some(s),
            "the state itself is untouched"
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value as Json};

    /// Any JSON value, numbers at and past every integer limit included.
    fn any_json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::from),
            any::<u64>().prop_map(Json::from),
            any::<i64>().prop_map(Json::from),
            any::<f64>().prop_map(|f| json!(f)),
            prop_oneof![
                Just(u64::MAX),
                Just(u64::MAX - 1),
                Just(u32::MAX as u64 + 1)
            ]
            .prop_map(Json::from),
            "[a-z_.\\[\\]\"0-9-]{0,12}".prop_map(Json::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                prop::collection::btree_map("[a-z_]{1,16}", inner, 0..6)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A state file with one of its fields replaced by `value`.
    fn state_with(field: &str, value: Json) -> Json {
        let mut s = json!({
            "format_version": 1,
            "lineage": "6f1c1d2e-0000-4000-8000-000000000000",
            "serial": 3,
            "cairn_version": "0.1.0",
            "resources": [{
                "address": "aws_vpc.main", "type": "aws_vpc", "id": "vpc-1",
                "inputs": {"cidr_block": "10.0.0.0/16"}, "outputs": {"id": "vpc-1"},
                "dependencies": []
            }],
            "pending": [{
                "token": "t", "address": "aws_subnet.a", "operation": "create",
                "started_unix": 1
            }],
            "outputs": {}
        });
        let path: Vec<&str> = field.split('.').collect();
        let mut at = &mut s;
        for (i, step) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            at = match step.parse::<usize>() {
                Ok(n) => &mut at[n],
                Err(_) if last => {
                    at[*step] = value;
                    return s;
                }
                Err(_) => &mut at[*step],
            };
        }
        *at = value;
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever JSON a state file holds, reading it (and writing the next version of
        /// what was read) ends in a state or an error, never a panic.
        #[test]
        fn any_json_reads_or_is_refused(
            field in prop::sample::select(vec![
                "format_version", "lineage", "serial", "resources", "resources.0",
                "resources.0.inputs", "resources.0.dependencies", "resources.0.prevent_destroy",
                "pending", "pending.0.started_unix", "pending.0.inputs", "outputs", "deposed",
            ]),
            value in any_json(),
            whole in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().expect("tempdir");
            let backend = LocalBackend::new(dir.path());
            fs::create_dir_all(dir.path().join(".cairn")).expect("mkdir");
            let text = if whole { value.to_string() } else { state_with(field, value).to_string() };
            fs::write(backend.state_path(), text).expect("write");
            if let Ok(Some(mut read)) = backend.read() {
                let before = read.serial;
                match backend.write(&mut read) {
                    Ok(()) => prop_assert_eq!(read.serial, before + 1),
                    Err(_) => prop_assert_eq!(read.serial, before),
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Damaged state files are errors, never panics and never an empty state.
        #[test]
        fn damaged_state_files_are_refused(cut in 0usize..400, len in 1usize..40) {
            let dir = tempfile::tempdir().expect("tempdir");
            let backend = LocalBackend::new(dir.path());
            let mut s = StateFile::new("test");
            backend.write(&mut s).expect("write");
            let text = fs::read_to_string(backend.state_path()).expect("read");
            let start = cut.min(text.len().saturating_sub(1));
            let end = (start + len).min(text.len());
            let mut damaged = text.clone();
            damaged.replace_range(start..end, "");
            prop_assume!(damaged != text);
            fs::write(backend.state_path(), &damaged).expect("write");
            let fresh = LocalBackend::new(dir.path());
            // No damage reads as "no state", none panics, and a cut that leaves valid JSON
            // (inside a string, say) is caught by the checksum: only a cut of layout
            // (white space between tokens) reads, as the very state written.
            match fresh.read() {
                Err(_) => {}
                Ok(Some(read)) => prop_assert_eq!(read, s),
                Ok(None) => prop_assert!(false, "a damaged file read as no state"),
            }
        }
    }
}
