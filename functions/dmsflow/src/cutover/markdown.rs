//! The cut-over result as a person reads it: one renderer for the CLI's
//! stdout ([`render`]) and the report function's Markdown ([`section`]):
//! verdict, timeline, write downtime, the fence and how to undo it, the
//! final validation, the sequences synced, the stop.

use crate::contract::cutover::{CutoverResult, FenceRecord, FinalValidation};
use crate::contract::engine::SequencesResult;
use std::fmt::Write as _;

/// A table cell: pipes escaped, one line.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The whole result, `#` headings (the CLI).
pub fn render(result: &CutoverResult) -> String {
    let mut out = String::new();
    write(&mut out, result, "#");
    out
}

/// The whole result as a section of a larger document, `##` headings.
pub fn section(result: &CutoverResult) -> String {
    let mut out = String::new();
    write(&mut out, result, "##");
    out
}

fn write(out: &mut String, result: &CutoverResult, h: &str) {
    let _ = writeln!(
        out,
        "{h} Cut-over{}: {}\n",
        if result.rehearsal { " rehearsal" } else { "" },
        result.verdict.as_str()
    );
    if let Some(reason) = &result.reason {
        let _ = writeln!(
            out,
            "Aborted: {reason}\n\nThe source was unfenced and replication left running: nothing was lost.\n"
        );
    }
    let _ = writeln!(out, "| step | at | +s | detail |\n|---|---|---|---|");
    for e in &result.timeline {
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {} |",
            e.step.as_str(),
            e.at,
            e.seconds,
            cell(&e.detail)
        );
    }
    if let Some(d) = result.write_downtime_seconds {
        let _ = writeln!(
            out,
            "\nwrite downtime: {d:.2} s (fence {} → {})",
            result.fence.as_str(),
            result.verdict.as_str()
        );
    }
    let _ = writeln!(out, "total: {:.2} s", result.total_seconds);
    if let Some(lsn) = &result.drain_lsn {
        let _ = writeln!(out, "drained to source WAL position {lsn}");
    }
    if let Some(record) = &result.fence_record {
        fence(out, h, record, result.fence_undo.as_deref());
    }
    if let Some(v) = &result.validation {
        validation(out, h, v);
    }
    if let Some(s) = &result.sequences {
        sequences(out, h, s);
    }
    if let Some(stop) = &result.stop {
        let _ = writeln!(out, "\n{h}# Replication stopped\n\n{}", cell(&stop.message));
    }
}

fn fence(out: &mut String, h: &str, record: &FenceRecord, undo: Option<&str>) {
    let _ = writeln!(out, "\n{h}# Fence\n");
    let _ = writeln!(
        out,
        "row changes counted at the fence: {}",
        record.row_changes_at_fence
    );
    for r in &record.roles {
        let _ = writeln!(
            out,
            "- role `{}`: {} before, {} session(s) terminated",
            r.role,
            if r.could_login { "LOGIN" } else { "NOLOGIN" },
            r.sessions_terminated
        );
    }
    if let Some(before) = &record.read_only_before {
        let _ = writeln!(
            out,
            "- database default_transaction_read_only before: {}",
            before.as_deref().unwrap_or("(not set)")
        );
    }
    if let Some(undo) = undo {
        let _ = writeln!(out, "\nundo by hand (source):\n\n```sql\n{undo}\n```");
    }
}

fn validation(out: &mut String, h: &str, v: &FinalValidation) {
    let _ = writeln!(
        out,
        "\n{h}# Final validation at rest\n\n{}: {} table(s), {} row(s) compared in {:.2} s",
        v.status.as_str(),
        v.tables,
        v.rows_compared,
        v.seconds
    );
    for p in &v.problems {
        let _ = writeln!(out, "- {}", cell(p));
    }
}

fn sequences(out: &mut String, h: &str, s: &SequencesResult) {
    let _ = writeln!(out, "\n{h}# Sequences ({} synced)\n", s.sequences.len());
    if s.sequences.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| sequence | source | target before | target after |\n|---|---:|---:|---:|"
    );
    for q in &s.sequences {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&q.sequence),
            q.source_last_value,
            q.target_before,
            q.target_after
        );
    }
}
