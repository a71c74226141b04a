//! Sequences: every owned/identity sequence of the table equal on both sides
//! and, on the target, at or past the largest value in its column (DMS and
//! logical replication never move sequences: the first insert after cut-over
//! would collide).

use super::{data_of, DataOutcome, Needs, TableCheck, TableContext};
use crate::contract::validate::FindingKind;
use crate::error::error_chain;
use crate::validate::catalog::Sequence;
use crate::validate::model::{Check, CheckStatus, Finding};
use crate::validate::rows::{at, ColumnError};
use crate::validate::sides::{Side, Sides};
use crate::validate::SequencePolicy;

/// Sequences in step (once per table: it reads the whole table's maxima).
pub const SEQUENCES: TableCheck = TableCheck {
    name: "sequences",
    needs: Needs::CatalogsAndData,
    run: |cx| Box::pin(sequence_check(cx)),
    slot: |checks| &mut checks.sequences,
};

/// Why one sequence could not be judged.
#[derive(Debug, thiserror::Error)]
enum SequenceError {
    #[error(
        "cannot read sequence {sequence} on the {side}: grant SELECT on it to the validator's role"
    )]
    Unreadable { sequence: String, side: Side },
    /// The driver's own words, as the check has always reported them.
    #[error(transparent)]
    Query(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Column(#[from] ColumnError),
}

async fn sequence_check(cx: &TableContext<'_>) -> Check {
    let data = match data_of(cx) {
        Ok(data) => data,
        Err(verdict) => return verdict,
    };
    let source = cx.tables.source;
    if source.sequences.is_empty() {
        return Check::pass("no sequences");
    }
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for seq in &source.sequences {
        let Some(tseq) = cx
            .tables
            .target
            .sequences
            .iter()
            .find(|x| x.column == seq.column)
        else {
            findings.push(Finding::new(
                FindingKind::Missing,
                format!("sequence {} (column {})", seq.name, seq.column),
            ));
            continue;
        };
        match judge(cx, data, Sides::new(seq, tseq)).await {
            Ok(Some(finding)) => findings.push(finding),
            Ok(None) => {}
            Err(e) => errors.push(error_chain(&e)),
        }
    }
    if !errors.is_empty() {
        return Check {
            status: CheckStatus::Error,
            message: errors.join("; "),
            findings,
        };
    }
    let status = match cx.options.sequence_policy {
        SequencePolicy::Fail => CheckStatus::Fail,
        SequencePolicy::Warn => CheckStatus::Warn,
    };
    Check::from_findings(
        findings,
        status,
        &format!("{} sequence(s) in step", source.sequences.len()),
        "sequence problem(s)",
    )
}

/// One sequence present on both sides: behind its column, different, or fine.
async fn judge(
    cx: &TableContext<'_>,
    data: &DataOutcome<'_>,
    seq: Sides<&Sequence>,
) -> Result<Option<Finding>, SequenceError> {
    if !seq.source.readable || !seq.target.readable {
        return Err(SequenceError::Unreadable {
            sequence: seq.source.name.clone(),
            side: if seq.source.readable {
                Side::Target
            } else {
                Side::Source
            },
        });
    }
    let target_max = target_max(cx, data, &seq.source.column).await?;
    let object = format!(
        "sequence {} (column {})",
        seq.target.name, seq.source.column
    );
    let render =
        |v: Option<i64>| Some(v.map_or_else(|| "never used".to_owned(), |x| x.to_string()));
    if let Some(max) = target_max {
        if seq.target.last_value.unwrap_or(0) < max {
            return Ok(Some(
                Finding::new(FindingKind::Behind, &object)
                    .sides(render(seq.source.last_value), render(seq.target.last_value))
                    .detail(format!("the target's column already holds {max}: the next insert on the target would collide")),
            ));
        }
    }
    if seq.source.last_value != seq.target.last_value {
        return Ok(Some(
            Finding::new(FindingKind::Different, &object)
                .sides(render(seq.source.last_value), render(seq.target.last_value))
                .detail("set it at cut-over (start-task {\"action\":\"sync-sequences\"})"),
        ));
    }
    Ok(None)
}

const COLUMN_MAX: &str = "column maximum";

/// The largest value of `column` on the target: from the checksum pass when
/// it covered the whole table, else read.
async fn target_max(
    cx: &TableContext<'_>,
    data: &DataOutcome<'_>,
    column: &str,
) -> Result<Option<i64>, SequenceError> {
    let plan = data.plan;
    match plan.sequence_columns.iter().position(|c| c == column) {
        Some(i) if cx.whole_table => Ok(data
            .sums_of(Side::Target)
            .filter_map(|s| s.max_sequence_values.get(i).copied().flatten())
            .max()),
        _ => {
            let row = cx
                .sessions
                .target
                .lead
                .query_one(&plan.max_query(column), &[])
                .await?;
            Ok(at(&row, COLUMN_MAX, 0)?)
        }
    }
}
