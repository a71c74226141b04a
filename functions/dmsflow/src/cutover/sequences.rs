//! Step 5: every sequence of the selection synced on the target (never
//! below the source, never below its column's maximum), then checked.

use super::CutoverError;
use crate::contract::engine::SequencesResult;
use crate::db::ConnectSpec;
use crate::engine::sequences::sync_sequences;

pub async fn sync_all(
    source: &ConnectSpec,
    target: &ConnectSpec,
    scope: &crate::scope::Scope,
) -> Result<SequencesResult, CutoverError> {
    let result = sync_sequences(source, target, scope).await?;
    let behind: Vec<String> = result
        .sequences
        .iter()
        .filter(|s| s.target_after < s.source_last_value)
        .map(|s| {
            format!(
                "{} at {} on the target, {} on the source",
                s.sequence, s.target_after, s.source_last_value
            )
        })
        .collect();
    if !behind.is_empty() {
        return Err(CutoverError::Abort {
            step: "sequences",
            reason: format!("sequences behind the source: {}", behind.join(", ")),
        });
    }
    Ok(result)
}
