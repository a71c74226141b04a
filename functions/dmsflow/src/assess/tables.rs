//! What the source's schemas hold that replication handles badly or not at
//! all: tables no row of which can be identified, unlogged tables, generated
//! columns, partitioned tables, numerics DMS rounds, and json values DMS
//! moves as LOBs (with the largest one, to size the LOB settings).

use super::model::{human_bytes, list_some, AssessCheck, Side, Status};
use super::{AssessError, AssessOptions, Session};
use crate::db::quote_ident;
use crate::engine::EngineKind;
use crate::sql::{self, from_row, query, FromRow, Query, RowError};
use std::collections::BTreeMap;
use tokio_postgres::error::SqlState;

pub const TABLES_WITHOUT_KEY: Query = query!("assess/tables_without_key.sql");
pub const UNLOGGED_TABLES: Query = query!("assess/unlogged_tables.sql");
pub const GENERATED_COLUMNS: Query = query!("assess/generated_columns.sql");
pub const PARTITIONED_TABLES: Query = query!("assess/partitioned_tables.sql");
pub const UNBOUNDED_NUMERIC_COLUMNS: Query = query!("assess/unbounded_numeric_columns.sql");
pub const LOB_COLUMNS: Query = query!("assess/lob_columns.sql");
pub const LOCAL_STATEMENT_TIMEOUT: Query = query!("assess/local_statement_timeout.sql");

/// How many names one evidence line lists before `… (N more)`.
const LIST_LIMIT: usize = 20;

/// `schema.table`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableName {
    pub schema: String,
    pub table: String,
}

impl TableName {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.table))
    }
}

from_row! { TableName { schema = "schema_name", table = "table_name" } }

/// `schema.table.column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnName {
    pub table: TableName,
    pub column: String,
}

impl ColumnName {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.table.qualified(), self.column)
    }
}

impl FromRow for ColumnName {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(ColumnName {
            table: TableName::from_row(row, q)?,
            column: sql::get(row, q, "column_name")?,
        })
    }
}

/// A table logical decoding cannot identify a row of, with its UPDATE and
/// DELETE counts from `pg_stat_user_tables`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeylessTable {
    pub table: TableName,
    pub replica_identity: String,
    pub updates: i64,
    pub deletes: i64,
}

impl FromRow for KeylessTable {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(KeylessTable {
            table: TableName::from_row(row, q)?,
            replica_identity: sql::get(row, q, "replica_identity")?,
            updates: sql::get(row, q, "updates")?,
            deletes: sql::get(row, q, "deletes")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionedTable {
    pub table: TableName,
    pub partitions: i64,
}

impl FromRow for PartitionedTable {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(PartitionedTable {
            table: TableName::from_row(row, q)?,
            partitions: sql::get(row, q, "partitions")?,
        })
    }
}

/// A json or jsonb column and the size of its table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LobColumn {
    pub column: ColumnName,
    pub data_type: String,
    pub table_bytes: i64,
}

impl FromRow for LobColumn {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(LobColumn {
            column: ColumnName::from_row(row, q)?,
            data_type: sql::get(row, q, "data_type")?,
            table_bytes: sql::get(row, q, "table_bytes")?,
        })
    }
}

pub async fn checks(
    source: &Session,
    schemas: &[String],
    options: &AssessOptions,
) -> Result<Vec<AssessCheck>, AssessError> {
    let keyless: Vec<KeylessTable> = source.rows(&TABLES_WITHOUT_KEY, &[&schemas]).await?;
    let unlogged: Vec<TableName> = source.rows(&UNLOGGED_TABLES, &[&schemas]).await?;
    let generated: Vec<ColumnName> = source.rows(&GENERATED_COLUMNS, &[&schemas]).await?;
    let partitioned: Vec<PartitionedTable> = source.rows(&PARTITIONED_TABLES, &[&schemas]).await?;
    let numeric: Vec<ColumnName> = source.rows(&UNBOUNDED_NUMERIC_COLUMNS, &[&schemas]).await?;
    let lob_columns: Vec<LobColumn> = source.rows(&LOB_COLUMNS, &[&schemas]).await?;
    let lob_sizes = largest_lob_values(source, &lob_columns, options).await?;
    Ok(vec![
        keyless_check(&keyless),
        unlogged_check(&unlogged),
        generated_check(&generated, options.engine),
        partitioned_check(&partitioned),
        numeric_check(&numeric, options.engine),
        lob_check(&lob_columns, &lob_sizes, options),
    ])
}

fn keyless_check(tables: &[KeylessTable]) -> AssessCheck {
    let name = "postgres-check-pk";
    if tables.is_empty() {
        return AssessCheck::pass(
            name,
            Side::Source,
            "every table has a primary key or a replica identity",
        );
    }
    let evidence = tables.iter().map(|t| {
        format!(
            "{} (replica identity {}): {} updates, {} deletes since the statistics were reset",
            t.table.qualified(),
            replica_identity_name(&t.replica_identity),
            t.updates,
            t.deletes
        )
    });
    let active = tables.iter().filter(|t| t.updates + t.deletes > 0).count();
    let (status, summary) = if active > 0 {
        (Status::Fail, format!("{} table(s) without a primary key or replica identity, {active} of them updated or deleted from: those changes cannot be replicated", tables.len()))
    } else {
        (Status::Warn, format!("{} table(s) without a primary key or replica identity (no updates or deletes seen yet)", tables.len()))
    };
    AssessCheck::new(name, Side::Source, status, summary)
        .with_evidence(evidence)
        .with_fix("add a primary key, or ALTER TABLE … REPLICA IDENTITY FULL (or USING INDEX on a unique index of NOT NULL columns)")
}

fn replica_identity_name(code: &str) -> &'static str {
    match code {
        "d" => "default",
        "n" => "nothing",
        "f" => "full",
        "i" => "index",
        _ => "unknown",
    }
}

fn unlogged_check(tables: &[TableName]) -> AssessCheck {
    let name = "unlogged-tables";
    if tables.is_empty() {
        return AssessCheck::pass(name, Side::Source, "no unlogged table");
    }
    let names: Vec<String> = tables.iter().map(TableName::qualified).collect();
    AssessCheck::new(
        name,
        Side::Source,
        Status::Fail,
        format!(
            "{} unlogged table(s): they write no WAL, so no change to them is replicated",
            names.len()
        ),
    )
    .with_evidence(vec![list_some(&names, LIST_LIMIT)])
    .with_fix(
        "ALTER TABLE … SET LOGGED before the migration, or leave the table out of the selection",
    )
}

fn generated_check(columns: &[ColumnName], engine: EngineKind) -> AssessCheck {
    let name = "generated-columns";
    if columns.is_empty() {
        return AssessCheck::pass(name, Side::Source, "no generated column");
    }
    let names: Vec<String> = columns.iter().map(ColumnName::qualified).collect();
    let evidence = vec![list_some(&names, LIST_LIMIT)];
    match engine {
        EngineKind::Native => AssessCheck::pass(name, Side::Source, format!("{} generated column(s): the target computes them (its definition must match)", names.len()))
            .with_evidence(evidence),
        EngineKind::Dms => AssessCheck::new(name, Side::Source, Status::Warn, format!("{} generated column(s): DMS writes them like any column, which the target refuses", names.len()))
            .with_evidence(evidence)
            .with_fix("exclude the generated columns in the DMS table mapping (remove-column transformation); the target computes them"),
    }
}

fn partitioned_check(tables: &[PartitionedTable]) -> AssessCheck {
    let name = "partitioned-tables";
    if tables.is_empty() {
        return AssessCheck::pass(name, Side::Source, "no partitioned table");
    }
    let names: Vec<String> = tables
        .iter()
        .map(|t| format!("{} ({} partitions)", t.table.qualified(), t.partitions))
        .collect();
    AssessCheck::new(name, Side::Source, Status::Warn, format!("{} partitioned table(s): changes are decoded per partition", names.len()))
        .with_evidence(vec![list_some(&names, LIST_LIMIT)])
        .with_fix("create the same partitions on the target before the migration and select the partitions (or publish via the root) so every row is replicated")
}

fn numeric_check(columns: &[ColumnName], engine: EngineKind) -> AssessCheck {
    let name = "numeric-without-precision";
    if columns.is_empty() {
        return AssessCheck::pass(name, Side::Source, "every numeric column has a precision");
    }
    let names: Vec<String> = columns.iter().map(ColumnName::qualified).collect();
    let evidence = vec![list_some(&names, LIST_LIMIT)];
    match engine {
        EngineKind::Native => AssessCheck::pass(name, Side::Source, format!("{} numeric column(s) without precision: native replication moves them exactly", names.len()))
            .with_evidence(evidence),
        EngineKind::Dms => AssessCheck::new(name, Side::Source, Status::Fail, format!("{} numeric column(s) without precision: DMS moves them as NUMERIC(28,6) and rounds their values", names.len()))
            .with_evidence(evidence)
            .with_fix("declare a precision (ALTER TABLE … ALTER COLUMN … TYPE numeric(p,s)) that holds every value, or migrate with the native engine"),
    }
}

/// What the largest-value scan of one table found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LobScan {
    /// Largest value in bytes per column (None: every value NULL).
    Measured(BTreeMap<String, Option<i64>>),
    /// The table is larger than the scan limit.
    SkippedLarge,
    /// The scan hit the statement timeout.
    TimedOut,
}

/// `max(octet_length(col::text))` of every json/jsonb column, one scan per
/// table, only for tables under the size limit and each under a statement
/// timeout: this is a full scan of the table.
async fn largest_lob_values(
    source: &Session,
    columns: &[LobColumn],
    options: &AssessOptions,
) -> Result<BTreeMap<TableName, LobScan>, AssessError> {
    let mut by_table: BTreeMap<TableName, (i64, Vec<String>)> = BTreeMap::new();
    for c in columns {
        let entry = by_table
            .entry(c.column.table.clone())
            .or_insert((c.table_bytes, Vec::new()));
        entry.1.push(c.column.column.clone());
    }
    let mut out = BTreeMap::new();
    for (table, (bytes, cols)) in by_table {
        let scan = if bytes > options.lob_scan_max_table_bytes {
            LobScan::SkippedLarge
        } else {
            scan_table(source, &table, &cols, options).await?
        };
        out.insert(table, scan);
    }
    Ok(out)
}

async fn scan_table(
    source: &Session,
    table: &TableName,
    cols: &[String],
    options: &AssessOptions,
) -> Result<LobScan, AssessError> {
    let select: Vec<String> = cols
        .iter()
        .map(|c| format!("max(octet_length({}::text))::int8", quote_ident(c)))
        .collect();
    let text = format!("SELECT {} FROM {}", select.join(", "), table.quoted());
    let timeout = format!("{}ms", options.lob_scan_timeout.as_millis().max(1));
    let client = &source.client;
    client
        .batch_execute("BEGIN READ ONLY")
        .await
        .map_err(source.query_error(&LOCAL_STATEMENT_TIMEOUT))?;
    client
        .query_one(LOCAL_STATEMENT_TIMEOUT.text, &[&timeout])
        .await
        .map_err(source.query_error(&LOCAL_STATEMENT_TIMEOUT))?;
    let what = || format!("the largest json value of {}", table.qualified());
    let result = client.query_one(&text, &[]).await;
    client
        .batch_execute("ROLLBACK")
        .await
        .map_err(source.query_error(&LOCAL_STATEMENT_TIMEOUT))?;
    let row = match result {
        Ok(row) => row,
        Err(e) if e.code() == Some(&SqlState::QUERY_CANCELED) => return Ok(LobScan::TimedOut),
        Err(e) => return Err(source.table_error(what())(e)),
    };
    let mut sizes = BTreeMap::new();
    for (i, c) in cols.iter().enumerate() {
        let size: Option<i64> = row.try_get(i).map_err(source.table_error(what()))?;
        sizes.insert(c.clone(), size);
    }
    Ok(LobScan::Measured(sizes))
}

fn lob_check(
    columns: &[LobColumn],
    scans: &BTreeMap<TableName, LobScan>,
    options: &AssessOptions,
) -> AssessCheck {
    let name = "postgres-check-limited-lob-size";
    if columns.is_empty() {
        return AssessCheck::pass(name, Side::Source, "no json or jsonb column");
    }
    let mut largest: i64 = 0;
    let mut evidence = Vec::new();
    for c in columns {
        let scan = scans.get(&c.column.table);
        let seen = match scan {
            Some(LobScan::Measured(sizes)) => {
                match sizes.get(&c.column.column).copied().flatten() {
                    Some(bytes) => {
                        largest = largest.max(bytes);
                        format!("largest value {}", human_bytes(bytes))
                    }
                    None => "no value".to_owned(),
                }
            }
            Some(LobScan::SkippedLarge) | None => format!(
                "not measured: table is {}, over the {} scan limit",
                human_bytes(c.table_bytes),
                human_bytes(options.lob_scan_max_table_bytes)
            ),
            Some(LobScan::TimedOut) => format!(
                "not measured: the scan took longer than {} ms",
                options.lob_scan_timeout.as_millis()
            ),
        };
        evidence.push(format!(
            "{} ({}): {seen}",
            c.column.qualified(),
            c.data_type
        ));
    }
    let summary = format!(
        "{} json/jsonb column(s); largest value measured {}",
        columns.len(),
        human_bytes(largest)
    );
    match options.engine {
        EngineKind::Native => AssessCheck::pass(name, Side::Source, summary).with_evidence(evidence),
        EngineKind::Dms => AssessCheck::new(name, Side::Source, Status::Warn, format!("{summary}: DMS moves them as LOBs"))
            .with_evidence(evidence)
            .with_fix(format!(
                "use limited LOB mode with LobMaxSize of at least {} KB (values above it are truncated), or full LOB mode",
                (largest + 1023) / 1024
            )),
    }
}
