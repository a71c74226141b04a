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
    // A cut-over execution runs no CDC burst: no empty CDC section.
    if report
        .cdc
        .as_ref()
        .is_some_and(|c| c.applied.is_none() && c.proof.is_none())
    {
        report.cdc = None;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::cutover::{
        CutoverStep, FenceMode, FenceRecord, FencedRole, FinalValidation, TimelineEntry,
    };
    use crate::contract::engine::{SequenceSync, SequencesResult};
    use crate::contract::report::{CutoverSection, Mode, ReportEvent};

    fn result(verdict: CutoverVerdict) -> CutoverResult {
        let entry = |step, seconds: f64| TimelineEntry {
            step,
            at: "2026-12-01T16:00:00Z".into(),
            seconds,
            detail: format!("{} done", step.as_str()),
        };
        CutoverResult {
            verdict,
            rehearsal: false,
            fence: FenceMode::Roles,
            reason: (verdict == CutoverVerdict::Aborted)
                .then(|| "validation: 1 row differs".into()),
            timeline: vec![
                entry(CutoverStep::Precondition, 0.1),
                entry(CutoverStep::Fenced, 0.5),
            ],
            write_downtime_seconds: Some(2.25),
            total_seconds: 3.0,
            drain_lsn: Some("0/1A2B3C".into()),
            fence_record: Some(FenceRecord {
                roles: vec![FencedRole {
                    role: "app".into(),
                    could_login: true,
                    sessions_terminated: 2,
                }],
                read_only_before: None,
                row_changes_at_fence: 42,
            }),
            fence_undo: Some("ALTER ROLE \"app\" LOGIN;".into()),
            validation: Some(FinalValidation {
                status: if verdict == CutoverVerdict::Ready {
                    Status::Identical
                } else {
                    Status::Different
                },
                tables: 4,
                rows_compared: 1000,
                seconds: 0.7,
                problems: Vec::new(),
            }),
            sequences: Some(SequencesResult {
                action: "sync-sequences".into(),
                sequences: vec![SequenceSync {
                    sequence: "bench.pgbench_history_hid_seq".into(),
                    source_last_value: 77,
                    target_before: 70,
                    target_after: 77,
                }],
            }),
            stop: None,
        }
    }

    fn report_of(result: CutoverResult, failed: bool) -> Report {
        let event = ReportEvent {
            mode: Mode::Cutover,
            execution: Some("cut-1".into()),
            cutover: Some(CutoverSection {
                request: None,
                result: Some(result),
            }),
            cdc: Some(crate::contract::report::CdcSection::default()),
            error: failed.then(|| crate::contract::report::ExecutionError {
                error: "CutoverRefused".into(),
                cause: Some("refused".into()),
            }),
            ..ReportEvent::default()
        };
        crate::report::build(&event, "2026-12-01T16:00:01Z")
    }

    #[test]
    fn a_ready_cutover_is_identical_with_its_downtime_and_figures() {
        let report = report_of(result(CutoverVerdict::Ready), false);
        assert_eq!(report.verdict, Verdict::Identical);
        assert!(
            report.summary.starts_with("CUT-OVER READY: write downtime 2.25 s (fence roles); 4 table(s), 1000 row(s) identical at rest; 1 sequence(s) synced"),
            "{}",
            report.summary
        );
        assert_eq!((report.tables_validated, report.rows_compared), (4, 1000));
        assert!(report.cdc.is_none());
        assert_eq!(
            subject(&report).as_deref(),
            Some("dmsflow CUT-OVER READY: cut-1")
        );
        let md = crate::report::markdown::render(&report);
        for needle in [
            "## Cut-over: ready",
            "write downtime: 2.25 s (fence roles → ready)",
            "### Fence",
            "- role `app`: LOGIN before, 2 session(s) terminated",
            "ALTER ROLE \"app\" LOGIN;",
            "### Final validation at rest",
            "| bench.pgbench_history_hid_seq | 77 | 70 | 77 |",
            "drained to source WAL position 0/1A2B3C",
        ] {
            assert!(md.contains(needle), "{needle} in:\n{md}");
        }
    }

    #[test]
    fn an_aborted_cutover_fails_with_its_reason_and_a_caught_error_keeps_the_failure() {
        let report = report_of(result(CutoverVerdict::Aborted), false);
        assert_eq!(report.verdict, Verdict::Failed);
        assert!(
            report
                .summary
                .starts_with("CUT-OVER ABORTED: validation: 1 row differs;"),
            "{}",
            report.summary
        );
        assert!(report.summary.contains("unfenced"), "{}", report.summary);
        let failed = report_of(result(CutoverVerdict::Ready), true);
        assert_eq!(failed.verdict, Verdict::Failed);
        assert!(
            failed.summary.starts_with("FAILED: CutoverRefused"),
            "{}",
            failed.summary
        );
        assert_eq!(subject(&failed).as_deref(), Some("dmsflow FAILED: cut-1"));
        let none = crate::report::build(&ReportEvent::default(), "now");
        assert!(none.cutover.is_none() && subject(&none).is_none());
    }
}
