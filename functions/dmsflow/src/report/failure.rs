//! No silent end: an execution that failed where no Catch ran, timed out or
//! was aborted writes no report itself. EventBridge's "Step Functions
//! Execution Status Change" event brings it to `report`, which writes a
//! failure report from what the event carries — unless the execution's own
//! report exists already (the event also follows a failure the machine caught
//! and reported).

use crate::contract::report::{ExecutionError, ExecutionStatusChange, Mode, ReportEvent};
use crate::error::{Classify, ErrorType};
use crate::events::{parse_event, EventError};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;

/// EventBridge's `detail-type` for a Step Functions execution's status change.
pub const STATUS_CHANGE: &str = "Step Functions Execution Status Change";

/// The status-change event, typed.
pub type StatusChangeEvent = EventBridgeEvent<ExecutionStatusChange>;

#[derive(Debug, thiserror::Error)]
pub enum FailureReportError {
    #[error("looking up {location}")]
    Lookup {
        location: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("no report store to look the execution's report up in is configured")]
    NoIndex,
}

impl Classify for FailureReportError {
    fn error_type(&self) -> ErrorType {
        ErrorType::ReportError
    }
}

/// Is this event EventBridge's status change (rather than the state machine's report event)?
pub fn is_status_change(event: &Value) -> bool {
    event.get("detail-type").and_then(Value::as_str) == Some(STATUS_CHANGE)
}

pub fn parse_status_change(event: Value) -> Result<StatusChangeEvent, EventError> {
    parse_event(event)
}

/// The report's name for an execution (what `handlers::report` writes).
pub fn report_json_name(execution: &str) -> String {
    format!("{}.json", super::file_stem(execution))
}

/// The report event a failed execution would have sent, from what the status
/// change carries: its name, start, input (as its config) and error.
pub fn failure_event(change: &ExecutionStatusChange) -> ReportEvent {
    let input: Option<Value> = change
        .input
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok());
    // The input names the mode; an input the report cannot read is a migrate
    // (the state machine's default).
    let mode = input
        .as_ref()
        .and_then(|i| i.get("mode"))
        .and_then(|m| serde_json::from_value::<Mode>(m.clone()).ok())
        .unwrap_or_default();
    let status = change.status.as_str();
    let error = change
        .error
        .clone()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| format!("Execution{}", pascal(status)));
    let cause = change.cause.clone().filter(|c| !c.is_empty()).or_else(|| {
        Some(format!(
            "the execution ended {status} where no Catch ran, so it wrote no report; this one was written from its status-change event ({})",
            change.execution_arn
        ))
    });
    ReportEvent {
        mode,
        execution: Some(change.name.clone()),
        started_at: change.start_date.map(crate::clock::rfc3339_millis),
        config: input,
        error: Some(ExecutionError { error, cause }),
        ..ReportEvent::default()
    }
}

/// `TIMED_OUT` -> `TimedOut`.
fn pascal(status: &str) -> String {
    status
        .split('_')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Port: does the report store hold a document of this name already?
pub trait ReportIndex: Send + Sync {
    fn exists(&self, name: &str) -> impl Future<Output = Result<bool, FailureReportError>> + Send;
}

/// No store to look in: the status-change path refuses rather than guess.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReportIndex;

impl ReportIndex for NoReportIndex {
    async fn exists(&self, _name: &str) -> Result<bool, FailureReportError> {
        Err(FailureReportError::NoIndex)
    }
}

/// Reports in S3 (the same bucket and prefix `S3Store` writes to).
#[derive(Debug, Clone)]
pub struct S3Index {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
}

impl S3Index {
    pub fn new(config: &aws_config::SdkConfig, bucket: String, prefix: String) -> Self {
        // Path-style with an endpoint override (moto), as `S3Store` does.
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        S3Index {
            client: aws_sdk_s3::Client::from_conf(s3_config),
            bucket,
            prefix,
        }
    }
}

impl ReportIndex for S3Index {
    async fn exists(&self, name: &str) -> Result<bool, FailureReportError> {
        let key = format!("{}{name}", self.prefix);
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) => Err(FailureReportError::Lookup {
                location: format!("s3://{}/{key}", self.bucket),
                source: Box::new(e),
            }),
        }
    }
}

/// Reports in a local directory (the same one `DirStore` writes to).
#[derive(Debug, Clone)]
pub struct DirIndex {
    pub dir: PathBuf,
}

impl ReportIndex for DirIndex {
    async fn exists(&self, name: &str) -> Result<bool, FailureReportError> {
        let path = self.dir.join(name);
        tokio::fs::try_exists(&path)
            .await
            .map_err(|e| FailureReportError::Lookup {
                location: path.display().to_string(),
                source: Box::new(e),
            })
    }
}

/// The index matching the configured store.
#[derive(Debug, Clone)]
pub enum ConfiguredIndex {
    S3(S3Index),
    Dir(DirIndex),
}

impl ReportIndex for ConfiguredIndex {
    async fn exists(&self, name: &str) -> Result<bool, FailureReportError> {
        match self {
            ConfiguredIndex::S3(i) => i.exists(name).await,
            ConfiguredIndex::Dir(i) => i.exists(name).await,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::contract::report::ExecutionStatus;
    use serde_json::json;

    fn aborted() -> Value {
        json!({
            "version": "0", "id": "e1", "source": "aws.states",
            "detail-type": STATUS_CHANGE, "account": "123456789012",
            "time": "2026-12-01T10:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:states:eu-west-1:123456789012:execution:dmsflow:run-7"],
            "detail": {
                "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:dmsflow:run-7",
                "stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:dmsflow",
                "name": "run-7", "status": "ABORTED",
                "startDate": 1_764_583_200_000_i64, "stopDate": 1_764_583_260_000_i64,
                "input": "{\"mode\":\"validate\",\"engine\":\"native\"}",
                "inputDetails": {"included": true},
                "output": null, "error": null, "cause": null, "redriveCount": 0
            }
        })
    }

    #[test]
    fn the_status_change_is_recognised_and_typed() {
        let event = aborted();
        assert!(is_status_change(&event));
        assert!(!is_status_change(&json!({"mode": "migrate"})));
        let typed = parse_status_change(event).unwrap();
        assert_eq!(typed.detail.status, ExecutionStatus::Aborted);
        assert_eq!(typed.detail.name, "run-7");
    }

    #[test]
    fn an_aborted_execution_becomes_a_failed_report_event() {
        let typed = parse_status_change(aborted()).unwrap();
        let event = failure_event(&typed.detail);
        assert_eq!(event.mode, Mode::Validate);
        assert_eq!(event.execution.as_deref(), Some("run-7"));
        assert_eq!(event.config.unwrap()["engine"], "native");
        let error = event.error.unwrap();
        assert_eq!(error.error, "ExecutionAborted");
        assert!(error.cause.unwrap().contains("ABORTED"));
        assert!(event.started_at.unwrap().starts_with("2025-12-01T10:00:00"));
    }

    #[test]
    fn a_recorded_error_and_cause_are_kept() {
        let mut raw = aborted();
        raw["detail"]["status"] = json!("TIMED_OUT");
        raw["detail"]["error"] = json!("States.Timeout");
        raw["detail"]["cause"] = json!("over TimeoutSeconds");
        raw["detail"]["input"] = json!("not json");
        let event = failure_event(&parse_status_change(raw).unwrap().detail);
        assert_eq!(event.mode, Mode::Migrate);
        let error = event.error.unwrap();
        assert_eq!(error.error, "States.Timeout");
        assert_eq!(error.cause.as_deref(), Some("over TimeoutSeconds"));
        assert_eq!(event.config, None);
    }

    #[test]
    fn pascal_case_of_statuses() {
        assert_eq!(pascal("TIMED_OUT"), "TimedOut");
        assert_eq!(pascal("FAILED"), "Failed");
    }
}
