//! `validate`: tables (or chunks of tables) through the data pass — chunk
//! checksums on both sides at once, re-checks of what differs after a settle
//! delay, row-level localisation — and then every table check.

use super::catalog::{Catalog, TableInfo};
use super::checks::{run_table_checks, DataOutcome, TableContext};
use super::data::fetch::{checksum_both, key_bounds};
use super::data::{block_ranges, key_ranges, Chunking, TablePlan};
use super::hashing::{first_user_code, user_code};
use super::model::{
    Check, CheckStatus, Differences, Finding, Status, TableChecks, TableResult, TablesResult,
};
use super::pool::on_pairs;
use super::session::SideSessions;
use super::sides::{Side, Sides};
use super::work::{JobId, TableError, TableWork, WorkSet};
use super::worklist::estimate_rows;
use super::{Progress, TableRequest, ValidateError, Validator};
use crate::contract::validate::{FindingKind, ValidationMode};
use crate::error::error_chain;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

impl Validator {
    pub(super) async fn validate_in(
        &self,
        sessions: &mut Sides<SideSessions>,
        requests: &[TableRequest],
    ) -> Result<TablesResult, ValidateError> {
        let catalogs = self.catalogs(sessions).await?;
        let asked: Vec<String> = requests.iter().map(|r| r.table.clone()).collect();
        let requests: Vec<TableRequest> = self
            .resolve(&asked, &catalogs)?
            .into_iter()
            .zip(requests)
            .map(|(table, r)| TableRequest {
                table,
                chunk: r.chunk.clone(),
            })
            .collect();
        let requests = &requests[..];
        let user_code = user_code(sessions.as_ref(), &catalogs.source.schemas).await?;

        // 1. Per table: a plan, or a result already (missing table, no access,
        // a column that only user code could compare).
        let mut work = WorkSet::default();
        for request in requests {
            let mut w = self.start_table(sessions, &catalogs, request).await;
            let found = w
                .plan
                .as_ref()
                .and_then(|p| first_user_code(&user_code, &p.schema, &p.relname, &p.columns));
            if let Some((side, code)) = found {
                w.fail(TableError::UserCode {
                    side,
                    code: code.clone(),
                });
            }
            work.0.push(w);
        }

        // 2. Checksums of every chunk, both sides at once.
        let jobs = work.all_jobs();
        self.emit(Progress::Planned {
            tables: work.len(),
            chunks: jobs.len(),
        });
        self.run_checksums(sessions, &mut work, &jobs).await;

        // 3. Live mode, key-less tables: re-check differing chunks after a
        // settle delay, in a fresh snapshot (no key to re-read rows by).
        let live = self.options.mode == ValidationMode::Live;
        if live {
            self.recheck(sessions, &mut work).await;
        }

        // 4. Localise what still differs, row by row; in live mode re-check
        // those rows by key at source WAL positions (`recheck`).
        let pending = work.mismatched_jobs();
        self.localise(sessions, &mut work, &pending).await;
        if live {
            self.recheck_keys(&mut work).await;
        }
        // Details were kept for every key the re-checks might clear; the
        // result keeps the first few that are left.
        for w in &mut work.0 {
            w.diffs.truncate(self.options.max_diffs);
        }

        // 5. Every table check, and the per-table results.
        let mut results = Vec::new();
        let mut rows_compared = 0i64;
        for mut w in work.0 {
            let result = match w.decided.take() {
                Some(decided) => decided,
                None => {
                    let r = self.finish_table(sessions, &catalogs, w).await;
                    rows_compared += r.source_rows.unwrap_or(0).max(r.target_rows.unwrap_or(0));
                    r
                }
            };
            self.emit(Progress::TableDone {
                table: result.table.clone(),
                status: result.status,
            });
            results.push(result);
        }
        let status = results
            .iter()
            .map(|r| r.status)
            .fold(Status::Identical, Status::worst);
        let unverified_rows = results.iter().map(|r| r.unverified.count).sum();
        Ok(TablesResult {
            status,
            schemas: catalogs.source.schemas.clone(),
            tables: results,
            rows_compared,
            seconds: 0.0,
            mode: self.options.mode,
            unverified_rows,
        })
    }

    /// A table's working state: a plan to compare its data by, an error (no
    /// access, a chunk that does not fit), or its result already (missing).
    async fn start_table(
        &self,
        sessions: &Sides<SideSessions>,
        catalogs: &Sides<Catalog>,
        request: &TableRequest,
    ) -> TableWork {
        let mut w = TableWork::new(request.clone());
        let found = (
            catalogs.source.get(&request.table),
            catalogs.target.get(&request.table),
        );
        match found {
            (Some(s), Some(t)) if s.can_select && t.can_select => {
                match self.table_plan(sessions, Sides::new(s, t), request).await {
                    Ok(plan) => {
                        w.sums = vec![None; plan.chunking.len()];
                        w.plan = Some(plan);
                    }
                    Err(e) => w.fail(e),
                }
            }
            (Some(s), Some(_)) => w.fail(TableError::NoSelect {
                table: request.table.clone(),
                side: if s.can_select {
                    Side::Target
                } else {
                    Side::Source
                },
            }),
            (s, _) => w.decided = Some(missing_table(request, s.is_some())),
        }
        w
    }

    async fn table_plan(
        &self,
        sessions: &Sides<SideSessions>,
        info: Sides<&TableInfo>,
        request: &TableRequest,
    ) -> Result<TablePlan, TableError> {
        let mut plan = TablePlan::new(info.source, info.target);
        let mut rows = estimate_rows(info.source).max(estimate_rows(info.target));
        if let Some(chunk) = &request.chunk {
            if plan.range_column() != Some(chunk.key_column.as_str()) {
                return Err(TableError::ChunkKey {
                    index: chunk.index,
                    key_column: chunk.key_column.clone(),
                    table: plan.name.clone(),
                });
            }
            plan.restrict = Some((chunk.key_column.clone(), chunk.lower, chunk.upper));
            rows = rows.div_ceil(u64::from(chunk.count.max(1)));
        }
        let n = usize::try_from(rows.div_ceil(self.options.chunk_rows.max(1)).max(1)).unwrap_or(1);
        plan.chunking = match plan.range_column().map(str::to_owned) {
            Some(column) => {
                let (mut lo, mut hi) = key_bounds(sessions.as_ref(), &plan, &column).await?;
                if let Some((_, lower, upper)) = &plan.restrict {
                    if let Some(l) = lower {
                        lo = lo.max(*l);
                    }
                    if let Some(u) = upper {
                        hi = hi.min(u.saturating_sub(1));
                    }
                }
                Chunking::KeyRange {
                    column,
                    ranges: key_ranges(lo, hi, n),
                }
            }
            None => Chunking::Ctid(paired_block_ranges(info.map(|t| t.blocks), n)),
        };
        Ok(plan)
    }

    /// Run checksum jobs on the worker pairs (a shared queue, largest tables first).
    async fn run_checksums(
        &self,
        sessions: &Sides<SideSessions>,
        work: &mut WorkSet,
        jobs: &[JobId],
    ) {
        let plans = work.plans();
        let done: Vec<Mutex<usize>> = plans.iter().map(|_| Mutex::new(0)).collect();
        let outcomes = on_pairs(sessions, jobs.len(), |i, conns| {
            let job = jobs[i];
            let (plans, done) = (&plans, &done);
            async move {
                let plan = plans[job.table.0]?;
                let sums = checksum_both(conns, plan, job.chunk.0).await;
                let finished = {
                    let mut d = done[job.table.0].lock().unwrap_or_else(|p| p.into_inner());
                    *d += 1;
                    *d
                };
                self.emit(Progress::ChunkDone {
                    table: plan.name.clone(),
                    done: finished,
                    total: plan.chunking.len(),
                });
                Some(sums)
            }
        })
        .await;
        for (job, outcome) in jobs.iter().zip(outcomes) {
            let w = &mut work[job.table];
            match outcome.flatten() {
                Some(Ok(sums)) => w.sums[job.chunk.0] = Some(sums),
                Some(Err(e)) => w.fail(e.into()),
                None => w.fail(TableError::ChunkNotChecked),
            }
        }
    }

    /// Re-check the chunks that differ, after a settle delay and in a fresh
    /// snapshot, until they match or the re-checks run out.
    async fn recheck(&self, sessions: &mut Sides<SideSessions>, work: &mut WorkSet) {
        let mut round = 0;
        loop {
            // Keyed tables are re-checked row by row instead.
            let pending: Vec<JobId> = work
                .mismatched_jobs()
                .into_iter()
                .filter(|j| work[j.table].plan.as_ref().is_some_and(|p| p.key.is_none()))
                .collect();
            if pending.is_empty() || round >= self.options.rechecks {
                break;
            }
            round += 1;
            self.emit(Progress::Recheck {
                round,
                chunks: pending.len(),
                settle: self.options.settle,
            });
            tokio::time::sleep(self.options.settle).await;
            if let Err(e) = sessions.try_both_mut(|_, s| s.refresh()).await {
                let cause = Arc::new(e);
                for job in &pending {
                    work[job.table].fail(TableError::Snapshot(cause.clone()));
                }
                break;
            }
            let before: BTreeSet<JobId> = pending.iter().copied().collect();
            for job in &pending {
                work[job.table].rechecks = round;
            }
            self.run_checksums(sessions, work, &pending).await;
            let after: BTreeSet<JobId> = work.mismatched_jobs().into_iter().collect();
            for job in before.difference(&after) {
                work[job.table].settled += 1;
            }
        }
    }

    /// Turn a table's working state into its result: every table check over
    /// its catalogs and its data pass.
    async fn finish_table(
        &self,
        sessions: &Sides<SideSessions>,
        catalogs: &Sides<Catalog>,
        mut w: TableWork,
    ) -> TableResult {
        let table = &w.request.table;
        let (Some(s), Some(t)) = (catalogs.source.get(table), catalogs.target.get(table)) else {
            w.error = Some(TableError::Vanished);
            return error_result(w);
        };
        let seconds = w.started.elapsed().as_secs_f64();
        let cause = w.error.as_ref().map(|e| error_chain(e));
        let complete = cause.is_none() && w.sums.iter().all(Option::is_some);
        // Chunks whose every differing row the re-checks explained count as
        // matched (in flight), or as unverified (hot rows).
        let mismatched = w.mismatched_chunks().len();
        if w.resolved && w.unverified.count == 0 {
            w.settled += u32::try_from(mismatched).unwrap_or(u32::MAX);
        }
        let data = match (&w.plan, complete) {
            (Some(plan), true) => Ok(DataOutcome {
                plan,
                sums: w.sums.iter().flatten().collect(),
                differing_rows: w.diff_count,
                mismatched_chunks: if w.resolved { 0 } else { mismatched },
                rechecks: w.rechecks,
                settled: w.settled,
            }),
            _ => Err(cause.clone().unwrap_or_else(|| "incomplete".into())),
        };
        let rows = data
            .as_ref()
            .ok()
            .map(|d| (d.rows(Side::Source), d.rows(Side::Target)));
        let cx = TableContext {
            options: &self.options,
            tables: Sides::new(s, t),
            sessions: sessions.as_ref(),
            whole_table: w.request.chunk.is_none(),
            first_chunk: w.request.chunk.as_ref().is_none_or(|c| c.index == 0),
            data,
        };
        let mut checks = run_table_checks(&cx).await;
        if w.resolved {
            explain_rechecks(&mut checks, &w);
        }
        let status = if cause.is_some() {
            Status::Error
        } else if w.unverified.count > 0 {
            checks.status().worst(Status::Unverified)
        } else {
            checks.status()
        };
        TableResult {
            table: w.request.table.clone(),
            chunk: w.request.chunk.clone(),
            status,
            source_rows: rows.map(|r| r.0),
            target_rows: rows.map(|r| r.1),
            checks,
            differences: Differences {
                count: w.diff_count,
                sample: w.diffs,
            },
            rechecks: w.rechecks,
            settled_chunks: w.settled,
            error: cause,
            seconds,
            unverified: w.unverified,
            recheck: w.recheck,
        }
    }
}

/// Every row that differed was explained by the key re-checks: the row count
/// (taken in the snapshot, rows in flight included) and the checksum say so.
fn explain_rechecks(checks: &mut TableChecks, w: &TableWork) {
    let settled = w.recheck.as_ref().map_or(0, |r| r.settled_rows);
    let basis = w
        .recheck
        .as_ref()
        .map_or_else(String::new, |r| format!(" ({})", r.note));
    if checks.row_count.status == CheckStatus::Fail {
        checks.row_count = Check {
            status: CheckStatus::Pass,
            message: format!(
                "{}; the rows behind the difference were in flight or still changing and were re-checked one by one",
                checks.row_count.message
            ),
            findings: Vec::new(),
        };
    }
    if checks.checksum.status == CheckStatus::Pass {
        let mut message = format!(
            "no row differs: {settled} row(s) differed while in flight and matched on re-check"
        );
        if w.unverified.count > 0 {
            checks.checksum.status = CheckStatus::Warn;
            message = format!(
                "no row found different, but {} row(s) unverified ({}); {settled} row(s) settled",
                w.unverified.count,
                w.unverified.reason.as_deref().unwrap_or("hot")
            );
        }
        checks.checksum.message = format!("{message}{basis}");
    }
}

/// Refuse requests that cannot be compared before connecting: none at all
/// (nothing would be compared, and an empty result must not read as
/// identical), or a chunk that is forged or malformed (an empty key range, an
/// index outside its count), which would compare no rows and pass.
pub(super) fn check_requests(schema: &str, requests: &[TableRequest]) -> Result<(), ValidateError> {
    if requests.is_empty() {
        return Err(ValidateError::NothingToCompare {
            schema: schema.to_owned(),
            what: "no table was requested",
        });
    }
    for request in requests {
        let Some(chunk) = &request.chunk else {
            continue;
        };
        let bad = |reason: String| ValidateError::BadChunk {
            table: request.table.clone(),
            index: chunk.index,
            reason,
        };
        if chunk.count == 0 || chunk.index >= chunk.count {
            return Err(bad(format!(
                "index {} is outside its count {}",
                chunk.index, chunk.count
            )));
        }
        if let (Some(lower), Some(upper)) = (chunk.lower, chunk.upper) {
            if lower >= upper {
                return Err(bad(format!(
                    "its key range [{lower}, {upper}) of {} is empty (lower must be below upper)",
                    chunk.key_column
                )));
            }
        }
    }
    Ok(())
}

/// Block ranges per side, as many on both so chunk jobs pair up (a side with
/// fewer blocks gets empty ranges past its end).
fn paired_block_ranges(blocks: Sides<i64>, n: usize) -> Sides<Vec<(i64, Option<i64>)>> {
    let n = block_ranges(blocks.source, n)
        .len()
        .max(block_ranges(blocks.target, n).len());
    blocks.map(|b| {
        let mut ranges = block_ranges(b, n);
        while ranges.len() < n {
            ranges.push((i64::MAX, Some(i64::MAX)));
        }
        ranges
    })
}

/// The result of a table that exists on one side only.
fn missing_table(request: &TableRequest, on_source: bool) -> TableResult {
    let (kind, detail) = if on_source {
        (
            FindingKind::Missing,
            "the table does not exist on the target",
        )
    } else {
        (FindingKind::Extra, "the table exists only on the target")
    };
    let mut checks = TableChecks::all_skipped("table missing on one side");
    checks.columns = Check {
        status: CheckStatus::Fail,
        message: detail.into(),
        findings: vec![Finding::new(kind, format!("table {}", request.table))],
    };
    TableResult {
        table: request.table.clone(),
        chunk: request.chunk.clone(),
        status: Status::Different,
        source_rows: None,
        target_rows: None,
        checks,
        differences: Differences::default(),
        rechecks: 0,
        settled_chunks: 0,
        error: None,
        seconds: 0.0,
        unverified: Default::default(),
        recheck: None,
    }
}

/// A table that could not be compared at all.
fn error_result(w: TableWork) -> TableResult {
    let seconds = w.started.elapsed().as_secs_f64();
    let cause = w
        .error
        .as_ref()
        .map_or_else(String::new, |e| error_chain(e));
    TableResult {
        table: w.request.table,
        chunk: w.request.chunk,
        status: Status::Error,
        source_rows: None,
        target_rows: None,
        checks: TableChecks::all_skipped(&cause),
        differences: Differences::default(),
        rechecks: w.rechecks,
        settled_chunks: w.settled,
        error: Some(cause),
        seconds,
        unverified: w.unverified,
        recheck: w.recheck,
    }
}
