//! LOB lengths: the longest value of every text and bytea column, equal on
//! both sides (a shorter one on the target is DMS limited-LOB truncation).

use super::{data_of, ready, DataOutcome, Needs, TableCheck};
use crate::contract::validate::FindingKind;
use crate::validate::model::{Check, CheckStatus, Finding};
use crate::validate::sides::Side;

/// Longest values equal per text/bytea column (gathered by the checksum pass).
pub const LOB_LENGTHS: TableCheck = TableCheck {
    name: "lob_lengths",
    needs: Needs::Data,
    run: |cx| ready(data_of(cx).map_or_else(|verdict| verdict, lob_check)),
    slot: |checks| &mut checks.lob_lengths,
};

fn lob_check(data: &DataOutcome<'_>) -> Check {
    let plan = data.plan;
    if plan.length_columns.is_empty() {
        return Check::pass("no text or bytea columns");
    }
    let mut findings = Vec::new();
    for (i, column) in plan.length_columns.iter().enumerate() {
        let longest = |side| {
            data.sums_of(side)
                .filter_map(|s| s.max_lengths.get(i).copied().flatten())
                .max()
        };
        let (s_max, t_max) = (longest(Side::Source), longest(Side::Target));
        if s_max != t_max {
            let kind = match (s_max, t_max) {
                (Some(a), Some(b)) if b < a => FindingKind::Truncated,
                _ => FindingKind::Different,
            };
            let render = |v: Option<i32>| {
                Some(v.map_or_else(|| "no values".to_owned(), |x| format!("{x} bytes")))
            };
            let mut f =
                Finding::new(kind, format!("column {column}")).sides(render(s_max), render(t_max));
            if kind == FindingKind::Truncated {
                f = f.detail("the longest value is shorter on the target: LOBs truncated (DMS limited LOB mode?)");
            }
            findings.push(f);
        }
    }
    let n = plan.length_columns.len();
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("longest values equal in {n} text/bytea column(s)"),
        "column(s) with different longest values",
    )
}
