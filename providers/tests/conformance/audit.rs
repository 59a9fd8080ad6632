//! Conformance scenarios of storage, registry and audit: S3 objects, ECR lifecycle policies, log streams, WAFv2 web ACLs and associations, CloudTrail trails.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[];
