//! `start-task` handler: start, stop or sync sequences. The engine comes from
//! `MIGRATION_ENGINE`; the action logic ([`run_action`]) is generic over
//! [`MigrationEngine`].

pub use crate::contract::engine::StartTaskEvent;
use crate::engine::sequences::sync_sequences;
use crate::engine::setup::EngineContext;
use crate::engine::{EngineKind, MigrationEngine};
use crate::error::HandlerError;
use crate::events::EventError;
use crate::secrets::SecretStore;
use serde_json::Value;

/// Start or stop through any engine.
pub async fn run_action<E: MigrationEngine>(
    engine: &E,
    event: &StartTaskEvent,
) -> Result<Value, HandlerError> {
    let result = match event {
        StartTaskEvent::Start(req) => {
            if req.reload_target && engine.kind() == EngineKind::Native {
                return Err(EventError::invalid(
                    "reload_target",
                    "not supported by the native engine (stop, empty the target tables, start again)",
                )
                .into());
            }
            tracing::info!(engine = %engine.kind(), test_connections = req.test_connections, reload_target = req.reload_target, "start");
            engine.start(req).await?
        }
        StartTaskEvent::Stop => {
            tracing::info!(engine = %engine.kind(), "stop");
            engine.stop().await?
        }
        StartTaskEvent::SyncSequences => {
            return Err(HandlerError::new(
                crate::ErrorType::InvalidEvent,
                "sync-sequences is not an engine action",
            ))
        }
    };
    tracing::info!(outcome = ?result.outcome, message = %result.message, "done");
    super::to_json(&result)
}

#[derive(Debug)]
pub struct StartTaskService<S> {
    context: EngineContext<S>,
}

impl<S: SecretStore> StartTaskService<S> {
    pub fn new(context: EngineContext<S>) -> Self {
        StartTaskService { context }
    }

    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event = StartTaskEvent::from_value(event)?;
        if event == StartTaskEvent::SyncSequences {
            let (source, target) = self.context.databases().await?;
            let result =
                sync_sequences(&source, &target, &self.context.config.common.schema).await?;
            tracing::info!(sequences = result.sequences.len(), "sequences synced");
            return super::to_json(&result);
        }
        let engine = self
            .context
            .engine_for(&self.context.config.handle())
            .await?;
        run_action(&engine, &event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StartRequest;
    use serde_json::json;

    #[test]
    fn events_parse_strictly() {
        assert_eq!(
            StartTaskEvent::from_value(json!({"action": "start"})).unwrap(),
            StartTaskEvent::Start(StartRequest::default())
        );
        assert_eq!(
            StartTaskEvent::from_value(
                json!({"action": "start", "test_connections": true, "reload_target": true})
            )
            .unwrap(),
            StartTaskEvent::Start(StartRequest {
                test_connections: true,
                reload_target: true
            })
        );
        assert_eq!(
            StartTaskEvent::from_value(json!({"action": "sync-sequences"})).unwrap(),
            StartTaskEvent::SyncSequences
        );
        let err = StartTaskEvent::from_value(json!({"action": "stop", "force": true})).unwrap_err();
        assert!(err.to_string().contains("force"), "{err}");
        let err =
            StartTaskEvent::from_value(json!({"action": "start", "reload": true})).unwrap_err();
        assert!(err.to_string().contains("reload"), "{err}");
        let err = StartTaskEvent::from_value(json!({"action": "pause"})).unwrap_err();
        assert!(err.to_string().contains("`action`"), "{err}");
        let err = StartTaskEvent::from_value(json!({})).unwrap_err();
        assert!(err.to_string().contains("missing field `action`"), "{err}");
    }
}
