//! The checks the validator runs, one file each, all of the same shape: a
//! check declares its name and where its verdict goes in the result, runs
//! against a context holding both sides (catalogs, sessions, the data pass)
//! and returns the model's [`Check`].
//!
//! Two scopes: [`DatabaseCheck`]s run once per `plan` (table set, enums,
//! replication slots, CDC proof); [`TableCheck`]s once per table or chunk
//! (columns, constraints, indexes, sequences, row counts, checksums, LOB
//! lengths). A check is a `const` of [`DatabaseCheck`] or [`TableCheck`]: a
//! new kind of check is one new file plus one line in
//! [`DATABASE_CHECKS`] or [`TABLE_CHECKS`] (and its field in the model).

pub mod all_sequences;
pub mod cdc_proof;
pub mod columns;
pub mod constraints;
pub mod data;
pub mod enums;
pub mod indexes;
pub mod lob_lengths;
pub mod objects;
pub mod replication_slots;
pub mod sequences;
pub mod table_set;

use super::catalog::{Catalog, TableInfo};
use super::data::{ChunkSums, TablePlan};
use super::model::{Check, PlanChecks, TableChecks};
use super::session::SideSessions;
use super::sides::{Side, Sides};
use super::ValidateOptions;
use crate::seed::ChangesResult;
use futures_util::future::BoxFuture;
use std::collections::BTreeSet;

/// What a database-level check sees.
#[derive(Debug)]
pub struct DatabaseContext<'a> {
    pub options: &'a ValidateOptions,
    /// Both sides' sessions, inside their snapshots.
    pub sessions: Sides<&'a SideSessions>,
    pub catalogs: Sides<&'a Catalog>,
    /// The tables asked for; `None` for every table.
    pub only: Option<&'a BTreeSet<String>>,
    /// The `changes` burst to prove, if any.
    pub changes: Option<&'a ChangesResult>,
}

/// A check over the whole database: a name, a run, and where its verdict goes.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseCheck {
    /// Its name in results and reports (the field of [`PlanChecks`] it fills).
    pub name: &'static str,
    /// The verdict; `None` when the check does not apply to this run.
    pub run: for<'a> fn(&'a DatabaseContext<'a>) -> BoxFuture<'a, Option<Check>>,
    /// Put the verdict in its place.
    pub store: fn(&mut PlanChecks, Check),
}

/// Every database-level check, in the order they run.
pub const DATABASE_CHECKS: &[DatabaseCheck] = &[
    table_set::TABLE_SET,
    enums::ENUMS,
    all_sequences::ALL_SEQUENCES,
    replication_slots::REPLICATION_SLOTS,
    cdc_proof::CDC_PROOF,
];

/// Database checks before any has run (each one replaces its own).
fn not_run() -> PlanChecks {
    PlanChecks {
        table_set: Check::skipped("not run"),
        enums: Check::skipped("not run"),
        sequences: Check::skipped("not run"),
        objects: Default::default(),
        replication_slots: Check::skipped("not run"),
        cdc_proof: None,
    }
}

/// Run every database-level check.
pub async fn run_database_checks(cx: &DatabaseContext<'_>) -> PlanChecks {
    let mut checks = not_run();
    for check in DATABASE_CHECKS {
        if let Some(verdict) = (check.run)(cx).await {
            (check.store)(&mut checks, verdict);
        }
    }
    checks.objects = objects::run_object_checks(cx).await;
    checks
}

/// What the data pass established for one table (or chunk).
#[derive(Debug)]
pub struct DataOutcome<'a> {
    pub plan: &'a TablePlan,
    /// Per chunk, both sides' sums of the last check.
    pub sums: Vec<&'a Sides<ChunkSums>>,
    /// Rows found different row by row.
    pub differing_rows: u64,
    /// Chunks whose sums still differ.
    pub mismatched_chunks: usize,
    pub rechecks: u32,
    /// Chunks that differed at first and matched on a re-check.
    pub settled: u32,
}

impl DataOutcome<'_> {
    /// One side's sums, chunk by chunk.
    pub fn sums_of(&self, side: Side) -> impl Iterator<Item = &ChunkSums> + '_ {
        self.sums.iter().map(move |s| s.get(side))
    }

    /// Rows over every chunk on one side.
    pub fn rows(&self, side: Side) -> i64 {
        self.sums_of(side).map(|s| s.rows).sum()
    }
}

/// What a table-level check sees.
#[derive(Debug)]
pub struct TableContext<'a> {
    pub options: &'a ValidateOptions,
    pub tables: Sides<&'a TableInfo>,
    pub sessions: Sides<&'a SideSessions>,
    /// The request is the whole table, not one chunk of a fan-out.
    pub whole_table: bool,
    /// The whole table or its chunk 0: the one that checks once-per-table things.
    pub first_chunk: bool,
    /// The data pass, or why it is not complete.
    pub data: Result<DataOutcome<'a>, String>,
}

/// What a table check reads, which decides when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The catalogs of the whole table: checked once per table (chunks after
    /// the first skip it).
    Catalogs,
    /// The data pass of this table or chunk: its error is the verdict when
    /// the pass is incomplete.
    Data,
    /// Both: once per table, and only with a complete data pass.
    CatalogsAndData,
}

impl Needs {
    fn data(self) -> bool {
        matches!(self, Needs::Data | Needs::CatalogsAndData)
    }

    fn once_per_table(self) -> bool {
        matches!(self, Needs::Catalogs | Needs::CatalogsAndData)
    }
}

/// A check over one table (or one chunk of one): a name, what it reads, a
/// run, and the field of the result its verdict goes in.
#[derive(Debug, Clone, Copy)]
pub struct TableCheck {
    /// Its name in results and reports (the field of [`TableChecks`] it fills).
    pub name: &'static str,
    pub needs: Needs,
    pub run: for<'a> fn(&'a TableContext<'a>) -> BoxFuture<'a, Check>,
    pub slot: fn(&mut TableChecks) -> &mut Check,
}

/// Every table-level check, in the order they run.
pub const TABLE_CHECKS: &[TableCheck] = &[
    columns::COLUMNS,
    constraints::CONSTRAINTS,
    indexes::INDEXES,
    data::ROW_COUNT,
    data::CHECKSUM,
    lob_lengths::LOB_LENGTHS,
    sequences::SEQUENCES,
];

/// Run every table-level check: a check that needs the data gets the pass's
/// error when it is incomplete; a once-per-table check is skipped by chunks
/// after the first.
pub async fn run_table_checks(cx: &TableContext<'_>) -> TableChecks {
    let mut checks = TableChecks::all_skipped("not compared");
    for check in TABLE_CHECKS {
        let verdict = match &cx.data {
            Err(cause) if check.needs.data() => Check::error(cause.clone()),
            _ if check.needs.once_per_table() && !cx.first_chunk => {
                Check::skipped("checked by chunk 0 of this table")
            }
            _ => (check.run)(cx).await,
        };
        *(check.slot)(&mut checks) = verdict;
    }
    checks
}

/// A catalog text as one side of a finding.
pub fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// A verdict that needs no waiting, as a check's future.
pub fn ready<'a, T: Send + 'a>(verdict: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(verdict))
}

/// The data pass of a check that needs it (the runner never calls such a
/// check without one; this turns "never" into a verdict, not a panic).
pub fn data_of<'c>(cx: &'c TableContext<'_>) -> Result<&'c DataOutcome<'c>, Check> {
    cx.data
        .as_ref()
        .map_err(|cause| Check::error(cause.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_check_fills_the_field_it_names() {
        let mut checks = TableChecks::all_skipped("untouched");
        for check in TABLE_CHECKS {
            *(check.slot)(&mut checks) = Check::pass(check.name);
        }
        for (name, check) in checks.iter() {
            assert_eq!(check.message, name, "field {name}");
        }
    }

    #[test]
    fn every_database_check_fills_the_field_it_names() {
        let mut checks = not_run();
        for check in DATABASE_CHECKS {
            (check.store)(&mut checks, Check::pass(check.name));
        }
        assert_eq!(checks.table_set.message, "table_set");
        assert_eq!(checks.enums.message, "enums");
        assert_eq!(checks.replication_slots.message, "replication_slots");
        assert_eq!(
            checks.cdc_proof.map(|c| c.message).as_deref(),
            Some("cdc_proof")
        );
    }
}
