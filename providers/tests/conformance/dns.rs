//! Conformance scenarios of DNS and TLS: Route 53 zones and records, ACM certificates and their validation, API Gateway custom domains and mappings.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[];
