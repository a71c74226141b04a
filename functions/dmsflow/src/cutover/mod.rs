//! The cut-over: finish a migration at a point where nothing is lost.
//!
//! One file per step: [`precondition`] (replication in sync), [`fence`]
//! (writers stopped on the source: `none`, `roles`, `read-only`), [`drain`]
//! (the target has applied the source up to the WAL position after the
//! fence), [`validate`] (the final validation at rest), [`sequences`],
//! [`stop`] (replication and what this migration created removed), and
//! [`report`] (timeline, downtime, verdict; [`markdown`] renders it). This
//! file runs them in order.
//!
//! A failure before the stop is a rollback: the fence is undone exactly
//! (what it changed is recorded as it goes), replication is left running,
//! the verdict is `aborted` with the reason. A request that cannot be fenced
//! as asked is refused before anything changes. `rehearsal` runs every step
//! except the fence and the stop (to measure the downtime budget on the real
//! data); it syncs the target's sequences, as every migration run does.
//! After `ready` the source stays fenced: the application moves to the target.

pub mod drain;
pub mod engine;
pub mod fence;
pub mod markdown;
pub mod precondition;
pub mod report;
pub mod sequences;
pub mod session;
pub mod stop;
pub mod validate;

pub use crate::contract::cutover::{
    CutoverRequest, CutoverResult, CutoverStep, CutoverVerdict, FenceMode, FenceRecord,
};

use crate::contract::validate::Status;
use crate::db::{ConnectSpec, DbError};
use crate::engine::native::NativeEngine;
use crate::engine::EngineError;
use crate::error::{error_chain, Classify, ErrorType};
use crate::sql::RowError;
use crate::validate::{ValidateError, ValidateOptions};
use engine::CutoverEngine;
use report::Report;
use session::Db;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CutoverError {
    /// Bad input found before anything changed.
    #[error("cut-over refused: {reason}")]
    Refused { reason: String },
    /// A step found the cut-over cannot go on (rolled back, verdict `aborted`).
    #[error("{step}: {reason}")]
    Abort { step: &'static str, reason: String },
    #[error("the source {endpoint} is still fenced after the cut-over failed ({why}); undo by hand: {undo}")]
    UnfenceFailed {
        endpoint: String,
        why: String,
        undo: String,
        #[source]
        source: Box<CutoverError>,
    },
    #[error("stopping replication failed after the target was validated; the source {endpoint} stays fenced (undo by hand: {undo})")]
    StopFailed {
        endpoint: String,
        undo: String,
        #[source]
        source: Box<CutoverError>,
    },
    #[error("{query} returned no row on {endpoint}")]
    NoRow {
        query: &'static str,
        endpoint: String,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Validate(#[from] ValidateError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Row(#[from] RowError),
    #[error(transparent)]
    Scope(#[from] crate::scope::ScopeError),
}

impl Classify for CutoverError {
    fn error_type(&self) -> ErrorType {
        match self {
            CutoverError::Refused { .. } => ErrorType::CutoverRefused,
            CutoverError::Abort { .. } => ErrorType::MigrationFailed,
            CutoverError::UnfenceFailed { .. } => ErrorType::UnfenceFailed,
            // Never retried: the source is fenced and replication half
            // stopped; a second run would find nothing to cut over.
            CutoverError::StopFailed { source, .. } => match source.error_type() {
                t if t.is_transient() => ErrorType::MigrationFailed,
                t => t,
            },
            CutoverError::NoRow { .. } | CutoverError::Row(_) => ErrorType::DatabaseError,
            CutoverError::Engine(e) => e.error_type(),
            CutoverError::Validate(e) => e.error_type(),
            CutoverError::Db(e) => e.error_type(),
            CutoverError::Scope(e) => e.error_type(),
        }
    }
}

/// One cut-over, of a native-engine migration unless said otherwise.
#[derive(Debug)]
pub struct Cutover<'a, E: CutoverEngine = NativeEngine> {
    pub engine: &'a E,
    pub source: &'a ConnectSpec,
    pub target: &'a ConnectSpec,
    pub request: &'a CutoverRequest,
    /// The validator's settings (its scope is the engine's).
    pub validate: ValidateOptions,
    /// Lag under which the precondition's poll counts as in sync.
    pub in_sync_lag_seconds: f64,
}

impl<E: CutoverEngine> Cutover<'_, E> {
    fn scope(&self) -> &crate::scope::Scope {
        self.engine.scope()
    }

    /// Run every step. `Ok` for `ready` and for `aborted` (rolled back);
    /// `Err` when the request is refused, the fence could not be undone, or
    /// the stop failed after the point of no return.
    pub async fn run(&self) -> Result<CutoverResult, CutoverError> {
        let mut report = Report::start();
        let control = Db::open(self.source).await?;
        fence::check(&control, self.request).await?;
        let schemas = crate::scope::resolve(&control.client, control.spec, self.scope()).await?;
        match precondition::in_sync(self.engine, self.in_sync_lag_seconds).await {
            Ok(detail) => report.mark(CutoverStep::Precondition, detail),
            Err(e) => return Ok(report.aborted(self.request, error_chain(&e))),
        }
        let mut record = FenceRecord::default();
        if self.request.rehearsal {
            report.mark(
                CutoverStep::Fenced,
                "rehearsal: writers not fenced (the downtime counts from here)",
            );
        } else {
            let applied = fence::apply(&control, self.request, &schemas, &mut record).await;
            report.fence_record = Some(record.clone());
            let undo = fence::undo_by_hand(&self.source.dbname, &record);
            let changed = !record.roles.is_empty() || record.read_only_before.is_some();
            report.fence_undo = changed.then(|| undo.clone());
            match applied {
                Ok(detail) => {
                    tracing::warn!(%undo, "source fenced");
                    report.mark(CutoverStep::Fenced, detail);
                }
                Err(e) => return self.roll_back(report, &record, e).await,
            }
        }
        if let Err(e) = self.at_rest(&control, &schemas, &mut report, &record).await {
            return self.roll_back(report, &record, e).await;
        }
        if self.request.rehearsal {
            report.mark(CutoverStep::Stopped, "rehearsal: replication left running");
            return Ok(report.ready(self.request));
        }
        match stop::stop_replication(self.engine, &control).await {
            Ok(result) => {
                report.mark(CutoverStep::Stopped, result.message.clone());
                report.stop = Some(result);
                Ok(report.ready(self.request))
            }
            Err(e) => Err(CutoverError::StopFailed {
                endpoint: self.source.endpoint(),
                undo: fence::undo_by_hand(&self.source.dbname, &record),
                source: Box::new(e),
            }),
        }
    }

    /// Steps 3 to 5, and the check that the fence still holds after them.
    async fn at_rest(
        &self,
        control: &Db<'_>,
        schemas: &[String],
        report: &mut Report,
        record: &FenceRecord,
    ) -> Result<(), CutoverError> {
        let lsn = drain::position(control).await?;
        report.drain_lsn = Some(lsn.clone());
        let timeout = Duration::from_secs(self.request.drain_timeout_seconds);
        let slot = self.engine.drain_slot(control).await?;
        let detail = drain::wait_confirmed(control, &slot, &lsn, timeout).await?;
        report.mark(CutoverStep::Drained, detail);
        let options = ValidateOptions {
            scope: self.scope().clone(),
            ..self.validate.clone()
        };
        let validation = validate::final_validation(self.source, self.target, &options).await?;
        let verdict = validation.status;
        let detail = format!(
            "{} table(s), {} row(s) compared in {:.2} s: {}",
            validation.tables,
            validation.rows_compared,
            validation.seconds,
            verdict.as_str()
        );
        let problems = validation.problems.join("; ");
        report.validation = Some(validation);
        if verdict != Status::Identical {
            return Err(CutoverError::Abort {
                step: "validation",
                reason: format!("the target is not identical at rest: {problems}"),
            });
        }
        report.mark(CutoverStep::Validated, detail);
        let synced = sequences::sync_all(self.source, self.target, self.scope()).await?;
        report.mark(
            CutoverStep::Sequences,
            format!("{} sequence(s) synced", synced.sequences.len()),
        );
        report.sequences = Some(synced);
        if !self.request.rehearsal {
            fence::still_holds(control, schemas, record).await?;
        }
        Ok(())
    }

    /// Undo the fence (a fresh session: the failure may have been the
    /// control session's) and report `aborted`, or fail naming what stays fenced.
    async fn roll_back(
        &self,
        mut report: Report,
        record: &FenceRecord,
        failure: CutoverError,
    ) -> Result<CutoverResult, CutoverError> {
        if let CutoverError::Refused { .. } = failure {
            if record == &FenceRecord::default() {
                return Err(failure);
            }
        }
        let why = error_chain(&failure);
        tracing::warn!(reason = %why, "cut-over aborted; unfencing the source");
        let released = async {
            let db = Db::open(self.source).await?;
            fence::release(&db, record).await
        }
        .await;
        match released {
            Ok(detail) => {
                report.mark(CutoverStep::Unfenced, detail);
                Ok(report.aborted(self.request, why))
            }
            Err(e) => Err(CutoverError::UnfenceFailed {
                endpoint: self.source.endpoint(),
                why,
                undo: fence::undo_by_hand(&self.source.dbname, record),
                source: Box::new(e),
            }),
        }
    }
}
