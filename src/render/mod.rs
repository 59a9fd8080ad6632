//! Renderers of plans, drift and apply progress: only the binary turns values into text.

pub mod diff;
pub mod drift;
pub mod human;
pub mod json;
pub mod markdown;
pub mod mermaid;
pub mod nested;
pub mod progress;
pub mod recovery;
pub mod risk;
pub mod schema;
#[cfg(test)]
mod snapshots;
