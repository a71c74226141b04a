//! The report of a cut-over execution (mode `cutover`): its verdict and
//! summary come from the cut-over's result, not from a table validation
//! (the cut-over validates inside start-task). A `ready` cut-over whose
//! final validation was identical is `identical`; `aborted` is `failed`
//! (rolled back). A failure caught by the state machine keeps the general
//! failure verdict. The Markdown is [`crate::cutover::markdown::section`].

use crate::contract::cutover::{CutoverResult, CutoverVerdict};
use crate::contract::report::{Report, Verdict};
use crate::contract::validate::Status;

/// The report with the cut-over's verdict, summary and figures (unchanged
/// when there is no cut-over, or when the execution failed before it ended).
pub fn settle(mut report: Report) -> Report {
    let Some(cutover) = &report.cutover else {
        return report;
    };
    if report.failure.is_some() {
        return report;
    }
    if let Some(v) = &cutover.validation {
        report.tables_validated = v.tables;
        report.rows_compared = v.rows_compared;
        report.validation_seconds = v.seconds;
        if v.status == Status::Identical {
            report.tables_identical = v.tables;
        }
    }
    let identical = cutover
        .validation
        .as_ref()
        .is_some_and(|v| v.status == Status::Identical);
    report.verdict = match cutover.verdict {
        CutoverVerdict::Ready if identical => Verdict::Identical,
        _ => Verdict::Failed,
    };
    report.summary = summary(cutover);
    report
}

/// One line: the verdict, the downtime, what was checked, what to do next.
pub fn summary(c: &CutoverResult) -> String {
    let kind = if c.rehearsal {
        "CUT-OVER REHEARSAL"
    } else {
        "CUT-OVER"
    };
    let downtime = c
        .write_downtime_seconds
        .map(|d| format!("write downtime {d:.2} s (fence {})", c.fence.as_str()))
        .unwrap_or_else(|| "never fenced".to_owned());
    match c.verdict {
        CutoverVerdict::Aborted => format!(
            "{kind} ABORTED: {}; {downtime}; the source was unfenced and replication left running (nothing lost)",
            c.reason.as_deref().unwrap_or("no reason given")
        ),
        CutoverVerdict::Ready => {
            let validated = c
                .validation
                .as_ref()
                .map(|v| {
                    format!(
                        "{} table(s), {} row(s) {} at rest",
                        v.tables,
                        v.rows_compared,
                        v.status.as_str()
                    )
                })
                .unwrap_or_else(|| "not validated".to_owned());
            let sequences = c.sequences.as_ref().map_or(0, |s| s.sequences.len());
            let next = if c.rehearsal {
                "nothing fenced, replication left running"
            } else {
                "replication stopped; point the application at the target"
            };
            format!("{kind} READY: {downtime}; {validated}; {sequences} sequence(s) synced; {next}")
        }
    }
}

/// The notification's subject for a cut-over report; `None` otherwise.
pub fn subject(report: &Report) -> Option<String> {
    let c = report.cutover.as_ref()?;
    let word = match (&report.failure, c.verdict) {
        (Some(_), _) => "FAILED",
        (None, CutoverVerdict::Ready) => "CUT-OVER READY",
        (None, CutoverVerdict::Aborted) => "CUT-OVER ABORTED",
    };
    Some(format!("dmsflow {word}: {}", report.execution))
}
