//! DMS engine: the full-load-and-CDC replication task Terraform creates,
//! driven through the DMS API; CDC latency from CloudWatch and, when the
//! source is configured, the lag at the task's replication slot ([`slot`]).
//!
//! Task status → what `start`, `stop` and `poll` do (every documented status
//! is listed; anything else is an `InvalidTaskState` error, never a guess):
//!
//! | status | start | stop | poll phase |
//! |---|---|---|---|
//! | `ready` (never run) | `start-replication` → started | already-stopped | stopped |
//! | `ready` (ran before, e.g. after a modify) | `resume-processing` (or `reload-target`) | already-stopped | stopped |
//! | `starting` | already-running | `StopReplicationTask` | starting |
//! | `running` | already-running (`reload_target`: InvalidTaskState) | `StopReplicationTask` | full-load / cdc-catching-up / in-sync, failed when tables are in error |
//! | `stopping` | InvalidTaskState | already-stopped | stopped |
//! | `stopped` | `resume-processing` → resumed (`reload-target` → reloaded) | already-stopped | stopped |
//! | `failed` | MigrationFailed with `LastFailureMessage` (`reload-target` when asked) | already-stopped | failed |
//! | `failed-move` | MigrationFailed | already-stopped | failed |
//! | `deleting` | InvalidTaskState | already-stopped | failed |
//! | `creating`, `modifying`, `moving`, `testing` | InvalidTaskState | InvalidTaskState | stopped |
//!
//! Table states (`DescribeTableStatistics`): `Before load` → queued, `Full load`
//! → loading, `Table is being reloaded` → reloading, `Table completed` →
//! loaded, `Table error` → errored, `Table cancelled` → cancelled, `Table does
//! not exist` → missing (the last three count as errored).

use super::progress::{replicating_phase, Phase, Progress, TableCounts, TableProgress, TableState};
use super::{
    names, now_rfc3339, ActionResult, AwsErrorKind, DmsHandle, EngineError, EngineKind, Handle,
    MigrationEngine, Outcome, StartRequest,
};
use crate::aws::ServiceError;
use aws_sdk_databasemigration::types::{Filter, ReplicationTask, StartReplicationTaskTypeValue};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

mod calls;
mod finish;
mod slot;

use slot::SlotReading;
pub use slot::SourceSlot;

/// Every task status DMS documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Creating,
    Ready,
    Starting,
    Running,
    Stopping,
    Stopped,
    Failed,
    Deleting,
    Modifying,
    Moving,
    FailedMove,
    Testing,
}

impl TaskStatus {
    pub const ALL: &'static [TaskStatus] = &[
        TaskStatus::Creating,
        TaskStatus::Ready,
        TaskStatus::Starting,
        TaskStatus::Running,
        TaskStatus::Stopping,
        TaskStatus::Stopped,
        TaskStatus::Failed,
        TaskStatus::Deleting,
        TaskStatus::Modifying,
        TaskStatus::Moving,
        TaskStatus::FailedMove,
        TaskStatus::Testing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Creating => "creating",
            TaskStatus::Ready => "ready",
            TaskStatus::Starting => "starting",
            TaskStatus::Running => "running",
            TaskStatus::Stopping => "stopping",
            TaskStatus::Stopped => "stopped",
            TaskStatus::Failed => "failed",
            TaskStatus::Deleting => "deleting",
            TaskStatus::Modifying => "modifying",
            TaskStatus::Moving => "moving",
            TaskStatus::FailedMove => "failed-move",
            TaskStatus::Testing => "testing",
        }
    }

    pub fn parse(value: &str, task_arn: &str) -> Result<TaskStatus, EngineError> {
        TaskStatus::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| EngineError::UnknownState {
                what: "DMS task status",
                value: value.to_owned(),
                subject: task_arn.to_owned(),
            })
    }
}

/// Map a DMS `TableState` (every documented value).
pub fn table_state(value: &str, subject: &str) -> Result<TableState, EngineError> {
    match value {
        "Before load" => Ok(TableState::Queued),
        "Full load" => Ok(TableState::Loading),
        "Table is being reloaded" => Ok(TableState::Reloading),
        "Table completed" => Ok(TableState::Loaded),
        "Table error" => Ok(TableState::Errored),
        "Table cancelled" => Ok(TableState::Cancelled),
        "Table does not exist" => Ok(TableState::Missing),
        other => Err(EngineError::UnknownState {
            what: "DMS table state",
            value: other.to_owned(),
            subject: subject.to_owned(),
        }),
    }
}

fn aws_error<'a, E: ServiceError>(
    operation: &'static str,
    resource: &'a str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> EngineError + 'a {
    crate::aws::api_error("DMS", operation, resource)
}

/// Limits for the endpoint connection test.
#[derive(Debug, Clone, Copy)]
pub struct DmsOptions {
    pub connection_test_timeout: Duration,
    pub connection_test_interval: Duration,
    /// How long a cut-over waits for the task to reach `stopped`, and how
    /// often it looks.
    pub stop_timeout: Duration,
    pub stop_interval: Duration,
}

impl Default for DmsOptions {
    fn default() -> Self {
        DmsOptions {
            connection_test_timeout: Duration::from_secs(180),
            connection_test_interval: Duration::from_secs(5),
            stop_timeout: Duration::from_secs(300),
            stop_interval: Duration::from_secs(5),
        }
    }
}

/// The DMS and CloudWatch clients, built once per process.
#[derive(Debug, Clone)]
pub struct DmsClients {
    pub dms: aws_sdk_databasemigration::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl DmsClients {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        DmsClients {
            dms: aws_sdk_databasemigration::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
        }
    }
}

/// One DMS replication task.
#[derive(Debug)]
pub struct DmsEngine {
    clients: DmsClients,
    task_arn: String,
    options: DmsOptions,
    /// `ReplicationInstanceIdentifier` (the instance's name, which its ARN
    /// does not contain), looked up once.
    instance_identifier: Mutex<Option<(String, String)>>,
    /// The task's slot on the source, for the lag in bytes and timed there.
    source_slot: Option<Box<SourceSlot>>,
}

impl DmsEngine {
    pub fn new(clients: DmsClients, task_arn: impl Into<String>) -> Self {
        DmsEngine {
            clients,
            task_arn: task_arn.into(),
            options: DmsOptions::default(),
            instance_identifier: Mutex::new(None),
            source_slot: None,
        }
    }

    /// Also read the lag at the task's replication slot on the source.
    pub fn with_source_slot(mut self, slot: SourceSlot) -> Self {
        self.source_slot = Some(Box::new(slot));
        self
    }

    /// Where the task's slot is read (`None`: no source configured).
    pub fn source_slot(&self) -> Option<&SourceSlot> {
        self.source_slot.as_deref()
    }

    /// CloudWatch's CDC latency, and the slot's lag when a source is known:
    /// `(seconds, bytes, in-sync lag)`.
    async fn cdc_lag(
        &self,
        instance: &str,
        threshold: f64,
    ) -> Result<(Option<f64>, Option<i64>, Option<f64>), EngineError> {
        let cloudwatch = self.cdc_latency(instance).await?;
        let Some(slot) = &self.source_slot else {
            return Ok((cloudwatch, None, cloudwatch));
        };
        let reading = slot.read(threshold).await?;
        match &reading {
            SlotReading::Measured { name, lag } => tracing::debug!(
                slot = %name,
                lag_bytes = lag.bytes(),
                timed_seconds = lag.seconds(),
                cloudwatch_seconds = cloudwatch,
                "DMS lag at the source slot"
            ),
            SlotReading::Unavailable(why) => {
                tracing::warn!(reason = %why, "DMS lag from CloudWatch only")
            }
        }
        Ok(slot::combine(cloudwatch, &reading, slot.max_bytes))
    }

    pub fn with_options(mut self, options: DmsOptions) -> Self {
        self.options = options;
        self
    }

    fn arn_filter(name: &str, value: &str) -> Result<Filter, EngineError> {
        Filter::builder()
            .name(name)
            .values(value)
            .build()
            .map_err(|e| EngineError::Aws {
                operation: "building a filter",
                resource: value.to_owned(),
                kind: AwsErrorKind::Other,
                source: Box::new(e),
            })
    }

    /// `DescribeReplicationTasks` filtered by ARN.
    pub async fn describe(&self) -> Result<ReplicationTask, EngineError> {
        let out = self
            .clients
            .dms
            .describe_replication_tasks()
            .filters(Self::arn_filter("replication-task-arn", &self.task_arn)?)
            .without_settings(true)
            .send()
            .await
            .map_err(aws_error("DescribeReplicationTasks", &self.task_arn))?;
        out.replication_tasks
            .unwrap_or_default()
            .into_iter()
            .find(|t| t.replication_task_arn() == Some(self.task_arn.as_str()))
            .ok_or_else(|| EngineError::Aws {
                operation: "DescribeReplicationTasks",
                resource: self.task_arn.clone(),
                kind: AwsErrorKind::NotFound,
                source: "no replication task with this ARN".into(),
            })
    }

    fn status_of(&self, task: &ReplicationTask) -> Result<TaskStatus, EngineError> {
        let raw = task.status().ok_or_else(|| EngineError::Incomplete {
            what: "task status",
            resource: self.task_arn.clone(),
        })?;
        TaskStatus::parse(raw, &self.task_arn)
    }

    fn failure_message(task: &ReplicationTask) -> String {
        task.last_failure_message()
            .filter(|m| !m.is_empty())
            .or(task.stop_reason())
            .unwrap_or("DMS gave no failure message")
            .to_owned()
    }

    fn result(&self, action: &str, outcome: Outcome, message: String) -> ActionResult {
        ActionResult {
            engine: EngineKind::Dms,
            action: action.into(),
            outcome,
            message,
            handle: self.handle(),
        }
    }
}
impl MigrationEngine for DmsEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Dms
    }

    fn handle(&self) -> Handle {
        Handle::Dms(DmsHandle {
            task_arn: self.task_arn.clone(),
        })
    }

    async fn start(&self, request: &StartRequest) -> Result<ActionResult, EngineError> {
        let task = self.describe().await?;
        let status = self.status_of(&task)?;
        let arn = &self.task_arn;
        if request.test_connections {
            let instance =
                task.replication_instance_arn()
                    .ok_or_else(|| EngineError::Incomplete {
                        what: "replication instance ARN",
                        resource: arn.clone(),
                    })?;
            for (side, endpoint) in [
                ("source", task.source_endpoint_arn()),
                ("target", task.target_endpoint_arn()),
            ] {
                let endpoint = endpoint.ok_or_else(|| EngineError::Incomplete {
                    what: "endpoint ARN",
                    resource: arn.clone(),
                })?;
                self.test_endpoint(side, instance, endpoint).await?;
            }
        }
        let has_run = task.replication_task_start_date().is_some()
            || task
                .replication_task_stats()
                .is_some_and(|s| s.start_date().is_some() || s.fresh_start_date().is_some());
        let invalid = |reason: &str| EngineError::InvalidState {
            what: format!("DMS replication task {arn}"),
            state: status.as_str().into(),
            reason: reason.into(),
        };
        let tested = if request.test_connections {
            "both endpoint connections tested; "
        } else {
            ""
        };
        use StartReplicationTaskTypeValue as T;
        let (kind, outcome, what) = match status {
            TaskStatus::Running | TaskStatus::Starting => {
                if request.reload_target {
                    return Err(invalid("reload_target needs a stopped task: stop it first"));
                }
                return Ok(self.result(
                    "start",
                    Outcome::AlreadyRunning,
                    format!("{tested}task is already {}; nothing done", status.as_str()),
                ));
            }
            TaskStatus::Ready | TaskStatus::Stopped if request.reload_target && has_run => {
                (T::ReloadTarget, Outcome::Reloaded, "reload-target")
            }
            TaskStatus::Ready if !has_run => {
                (T::StartReplication, Outcome::Started, "start-replication")
            }
            TaskStatus::Ready | TaskStatus::Stopped => {
                (T::ResumeProcessing, Outcome::Resumed, "resume-processing")
            }
            TaskStatus::Failed if request.reload_target => {
                (T::ReloadTarget, Outcome::Reloaded, "reload-target")
            }
            TaskStatus::Failed | TaskStatus::FailedMove => {
                return Err(EngineError::TaskFailed {
                    task_arn: arn.clone(),
                    status: status.as_str().into(),
                    message: Self::failure_message(&task),
                })
            }
            TaskStatus::Stopping => {
                return Err(invalid("wait until it is stopped, then start it again"))
            }
            TaskStatus::Creating
            | TaskStatus::Modifying
            | TaskStatus::Moving
            | TaskStatus::Testing => {
                return Err(invalid(
                    "it cannot start until DMS is done with it (it becomes ready)",
                ))
            }
            TaskStatus::Deleting => return Err(invalid("it is being deleted")),
        };
        let new_status = self.start_task(kind).await?;
        let mut message = format!(
            "{tested}task was {}; StartReplicationTask {what} issued",
            status.as_str()
        );
        if let Some(s) = new_status {
            message.push_str(&format!(" (now {s})"));
        }
        if status == TaskStatus::Failed {
            message.push_str(&format!(
                "; previous failure: {}",
                Self::failure_message(&task)
            ));
        }
        Ok(self.result("start", outcome, message))
    }

    async fn poll(&self, in_sync_lag_seconds: f64) -> Result<Progress, EngineError> {
        let task = self.describe().await?;
        let status = self.status_of(&task)?;
        let has_tables = matches!(
            status,
            TaskStatus::Running | TaskStatus::Stopping | TaskStatus::Stopped | TaskStatus::Failed
        );
        let table_states = if has_tables {
            match self.table_statistics().await {
                Ok(t) => t,
                // Statistics are not available in every state (e.g. a task that
                // failed before loading anything).
                Err(EngineError::Aws {
                    kind: AwsErrorKind::InvalidState,
                    ..
                }) if status != TaskStatus::Running => Vec::new(),
                Err(e) => return Err(e),
            }
        } else {
            Vec::new()
        };
        let stats = task.replication_task_stats();
        let tables = match stats {
            Some(s) => {
                let c = TableCounts {
                    loaded: i64::from(s.tables_loaded()),
                    loading: i64::from(s.tables_loading()),
                    queued: i64::from(s.tables_queued()),
                    errored: i64::from(s.tables_errored()),
                    total: 0,
                };
                TableCounts {
                    total: c.loaded + c.loading + c.queued + c.errored,
                    ..c
                }
            }
            None => TableCounts::from_states(&table_states),
        };
        let full_load_percent = stats.map_or(0.0, |s| f64::from(s.full_load_progress_percent()));
        let errored_tables: Vec<String> = table_states
            .iter()
            .filter(|t| t.state.is_error())
            .map(|t| {
                format!(
                    "{}.{} ({})",
                    t.schema,
                    t.table,
                    t.error.as_deref().unwrap_or("error")
                )
            })
            .collect();
        let full_load_done = full_load_percent >= 100.0
            && tables.loading == 0
            && tables.queued == 0
            && table_states.iter().all(|t| t.state == TableState::Loaded);
        let mut last_error = task
            .last_failure_message()
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        let mut lag = None;
        let mut lag_bytes = None;
        let phase = match status {
            TaskStatus::Starting => Phase::Starting,
            TaskStatus::Running => {
                if tables.errored > 0 || !errored_tables.is_empty() {
                    let detail = if errored_tables.is_empty() {
                        format!("{} table(s)", tables.errored)
                    } else {
                        errored_tables.join(", ")
                    };
                    last_error = Some(format!("DMS reports tables in error: {detail}"));
                    Phase::Failed
                } else {
                    if full_load_done {
                        let instance = task.replication_instance_arn().ok_or_else(|| {
                            EngineError::Incomplete {
                                what: "replication instance ARN",
                                resource: self.task_arn.clone(),
                            }
                        })?;
                        let (seconds, bytes, in_sync) =
                            self.cdc_lag(instance, in_sync_lag_seconds).await?;
                        (lag, lag_bytes) = (seconds, bytes);
                        replicating_phase(true, in_sync, in_sync_lag_seconds)
                    } else {
                        replicating_phase(false, None, in_sync_lag_seconds)
                    }
                }
            }
            TaskStatus::Failed | TaskStatus::FailedMove | TaskStatus::Deleting => {
                if last_error.is_none() {
                    last_error = Some(Self::failure_message(&task));
                }
                Phase::Failed
            }
            TaskStatus::Ready
            | TaskStatus::Stopping
            | TaskStatus::Stopped
            | TaskStatus::Creating
            | TaskStatus::Modifying
            | TaskStatus::Moving
            | TaskStatus::Testing => Phase::Stopped,
        };
        Ok(Progress {
            engine: EngineKind::Dms,
            phase,
            status: status.as_str().into(),
            full_load_percent,
            tables,
            table_states,
            cdc_lag_seconds: lag,
            cdc_lag_bytes: lag_bytes,
            in_sync_lag_seconds,
            last_error,
            handle: self.handle(),
            polled_at: now_rfc3339(),
        })
    }

    async fn stop(&self) -> Result<ActionResult, EngineError> {
        let task = self.describe().await?;
        let status = self.status_of(&task)?;
        match status {
            TaskStatus::Running | TaskStatus::Starting => {
                let out = self
                    .clients
                    .dms
                    .stop_replication_task()
                    .replication_task_arn(&self.task_arn)
                    .send()
                    .await
                    .map_err(aws_error("StopReplicationTask", &self.task_arn))?;
                let now = out
                    .replication_task()
                    .and_then(|t| t.status())
                    .unwrap_or("stopping")
                    .to_owned();
                tracing::info!(task = %self.task_arn, "replication task stop requested");
                Ok(self.result(
                    "stop",
                    Outcome::Stopped,
                    format!(
                        "task was {}; StopReplicationTask issued (now {now})",
                        status.as_str()
                    ),
                ))
            }
            TaskStatus::Stopped
            | TaskStatus::Stopping
            | TaskStatus::Ready
            | TaskStatus::Failed
            | TaskStatus::FailedMove
            | TaskStatus::Deleting => {
                let mut message = format!("task is {}; nothing to stop", status.as_str());
                if matches!(status, TaskStatus::Failed | TaskStatus::FailedMove) {
                    message.push_str(&format!(" (failure: {})", Self::failure_message(&task)));
                }
                Ok(self.result("stop", Outcome::AlreadyStopped, message))
            }
            TaskStatus::Creating
            | TaskStatus::Modifying
            | TaskStatus::Moving
            | TaskStatus::Testing => Err(EngineError::InvalidState {
                what: format!("DMS replication task {}", self.task_arn),
                state: status.as_str().into(),
                reason: "it cannot be stopped until DMS is done with it".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_and_unknown_is_an_error() {
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str(), "arn").unwrap(), *s);
        }
        let err = TaskStatus::parse("resuming", "arn:x").unwrap_err();
        assert!(err.to_string().contains("\"resuming\""), "{err}");
        assert_eq!(
            crate::error::Classify::error_type(&err),
            crate::ErrorType::InvalidTaskState
        );
    }

    #[test]
    fn every_table_state_is_mapped() {
        let cases = [
            ("Before load", TableState::Queued),
            ("Full load", TableState::Loading),
            ("Table is being reloaded", TableState::Reloading),
            ("Table completed", TableState::Loaded),
            ("Table error", TableState::Errored),
            ("Table cancelled", TableState::Cancelled),
            ("Table does not exist", TableState::Missing),
        ];
        for (raw, want) in cases {
            assert_eq!(table_state(raw, "s.t").unwrap(), want, "{raw}");
        }
        assert!(table_state("Queued", "s.t").is_err());
    }
}
