//! Constraints: primary key, unique, foreign keys, CHECK, exclusion.

use super::text;
use super::{ready, Needs, TableCheck};
use crate::contract::validate::FindingKind;
use crate::validate::catalog::TableInfo;
use crate::validate::model::{Check, CheckStatus, Finding};

/// Every constraint the same on both sides, by name and definition.
pub const CONSTRAINTS: TableCheck = TableCheck {
    name: "constraints",
    needs: Needs::Catalogs,
    run: |cx| ready(compare_constraints(cx.tables.source, cx.tables.target)),
    slot: |checks| &mut checks.constraints,
};

fn constraint_kind(kind: &str) -> &'static str {
    match kind {
        "p" => "primary key",
        "u" => "unique constraint",
        "f" => "foreign key",
        "c" => "check constraint",
        "x" => "exclusion constraint",
        _ => "constraint",
    }
}

/// Primary key, unique, foreign keys, CHECK, exclusion: by name and definition.
pub fn compare_constraints(source: &TableInfo, target: &TableInfo) -> Check {
    let mut findings = Vec::new();
    for s in &source.constraints {
        let object = format!("{} {}", constraint_kind(&s.kind), s.name);
        match target.constraints.iter().find(|t| t.name == s.name) {
            None => {
                // Same definition under another name is still worth saying.
                let renamed = target
                    .constraints
                    .iter()
                    .find(|t| t.kind == s.kind && t.definition == s.definition);
                let mut f =
                    Finding::new(FindingKind::Missing, object).sides(text(&s.definition), None);
                if let Some(r) = renamed {
                    f = f.detail(format!("the target has the same definition as {}", r.name));
                }
                findings.push(f);
            }
            Some(t) if t.definition != s.definition || t.kind != s.kind => {
                findings.push(
                    Finding::new(FindingKind::Different, object)
                        .sides(text(&s.definition), text(&t.definition)),
                );
            }
            Some(t) if t.validated != s.validated => {
                findings.push(
                    Finding::new(FindingKind::Different, object)
                        .sides(Some(validated(s.validated)), Some(validated(t.validated)))
                        .detail("validation state"),
                );
            }
            Some(_) => {}
        }
    }
    for t in &target.constraints {
        if !source.constraints.iter().any(|s| s.name == t.name) {
            findings.push(
                Finding::new(
                    FindingKind::Extra,
                    format!("{} {}", constraint_kind(&t.kind), t.name),
                )
                .sides(None, text(&t.definition)),
            );
        }
    }
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("{} constraints match", source.constraints.len()),
        "constraint differences",
    )
}

fn validated(v: bool) -> String {
    if v {
        "VALID".into()
    } else {
        "NOT VALID".into()
    }
}
