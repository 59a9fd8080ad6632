//! Shared vocabulary of cairn: values, expressions, addresses, resource schemas and the
//! resolved configuration that the stack language hands to the engine.
//!
//! This crate knows no TOML, no AWS SDK, no state file and no terminal.

pub mod address;
pub mod config;
pub mod expr;
pub mod schema;
pub mod value;

pub use address::{Address, AddressParseError, InstanceKey};
pub use config::{Config, Import, Lifecycle, Move, OutputConfig, ResourceConfig};
pub use expr::{Expr, Part, Reference};
pub use schema::{AttrType, Attribute, Catalog, ResourceSchema, SchemaMeta};
pub use value::{Path, PathSeg, Value};
