//! The end of a DMS migration (the cut-over's stop): `StopReplicationTask`,
//! then the task seen `stopped` within a bound — DMS stops asynchronously,
//! and the source may only be left once it has.

use super::{DmsEngine, TaskStatus};
use crate::contract::engine::ActionResult;
use crate::engine::{EngineError, MigrationEngine};
use std::time::Instant;

impl DmsEngine {
    /// Stop the task and wait (at most `stop_timeout`) until it is stopped.
    pub async fn stop_and_wait(&self) -> Result<ActionResult, EngineError> {
        let mut result = self.stop().await?;
        let started = Instant::now();
        loop {
            let task = self.describe().await?;
            match self.status_of(&task)? {
                TaskStatus::Stopped | TaskStatus::Ready => {
                    result.message.push_str(&format!(
                        "; stopped after {:.0} s",
                        started.elapsed().as_secs_f64()
                    ));
                    return Ok(result);
                }
                TaskStatus::Stopping | TaskStatus::Running | TaskStatus::Starting => {}
                other => {
                    return Err(EngineError::InvalidState {
                        what: format!("DMS replication task {}", self.task_arn),
                        state: other.as_str().into(),
                        reason: format!(
                            "it did not stop cleanly ({})",
                            Self::failure_message(&task)
                        ),
                    })
                }
            }
            if started.elapsed() >= self.options.stop_timeout {
                return Err(EngineError::InvalidState {
                    what: format!("DMS replication task {}", self.task_arn),
                    state: "stopping".into(),
                    reason: format!(
                        "not stopped {} s after StopReplicationTask",
                        self.options.stop_timeout.as_secs()
                    ),
                });
            }
            tokio::time::sleep(self.options.stop_interval).await;
        }
    }
}
