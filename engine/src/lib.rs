//! cairn's engine: dependency graph, planner, executor and refresh.
//!
//! It knows nothing of TOML, the AWS SDK, state files or terminals: it takes a resolved
//! [`cairn_model::Config`], a prior [`State`] and a [`Provider`], and returns plans and a
//! stream of events.

pub mod apply;
pub mod data;
pub mod graph;
pub mod memory;
pub mod moves;
pub mod plan;
pub mod recover;
pub mod refresh;
pub mod state;

pub use apply::{
    apply, ApplyError, ApplyOptions, ApplyReport, Changed, Event, EventSink, Outcome, Step,
    StepError,
};
pub use cairn_model::provider::{
    ApiError, ErrorKind, Observed, OpContext, OwnedResource, Provider, ProviderError, ReadRequest,
};
pub use data::{DataError, DataValues};
pub use graph::{CycleError, Graph};
pub use moves::{apply_moves, plan_moves, MoveError, Renames};
pub use plan::{
    detect_drift, plan, plan_scoped, plan_with_secrets, redact_attributes, sensitive_attributes,
    Action, AttributeChange, Change, Drift, DriftStatus, OutputChange, Plan, PlanError, PlanMode,
    Redact, Scope,
};
pub use recover::{recover, RecoverError, Recovered, Resolution};
pub use refresh::{refresh, refresh_imports, ImportError, RefreshError, Refreshed};
pub use state::{OutputState, PendingOperation, ResourceState, State};
