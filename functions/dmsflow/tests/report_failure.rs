//! No silent end: EventBridge's "Step Functions Execution Status Change"
//! through the `report` handler, against moto's S3 and SNS (real AWS SDK):
//! a failure report when the execution wrote none, nothing when it did.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::error::ErrorType;
use dmsflow::handlers::report::ReportService;
use dmsflow::report::failure::{DirIndex, S3Index, STATUS_CHANGE};
use dmsflow::report::sinks::{DirStore, NoNotifier, S3Store, SnsNotifier};
use serde_json::{json, Value};

const BUCKET: &str = "dmsflow-failure-reports-test";

fn status_change(name: &str, status: &str) -> Value {
    let arn = format!("arn:aws:states:us-east-1:123456789012:execution:dmsflow:{name}");
    json!({
        "version": "0", "id": format!("evt-{name}"), "source": "aws.states",
        "detail-type": STATUS_CHANGE, "account": "123456789012",
        "time": "2026-12-01T10:01:00Z", "region": "us-east-1", "resources": [arn],
        "detail": {
            "executionArn": arn,
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:dmsflow",
            "name": name, "status": status,
            "startDate": 1_764_583_200_000_i64, "stopDate": 1_764_583_260_000_i64,
            "input": "{\"mode\":\"validate\",\"engine\":\"native\"}",
            "inputDetails": {"included": true}, "output": null,
            "error": if status == "TIMED_OUT" { json!("States.Timeout") } else { Value::Null },
            "cause": null
        }
    })
}

async fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    );
    let _ = s3.create_bucket().bucket(BUCKET).send().await;
    s3
}

async fn object(s3: &aws_sdk_s3::Client, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_aborted_execution_gets_a_failure_report_in_s3_and_a_notification() {
    let sdk = dmsflow::aws::sdk_config().await;
    let s3 = s3_client(&sdk).await;
    let topic = aws_sdk_sns::Client::new(&sdk)
        .create_topic()
        .name("dmsflow-failure-test")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let service = ReportService::new(
        S3Store::new(&sdk, BUCKET.into(), "reports/".into()),
        SnsNotifier::new(&sdk, topic),
        "dmsflow".into(),
    )
    .with_index(S3Index::new(&sdk, BUCKET.into(), "reports/".into()));

    let out = service
        .handle(status_change("fail-aborted", "ABORTED"))
        .await
        .unwrap();
    assert_eq!(out["action"], "written", "{out}");
    assert_eq!(out["status"], "ABORTED");
    assert_eq!(
        out["report"]["json"],
        format!("s3://{BUCKET}/reports/fail-aborted.json")
    );
    let doc: Value =
        serde_json::from_slice(&object(&s3, "reports/fail-aborted.json").await).unwrap();
    assert_eq!(doc["verdict"], "failed");
    assert_eq!(doc["mode"], "validate");
    assert_eq!(doc["execution"], "fail-aborted");
    assert_eq!(doc["failure"]["Error"], "ExecutionAborted");
    assert!(
        doc["failure"]["Cause"]
            .as_str()
            .unwrap()
            .contains("ABORTED"),
        "{doc}"
    );
    assert!(doc["started_at"]
        .as_str()
        .unwrap()
        .starts_with("2025-12-01T10:00:00"));
    let md = String::from_utf8(object(&s3, "reports/fail-aborted.md").await).unwrap();
    assert!(md.contains("ExecutionAborted"), "{md}");

    // Delivered again (EventBridge is at-least-once): the report exists, nothing is rewritten.
    let again = service
        .handle(status_change("fail-aborted", "ABORTED"))
        .await
        .unwrap();
    assert_eq!(again["action"], "skipped", "{again}");
    assert!(
        again["reason"].as_str().unwrap().contains("exists"),
        "{again}"
    );
}

#[tokio::test]
async fn an_execution_that_wrote_its_report_is_left_alone() {
    let sdk = dmsflow::aws::sdk_config().await;
    let s3 = s3_client(&sdk).await;
    // The machine's own report (a caught failure reported as the machine does).
    let own = ReportService::new(
        S3Store::new(&sdk, BUCKET.into(), "own/".into()),
        NoNotifier,
        "dmsflow".into(),
    );
    own.handle(json!({"mode": "migrate", "execution": "fail-own",
        "error": {"Error": "MigrationFailed", "Cause": "task failed"}}))
        .await
        .unwrap();
    let before = object(&s3, "own/fail-own.json").await;

    // A missing topic: any notification would fail, so success proves none was sent.
    let service = ReportService::new(
        S3Store::new(&sdk, BUCKET.into(), "own/".into()),
        SnsNotifier::new(
            &sdk,
            "arn:aws:sns:us-east-1:123456789012:missing-topic".into(),
        ),
        "dmsflow".into(),
    )
    .with_index(S3Index::new(&sdk, BUCKET.into(), "own/".into()));
    let out = service
        .handle(status_change("fail-own", "FAILED"))
        .await
        .unwrap();
    assert_eq!(out["action"], "skipped", "{out}");
    assert_eq!(object(&s3, "own/fail-own.json").await, before);
    let doc: Value = serde_json::from_slice(&before).unwrap();
    assert_eq!(doc["failure"]["Error"], "MigrationFailed");

    // A success is not a failure: nothing written, nothing sent.
    let ok = service
        .handle(status_change("fail-succeeded", "SUCCEEDED"))
        .await
        .unwrap();
    assert_eq!(ok["action"], "skipped", "{ok}");

    // Without a report the same service does notify: the missing topic is named.
    let err = service
        .handle(status_change("fail-timed-out", "TIMED_OUT"))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::ReportError, "{err}");
    assert!(err.message.contains("missing-topic"), "{err}");
}

#[tokio::test]
async fn a_timed_out_execution_reports_to_a_directory_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let service = ReportService::new(
        DirStore {
            dir: dir.path().to_path_buf(),
        },
        NoNotifier,
        "dmsflow".into(),
    )
    .with_index(DirIndex {
        dir: dir.path().to_path_buf(),
    });
    let out = service
        .handle(status_change("fail-dir", "TIMED_OUT"))
        .await
        .unwrap();
    assert_eq!(out["action"], "written", "{out}");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("fail-dir.json")).unwrap()).unwrap();
    assert_eq!(doc["verdict"], "failed");
    assert_eq!(doc["failure"]["Error"], "States.Timeout");
}

#[tokio::test]
async fn without_an_index_the_status_change_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let service = ReportService::new(
        DirStore {
            dir: dir.path().to_path_buf(),
        },
        NoNotifier,
        "dmsflow".into(),
    );
    let err = service
        .handle(status_change("fail-no-index", "FAILED"))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::ReportError, "{err}");
    assert!(err.message.contains("no report store"), "{err}");

    let mut bad = status_change("fail-bad", "FAILED");
    bad["detail"]["status"] = json!("EXPLODED");
    let err = service.handle(bad).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::InvalidEvent, "{err}");
    assert!(err.message.contains("detail.status"), "{err}");
}
