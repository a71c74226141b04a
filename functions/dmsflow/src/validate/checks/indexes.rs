//! Indexes: primary, unique and secondary, by name and definition.

use super::text;
use super::{ready, Needs, TableCheck};
use crate::contract::validate::FindingKind;
use crate::validate::catalog::TableInfo;
use crate::validate::model::{Check, CheckStatus, Finding};

/// Every index the same (and valid) on both sides.
pub const INDEXES: TableCheck = TableCheck {
    name: "indexes",
    needs: Needs::Catalogs,
    run: |cx| ready(compare_indexes(cx.tables.source, cx.tables.target)),
    slot: |checks| &mut checks.indexes,
};

/// Indexes (primary, unique, secondary): by name and definition; invalid
/// indexes on the target (a failed CREATE INDEX CONCURRENTLY) count as broken.
pub fn compare_indexes(source: &TableInfo, target: &TableInfo) -> Check {
    let mut findings = Vec::new();
    for s in &source.indexes {
        let object = format!("index {}", s.name);
        match target.indexes.iter().find(|t| t.name == s.name) {
            None => {
                let mut f =
                    Finding::new(FindingKind::Missing, object).sides(text(&s.definition), None);
                let s_def = strip_index_name(&s.definition, &s.name);
                if let Some(r) = target
                    .indexes
                    .iter()
                    .find(|t| strip_index_name(&t.definition, &t.name) == s_def)
                {
                    f = f.detail(format!("the target has the same definition as {}", r.name));
                }
                findings.push(f);
            }
            Some(t) if t.definition != s.definition => {
                findings.push(
                    Finding::new(FindingKind::Different, object)
                        .sides(text(&s.definition), text(&t.definition)),
                );
            }
            Some(t) if !t.is_valid && s.is_valid => {
                findings.push(
                    Finding::new(FindingKind::Invalid, object)
                        .sides(text("valid"), text("INVALID (unusable)")),
                );
            }
            Some(_) => {}
        }
    }
    for t in &target.indexes {
        if !source.indexes.iter().any(|s| s.name == t.name) {
            findings.push(
                Finding::new(FindingKind::Extra, format!("index {}", t.name))
                    .sides(None, text(&t.definition)),
            );
        }
    }
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("{} indexes match", source.indexes.len()),
        "index differences",
    )
}

fn strip_index_name(definition: &str, name: &str) -> String {
    definition
        .replacen(&format!(" {} ON ", crate::db::quote_ident(name)), " ON ", 1)
        .replacen(&format!(" {name} ON "), " ON ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::catalog::{table_for_test, Index};

    #[test]
    fn missing_index_reports_a_renamed_twin() {
        let idx = |name: &str| Index {
            name: name.into(),
            definition: format!("CREATE INDEX {name} ON t USING btree (a)"),
            is_primary: false,
            is_unique: false,
            is_valid: true,
        };
        let s = table_for_test(vec![], vec![], vec![idx("t_a_idx")]);
        let t = table_for_test(vec![], vec![], vec![idx("t_a_idx1")]);
        let check = compare_indexes(&s, &t);
        assert_eq!(check.findings.len(), 2);
        assert!(check.findings[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("t_a_idx1"));
    }
}
