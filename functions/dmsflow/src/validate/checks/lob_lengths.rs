//! LOB lengths: the longest value of every text and bytea column, equal on
//! both sides (a shorter one on the target is DMS limited-LOB truncation).

use super::{data_of, ready, DataOutcome, TableCheck, TableContext};
use crate::validate::model::{Check, CheckStatus, Finding, TableChecks};
use crate::validate::sides::Side;
use futures_util::future::BoxFuture;

/// Longest values equal per text/bytea column (gathered by the checksum pass).
#[derive(Debug)]
pub struct LobLengths;

impl TableCheck for LobLengths {
    fn name(&self) -> &'static str {
        "lob_lengths"
    }

    fn needs_data(&self) -> bool {
        true
    }

    fn run<'a>(&'a self, cx: &'a TableContext<'a>) -> BoxFuture<'a, Check> {
        ready(match data_of(cx) {
            Ok(data) => lob_check(data),
            Err(verdict) => verdict,
        })
    }

    fn slot<'c>(&self, checks: &'c mut TableChecks) -> &'c mut Check {
        &mut checks.lob_lengths
    }
}

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
                (Some(a), Some(b)) if b < a => "truncated",
                _ => "different",
            };
            let render = |v: Option<i32>| {
                Some(v.map_or_else(|| "no values".to_owned(), |x| format!("{x} bytes")))
            };
            let mut f =
                Finding::new(kind, format!("column {column}")).sides(render(s_max), render(t_max));
            if kind == "truncated" {
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
