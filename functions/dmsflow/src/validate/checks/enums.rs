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
                    .sides(Some(labels.join(", ")), Some(t.join(", ")))
                    .detail(label_difference(labels, t)),
            ),
            Some(_) => {}
        }
    }
    for name in target.enums.keys() {
        if !source.enums.contains_key(name) {
            let labels = target.enums.get(name).map(|l| l.join(", "));
            findings
                .push(Finding::new(FindingKind::Extra, format!("type {name}")).sides(None, labels));
        }
    }
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("{} enum types match", source.enums.len()),
        "enum differences",
    )
}

/// Which labels one side lacks, or, with the same labels, that their order
/// (the type's sort order) differs.
fn label_difference(source: &[String], target: &[String]) -> String {
    let quoted = |l: &[&String]| {
        l.iter()
            .map(|x| format!("'{x}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing: Vec<&String> = source.iter().filter(|l| !target.contains(l)).collect();
    let extra: Vec<&String> = target.iter().filter(|l| !source.contains(l)).collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "label(s) {} missing on the target",
            quoted(&missing)
        ));
    }
    if !extra.is_empty() {
        parts.push(format!("label(s) {} only on the target", quoted(&extra)));
    }
    if parts.is_empty() {
        parts.push("same labels in a different order (the sort order differs)".to_owned());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn label_differences_name_the_labels() {
        let s = labels(&["new", "paid", "shipped"]);
        assert_eq!(
            label_difference(&s, &labels(&["new", "paid"])),
            "label(s) 'shipped' missing on the target"
        );
        assert_eq!(
            label_difference(&s, &labels(&["new", "paid", "sent"])),
            "label(s) 'shipped' missing on the target; label(s) 'sent' only on the target"
        );
        assert_eq!(
            label_difference(&s, &labels(&["paid", "new", "shipped"])),
            "same labels in a different order (the sort order differs)"
        );
    }
}
