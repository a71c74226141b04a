//! Every sequence of the schema, owned by a column or not: the same set on
//! both sides with the same definitions (type, start, increment, bounds,
//! cache, cycle), and for a sequence no column draws from, the same value.
//! (A sequence a column draws from — serial, identity or `DEFAULT nextval` —
//! is judged with its table, against that column's maximum.)

use super::{DatabaseCheck, DatabaseContext};
use crate::contract::validate::FindingKind;
use crate::error::error_chain;
use crate::sequence_catalog::{self, SequenceRow};
use crate::validate::model::{Check, CheckStatus, Finding};
use crate::validate::SequencePolicy;
use std::collections::BTreeMap;

pub const ALL_SEQUENCES: DatabaseCheck = DatabaseCheck {
    name: "sequences",
    run: |cx| Box::pin(async move { Some(all_sequences(cx).await) }),
    store: |checks, check| checks.sequences = check,
};

async fn all_sequences(cx: &DatabaseContext<'_>) -> Check {
    let schemas = &cx.catalogs.source.schemas;
    let (source, target) = tokio::join!(
        sequence_catalog::read(&cx.sessions.source.lead, schemas),
        sequence_catalog::read(&cx.sessions.target.lead, schemas)
    );
    let (source, target) = match (source, target) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) => return Check::error(format!("source: {}", error_chain(&e))),
        (_, Err(e)) => return Check::error(format!("target: {}", error_chain(&e))),
    };
    let (mut findings, value_findings) = compare(&source, &target);
    // A definition difference always fails; a value difference of a sequence
    // no column uses follows the sequence policy (it lags until cut-over).
    let status = match (findings.is_empty(), cx.options.sequence_policy) {
        (true, SequencePolicy::Warn) => CheckStatus::Warn,
        _ => CheckStatus::Fail,
    };
    findings.extend(value_findings);
    Check::from_findings(
        findings,
        status,
        &format!("{} sequence(s) match", source.len()),
        "sequence difference(s)",
    )
}

/// Definition differences (always failures) and value differences of
/// sequences no column draws from (judged by the sequence policy).
pub fn compare(source: &[SequenceRow], target: &[SequenceRow]) -> (Vec<Finding>, Vec<Finding>) {
    let by_name = |rows: &[SequenceRow]| -> BTreeMap<String, SequenceRow> {
        rows.iter().map(|r| (r.qualified(), r.clone())).collect()
    };
    let (src, tgt) = (by_name(source), by_name(target));
    let (mut definitions, mut values) = (Vec::new(), Vec::new());
    for (name, s) in &src {
        let object = format!("sequence {name}");
        let Some(t) = tgt.get(name) else {
            definitions.push(Finding::new(FindingKind::Missing, object).detail(
                "create it on the target (pg_dump --section=pre-data), then sync-sequences",
            ));
            continue;
        };
        let (sd, td) = (s.definition(), t.definition());
        for (property, value) in &sd {
            if td.get(property) != Some(value) {
                definitions.push(
                    Finding::new(FindingKind::Different, object.clone())
                        .sides(Some(value.clone()), td.get(property).cloned())
                        .detail(*property),
                );
            }
        }
        if s.used_by.is_empty() && s.last_value != t.last_value {
            let render =
                |v: Option<i64>| Some(v.map_or("never used".to_owned(), |x| x.to_string()));
            values.push(
                Finding::new(FindingKind::Different, object)
                    .sides(render(s.last_value), render(t.last_value))
                    .detail(
                        "value (no column draws from it); set it at cut-over with sync-sequences",
                    ),
            );
        }
    }
    for name in tgt.keys().filter(|n| !src.contains_key(*n)) {
        definitions.push(Finding::new(FindingKind::Extra, format!("sequence {name}")));
    }
    (definitions, values)
}
