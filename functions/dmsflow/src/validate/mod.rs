//! `validate-tables`: prove the target is identical — exact, fast, read-only.
//!
//! Per table: columns, constraints, indexes, sequences, row counts, a full-row
//! checksum of every row, LOB lengths. Per database: the table set, enum types,
//! replication slots on the source, and the CDC proof of a `changes` burst.
//!
//! How: both sides at once, each over one exported snapshot shared by worker
//! connections (`session`); rows hashed inside PostgreSQL (`hashing`) in chunks
//! — integer-key ranges that line up across sides, or block ranges — compared
//! as totals; chunks that differ are re-checked after a settle delay (rows in
//! flight during CDC), and what still differs is localised row by row with a
//! streaming merge of `(key, hash)` and reported column by column (`data`).

pub mod catalog;
pub mod data;
pub mod hashing;
pub mod model;
pub mod objects;
pub mod schema;
pub mod session;

use crate::db::{quote_ident, ConnectSpec, DbError};
use crate::error::{error_chain, Classify, ErrorType};
use crate::seed::ChangesResult;
use catalog::{Catalog, TableInfo};
use data::{block_ranges, key_ranges, ChunkSums, Chunking, KeyPart, TablePlan};
use model::*;
use session::SideSessions;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const REPLICATION_SLOTS_SQL: &str = include_str!("../../../../sql/validate/replication_slots.sql");

pub use crate::contract::validate::SequencePolicy;

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    pub schema: String,
    /// Connections per side for checksums (besides the lead).
    pub workers: usize,
    /// Approximate rows per checksum chunk.
    pub chunk_rows: u64,
    /// Re-checks of a differing chunk before it counts (CDC in flight).
    pub rechecks: u32,
    pub settle: Duration,
    /// Differing rows reported in detail per table (all are counted).
    pub max_diffs: usize,
    /// Column-name substrings whose values are masked in reports.
    pub mask: Vec<String>,
    pub statement_timeout: Duration,
    pub sequence_policy: SequencePolicy,
    /// `plan` splits tables larger than this into chunk work items.
    pub max_rows_per_item: u64,
}

impl Default for ValidateOptions {
    /// The declared defaults (`contract::env`), so the Lambda, the CLI and
    /// the library agree.
    fn default() -> Self {
        use crate::contract::env as vars;
        ValidateOptions {
            schema: vars::DB_SCHEMA.value.default.unwrap_or("shop").into(),
            workers: vars::VALIDATE_WORKERS.value.default as usize,
            chunk_rows: vars::VALIDATE_CHUNK_ROWS.value.default,
            rechecks: vars::VALIDATE_RECHECKS.default_u32(),
            settle: Duration::from_secs(vars::VALIDATE_SETTLE_SECONDS.value.default),
            max_diffs: vars::VALIDATE_MAX_DIFFS.value.default as usize,
            mask: vars::VALIDATE_MASK_COLUMNS
                .value
                .default
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            statement_timeout: Duration::from_secs(
                vars::VALIDATE_STATEMENT_TIMEOUT_SECONDS.value.default,
            ),
            sequence_policy: SequencePolicy::Fail,
            max_rows_per_item: 20_000_000,
        }
    }
}

/// Progress, for terminals and tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Planned {
        tables: usize,
        chunks: usize,
    },
    ChunkDone {
        table: String,
        done: usize,
        total: usize,
    },
    Recheck {
        round: u32,
        chunks: usize,
        settle: Duration,
    },
    RowLevel {
        table: String,
        chunks: usize,
    },
    TableDone {
        table: String,
        status: Status,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("unknown table(s) {tables} in schema {schema} (on neither the source nor the target)")]
    UnknownTable { schema: String, tables: String },
    #[error("schema {schema} does not exist on the source")]
    UnknownSchema { schema: String },
    #[error("chunk {index} of {table}: {reason}")]
    BadChunk {
        table: String,
        index: u32,
        reason: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Classify for ValidateError {
    fn error_type(&self) -> ErrorType {
        match self {
            ValidateError::UnknownTable { .. } | ValidateError::UnknownSchema { .. } => {
                ErrorType::UnknownTable
            }
            ValidateError::BadChunk { .. } => ErrorType::InvalidEvent,
            ValidateError::Db(e) => e.error_type(),
        }
    }
}

/// One table (or one chunk of one) to validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRequest {
    pub table: String,
    pub chunk: Option<ChunkSpec>,
}

#[derive(Debug)]
pub struct Validator {
    pub source: ConnectSpec,
    pub target: ConnectSpec,
    pub options: ValidateOptions,
    progress: Option<tokio::sync::mpsc::UnboundedSender<Progress>>,
}

/// Per-table working state during a run.
#[derive(Debug)]
struct Work {
    request: TableRequest,
    plan: Option<TablePlan>,
    result: Option<TableResult>,
    /// Per chunk: (source, target) sums of the latest check.
    sums: Vec<Option<(ChunkSums, ChunkSums)>>,
    error: Option<String>,
    rechecks: u32,
    settled: u32,
    diff_count: u64,
    diffs: Vec<RowDiff>,
    started: Instant,
}

impl Validator {
    pub fn new(source: ConnectSpec, target: ConnectSpec, options: ValidateOptions) -> Self {
        Validator {
            source,
            target,
            options,
            progress: None,
        }
    }

    /// Receive [`Progress`] events as the run advances.
    pub fn with_progress(mut self, sender: tokio::sync::mpsc::UnboundedSender<Progress>) -> Self {
        self.progress = Some(sender);
        self
    }

    fn emit(&self, event: Progress) {
        if let Some(p) = &self.progress {
            let _ = p.send(event);
        }
    }

    fn masked(&self, column: &str) -> bool {
        let lower = column.to_ascii_lowercase();
        self.options
            .mask
            .iter()
            .any(|m| !m.is_empty() && lower.contains(&m.to_ascii_lowercase()))
    }

    async fn open(&self, workers: usize) -> Result<(SideSessions, SideSessions), DbError> {
        let timeout = self.options.statement_timeout;
        tokio::try_join!(
            SideSessions::open(&self.source, "source", workers, timeout),
            SideSessions::open(&self.target, "target", workers, timeout),
        )
    }

    async fn catalogs(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
    ) -> Result<(Catalog, Catalog), ValidateError> {
        let schema = &self.options.schema;
        let (s, t) = tokio::try_join!(
            Catalog::load(&src.lead, &src.spec, schema),
            Catalog::load(&tgt.lead, &tgt.spec, schema),
        )?;
        if s.tables.is_empty() {
            let row = src
                .lead
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
                    &[schema],
                )
                .await
                .map_err(src.spec.query_error("checking the schema"))?;
            if !row.get::<_, bool>(0) {
                return Err(ValidateError::UnknownSchema {
                    schema: schema.clone(),
                });
            }
        }
        Ok((s, t))
    }

    /// Check requested names against both catalogs; nothing from input reaches
    /// SQL except as a catalog-matched, quoted identifier.
    fn resolve(&self, names: &[String], s: &Catalog, t: &Catalog) -> Result<(), ValidateError> {
        let unknown: Vec<&str> = names
            .iter()
            .filter(|n| !s.tables.contains_key(*n) && !t.tables.contains_key(*n))
            .map(String::as_str)
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(ValidateError::UnknownTable {
                schema: self.options.schema.clone(),
                tables: unknown.join(", "),
            })
        }
    }

    /// Database-level checks and the work list (`validate-tables` action `plan`).
    pub async fn plan(
        &self,
        tables: Option<&[String]>,
        changes: Option<&ChangesResult>,
    ) -> Result<PlanResult, ValidateError> {
        let started = Instant::now();
        let (mut src, mut tgt) = self.open(1).await?;
        let outcome = self.plan_in(&src, &tgt, tables, changes).await;
        let _ = tokio::join!(src.end(), tgt.end());
        let mut plan = outcome?;
        plan.seconds = started.elapsed().as_secs_f64();
        Ok(plan)
    }

    async fn plan_in(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
        tables: Option<&[String]>,
        changes: Option<&ChangesResult>,
    ) -> Result<PlanResult, ValidateError> {
        let (s_cat, t_cat) = self.catalogs(src, tgt).await?;
        if let Some(names) = tables {
            self.resolve(names, &s_cat, &t_cat)?;
        }
        let only: Option<BTreeSet<String>> = tables.map(|n| n.iter().cloned().collect());
        let table_set = schema::compare_table_sets(&s_cat, &t_cat, only.as_ref());
        let enums = schema::compare_enums(&s_cat, &t_cat);
        let replication_slots = self.replication_slots(src).await;
        let cdc_proof = match changes {
            Some(c) => Some(self.cdc_proof(src, tgt, &s_cat, &t_cat, c).await),
            None => None,
        };

        let mut names: Vec<String> = s_cat.tables.keys().cloned().collect();
        for extra in t_cat.tables.keys() {
            if !names.contains(extra) {
                names.push(extra.clone());
            }
        }
        if let Some(only) = &only {
            names.retain(|n| only.contains(n));
        }
        let mut work = Vec::new();
        let mut estimate = 0i64;
        for name in names {
            let (Some(s), Some(t)) = (s_cat.tables.get(&name), t_cat.tables.get(&name)) else {
                work.push(WorkItem {
                    action: "table".into(),
                    table: name,
                    chunk: None,
                });
                continue;
            };
            let rows = estimate_rows(s).max(estimate_rows(t));
            estimate += estimate_rows(s) as i64;
            let plan = TablePlan::new(&self.options.schema, s, t);
            let pieces = rows.div_ceil(self.options.max_rows_per_item.max(1)).max(1);
            match plan.range_column() {
                Some(column) if pieces > 1 => {
                    let (lo, hi) = self.key_bounds(src, tgt, &plan, column).await?;
                    let ranges = key_ranges(lo, hi, usize::try_from(pieces).unwrap_or(1));
                    let count = u32::try_from(ranges.len()).unwrap_or(u32::MAX);
                    for (i, (lower, upper)) in ranges.into_iter().enumerate() {
                        work.push(WorkItem {
                            action: "table".into(),
                            table: name.clone(),
                            chunk: Some(ChunkSpec {
                                index: u32::try_from(i).unwrap_or(0),
                                count,
                                key_column: column.to_owned(),
                                lower,
                                upper,
                            }),
                        });
                    }
                }
                _ => work.push(WorkItem {
                    action: "table".into(),
                    table: name,
                    chunk: None,
                }),
            }
        }
        // Largest first, so a Map with limited concurrency finishes sooner.
        let size = |w: &WorkItem| s_cat.tables.get(&w.table).map_or(0.0, estimate_rows_f);
        work.sort_by(|a, b| size(b).total_cmp(&size(a)).then(a.table.cmp(&b.table)));
        let checks = PlanChecks {
            table_set,
            enums,
            replication_slots,
            cdc_proof,
        };
        Ok(PlanResult {
            status: checks.status(),
            schema: self.options.schema.clone(),
            checks,
            work,
            source_rows_estimate: estimate,
            seconds: 0.0,
        })
    }

    async fn replication_slots(&self, src: &SideSessions) -> Check {
        let rows = match src.lead.query(REPLICATION_SLOTS_SQL, &[]).await {
            Ok(r) => r,
            Err(e) => {
                return Check::error(format!(
                    "cannot read replication slots: {}",
                    error_chain(&e)
                ))
            }
        };
        let mut findings = Vec::new();
        let mut active = Vec::new();
        for r in rows {
            let name: String = r.get("slot_name");
            let retained: i64 = r.get("retained_wal_bytes");
            if r.get::<_, bool>("active") {
                active.push(name);
            } else {
                findings.push(
                    Finding::new("inactive", format!("replication slot {name}")).detail(format!(
                        "holds {} of WAL on the source ({} slot, wal_status {})",
                        human_bytes(retained),
                        r.get::<_, String>("slot_type"),
                        r.get::<_, Option<String>>("wal_status")
                            .unwrap_or_else(|| "unknown".into())
                    )),
                );
            }
        }
        if findings.is_empty() {
            Check::pass(format!(
                "no inactive replication slots ({} active)",
                active.len()
            ))
        } else {
            Check {
                status: CheckStatus::Warn,
                message: format!(
                    "{} inactive replication slot(s) retain WAL on the source",
                    findings.len()
                ),
                findings,
            }
        }
    }

    async fn key_bounds(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
        plan: &TablePlan,
        column: &str,
    ) -> Result<(i64, i64), DbError> {
        let sql = format!(
            "SELECT min(t.{c})::int8, max(t.{c})::int8 FROM {} t",
            plan.qualified,
            c = quote_ident(column)
        );
        let (s, t) = tokio::try_join!(
            async {
                src.lead.query_one(&sql, &[]).await.map_err(
                    src.spec
                        .query_error(format!("reading key bounds of {}", plan.name)),
                )
            },
            async {
                tgt.lead.query_one(&sql, &[]).await.map_err(
                    tgt.spec
                        .query_error(format!("reading key bounds of {}", plan.name)),
                )
            },
        )?;
        let lows = [s.get::<_, Option<i64>>(0), t.get::<_, Option<i64>>(0)];
        let highs = [s.get::<_, Option<i64>>(1), t.get::<_, Option<i64>>(1)];
        let lo = lows.iter().flatten().min().copied().unwrap_or(0);
        let hi = highs.iter().flatten().max().copied().unwrap_or(0);
        Ok((lo, hi))
    }

    /// Validate tables (or chunks of tables): `validate-tables` action `table(s)`.
    pub async fn validate(&self, requests: &[TableRequest]) -> Result<TablesResult, ValidateError> {
        let started = Instant::now();
        let (mut src, mut tgt) = self.open(self.options.workers).await?;
        let outcome = self.validate_in(&mut src, &mut tgt, requests).await;
        let _ = tokio::join!(src.end(), tgt.end());
        let mut result = outcome?;
        result.seconds = started.elapsed().as_secs_f64();
        Ok(result)
    }

    /// Plan and validate every table (the CLI's whole run).
    pub async fn run(
        &self,
        tables: Option<&[String]>,
        changes: Option<&ChangesResult>,
    ) -> Result<(PlanResult, TablesResult), ValidateError> {
        let mut plan = self.plan(tables, changes).await?;
        // One invocation here: no need to split big tables into work items.
        let mut seen = BTreeSet::new();
        let requests: Vec<TableRequest> = plan
            .work
            .iter()
            .filter(|w| seen.insert(w.table.clone()))
            .map(|w| TableRequest {
                table: w.table.clone(),
                chunk: None,
            })
            .collect();
        plan.work = requests
            .iter()
            .map(|r| WorkItem {
                action: "table".into(),
                table: r.table.clone(),
                chunk: None,
            })
            .collect();
        let tables = self.validate(&requests).await?;
        Ok((plan, tables))
    }

    async fn validate_in(
        &self,
        src: &mut SideSessions,
        tgt: &mut SideSessions,
        requests: &[TableRequest],
    ) -> Result<TablesResult, ValidateError> {
        let (s_cat, t_cat) = self.catalogs(src, tgt).await?;
        let names: Vec<String> = requests.iter().map(|r| r.table.clone()).collect();
        self.resolve(&names, &s_cat, &t_cat)?;

        // 1. Per table: a plan, or a result already (missing table, no access).
        let mut work: Vec<Work> = Vec::new();
        for request in requests {
            let mut w = Work {
                request: request.clone(),
                plan: None,
                result: None,
                sums: Vec::new(),
                error: None,
                rechecks: 0,
                settled: 0,
                diff_count: 0,
                diffs: Vec::new(),
                started: Instant::now(),
            };
            match (
                s_cat.tables.get(&request.table),
                t_cat.tables.get(&request.table),
            ) {
                (Some(s), Some(t)) if s.can_select && t.can_select => {
                    match self.table_plan(src, tgt, s, t, request).await {
                        Ok(plan) => {
                            w.sums = vec![None; plan.chunking.len()];
                            w.plan = Some(plan);
                        }
                        Err(e) => w.error = Some(e),
                    }
                }
                (Some(s), Some(t)) => {
                    let side = if s.can_select { "target" } else { "source" };
                    w.error = Some(format!(
                        "permission denied: this role may not SELECT from {} on the {side}",
                        request.table
                    ));
                    let _ = t;
                }
                (s, t) => {
                    let (kind, detail) = if s.is_some() {
                        ("missing", "the table does not exist on the target")
                    } else {
                        ("extra", "the table exists only on the target")
                    };
                    let _ = t;
                    let mut checks = TableChecks::all_skipped("table missing on one side");
                    checks.columns = Check {
                        status: CheckStatus::Fail,
                        message: detail.into(),
                        findings: vec![Finding::new(kind, format!("table {}", request.table))],
                    };
                    w.result = Some(TableResult {
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
                    });
                }
            }
            work.push(w);
        }

        // 2. Checksums of every chunk, both sides at once.
        let mut jobs: Vec<(usize, usize)> = Vec::new();
        for (i, w) in work.iter().enumerate() {
            if let (Some(plan), None) = (&w.plan, &w.error) {
                jobs.extend((0..plan.chunking.len()).map(|c| (i, c)));
            }
        }
        self.emit(Progress::Planned {
            tables: work.len(),
            chunks: jobs.len(),
        });
        self.run_checksums(src, tgt, &mut work, &jobs).await;

        // 3. Re-check what differs after a settle delay, in a fresh snapshot.
        let mut round = 0;
        loop {
            let pending = mismatched_jobs(&work);
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
            if let Err(e) = tokio::try_join!(src.refresh(), tgt.refresh()) {
                let cause = error_chain(&e);
                for (i, _) in &pending {
                    work[*i].error.get_or_insert_with(|| cause.clone());
                }
                break;
            }
            let before: BTreeSet<(usize, usize)> = pending.iter().copied().collect();
            for (i, _) in &pending {
                work[*i].rechecks = round;
            }
            self.run_checksums(src, tgt, &mut work, &pending).await;
            let after: BTreeSet<(usize, usize)> = mismatched_jobs(&work).into_iter().collect();
            for job in before.difference(&after) {
                work[job.0].settled += 1;
            }
        }

        // 4. Localise what still differs, row by row.
        let pending = mismatched_jobs(&work);
        self.localise(src, tgt, &mut work, &pending).await;

        // 5. Assemble per-table results.
        let mut results = Vec::new();
        let mut rows_compared = 0i64;
        for w in work {
            let result = match w.result {
                Some(r) => r,
                None => {
                    let s = s_cat.tables.get(&w.request.table);
                    let t = t_cat.tables.get(&w.request.table);
                    let r = self.finish_table(tgt, w, s, t).await;
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
        Ok(TablesResult {
            status,
            schema: self.options.schema.clone(),
            tables: results,
            rows_compared,
            seconds: 0.0,
        })
    }

    async fn table_plan(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
        s: &TableInfo,
        t: &TableInfo,
        request: &TableRequest,
    ) -> Result<TablePlan, String> {
        let mut plan = TablePlan::new(&self.options.schema, s, t);
        let mut rows = estimate_rows(s).max(estimate_rows(t));
        if let Some(chunk) = &request.chunk {
            if plan.range_column() != Some(chunk.key_column.as_str()) {
                return Err(format!(
                    "chunk {} names key column {}, but {} has no integer primary key led by it",
                    chunk.index, chunk.key_column, plan.name
                ));
            }
            plan.restrict = Some((chunk.key_column.clone(), chunk.lower, chunk.upper));
            rows = rows.div_ceil(u64::from(chunk.count.max(1)));
        }
        let n = usize::try_from(rows.div_ceil(self.options.chunk_rows.max(1)).max(1)).unwrap_or(1);
        plan.chunking = match plan.range_column().map(str::to_owned) {
            Some(column) => {
                let (mut lo, mut hi) = self
                    .key_bounds(src, tgt, &plan, &column)
                    .await
                    .map_err(|e| error_chain(&e))?;
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
            None => Chunking::Ctid {
                source: block_ranges(s.blocks, n),
                target: block_ranges(t.blocks, n),
            },
        };
        // Same number of ctid chunks on both sides, so jobs pair up.
        if let Chunking::Ctid { source, target } = &mut plan.chunking {
            let n = source.len().max(target.len());
            *source = block_ranges(s.blocks, n);
            *target = block_ranges(t.blocks, n);
            while source.len() < n {
                source.push((i64::MAX, Some(i64::MAX)));
            }
            while target.len() < n {
                target.push((i64::MAX, Some(i64::MAX)));
            }
        }
        Ok(plan)
    }

    /// Run checksum jobs on the worker pairs (a shared queue, largest tables first).
    async fn run_checksums(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
        work: &mut [Work],
        jobs: &[(usize, usize)],
    ) {
        let plans: Vec<Option<&TablePlan>> = work.iter().map(|w| w.plan.as_ref()).collect();
        let done: Vec<Mutex<usize>> = work.iter().map(|_| Mutex::new(0)).collect();
        let outcomes = on_pairs(src, tgt, jobs.len(), |i, s, t| {
            let (table, chunk) = jobs[i];
            let (plans, done) = (&plans, &done);
            async move {
                let plan = plans[table]?;
                let sums = tokio::try_join!(
                    data::run_chunk(s, &src.spec, plan, true, chunk),
                    data::run_chunk(t, &tgt.spec, plan, false, chunk),
                )
                .map_err(|e| error_chain(&e));
                let finished = {
                    let mut d = done[table].lock().unwrap_or_else(|p| p.into_inner());
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
        for ((table, chunk), outcome) in jobs.iter().zip(outcomes) {
            let w = &mut work[*table];
            match outcome.flatten() {
                Some(Ok(sums)) => w.sums[*chunk] = Some(sums),
                Some(Err(e)) => {
                    w.error.get_or_insert(e);
                }
                None => {
                    w.error
                        .get_or_insert_with(|| "chunk was not checked".into());
                }
            }
        }
    }

    /// Row-level comparison of the chunks (or whole tables) that still differ.
    async fn localise(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
        work: &mut [Work],
        pending: &[(usize, usize)],
    ) {
        // Ctid tables are localised as a whole; key-range tables per chunk.
        let mut jobs: Vec<(usize, Option<usize>)> = Vec::new();
        for &(i, c) in pending {
            let Some(plan) = &work[i].plan else { continue };
            match plan.chunking {
                Chunking::KeyRange { .. } => jobs.push((i, Some(c))),
                Chunking::Ctid { .. } => {
                    if !jobs.iter().any(|(j, _)| *j == i) {
                        jobs.push((i, None));
                    }
                }
            }
        }
        if jobs.is_empty() {
            return;
        }
        for &(i, _) in &jobs {
            if let Some(p) = &work[i].plan {
                let n = jobs.iter().filter(|(j, _)| *j == i).count();
                self.emit(Progress::RowLevel {
                    table: p.name.clone(),
                    chunks: n,
                });
            }
        }
        let keep = self.options.max_diffs;
        let plans: Vec<Option<&TablePlan>> = work.iter().map(|w| w.plan.as_ref()).collect();
        let outcomes = on_pairs(src, tgt, jobs.len(), |i, s, t| {
            let (table, chunk) = jobs[i];
            let plans = &plans;
            async move {
                let plan = plans[table]?;
                let found = self
                    .localise_one((s, &src.spec), (t, &tgt.spec), plan, chunk, keep)
                    .await;
                Some(found.map_err(|e| error_chain(&e)))
            }
        })
        .await;
        for ((table, _), outcome) in jobs.iter().zip(outcomes) {
            let w = &mut work[*table];
            match outcome.flatten() {
                Some(Ok((count, diffs))) => {
                    w.diff_count += count;
                    for d in diffs {
                        if w.diffs.len() < keep {
                            w.diffs.push(d);
                        }
                    }
                }
                Some(Err(e)) => {
                    w.error.get_or_insert(e);
                }
                None => {
                    w.error
                        .get_or_insert_with(|| "rows were not compared".into());
                }
            }
        }
    }

    async fn localise_one(
        &self,
        s: (&tokio_postgres::Client, &ConnectSpec),
        t: (&tokio_postgres::Client, &ConnectSpec),
        plan: &TablePlan,
        chunk: Option<usize>,
        keep: usize,
    ) -> Result<(u64, Vec<RowDiff>), DbError> {
        let masked = |c: &str| self.masked(c);
        if plan.key.is_none() {
            let (count, found) = data::merge_multiset(s, t, plan, keep).await?;
            let hashes: Vec<i64> = found.iter().map(|(h, _, _)| *h).collect();
            let (s_rows, t_rows) = tokio::try_join!(
                data::fetch_rows_by_hash(s.0, s.1, plan, &hashes),
                data::fetch_rows_by_hash(t.0, t.1, plan, &hashes),
            )?;
            let diffs = found
                .into_iter()
                .map(|(h, sc, tc)| {
                    let values = s_rows
                        .iter()
                        .chain(t_rows.iter())
                        .find(|(x, _)| *x == h)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    let columns = plan
                        .columns
                        .iter()
                        .zip(values)
                        .map(|((name, _), v)| ColumnDiff {
                            column: name.clone(),
                            source: if masked(name) {
                                v.as_ref().map(|_| "***".into())
                            } else {
                                v.as_deref().map(data::shorten)
                            },
                            target: None,
                            kind: "row".into(),
                        })
                        .collect();
                    RowDiff {
                        key: None,
                        kind: match (sc, tc) {
                            (_, 0) => "missing",
                            (0, _) => "extra",
                            _ => "duplicate",
                        }
                        .into(),
                        columns,
                        source_count: Some(sc),
                        target_count: Some(tc),
                    }
                })
                .collect();
            return Ok((count, diffs));
        }
        let (count, keys) = data::merge_keyed(s, t, plan, chunk, keep).await?;
        let changed: Vec<Vec<String>> = keys
            .iter()
            .filter(|k| k.kind == "changed")
            .map(|k| k.key.iter().map(KeyPart::render).collect())
            .collect();
        let (s_rows, t_rows) = tokio::try_join!(
            data::fetch_rows(s.0, s.1, plan, &changed),
            data::fetch_rows(t.0, t.1, plan, &changed),
        )?;
        let diffs = keys
            .into_iter()
            .map(|k| {
                let key: Vec<String> = k.key.iter().map(KeyPart::render).collect();
                let columns = if k.kind == "changed" {
                    let sv = s_rows
                        .iter()
                        .find(|(x, _)| *x == key)
                        .map(|(_, v)| v.as_slice())
                        .unwrap_or_default();
                    let tv = t_rows
                        .iter()
                        .find(|(x, _)| *x == key)
                        .map(|(_, v)| v.as_slice())
                        .unwrap_or_default();
                    data::column_diffs(plan, sv, tv, &masked)
                } else {
                    Vec::new()
                };
                data::row_diff(key, k.kind, columns)
            })
            .collect();
        Ok((count, diffs))
    }

    /// Turn a table's working state into its result: schema checks, counts,
    /// checksum verdict, LOB lengths, sequences.
    async fn finish_table(
        &self,
        tgt: &SideSessions,
        w: Work,
        s: Option<&TableInfo>,
        t: Option<&TableInfo>,
    ) -> TableResult {
        let seconds = w.started.elapsed().as_secs_f64();
        let table = w.request.table.clone();
        let (Some(s), Some(t)) = (s, t) else {
            return error_result(&w, "table vanished during the run", seconds);
        };
        let first_chunk = w.request.chunk.as_ref().is_none_or(|c| c.index == 0);
        let skip_schema = || Check::skipped("checked by chunk 0 of this table");
        let mut checks = TableChecks::all_skipped("not compared");
        if first_chunk {
            checks.columns = schema::compare_columns(s, t);
            checks.constraints = schema::compare_constraints(s, t);
            checks.indexes = schema::compare_indexes(s, t);
        } else {
            checks.columns = skip_schema();
            checks.constraints = skip_schema();
            checks.indexes = skip_schema();
        }

        let complete = w.error.is_none() && w.sums.iter().all(Option::is_some);
        let (mut source_rows, mut target_rows) = (None, None);
        if complete {
            let sums: Vec<&(ChunkSums, ChunkSums)> = w.sums.iter().flatten().collect();
            let s_rows: i64 = sums.iter().map(|(a, _)| a.rows).sum();
            let t_rows: i64 = sums.iter().map(|(_, b)| b.rows).sum();
            source_rows = Some(s_rows);
            target_rows = Some(t_rows);
            checks.row_count = if s_rows == t_rows {
                Check::pass(format!("{s_rows} rows on both sides"))
            } else {
                Check {
                    status: CheckStatus::Fail,
                    message: format!("{s_rows} rows on the source, {t_rows} on the target"),
                    findings: vec![Finding::new("different", "row count")
                        .sides(Some(s_rows.to_string()), Some(t_rows.to_string()))],
                }
            };
            checks.checksum = if w.diff_count == 0 && mismatched_chunks(&w).is_empty() {
                let mut message = format!("every row identical ({} chunk(s))", w.sums.len());
                if w.settled > 0 {
                    message.push_str(&format!(
                        "; {} chunk(s) differed while rows were in flight and matched on re-check",
                        w.settled
                    ));
                }
                Check::pass(message)
            } else {
                Check {
                    status: CheckStatus::Fail,
                    message: format!(
                        "{} row(s) differ{}",
                        w.diff_count,
                        if w.rechecks > 0 {
                            format!(" (persisted after {} re-check(s))", w.rechecks)
                        } else {
                            String::new()
                        }
                    ),
                    findings: Vec::new(),
                }
            };
            if let Some(plan) = &w.plan {
                checks.lob_lengths = lob_check(plan, &sums);
                checks.sequences = if first_chunk {
                    self.sequence_check(tgt, plan, s, t, &sums, w.request.chunk.is_none())
                        .await
                } else {
                    skip_schema()
                };
            }
        } else {
            let cause = w.error.clone().unwrap_or_else(|| "incomplete".into());
            checks.row_count = Check::error(cause.clone());
            checks.checksum = Check::error(cause.clone());
            checks.lob_lengths = Check::error(cause.clone());
            checks.sequences = Check::error(cause);
        }
        let status = if w.error.is_some() {
            Status::Error
        } else {
            checks.status()
        };
        TableResult {
            table,
            chunk: w.request.chunk.clone(),
            status,
            source_rows,
            target_rows,
            checks,
            differences: Differences {
                count: w.diff_count,
                sample: w.diffs,
            },
            rechecks: w.rechecks,
            settled_chunks: w.settled,
            error: w.error,
            seconds,
        }
    }

    /// Every owned/identity sequence: the target's must equal the source's and
    /// be at or past the largest value in its column on the target (DMS and
    /// logical replication never move sequences: the first insert after
    /// cut-over would collide).
    async fn sequence_check(
        &self,
        tgt: &SideSessions,
        plan: &TablePlan,
        s: &TableInfo,
        t: &TableInfo,
        sums: &[&(ChunkSums, ChunkSums)],
        whole_table: bool,
    ) -> Check {
        if s.sequences.is_empty() {
            return Check::pass("no sequences");
        }
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        for seq in &s.sequences {
            let Some(tseq) = t.sequences.iter().find(|x| x.column == seq.column) else {
                findings.push(Finding::new(
                    "missing",
                    format!("sequence {} (column {})", seq.name, seq.column),
                ));
                continue;
            };
            if !seq.readable || !tseq.readable {
                errors.push(format!(
                    "cannot read sequence {} on the {}: grant SELECT on it to the validator's role",
                    seq.name,
                    if seq.readable { "target" } else { "source" }
                ));
                continue;
            }
            let target_max = match plan.sequence_columns.iter().position(|c| *c == seq.column) {
                Some(i) if whole_table => sums
                    .iter()
                    .filter_map(|(_, b)| b.max_sequence_values.get(i).copied().flatten())
                    .max(),
                _ => {
                    let sql = format!(
                        "SELECT max(t.{})::int8 FROM {} t",
                        quote_ident(&seq.column),
                        plan.qualified
                    );
                    match tgt.lead.query_one(&sql, &[]).await {
                        Ok(r) => r.get::<_, Option<i64>>(0),
                        Err(e) => {
                            errors.push(error_chain(&e));
                            continue;
                        }
                    }
                }
            };
            let object = format!("sequence {} (column {})", tseq.name, seq.column);
            let render =
                |v: Option<i64>| Some(v.map_or_else(|| "never used".to_owned(), |x| x.to_string()));
            if let Some(max) = target_max {
                if tseq.last_value.unwrap_or(0) < max {
                    findings.push(
                        Finding::new("behind", &object)
                            .sides(render(seq.last_value), render(tseq.last_value))
                            .detail(format!("the target's column already holds {max}: the next insert on the target would collide")),
                    );
                    continue;
                }
            }
            if seq.last_value != tseq.last_value {
                findings.push(
                    Finding::new("different", &object)
                        .sides(render(seq.last_value), render(tseq.last_value))
                        .detail("set it at cut-over (start-task {\"action\":\"sync-sequences\"})"),
                );
            }
        }
        if !errors.is_empty() {
            return Check {
                status: CheckStatus::Error,
                message: errors.join("; "),
                findings,
            };
        }
        let status = match self.options.sequence_policy {
            SequencePolicy::Fail => CheckStatus::Fail,
            SequencePolicy::Warn => CheckStatus::Warn,
        };
        Check::from_findings(
            findings,
            status,
            &format!("{} sequence(s) in step", s.sequences.len()),
            "sequence problem(s)",
        )
    }

    /// CDC proof: every key a `changes` burst touched is on the target exactly
    /// as on the source (inserted, updated), or gone from both (deleted).
    async fn cdc_proof(
        &self,
        src: &SideSessions,
        tgt: &SideSessions,
        s_cat: &Catalog,
        t_cat: &Catalog,
        changes: &ChangesResult,
    ) -> Check {
        let mut findings = Vec::new();
        let mut checked = 0usize;
        let mut errors = Vec::new();
        for (table, keys) in &changes.tables {
            let (Some(s), Some(t)) = (s_cat.tables.get(table), t_cat.tables.get(table)) else {
                findings.push(
                    Finding::new("missing", format!("table {table}"))
                        .detail("named by the changes, absent on a side"),
                );
                continue;
            };
            let plan = TablePlan::new(&self.options.schema, s, t);
            let Some(key) = &plan.key else {
                findings.push(
                    Finding::new("different", format!("table {table}"))
                        .detail("no common primary key to check changes by"),
                );
                continue;
            };
            let present: Vec<Vec<String>> = keys
                .inserted
                .iter()
                .chain(keys.updated.iter())
                .chain(keys.deleted.iter())
                .cloned()
                .collect();
            if present.iter().any(|k| k.len() != key.len()) {
                findings.push(
                    Finding::new("different", format!("table {table}"))
                        .detail("keys in the changes do not match the primary key"),
                );
                continue;
            }
            checked += present.len();
            let sql = plan.hashes_by_key_query();
            let columns: Vec<Vec<String>> = (0..key.len())
                .map(|i| present.iter().map(|k| k[i].clone()).collect())
                .collect();
            let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = columns
                .iter()
                .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            let fetched = tokio::try_join!(
                async {
                    src.lead.query(&sql, &params).await.map_err(
                        src.spec
                            .query_error(format!("checking changed keys of {table}")),
                    )
                },
                async {
                    tgt.lead.query(&sql, &params).await.map_err(
                        tgt.spec
                            .query_error(format!("checking changed keys of {table}")),
                    )
                },
            );
            let (s_rows, t_rows) = match fetched {
                Ok(x) => x,
                Err(e) => {
                    errors.push(error_chain(&e));
                    continue;
                }
            };
            let to_map = |rows: &[tokio_postgres::Row]| -> BTreeMap<Vec<String>, i64> {
                rows.iter()
                    .map(|r| {
                        (
                            (0..key.len()).map(|i| r.get::<_, String>(i)).collect(),
                            r.get::<_, i64>(key.len()),
                        )
                    })
                    .collect()
            };
            let (sm, tm) = (to_map(&s_rows), to_map(&t_rows));
            let render = |k: &[String]| format!("{table} ({})", k.join(", "));
            for k in keys.inserted.iter().chain(keys.updated.iter()) {
                match (sm.get(k), tm.get(k)) {
                    (Some(a), Some(b)) if a == b => {}
                    (Some(_), Some(_)) => findings.push(
                        Finding::new("different", render(k))
                            .detail("changed on the source, not the same on the target"),
                    ),
                    (Some(_), None) => findings.push(
                        Finding::new("missing", render(k))
                            .detail("written on the source, absent on the target"),
                    ),
                    (None, Some(_)) => findings.push(
                        Finding::new("extra", render(k))
                            .detail("deleted since on the source, still on the target"),
                    ),
                    (None, None) => {}
                }
            }
            for k in &keys.deleted {
                match (sm.get(k), tm.get(k)) {
                    (None, Some(_)) => findings.push(
                        Finding::new("not-deleted", render(k))
                            .detail("deleted on the source, still on the target"),
                    ),
                    (Some(a), Some(b)) if a != b => findings.push(
                        Finding::new("different", render(k))
                            .detail("re-inserted on the source, different on the target"),
                    ),
                    (Some(_), None) => findings.push(
                        Finding::new("missing", render(k))
                            .detail("re-inserted on the source, absent on the target"),
                    ),
                    _ => {}
                }
            }
            // Counts after the burst, when the source has not moved on since.
            if let Some(expected) = changes.expected_counts.get(table) {
                let count_sql = format!("SELECT count(*) FROM {}", plan.qualified);
                let counts = tokio::try_join!(
                    async {
                        src.lead
                            .query_one(&count_sql, &[])
                            .await
                            .map_err(src.spec.query_error("counting rows"))
                    },
                    async {
                        tgt.lead
                            .query_one(&count_sql, &[])
                            .await
                            .map_err(tgt.spec.query_error("counting rows"))
                    },
                );
                match counts {
                    Ok((a, b)) => {
                        let (sc, tc): (i64, i64) = (a.get(0), b.get(0));
                        if sc == *expected && tc != *expected {
                            findings.push(
                                Finding::new("different", format!("row count of {table}"))
                                    .sides(Some(sc.to_string()), Some(tc.to_string()))
                                    .detail(format!("{expected} expected after the burst")),
                            );
                        }
                    }
                    Err(e) => errors.push(error_chain(&e)),
                }
            }
        }
        if !errors.is_empty() {
            return Check {
                status: CheckStatus::Error,
                message: errors.join("; "),
                findings,
            };
        }
        Check::from_findings(
            findings,
            CheckStatus::Fail,
            &format!(
                "all {checked} changed keys of the burst (seed {}) arrived exactly",
                changes.seed
            ),
            "changed keys did not arrive as written",
        )
    }
}

/// Run `count` jobs on the worker pairs: each pair (one source and one target
/// connection, same snapshot) takes the next job from a shared queue until none
/// is left, so big and small jobs balance themselves. Results in job order.
async fn on_pairs<'a, T, F, Fut>(
    src: &'a SideSessions,
    tgt: &'a SideSessions,
    count: usize,
    job: F,
) -> Vec<Option<T>>
where
    F: Fn(usize, &'a tokio_postgres::Client, &'a tokio_postgres::Client) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let next = Mutex::new(0usize);
    let results: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let runners = src.workers.iter().zip(tgt.workers.iter()).map(|(s, t)| {
        let (next, results, job) = (&next, &results, &job);
        async move {
            loop {
                let i = {
                    let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                    let i = *n;
                    *n += 1;
                    i
                };
                if i >= count {
                    break;
                }
                let r = job(i, s, t).await;
                *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
            }
        }
    });
    futures_util::future::join_all(runners).await;
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

fn lob_check(plan: &TablePlan, sums: &[&(ChunkSums, ChunkSums)]) -> Check {
    if plan.length_columns.is_empty() {
        return Check::pass("no text or bytea columns");
    }
    let mut findings = Vec::new();
    for (i, column) in plan.length_columns.iter().enumerate() {
        let s_max = sums
            .iter()
            .filter_map(|(a, _)| a.max_lengths.get(i).copied().flatten())
            .max();
        let t_max = sums
            .iter()
            .filter_map(|(_, b)| b.max_lengths.get(i).copied().flatten())
            .max();
        if s_max != t_max {
            let kind = match (s_max, t_max) {
                (Some(a), Some(b)) if b < a => "truncated",
                _ => "different",
            };
            let render = |v: Option<i32>| {
                Some(v.map_or_else(|| "no values".to_owned(), |x| format!("{x} bytes")))
            };
            let mut f =
                Finding::new(kind, format!("column {column}")).sides(render(s_max), render(t_max));
            if kind == "truncated" {
                f = f.detail("the longest value is shorter on the target: LOBs truncated (DMS limited LOB mode?)");
            }
            findings.push(f);
        }
    }
    let n = plan.length_columns.len();
    Check::from_findings(
        findings,
        CheckStatus::Fail,
        &format!("longest values equal in {n} text/bytea column(s)"),
        "column(s) with different longest values",
    )
}

fn error_result(w: &Work, cause: &str, seconds: f64) -> TableResult {
    TableResult {
        table: w.request.table.clone(),
        chunk: w.request.chunk.clone(),
        status: Status::Error,
        source_rows: None,
        target_rows: None,
        checks: TableChecks::all_skipped(cause),
        differences: Differences::default(),
        rechecks: w.rechecks,
        settled_chunks: w.settled,
        error: Some(cause.to_owned()),
        seconds,
    }
}

/// Jobs whose source and target sums differ: per chunk for key ranges, every
/// chunk of the table for block ranges (only totals compare there).
fn mismatched_jobs(work: &[Work]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, w) in work.iter().enumerate() {
        if w.error.is_some() {
            continue;
        }
        for c in mismatched_chunks(w) {
            out.push((i, c));
        }
    }
    out
}

fn mismatched_chunks(w: &Work) -> Vec<usize> {
    let Some(plan) = &w.plan else {
        return Vec::new();
    };
    match plan.chunking {
        Chunking::KeyRange { .. } => w
            .sums
            .iter()
            .enumerate()
            .filter(
                |(_, s)| matches!(s, Some((a, b)) if a.rows != b.rows || a.hash_sum != b.hash_sum),
            )
            .map(|(i, _)| i)
            .collect(),
        Chunking::Ctid { .. } => {
            if w.sums.iter().any(Option::is_none) {
                return Vec::new();
            }
            let (mut rows_s, mut rows_t, mut sum_s, mut sum_t) = (0i64, 0i64, 0i128, 0i128);
            let mut unreadable = false;
            for (a, b) in w.sums.iter().flatten() {
                rows_s += a.rows;
                rows_t += b.rows;
                // Sums of 64-bit hashes fit i128 by far; if one ever did not
                // parse, treat it as a difference, never as a match.
                match (a.hash_sum.parse::<i128>(), b.hash_sum.parse::<i128>()) {
                    (Ok(x), Ok(y)) => {
                        sum_s += x;
                        sum_t += y;
                    }
                    _ => unreadable = true,
                }
            }
            if unreadable || rows_s != rows_t || sum_s != sum_t {
                (0..w.sums.len()).collect()
            } else {
                Vec::new()
            }
        }
    }
}

fn estimate_rows_f(t: &TableInfo) -> f64 {
    if t.row_estimate > 0.0 {
        t.row_estimate
    } else {
        // Never analyzed: assume ~60 rows per 8 kB block.
        t.blocks as f64 * 60.0
    }
}

fn estimate_rows(t: &TableInfo) -> u64 {
    estimate_rows_f(t).max(0.0) as u64
}

pub fn human_bytes(n: i64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", n / 1024.0 / 1024.0 / 1024.0)
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / 1024.0 / 1024.0)
    } else if n >= 1024.0 {
        format!("{:.1} kiB", n / 1024.0)
    } else {
        format!("{n} B")
    }
}
