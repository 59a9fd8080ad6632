//! Sensitive values at rest: state keeps only a keyed digest of them (HMAC-SHA256 with a
//! per-stack key in `.cairn/secret.key`, mode 0600), enough to see that a value changed and
//! never enough to read it back.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use cairn_engine::{redact_attributes, sensitive_attributes, State};
use cairn_model::{Catalog, Config, Value};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How a digest starts; a value that starts so is already one.
const PREFIX: &str = "sensitive:hmac-sha256:";

/// The stack's digest key.
pub struct Secrets {
    key: Vec<u8>,
}

impl Secrets {
    /// The key in `state_dir` (`.cairn/`), made on first use.
    pub fn open(state_dir: &Path) -> anyhow::Result<Secrets> {
        let path: PathBuf = state_dir.join("secret.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let key = text.trim().as_bytes().to_vec();
            if key.len() >= 32 {
                return Ok(Secrets { key });
            }
            anyhow::bail!("{} is too short to be a cairn key", path.display());
        }
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("cannot create {}", state_dir.display()))?;
        let key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = match options.open(&path) {
            Ok(f) => f,
            // Another run made it meanwhile: use that one.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Secrets::open(state_dir)
            }
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        };
        f.write_all(key.as_bytes())
            .and_then(|_| f.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Secrets {
            key: key.into_bytes(),
        })
    }

    /// The keyed digest of `v` (a digest is returned as it is).
    pub fn digest(&self, v: &Value) -> Value {
        if let Value::String(s) = v {
            if s.starts_with(PREFIX) {
                return v.clone();
            }
        }
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return Value::string(format!("{PREFIX}unavailable"));
        };
        mac.update(v.canonical_json().as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Value::string(format!("{PREFIX}{hex}"))
    }

    /// `state` as it may be written: every sensitive attribute and output a digest.
    pub fn redact_state(&self, state: &State, catalog: &Catalog, config: &Config) -> State {
        let mut out = state.clone();
        let redact = |v: &Value| self.digest(v);
        let redact_one = |r: &mut cairn_engine::ResourceState| {
            let secret: BTreeSet<String> = match catalog.get(&r.address.rtype) {
                Some(schema) => sensitive_attributes(
                    schema,
                    config.resources.iter().find(|c| c.address == r.address),
                ),
                None => BTreeSet::new(),
            };
            if !secret.is_empty() {
                r.inputs = redact_attributes(&r.inputs, &secret, &redact);
            }
        };
        out.resources.values_mut().for_each(redact_one);
        out.deposed.iter_mut().for_each(redact_one);
        for o in out.outputs.values_mut().filter(|o| o.sensitive) {
            o.value = self.digest(&o.value);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_keyed_stable_and_idempotent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Secrets::open(dir.path()).expect("key");
        let d = s.digest(&Value::string("hunter2"));
        assert_eq!(d, s.digest(&Value::string("hunter2")));
        assert_eq!(s.digest(&d), d);
        assert_ne!(d, s.digest(&Value::string("hunter3")));
        assert!(!d.to_string().contains("hunter2"));
        // The same key is read back; another stack's key gives another digest.
        assert_eq!(
            Secrets::open(dir.path())
                .expect("again")
                .digest(&Value::string("hunter2")),
            d
        );
        let other = tempfile::tempdir().expect("tempdir");
        assert_ne!(
            Secrets::open(other.path())
                .expect("other")
                .digest(&Value::string("hunter2")),
            d
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
