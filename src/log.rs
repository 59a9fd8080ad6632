//! `CAIRN_LOG`: nothing is logged unless it is set. A level (`debug`, `info`, `trace`, ...)
//! applies to cairn's own crates — at `debug`, each AWS call with its operation, the
//! resource it is for, its request id, attempts and time (see `cairn_providers::calls`);
//! anything else is read as `tracing-subscriber` directives (`cairn::aws=debug,aws_smithy_runtime=debug`).
//! Logs go to stderr and hold no configuration values, so no secrets.

use tracing_subscriber::EnvFilter;

/// The environment variable that turns logging on.
const VARIABLE: &str = "CAIRN_LOG";

/// cairn's crates, whose level a plain `CAIRN_LOG=debug` sets.
const CRATES: [&str; 6] = [
    "cairn",
    "cairn_providers",
    "cairn_engine",
    "cairn_stacks",
    "cairn_state",
    "cairn_model",
];

/// The filter `CAIRN_LOG`'s value stands for: a bare level for cairn's crates only (the
/// SDK's own logs are noisy and may show request bodies), else the directives as written.
fn directives(value: &str) -> String {
    let level = value.trim().to_ascii_lowercase();
    if ["error", "warn", "info", "debug", "trace"].contains(&level.as_str()) {
        CRATES
            .iter()
            .map(|c| format!("{c}={level}"))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        value.trim().to_string()
    }
}

/// Starts logging to stderr when `CAIRN_LOG` is set; a value that is no filter is an error.
pub fn init() -> Result<(), String> {
    let Some(value) = std::env::var(VARIABLE)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(());
    };
    let filter = EnvFilter::try_new(directives(&value))
        .map_err(|e| format!("{VARIABLE}={value} is not a log level or filter: {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(crate::style::stderr_color())
        .with_target(true)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_covers_cairns_crates_and_directives_pass_through() {
        for (value, expected) in [
            (
                "debug",
                "cairn=debug,cairn_providers=debug,cairn_engine=debug,cairn_stacks=debug,cairn_state=debug,cairn_model=debug",
            ),
            (" INFO ", "cairn=info,cairn_providers=info,cairn_engine=info,cairn_stacks=info,cairn_state=info,cairn_model=info"),
            ("cairn::aws=debug", "cairn::aws=debug"),
        ] {
            assert_eq!(directives(value), expected, "{value}");
        }
        assert!(EnvFilter::try_new(directives("debug")).is_ok());
    }
}
