//! Per-table working state of a `validate` run, addressed by typed ids.

use super::data::{ChunkSums, Chunking, TablePlan};
use super::model::{RowDiff, TableResult};
use super::rows::ReadError;
use super::sides::{Side, Sides};
use super::TableRequest;
use crate::contract::validate::{RecheckSummary, Unverified};
use std::ops::{Index, IndexMut};
use std::sync::Arc;
use std::time::Instant;

/// A table of the run (its position in the request list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableIdx(pub usize);

/// A checksum chunk of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChunkIdx(pub usize);

/// One checksum job: a chunk of a table, both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId {
    pub table: TableIdx,
    pub chunk: ChunkIdx,
}

/// Why a table could not be fully compared (its result's `error`).
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("permission denied: this role may not SELECT from {table} on the {}", .side.as_str())]
    NoSelect { table: String, side: Side },
    #[error("chunk {index} names key column {key_column}, but {table} has no integer primary key led by it")]
    ChunkKey {
        index: u32,
        key_column: String,
        table: String,
    },
    #[error("{} (on the {}); it is not compared, so the table cannot pass", .code.describe(), .side.as_str())]
    UserCode {
        side: Side,
        code: super::hashing::UserCode,
    },
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A fresh snapshot for the re-checks could not be taken (shared by every
    /// table that was waiting for it).
    #[error(transparent)]
    Snapshot(Arc<ReadError>),
    /// The live re-checks of differing rows could not read (shared by every
    /// table they were re-checking).
    #[error("re-checking differing rows: {0}")]
    Recheck(#[source] Arc<ReadError>),
    #[error("chunk was not checked")]
    ChunkNotChecked,
    #[error("rows were not compared")]
    RowsNotCompared,
    #[error("table vanished during the run")]
    Vanished,
}

/// One table (or chunk of one) during a run.
#[derive(Debug)]
pub struct TableWork {
    pub request: TableRequest,
    /// How its data is compared; `None` when decided without reading data.
    pub plan: Option<TablePlan>,
    /// Decided before any data was read (the table is missing on one side).
    pub decided: Option<TableResult>,
    /// Per chunk: both sides' sums of the latest check.
    pub sums: Vec<Option<Sides<ChunkSums>>>,
    /// The first thing that went wrong; later ones are not kept.
    pub error: Option<TableError>,
    pub rechecks: u32,
    pub settled: u32,
    pub diff_count: u64,
    pub diffs: Vec<RowDiff>,
    /// Every differing key the row pass found (up to a cap), for re-checks.
    pub differing_keys: Vec<Vec<String>>,
    /// Rows still changing through every re-check.
    pub unverified: Unverified,
    /// How the differing rows were re-checked.
    pub recheck: Option<RecheckSummary>,
    /// Every row that differed was explained by the re-checks (in flight or
    /// hot): the chunk sums' mismatch is accounted for.
    pub resolved: bool,
    pub started: Instant,
}

impl TableWork {
    pub fn new(request: TableRequest) -> TableWork {
        TableWork {
            request,
            plan: None,
            decided: None,
            sums: Vec::new(),
            error: None,
            rechecks: 0,
            settled: 0,
            diff_count: 0,
            diffs: Vec::new(),
            differing_keys: Vec::new(),
            unverified: Unverified::default(),
            recheck: None,
            resolved: false,
            started: Instant::now(),
        }
    }

    /// Keep the first error only.
    pub fn fail(&mut self, error: TableError) {
        self.error.get_or_insert(error);
    }

    /// Chunks whose source and target sums differ: per chunk for key ranges,
    /// every chunk of the table for block ranges (only totals compare there).
    pub fn mismatched_chunks(&self) -> Vec<ChunkIdx> {
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        match plan.chunking {
            Chunking::KeyRange { .. } => self
                .sums
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    matches!(s, Some(s) if s.source.rows != s.target.rows
                        || s.source.hash_sum != s.target.hash_sum)
                })
                .map(|(i, _)| ChunkIdx(i))
                .collect(),
            Chunking::Ctid(_) => {
                if self.sums.iter().any(Option::is_none) || self.totals_agree() {
                    Vec::new()
                } else {
                    (0..self.sums.len()).map(ChunkIdx).collect()
                }
            }
        }
    }

    /// Table totals (rows, hash sum) equal on both sides.
    fn totals_agree(&self) -> bool {
        let (mut rows, mut sums) = (Sides::new(0i64, 0i64), Sides::new(0i128, 0i128));
        for s in self.sums.iter().flatten() {
            rows.source += s.source.rows;
            rows.target += s.target.rows;
            // Sums of 64-bit hashes fit i128 by far; if one ever did not
            // parse, treat it as a difference, never as a match.
            match (
                s.source.hash_sum.parse::<i128>(),
                s.target.hash_sum.parse::<i128>(),
            ) {
                (Ok(x), Ok(y)) => {
                    sums.source += x;
                    sums.target += y;
                }
                _ => return false,
            }
        }
        rows.agree() && sums.agree()
    }
}

/// Every table of a run.
#[derive(Debug, Default)]
pub struct WorkSet(pub Vec<TableWork>);

impl WorkSet {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (TableIdx, &TableWork)> {
        self.0.iter().enumerate().map(|(i, w)| (TableIdx(i), w))
    }

    /// Every chunk of every table that has data to compare.
    pub fn all_jobs(&self) -> Vec<JobId> {
        let mut jobs = Vec::new();
        for (table, w) in self.iter() {
            if let (Some(plan), None) = (&w.plan, &w.error) {
                jobs.extend((0..plan.chunking.len()).map(|c| JobId {
                    table,
                    chunk: ChunkIdx(c),
                }));
            }
        }
        jobs
    }

    /// The jobs whose sums differ, of tables without an error.
    pub fn mismatched_jobs(&self) -> Vec<JobId> {
        let mut jobs = Vec::new();
        for (table, w) in self.iter() {
            if w.error.is_none() {
                jobs.extend(
                    w.mismatched_chunks()
                        .into_iter()
                        .map(|chunk| JobId { table, chunk }),
                );
            }
        }
        jobs
    }

    /// The plans, by table, for jobs that run while the set is borrowed.
    pub fn plans(&self) -> Vec<Option<&TablePlan>> {
        self.0.iter().map(|w| w.plan.as_ref()).collect()
    }
}

impl Index<TableIdx> for WorkSet {
    type Output = TableWork;
    fn index(&self, i: TableIdx) -> &TableWork {
        &self.0[i.0]
    }
}

impl IndexMut<TableIdx> for WorkSet {
    fn index_mut(&mut self, i: TableIdx) -> &mut TableWork {
        &mut self.0[i.0]
    }
}
