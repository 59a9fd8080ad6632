//! Files only their owner may read: saved plans and everything cairn keeps under `.cairn/`
//! (files 0600, directories 0700), since they describe infrastructure and may hold digests.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

/// Creates `dir` and its missing parents with mode 0700, and narrows `dir` itself to 0700
/// if it already existed with a wider mode (made by an earlier cairn).
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    narrow(dir, 0o700)
}

/// Writes `bytes` to `path` with mode 0600 (a file that existed with a wider mode is
/// narrowed first), flushed to disk. `path`'s directory must exist.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.exists() {
        narrow(path, 0o600)?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Takes away every permission beyond `mode` from `path`.
fn narrow(path: &Path, mode: u32) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let current = meta.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))
            .with_context(|| format!("cannot restrict the permissions of {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn files_and_directories_are_owner_only_even_when_they_existed_wider() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join(".cairn/artifacts");
        create_dir(&dir).expect("create");
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join(".cairn")), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        create_dir(&dir).expect("again");
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("a.plan");
        std::fs::write(&file, "old").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_file(&file, b"new").expect("write");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).expect("read"), b"new");
        write_file(&dir.join("b"), b"x").expect("write");
        assert_eq!(mode(&dir.join("b")), 0o600);
    }
}
