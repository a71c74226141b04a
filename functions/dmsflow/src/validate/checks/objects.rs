//! Objects beyond tables, one check per kind (views, materialized views,
//! functions, triggers, domains, types, extensions, row-level security,
//! partitions, privileges, owners): each kind's catalog read on both sides
//! in the run's snapshots, compared by identity and normalised definition,
//! judged by the kind's policy. A kind that cannot be read is an `error`
//! check naming why, never a silent pass.

use super::DatabaseContext;
use crate::contract::validate::FindingKind;
use crate::error::error_chain;
use crate::validate::model::{Check, CheckStatus, Finding};
use crate::validate::objects::kinds::{ObjectKind, Policy, KINDS};
use crate::validate::objects::{self, describe, ObjectDiff};
use std::collections::BTreeMap;

/// Every kind's verdict, by kind name.
pub async fn run_object_checks(cx: &DatabaseContext<'_>) -> BTreeMap<String, Check> {
    let mut out = BTreeMap::new();
    for kind in KINDS {
        out.insert(kind.name.to_owned(), check_kind(cx, kind).await);
    }
    out
}

async fn check_kind(cx: &DatabaseContext<'_>, kind: &ObjectKind) -> Check {
    let policy = cx.options.object_policy.of(kind.name);
    if policy == Policy::Ignore {
        return Check::skipped(format!("not compared ({}=ignore)", kind.name));
    }
    let schemas = &cx.catalogs.source.schemas;
    let (source, target) = tokio::join!(
        objects::read(&cx.sessions.source.lead, kind, schemas),
        objects::read(&cx.sessions.target.lead, kind, schemas)
    );
    let (source, target) = match (source, target) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) => return Check::error(format!("source: {}", error_chain(&e))),
        (_, Err(e)) => return Check::error(format!("target: {}", error_chain(&e))),
    };
    let findings: Vec<Finding> = objects::compare(&source, &target, kind.ignored)
        .into_iter()
        .filter(|d| kind.existence || matches!(d, ObjectDiff::Different { .. }))
        .map(|d| finding(kind, d))
        .collect();
    let status = match policy {
        Policy::Warn => CheckStatus::Warn,
        _ => CheckStatus::Fail,
    };
    let mut check = Check::from_findings(
        findings,
        status,
        &format!("{} {} match", source.len(), kind.name.replace('_', " ")),
        &format!("{} difference(s)", kind.name.replace('_', " ")),
    );
    if check.status != CheckStatus::Pass {
        check.message = format!("{}; {}", check.message, kind.remedy);
    }
    check
}

fn finding(kind: &ObjectKind, diff: ObjectDiff) -> Finding {
    let object = format!("{} {}", kind.noun, diff.identity());
    match diff {
        ObjectDiff::Missing { source, .. } => {
            Finding::new(FindingKind::Missing, object).sides(Some(describe(&source)), None)
        }
        ObjectDiff::Extra { target, .. } => {
            Finding::new(FindingKind::Extra, object).sides(None, Some(describe(&target)))
        }
        ObjectDiff::Different {
            property,
            source,
            target,
            ..
        } => Finding::new(FindingKind::Different, object)
            .sides(source, target)
            .detail(property),
    }
}
