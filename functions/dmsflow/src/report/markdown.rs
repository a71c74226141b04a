//! The Markdown summary: what a person reads at a glance.

use super::{Report, Verdict};
use crate::assess::{AssessReport, Status as AssessStatus};
use crate::contract::validate::{Check, CheckStatus, Status};
use std::fmt::Write;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn mark(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "ok",
        CheckStatus::Warn => "warn",
        CheckStatus::Fail => "**FAIL**",
        CheckStatus::Error => "**ERROR**",
        CheckStatus::Skipped => "–",
    }
}

fn check_line(out: &mut String, name: &str, check: &Check) {
    let _ = writeln!(
        out,
        "- **{name}**: {} — {}",
        mark(check.status),
        cell(&check.message)
    );
    for f in check.findings.iter().take(20) {
        let sides = match (&f.source, &f.target) {
            (None, None) => String::new(),
            (s, t) => format!(
                " (source `{}`, target `{}`)",
                s.as_deref().unwrap_or("–"),
                t.as_deref().unwrap_or("–")
            ),
        };
        let detail = f
            .detail
            .as_ref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {} {}{}{}",
            f.kind,
            cell(&f.object),
            sides,
            cell(&detail)
        );
    }
}

/// The premigration assessment: a count per outcome, then every check that
/// did not pass with its evidence and its fix.
fn assessment(out: &mut String, a: &AssessReport) {
    let count = |s: AssessStatus| a.checks.iter().filter(|c| c.status == s).count();
    let _ = writeln!(
        out,
        "## Premigration assessment: {}\n\n{} check(s): {} passed, {} warned, {} failed · schemas {}\n",
        a.verdict.as_str(),
        a.checks.len(),
        count(AssessStatus::Pass),
        count(AssessStatus::Warn),
        count(AssessStatus::Fail),
        cell(&a.schemas.join(", "))
    );
    let mut findings: Vec<_> = a
        .checks
        .iter()
        .filter(|c| c.status != AssessStatus::Pass)
        .collect();
    // Failures first: they are why the execution stopped.
    findings.sort_by_key(|c| std::cmp::Reverse(c.status));
    for c in findings {
        let mark = if c.status == AssessStatus::Fail {
            "FAIL"
        } else {
            "WARN"
        };
        let _ = writeln!(
            out,
            "### {mark} `{}` ({})\n\n{}\n",
            c.name,
            c.side.as_str(),
            cell(&c.summary)
        );
        for e in c.evidence.iter().take(20) {
            let _ = writeln!(out, "- {}", cell(e));
        }
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "\nFix: {}", cell(fix));
        }
        let _ = writeln!(out);
    }
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let badge = match r.verdict {
        Verdict::Identical => "✅ IDENTICAL",
        Verdict::Different => "❌ DIFFERENT",
        Verdict::Failed => "🛑 FAILED",
        Verdict::Unverified => "⚠️ UNVERIFIED (no difference found; hot rows not verified)",
    };
    let _ = writeln!(out, "# dmsflow report — {}\n", cell(&r.execution));
    let _ = writeln!(out, "**Verdict: {badge}** — {}\n", cell(&r.summary));
    let _ = writeln!(
        out,
        "Mode `{}` · generated {} · {} tables · {} rows compared · {} differing rows · validation {:.1} s\n",
        r.mode, r.generated_at, r.tables_validated, r.rows_compared, r.differences, r.validation_seconds
    );
    if let Some(f) = &r.failure {
        let _ = writeln!(
            out,
            "## Failure\n\n`{}`: {}\n",
            f.error,
            cell(
                f.cause
                    .as_deref()
                    .map(super::short_cause)
                    .as_deref()
                    .unwrap_or("no cause given")
            )
        );
    }
    if let Some(a) = &r.assessment {
        assessment(&mut out, a);
    }
    if let Some(c) = &r.cutover {
        out.push_str(&crate::cutover::markdown::section(c));
        out.push('\n');
    }
    if !r.tables.is_empty() {
        let _ = writeln!(out, "## Tables\n");
        let _ = writeln!(
            out,
            "| table | status | source rows | target rows | differing rows | findings |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
        for t in &r.tables {
            let status = match t.status {
                Status::Identical => "identical".to_owned(),
                Status::Different => "**different**".to_owned(),
                Status::Error => "**error**".to_owned(),
                Status::Unverified => format!("unverified ({} row(s))", t.unverified.count),
            };
            let rows = |v: Option<i64>| v.map_or_else(|| "–".to_owned(), |n| n.to_string());
            let mut findings: Vec<String> = t
                .checks
                .flagged()
                .map(|(n, c)| format!("{n}: {}", c.message))
                .collect();
            if let Some(e) = &t.error {
                findings.push(format!("error: {e}"));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&t.table),
                status,
                rows(t.source_rows),
                rows(t.target_rows),
                t.differences.count,
                cell(&findings.join("; "))
            );
        }
        let _ = writeln!(out);
    }
    if let Some(db) = &r.database_checks {
        let _ = writeln!(out, "## Database checks\n");
        // Every database-level check, object kinds included, by name.
        for (name, check) in db.iter() {
            check_line(&mut out, &name.replace('_', " "), check);
        }
        let _ = writeln!(out);
    }
    if let Some(m) = &r.migration {
        let _ = writeln!(out, "## Migration\n");
        let _ = writeln!(
            out,
            "Engine `{}` · phase `{}` · full load {} · CDC lag {}{}\n",
            m.engine.map_or("?", |e| e.as_str()),
            m.phase.map_or("?", |p| p.as_str()),
            m.full_load_percent
                .map_or_else(|| "–".into(), |p| format!("{p:.0} %")),
            m.cdc_lag_seconds
                .map_or_else(|| "–".into(), |l| format!("{l:.1} s")),
            m.last_error
                .as_ref()
                .map(|e| format!(" · last error: {}", cell(e)))
                .unwrap_or_default(),
        );
    }
    if let Some(c) = &r.cdc {
        let _ = writeln!(out, "## CDC proof\n");
        let _ = writeln!(
            out,
            "Burst (seed {}): {} changes — {} inserted, {} updated, {} deleted — committed at source LSN `{}`.\n",
            c.seed.map_or_else(|| "?".into(), |s| s.to_string()),
            c.applied.unwrap_or(0),
            c.inserted.unwrap_or(0),
            c.updated.unwrap_or(0),
            c.deleted.unwrap_or(0),
            c.source_lsn.as_deref().unwrap_or("?"),
        );
        if let Some(p) = &c.proof {
            check_line(&mut out, "every changed key on the target", p);
            let _ = writeln!(out);
        }
    }
    let detailed: Vec<_> = r
        .tables
        .iter()
        .filter(|t| t.status != Status::Identical)
        .collect();
    if !detailed.is_empty() {
        let _ = writeln!(out, "## Details\n");
        for t in detailed {
            let _ = writeln!(out, "### {}\n", cell(&t.table));
            for (name, check) in t.checks.flagged() {
                check_line(&mut out, name, check);
            }
            if !t.differences.sample.is_empty() {
                let _ = writeln!(
                    out,
                    "\n{} differing row(s){}:\n",
                    t.differences.count,
                    if (t.differences.count as usize) > t.differences.sample.len() {
                        format!(", first {}", t.differences.sample.len())
                    } else {
                        String::new()
                    }
                );
                let _ = writeln!(out, "| key | kind | column | source | target |");
                let _ = writeln!(out, "|---|---|---|---|---|");
                for d in &t.differences.sample {
                    let key = d
                        .key
                        .as_ref()
                        .map_or_else(|| "(no key)".to_owned(), |k| k.join(", "));
                    if d.columns.is_empty() {
                        let _ = writeln!(out, "| {} | {} | | | |", cell(&key), d.kind);
                    }
                    // A row of a key-less table: its values once, with its copy counts.
                    if let Some(row) = crate::validate::data::render::counted_row_text(d) {
                        let _ = writeln!(
                            out,
                            "| (no key) | {} | (row) | `{}` | |",
                            d.kind,
                            cell(&row)
                        );
                        continue;
                    }
                    for c in &d.columns {
                        let v = |x: &Option<String>| {
                            x.as_ref()
                                .map_or_else(|| "NULL".to_owned(), |s| format!("`{}`", cell(s)))
                        };
                        let _ = writeln!(
                            out,
                            "| {} | {}{} | {} | {} | {} |",
                            cell(&key),
                            d.kind,
                            if c.kind == "value" || c.kind == "row" {
                                String::new()
                            } else {
                                format!(" ({})", c.kind)
                            },
                            cell(&c.column),
                            v(&c.source),
                            v(&c.target)
                        );
                    }
                }
            }
            if let Some(e) = &t.error {
                let _ = writeln!(out, "\nError: {}", cell(e));
            }
            let _ = writeln!(out);
        }
    }
    out
}
