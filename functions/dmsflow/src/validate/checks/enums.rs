//! Enum types and their labels.

use super::{ready, DatabaseCheck, DatabaseContext};
use crate::validate::catalog::Catalog;
use crate::validate::model::{Check, CheckStatus, Finding, PlanChecks};
use futures_util::future::BoxFuture;

/// The same enum types, with the same labels in the same order.
#[derive(Debug)]
pub struct Enums;

impl DatabaseCheck for Enums {
    fn name(&self) -> &'static str {
        "enums"
    }

    fn run<'a>(&'a self, cx: &'a DatabaseContext<'a>) -> BoxFuture<'a, Option<Check>> {
        ready(Some(compare_enums(cx.catalogs.source, cx.catalogs.target)))
    }

    fn store(&self, check: Check, checks: &mut PlanChecks) {
        checks.enums = check;
    }
}

/// Enum types and their labels (order matters: it is the sort order).
pub fn compare_enums(source: &Catalog, target: &Catalog) -> Check {
    let mut findings = Vec::new();
    for (name, labels) in &source.enums {
        match target.enums.get(name) {
            None => findings.push(
                Finding::new("missing", format!("type {name}"))
                    .sides(Some(labels.join(", ")), None),
            ),
            Some(t) if t != labels => findings.push(
                Finding::new("different", format!("type {name}"))
                    .sides(Some(labels.join(", ")), Some(t.join(", "))),
            ),
            Some(_) => {}
        }
    }
    for name in target.enums.keys() {
        if !source.enums.contains_key(name) {
            findings.push(Finding::new("extra", format!("type {name}")));
        }
    }
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("{} enum types match", source.enums.len()),
        "enum differences",
    )
}
