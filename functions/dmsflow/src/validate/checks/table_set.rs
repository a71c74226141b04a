//! The table set: tables missing or extra on the target.

use super::{ready, DatabaseCheck};
use crate::contract::validate::FindingKind;
use crate::validate::catalog::Catalog;
use crate::validate::model::{Check, CheckStatus, Finding};
use std::collections::BTreeSet;

/// The same tables on both sides (of those asked for).
pub const TABLE_SET: DatabaseCheck = DatabaseCheck {
    name: "table_set",
    run: |cx| {
        let catalogs = cx.catalogs;
        ready(Some(compare_table_sets(
            catalogs.source,
            catalogs.target,
            cx.only,
        )))
    },
    store: |checks, check| checks.table_set = check,
};

/// Tables missing or extra on the target.
pub fn compare_table_sets(
    source: &Catalog,
    target: &Catalog,
    only: Option<&BTreeSet<String>>,
) -> Check {
    let mut findings = Vec::new();
    for name in source.tables.keys() {
        if only.is_some_and(|o| !o.contains(name)) {
            continue;
        }
        if !target.tables.contains_key(name) {
            findings.push(Finding::new(FindingKind::Missing, format!("table {name}")));
        }
    }
    for name in target.tables.keys() {
        if only.is_some_and(|o| !o.contains(name)) {
            continue;
        }
        if !source.tables.contains_key(name) {
            findings.push(Finding::new(FindingKind::Extra, format!("table {name}")));
        }
    }
    let n = source.tables.len();
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("{n} tables on both sides"),
        "tables missing or extra",
    )
}
