//! `cairn import ADDR ID` and `cairn state mv`: bringing one existing resource under
//! management, and renaming what state records.

use std::path::Path;

use anyhow::anyhow;
use cairn_engine::{plan_moves, MoveError, Provider, ResourceState};
use cairn_model::{Address, Move};

use crate::commands::{Session, Store};
use crate::workspace::{self, Outcome};
use crate::{statefile, Exit, VarArgs};

fn parse(address: &str) -> Result<Address, anyhow::Error> {
    address.parse().map_err(|e| anyhow!("{e}"))
}

/// " (did you mean `x`?)" for the closest of `candidates`, or nothing.
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    cairn_stacks::closest(name, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Reads the resource `id` and records it in state at `address`, with the dependencies its
/// configuration gives it. AWS is not changed; the next plan shows how the resource differs
/// from its configuration.
pub async fn import_cmd(dir: &Path, address: &str, id: &str, vars: &VarArgs) -> Outcome {
    let stack = workspace::load_stack(dir, vars)?;
    let addr = parse(address)?;
    let Some(resource) = stack.config.resources.iter().find(|r| r.address == addr) else {
        let declared: Vec<String> = stack
            .config
            .resources
            .iter()
            .map(|r| r.address.to_string())
            .collect();
        let hint = did_you_mean(&addr.to_string(), declared.iter().map(String::as_str));
        return Err(anyhow!(
            "{addr} is not declared in the stack{hint}: declare its block (e.g. [{}.{}]) first, then import into it",
            addr.rtype,
            addr.name
        )
        .into());
    };
    let catalog = cairn_providers::shared_catalog();
    let expected = catalog
        .get(&addr.rtype)
        .map(|s| s.import_id.clone())
        .unwrap_or_default();
    if expected.is_empty() {
        return Err(anyhow!("{} cannot be imported", addr.rtype).into());
    }
    let Session {
        backend,
        secrets,
        mut file,
        mut state,
        provider,
        lock: _lock,
    } = Session::open(dir, &stack, "import", |_, _| Ok(())).await?;
    if let Some(r) = state.resources.get(&addr) {
        return Err(anyhow!(
            "{addr} is already in state (id {}): cairn manages it. To import another resource at this address, first remove it from state with `cairn state rm {addr}` (which deletes nothing in AWS)",
            r.id
        )
        .into());
    }
    let renames = plan_moves(&state, &stack.config.moves).unwrap_or_default();
    if let Some((old, _)) = renames.iter().find(|(_, new)| **new == addr) {
        return Err(anyhow!(
            "{addr} is already in state as {old}, which a [[moved]] block renames to {addr}: apply to record the move"
        )
        .into());
    }
    let observed = provider
        .import(&addr.rtype, id)
        .await
        .map_err(|e| anyhow!("reading {id} to import it as {addr}: {e}"))?
        .ok_or_else(|| {
            anyhow!(
                "no {} with import id {id} exists (the import id of {} is {expected})",
                addr.rtype,
                addr.rtype
            )
        })?;
    if let Some(other) = state
        .resources
        .values()
        .find(|r| r.address.rtype == addr.rtype && r.id == observed.id)
    {
        return Err(anyhow!(
            "{id} is already managed as {}: one resource is managed at one address (`cairn state mv {} {addr}` renames it)",
            other.address,
            other.address
        )
        .into());
    }
    let recorded_id = observed.id.clone();
    state.resources.insert(
        addr.clone(),
        ResourceState::recorded(
            addr.clone(),
            observed,
            resource.dependencies(),
            resource.lifecycle.prevent_destroy,
        ),
    );
    Store::new(&backend, &secrets)
        .save(&mut file, &state, provider.catalog(), &stack.config)
        .await?;
    if recorded_id == id {
        println!("Imported {addr} ({id}).");
    } else {
        println!("Imported {addr} ({id}, recorded with id {recorded_id}).");
    }
    println!(
        "Nothing in AWS changed. Run `cairn plan` to see how it differs from its configuration."
    );
    Ok(Exit::Ok)
}

/// Records the resource at `from` under `to` (all its `for_each` instances, keys kept, when
/// `from` has no key and state holds instances), under the state lock, as one new version
/// of state. AWS is not touched.
pub async fn state_mv(dir: &Path, from: &str, to: &str) -> Outcome {
    let (from, to) = (parse(from)?, parse(to)?);
    if from == to {
        return Err(anyhow!("{from} is where it is already: nothing to move").into());
    }
    let backend = workspace::backend_of(dir).await?;
    let _lock = backend.lock("state mv").await?;
    let (mut file, state) = workspace::read_state(&backend).await?;
    let moves = [Move {
        from: from.clone(),
        to: to.clone(),
    }];
    let renames = plan_moves(&state, &moves).map_err(|e| match e {
        MoveError::BothRecorded { from, to } => anyhow!(
            "cannot move {from} to {to}: state already records {to} (`cairn state show {to}`); nothing was changed"
        ),
        other => anyhow!("{other}; nothing was changed"),
    })?;
    if renames.is_empty() {
        let recorded: Vec<String> = state.resources.keys().map(|a| a.to_string()).collect();
        let hint = did_you_mean(&from.to_string(), recorded.iter().map(String::as_str));
        return Err(anyhow!(
            "{from} is not in state{hint}; `cairn state list` shows what is. Nothing was changed"
        )
        .into());
    }
    statefile::rename(&mut file, &renames);
    backend.write(&mut file).await?;
    for (old, new) in &renames {
        println!("Moved {old} to {new}.");
    }
    println!(
        "Recorded as state serial {}. Nothing in AWS changed; the stack's configuration should now declare {to}.",
        file.serial
    );
    Ok(Exit::Ok)
}

/// Forgets the resources at `addresses` (a keyless address: every instance of it): state
/// stops recording them; AWS is not touched. All or nothing: an address that state does not
/// record changes nothing.
pub async fn state_rm(dir: &Path, addresses: &[String]) -> Outcome {
    let wanted: Vec<Address> = addresses
        .iter()
        .map(|a| parse(a))
        .collect::<Result<_, _>>()?;
    let backend = workspace::backend_of(dir).await?;
    let _lock = backend.lock("state rm").await?;
    let (mut file, state) = workspace::read_state(&backend).await?;
    let recorded: Vec<&Address> = state.resources.keys().collect();
    let mut gone: Vec<String> = Vec::new();
    for a in &wanted {
        let matching: Vec<&&Address> = recorded
            .iter()
            .filter(|r| {
                **r == a
                    || (a.key.is_none()
                        && Address {
                            key: None,
                            ..(**r).clone()
                        } == *a)
            })
            .collect();
        if matching.is_empty() {
            let shown: Vec<String> = recorded.iter().map(|r| r.to_string()).collect();
            let hint = did_you_mean(&a.to_string(), shown.iter().map(String::as_str));
            return Err(anyhow!(
                "{a} is not in state{hint}; `cairn state list` shows what is. Nothing was changed"
            )
            .into());
        }
        gone.extend(matching.iter().map(|r| r.to_string()));
    }
    file.resources.retain(|r| !gone.contains(&r.address));
    file.deposed.retain(|r| !gone.contains(&r.address));
    backend.write(&mut file).await?;
    for a in &gone {
        println!("Removed {a} from state.");
    }
    println!(
        "Recorded as state serial {}. AWS still has what they named, unmanaged; remove their blocks from the stack too, or the next plan creates them again.",
        file.serial
    );
    Ok(Exit::Ok)
}
