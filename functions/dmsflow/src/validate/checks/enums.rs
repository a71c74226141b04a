//! Enum types and their labels.

use super::{ready, DatabaseCheck};
use crate::contract::validate::FindingKind;
use crate::validate::catalog::Catalog;
use crate::validate::model::{Check, CheckStatus, Finding};

/// The same enum types, with the same labels in the same order.
pub const ENUMS: DatabaseCheck = DatabaseCheck {
    name: "enums",
    run: |cx| ready(Some(compare_enums(cx.catalogs.source, cx.catalogs.target))),
    store: |checks, check| checks.enums = check,
};

/// Enum types and their labels (order matters: it is the sort order).
pub fn compare_enums(source: &Catalog, target: &Catalog) -> Check {
    let mut findings = Vec::new();
    for (name, labels) in &source.enums {
        match target.enums.get(name) {
            None => findings.push(
                Finding::new(FindingKind::Missing, format!("type {name}"))
                    .sides(Some(labels.join(", ")), None),
            ),
            Some(t) if t != labels => findings.push(
                Finding::new(FindingKind::Different, format!("type {name}"))
                    .sides(Some(labels.join(", ")), Some(t.join(", "))),
            ),
            Some(_) => {}
        }
    }
    for name in target.enums.keys() {
        if !source.enums.contains_key(name) {
            findings.push(Finding::new(FindingKind::Extra, format!("type {name}")));
        }
    }
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("{} enum types match", source.enums.len()),
        "enum differences",
    )
}
