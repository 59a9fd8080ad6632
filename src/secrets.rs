//! Sensitive values at rest: state keeps only a keyed digest of them (HMAC-SHA256 with a
//! per-stack key kept by the state backend: `.cairn/secret.key`, mode 0600, or an encrypted
//! `<key>.secret-key` object beside an S3 state), enough to see that a value changed and
//! never enough to read it back.

use std::collections::BTreeSet;

use cairn_engine::{redact_attributes, sensitive_attributes};
use cairn_model::{Address, Catalog, Config, Value};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How a digest starts; a value that starts so is already one.
const PREFIX: &str = "sensitive:hmac-sha256:";

/// The stack's digest key.
pub struct Secrets {
    key: Vec<u8>,
}

impl Secrets {
    /// A digest key as the backend keeps it (`.cairn/secret.key` or `<key>.secret-key`).
    pub fn from_key(key: Vec<u8>) -> anyhow::Result<Secrets> {
        let key = String::from_utf8_lossy(&key).trim().as_bytes().to_vec();
        if key.len() < 32 {
            anyhow::bail!("the stack's digest key is too short to be a cairn key");
        }
        Ok(Secrets { key })
    }

    /// A new random key (64 hexadecimal digits), for a stack that has none yet.
    pub fn new_key() -> Vec<u8> {
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
        .into_bytes()
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

    /// `inputs` of the resource at `address` as they may be written: every sensitive
    /// attribute a digest (the configuration's `sensitive` marks and the catalog's).
    pub fn redact_inputs(
        &self,
        address: &Address,
        inputs: &Value,
        catalog: &Catalog,
        config: &Config,
    ) -> Value {
        let Some(schema) = catalog.get(&address.rtype) else {
            return inputs.clone();
        };
        let configured = config.resources.iter().find(|r| &r.address == address);
        let secret: BTreeSet<String> = sensitive_attributes(schema, configured);
        if secret.is_empty() {
            inputs.clone()
        } else {
            redact_attributes(inputs, &secret, &|v: &Value| self.digest(v))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_keyed_stable_and_idempotent() {
        let s = Secrets::from_key(Secrets::new_key()).expect("key");
        let d = s.digest(&Value::string("hunter2"));
        assert_eq!(d, s.digest(&Value::string("hunter2")));
        assert_eq!(s.digest(&d), d);
        assert_ne!(d, s.digest(&Value::string("hunter3")));
        assert!(!d.to_string().contains("hunter2"));
        // Another stack's key gives another digest; a short key is refused.
        let other = Secrets::from_key(Secrets::new_key()).expect("other");
        assert_ne!(other.digest(&Value::string("hunter2")), d);
        assert!(Secrets::from_key(b"short".to_vec()).is_err());
    }
}
