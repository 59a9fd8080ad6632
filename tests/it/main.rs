//! Integration tests of the `cairn` binary against a real AWS API implementation (moto).

mod adopt;
mod crash;
mod data;
mod drift;
mod environment;
mod examples;
mod faults;
mod fmt;
mod harness;
mod import;
mod invariants;
mod lambda;
mod language;
mod lifecycle;
mod locking;
mod modules;
mod moved;
mod providers;
mod refresh;
mod review;
mod reviewed;
mod s3_backend;
mod schema;
mod sensitive;
mod serverless;
mod validate;
