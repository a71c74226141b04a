//! Fence `none`: the operator stopped the application. dmsflow confirms it:
//! no row change in the selection's tables for the whole quiet window, or the
//! cut-over aborts (writes continue). Nothing on the source is changed.

use super::row_changes;
use crate::contract::cutover::FenceRecord;
use crate::cutover::session::Db;
use crate::cutover::CutoverError;
use std::time::Duration;

pub async fn quiet_window(
    source: &Db<'_>,
    schemas: &[String],
    quiet: Duration,
    record: &mut FenceRecord,
) -> Result<String, CutoverError> {
    let before = row_changes(source, schemas).await?;
    tokio::time::sleep(quiet).await;
    let after = row_changes(source, schemas).await?;
    let schema = schemas.join(", ");
    if after != before {
        return Err(CutoverError::Abort {
            step: "fence",
            reason: format!(
                "writes continue: {} row change(s) in schema(s) {schema} during the {} s quiet window; stop the application (or use --fence roles)",
                after - before,
                quiet.as_secs()
            ),
        });
    }
    record.row_changes_at_fence = after;
    Ok(format!(
        "no row change in schema(s) {schema} for {} s",
        quiet.as_secs()
    ))
}
