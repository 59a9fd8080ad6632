//! The state file format, version 1: its own serde types, separate from the engine's.

use std::collections::{BTreeMap, BTreeSet};
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
    /// The alias of the provider configuration it was made with (absent: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
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
    /// The alias of the provider configuration the operation runs with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
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

/// `sha256:<hex>` of a state's compact JSON (its own `checksum` left out).
fn checksum_of(compact: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(compact.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// `sha256:<hex>` of `state`'s compact JSON (its own `checksum` left out).
fn checksum(state: &StateFile) -> Result<String, serde_json::Error> {
    let compact = if state.checksum.is_some() {
        serde_json::to_string(&StateFile {
            checksum: None,
            ..state.clone()
        })?
    } else {
        serde_json::to_string(state)?
    };
    Ok(checksum_of(&compact))
}

/// The stored text of `state` (pretty JSON with its checksum, and a final newline).
pub fn render(location: &Path, state: &StateFile) -> Result<String, StateError> {
    RenderCache::default().render(location, state)
}

/// Renders state files, keeping the text of every resource record it rendered, so that the
/// next version of the same state costs only its changed records: a backend writes the whole
/// state after every operation, and serialising a thousand unchanged records each time made
/// those writes grow with the stack. The text is exactly [`render`]'s.
#[derive(Debug, Default)]
pub struct RenderCache {
    /// By address: the record as last rendered, its compact JSON and its pretty JSON (indented
    /// as an element of the top-level `resources` array).
    records: BTreeMap<String, (ResourceRecord, String, String)>,
}

/// Indentation of an element of a top-level array in serde_json's pretty output.
const ELEMENT_INDENT: &str = "    ";

impl RenderCache {
    /// The stored text of `state`, as [`render`] gives it.
    pub fn render(&mut self, location: &Path, state: &StateFile) -> Result<String, StateError> {
        self.render_changed(location, state, None)
    }

    /// [`RenderCache::render`] of the next version of the state this cache last rendered, in
    /// which only the records at the addresses in `changed` may differ (all may, with `None`):
    /// the others are taken from the cache without even being compared.
    pub fn render_changed(
        &mut self,
        location: &Path,
        state: &StateFile,
        changed: Option<&BTreeSet<String>>,
    ) -> Result<String, StateError> {
        let failed = |e: serde_json::Error| StateError::Corrupt {
            path: location.to_path_buf(),
            message: e.to_string(),
            backup: None,
        };
        if !self.refresh(&state.resources, changed).map_err(failed)? {
            // Two records with one address (a file edited by hand): nothing to cache by.
            self.records.clear();
            let stored = StateFile {
                checksum: Some(checksum(state).map_err(failed)?),
                ..state.clone()
            };
            return serde_json::to_string_pretty(&stored)
                .map(|t| t + "\n")
                .map_err(failed);
        }
        let sum = checksum_of(&self.compact(state).map_err(failed)?);
        self.pretty(state, &sum).map_err(failed)
    }

    /// Brings the cached text up to date with `records`: new records, and those in `changed`
    /// (or, with `None`, those that differ from the cached ones) are serialised; records no
    /// longer there are forgotten. False when two records have the same address.
    fn refresh(
        &mut self,
        records: &[ResourceRecord],
        changed: Option<&BTreeSet<String>>,
    ) -> Result<bool, serde_json::Error> {
        let mut kept = BTreeMap::new();
        for r in records {
            if kept.contains_key(&r.address) {
                return Ok(false);
            }
            let entry = match (self.records.remove(&r.address), changed) {
                (Some(cached), Some(changed)) if !changed.contains(&r.address) => cached,
                (Some(cached), None) if cached.0 == *r => cached,
                _ => (r.clone(), serde_json::to_string(r)?, pretty_element(r)?),
            };
            kept.insert(r.address.clone(), entry);
        }
        self.records = kept;
        Ok(true)
    }

    /// The cached text of `r` (after [`RenderCache::refresh`]), compact or pretty.
    fn text(&self, r: &ResourceRecord, pretty: bool) -> &str {
        match self.records.get(&r.address) {
            Some((_, compact, indented)) => {
                if pretty {
                    indented
                } else {
                    compact
                }
            }
            None => "",
        }
    }

    /// `state`'s compact JSON without its checksum, as `serde_json::to_string` writes it.
    fn compact(&self, state: &StateFile) -> Result<String, serde_json::Error> {
        use serde_json::to_string as json;
        let mut out = String::with_capacity(
            self.records
                .values()
                .map(|(_, c, _)| c.len() + 1)
                .sum::<usize>()
                + 4096,
        );
        out.push_str(&format!(
            "{{\"format_version\":{},\"lineage\":{},\"serial\":{},\"cairn_version\":{},\"resources\":[",
            state.format_version,
            json(&state.lineage)?,
            state.serial,
            json(&state.cairn_version)?
        ));
        for (i, r) in state.resources.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(self.text(r, false));
        }
        out.push(']');
        if !state.deposed.is_empty() {
            out.push_str(&format!(",\"deposed\":{}", json(&state.deposed)?));
        }
        out.push_str(&format!(
            ",\"pending\":{},\"outputs\":{}}}",
            json(&state.pending)?,
            json(&state.outputs)?
        ));
        Ok(out)
    }

    /// `state` as `serde_json::to_string_pretty` writes it, with `checksum`, and a final newline.
    fn pretty(&self, state: &StateFile, checksum: &str) -> Result<String, serde_json::Error> {
        use serde_json::to_string as json;
        // A top-level field's value: pretty, its inner lines indented one level.
        fn field(v: &impl Serialize) -> Result<String, serde_json::Error> {
            Ok(serde_json::to_string_pretty(v)?.replace('\n', "\n  "))
        }
        let mut out = String::with_capacity(
            self.records
                .values()
                .map(|(_, _, p)| p.len() + 6)
                .sum::<usize>()
                + 4096,
        );
        out.push_str(&format!(
            "{{\n  \"format_version\": {},\n  \"lineage\": {},\n  \"serial\": {},\n  \"cairn_version\": {},\n  \"resources\": ",
            state.format_version,
            json(&state.lineage)?,
            state.serial,
            json(&state.cairn_version)?
        ));
        if state.resources.is_empty() {
            out.push_str("[]");
        } else {
            out.push('[');
            for (i, r) in state.resources.iter().enumerate() {
                out.push_str(if i > 0 { ",\n" } else { "\n" });
                out.push_str(ELEMENT_INDENT);
                out.push_str(self.text(r, true));
            }
            out.push_str("\n  ]");
        }
        if !state.deposed.is_empty() {
            out.push_str(&format!(",\n  \"deposed\": {}", field(&state.deposed)?));
        }
        out.push_str(&format!(
            ",\n  \"pending\": {},\n  \"outputs\": {},\n  \"checksum\": {}\n}}\n",
            field(&state.pending)?,
            field(&state.outputs)?,
            json(checksum)?
        ));
        Ok(out)
    }
}

/// `r` as pretty JSON, its inner lines indented as an element of a top-level array.
fn pretty_element(r: &ResourceRecord) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_string_pretty(r)?.replace('\n', &format!("\n{ELEMENT_INDENT}")))
}

/// The check every backend makes before writing `state` as the next version: the stored
/// state (`current`: lineage and serial, `None` when nothing is stored) must be the one
/// `state` was read from. Returns the serial the next version takes; a serial that cannot
/// grow (a state edited to the integer's maximum) is refused, never wrapped around.
pub(crate) fn check_next(
    location: &str,
    current: Option<(&str, u64)>,
    state: &StateFile,
) -> Result<u64, StateError> {
    match current {
        Some((lineage, serial)) if lineage != state.lineage || serial != state.serial => {
            Err(StateError::Conflict {
                location: location.to_string(),
                found: format!("lineage {lineage}, serial {serial}"),
                ours: state.lineage.clone(),
                our_serial: state.serial,
            })
        }
        _ => state
            .serial
            .checked_add(1)
            .ok_or_else(|| StateError::SerialExhausted {
                location: location.to_string(),
                serial: state.serial,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The text serde_json itself gives for `state` (with its checksum over serde_json's compact
    /// text): what state files were before the render cache, and must stay byte for byte.
    fn reference(state: &StateFile) -> String {
        use sha2::{Digest, Sha256};
        let compact = serde_json::to_string(state).expect("compact");
        let hex: String = Sha256::digest(compact.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let stored = StateFile {
            checksum: Some(format!("sha256:{hex}")),
            ..state.clone()
        };
        serde_json::to_string_pretty(&stored).expect("pretty") + "\n"
    }

    fn record(address: &str, id: &str, inputs: serde_json::Value) -> ResourceRecord {
        ResourceRecord {
            address: address.into(),
            rtype: address.split('.').next().unwrap_or_default().into(),
            id: id.into(),
            inputs,
            outputs: json!({"id": id, "list": [1, 2, {"nested": "a\nb \"q\""}], "empty": {}}),
            dependencies: vec!["aws_vpc.main".into()],
            prevent_destroy: id.ends_with('9'),
            provider: None,
        }
    }

    fn state(
        records: Vec<ResourceRecord>,
        deposed: bool,
        pending: bool,
        outputs: bool,
    ) -> StateFile {
        let mut s = StateFile::new("0.1.0");
        s.serial = 41;
        s.resources = records;
        if deposed {
            s.deposed = vec![record("aws_subnet.old", "subnet-old", json!({}))];
        }
        if pending {
            s.pending = vec![PendingRecord {
                token: "t-1".into(),
                address: "aws_vpc.main".into(),
                operation: "create".into(),
                started_unix: 1_700_000_000,
                inputs: Some(json!({"cidr_block": "10.0.0.0/16", "tags": {}})),
                dependencies: vec![],
                prevent_destroy: false,
                provider: None,
            }];
        }
        if outputs {
            s.outputs.insert(
                "vpc_id".into(),
                OutputRecord {
                    value: json!(["vpc-1", {"k": null}]),
                    sensitive: true,
                },
            );
        }
        s
    }

    /// Renders `state` with a fresh cache and with `cache`, and checks both against serde_json.
    fn check(cache: &mut RenderCache, state: &StateFile) {
        let here = Path::new("state.json");
        let expected = reference(state);
        assert_eq!(render(here, state).expect("render"), expected);
        assert_eq!(cache.render(here, state).expect("cached"), expected);
        assert_eq!(parse(here, &expected).expect("parse"), *state);
    }

    #[test]
    fn renders_exactly_what_serde_json_writes() {
        let many: Vec<_> = (0..5)
            .map(|i| {
                record(
                    &format!("aws_subnet.s{i}"),
                    &format!("subnet-{i}9"),
                    json!({"i": i}),
                )
            })
            .collect();
        let mut twice = many.clone();
        twice[1].address = twice[0].address.clone();
        for records in [vec![], many[..1].to_vec(), many.clone(), twice] {
            for (deposed, pending, outputs) in [
                (false, false, false),
                (true, false, false),
                (false, true, true),
                (true, true, true),
            ] {
                check(
                    &mut RenderCache::default(),
                    &state(records.clone(), deposed, pending, outputs),
                );
            }
        }
    }

    #[test]
    fn a_cache_follows_records_that_change_come_and_go() {
        let mut cache = RenderCache::default();
        let mut s = state(
            (0..4)
                .map(|i| record(&format!("aws_vpc.v{i}"), &format!("vpc-{i}"), json!({})))
                .collect(),
            false,
            true,
            false,
        );
        check(&mut cache, &s);
        s.resources[1].inputs = json!({"changed": true});
        s.serial += 1;
        check(&mut cache, &s);
        s.resources.remove(2);
        s.resources.push(record("aws_vpc.z", "vpc-z", json!(null)));
        check(&mut cache, &s);
        s.resources.clear();
        check(&mut cache, &s);
        assert!(cache.records.is_empty(), "records gone are forgotten");
    }

    proptest! {
        /// A long-lived cache renders every version of a changing state as serde_json would.
        #[test]
        fn successive_renders_with_one_cache_match_serde_json(
            steps in prop::collection::vec(
                (0usize..6, any::<u8>(), "[a-z\"\\\\\n ]{0,6}", any::<bool>()), 1..20)
        ) {
            let mut cache = RenderCache::default();
            let mut s = state(Vec::new(), false, false, false);
            for (slot, value, text, flag) in steps {
                let address = format!("aws_subnet.s{slot}");
                let changed = BTreeSet::from([address.clone()]);
                match s.resources.iter().position(|r| r.address == address) {
                    Some(i) if flag => { s.resources.remove(i); }
                    Some(i) => s.resources[i].inputs = json!({"v": value, "t": text}),
                    None => s.resources.push(record(&address, &text, json!([value]))),
                }
                s.resources.sort_by(|a, b| a.address.cmp(&b.address));
                s.pending.clear();
                if flag {
                    s = state(s.resources, value % 2 == 0, true, value % 3 == 0);
                }
                s.serial += 1;
                let expected = reference(&s);
                // Told what changed, or left to compare.
                let hint = (value % 2 == 1).then_some(&changed);
                let text = cache.render_changed(Path::new("s"), &s, hint).expect("render");
                prop_assert_eq!(text, expected);
            }
        }
    }
}
