//! Counts and checksums: the verdicts of the data pass (chunked checksums,
//! re-checks, row-level localisation) for one table or chunk.

use super::{data_of, ready, DataOutcome, Needs, TableCheck};
use crate::contract::validate::FindingKind;
use crate::validate::model::{Check, CheckStatus, Finding};
use crate::validate::sides::Side;

/// The same number of rows on both sides.
pub const ROW_COUNT: TableCheck = TableCheck {
    name: "row_count",
    needs: Needs::Data,
    run: |cx| ready(data_of(cx).map_or_else(|verdict| verdict, row_count)),
    slot: |checks| &mut checks.row_count,
};

fn row_count(data: &DataOutcome<'_>) -> Check {
    let (s_rows, t_rows) = (data.rows(Side::Source), data.rows(Side::Target));
    if s_rows == t_rows {
        Check::pass(format!("{s_rows} rows on both sides"))
    } else {
        Check {
            status: CheckStatus::Fail,
            message: format!("{s_rows} rows on the source, {t_rows} on the target"),
            findings: vec![Finding::new(FindingKind::Different, "row count")
                .sides(Some(s_rows.to_string()), Some(t_rows.to_string()))],
        }
    }
}

/// Every row identical: chunk sums equal, and no row found different.
pub const CHECKSUM: TableCheck = TableCheck {
    name: "checksum",
    needs: Needs::Data,
    run: |cx| ready(data_of(cx).map_or_else(|verdict| verdict, checksum)),
    slot: |checks| &mut checks.checksum,
};

fn checksum(data: &DataOutcome<'_>) -> Check {
    if data.differing_rows == 0 && data.mismatched_chunks == 0 {
        let mut message = format!("every row identical ({} chunk(s))", data.sums.len());
        if data.settled > 0 {
            message.push_str(&format!(
                "; {} chunk(s) differed while rows were in flight and matched on re-check",
                data.settled
            ));
        }
        return Check::pass(message);
    }
    let persisted = if data.rechecks > 0 {
        format!(" (persisted after {} re-check(s))", data.rechecks)
    } else {
        String::new()
    };
    Check {
        status: CheckStatus::Fail,
        message: format!("{} row(s) differ{persisted}", data.differing_rows),
        findings: Vec::new(),
    }
}
