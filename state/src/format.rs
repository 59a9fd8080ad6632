//! The state file format, version 1: its own serde types, separate from the engine's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
}

/// A stack output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}
