//! The state file format, version 1: its own serde types, separate from the engine's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::StateError;

/// The newest state format this cairn reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// One state file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateFile {
    pub format_version: u32,
    /// Identity of this state's history (a UUID), kept for its whole life.
    pub lineage: String,
    /// Incremented on every write.
    pub serial: u64,
    /// Version of cairn that wrote the file.
    pub cairn_version: String,
    #[serde(default)]
    pub resources: Vec<ResourceRecord>,
    /// Old instances replaced with `create_before_destroy` and not yet deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed: Vec<ResourceRecord>,
    /// Operations started and not seen to finish.
    #[serde(default)]
    pub pending: Vec<PendingRecord>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputRecord>,
    /// `sha256:<hex>` of the state's compact JSON without this field, written by every
    /// backend and checked on every read, so damage that leaves valid JSON (a flipped byte in
    /// an id) is refused too. In memory it is always `None`: only stored text carries it. A
    /// state without one (written or edited by hand) is read as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl StateFile {
    /// An empty state with a fresh lineage.
    pub fn new(cairn_version: &str) -> Self {
        StateFile {
            format_version: FORMAT_VERSION,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            cairn_version: cairn_version.to_string(),
            resources: Vec::new(),
            deposed: Vec::new(),
            pending: Vec::new(),
            outputs: BTreeMap::new(),
            checksum: None,
        }
    }
}

/// One managed resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceRecord {
    pub address: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub id: String,
    /// Configuration-shaped inputs as last applied and read back.
    pub inputs: serde_json::Value,
    pub outputs: serde_json::Value,
    /// Addresses this resource depended on when last applied.
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
}

/// An operation started and not seen to finish.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingRecord {
    pub token: String,
    pub address: String,
    pub operation: String,
    pub started_unix: u64,
    /// For a create: the configuration it was given (sensitive values as digests), to find
    /// what it made if the run died before recording it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<serde_json::Value>,
    /// For a create: the addresses the resource depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
}

/// A stack output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// Parses the text of a state stored at `location` (a path, or `s3://bucket/key`). A text
/// that does not parse is [`StateError::Corrupt`] (with no good copy named: the backend adds
/// that), a newer format [`StateError::TooNew`]; never an empty state.
pub fn parse(location: &Path, text: &str) -> Result<StateFile, StateError> {
    #[derive(serde::Deserialize)]
    struct Version {
        format_version: u32,
    }
    let corrupt = |e: serde_json::Error| StateError::Corrupt {
        path: location.to_path_buf(),
        message: e.to_string(),
        backup: None,
    };
    let version: Version = serde_json::from_str(text).map_err(corrupt)?;
    if version.format_version > FORMAT_VERSION {
        return Err(StateError::TooNew {
            path: location.to_path_buf(),
            found: version.format_version,
            supported: FORMAT_VERSION,
        });
    }
    let mut state: StateFile = serde_json::from_str(text).map_err(corrupt)?;
    if let Some(stored) = state.checksum.take() {
        if checksum(&state).map_err(corrupt)? != stored {
            return Err(StateError::Corrupt {
                path: location.to_path_buf(),
                message: "its content was changed after cairn wrote it (the checksum does not match). If you edited it on purpose, remove its `checksum` line".into(),
                backup: None,
            });
        }
    }
    Ok(state)
}

/// `sha256:<hex>` of `state`'s compact JSON (its own `checksum` left out).
fn checksum(state: &StateFile) -> Result<String, serde_json::Error> {
    use sha2::{Digest, Sha256};
    let text = if state.checksum.is_some() {
        serde_json::to_string(&StateFile {
            checksum: None,
            ..state.clone()
        })?
    } else {
        serde_json::to_string(state)?
    };
    let hex: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{hex}"))
}

/// The stored text of `state` (pretty JSON with its checksum, and a final newline).
pub fn render(location: &Path, state: &StateFile) -> Result<String, StateError> {
    let failed = |e: serde_json::Error| StateError::Corrupt {
        path: location.to_path_buf(),
        message: e.to_string(),
        backup: None,
    };
    let stored = StateFile {
        checksum: Some(checksum(state).map_err(failed)?),
        ..state.clone()
    };
    serde_json::to_string_pretty(&stored)
        .map(|t| t + "\n")
        .map_err(failed)
}

/// The check every backend makes before writing `state` as the next version: the stored
/// state (`current`: lineage and serial, `None` when nothing is stored) must be the one
/// `state` was read from.
pub(crate) fn check_next(
    location: &str,
    current: Option<(&str, u64)>,
    state: &StateFile,
) -> Result<(), StateError> {
    match current {
        Some((lineage, serial)) if lineage != state.lineage || serial != state.serial => {
            Err(StateError::Conflict {
                location: location.to_string(),
                found: format!("lineage {lineage}, serial {serial}"),
                ours: state.lineage.clone(),
                our_serial: state.serial,
            })
        }
        _ => Ok(()),
    }
}
