//! What the seeder asks a database: the seed lock, whether the sample schema
//! exists and is ours, and exact row counts. Each query sits beside the row it
//! returns; [`one`] and [`all`] run a query and read its typed rows.

use super::{SampleSchema, SeedError};
use crate::db::{ConnectSpec, DbError};
use crate::sample::Table;
use crate::sql::{self, from_row, query, FromRow, Query, RowError};
use std::collections::BTreeMap;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, GenericClient, Row, Transaction};

/// Run `query` and read its one row as `T`; `context` names the step in errors.
pub(crate) async fn one<T: FromRow>(
    db: &(impl GenericClient + Sync),
    spec: &ConnectSpec,
    query: &Query,
    params: &[&(dyn ToSql + Sync)],
    context: &str,
) -> Result<T, SeedError> {
    let row = db
        .query_one(query.text(), params)
        .await
        .map_err(spec.query_error(context))?;
    Ok(T::from_row(&row, query.name)?)
}

/// Run `query` and read every row as `T`.
pub(crate) async fn all<T: FromRow>(
    db: &(impl GenericClient + Sync),
    spec: &ConnectSpec,
    query: &Query,
    params: &[&(dyn ToSql + Sync)],
    context: &str,
) -> Result<Vec<T>, SeedError> {
    let rows = db
        .query(query.text(), params)
        .await
        .map_err(spec.query_error(context))?;
    Ok(sql::rows(&rows, query)?)
}

/// A transaction holding the seed lock (mode `changes` and `schema`).
pub(crate) async fn locked_transaction<'c>(
    client: &'c mut Client,
    spec: &ConnectSpec,
    context: &str,
) -> Result<Transaction<'c>, SeedError> {
    let tx = client
        .transaction()
        .await
        .map_err(spec.query_error(context))?;
    lock(&tx, spec).await?;
    Ok(tx)
}

/// Serialises concurrent seeds of one database (`pg_advisory_xact_lock`).
const SEED_LOCK_KEY: i64 = 0x0064_6d73_666c_6f77; // "dmsflow"

const LOCK_TRANSACTION: Query = query!("seed/lock_transaction.sql");
const LOCK_SESSION: Query = query!("seed/lock_session.sql");
const UNLOCK_SESSION: Query = query!("seed/unlock_session.sql");

/// Hold the seed lock until `tx` ends.
async fn lock(tx: &Transaction<'_>, spec: &ConnectSpec) -> Result<(), DbError> {
    tx.execute(LOCK_TRANSACTION.text(), &[&SEED_LOCK_KEY])
        .await
        .map_err(spec.query_error("taking the seed lock"))?;
    Ok(())
}

/// Hold the seed lock on this session (a load spans several transactions).
pub(crate) async fn lock_session(client: &Client, spec: &ConnectSpec) -> Result<(), DbError> {
    client
        .execute(LOCK_SESSION.text(), &[&SEED_LOCK_KEY])
        .await
        .map_err(spec.query_error("taking the seed lock"))?;
    Ok(())
}

/// Release [`lock_session`]; a failure is only logged (the lock ends with the session).
pub(crate) async fn unlock_session(client: &Client) {
    if let Err(e) = client
        .execute(UNLOCK_SESSION.text(), &[&SEED_LOCK_KEY])
        .await
    {
        tracing::warn!(error = %e, "could not release the seed lock");
    }
}

/// One `EXISTS` answer.
struct Present(bool);

const SCHEMA_EXISTS: Query = query!("seed/schema_exists.sql");
const CONSTRAINTS_EXIST: Query = query!("seed/constraints_exist.sql");

impl FromRow for Present {
    fn from_row(row: &Row, query: &'static str) -> Result<Self, RowError> {
        Ok(Present(sql::get(row, query, "present")?))
    }
}

pub(crate) async fn schema_exists(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
) -> Result<bool, SeedError> {
    let context = "checking for the sample schema";
    let present: Present = one(tx, spec, &SCHEMA_EXISTS, &[&schema.name()], context).await?;
    Ok(present.0)
}

/// Have the keys, indexes and foreign keys (post_data.sql) been added?
pub(crate) async fn constraints_exist(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
) -> Result<bool, SeedError> {
    let context = "checking the sample's keys";
    let present: Present = one(tx, spec, &CONSTRAINTS_EXIST, &[&schema.name()], context).await?;
    Ok(present.0)
}

/// A table of the sample schema and whether it holds a row.
struct TableState {
    table_name: String,
    has_rows: bool,
}

const TABLE_STATE: Query = query!("seed/table_state.sql");

from_row! { TableState { table_name, has_rows } }

async fn table_state(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
) -> Result<Vec<TableState>, SeedError> {
    let context = "reading the sample schema's tables";
    all(tx, spec, &TABLE_STATE, &[&schema.name()], context).await
}

/// ForeignSchema unless every sample table is in `schema`.
pub(crate) async fn refuse_unless_sample(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
) -> Result<(), SeedError> {
    let state = table_state(tx, spec, schema).await?;
    refuse_missing(&state, schema)
}

/// SourceNotEmpty if any sample table has rows; ForeignSchema if the schema
/// is not ours (a table missing).
pub(crate) async fn refuse_unless_empty_sample(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
) -> Result<(), SeedError> {
    let state = table_state(tx, spec, schema).await?;
    let with_rows: Vec<&str> = state
        .iter()
        .filter(|t| t.has_rows)
        .map(|t| t.table_name.as_str())
        .collect();
    if !with_rows.is_empty() {
        return Err(SeedError::SourceNotEmpty {
            schema: schema.name().into(),
            tables: with_rows.join(", "),
        });
    }
    refuse_missing(&state, schema)
}

fn refuse_missing(state: &[TableState], schema: &SampleSchema) -> Result<(), SeedError> {
    let missing: Vec<&str> = Table::ALL
        .iter()
        .map(|t| t.name())
        .filter(|name| !state.iter().any(|t| t.table_name == *name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(SeedError::ForeignSchema {
        schema: schema.name().into(),
        missing: missing.join(", "),
    })
}

/// The exact row count of one sample table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table_name: String,
    pub row_count: i64,
}

/// Exact counts of the six sample tables (unqualified names: run it with the
/// search path set to the sample schema).
pub const TABLE_COUNTS: Query = query!("seed/table_counts.sql");

from_row! { TableCount { table_name, row_count } }

/// Exact counts, in a transaction whose search path is the sample schema.
pub(crate) async fn exact_counts(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
) -> Result<BTreeMap<String, i64>, SeedError> {
    let counts: Vec<TableCount> = all(tx, spec, &TABLE_COUNTS, &[], "counting rows").await?;
    Ok(counts
        .into_iter()
        .map(|c| (c.table_name, c.row_count))
        .collect())
}
