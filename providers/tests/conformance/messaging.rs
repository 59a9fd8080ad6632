//! Conformance scenarios of scaling and messaging: Application Auto Scaling targets and policies, SNS topics, subscriptions and policies, S3 bucket notifications.

#[allow(unused_imports)]
use super::*;

/// The types whose lookup this file's scenarios check.
pub const TYPES: &[&str] = &[];
