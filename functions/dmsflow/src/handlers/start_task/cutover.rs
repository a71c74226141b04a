//! `{"action": "cutover"}`: the cut-over of the configured migration. The
//! native engine comes from the [`EngineContext`] exactly as for start and
//! stop; the final validation uses the service's validator settings. A
//! verdict `aborted` is the result (the state machine's Choice decides);
//! a refused request or a fence that could not be undone is a typed error.

use super::StartTaskService;
use crate::contract::cutover::{CutoverRequest, CutoverVerdict};
use crate::cutover::Cutover;
use crate::engine::setup::AnyEngine;
use crate::error::{ErrorType, HandlerError};
use crate::secrets::SecretStore;
use serde_json::Value;

/// Why the DMS engine cannot cut over here (one place: the DMS cut-over
/// replaces this branch when it lands).
pub const DMS_NOT_AVAILABLE: &str = "cut-over refused: the DMS engine's cut-over is not available in this version (only MIGRATION_ENGINE=native cuts over); nothing was changed. To finish a DMS migration: stop the application's writers on the source, wait until the task's CDC latency is 0, run mode `validate`, sync sequences (start-task {\"action\": \"sync-sequences\"}), then stop the task and point the application at the target";

impl<S: SecretStore> StartTaskService<S> {
    /// Run the cut-over; its result document (`ready` or `aborted`).
    pub(super) async fn cutover(&self, request: &CutoverRequest) -> Result<Value, HandlerError> {
        let config = &self.context.config;
        let engine = match self.context.engine_for(&config.handle()).await? {
            AnyEngine::Native(engine) => engine,
            AnyEngine::Dms(_) => {
                return Err(HandlerError::new(
                    ErrorType::CutoverRefused,
                    DMS_NOT_AVAILABLE,
                ))
            }
        };
        let (source, target) = self.context.databases().await?;
        tracing::info!(
            fence = request.fence.as_str(),
            roles = ?request.fence_roles,
            quiet_seconds = request.quiet_seconds,
            drain_timeout_seconds = request.drain_timeout_seconds,
            rehearsal = request.rehearsal,
            "cut-over"
        );
        let cutover = Cutover {
            engine: &engine,
            source: &source,
            target: &target,
            request,
            validate: self.validate.clone(),
            in_sync_lag_seconds: config.in_sync_lag_seconds,
        };
        let result = cutover.run().await?;
        match result.verdict {
            CutoverVerdict::Ready => tracing::info!(
                downtime_seconds = result.write_downtime_seconds,
                total_seconds = result.total_seconds,
                "cut-over ready"
            ),
            CutoverVerdict::Aborted => tracing::warn!(
                reason = result.reason.as_deref().unwrap_or("-"),
                "cut-over aborted (rolled back)"
            ),
        }
        super::super::to_json(&result)
    }
}
