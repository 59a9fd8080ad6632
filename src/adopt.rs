//! `cairn import --from-cloudformation`: adopts a CloudFormation stack (stack files and state).

use std::path::Path;

use crate::workspace::Outcome;

/// Writes stack files and state for the CloudFormation stack `stack_name` into `dir`.
pub async fn from_cloudformation(dir: &Path, stack_name: &str) -> Outcome {
    let _ = (dir, stack_name);
    Err(anyhow::anyhow!("not implemented yet").into())
}
