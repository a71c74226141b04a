//! Step 7: the timeline of the steps (each with its time), the write
//! downtime (fence to ready) and the result document (rendered by
//! [`super::markdown`]).

use crate::contract::cutover::{
    CutoverRequest, CutoverResult, CutoverStep, CutoverVerdict, FenceRecord, FinalValidation,
    TimelineEntry,
};
use crate::contract::engine::{ActionResult, SequencesResult};
use crate::engine::now_rfc3339;
use std::time::Instant;

/// What the cut-over found so far; an aborted one keeps what it had.
#[derive(Debug)]
pub struct Report {
    started: Instant,
    fenced_at: Option<Instant>,
    timeline: Vec<TimelineEntry>,
    pub drain_lsn: Option<String>,
    pub fence_record: Option<FenceRecord>,
    pub fence_undo: Option<String>,
    pub validation: Option<FinalValidation>,
    pub sequences: Option<SequencesResult>,
    pub stop: Option<ActionResult>,
}

impl Report {
    pub fn start() -> Report {
        Report {
            started: Instant::now(),
            fenced_at: None,
            timeline: Vec::new(),
            drain_lsn: None,
            fence_record: None,
            fence_undo: None,
            validation: None,
            sequences: None,
            stop: None,
        }
    }

    /// A step done now.
    pub fn mark(&mut self, step: CutoverStep, detail: impl Into<String>) {
        let detail = detail.into();
        if step == CutoverStep::Fenced {
            self.fenced_at = Some(Instant::now());
        }
        tracing::info!(step = step.as_str(), %detail, "cut-over step");
        self.timeline.push(TimelineEntry {
            step,
            at: now_rfc3339(),
            seconds: self.started.elapsed().as_secs_f64(),
            detail,
        });
    }

    fn finish(
        self,
        request: &CutoverRequest,
        verdict: CutoverVerdict,
        reason: Option<String>,
    ) -> CutoverResult {
        CutoverResult {
            verdict,
            rehearsal: request.rehearsal,
            fence: request.fence,
            reason,
            write_downtime_seconds: self.fenced_at.map(|t| t.elapsed().as_secs_f64()),
            total_seconds: self.started.elapsed().as_secs_f64(),
            timeline: self.timeline,
            drain_lsn: self.drain_lsn,
            fence_record: self.fence_record,
            fence_undo: self.fence_undo,
            validation: self.validation,
            sequences: self.sequences,
            stop: self.stop,
        }
    }

    /// `ready`: the downtime runs from the fence to now.
    pub fn ready(self, request: &CutoverRequest) -> CutoverResult {
        self.finish(request, CutoverVerdict::Ready, None)
    }

    /// `aborted`, with the reason; the source is no longer fenced.
    pub fn aborted(self, request: &CutoverRequest, reason: String) -> CutoverResult {
        self.finish(request, CutoverVerdict::Aborted, Some(reason))
    }
}

pub use super::markdown::{render, section};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::cutover::FenceMode;

    #[test]
    fn an_aborted_report_keeps_its_reason_and_the_downtime_runs_from_the_fence() {
        let request = CutoverRequest {
            fence: FenceMode::Roles,
            fence_roles: vec!["app".into()],
            quiet_seconds: 1,
            drain_timeout_seconds: 1,
            rehearsal: false,
        };
        let mut report = Report::start();
        report.mark(CutoverStep::Precondition, "in-sync");
        let before_fence = Report::start();
        assert!(before_fence
            .ready(&request)
            .write_downtime_seconds
            .is_none());
        report.mark(CutoverStep::Fenced, "role(s) app NOLOGIN");
        report.mark(CutoverStep::Unfenced, "role(s) app LOGIN again");
        let result = report.aborted(&request, "validation: 1 row differs".into());
        assert_eq!(result.verdict, CutoverVerdict::Aborted);
        assert!(result.write_downtime_seconds.is_some());
        let text = render(&result);
        assert!(text.starts_with("# Cut-over: aborted"), "{text}");
        assert!(
            text.contains("Aborted: validation: 1 row differs"),
            "{text}"
        );
        assert!(text.contains("| unfenced |"), "{text}");
        assert_eq!(
            serde_json::to_value(&result).unwrap()["fence"],
            serde_json::json!("roles")
        );
    }
}
