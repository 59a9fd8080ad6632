//! Integration tests of the `cairn` binary against a real AWS API implementation (moto).

mod crash;
mod drift;
mod examples;
mod faults;
mod harness;
mod lifecycle;
mod locking;
mod modules;
mod refresh;
mod s3_backend;
mod schema;
mod sensitive;
mod validate;
