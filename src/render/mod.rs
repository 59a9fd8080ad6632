//! Renderers of plans, drift and apply progress: only the binary turns values into text.

pub mod human;
pub mod json;
pub mod progress;
pub mod schema;
