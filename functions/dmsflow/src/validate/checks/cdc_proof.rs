//! CDC proof: every key a `changes` burst touched is on the target exactly as
//! on the source (inserted, updated), or gone from both (deleted); and the row
//! counts the burst left, where the source has not moved on since.

use super::{DatabaseCheck, DatabaseContext};
use crate::contract::validate::FindingKind;
use crate::error::error_chain;
use crate::seed::{ChangesResult, TableChanges};
use crate::validate::catalog::{Catalog, TableInfo};
use crate::validate::data::fetch::{key_arrays, params};
use crate::validate::data::TablePlan;
use crate::validate::model::{Check, CheckStatus, Finding};
use crate::validate::rows::{at, ReadError};
use crate::validate::sides::Sides;
use std::collections::BTreeMap;

/// The burst given to `plan` arrived on the target exactly (only with a burst).
pub const CDC_PROOF: DatabaseCheck = DatabaseCheck {
    name: "cdc_proof",
    run: |cx| Box::pin(cdc_proof(cx)),
    store: |checks, check| checks.cdc_proof = Some(check),
};

/// What proving one table found.
#[derive(Default)]
struct Proof {
    findings: Vec<Finding>,
    errors: Vec<String>,
    checked: usize,
}

async fn cdc_proof(cx: &DatabaseContext<'_>) -> Option<Check> {
    let changes = cx.changes?;
    Some(prove(cx, changes).await)
}

async fn prove(cx: &DatabaseContext<'_>, changes: &ChangesResult) -> Check {
    let mut proof = Proof::default();
    for (table, keys) in &changes.tables {
        prove_table(cx, changes, table, keys, &mut proof).await;
    }
    if !proof.errors.is_empty() {
        return Check {
            status: CheckStatus::Error,
            message: proof.errors.join("; "),
            findings: proof.findings,
        };
    }
    Check::from_findings(
        proof.findings,
        CheckStatus::Fail,
        &format!(
            "all {} changed keys of the burst (seed {}) arrived exactly",
            proof.checked, changes.seed
        ),
        "changed keys did not arrive as written",
    )
}

fn burst_table<'a>(
    catalog: &'a Catalog,
    changes: &ChangesResult,
    table: &str,
    qualified: &str,
) -> Option<&'a TableInfo> {
    let bare = catalog.get(table).filter(|t| t.schema == changes.schema);
    bare.or_else(|| catalog.get(qualified))
}

async fn prove_table(
    cx: &DatabaseContext<'_>,
    changes: &ChangesResult,
    table: &str,
    keys: &TableChanges,
    proof: &mut Proof,
) {
    let object = format!("table {table}");
    // The burst names tables within its schema; the run may name them `schema.table`.
    let qualified = crate::validate::catalog::qualified_name(&changes.schema, table);
    let (Some(s), Some(t)) = (
        burst_table(cx.catalogs.source, changes, table, &qualified),
        burst_table(cx.catalogs.target, changes, table, &qualified),
    ) else {
        proof.findings.push(
            Finding::new(FindingKind::Missing, object)
                .detail("named by the changes, absent on a side"),
        );
        return;
    };
    let plan = TablePlan::new(s, t);
    let Some(key_len) = plan.key.as_ref().map(Vec::len) else {
        proof.findings.push(
            Finding::new(FindingKind::Different, object)
                .detail("no common primary key to check changes by"),
        );
        return;
    };
    let present: Vec<Vec<String>> = keys
        .inserted
        .iter()
        .chain(keys.updated.iter())
        .chain(keys.deleted.iter())
        .cloned()
        .collect();
    if present.iter().any(|k| k.len() != key_len) {
        proof.findings.push(
            Finding::new(FindingKind::Different, object)
                .detail("keys in the changes do not match the primary key"),
        );
        return;
    }
    proof.checked += present.len();
    let hashes = match hashes_by_key(cx, &plan, &present, key_len).await {
        Ok(h) => h,
        Err(e) => {
            proof.errors.push(error_chain(&e));
            return;
        }
    };
    proof
        .findings
        .extend(compare_keys(table, keys, &hashes.source, &hashes.target));
    if let Some(expected) = changes.expected_counts.get(table) {
        match counts(cx, &plan).await {
            Ok(c) if c.source == *expected && c.target != *expected => proof.findings.push(
                Finding::new(FindingKind::Different, format!("row count of {table}"))
                    .sides(Some(c.source.to_string()), Some(c.target.to_string()))
                    .detail(format!("{expected} expected after the burst")),
            ),
            Ok(_) => {}
            Err(e) => proof.errors.push(error_chain(&e)),
        }
    }
}

type HashByKey = BTreeMap<Vec<String>, i64>;

const HASHES_BY_KEY: &str = "row hashes by key";

/// Row hash per present key, on both sides at once.
async fn hashes_by_key(
    cx: &DatabaseContext<'_>,
    plan: &TablePlan,
    present: &[Vec<String>],
    key_len: usize,
) -> Result<Sides<HashByKey>, ReadError> {
    let sql = plan.hashes_by_key_query();
    let arrays = key_arrays(present, key_len);
    let context = format!("checking changed keys of {}", plan.name);
    let (sql, arrays, context) = (&sql, &arrays, &context);
    cx.sessions
        .try_both(|_, s| async move {
            let rows = s.query(sql, &params(arrays), context).await?;
            rows.iter()
                .map(|r| {
                    let key = (0..key_len)
                        .map(|i| at(r, HASHES_BY_KEY, i))
                        .collect::<Result<Vec<String>, _>>()?;
                    Ok((key, at(r, HASHES_BY_KEY, key_len)?))
                })
                .collect::<Result<HashByKey, ReadError>>()
        })
        .await
}

const ROW_COUNT: &str = "row count";

async fn counts(cx: &DatabaseContext<'_>, plan: &TablePlan) -> Result<Sides<i64>, ReadError> {
    let sql = &plan.count_query();
    cx.sessions
        .try_both(|_, s| async move {
            let row = s.query_one(sql, &[], "counting rows").await?;
            Ok(at(&row, ROW_COUNT, 0)?)
        })
        .await
}

/// Findings for the keys of one table, from both sides' row hashes.
fn compare_keys(
    table: &str,
    keys: &TableChanges,
    source: &HashByKey,
    target: &HashByKey,
) -> Vec<Finding> {
    let render = |k: &[String]| format!("{table} ({})", k.join(", "));
    let mut findings = Vec::new();
    for k in keys.inserted.iter().chain(keys.updated.iter()) {
        let found = match (source.get(k), target.get(k)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(_), Some(_)) => Some((
                FindingKind::Different,
                "changed on the source, not the same on the target",
            )),
            (Some(_), None) => Some((
                FindingKind::Missing,
                "written on the source, absent on the target",
            )),
            (None, Some(_)) => Some((
                FindingKind::Extra,
                "deleted since on the source, still on the target",
            )),
            (None, None) => None,
        };
        if let Some((kind, detail)) = found {
            findings.push(Finding::new(kind, render(k)).detail(detail));
        }
    }
    for k in &keys.deleted {
        let found = match (source.get(k), target.get(k)) {
            (None, Some(_)) => Some((
                FindingKind::NotDeleted,
                "deleted on the source, still on the target",
            )),
            (Some(a), Some(b)) if a != b => Some((
                FindingKind::Different,
                "re-inserted on the source, different on the target",
            )),
            (Some(_), None) => Some((
                FindingKind::Missing,
                "re-inserted on the source, absent on the target",
            )),
            _ => None,
        };
        if let Some((kind, detail)) = found {
            findings.push(Finding::new(kind, render(k)).detail(detail));
        }
    }
    findings
}
