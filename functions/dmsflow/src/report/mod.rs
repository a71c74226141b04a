//! `report`: one document from everything the pipeline gathered — verdict,
//! per-table results, database checks, migration progress, CDC proof, timings,
//! the cause of any failure — written as JSON and Markdown (S3 or a local
//! directory), CloudWatch metrics in Embedded Metric Format on stdout, and an
//! optional SNS notification.

pub mod cutover;
pub mod failure;
pub mod markdown;
pub mod results;
pub mod sinks;

pub use crate::contract::report::{
    CdcSection, CdcSummary, ExecutionError, MigrationSummary, Mode, Report, ReportEvent,
    ReportSummary, SeedSection, ValidationSection, Verdict,
};
use crate::contract::validate::{
    Check, CheckStatus, Differences, Status, TableChecks, TableResult,
};
use crate::error::{Classify, ErrorType};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing {location}")]
    Write {
        location: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("publishing to {topic}")]
    Notify {
        topic: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Classify for ReportError {
    fn error_type(&self) -> ErrorType {
        ErrorType::ReportError
    }
}

/// Results of chunks of one table merged into one table result.
fn merge_chunks(mut parts: Vec<TableResult>) -> TableResult {
    parts.sort_by_key(|p| p.chunk.as_ref().map_or(0, |c| c.index));
    if parts.len() == 1 {
        let mut only = parts.remove(0);
        only.chunk = None;
        return only;
    }
    let first = parts[0].clone();
    let status = parts
        .iter()
        .map(|p| p.status)
        .fold(Status::Identical, Status::worst);
    let sum = |f: fn(&TableResult) -> Option<i64>| -> Option<i64> {
        parts
            .iter()
            .map(f)
            .try_fold(0i64, |acc, v| v.map(|x| acc + x))
    };
    let mut sample = Vec::new();
    for p in &parts {
        sample.extend(p.differences.sample.iter().cloned());
    }
    sample.truncate(100);
    // Schema checks come from chunk 0; data checks: the worst chunk's.
    let worst = |pick: fn(&TableChecks) -> &Check| -> Check {
        let rank = |c: &Check| match c.status {
            CheckStatus::Error => 4,
            CheckStatus::Fail => 3,
            CheckStatus::Warn => 2,
            CheckStatus::Pass => 1,
            CheckStatus::Skipped => 0,
        };
        parts
            .iter()
            .map(|p| pick(&p.checks))
            .max_by_key(|c| rank(c))
            .cloned()
            .unwrap_or_else(|| Check::skipped("no chunks"))
    };
    let (source_rows, target_rows) = (sum(|p| p.source_rows), sum(|p| p.target_rows));
    let mut row_count = worst(|c| &c.row_count);
    if let (Some(s), Some(t)) = (source_rows, target_rows) {
        if row_count.status == CheckStatus::Pass {
            row_count.message = format!("{s} rows on both sides ({} chunks)", parts.len());
        } else if row_count.status == CheckStatus::Fail {
            row_count.message = format!("{s} rows on the source, {t} on the target");
        }
    }
    TableResult {
        table: first.table.clone(),
        chunk: None,
        status,
        source_rows,
        target_rows,
        checks: TableChecks {
            columns: first.checks.columns.clone(),
            constraints: first.checks.constraints.clone(),
            indexes: first.checks.indexes.clone(),
            sequences: first.checks.sequences.clone(),
            row_count,
            checksum: worst(|c| &c.checksum),
            lob_lengths: worst(|c| &c.lob_lengths),
        },
        differences: Differences {
            count: parts.iter().map(|p| p.differences.count).sum(),
            sample,
        },
        rechecks: parts.iter().map(|p| p.rechecks).max().unwrap_or(0),
        settled_chunks: parts.iter().map(|p| p.settled_chunks).sum(),
        error: parts.iter().find_map(|p| p.error.clone()),
        seconds: parts.iter().map(|p| p.seconds).sum(),
        unverified: merge_unverified(&parts),
        recheck: parts.iter().find_map(|p| p.recheck.clone()),
    }
}

/// Unverified rows of every chunk: counted, the first keys kept.
fn merge_unverified(parts: &[TableResult]) -> crate::contract::validate::Unverified {
    let mut all = crate::contract::validate::Unverified::default();
    for p in parts {
        all.count += p.unverified.count;
        all.reason = all.reason.or_else(|| p.unverified.reason.clone());
        all.sample.extend(p.unverified.sample.iter().cloned());
    }
    all.sample.truncate(20);
    all
}

/// Build the report (pure: no I/O).
pub fn build(event: &ReportEvent, now: &str) -> Report {
    let execution = event
        .execution
        .clone()
        .unwrap_or_else(|| format!("local-{now}"));
    let mut by_table: BTreeMap<String, Vec<TableResult>> = BTreeMap::new();
    let mut validation_seconds = 0.0;
    let plan = event
        .validation
        .as_ref()
        .and_then(|v| v.inline_plan().cloned());
    if let Some(v) = &event.validation {
        for r in v.inline_results() {
            validation_seconds += r.seconds;
            for t in &r.tables {
                by_table.entry(t.table.clone()).or_default().push(t.clone());
            }
        }
    }
    if let Some(p) = &plan {
        validation_seconds += p.seconds;
    }
    let tables: Vec<TableResult> = by_table.into_values().map(merge_chunks).collect();
    let count = |s: Status| tables.iter().filter(|t| t.status == s).count();
    let (identical, different, errored) = (
        count(Status::Identical),
        count(Status::Different),
        count(Status::Error),
    );
    let rows_compared: i64 = tables
        .iter()
        .map(|t| t.source_rows.unwrap_or(0).max(t.target_rows.unwrap_or(0)))
        .sum();
    let differences: u64 = tables.iter().map(|t| t.differences.count).sum();
    let unverified_tables = count(Status::Unverified);
    let unverified_rows: u64 = tables.iter().map(|t| t.unverified.count).sum();

    let migration = event.progress.as_ref().map(|p| MigrationSummary {
        engine: Some(p.engine),
        phase: Some(p.phase),
        full_load_percent: Some(p.full_load_percent),
        cdc_lag_seconds: p.cdc_lag_seconds,
        cdc_lag_bytes: p.cdc_lag_bytes,
        last_error: p.last_error.clone(),
        outcome: event.migration.as_ref().map(|m| m.outcome),
    });
    let cdc = event.cdc.as_ref().map(|c| CdcSummary {
        seed: c.changes.as_ref().map(|x| x.seed),
        applied: c.changes.as_ref().map(|x| x.applied),
        inserted: c.changes.as_ref().map(|x| x.inserted),
        updated: c.changes.as_ref().map(|x| x.updated),
        deleted: c.changes.as_ref().map(|x| x.deleted),
        source_lsn: c.changes.as_ref().map(|x| x.source_lsn.clone()),
        proof: plan.as_ref().and_then(|p| p.checks.cdc_proof.clone()),
    });

    let plan_status = plan.as_ref().map_or(Status::Identical, |p| p.status);
    let verdict = if event.error.is_some() || errored > 0 || plan_status == Status::Error {
        Verdict::Failed
    } else if tables.is_empty() {
        // Nothing was compared: never "identical" by default.
        Verdict::Failed
    } else if different > 0 || plan_status == Status::Different {
        Verdict::Different
    } else if unverified_tables > 0 {
        // Not an alarm (nothing found different), not a clean bill either.
        Verdict::Unverified
    } else {
        Verdict::Identical
    };
    let not_ready = event
        .assessment
        .as_ref()
        .filter(|a| a.verdict == crate::assess::Verdict::NotReady);
    let verdict = if not_ready.is_some() {
        Verdict::Failed
    } else {
        verdict
    };
    let summary = match (&verdict, &event.error) {
        (Verdict::Failed, _) if not_ready.is_some() => {
            let failed: Vec<&str> = not_ready
                .map(|a| a.failed().map(|c| c.name.as_str()).collect())
                .unwrap_or_default();
            format!(
                "FAILED: the premigration assessment is not ready ({} check(s) failed: {}); nothing was changed",
                failed.len(),
                failed.join(", ")
            )
        }
        (Verdict::Failed, Some(e)) => format!(
            "FAILED: {}{}",
            e.error,
            e.cause
                .as_deref()
                .map(|c| format!(": {}", short_cause(c)))
                .unwrap_or_default()
        ),
        (Verdict::Failed, None) if tables.is_empty() => "FAILED: no table was validated".to_owned(),
        _ => {
            let mut s = format!(
                "{}: {identical} of {} tables identical, {different} different, {errored} could not be compared; {rows_compared} rows compared, {differences} differing rows",
                verdict.as_str().to_uppercase(),
                tables.len()
            );
            if unverified_rows > 0 {
                s.push_str(&format!(
                    "; {unverified_rows} row(s) in {unverified_tables} table(s) unverified (still changing through every re-check: neither identical nor different)"
                ));
            }
            if let Some(proof) = cdc.as_ref().and_then(|c| c.proof.as_ref()) {
                s.push_str(&format!("; CDC proof: {}", proof.message));
            }
            s
        }
    };
    cutover::settle(Report {
        verdict,
        summary,
        mode: event.mode,
        execution,
        generated_at: now.to_owned(),
        started_at: event.started_at.clone(),
        tables_validated: tables.len(),
        tables_identical: identical,
        tables_different: different,
        tables_error: errored,
        rows_compared,
        differences,
        tables,
        database_checks: plan.map(|p| p.checks),
        migration,
        cdc,
        sequences: event.sequences.clone(),
        seed: event.seed.clone(),
        assessment: event.assessment.clone(),
        cutover: event.cutover.as_ref().and_then(|c| c.result.clone()),
        validation_seconds,
        failure: event.error.clone(),
        locations: BTreeMap::new(),
    })
}

/// A Step Functions `Cause` is often a JSON document from the failed Lambda:
/// show its `errorMessage`.
fn short_cause(cause: &str) -> String {
    serde_json::from_str::<Value>(cause)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| cause.to_owned())
}

/// The CloudWatch Embedded Metric Format line for this report.
pub fn emf_line(report: &Report, namespace: &str, timestamp_ms: i64) -> Value {
    let lag = report.migration.as_ref().and_then(|m| m.cdc_lag_seconds);
    let mut metrics = vec![
        serde_json::json!({"Name": "TablesValidated", "Unit": "Count"}),
        serde_json::json!({"Name": "TablesDifferent", "Unit": "Count"}),
        serde_json::json!({"Name": "TablesError", "Unit": "Count"}),
        serde_json::json!({"Name": "RowsCompared", "Unit": "Count"}),
        serde_json::json!({"Name": "Differences", "Unit": "Count"}),
        serde_json::json!({"Name": "Identical", "Unit": "Count"}),
    ];
    let mut doc = serde_json::json!({
        "Mode": report.mode.as_str(),
        "Verdict": report.verdict.as_str(),
        "Execution": report.execution,
        "TablesValidated": report.tables_validated,
        "TablesDifferent": report.tables_different,
        "TablesError": report.tables_error,
        "RowsCompared": report.rows_compared,
        "Differences": report.differences,
        "Identical": u8::from(report.verdict == Verdict::Identical),
    });
    if let Some(lag) = lag {
        metrics.push(serde_json::json!({"Name": "CdcLagSeconds", "Unit": "Seconds"}));
        doc["CdcLagSeconds"] = serde_json::json!(lag);
    }
    doc["_aws"] = serde_json::json!({
        "Timestamp": timestamp_ms,
        "CloudWatchMetrics": [{
            "Namespace": namespace,
            "Dimensions": [["Mode"]],
            "Metrics": metrics,
        }],
    });
    doc
}

/// Safe object/file name for an execution name.
pub fn file_stem(execution: &str) -> String {
    let cleaned: String = execution
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('.');
    if trimmed.is_empty() {
        "report".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::validate::{ChunkSpec, RowDiff, TablesResult, Unverified};
    use serde_json::json;

    fn table(name: &str, status: Status, rows: i64, diffs: u64, chunk: Option<u32>) -> TableResult {
        let check = match status {
            Status::Identical => Check::pass("ok"),
            Status::Different => Check {
                status: CheckStatus::Fail,
                message: "differs".into(),
                findings: vec![],
            },
            Status::Error => Check::error("lost connection"),
            Status::Unverified => Check {
                status: CheckStatus::Warn,
                message: "3 row(s) unverified".into(),
                findings: vec![],
            },
        };
        TableResult {
            table: name.into(),
            chunk: chunk.map(|i| ChunkSpec {
                index: i,
                count: 2,
                key_column: "id".into(),
                lower: None,
                upper: None,
            }),
            status,
            source_rows: Some(rows),
            target_rows: Some(rows),
            checks: TableChecks {
                columns: Check::pass("ok"),
                constraints: Check::pass("ok"),
                indexes: Check::pass("ok"),
                sequences: Check::pass("ok"),
                row_count: Check::pass("ok"),
                checksum: check,
                lob_lengths: Check::pass("ok"),
            },
            differences: Differences {
                count: diffs,
                sample: (0..diffs)
                    .map(|i| RowDiff {
                        key: Some(vec![i.to_string()]),
                        kind: crate::contract::validate::RowDiffKind::Changed,
                        columns: vec![],
                        source_count: None,
                        target_count: None,
                    })
                    .collect(),
            },
            rechecks: 0,
            settled_chunks: 0,
            error: (status == Status::Error).then(|| "lost connection".to_owned()),
            seconds: 0.1,
            unverified: Unverified {
                count: u64::from(status == Status::Unverified) * 3,
                reason: (status == Status::Unverified).then(|| "hot".to_owned()),
                sample: Vec::new(),
            },
            recheck: None,
        }
    }

    #[test]
    fn unverified_rows_are_neither_an_alarm_nor_a_clean_bill() {
        let r = build(
            &event(
                vec![
                    table("a", Status::Identical, 10, 0, None),
                    table("b", Status::Unverified, 10, 0, None),
                ],
                None,
            ),
            "now",
        );
        assert_eq!(r.verdict, Verdict::Unverified);
        assert!(
            r.summary.contains("3 row(s) in 1 table(s) unverified"),
            "{}",
            r.summary
        );
        let md = markdown::render(&r);
        assert!(md.contains("UNVERIFIED"), "{md}");
        assert!(md.contains("unverified (3 row(s))"), "{md}");
        // A real difference still wins.
        let r = build(
            &event(
                vec![
                    table("a", Status::Different, 10, 1, None),
                    table("b", Status::Unverified, 10, 0, None),
                ],
                None,
            ),
            "now",
        );
        assert_eq!(r.verdict, Verdict::Different);
    }

    fn event(tables: Vec<TableResult>, error: Option<ExecutionError>) -> ReportEvent {
        ReportEvent {
            mode: Mode::Migrate,
            execution: Some("exec-1".into()),
            validation: Some(ValidationSection {
                plan: None,
                results: crate::contract::map::ValidationResults::Inline(vec![TablesResult {
                    status: Status::Identical,
                    schemas: vec!["shop".into()],
                    tables,
                    rows_compared: 0,
                    seconds: 1.0,
                    mode: Default::default(),
                    unverified_rows: 0,
                }]),
            }),
            error,
            ..ReportEvent::default()
        }
    }

    #[test]
    fn verdicts() {
        let r = build(
            &event(vec![table("a", Status::Identical, 10, 0, None)], None),
            "now",
        );
        assert_eq!(r.verdict, Verdict::Identical);
        let r = build(
            &event(
                vec![
                    table("a", Status::Identical, 10, 0, None),
                    table("b", Status::Different, 5, 2, None),
                ],
                None,
            ),
            "now",
        );
        assert_eq!(
            (r.verdict, r.tables_different, r.differences),
            (Verdict::Different, 1, 2)
        );
        let r = build(
            &event(vec![table("a", Status::Error, 10, 0, None)], None),
            "now",
        );
        assert_eq!(r.verdict, Verdict::Failed);
        let err = ExecutionError {
            error: "MigrationFailed".into(),
            cause: Some(
                r#"{"errorType":"MigrationFailed","errorMessage":"task failed: disk full"}"#.into(),
            ),
        };
        let r = build(&event(vec![], Some(err)), "now");
        assert_eq!(r.verdict, Verdict::Failed);
        assert!(
            r.summary.contains("task failed: disk full"),
            "{}",
            r.summary
        );
        // Nothing validated is never identical.
        let r = build(
            &ReportEvent {
                mode: Mode::Validate,
                ..ReportEvent::default()
            },
            "now",
        );
        assert_eq!(r.verdict, Verdict::Failed);
    }

    #[test]
    fn a_not_ready_assessment_fails_the_report_and_names_the_checks() {
        use crate::assess::{AssessCheck, AssessReport, Side, Status as CheckOutcome};
        let assessment = AssessReport::new(
            "u@s:1/db".into(),
            "u@t:2/db".into(),
            vec!["shop".into()],
            vec![
                AssessCheck::pass("postgres-check-wallevel", Side::Source, "logical"),
                AssessCheck::new(
                    "target-tables-empty",
                    Side::Target,
                    CheckOutcome::Fail,
                    "1 target table(s) already hold rows",
                )
                .with_evidence(vec!["shop.orders".into()])
                .with_fix("TRUNCATE those tables"),
            ],
        );
        let r = build(
            &ReportEvent {
                mode: Mode::Migrate,
                assessment: Some(assessment.clone()),
                error: Some(ExecutionError {
                    error: "AssessmentNotReady".into(),
                    cause: Some("not ready".into()),
                }),
                ..ReportEvent::default()
            },
            "now",
        );
        assert_eq!(r.verdict, Verdict::Failed);
        assert!(
            r.summary
                .contains("not ready (1 check(s) failed: target-tables-empty)"),
            "{}",
            r.summary
        );
        assert_eq!(r.assessment.as_ref(), Some(&assessment));
        let md = markdown::render(&r);
        assert!(md.contains("## Premigration assessment: not-ready"), "{md}");
        assert!(
            md.contains("### FAIL `target-tables-empty` (target)"),
            "{md}"
        );
        assert!(md.contains("- shop.orders"), "{md}");
        assert!(md.contains("Fix: TRUNCATE those tables"), "{md}");
        assert!(!md.contains("### PASS"), "{md}");
        // A ready assessment leaves the verdict to the validation.
        let ready = AssessReport::new("s".into(), "t".into(), vec![], vec![]);
        let mut ev = event(vec![table("a", Status::Identical, 10, 0, None)], None);
        ev.assessment = Some(ready);
        let r = build(&ev, "now");
        assert_eq!(r.verdict, Verdict::Identical);
        assert!(markdown::render(&r).contains("## Premigration assessment: ready"));
    }

    #[test]
    fn chunks_of_a_table_merge() {
        let parts = vec![
            table("big", Status::Identical, 100, 0, Some(0)),
            table("big", Status::Different, 50, 3, Some(1)),
        ];
        let r = build(&event(parts, None), "now");
        assert_eq!(r.tables.len(), 1);
        let t = &r.tables[0];
        assert_eq!(
            (t.status, t.source_rows, t.differences.count),
            (Status::Different, Some(150), 3)
        );
        assert_eq!(t.checks.checksum.status, CheckStatus::Fail);
    }

    #[test]
    fn emf_document_declares_its_metrics() {
        let r = build(
            &event(vec![table("a", Status::Different, 10, 1, None)], None),
            "now",
        );
        let doc = emf_line(&r, "dmsflow", 1_700_000_000_000);
        let declared: Vec<&str> = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        for name in &declared {
            assert!(doc.get(*name).is_some(), "metric {name} has a value");
        }
        assert_eq!(doc["TablesDifferent"], json!(1));
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "dmsflow");
        assert_eq!(doc["Mode"], "migrate");
    }

    #[test]
    fn event_parsing_is_strict() {
        let err =
            crate::events::parse_event::<ReportEvent>(json!({"mode": "migrate", "validaton": {}}))
                .unwrap_err();
        assert!(err.to_string().contains("validaton"), "{err}");
        let ok: ReportEvent = crate::events::parse_event(
            json!({"mode": "validate", "error": {"Error": "States.Timeout", "Cause": "x"}}),
        )
        .unwrap();
        assert_eq!(ok.error.unwrap().error, "States.Timeout");
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("exec/../1 2"), "exec_.._1_2");
        assert_eq!(file_stem(".."), "report");
    }
}
