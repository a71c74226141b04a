//! Step 6: stop replication and remove what this migration created (the
//! native engine's stop drops only what carries this migration's marker,
//! and verifies no slot of it is left; DMS: see [`super::engine`]).

use super::engine::CutoverEngine;
use super::session::Db;
use super::CutoverError;
use crate::contract::engine::ActionResult;

pub async fn stop_replication<E: CutoverEngine>(
    engine: &E,
    source: &Db<'_>,
) -> Result<ActionResult, CutoverError> {
    engine.finish(source).await
}
