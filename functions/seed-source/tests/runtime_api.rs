//! `seed-source` under a Lambda Runtime API emulator (`dmsflow::lambda::emulator`):
//! a configuration error reaches `/init/error` as `ConfigError` naming the
//! variable (defect 8: it was an exit before the runtime, `Runtime.ExitError`),
//! and a body that is not JSON is an `InvalidEvent` (defect 11).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::lambda::emulator::{first_report, Report};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_seed-source");
const WAIT: Duration = Duration::from_secs(60);

/// `env` fails init: `/init/error` gets `ConfigError` (header and body)
/// naming `var`, and the process exits non-zero.
fn init_error_names(env: &[(&str, &str)], var: &str) {
    let run = first_report(BINARY, env, None, WAIT).unwrap();
    let Some(report @ Report::InitError { error_type, .. }) = &run.report else {
        panic!("expected an init error, got {run:?}");
    };
    assert_eq!(error_type.as_deref(), Some("ConfigError"), "{run:?}");
    let body = report.json();
    assert_eq!(body["errorType"], "ConfigError", "{body}");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains(var), "{message}");
    assert!(run.exit_code.is_some_and(|code| code != 0), "{run:?}");
}

#[test]
fn a_missing_variable_is_a_config_error_at_init() {
    init_error_names(&[], "SOURCE_SECRET_ARN");
}

#[test]
fn an_invalid_variable_is_a_config_error_at_init() {
    init_error_names(
        &[
            ("SOURCE_SECRET_ARN", "source"),
            ("DB_CONNECT_TIMEOUT_SECONDS", "0"),
        ],
        "DB_CONNECT_TIMEOUT_SECONDS",
    );
}

#[test]
fn a_body_that_is_not_json_is_an_invalid_event() {
    let env = &[("SOURCE_SECRET_ARN", "source")];
    let run = first_report(BINARY, env, Some(b"this is { not json"), WAIT).unwrap();
    let Some(report @ Report::InvocationError { .. }) = &run.report else {
        panic!("expected an invocation error, got {run:?}");
    };
    let body = report.json();
    assert_eq!(body["errorType"], "InvalidEvent", "{body}");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("not JSON"), "{message}");
    assert_eq!(
        run.exit_code, None,
        "the function exited after a bad event: {run:?}"
    );
}
