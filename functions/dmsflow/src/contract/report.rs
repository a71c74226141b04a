//! `report`: its event (everything the state machine gathered), the report
//! document it writes, and the summary it returns.

use crate::contract::cutover::CutoverResult;
use crate::contract::engine::{
    ActionResult, AssessReport, EngineKind, Outcome, Phase, Progress, SequencesResult,
};
use crate::contract::map::{ValidationPlan, ValidationResults};
use crate::contract::seed::{ChangesResult, LoadResult, SchemaResult};
use crate::contract::validate::{Check, PlanChecks, PlanResult, TableResult, TablesResult};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// What the execution does: `migrate` (seed, replicate, prove), `validate`
/// (prove only) or `cutover` (finish a migration: fence, drain, validate at
/// rest, sequences, stop).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Migrate,
    Validate,
    Cutover,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Migrate => "migrate",
            Mode::Validate => "validate",
            Mode::Cutover => "cutover",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the state machine hands the report (docs/contracts.md). Everything
/// but `mode` is optional: a failed execution reports what it got so far.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportEvent {
    pub mode: Mode,
    #[serde(default)]
    pub execution: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    /// The execution's settings (the state machine's defaults merged with its
    /// input): recorded as given.
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub seed: Option<SeedSection>,
    /// start-task assess's result (the premigration assessment).
    #[serde(default)]
    pub assessment: Option<AssessReport>,
    /// start-task's result.
    #[serde(default)]
    pub migration: Option<ActionResult>,
    /// The last poll-task progress document.
    #[serde(default)]
    pub progress: Option<Progress>,
    #[serde(default)]
    pub cdc: Option<CdcSection>,
    /// start-task sync-sequences result.
    #[serde(default)]
    pub sequences: Option<SequencesResult>,
    #[serde(default)]
    pub validation: Option<ValidationSection>,
    /// The cut-over (mode `cutover`): the start-task event and its result.
    #[serde(default)]
    pub cutover: Option<CutoverSection>,
    /// A Step Functions Catch: `{"Error": "...", "Cause": "..."}`.
    #[serde(default)]
    pub error: Option<ExecutionError>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedSection {
    #[serde(default)]
    pub load: Option<LoadResult>,
    #[serde(default)]
    pub schema: Option<SchemaResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CdcSection {
    #[serde(default)]
    pub changes: Option<ChangesResult>,
    #[serde(default)]
    pub progress: Option<Progress>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationSection {
    /// The plan, or (from the state machine) its summary pointing at it in S3.
    #[serde(default)]
    pub plan: Option<ValidationPlan<PlanResult>>,
    /// One result per work item, or (from the state machine) the Distributed
    /// Map's ResultWriter output pointing at them in S3.
    #[serde(default)]
    pub results: ValidationResults<TablesResult>,
}

impl ValidationSection {
    /// The full plan when it is in the event (the report reads a stored one first).
    pub fn inline_plan(&self) -> Option<&PlanResult> {
        match &self.plan {
            Some(ValidationPlan::Inline(p)) => Some(p),
            _ => None,
        }
    }

    /// The results when they are in the event (the report reads stored ones first).
    pub fn inline_results(&self) -> &[TablesResult] {
        match &self.results {
            ValidationResults::Inline(r) => r,
            ValidationResults::Map(_) => &[],
        }
    }
}

/// Mode `cutover`: the start-task `cutover` event the machine sent (until
/// its result replaces it), and that result.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CutoverSection {
    /// The start-task event (`{"action": "cutover", "fence": …}`), recorded as given.
    #[serde(default)]
    pub request: Option<Value>,
    #[serde(default)]
    pub result: Option<CutoverResult>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct ExecutionError {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Identical,
    Different,
    Failed,
    /// No row found different, but some rows kept changing through every
    /// re-check (live validation under load): not an alarm, not a clean bill.
    Unverified,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::Different => "different",
            Verdict::Failed => "failed",
            Verdict::Unverified => "unverified",
        }
    }
}

/// The report document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub verdict: Verdict,
    pub summary: String,
    pub mode: Mode,
    pub execution: String,
    pub generated_at: String,
    pub started_at: Option<String>,
    pub tables_validated: usize,
    pub tables_identical: usize,
    pub tables_different: usize,
    pub tables_error: usize,
    pub rows_compared: i64,
    pub differences: u64,
    pub tables: Vec<TableResult>,
    pub database_checks: Option<PlanChecks>,
    pub migration: Option<MigrationSummary>,
    pub cdc: Option<CdcSummary>,
    pub sequences: Option<SequencesResult>,
    pub seed: Option<SeedSection>,
    /// The premigration assessment, when the execution ran one.
    pub assessment: Option<AssessReport>,
    /// The cut-over, when the execution ran one (mode `cutover`).
    pub cutover: Option<CutoverResult>,
    pub validation_seconds: f64,
    pub failure: Option<ExecutionError>,
    /// Where the documents were written.
    pub locations: BTreeMap<String, String>,
}

/// The migration's last known state, from poll-task's progress document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MigrationSummary {
    pub engine: Option<EngineKind>,
    pub phase: Option<Phase>,
    pub full_load_percent: Option<f64>,
    pub cdc_lag_seconds: Option<f64>,
    pub cdc_lag_bytes: Option<i64>,
    pub last_error: Option<String>,
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CdcSummary {
    pub seed: Option<u64>,
    pub applied: Option<u64>,
    pub inserted: Option<u64>,
    pub updated: Option<u64>,
    pub deleted: Option<u64>,
    pub source_lsn: Option<String>,
    pub proof: Option<Check>,
}

/// What the `report` function returns (the full document is in the store:
/// Step Functions payloads are capped at 256 KB).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSummary {
    pub verdict: Verdict,
    pub identical: bool,
    pub summary: String,
    pub execution: String,
    pub tables_validated: usize,
    pub tables_different: usize,
    pub tables_error: usize,
    pub rows_compared: i64,
    pub differences: u64,
    /// Where the documents were written (`markdown`, `json`).
    pub report: BTreeMap<String, String>,
}

/// A Step Functions execution's status, as EventBridge reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    PendingRedrive,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
            ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
        }
    }

    /// The statuses that end an execution without its own report step having run.
    pub fn is_silent_end(self) -> bool {
        matches!(
            self,
            ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
        )
    }
}

/// The `detail` of an EventBridge "Step Functions Execution Status Change"
/// event (the envelope is `aws_lambda_events`' `EventBridgeEvent`). Unknown
/// fields are ignored: AWS adds fields to this event over time.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionStatusChange {
    pub execution_arn: String,
    #[serde(default)]
    pub state_machine_arn: Option<String>,
    /// The execution's name: what the report is named after.
    pub name: String,
    pub status: ExecutionStatus,
    /// Epoch milliseconds.
    #[serde(default)]
    pub start_date: Option<i64>,
    #[serde(default)]
    pub stop_date: Option<i64>,
    /// The execution's input, as a JSON text (null when over the event's size limit).
    #[serde(default)]
    pub input: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
}

/// What `report` did with a status-change event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureReportAction {
    /// No report existed: a failure report was written and notified.
    Written,
    /// The execution had written its report already (or had not ended in failure).
    Skipped,
}

/// What `report` returns for a status-change event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureReportResult {
    pub action: FailureReportAction,
    pub execution: String,
    pub status: ExecutionStatus,
    /// Why it was skipped, or the failure report's summary.
    pub reason: String,
    /// Where the documents are (`markdown`, `json`) when written.
    #[serde(default)]
    pub report: BTreeMap<String, String>,
}
