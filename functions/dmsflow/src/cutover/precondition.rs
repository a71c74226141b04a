//! Step 1: replication is running and in sync (the engine's own poll).

use super::CutoverError;
use crate::engine::{MigrationEngine, Phase};

/// The poll's verdict in words, or an abort naming the phase and its error.
pub async fn in_sync<E: MigrationEngine>(
    engine: &E,
    lag_seconds: f64,
) -> Result<String, CutoverError> {
    let progress = engine.poll(lag_seconds).await?;
    if progress.phase != Phase::InSync {
        return Err(CutoverError::Abort {
            step: "precondition",
            reason: format!(
                "replication is {} ({}), not in-sync{}",
                progress.phase.as_str(),
                progress.status,
                progress
                    .last_error
                    .as_deref()
                    .map_or_else(String::new, |e| format!(": {e}"))
            ),
        });
    }
    Ok(format!(
        "in-sync: {} table(s) loaded, lag {} s / {} bytes",
        progress.tables.loaded,
        progress
            .cdc_lag_seconds
            .map_or_else(|| "?".to_owned(), |s| format!("{s:.2}")),
        progress
            .cdc_lag_bytes
            .map_or_else(|| "?".to_owned(), |b| b.to_string()),
    ))
}
