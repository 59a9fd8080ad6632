//! Conversion between the state file format (`cairn-state`) and the engine's in-memory state.

use cairn_engine::{OutputState, PendingOperation, ResourceState, State};
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
    })
}

fn resource_to(r: &ResourceState) -> ResourceRecord {
    ResourceRecord {
        address: r.address.to_string(),
        rtype: r.address.rtype.clone(),
        id: r.id.clone(),
        inputs: r.inputs.to_json_lossy(),
        outputs: r.outputs.to_json_lossy(),
        dependencies: r.dependencies.iter().map(|d| d.to_string()).collect(),
        prevent_destroy: r.prevent_destroy,
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

/// Records the engine's state into `file` (lineage and serial are the backend's business).
pub fn update_file(file: &mut StateFile, state: &State) {
    file.cairn_version = env!("CARGO_PKG_VERSION").to_string();
    file.resources = state.resources.values().map(resource_to).collect();
    file.deposed = state.deposed.iter().map(resource_to).collect();
    file.pending = state
        .pending
        .iter()
        .map(|p| PendingRecord {
            token: p.token.clone(),
            address: p.address.to_string(),
            operation: p.operation.clone(),
            started_unix: p.started_unix,
            inputs: p.inputs.as_ref().map(Value::to_json_lossy),
            dependencies: p.dependencies.iter().map(|d| d.to_string()).collect(),
            prevent_destroy: p.prevent_destroy,
        })
        .collect();
    file.outputs = state
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                OutputRecord {
                    value: o.value.to_json_lossy(),
                    sensitive: o.sensitive,
                },
            )
        })
        .collect();
}
