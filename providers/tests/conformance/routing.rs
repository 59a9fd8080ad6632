//! Conformance scenarios of networking glue (routes, VPC endpoints, main route table associations) and certificates on IAM and listeners.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[];
