//! Shared vocabulary of cairn: values, expressions, addresses, resource schemas, the
//! resolved configuration that the stack language hands to the engine, and the provider
//! contract (`provider`) that the engine calls and `cairn-providers` implements — here, so
//! that a change to the engine does not rebuild the providers.
//!
//! This crate knows no TOML, no AWS SDK, no state file and no terminal.

pub mod address;
pub mod config;
pub mod constraints;
pub mod expr;
pub mod functions;
pub mod provider;
pub mod schema;
pub mod value;

pub use address::{Address, AddressParseError, InstanceKey, DATA_PREFIX};
pub use config::{Config, Import, Lifecycle, Move, OutputConfig, ResourceConfig};
pub use constraints::{Constraints, Spelling};
pub use expr::{Expr, Part, Reference};
pub use provider::{
    ApiError, ErrorKind, Observed, OpContext, OwnedResource, Provider, ProviderError, ReadRequest,
};
pub use schema::{AttrType, Attribute, Catalog, FoundBy, ResourceSchema, Rule, SchemaMeta};
pub use value::{Path, PathSeg, Value};
