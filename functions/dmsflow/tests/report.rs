//! The `report` handler end to end: S3 and SNS through the real AWS SDK
//! against moto, or a local directory; JSON + Markdown with the verdict.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::error::ErrorType;
use dmsflow::handlers::report::ReportService;
use dmsflow::report::sinks::{DirStore, NoNotifier, S3Store, SnsNotifier};
use dmsflow::validate::{ValidateOptions, Validator};
use serde_json::{json, Value};

/// A real validation (one changed row) as the state machine would gather it.
async fn gathered_state(name: &str) -> Value {
    let (s, t) = identical_pair(name).await;
    exec(
        &t,
        "UPDATE shop.orders SET notes = 'tampered' WHERE order_id = 12",
    )
    .await;
    let opts = ValidateOptions {
        rechecks: 0,
        ..ValidateOptions::default()
    };
    let (plan, tables) = Validator::new(s, t, opts).run(None, None).await.unwrap();
    json!({
        "mode": "migrate",
        "execution": format!("{name}-exec"),
        "progress": progress("in-sync", "replicating", Some(0.4), None),
        "validation": {"plan": plan, "results": [tables]},
    })
}

#[tokio::test]
async fn report_to_s3_with_sns_through_moto() {
    let sdk = dmsflow::aws::sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let _ = s3
        .create_bucket()
        .bucket("dmsflow-reports-test")
        .send()
        .await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let topic = sns
        .create_topic()
        .name("dmsflow-test")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();

    let service = ReportService::new(
        S3Store::new(&sdk, "dmsflow-reports-test".into(), "reports/".into()),
        SnsNotifier::new(&sdk, topic),
        "dmsflow".into(),
    );
    let out = service
        .handle(gathered_state("rep_s3").await)
        .await
        .unwrap();
    assert_eq!(out["verdict"], "different");
    assert_eq!(out["tables_different"], 1);
    assert_eq!(
        out["report"]["json"],
        "s3://dmsflow-reports-test/reports/rep_s3-exec.json"
    );
    let md = s3
        .get_object()
        .bucket("dmsflow-reports-test")
        .key("reports/rep_s3-exec.md")
        .send()
        .await
        .unwrap();
    let md = String::from_utf8(md.body.collect().await.unwrap().to_vec()).unwrap();
    assert!(md.contains("❌ DIFFERENT"), "{md}");
    assert!(
        md.contains("| orders | **different** | 200 | 200 | 1 |"),
        "{md}"
    );
    assert!(md.contains("| 12 | changed | notes |"), "{md}");
    let doc = s3
        .get_object()
        .bucket("dmsflow-reports-test")
        .key("reports/rep_s3-exec.json")
        .send()
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&doc.body.collect().await.unwrap().to_vec()).unwrap();
    assert_eq!(doc["verdict"], "different");
    assert_eq!(
        doc["locations"]["json"],
        "s3://dmsflow-reports-test/reports/rep_s3-exec.json"
    );
    assert_eq!(doc["migration"]["phase"], "in-sync");
}

#[tokio::test]
async fn missing_bucket_or_topic_is_a_report_error() {
    let sdk = dmsflow::aws::sdk_config().await;
    let service = ReportService::new(
        S3Store::new(&sdk, "no-such-bucket-dmsflow".into(), String::new()),
        NoNotifier,
        "dmsflow".into(),
    );
    let err = service
        .handle(json!({"mode": "validate"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::ReportError, "{err}");
    assert!(err.message.contains("no-such-bucket-dmsflow"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let service = ReportService::new(
        DirStore {
            dir: dir.path().to_path_buf(),
        },
        SnsNotifier::new(
            &sdk,
            "arn:aws:sns:us-east-1:123456789012:missing-topic".into(),
        ),
        "dmsflow".into(),
    );
    let err = service
        .handle(json!({"mode": "validate"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::ReportError, "{err}");
    assert!(err.message.contains("missing-topic"), "{err}");
}

#[tokio::test]
async fn failed_execution_reports_its_cause_to_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let service = ReportService::new(
        DirStore {
            dir: dir.path().to_path_buf(),
        },
        NoNotifier,
        "dmsflow".into(),
    );
    let out = service
        .handle(json!({
            "mode": "migrate",
            "execution": "failing-run",
            "progress": progress("failed", "slot-missing", None, Some("subscription worker crashed")),
            "error": {"Error": "MigrationFailed", "Cause": "{\"errorType\":\"MigrationFailed\",\"errorMessage\":\"replication failed: slot missing\"}"}
        }))
        .await
        .unwrap();
    assert_eq!(out["verdict"], "failed");
    let md = std::fs::read_to_string(dir.path().join("failing-run.md")).unwrap();
    assert!(md.contains("🛑 FAILED"), "{md}");
    assert!(md.contains("replication failed: slot missing"), "{md}");
    assert!(md.contains("subscription worker crashed"), "{md}");
}

/// A whole native progress document (the report takes poll-task's typed result).
fn progress(phase: &str, status: &str, lag: Option<f64>, last_error: Option<&str>) -> Value {
    json!({
        "engine": "native", "phase": phase, "status": status, "full_load_percent": 100.0,
        "tables": {"total": 0, "loaded": 0, "loading": 0, "queued": 0, "errored": 0},
        "table_states": [], "cdc_lag_seconds": lag, "cdc_lag_bytes": 0,
        "in_sync_lag_seconds": 5.0, "last_error": last_error,
        "handle": {"engine": "native", "schemas": ["shop"], "publication": "dmsflow_pub", "subscription": "dmsflow_sub"},
        "polled_at": "2026-11-24T15:29:11Z"
    })
}

#[tokio::test]
async fn an_unknown_mode_is_an_invalid_event_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let service = ReportService::new(
        DirStore {
            dir: dir.path().to_path_buf(),
        },
        NoNotifier,
        "dmsflow".into(),
    );
    let err = service
        .handle(json!({"mode": "explode"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::InvalidEvent);
    assert!(err.message.contains("`mode`"), "{}", err.message);
}
