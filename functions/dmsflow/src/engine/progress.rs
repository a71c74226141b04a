//! The progress document `poll-task` returns for either engine (the state
//! machine's Choice reads `phase`). Fixture: `tests/fixtures/progress.json`.

use super::{EngineKind, Handle};
use serde::{Deserialize, Serialize};

/// Where a migration is, engine-independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// no CloudWatch datapoint yet).
    #[serde(deserialize_with = "required")]
    pub cdc_lag_seconds: Option<f64>,
    /// WAL bytes the target has not confirmed (native); `null` for DMS.
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

/// The phase of a migration that is replicating: full load first, then lag.
pub fn replicating_phase(full_load_done: bool, lag_seconds: Option<f64>, threshold: f64) -> Phase {
    if !full_load_done {
        return Phase::FullLoad;
    }
    match lag_seconds {
        Some(lag) if lag <= threshold => Phase::InSync,
        _ => Phase::CdcCatchingUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_from_load_and_lag() {
        assert_eq!(replicating_phase(false, Some(0.0), 5.0), Phase::FullLoad);
        assert_eq!(replicating_phase(true, None, 5.0), Phase::CdcCatchingUp);
        assert_eq!(replicating_phase(true, Some(5.0), 5.0), Phase::InSync);
        assert_eq!(
            replicating_phase(true, Some(5.1), 5.0),
            Phase::CdcCatchingUp
        );
        assert_eq!(Phase::CdcCatchingUp.as_str(), "cdc-catching-up");
        assert_eq!(
            serde_json::to_value(Phase::CdcCatchingUp).unwrap(),
            "cdc-catching-up"
        );
    }

    #[test]
    fn counts_from_states() {
        let t = |state| TableProgress {
            schema: "s".into(),
            table: "t".into(),
            state,
            full_load_rows: 0,
            inserts: 0,
            updates: 0,
            deletes: 0,
            validation_state: None,
            error: None,
        };
        let c = TableCounts::from_states(&[
            t(TableState::Queued),
            t(TableState::Loading),
            t(TableState::Reloading),
            t(TableState::Loaded),
            t(TableState::Errored),
            t(TableState::Missing),
            t(TableState::Cancelled),
        ]);
        assert_eq!(
            c,
            TableCounts {
                total: 7,
                loaded: 1,
                loading: 2,
                queued: 1,
                errored: 3
            }
        );
    }
}
