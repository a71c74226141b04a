//! `validate-tables`: prove the target is identical — exact, fast, read-only.
//!
//! Per table: columns, constraints, indexes, sequences, row counts, a full-row
//! checksum of every row, LOB lengths. Per database: the table set, enum types,
//! replication slots on the source, and the CDC proof of a `changes` burst.
//!
//! How: both sides at once (`sides`), each over one exported snapshot shared
//! by worker connections (`session`, `pool`); rows hashed inside PostgreSQL
//! (`hashing`) in chunks — integer-key ranges that line up across sides, or
//! block ranges — compared as totals; what differs is localised row by row
//! with a streaming merge of `(key, hash)` and reported column by column
//! (`data`, `localise`). In live mode (CDC running) each differing key is
//! re-checked at a source WAL position the target has applied (`recheck`,
//! `position`); rows still changing are unverified (hot). Key-less tables
//! fall back to whole-chunk re-checks after a settle delay. At rest, every
//! difference is final.
//!
//! Layout: this file is the entry (options, errors, [`Validator`]); `worklist`
//! runs `plan`, `pipeline` runs `validate`; every verdict comes from one file
//! under `checks/`, all of the same shape.

pub mod catalog;
pub mod checks;
pub mod data;
pub mod hashing;
mod localise;
pub mod model;
pub mod objects;
mod pipeline;
mod pool;
pub mod position;
mod recheck;
pub mod rows;
pub use crate::scope;
pub mod session;
pub mod sides;
pub mod work;
mod worklist;

use crate::db::{ConnectSpec, DbError};
use crate::error::{Classify, ErrorType};
use crate::seed::ChangesResult;
use catalog::Catalog;
use model::*;
use rows::ReadError;
use session::SideSessions;
use sides::Sides;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

pub use crate::contract::validate::{SequencePolicy, ValidationMode};

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// The schemas compared (every user schema by default).
    pub scope: scope::Scope,
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
    /// `plan` splits tables larger than this into chunk work items
    /// (`VALIDATE_MAX_ROWS_PER_ITEM`).
    pub max_rows_per_item: u64,
    /// Per object kind: fail, warn or ignore a difference.
    pub object_policy: objects::policy::ObjectPolicy,
    /// `live`: differing rows re-checked at a WAL position; `at_rest`: none.
    pub mode: ValidationMode,
    /// The migration's replication slot on the source; `None`: the one slot
    /// of this migration, found (never guessed between several).
    pub slot: Option<String>,
    /// Longest wait per re-check for the target to reach a source position.
    pub position_wait: Duration,
}

impl Default for ValidateOptions {
    /// The declared defaults (`contract::env`), so the Lambda, the CLI and
    /// the library agree.
    fn default() -> Self {
        use crate::contract::env as vars;
        ValidateOptions {
            scope: scope::Scope::default(),
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
            max_rows_per_item: vars::VALIDATE_MAX_ROWS_PER_ITEM.value.default,
            object_policy: objects::policy::ObjectPolicy::default(),
            mode: ValidationMode::Live,
            slot: None,
            position_wait: Duration::from_secs(vars::VALIDATE_POSITION_WAIT_SECONDS.value.default),
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
    /// Differing rows re-read on both sides (live mode).
    RecheckRows {
        round: u32,
        rows: usize,
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
    #[error(transparent)]
    Scope(#[from] crate::scope::ScopeError),
    #[error("chunk {index} of {table}: {reason}")]
    BadChunk {
        table: String,
        index: u32,
        reason: String,
    },
    #[error("source and target are the same database (system identifier {system_identifier}, database oid {database_oid}): comparing a database with itself proves nothing")]
    SameDatabase {
        system_identifier: String,
        database_oid: i64,
    },
    #[error("nothing was compared: {what} in schema {schema}")]
    NothingToCompare { schema: String, what: &'static str },
    #[error(transparent)]
    Db(#[from] DbError),
    /// A statement or a row it returned (catalogs, key bounds, snapshots).
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl Classify for ValidateError {
    fn error_type(&self) -> ErrorType {
        match self {
            ValidateError::UnknownTable { .. } => ErrorType::UnknownTable,
            ValidateError::Scope(e) => e.error_type(),
            ValidateError::BadChunk { .. } => ErrorType::InvalidEvent,
            ValidateError::SameDatabase { .. } => ErrorType::ConfigError,
            ValidateError::NothingToCompare { .. } => ErrorType::UnknownTable,
            ValidateError::Db(e) | ValidateError::Read(ReadError::Db(e)) => e.error_type(),
            // A column that does not read as its type: the statement is wrong.
            ValidateError::Read(ReadError::Row(_) | ReadError::Column(_)) => {
                ErrorType::DatabaseError
            }
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

    /// Both sides' sessions: a lead each, and `workers` worker pairs.
    async fn open(&self, workers: usize) -> Result<Sides<SideSessions>, ValidateError> {
        let specs = Sides::new(&self.source, &self.target);
        let sessions = session::open_both(specs, workers, self.options.statement_timeout).await?;
        session::refuse_same_database(&sessions).await?;
        Ok(sessions)
    }

    /// Both catalogs over the schemas of the scope (resolved on the source),
    /// tables named as [`catalog::name_tables`] says.
    async fn catalogs(
        &self,
        sessions: &Sides<SideSessions>,
    ) -> Result<Sides<Catalog>, ValidateError> {
        let src = &sessions.source;
        let schemas = scope::resolve(&src.lead, &src.spec, &self.options.scope).await?;
        if schemas.is_empty() {
            return Err(ValidateError::NothingToCompare {
                schema: self.options.scope.describe(),
                what: "no schema is selected",
            });
        }
        let schemas = &schemas;
        let mut catalogs = sessions
            .try_both(|_, s| Catalog::load(&s.lead, &s.spec, schemas))
            .await?;
        catalog::name_tables(&mut catalogs.source, &mut catalogs.target);
        Ok(catalogs)
    }

    /// The names of `asked` as the catalogs name them: `schema.table` or
    /// `table`, whichever the run uses, when it names one table (or
    /// partition) without doubt. Nothing from input reaches SQL except as a
    /// catalog-matched, quoted identifier.
    fn resolve(
        &self,
        asked: &[String],
        catalogs: &Sides<Catalog>,
    ) -> Result<Vec<String>, ValidateError> {
        let mut names = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for name in asked {
            match canonical(name, catalogs) {
                Ok(found) => names.push(found),
                Err(candidates) if candidates.is_empty() => unknown.push(name.clone()),
                Err(candidates) => {
                    unknown.push(format!("{name} (ambiguous: {})", candidates.join(", ")))
                }
            }
        }
        if unknown.is_empty() {
            Ok(names)
        } else {
            Err(ValidateError::UnknownTable {
                schema: catalogs.source.schemas.join(", "),
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
        let mut sessions = self.open(1).await?;
        let outcome = self.plan_in(&sessions, tables, changes).await;
        session::end_both(&mut sessions).await;
        let mut plan = outcome?;
        plan.seconds = started.elapsed().as_secs_f64();
        Ok(plan)
    }

    /// Validate tables (or chunks of tables): `validate-tables` action `table(s)`.
    pub async fn validate(&self, requests: &[TableRequest]) -> Result<TablesResult, ValidateError> {
        let started = Instant::now();
        pipeline::check_requests(&self.options.scope.describe(), requests)?;
        let mut sessions = self.open(self.options.workers).await?;
        let outcome = self.validate_in(&mut sessions, requests).await;
        session::end_both(&mut sessions).await;
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
            .map(|r| worklist::whole_table(r.table.clone()))
            .collect();
        let tables = self.validate(&requests).await?;
        Ok((plan, tables))
    }
}

/// `name` as the catalogs of this run name it: as given, or qualified or
/// unqualified when exactly one table (or partition) of either side matches;
/// else the names it could mean (none: unknown).
fn canonical(name: &str, catalogs: &Sides<Catalog>) -> Result<String, Vec<String>> {
    let sides = [&catalogs.source, &catalogs.target];
    if sides.iter().any(|c| c.get(name).is_some()) {
        return Ok(name.to_owned());
    }
    let mut matches: BTreeSet<&str> = BTreeSet::new();
    for c in sides {
        for t in c.tables.values().chain(c.partitions.values()) {
            let qualified = catalog::qualified_name(&t.schema, &t.relname);
            if qualified == name || t.relname == name {
                matches.insert(t.name.as_str());
            }
        }
    }
    let found: Vec<String> = matches.into_iter().map(str::to_owned).collect();
    match <[String; 1]>::try_from(found) {
        Ok([one]) => Ok(one),
        Err(several) => Err(several),
    }
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
