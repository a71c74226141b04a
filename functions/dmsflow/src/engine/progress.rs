//! The progress document `poll-task` returns for either engine (the state
//! machine's Choice reads `phase`). Fixture: `tests/fixtures/progress.json`.

pub use crate::contract::engine::{Phase, Progress, TableCounts, TableProgress, TableState};

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
