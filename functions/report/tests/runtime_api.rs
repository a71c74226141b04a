//! `report` under a Lambda Runtime API emulator (`dmsflow::lambda::emulator`):
//! a configuration error reaches `/init/error` as `ConfigError` naming the
//! variable (defect 8: it was an exit before the runtime, `Runtime.ExitError`),
//! and a body that is not JSON is an `InvalidEvent` (defect 11).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::lambda::emulator::{
    expect_init_error, expect_invalid_event_for_non_json, first_report, Report,
};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_report");
const WAIT: Duration = Duration::from_secs(60);

/// `env` fails init with `ConfigError` naming `var` (the shared check).
fn init_error_names(env: &[(&str, &str)], var: &str) {
    expect_init_error(BINARY, env, var, WAIT).unwrap();
}

#[test]
fn a_missing_variable_is_a_config_error_at_init() {
    init_error_names(&[], "REPORT_BUCKET");
}

#[test]
fn a_body_that_is_not_json_is_an_invalid_event() {
    let env = &[("REPORT_DIR", "/tmp")];
    expect_invalid_event_for_non_json(BINARY, env, WAIT).unwrap();
}

/// No silent end, through the real binary: EventBridge's status change for an
/// execution that wrote no report gets a failed report in REPORT_DIR.
#[test]
fn a_status_change_without_a_report_writes_a_failure_report() {
    let dir = std::env::temp_dir().join(format!("dmsflow-report-emulated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let event = serde_json::json!({
        "version": "0", "id": "e", "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "time": "2026-12-01T10:01:00Z", "region": "us-east-1",
        "detail": {
            "executionArn": "arn:aws:states:us-east-1:123456789012:execution:dmsflow:emulated-abort",
            "name": "emulated-abort", "status": "ABORTED",
            "startDate": 1_764_583_200_000_i64, "input": "{\"mode\":\"validate\"}"
        }
    });
    let env = &[("REPORT_DIR", dir.to_str().unwrap())];
    let run = first_report(BINARY, env, Some(event.to_string().as_bytes()), WAIT).unwrap();
    let Some(report @ Report::Response { .. }) = &run.report else {
        panic!("expected a response, got {run:?}");
    };
    assert_eq!(report.json()["action"], "written", "{:?}", report.json());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("emulated-abort.json")).unwrap()).unwrap();
    assert_eq!(doc["verdict"], "failed");
    assert_eq!(doc["failure"]["Error"], "ExecutionAborted");
    std::fs::remove_dir_all(&dir).unwrap();
}
