//! What the cut-over needs of an engine beyond its poll: the selection it
//! replicates, the slot on the source whose confirmed position proves the
//! drain, and a stop that removes what this migration created.
//!
//! - Native: its subscription's slot; `replicate stop` (drops only what
//!   carries this migration's marker).
//! - DMS: the slot the task streams from (`DMS_SOURCE_SLOT`, else the one
//!   logical slot of the source database — none or several aborts the
//!   drain, nothing is guessed); `StopReplicationTask` and the task seen
//!   stopped; the slot is dropped when `DMS_SOURCE_SLOT` names it (the
//!   operator's word that it is this task's), else left with the statement
//!   that drops it — dmsflow cannot prove a slot DMS named is this task's.

use super::session::{single_column, Db};
use super::CutoverError;
use crate::contract::engine::ActionResult;
use crate::engine::dms::{DmsEngine, SourceSlot};
use crate::engine::native::NativeEngine;
use crate::engine::{EngineError, MigrationEngine};
use crate::query;
use crate::scope::Scope;
use crate::sql::Query;
use std::future::Future;
use std::time::{Duration, Instant};

const DROP_NAMED_SLOT: Query = query!("cutover/drop_named_slot.sql");
const SLOT_PRESENT: Query = query!("cutover/slot_present.sql");

/// How long a stopped task's walsender may take to release its slot.
const RELEASE_WAIT: Duration = Duration::from_secs(30);

struct DroppedSlot(String);
single_column!(DroppedSlot, "slot_name");

struct Present(bool);
single_column!(Present, "present");

/// The port the cut-over drives (the poll comes from [`MigrationEngine`]).
pub trait CutoverEngine: MigrationEngine {
    /// The selection this migration replicates.
    fn scope(&self) -> &Scope;
    /// The slot on the source whose confirmed position proves the drain.
    fn drain_slot(
        &self,
        source: &Db<'_>,
    ) -> impl Future<Output = Result<String, CutoverError>> + Send;
    /// Stop replication and remove what this migration created.
    fn finish(
        &self,
        source: &Db<'_>,
    ) -> impl Future<Output = Result<ActionResult, CutoverError>> + Send;
}

impl CutoverEngine for NativeEngine {
    fn scope(&self) -> &Scope {
        &self.settings().scope
    }

    async fn drain_slot(&self, _source: &Db<'_>) -> Result<String, CutoverError> {
        Ok(self.settings().subscription.clone())
    }

    async fn finish(&self, _source: &Db<'_>) -> Result<ActionResult, CutoverError> {
        Ok(self.stop().await?)
    }
}

/// A DMS migration as the cut-over sees it: the task (with where its slot
/// is read, [`DmsEngine::with_source_slot`]) and the selection (`DB_SCHEMA`).
#[derive(Debug)]
pub struct DmsMigration {
    pub engine: DmsEngine,
    pub scope: Scope,
}

impl DmsMigration {
    fn slot(&self) -> Result<&SourceSlot, CutoverError> {
        self.engine.source_slot().ok_or_else(|| CutoverError::Refused {
            reason: "the DMS cut-over reads the task's slot on the source: SOURCE_SECRET_ARN is needed".into(),
        })
    }
}

impl MigrationEngine for DmsMigration {
    fn kind(&self) -> crate::engine::EngineKind {
        self.engine.kind()
    }
    fn handle(&self) -> crate::engine::Handle {
        self.engine.handle()
    }
    async fn start(
        &self,
        request: &crate::engine::StartRequest,
    ) -> Result<ActionResult, EngineError> {
        self.engine.start(request).await
    }
    async fn poll(&self, in_sync_lag_seconds: f64) -> Result<crate::engine::Progress, EngineError> {
        self.engine.poll(in_sync_lag_seconds).await
    }
    async fn stop(&self) -> Result<ActionResult, EngineError> {
        self.engine.stop().await
    }
}

impl CutoverEngine for DmsMigration {
    fn scope(&self) -> &Scope {
        &self.scope
    }

    async fn drain_slot(&self, _source: &Db<'_>) -> Result<String, CutoverError> {
        let slot = self.slot()?;
        let session = slot.session().await?;
        slot.identify(&session)
            .await?
            .map_err(|why| CutoverError::Abort {
                step: "drain",
                reason: format!("cannot tell which slot the DMS task streams from: {why}"),
            })
    }

    async fn finish(&self, source: &Db<'_>) -> Result<ActionResult, CutoverError> {
        let mut result = self.engine.stop_and_wait().await?;
        let slot = self.drain_slot(source).await?;
        if self.slot()?.name.is_some() {
            result
                .message
                .push_str(&drop_when_released(source, &slot).await?);
        } else {
            result.message.push_str(&format!(
                "; slot {slot} left on the source (DMS named it; set DMS_SOURCE_SLOT to have it dropped): SELECT pg_drop_replication_slot('{slot}')"
            ));
        }
        Ok(result)
    }
}

/// Drop `slot` once the stopped task's session has released it (bounded).
async fn drop_when_released(source: &Db<'_>, slot: &str) -> Result<String, CutoverError> {
    let started = Instant::now();
    loop {
        let dropped: Vec<DroppedSlot> = source
            .rows(&DROP_NAMED_SLOT, &[&slot], "dropping the DMS task's slot")
            .await?;
        if let Some(DroppedSlot(name)) = dropped.first() {
            return Ok(format!("; slot {name} dropped"));
        }
        let Present(present) = source
            .one(&SLOT_PRESENT, &[&slot], "looking for the DMS task's slot")
            .await?;
        if !present {
            return Ok(format!("; slot {slot} was not on the source"));
        }
        if started.elapsed() >= RELEASE_WAIT {
            return Ok(format!(
                "; slot {slot} still in use {} s after the task stopped: not dropped (SELECT pg_drop_replication_slot('{slot}') once it is released)",
                RELEASE_WAIT.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
