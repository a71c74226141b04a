//! `validate-tables` under a Lambda Runtime API emulator (`dmsflow::lambda::emulator`):
//! a configuration error reaches `/init/error` as `ConfigError` naming the
//! variable (defect 8: it was an exit before the runtime, `Runtime.ExitError`),
//! and a body that is not JSON is an `InvalidEvent` (defect 11).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::lambda::emulator::{expect_init_error, expect_invalid_event_for_non_json};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_validate-tables");
const WAIT: Duration = Duration::from_secs(60);

/// `env` fails init with `ConfigError` naming `var` (the shared check).
fn init_error_names(env: &[(&str, &str)], var: &str) {
    expect_init_error(BINARY, env, var, WAIT).unwrap();
}

#[test]
fn a_missing_variable_is_a_config_error_at_init() {
    init_error_names(&[("SOURCE_SECRET_ARN", "source")], "TARGET_SECRET_ARN");
}

#[test]
fn an_invalid_variable_is_a_config_error_at_init() {
    init_error_names(
        &[
            ("SOURCE_SECRET_ARN", "source"),
            ("TARGET_SECRET_ARN", "target"),
            ("VALIDATE_WORKERS", "1000"),
        ],
        "VALIDATE_WORKERS",
    );
}

#[test]
fn a_body_that_is_not_json_is_an_invalid_event() {
    let env = &[
        ("SOURCE_SECRET_ARN", "source"),
        ("TARGET_SECRET_ARN", "target"),
    ];
    expect_invalid_event_for_non_json(BINARY, env, WAIT).unwrap();
}
