//! Renaming what state records: `[[moved]]` blocks (applied by the planner before it plans)
//! and `cairn state mv`. Pure functions over [`State`]; nothing in the cloud changes.

use std::collections::{BTreeMap, BTreeSet};

use cairn_model::{Address, Move};

use crate::state::{ResourceState, State};

/// Where moves take recorded resources: each address that moves (as recorded) and its new
/// address.
pub type Renames = BTreeMap<Address, Address>;

/// Why a move cannot be made (addresses as text, to keep the error small).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("cannot move {from} to {to}: state records both; {to} is already managed (if the move was made some other way, remove the [[moved]] block)")]
    BothRecorded { from: String, to: String },
    #[error("cannot move {from} to {to}: a move keeps the resource type")]
    TypeChange { from: String, to: String },
    #[error("cannot move the {count} instances of {from} into the one instance {to}: leave the key out of `to` (each instance keeps its key) or move one instance at a time")]
    IntoOneInstance {
        from: String,
        to: String,
        count: usize,
    },
}

/// `address` stripped of its `for_each` key.
fn without_key(address: &Address) -> Address {
    Address {
        key: None,
        ..address.clone()
    }
}

/// Works out where `moves`, taken in order, put what `state` records: a move whose `from`
/// state records (or, for a `from` without a key, whose instances it records) renames it,
/// unless something is recorded at its destination; a move of nothing (already made, or
/// never needed) does nothing. A chain (a to b, then b to c) takes a to c.
pub fn plan_moves(state: &State, moves: &[Move]) -> Result<Renames, MoveError> {
    if moves.is_empty() {
        return Ok(Renames::new());
    }
    // Each address as it is after the moves so far, and what it was recorded as.
    let mut at: BTreeMap<Address, Address> = state
        .resources
        .keys()
        .map(|a| (a.clone(), a.clone()))
        .collect();
    for m in moves {
        if m.from.rtype != m.to.rtype {
            return Err(MoveError::TypeChange {
                from: m.from.to_string(),
                to: m.to.to_string(),
            });
        }
        let sources: Vec<Address> = if at.contains_key(&m.from) {
            vec![m.from.clone()]
        } else if m.from.key.is_none() {
            at.keys()
                .filter(|a| a.key.is_some() && without_key(a) == m.from)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        if sources.is_empty() {
            continue;
        }
        let mut targets = Vec::with_capacity(sources.len());
        for s in &sources {
            let to = if s == &m.from {
                m.to.clone()
            } else if m.to.key.is_some() {
                return Err(MoveError::IntoOneInstance {
                    from: m.from.to_string(),
                    to: m.to.to_string(),
                    count: sources.len(),
                });
            } else {
                Address {
                    key: s.key.clone(),
                    ..m.to.clone()
                }
            };
            if at.contains_key(&to) && !sources.contains(&to) {
                return Err(MoveError::BothRecorded {
                    from: s.to_string(),
                    to: to.to_string(),
                });
            }
            targets.push(to);
        }
        let recorded: Vec<Address> = sources.iter().filter_map(|s| at.remove(s)).collect();
        for (to, was) in targets.into_iter().zip(recorded) {
            at.insert(to, was);
        }
    }
    Ok(at
        .into_iter()
        .filter(|(now, was)| now != was)
        .map(|(now, was)| (was, now))
        .collect())
}

/// The new address of `address` under `renames` (itself when it does not move).
pub fn renamed(address: &Address, renames: &Renames) -> Address {
    renames
        .get(address)
        .cloned()
        .unwrap_or_else(|| address.clone())
}

/// `r` at its new address, with the dependencies it records renamed too.
pub fn rename_resource(r: &ResourceState, renames: &Renames) -> ResourceState {
    ResourceState {
        address: renamed(&r.address, renames),
        dependencies: r.dependencies.iter().map(|d| renamed(d, renames)).collect(),
        ..r.clone()
    }
}

/// `state` with every resource in `renames` at its new address: its record, deposed old
/// instances, pending operations, and every dependency that names it. An address `renames`
/// would take onto one that state records and that does not move itself is left where it
/// is (the planner refuses such moves; this keeps state from losing a resource).
pub fn rename(state: &State, renames: &Renames) -> State {
    if renames.is_empty() {
        return state.clone();
    }
    let moving: BTreeSet<&Address> = renames
        .keys()
        .filter(|old| state.resources.contains_key(*old))
        .collect();
    let safe: Renames = renames
        .iter()
        .filter(|(old, new)| {
            moving.contains(old) && (!state.resources.contains_key(*new) || moving.contains(new))
        })
        .map(|(o, n)| (o.clone(), n.clone()))
        .collect();
    State {
        resources: state
            .resources
            .values()
            .map(|r| {
                let r = rename_resource(r, &safe);
                (r.address.clone(), r)
            })
            .collect(),
        deposed: state
            .deposed
            .iter()
            .map(|r| rename_resource(r, &safe))
            .collect(),
        pending: state
            .pending
            .iter()
            .map(|p| {
                let mut p = p.clone();
                p.address = renamed(&p.address, &safe);
                p.dependencies = p.dependencies.iter().map(|d| renamed(d, &safe)).collect();
                p
            })
            .collect(),
        outputs: state.outputs.clone(),
    }
}

/// [`plan_moves`] and [`rename`]: `state` with `moves` made, and what moved.
pub fn apply_moves(state: &State, moves: &[Move]) -> Result<(State, Renames), MoveError> {
    let renames = plan_moves(state, moves)?;
    Ok((rename(state, &renames), renames))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_model::Value;

    fn addr(s: &str) -> Address {
        s.parse().expect("address")
    }

    fn state(recorded: &[(&str, &[&str])]) -> State {
        State {
            resources: recorded
                .iter()
                .map(|(a, deps)| {
                    let r = ResourceState {
                        address: addr(a),
                        id: format!("id-{a}"),
                        inputs: Value::Null,
                        outputs: Value::Null,
                        dependencies: deps.iter().map(|d| addr(d)).collect(),
                        prevent_destroy: false,
                        provider: None,
                    };
                    (r.address.clone(), r)
                })
                .collect(),
            ..State::default()
        }
    }

    fn mv(from: &str, to: &str) -> Move {
        Move {
            from: addr(from),
            to: addr(to),
        }
    }

    /// Checks the addresses (with their dependencies and ids) after `moves`, or the error.
    fn check(recorded: &[(&str, &[&str])], moves: &[Move], expected: Result<&[&str], &str>) {
        let before = state(recorded);
        match (apply_moves(&before, moves), expected) {
            (Ok((after, renames)), Ok(want)) => {
                let got: Vec<String> = after
                    .resources
                    .values()
                    .map(|r| {
                        let deps: Vec<String> =
                            r.dependencies.iter().map(|d| d.to_string()).collect();
                        format!("{} <- {} [{}]", r.address, r.id, deps.join(", "))
                    })
                    .collect();
                assert_eq!(got, want, "{moves:?}");
                for (old, new) in &renames {
                    assert_eq!(after.resources[new].id, before.resources[old].id);
                }
            }
            (Err(e), Err(want)) => assert_eq!(e.to_string(), want),
            (got, want) => panic!("{moves:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn moves() {
        // A rename carries its id, and what depends on it follows.
        check(
            &[("t_net.a", &[]), ("t_sub.s", &["t_net.a"])],
            &[mv("t_net.a", "t_net.b")],
            Ok(&[
                "t_net.b <- id-t_net.a []",
                "t_sub.s <- id-t_sub.s [t_net.b]",
            ]),
        );
        // A move of nothing, or one already made, changes nothing.
        check(
            &[("t_net.b", &[])],
            &[mv("t_net.a", "t_net.b"), mv("t_net.x", "t_net.y")],
            Ok(&["t_net.b <- id-t_net.b []"]),
        );
        // A chain.
        check(
            &[("t_net.a", &[])],
            &[mv("t_net.a", "t_net.b"), mv("t_net.b", "module.m.t_net.c")],
            Ok(&["module.m.t_net.c <- id-t_net.a []"]),
        );
        // Instances of a keyless `from` move with their keys; a keyed move moves one.
        check(
            &[
                ("t_sub.a[\"x\"]", &[]),
                ("t_sub.a[\"y\"]", &[]),
                ("t_sub.keep", &["t_sub.a[\"y\"]"]),
            ],
            &[mv("t_sub.a", "t_sub.b")],
            Ok(&[
                "t_sub.b[\"x\"] <- id-t_sub.a[\"x\"] []",
                "t_sub.b[\"y\"] <- id-t_sub.a[\"y\"] []",
                "t_sub.keep <- id-t_sub.keep [t_sub.b[\"y\"]]",
            ]),
        );
        check(
            &[("t_sub.a", &[])],
            &[mv("t_sub.a", "module.n.t_sub.a[\"us-east-1a\"]")],
            Ok(&["module.n.t_sub.a[\"us-east-1a\"] <- id-t_sub.a []"]),
        );
        // A swap through a temporary name.
        check(
            &[("t_net.a", &[]), ("t_net.b", &["t_net.a"])],
            &[
                mv("t_net.a", "t_net.tmp"),
                mv("t_net.b", "t_net.a"),
                mv("t_net.tmp", "t_net.b"),
            ],
            Ok(&[
                "t_net.a <- id-t_net.b [t_net.b]",
                "t_net.b <- id-t_net.a []",
            ]),
        );
        // Conflicts.
        check(
            &[("t_net.a", &[]), ("t_net.b", &[])],
            &[mv("t_net.a", "t_net.b")],
            Err("cannot move t_net.a to t_net.b: state records both; t_net.b is already managed (if the move was made some other way, remove the [[moved]] block)"),
        );
        check(
            &[("t_sub.a[\"x\"]", &[]), ("t_sub.b[\"x\"]", &[])],
            &[mv("t_sub.a", "t_sub.b")],
            Err("cannot move t_sub.a[\"x\"] to t_sub.b[\"x\"]: state records both; t_sub.b[\"x\"] is already managed (if the move was made some other way, remove the [[moved]] block)"),
        );
        check(
            &[],
            &[mv("t_net.a", "t_sub.a")],
            Err("cannot move t_net.a to t_sub.a: a move keeps the resource type"),
        );
        check(
            &[("t_sub.a[\"x\"]", &[]), ("t_sub.a[\"y\"]", &[])],
            &[mv("t_sub.a", "t_sub.b[\"x\"]")],
            Err("cannot move the 2 instances of t_sub.a into the one instance t_sub.b[\"x\"]: leave the key out of `to` (each instance keeps its key) or move one instance at a time"),
        );
    }

    #[test]
    fn rename_never_drops_a_resource() {
        let s = state(&[("t_net.a", &[]), ("t_net.b", &[])]);
        let renames = Renames::from([(addr("t_net.a"), addr("t_net.b"))]);
        assert_eq!(rename(&s, &renames), s);
    }
}
