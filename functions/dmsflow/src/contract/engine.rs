//! `start-task` and `poll-task`: their events, the handle of a migration, what
//! a start or stop did, the progress document (the state machine's Choice reads
//! `phase`; fixture `tests/fixtures/progress.json`), the sequence sync result,
//! and the premigration assessment's report ([`AssessReport`], the result of
//! `{"action":"assess"}`; its Choice reads `verdict`). `{"action":"cutover"}`
//! carries a [`CutoverRequest`] and returns a `CutoverResult`.

pub use crate::assess::model::{AssessCheck, AssessReport};
use crate::contract::cutover::CutoverRequest;
use crate::contract::env::CUTOVER_QUIET_SECONDS;
use crate::events::{parse_event, split_tag, EventError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Which engine moves the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Dms,
    Native,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Dms => "dms",
            EngineKind::Native => "native",
        }
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EngineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "dms" => Ok(EngineKind::Dms),
            "native" => Ok(EngineKind::Native),
            other => Err(format!(
                "unknown migration engine {other:?} (one of: dms, native)"
            )),
        }
    }
}

/// What `start-task` returns and `poll-task` takes: which migration to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "engine", rename_all = "lowercase")]
pub enum Handle {
    Dms(DmsHandle),
    Native(NativeHandle),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DmsHandle {
    pub task_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NativeHandle {
    /// The schemas replicated (empty: every user schema of the source).
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Schemas left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_schemas: Vec<String>,
    pub publication: String,
    pub subscription: String,
}

/// `{"action":"start"}` options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Test both endpoints' connections first (DMS `TestConnection`; native:
    /// connect to both databases) and fail with the engine's message.
    #[serde(default)]
    pub test_connections: bool,
    /// DMS only: start with `reload-target` (a fresh full load).
    #[serde(default)]
    pub reload_target: bool,
}

/// What a start or stop did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// DMS: a task never run was started (`start-replication`).
    Started,
    /// DMS: a stopped task resumed (`resume-processing`); native: a disabled
    /// subscription was enabled again.
    Resumed,
    /// DMS: the task was already running or starting; nothing was done.
    AlreadyRunning,
    /// DMS: `reload-target` was requested and issued.
    Reloaded,
    /// Native: publication and subscription created.
    Created,
    /// Native: the subscription already existed and was enabled; nothing duplicated.
    Existing,
    Stopped,
    AlreadyStopped,
}

/// Result of `start` / `stop` (see docs/contracts.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionResult {
    pub engine: EngineKind,
    pub action: String,
    pub outcome: Outcome,
    pub message: String,
    pub handle: Handle,
}

/// Where a migration is, engine-independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Started, no table is copying yet.
    Starting,
    /// Tables are being copied (or queued).
    FullLoad,
    /// Full load done; changes are being applied but the lag is above the threshold
    /// (or not known yet).
    CdcCatchingUp,
    /// Full load done and lag under the threshold.
    InSync,
    /// Not replicating (stopped, never started, disabled…), and not failed.
    Stopped,
    /// The engine reports a failure (task failed, tables in error, slot lost…).
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::FullLoad => "full-load",
            Phase::CdcCatchingUp => "cdc-catching-up",
            Phase::InSync => "in-sync",
            Phase::Stopped => "stopped",
            Phase::Failed => "failed",
        }
    }
}

/// A table's state, engine-independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TableState {
    /// Waiting for its copy (DMS `Before load`; native `i`).
    Queued,
    /// Being copied or catching up after its copy (DMS `Full load`; native `d`, `f`, `s`).
    Loading,
    /// Being reloaded (DMS `Table is being reloaded`).
    Reloading,
    /// Copied; changes flow (DMS `Table completed`; native `r`).
    Loaded,
    /// DMS `Table error`.
    Errored,
    /// DMS `Table cancelled`.
    Cancelled,
    /// DMS `Table does not exist`.
    Missing,
}

impl TableState {
    /// Counts towards `tables.errored` (the table will not load by itself).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            TableState::Errored | TableState::Cancelled | TableState::Missing
        )
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableCounts {
    pub total: i64,
    pub loaded: i64,
    pub loading: i64,
    pub queued: i64,
    pub errored: i64,
}

impl TableCounts {
    /// Counts from per-table states.
    pub fn from_states(tables: &[TableProgress]) -> TableCounts {
        let mut c = TableCounts {
            total: tables.len() as i64,
            ..TableCounts::default()
        };
        for t in tables {
            match t.state {
                TableState::Queued => c.queued += 1,
                TableState::Loading | TableState::Reloading => c.loading += 1,
                TableState::Loaded => c.loaded += 1,
                TableState::Errored | TableState::Cancelled | TableState::Missing => c.errored += 1,
            }
        }
        c
    }
}

/// One table. Row counts: DMS's table statistics (`FullLoadRows`, CDC
/// inserts/updates/deletes); native: the target's statistics
/// (`n_live_tup`, and the cumulative `n_tup_ins/upd/del`, which include the copy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableProgress {
    pub schema: String,
    pub table: String,
    pub state: TableState,
    pub full_load_rows: i64,
    pub inserts: i64,
    pub updates: i64,
    pub deletes: i64,
    #[serde(deserialize_with = "required")]
    pub validation_state: Option<String>,
    #[serde(deserialize_with = "required")]
    pub error: Option<String>,
}

/// The `poll-task` result (docs/contracts.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub engine: EngineKind,
    pub phase: Phase,
    /// The engine's own status word (DMS task status; native: `initializing`,
    /// `copying`, `replicating`, `disabled`, `slot-missing`).
    pub status: String,
    pub full_load_percent: f64,
    pub tables: TableCounts,
    pub table_states: Vec<TableProgress>,
    /// Seconds behind the source; `null` when not known (full load running,
    /// no CloudWatch datapoint yet). Native: timed by the poll — the time the
    /// slot took to confirm the source's WAL position of the poll's start, an
    /// upper bound on the age of the oldest committed change not yet applied
    /// (a lower bound when it did not within the threshold: then never
    /// `in-sync`).
    /// DMS: CloudWatch's CDC latency (source + target), or the slot's timed
    /// lag when larger.
    #[serde(deserialize_with = "required")]
    pub cdc_lag_seconds: Option<f64>,
    /// WAL bytes the target has not confirmed at the migration's slot on the
    /// source (native; DMS when its slot is known, see `DMS_SOURCE_SLOT`),
    /// else `null`.
    #[serde(deserialize_with = "required")]
    pub cdc_lag_bytes: Option<i64>,
    pub in_sync_lag_seconds: f64,
    #[serde(deserialize_with = "required")]
    pub last_error: Option<String>,
    pub handle: Handle,
    pub polled_at: String,
}

/// An `Option` field that must be present (as `null` when empty): the
/// document always carries every field.
fn required<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SequenceSync {
    /// `schema.sequence`.
    pub sequence: String,
    pub source_last_value: i64,
    pub target_before: i64,
    pub target_after: i64,
}

/// Result of `{"action":"sync-sequences"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SequencesResult {
    pub action: String,
    pub sequences: Vec<SequenceSync>,
}

// ----------------------------------------------------------------- the events

/// The `start-task` event (tag `action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
pub enum StartTaskEvent {
    Start(StartRequest),
    Stop,
    SyncSequences,
    /// The premigration assessment of source and target (and their RDS
    /// instances when SOURCE_DB_INSTANCE_ID / TARGET_DB_INSTANCE_ID are set).
    /// Its result is an [`AssessReport`]; a failed check is its `verdict`
    /// `not-ready`, not an error.
    Assess,
    /// The cut-over of the configured migration (native engine). Its result
    /// is a `CutoverResult`; `aborted` is its `verdict`, not an error.
    Cutover(CutoverRequest),
}

/// The longest a cut-over may wait in one start-task call (quiet window plus
/// drain), seconds: a Lambda runs at most 900 s, and the final validation,
/// the sequence sync and the stop need the rest. A longer cut-over runs
/// from the CLI (`dmsflow cutover`).
pub const CUTOVER_MAX_WAIT_SECONDS: u64 = 600;

/// A cut-over request a Lambda can finish: quiet window within its declared
/// bounds, drain timeout at least 1 s, both together within
/// [`CUTOVER_MAX_WAIT_SECONDS`].
fn bounded_cutover(request: CutoverRequest) -> Result<CutoverRequest, EventError> {
    let quiet = CUTOVER_QUIET_SECONDS.value;
    if request.quiet_seconds < quiet.min || request.quiet_seconds > quiet.max {
        return Err(EventError::invalid(
            "quiet_seconds",
            format!(
                "{} is out of range ({}–{} s)",
                request.quiet_seconds, quiet.min, quiet.max
            ),
        ));
    }
    if request.drain_timeout_seconds < 1 {
        return Err(EventError::invalid(
            "drain_timeout_seconds",
            "must be at least 1 s",
        ));
    }
    let wait = request
        .quiet_seconds
        .saturating_add(request.drain_timeout_seconds);
    if wait > CUTOVER_MAX_WAIT_SECONDS {
        return Err(EventError::invalid(
            "drain_timeout_seconds",
            format!(
                "quiet_seconds + drain_timeout_seconds = {wait} s exceeds {CUTOVER_MAX_WAIT_SECONDS} s: a Lambda runs at most 900 s and the final validation needs the rest (run a longer cut-over with `dmsflow cutover`)"
            ),
        ));
    }
    Ok(request)
}

/// An action without options: the rest of the event must be empty.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

impl StartTaskEvent {
    pub fn from_value(value: Value) -> Result<Self, EventError> {
        let (action, rest) = split_tag(
            value,
            "action",
            &["start", "stop", "sync-sequences", "assess", "cutover"],
        )?;
        if action == "start" {
            return Ok(StartTaskEvent::Start(parse_event(rest)?));
        }
        if action == "cutover" {
            return Ok(StartTaskEvent::Cutover(bounded_cutover(parse_event(
                rest,
            )?)?));
        }
        let _: Empty = parse_event(rest)?;
        Ok(match action.as_str() {
            "stop" => StartTaskEvent::Stop,
            "assess" => StartTaskEvent::Assess,
            _ => StartTaskEvent::SyncSequences,
        })
    }
}

/// The `poll-task` event: `{"handle": {…}, "in_sync_lag_seconds": 5}`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PollEvent {
    pub handle: Handle,
    /// Overrides the function's IN_SYNC_LAG_SECONDS (0 or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_sync_lag_seconds: Option<f64>,
}

impl PollEvent {
    pub fn from_value(value: Value) -> Result<Self, EventError> {
        let Value::Object(mut map) = value else {
            return Err(EventError::invalid(
                "(root)",
                "the event must be a JSON object",
            ));
        };
        let handle = map.remove("handle").ok_or_else(|| {
            EventError::invalid(
                "handle",
                "missing field `handle` (the `handle` of a start-task result)",
            )
        })?;
        let handle = Handle::from_value(handle, "handle")?;
        let in_sync_lag_seconds = match map.remove("in_sync_lag_seconds") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_f64() {
                Some(s) if s.is_finite() && s >= 0.0 => Some(s),
                _ => {
                    return Err(EventError::invalid(
                        "in_sync_lag_seconds",
                        format!("expected a number of seconds (0 or more), got {v}"),
                    ))
                }
            },
        };
        if let Some(field) = map.keys().next() {
            return Err(EventError::invalid(
                field.clone(),
                format!("unknown field `{field}`, expected `handle` or `in_sync_lag_seconds`"),
            ));
        }
        Ok(PollEvent {
            handle,
            in_sync_lag_seconds,
        })
    }
}
