//! `cairn fmt`: canonical formatting of stack files.

use std::path::Path;

use crate::workspace::Outcome;

/// Rewrites the stack files of `dir` in canonical form, or with `check` only lists those
/// that are not.
pub fn fmt_cmd(dir: &Path, check: bool) -> Outcome {
    let _ = (dir, check);
    Err(anyhow::anyhow!("not implemented yet").into())
}
