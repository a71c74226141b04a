//! A short Markdown rendering of an [`AssessReport`]: one line per check, then
//! the evidence and the fix of every check that did not pass.

use super::model::{AssessReport, Status};
use std::fmt::Write as _;

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
    }
}

pub fn render(report: &AssessReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Premigration assessment: {}\n",
        report.verdict.as_str()
    );
    let _ = writeln!(out, "- source: `{}`", report.source);
    let _ = writeln!(out, "- target: `{}`", report.target);
    let _ = writeln!(out, "- schemas: {}\n", report.schemas.join(", "));
    for c in &report.checks {
        let _ = writeln!(
            out,
            "- **{}** `{}` ({}): {}",
            mark(c.status),
            c.name,
            c.side.as_str(),
            c.summary
        );
    }
    let findings: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .collect();
    if findings.is_empty() {
        return out;
    }
    out.push_str("\n## Findings\n");
    for c in findings {
        let _ = writeln!(
            out,
            "\n### {} `{}`\n\n{}\n",
            mark(c.status),
            c.name,
            c.summary
        );
        for e in &c.evidence {
            let _ = writeln!(out, "- {e}");
        }
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "\nFix: {fix}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::model::{AssessCheck, Side};

    #[test]
    fn one_line_per_check_and_details_for_findings() {
        let report = AssessReport::new(
            "u@s:1/db".into(),
            "u@t:2/db".into(),
            vec!["shop".into()],
            vec![
                AssessCheck::pass(
                    "postgres-check-wallevel",
                    Side::Source,
                    "wal_level is logical",
                )
                .with_evidence(vec!["wal_level = logical".into()]),
                AssessCheck::new(
                    "large-objects",
                    Side::Source,
                    Status::Fail,
                    "2 large object(s)",
                )
                .with_evidence(vec!["pg_largeobject_metadata holds 2".into()])
                .with_fix("move them"),
            ],
        );
        let md = render(&report);
        assert!(
            md.starts_with("# Premigration assessment: not-ready"),
            "{md}"
        );
        assert!(
            md.contains("- **PASS** `postgres-check-wallevel` (source): wal_level is logical"),
            "{md}"
        );
        assert!(md.contains("### FAIL `large-objects`"), "{md}");
        assert!(md.contains("- pg_largeobject_metadata holds 2"), "{md}");
        assert!(md.contains("Fix: move them"), "{md}");
        // Evidence of passing checks stays out of the details.
        assert!(!md.contains("- wal_level = logical"), "{md}");
    }
}
