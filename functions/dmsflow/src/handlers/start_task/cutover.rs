//! `{"action": "cutover"}`: the cut-over of the configured migration. The
//! engine comes from the [`EngineContext`] exactly as for start and stop
//! (DMS: with the task's slot on the source, `DMS_SOURCE_SLOT` or the one
//! logical slot); the final validation uses the service's validator settings. A
//! verdict `aborted` is the result (the state machine's Choice decides);
//! a refused request or a fence that could not be undone is a typed error.

use super::StartTaskService;
use crate::contract::cutover::{CutoverRequest, CutoverResult, CutoverVerdict};
use crate::cutover::engine::{CutoverEngine, DmsMigration};
use crate::cutover::Cutover;
use crate::db::ConnectSpec;
use crate::engine::setup::AnyEngine;
use crate::error::HandlerError;
use crate::secrets::SecretStore;
use serde_json::Value;

impl<S: SecretStore> StartTaskService<S> {
    /// Run the cut-over; its result document (`ready` or `aborted`).
    pub(super) async fn cutover(&self, request: &CutoverRequest) -> Result<Value, HandlerError> {
        let config = &self.context.config;
        let (source, target) = self.context.databases().await?;
        tracing::info!(
            engine = %config.engine,
            fence = request.fence.as_str(),
            roles = ?request.fence_roles,
            quiet_seconds = request.quiet_seconds,
            drain_timeout_seconds = request.drain_timeout_seconds,
            rehearsal = request.rehearsal,
            "cut-over"
        );
        let result = match self.context.engine_for(&config.handle()).await? {
            AnyEngine::Native(engine) => {
                self.run_cutover(engine.as_ref(), &source, &target, request)
                    .await?
            }
            AnyEngine::Dms(engine) => {
                // engine_for gave it the task's slot on the source, as poll-task reads it.
                let migration = DmsMigration {
                    engine,
                    scope: config.common.scope(),
                };
                self.run_cutover(&migration, &source, &target, request)
                    .await?
            }
        };
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

    async fn run_cutover<E: CutoverEngine>(
        &self,
        engine: &E,
        source: &ConnectSpec,
        target: &ConnectSpec,
        request: &CutoverRequest,
    ) -> Result<CutoverResult, HandlerError> {
        let cutover = Cutover {
            engine,
            source,
            target,
            request,
            validate: self.validate.clone(),
            in_sync_lag_seconds: self.context.config.in_sync_lag_seconds,
        };
        Ok(cutover.run().await?)
    }
}
