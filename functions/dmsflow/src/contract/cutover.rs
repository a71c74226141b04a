//! The cut-over: what is asked (fence, quiet window, rehearsal), and what it
//! did — the timeline of its steps, the write downtime, the verdict (`ready`:
//! point the application at the target; `aborted`: the source was unfenced
//! and replication left running, `reason` says why).

use super::engine::{ActionResult, SequencesResult};
use super::validate::Status;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How writers on the source are stopped before the drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FenceMode {
    /// The operator stopped the application; dmsflow confirms no row changes
    /// for `quiet_seconds` and aborts if writes continue.
    None,
    /// The listed roles get NOLOGIN and their sessions are terminated.
    Roles,
    /// The database defaults to read-only transactions and the listed roles'
    /// sessions are terminated.
    ReadOnly,
}

impl FenceMode {
    pub fn as_str(self) -> &'static str {
        match self {
            FenceMode::None => "none",
            FenceMode::Roles => "roles",
            FenceMode::ReadOnly => "read-only",
        }
    }
}

/// What the cut-over is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CutoverRequest {
    pub fence: FenceMode,
    /// Roles to fence (`roles`, `read-only`); never a superuser or the role
    /// dmsflow connects as.
    #[serde(default)]
    pub fence_roles: Vec<String>,
    /// Quiet window of the `none` fence, in seconds.
    pub quiet_seconds: u64,
    /// How long the drain may wait for the target to confirm the fence position.
    pub drain_timeout_seconds: u64,
    /// Every step except the fence and the stop: measures the downtime budget.
    #[serde(default)]
    pub rehearsal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CutoverVerdict {
    /// The target holds everything, sequences are synced, replication is gone.
    Ready,
    /// Rolled back: the source unfenced, replication still running.
    Aborted,
}

impl CutoverVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            CutoverVerdict::Ready => "ready",
            CutoverVerdict::Aborted => "aborted",
        }
    }
}

/// One step of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CutoverStep {
    Precondition,
    Fenced,
    Drained,
    Validated,
    Sequences,
    Stopped,
    Unfenced,
}

impl CutoverStep {
    pub fn as_str(self) -> &'static str {
        match self {
            CutoverStep::Precondition => "precondition",
            CutoverStep::Fenced => "fenced",
            CutoverStep::Drained => "drained",
            CutoverStep::Validated => "validated",
            CutoverStep::Sequences => "sequences",
            CutoverStep::Stopped => "stopped",
            CutoverStep::Unfenced => "unfenced",
        }
    }
}

/// A step done: when (RFC 3339 UTC), seconds since the cut-over began, what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimelineEntry {
    pub step: CutoverStep,
    pub at: String,
    pub seconds: f64,
    pub detail: String,
}

/// A fenced role and what it was before (restored exactly on unfence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FencedRole {
    pub role: String,
    /// `rolcanlogin` before the fence; a role that could not log in is left alone.
    pub could_login: bool,
    pub sessions_terminated: i64,
}

/// What the fence changed on the source, so it can be undone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct FenceRecord {
    pub roles: Vec<FencedRole>,
    /// `read-only`: whether the database had its own
    /// `default_transaction_read_only` setting before, and its value.
    pub read_only_before: Option<Option<String>>,
    /// Row changes counted in the schema's tables when the fence took hold.
    pub row_changes_at_fence: i64,
}

/// The final validation at rest, in brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FinalValidation {
    pub status: Status,
    pub tables: usize,
    pub rows_compared: i64,
    pub seconds: f64,
    /// Each check or table that is not identical, with its message.
    pub problems: Vec<String>,
}

/// What `dmsflow cutover` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CutoverResult {
    pub verdict: CutoverVerdict,
    pub rehearsal: bool,
    pub fence: FenceMode,
    /// Why the cut-over was aborted.
    pub reason: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    /// Write downtime: from the fence to `ready` (a rehearsal: from where the
    /// fence would be to the end), seconds.
    pub write_downtime_seconds: Option<f64>,
    pub total_seconds: f64,
    /// The source WAL position noted after the fence.
    pub drain_lsn: Option<String>,
    pub fence_record: Option<FenceRecord>,
    /// The statements that undo the fence by hand (after `ready` the source
    /// stays fenced: the application moves to the target); `None` when nothing
    /// was fenced.
    #[serde(default)]
    pub fence_undo: Option<String>,
    pub validation: Option<FinalValidation>,
    pub sequences: Option<SequencesResult>,
    pub stop: Option<ActionResult>,
}
