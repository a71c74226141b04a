//! Step 6: stop replication and remove what this migration created (the
//! native engine's stop drops only what carries this migration's marker,
//! and verifies no slot of it is left).

use super::CutoverError;
use crate::contract::engine::ActionResult;
use crate::engine::native::NativeEngine;
use crate::engine::MigrationEngine;

pub async fn stop_replication(engine: &NativeEngine) -> Result<ActionResult, CutoverError> {
    Ok(engine.stop().await?)
}
