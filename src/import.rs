//! `cairn import ADDR ID` and `cairn state mv`: bringing one existing resource under
//! management, and renaming what state records.

use std::path::Path;

use crate::workspace::Outcome;
use crate::VarArgs;

/// Reads the resource `id` and records it in state at `address`.
pub async fn import_cmd(dir: &Path, address: &str, id: &str, vars: &VarArgs) -> Outcome {
    let _ = (dir, address, id, vars);
    Err(anyhow::anyhow!("not implemented yet").into())
}

/// Records the resource at `from` under `to`.
pub async fn state_mv(dir: &Path, from: &str, to: &str) -> Outcome {
    let _ = (dir, from, to);
    Err(anyhow::anyhow!("not implemented yet").into())
}
