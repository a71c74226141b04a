//! Row-level localisation of the chunks (or whole tables) whose sums still
//! differ: which rows, and column by column how.

use super::data::fetch::{rows_by_hash, rows_by_key};
use super::data::merge::{merge_keyed, merge_multiset, HashDiff, KeyDiffKind, KeyPart};
use super::data::render::{column_diffs, counted_row, row_diff};
use super::data::{Chunking, Conn, TablePlan};
use super::model::RowDiff;
use super::pool::on_pairs;
use super::rows::ReadError;
use super::session::{in_savepoint, SideSessions};
use super::sides::Sides;
use super::work::{ChunkIdx, JobId, TableError, TableIdx, WorkSet};
use super::{Progress, Validator};

/// One localisation job: a key-range chunk, or a whole block-range table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LocaliseJob {
    table: TableIdx,
    chunk: Option<ChunkIdx>,
}

/// Differences found: how many in all, the first few in detail, and every
/// differing key up to [`RECHECK_KEYS`] (keyed tables, for the re-checks).
type Found = (u64, Vec<RowDiff>, Vec<Vec<String>>);

/// Most differing keys of one localisation job kept for the live re-checks;
/// past it the rest stay counted as different.
pub const RECHECK_KEYS: usize = 10_000;

impl Validator {
    pub(super) async fn localise(
        &self,
        sessions: &Sides<SideSessions>,
        work: &mut WorkSet,
        pending: &[JobId],
    ) {
        let jobs = localise_jobs(work, pending);
        if jobs.is_empty() {
            return;
        }
        for job in &jobs {
            if let Some(p) = &work[job.table].plan {
                let n = jobs.iter().filter(|j| j.table == job.table).count();
                self.emit(Progress::RowLevel {
                    table: p.name.clone(),
                    chunks: n,
                });
            }
        }
        let keep = self.options.max_diffs;
        let live = self.options.mode == crate::contract::validate::ValidationMode::Live
            && self.options.rechecks > 0;
        let keep_keys = if live { keep.max(RECHECK_KEYS) } else { keep };
        let plans = work.plans();
        let outcomes = on_pairs(sessions, jobs.len(), |i, conns| {
            let job = jobs[i];
            let plans = &plans;
            async move {
                let plan = plans[job.table.0]?;
                let step = self.localise_one(conns, plan, job.chunk, keep_keys);
                // A failure rolls back on both connections, which go on.
                let (s, t) = (conns.source, conns.target);
                let step = in_savepoint(t.client, t.spec, step);
                Some(in_savepoint(s.client, s.spec, step).await)
            }
        })
        .await;
        for (job, outcome) in jobs.iter().zip(outcomes) {
            let w = &mut work[job.table];
            match outcome.flatten() {
                Some(Ok((count, diffs, keys))) => {
                    w.diff_count += count;
                    w.differing_keys.extend(keys);
                    for d in diffs {
                        if w.diffs.len() < keep_keys {
                            w.diffs.push(d);
                        }
                    }
                }
                Some(Err(e)) => w.fail(e.into()),
                None => w.fail(TableError::RowsNotCompared),
            }
        }
    }

    async fn localise_one(
        &self,
        conns: Sides<Conn<'_>>,
        plan: &TablePlan,
        chunk: Option<ChunkIdx>,
        keep: usize,
    ) -> Result<Found, ReadError> {
        if plan.key.is_none() {
            let (count, found) = merge_multiset(conns, plan, keep).await?;
            let diffs = self.describe_keyless(conns, plan, found).await?;
            return Ok((count, diffs, Vec::new()));
        }
        let (count, keys) = merge_keyed(conns, plan, chunk.map(|c| c.0), keep).await?;
        let all_keys: Vec<Vec<String>> = keys
            .iter()
            .map(|k| k.key.iter().map(KeyPart::render).collect())
            .collect();
        let changed: Vec<Vec<String>> = keys
            .iter()
            .filter(|k| k.kind == KeyDiffKind::Changed)
            .map(|k| k.key.iter().map(KeyPart::render).collect())
            .collect();
        let rows = rows_by_key(conns, plan, &changed).await?;
        let masked = |c: &str| self.masked(c);
        let diffs = keys
            .into_iter()
            .map(|k| {
                let key: Vec<String> = k.key.iter().map(KeyPart::render).collect();
                let columns = if k.kind == KeyDiffKind::Changed {
                    let values = rows.as_ref().map(|side| {
                        side.iter()
                            .find(|(x, _)| *x == key)
                            .map(|(_, v)| v.as_slice())
                            .unwrap_or_default()
                    });
                    column_diffs(plan, values.source, values.target, &masked)
                } else {
                    Vec::new()
                };
                row_diff(key, k.kind.into(), columns)
            })
            .collect();
        Ok((count, diffs, all_keys))
    }

    /// Rows of a key-less table present a different number of times per side,
    /// shown by one sample of their values.
    async fn describe_keyless(
        &self,
        conns: Sides<Conn<'_>>,
        plan: &TablePlan,
        found: Vec<HashDiff>,
    ) -> Result<Vec<RowDiff>, ReadError> {
        let hashes: Vec<i64> = found.iter().map(|d| d.hash).collect();
        let rows = rows_by_hash(conns, plan, &hashes).await?;
        Ok(found
            .into_iter()
            .map(|d| {
                let values = rows
                    .source
                    .iter()
                    .chain(rows.target.iter())
                    .find(|(x, _)| *x == d.hash)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                counted_row(plan, values, d.counts, &|c: &str| self.masked(c))
            })
            .collect())
    }
}

/// Ctid tables are localised as a whole; key-range tables per chunk.
fn localise_jobs(work: &WorkSet, pending: &[JobId]) -> Vec<LocaliseJob> {
    let mut jobs: Vec<LocaliseJob> = Vec::new();
    for job in pending {
        let Some(plan) = &work[job.table].plan else {
            continue;
        };
        match plan.chunking {
            Chunking::KeyRange { .. } => jobs.push(LocaliseJob {
                table: job.table,
                chunk: Some(job.chunk),
            }),
            Chunking::Ctid(_) => {
                if !jobs.iter().any(|j| j.table == job.table) {
                    jobs.push(LocaliseJob {
                        table: job.table,
                        chunk: None,
                    });
                }
            }
        }
    }
    jobs
}
