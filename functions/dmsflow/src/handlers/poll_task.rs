//! `poll-task` handler: the progress document for the migration a handle
//! names. [`run_poll`] is generic over [`MigrationEngine`].

pub use crate::contract::engine::PollEvent;
use crate::engine::setup::EngineContext;
use crate::engine::MigrationEngine;
use crate::error::HandlerError;
use crate::events::EventError;
use crate::secrets::SecretStore;
use serde_json::Value;

/// Poll any engine.
pub async fn run_poll<E: MigrationEngine>(
    engine: &E,
    in_sync_lag_seconds: f64,
) -> Result<Value, HandlerError> {
    let progress = engine.poll(in_sync_lag_seconds).await?;
    tracing::info!(
        engine = %progress.engine,
        phase = progress.phase.as_str(),
        status = %progress.status,
        full_load_percent = progress.full_load_percent,
        lag_seconds = progress.cdc_lag_seconds,
        lag_bytes = progress.cdc_lag_bytes,
        "polled"
    );
    super::to_json(&progress)
}

#[derive(Debug)]
pub struct PollTaskService<S> {
    context: EngineContext<S>,
}

impl<S: SecretStore> PollTaskService<S> {
    pub fn new(context: EngineContext<S>) -> Self {
        PollTaskService { context }
    }

    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event = PollEvent::from_value(event)?;
        let configured = self.context.config.engine;
        if event.handle.engine() != configured {
            return Err(EventError::invalid(
                "handle.engine",
                format!(
                    "`{}` does not match this function's MIGRATION_ENGINE={configured}",
                    event.handle.engine()
                ),
            )
            .into());
        }
        let threshold = event
            .in_sync_lag_seconds
            .unwrap_or(self.context.config.in_sync_lag_seconds);
        let engine = self.context.engine_for(&event.handle).await?;
        run_poll(&engine, threshold).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn poll_events_name_the_bad_field() {
        let ok = PollEvent::from_value(json!({
            "handle": {"engine": "dms", "task_arn": "arn:aws:dms:eu-west-1:1:task:X"},
            "in_sync_lag_seconds": 2
        }))
        .unwrap();
        assert_eq!(ok.in_sync_lag_seconds, Some(2.0));
        let err = PollEvent::from_value(json!({})).unwrap_err();
        assert!(err.to_string().contains("`handle`"), "{err}");
        let err = PollEvent::from_value(json!({"handle": {"engine": "dms", "task_arn": "x"}}))
            .unwrap_err();
        assert!(err.to_string().contains("`handle.task_arn`"), "{err}");
        let err = PollEvent::from_value(json!({
            "handle": {"engine": "dms", "task_arn": "arn:aws:dms:eu-west-1:1:task:X"},
            "in_sync_lag_seconds": "soon"
        }))
        .unwrap_err();
        assert!(err.to_string().contains("`in_sync_lag_seconds`"), "{err}");
        let err = PollEvent::from_value(json!({
            "handle": {"engine": "dms", "task_arn": "arn:aws:dms:eu-west-1:1:task:X"},
            "lag": 1
        }))
        .unwrap_err();
        assert!(err.to_string().contains("`lag`"), "{err}");
    }
}
