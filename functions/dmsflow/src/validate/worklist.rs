//! `plan`: the database-level checks and the list of work items (a table, or
//! a key range of a large one) for the state machine's Map.

use super::catalog::{Catalog, TableInfo};
use super::checks::{run_database_checks, DatabaseContext};
use super::data::fetch::key_bounds;
use super::data::{key_ranges, TablePlan};
use super::model::{ChunkSpec, PlanResult, WorkItem};
use super::session::SideSessions;
use super::sides::Sides;
use super::{ValidateError, Validator};
use crate::contract::validate::WorkAction;
use crate::seed::ChangesResult;
use std::collections::BTreeSet;

impl Validator {
    pub(super) async fn plan_in(
        &self,
        sessions: &Sides<SideSessions>,
        tables: Option<&[String]>,
        changes: Option<&ChangesResult>,
    ) -> Result<PlanResult, ValidateError> {
        let catalogs = self.catalogs(sessions).await?;
        let only: Option<BTreeSet<String>> = match tables {
            Some(names) => Some(self.resolve(names, &catalogs)?.into_iter().collect()),
            None => None,
        };
        let checks = run_database_checks(&DatabaseContext {
            options: &self.options,
            sessions: sessions.as_ref(),
            catalogs: catalogs.as_ref(),
            only: only.as_ref(),
            changes,
        })
        .await;
        let mut work = Vec::new();
        let mut estimate = 0i64;
        for name in table_names(&catalogs, only.as_ref()) {
            let (Some(s), Some(t)) = (catalogs.source.get(&name), catalogs.target.get(&name))
            else {
                work.push(whole_table(name));
                continue;
            };
            estimate += estimate_rows(s) as i64;
            work.extend(self.work_items(sessions, name, Sides::new(s, t)).await?);
        }
        if work.is_empty() {
            return Err(ValidateError::NothingToCompare {
                schema: catalogs.source.schemas.join(", "),
                what: if only.is_some() {
                    "the selection names no table"
                } else {
                    "the selected schemas have no table on either side"
                },
            });
        }
        // Largest first, so a Map with limited concurrency finishes sooner.
        let size = |w: &WorkItem| {
            catalogs
                .source
                .tables
                .get(&w.table)
                .map_or(0.0, estimate_rows_f)
        };
        work.sort_by(|a, b| size(b).total_cmp(&size(a)).then(a.table.cmp(&b.table)));
        Ok(PlanResult {
            status: checks.status(),
            schemas: catalogs.source.schemas.clone(),
            checks,
            work,
            source_rows_estimate: estimate,
            seconds: 0.0,
        })
    }

    /// One item for a table, or one per key range when it is larger than
    /// `max_rows_per_item` and has an integer leading key.
    async fn work_items(
        &self,
        sessions: &Sides<SideSessions>,
        name: String,
        info: Sides<&TableInfo>,
    ) -> Result<Vec<WorkItem>, ValidateError> {
        let rows = estimate_rows(info.source).max(estimate_rows(info.target));
        let plan = TablePlan::new(info.source, info.target);
        let pieces = rows.div_ceil(self.options.max_rows_per_item.max(1)).max(1);
        let Some(column) = plan.range_column().filter(|_| pieces > 1) else {
            return Ok(vec![whole_table(name)]);
        };
        let (lo, hi) = key_bounds(sessions.as_ref(), &plan, column).await?;
        let ranges = key_ranges(lo, hi, usize::try_from(pieces).unwrap_or(1));
        let count = u32::try_from(ranges.len()).unwrap_or(u32::MAX);
        Ok(ranges
            .into_iter()
            .enumerate()
            .map(|(i, (lower, upper))| WorkItem {
                action: WorkAction::Table,
                table: name.clone(),
                chunk: Some(ChunkSpec {
                    index: u32::try_from(i).unwrap_or(0),
                    count,
                    key_column: column.to_owned(),
                    lower,
                    upper,
                }),
            })
            .collect())
    }
}

/// A work item for a whole table.
pub(super) fn whole_table(table: String) -> WorkItem {
    WorkItem {
        action: WorkAction::Table,
        table,
        chunk: None,
    }
}

/// Source tables, then those only on the target, limited to `only`.
fn table_names(catalogs: &Sides<Catalog>, only: Option<&BTreeSet<String>>) -> Vec<String> {
    let mut names: Vec<String> = catalogs.source.tables.keys().cloned().collect();
    for extra in catalogs.target.tables.keys() {
        if !names.contains(extra) {
            names.push(extra.clone());
        }
    }
    match only {
        // Partitions are compared at their root unless asked for by name.
        Some(only) => only.iter().cloned().collect(),
        None => names,
    }
}

pub(super) fn estimate_rows_f(t: &TableInfo) -> f64 {
    if t.row_estimate > 0.0 {
        t.row_estimate
    } else {
        // Never analyzed: assume ~60 rows per 8 kB block.
        t.blocks as f64 * 60.0
    }
}

pub(super) fn estimate_rows(t: &TableInfo) -> u64 {
    estimate_rows_f(t).max(0.0) as u64
}
