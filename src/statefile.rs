//! Conversion between the state file format (`cairn-state`) and the engine's in-memory state.

use cairn_engine::{Changed, OutputState, PendingOperation, ResourceState, State};
use cairn_model::{Address, Value};
use cairn_state::{OutputRecord, PendingRecord, ResourceRecord, StateFile};

fn parse_address(s: &str) -> Result<Address, String> {
    s.parse::<Address>().map_err(|e| format!("state file: {e}"))
}

fn resource_from(r: &ResourceRecord) -> Result<ResourceState, String> {
    let address = parse_address(&r.address)?;
    if address.rtype != r.rtype {
        return Err(format!(
            "state file: {} is recorded with type {}",
            r.address, r.rtype
        ));
    }
    Ok(ResourceState {
        address,
        id: r.id.clone(),
        inputs: Value::from_json(r.inputs.clone()),
        outputs: Value::from_json(r.outputs.clone()),
        dependencies: r
            .dependencies
            .iter()
            .map(|d| parse_address(d))
            .collect::<Result<_, _>>()?,
        prevent_destroy: r.prevent_destroy,
        provider: r.provider.clone(),
    })
}

/// The record of `r`, with `inputs` as they are to be stored.
fn resource_to(r: &ResourceState, inputs: &Value) -> ResourceRecord {
    ResourceRecord {
        address: r.address.to_string(),
        rtype: r.address.rtype.clone(),
        id: r.id.clone(),
        inputs: inputs.to_json_lossy(),
        outputs: r.outputs.to_json_lossy(),
        dependencies: r.dependencies.iter().map(|d| d.to_string()).collect(),
        prevent_destroy: r.prevent_destroy,
        provider: r.provider.clone(),
    }
}

/// The engine's view of a state file.
pub fn to_engine(file: &StateFile) -> Result<State, String> {
    let mut state = State::default();
    for r in &file.resources {
        let r = resource_from(r)?;
        state.resources.insert(r.address.clone(), r);
    }
    state.deposed = file
        .deposed
        .iter()
        .map(resource_from)
        .collect::<Result<_, _>>()?;
    state.pending = file
        .pending
        .iter()
        .map(|p| {
            Ok(PendingOperation {
                token: p.token.clone(),
                address: parse_address(&p.address)?,
                operation: p.operation.clone(),
                started_unix: p.started_unix,
                inputs: p.inputs.clone().map(Value::from_json),
                dependencies: p
                    .dependencies
                    .iter()
                    .map(|d| parse_address(d))
                    .collect::<Result<_, _>>()?,
                prevent_destroy: p.prevent_destroy,
                provider: p.provider.clone(),
            })
        })
        .collect::<Result<_, String>>()?;
    state.outputs = file
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                OutputState {
                    value: Value::from_json(o.value.clone()),
                    sensitive: o.sensitive,
                },
            )
        })
        .collect();
    Ok(state)
}

/// Renames, in the records of `file` themselves, every resource in `renames` (recorded
/// address to new address): its record, deposed old instances and pending operations, and
/// every dependency naming it. Values are left as stored (sensitive ones stay digests), so
/// no configuration is needed: this is `cairn state mv`.
pub fn rename(file: &mut StateFile, renames: &cairn_engine::Renames) {
    let by_text: std::collections::BTreeMap<String, String> = renames
        .iter()
        .map(|(old, new)| (old.to_string(), new.to_string()))
        .collect();
    let new = |a: &mut String| {
        if let Some(n) = by_text.get(a.as_str()) {
            a.clone_from(n);
        }
    };
    for r in file.resources.iter_mut().chain(file.deposed.iter_mut()) {
        new(&mut r.address);
        r.dependencies.iter_mut().for_each(new);
    }
    for p in &mut file.pending {
        new(&mut p.address);
        p.dependencies.iter_mut().for_each(new);
    }
    // In address order, as the engine's state (and so the recorder) keeps them.
    file.resources
        .sort_by_cached_key(|r| r.address.parse::<Address>().ok());
}

/// How sensitive values are written: `inputs` gives a resource's (or a pending create's)
/// inputs as they may be stored, `output` a sensitive output's stored value.
pub struct Redaction<'a> {
    pub inputs: &'a dyn Fn(&Address, &Value) -> Value,
    pub output: &'a dyn Fn(&Value) -> Value,
}

/// Records the engine's state into a state file again and again (after every operation of an
/// apply), converting only the resources the executor says changed: the records of the others
/// are moved over as they are. Lineage and serial are the backend's business.
#[derive(Default)]
pub struct Recorder {
    /// A reused buffer for address text.
    scratch: String,
}

impl Recorder {
    /// Records `state` into `file`. With [`Changed::Resources`], `file` must hold the state
    /// as it was before those changes (as this recorder or [`to_engine`]'s source left it).
    pub fn update(
        &mut self,
        file: &mut StateFile,
        state: &State,
        changed: Changed<'_>,
        redact: &Redaction<'_>,
    ) {
        use std::fmt::Write;
        let to_record = |r: &ResourceState| resource_to(r, &(redact.inputs)(&r.address, &r.inputs));
        file.resources = match changed {
            Changed::Anything => state.resources.values().map(to_record).collect(),
            Changed::Resources(touched) => {
                let mut old: Vec<Option<ResourceRecord>> = std::mem::take(&mut file.resources)
                    .into_iter()
                    .map(Some)
                    .collect();
                // Records are in the state's order as this recorder wrote them: look at the
                // next one first, and index them by address only if that fails.
                let mut next = 0;
                let mut index: Option<std::collections::HashMap<String, usize>> = None;
                let mut records = Vec::with_capacity(state.resources.len());
                for (address, now) in &state.resources {
                    self.scratch.clear();
                    let _ = write!(self.scratch, "{address}");
                    let in_step =
                        matches!(old.get(next), Some(Some(r)) if r.address == self.scratch);
                    let kept = if touched.contains(address) {
                        // Its old record is left behind; the walk goes on past it.
                        if in_step {
                            next += 1;
                        }
                        None
                    } else {
                        let at = match in_step {
                            true => Some(next),
                            false => index
                                .get_or_insert_with(|| {
                                    old.iter()
                                        .enumerate()
                                        .filter_map(|(i, r)| Some((r.as_ref()?.address.clone(), i)))
                                        .collect()
                                })
                                .get(&self.scratch)
                                .copied(),
                        };
                        at.and_then(|i| {
                            next = i + 1;
                            old[i].take()
                        })
                    };
                    records.push(kept.unwrap_or_else(|| to_record(now)));
                }
                records
            }
        };
        file.cairn_version = env!("CARGO_PKG_VERSION").to_string();
        file.deposed = state.deposed.iter().map(to_record).collect();
        file.pending = state
            .pending
            .iter()
            .map(|p| PendingRecord {
                token: p.token.clone(),
                address: p.address.to_string(),
                operation: p.operation.clone(),
                started_unix: p.started_unix,
                inputs: p
                    .inputs
                    .as_ref()
                    .map(|i| (redact.inputs)(&p.address, i).to_json_lossy()),
                dependencies: p.dependencies.iter().map(|d| d.to_string()).collect(),
                prevent_destroy: p.prevent_destroy,
                provider: p.provider.clone(),
            })
            .collect();
        file.outputs = state
            .outputs
            .iter()
            .map(|(k, o)| {
                let value = if o.sensitive {
                    (redact.output)(&o.value)
                } else {
                    o.value.clone()
                };
                (
                    k.clone(),
                    OutputRecord {
                        value: value.to_json_lossy(),
                        sensitive: o.sensitive,
                    },
                )
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn resource(name: &str, id: &str, password: &str) -> ResourceState {
        ResourceState {
            address: Address::new("aws_db_instance", name),
            id: id.into(),
            inputs: Value::from_json(serde_json::json!({"password": password, "size": 20})),
            outputs: Value::from_json(serde_json::json!({"id": id})),
            dependencies: vec![Address::new("aws_vpc", "main")],
            prevent_destroy: false,
            provider: None,
        }
    }

    /// Updates `file` with `recorder`, redacting every `password`; checks the result against
    /// a conversion from scratch and returns how many resources were converted.
    fn check(
        recorder: &mut Recorder,
        file: &mut StateFile,
        state: &State,
        changed: Changed<'_>,
    ) -> usize {
        let asked = std::cell::Cell::new(0);
        let inputs = |_: &Address, v: &Value| {
            asked.set(asked.get() + 1);
            let mut json = v.to_json_lossy();
            if let Some(p) = json.get_mut("password") {
                *p = "digest".into();
            }
            Value::from_json(json)
        };
        let output = |_: &Value| Value::string("digest");
        let redaction = Redaction {
            inputs: &inputs,
            output: &output,
        };
        recorder.update(file, state, changed, &redaction);
        let converted = asked.get();
        let mut fresh = StateFile::new("x");
        Recorder::default().update(&mut fresh, state, Changed::Anything, &redaction);
        assert_eq!(file.resources, fresh.resources);
        assert!(file
            .resources
            .iter()
            .all(|r| r.inputs["password"] == "digest"));
        converted
    }

    #[test]
    fn rename_moves_records_and_the_dependencies_naming_them() {
        let mut state = State::default();
        for (name, id) in [("a", "db-a"), ("z", "db-z")] {
            let mut r = resource(name, id, "x");
            r.dependencies = vec![Address::new("aws_db_instance", "a")];
            state.resources.insert(r.address.clone(), r);
        }
        let mut file = StateFile::new("x");
        Recorder::default().update(
            &mut file,
            &state,
            Changed::Anything,
            &Redaction {
                inputs: &|_, v| v.clone(),
                output: &|v| v.clone(),
            },
        );
        let renames = cairn_engine::Renames::from([(
            Address::new("aws_db_instance", "a"),
            "module.m.aws_db_instance.b[\"k\"]"
                .parse()
                .expect("address"),
        )]);
        rename(&mut file, &renames);
        let got: Vec<(String, String, Vec<String>)> = file
            .resources
            .iter()
            .map(|r| (r.address.clone(), r.id.clone(), r.dependencies.clone()))
            .collect();
        let moved = "module.m.aws_db_instance.b[\"k\"]".to_string();
        assert_eq!(
            got,
            vec![
                // In address order: the record follows its new address.
                (
                    "aws_db_instance.z".into(),
                    "db-z".into(),
                    vec![moved.clone()]
                ),
                (moved.clone(), "db-a".into(), vec![moved.clone()]),
            ]
        );
        assert!(to_engine(&file).is_ok());
    }

    #[test]
    fn a_recorder_converts_only_what_changed() {
        let mut recorder = Recorder::default();
        let mut file = StateFile::new("x");
        let mut state = State::default();
        for (name, id) in [("b", "db-b"), ("a", "db-a"), ("c", "db-c")] {
            let r = resource(name, id, "hunter2");
            state.resources.insert(r.address.clone(), r);
        }
        let none = BTreeSet::new();
        assert_eq!(
            check(&mut recorder, &mut file, &state, Changed::Anything),
            3
        );
        assert_eq!(
            check(&mut recorder, &mut file, &state, Changed::Resources(&none)),
            0
        );
        // One changed, one gone, one new.
        let (a, b, d) = (
            Address::new("aws_db_instance", "a"),
            Address::new("aws_db_instance", "b"),
            Address::new("aws_db_instance", "d"),
        );
        state
            .resources
            .insert(b.clone(), resource("b", "db-b2", "hunter3"));
        state.resources.remove(&a);
        state
            .resources
            .insert(d.clone(), resource("d", "db-d", "x"));
        let touched = BTreeSet::from([a, b, d]);
        assert_eq!(
            check(
                &mut recorder,
                &mut file,
                &state,
                Changed::Resources(&touched)
            ),
            2
        );
        // Records in another order are still found by address.
        file.resources.reverse();
        assert_eq!(
            check(&mut recorder, &mut file, &state, Changed::Resources(&none)),
            0
        );
        state.resources.clear();
        assert_eq!(
            check(
                &mut recorder,
                &mut file,
                &state,
                Changed::Resources(&touched)
            ),
            0
        );
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::any_json;
    use proptest::prelude::*;

    /// Addresses as a damaged or hand-edited file may hold them.
    fn any_address() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_]{0,8}\\.[a-z_]{0,8}",
            "(module\\.[a-z]{0,3}\\.){0,2}[a-z_]{1,6}\\.[a-z]{1,4}(\\[(\"[a-z\\]\\[\"]{0,3}\"|[0-9*]{0,3})\\]?)?",
            ".{0,24}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever a state file records, converting it for the engine ends in a state or an
        /// error, never a panic; and what converts, converts back to the same records.
        #[test]
        fn any_records_convert_or_are_refused(
            addresses in prop::collection::vec(any_address(), 1..4),
            inputs in any_json(),
            started in any::<u64>(),
        ) {
            let mut file = StateFile::new("test");
            for a in &addresses {
                file.resources.push(ResourceRecord {
                    address: a.clone(),
                    rtype: a.split('.').next().unwrap_or_default().to_string(),
                    id: "id".into(),
                    inputs: inputs.clone(),
                    outputs: inputs.clone(),
                    dependencies: addresses.clone(),
                    prevent_destroy: false,
                    provider: None,
                });
                file.pending.push(PendingRecord {
                    token: "t".into(),
                    address: a.clone(),
                    operation: "create".into(),
                    started_unix: started,
                    inputs: Some(inputs.clone()),
                    dependencies: addresses.clone(),
                    prevent_destroy: false,
                    provider: None,
                });
            }
            let _ = to_engine(&file);
        }
    }
}
