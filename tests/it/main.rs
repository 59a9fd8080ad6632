//! Integration tests of the `cairn` binary against a real AWS API implementation (moto).

mod drift;
mod examples;
mod harness;
mod lifecycle;
mod locking;
mod refresh;
mod schema;
mod sensitive;
mod validate;
