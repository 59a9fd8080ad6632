//! Lambda resource types (functions, the permissions of their resource policies, and the
//! queues and streams they are invoked from) and what they share: Lambda's asynchronous
//! updates, and its conflicts while one is in progress.

pub mod event_source_mapping;
pub mod function;
pub mod permission;

use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How long calls wait out a function that is still being created or updated.
pub const BUSY_PATIENCE: Duration = Duration::from_secs(300);

/// Whether an error says the function is busy with an earlier change (Lambda refuses a
/// configuration or code update, or a policy change, until that one is done).
pub fn busy<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ResourceConflictException")
        && e.message().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("in progress") || m.contains("at this time")
        })
}
