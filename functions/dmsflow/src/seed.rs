//! `seed-source`: load the sample into the source, create the schema on the
//! target, or apply a CDC burst and report exactly which keys it changed.
//!
//! A load is one transaction (schema, binary COPY FREEZE of six tables, keys,
//! indexes, foreign keys, sequences): it either lands whole or not at all, and
//! it never overwrites or duplicates data unless the event says `reset`.

use crate::db::{quote_ident, ConnectSpec, DbError};
use crate::error::{Classify, ErrorType};
use crate::sample::{Generator, Rng, Table, DEFAULT_SEED};
use bytes::Bytes;
use futures_util::SinkExt;
use std::collections::BTreeMap;
use std::time::Instant;
use tokio_postgres::Transaction;

pub use crate::contract::seed::{
    ChangesRequest, ChangesResult, LoadRequest, LoadResult, NumericText, SchemaRequest,
    SchemaResult, SeedEvent, TableChanges,
};

/// The schema the sample lives in (the SQL in `sql/` names it).
pub const SAMPLE_SCHEMA: &str = "shop";
pub const MAX_SCALE: u64 = 100_000;
pub const MAX_CHANGES: u64 = 1_000_000;

const PRE_DATA_SQL: &str = include_str!("../../../sql/schema/pre_data.sql");
const POST_DATA_SQL: &str = include_str!("../../../sql/schema/post_data.sql");
const TABLE_STATE_SQL: &str = include_str!("../../../sql/seed/table_state.sql");
const SERIAL_SEQUENCES_SQL: &str = include_str!("../../../sql/seed/serial_sequences.sql");
const TABLE_COUNTS_SQL: &str = include_str!("../../../sql/seed/table_counts.sql");
const MAX_KEYS_SQL: &str = include_str!("../../../sql/seed/max_keys.sql");
const INSERT_CUSTOMERS_SQL: &str = include_str!("../../../sql/seed/change_insert_customers.sql");
const INSERT_ORDERS_SQL: &str = include_str!("../../../sql/seed/change_insert_orders.sql");
const INSERT_ORDER_ITEMS_SQL: &str =
    include_str!("../../../sql/seed/change_insert_order_items.sql");
const ORDER_TOTALS_SQL: &str = include_str!("../../../sql/seed/change_order_totals.sql");
const UPDATE_PRODUCTS_SQL: &str = include_str!("../../../sql/seed/change_update_products.sql");
const UPDATE_ORDERS_SQL: &str = include_str!("../../../sql/seed/change_update_orders.sql");
const UPDATE_INVENTORY_SQL: &str = include_str!("../../../sql/seed/change_update_inventory.sql");
const UPDATE_CUSTOMERS_SQL: &str = include_str!("../../../sql/seed/change_update_customers.sql");
const DELETE_ORDERS_SQL: &str = include_str!("../../../sql/seed/change_delete_orders.sql");
const DELETE_ORDER_ITEMS_SQL: &str =
    include_str!("../../../sql/seed/change_delete_order_items.sql");

/// Serialises concurrent seeds of one database (`pg_advisory_xact_lock`).
const SEED_LOCK_KEY: i64 = 0x0064_6d73_666c_6f77; // "dmsflow"

impl SeedEvent {
    /// Parse an event, naming the bad field on error.
    pub fn from_value(value: serde_json::Value) -> Result<Self, crate::events::EventError> {
        use crate::events::{parse_event, split_tag};
        let (mode, rest) = split_tag(value, "mode", &["load", "changes", "schema"])?;
        let event = match mode.as_str() {
            "load" => SeedEvent::Load(parse_event(rest)?),
            "changes" => SeedEvent::Changes(parse_event(rest)?),
            _ => SeedEvent::Schema(parse_event(rest)?),
        };
        event.validate()?;
        Ok(event)
    }

    /// Range checks serde cannot express.
    pub fn validate(&self) -> Result<(), crate::events::EventError> {
        match self {
            SeedEvent::Load(r) if r.scale == 0 || r.scale > MAX_SCALE => {
                Err(crate::events::EventError::invalid(
                    "scale",
                    format!("must be between 1 and {MAX_SCALE}, got {}", r.scale),
                ))
            }
            SeedEvent::Changes(r) if r.count == 0 || r.count > MAX_CHANGES => {
                Err(crate::events::EventError::invalid(
                    "count",
                    format!("must be between 1 and {MAX_CHANGES}, got {}", r.count),
                ))
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the source already holds data in schema {schema} (tables with rows: {tables}); nothing was changed. Send \"reset\": true to drop and reload it")]
    SourceNotEmpty { schema: String, tables: String },
    #[error("schema {schema} exists but is not the sample schema (missing tables: {missing}); nothing was changed. Send \"reset\": true to recreate it")]
    ForeignSchema { schema: String, missing: String },
    #[error("schema {schema} does not exist on {endpoint}: load the sample first (mode \"load\")")]
    NotSeeded { schema: String, endpoint: String },
    #[error("the {table} stream failed")]
    Generator { table: &'static str },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Classify for SeedError {
    fn error_type(&self) -> ErrorType {
        match self {
            SeedError::SourceNotEmpty { .. } | SeedError::ForeignSchema { .. } => {
                ErrorType::SourceNotEmpty
            }
            SeedError::NotSeeded { .. } => ErrorType::UnknownTable,
            SeedError::Generator { .. } => ErrorType::DatabaseError,
            SeedError::Db(e) => e.error_type(),
        }
    }
}

impl TableChanges {
    pub fn total(&self) -> usize {
        self.inserted.len() + self.updated.len() + self.deleted.len()
    }
}

async fn lock(tx: &Transaction<'_>, spec: &ConnectSpec) -> Result<(), DbError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SEED_LOCK_KEY])
        .await
        .map_err(spec.query_error("taking the seed lock"))?;
    Ok(())
}

async fn table_state(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
) -> Result<Vec<(String, bool)>, DbError> {
    let rows = tx
        .query(TABLE_STATE_SQL, &[&SAMPLE_SCHEMA])
        .await
        .map_err(spec.query_error("reading the sample schema's tables"))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

async fn exact_counts(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
) -> Result<BTreeMap<String, i64>, DbError> {
    let rows = tx
        .query(TABLE_COUNTS_SQL, &[])
        .await
        .map_err(spec.query_error("counting rows"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
        .collect())
}

/// Where a load is built before it is swapped in (never visible half-done).
pub const STAGING_SCHEMA: &str = "shop_dmsflow_load";
/// Parallel loader connections (two streams keep two cores busy).
const LOAD_WORKERS: usize = 2;

/// The sample DDL, split so each statement runs where it belongs: types in the
/// setup, a table's CREATE and its keys/indexes on the connection loading it,
/// foreign keys in the final transaction (they need both tables).
#[derive(Debug, Default)]
struct LoadPlan {
    setup: Vec<String>,
    create: BTreeMap<String, Vec<String>>,
    post: BTreeMap<String, Vec<String>>,
    foreign_keys: Vec<String>,
}

fn load_plan() -> LoadPlan {
    let mut plan = LoadPlan::default();
    for stmt in crate::sqltext::statements(PRE_DATA_SQL) {
        let upper = stmt.to_ascii_uppercase();
        if upper.starts_with("CREATE SCHEMA") || upper.starts_with("SET ") {
            continue;
        }
        match crate::sqltext::statement_table(&stmt) {
            Some(table) => plan.create.entry(table).or_default().push(stmt),
            None => plan.setup.push(stmt),
        }
    }
    for stmt in crate::sqltext::statements(POST_DATA_SQL) {
        let upper = stmt.to_ascii_uppercase();
        if upper.starts_with("SET ") {
            continue;
        }
        if upper.contains("FOREIGN KEY") {
            plan.foreign_keys.push(stmt);
        } else if let Some(table) = crate::sqltext::statement_table(&stmt) {
            plan.post.entry(table).or_default().push(stmt);
        } else {
            plan.foreign_keys.push(stmt);
        }
    }
    plan
}

/// Does this foreign-key statement only involve tables in `tables`?
fn fk_within(stmt: &str, tables: &[&str]) -> bool {
    let referencing = crate::sqltext::statement_table(stmt);
    let words: Vec<&str> = stmt.split_whitespace().collect();
    let referenced = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("REFERENCES"))
        .and_then(|i| words.get(i + 1))
        .map(|w| w.trim_matches(|c| c == '(' || c == '"'));
    match (referencing, referenced) {
        (Some(a), Some(b)) => tables.contains(&a.as_str()) && tables.contains(&b),
        _ => false,
    }
}

/// Relative cost of loading a table (rows × width), to balance the workers.
fn load_weight(table: Table) -> u32 {
    match table {
        Table::Products => 10,
        Table::Orders | Table::OrderItems => 6,
        Table::Inventory | Table::Customers => 1,
        Table::Categories => 0,
    }
}

fn assign_workers(workers: usize) -> Vec<Vec<Table>> {
    let mut tables = Table::ALL.to_vec();
    tables.sort_by_key(|t| std::cmp::Reverse(load_weight(*t)));
    let mut groups: Vec<(u32, Vec<Table>)> = vec![(0, Vec::new()); workers.max(1)];
    for t in tables {
        if let Some(lightest) = groups.iter_mut().min_by_key(|(w, _)| *w) {
            lightest.0 += load_weight(t);
            lightest.1.push(t);
        }
    }
    groups
        .into_iter()
        .map(|(_, g)| g)
        .filter(|g| !g.is_empty())
        .collect()
}

/// Load the sample (mode `load`).
///
/// Built in a staging schema by parallel connections (CREATE + COPY FREEZE +
/// keys and indexes per table), then one final transaction adds the foreign
/// keys, moves the sequences and swaps the staging schema in. A failure at any
/// point leaves the database as it was.
pub async fn load(spec: &ConnectSpec, req: &LoadRequest) -> Result<LoadResult, SeedError> {
    let started = Instant::now();
    let seed = req.seed.unwrap_or(DEFAULT_SEED);
    let mut coordinator = spec.connect("dmsflow-seed").await?;
    coordinator
        .execute("SELECT pg_advisory_lock($1)", &[&SEED_LOCK_KEY])
        .await
        .map_err(spec.query_error("taking the seed lock"))?;
    let outcome = load_locked(&mut coordinator, spec, req, seed).await;
    if outcome.is_err() {
        let drop = format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            quote_ident(STAGING_SCHEMA)
        );
        if let Err(e) = coordinator.batch_execute(&drop).await {
            tracing::warn!(error = %e, "could not drop the staging schema after a failed load");
        }
    }
    let _ = coordinator
        .execute("SELECT pg_advisory_unlock($1)", &[&SEED_LOCK_KEY])
        .await;
    let counts = outcome?;
    let total_rows: i64 = counts.values().sum();
    let seconds = started.elapsed().as_secs_f64();
    Ok(LoadResult {
        mode: "load".into(),
        schema: SAMPLE_SCHEMA.into(),
        scale: req.scale,
        seed,
        reset: req.reset,
        counts,
        total_rows,
        seconds,
        rows_per_second: total_rows as f64 / seconds.max(1e-9),
    })
}

async fn load_locked(
    coordinator: &mut tokio_postgres::Client,
    spec: &ConnectSpec,
    req: &LoadRequest,
    seed: u64,
) -> Result<BTreeMap<String, i64>, SeedError> {
    // 1. Refuse to touch data unless asked.
    let exists = {
        let tx = coordinator
            .transaction()
            .await
            .map_err(spec.query_error("starting the pre-load check"))?;
        let exists = schema_exists(&tx, spec).await?;
        if exists && !req.reset {
            refuse_unless_empty_sample(&tx, spec).await?;
        }
        tx.commit()
            .await
            .map_err(spec.query_error("ending the pre-load check"))?;
        exists
    };

    // 2. A fresh staging schema with the shared objects (the enum type).
    let plan = load_plan();
    let staging = quote_ident(STAGING_SCHEMA);
    let mut setup = format!(
        "DROP SCHEMA IF EXISTS {staging} CASCADE; CREATE SCHEMA {staging}; SET search_path = {staging};"
    );
    for stmt in &plan.setup {
        setup.push_str(stmt);
        setup.push(';');
    }
    setup.push_str("RESET search_path;");
    coordinator
        .batch_execute(&setup)
        .await
        .map_err(spec.query_error("creating the staging schema"))?;

    // 3. Tables in parallel: CREATE, COPY FREEZE, keys and indexes.
    let generator = Generator::new(seed, req.scale);
    let workers = assign_workers(LOAD_WORKERS)
        .into_iter()
        .map(|tables| load_tables(spec, generator, tables, &plan));
    let counts: BTreeMap<String, i64> = futures_util::future::try_join_all(workers)
        .await?
        .into_iter()
        .flatten()
        .map(|(table, rows)| {
            (
                table.name().to_owned(),
                i64::try_from(rows).unwrap_or(i64::MAX),
            )
        })
        .collect();

    // 4. One transaction: foreign keys, sequences, swap.
    let tx = coordinator
        .transaction()
        .await
        .map_err(spec.query_error("starting the final load transaction"))?;
    let t0 = Instant::now();
    tx.batch_execute(&format!("SET LOCAL search_path = {staging}"))
        .await
        .map_err(spec.query_error("setting the search path"))?;
    let groups = assign_workers(LOAD_WORKERS);
    let done_by_workers = |stmt: &String| {
        groups.iter().any(|g| {
            let names: Vec<&str> = g.iter().map(|t| t.name()).collect();
            fk_within(stmt, &names)
        })
    };
    for stmt in plan.foreign_keys.iter().filter(|s| !done_by_workers(s)) {
        tx.batch_execute(stmt)
            .await
            .map_err(spec.query_error("adding foreign keys"))?;
    }
    tracing::info!(
        ms = t0.elapsed().as_millis() as u64,
        "foreign keys validated"
    );
    if exists {
        if !req.reset {
            // Re-check under lock: rows may have arrived since step 1.
            let list: Vec<String> = Table::ALL
                .iter()
                .map(|t| format!("{}.{}", quote_ident(SAMPLE_SCHEMA), quote_ident(t.name())))
                .collect();
            tx.batch_execute(&format!(
                "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
                list.join(", ")
            ))
            .await
            .map_err(spec.query_error("locking the empty sample tables"))?;
            refuse_unless_empty_sample(&tx, spec).await?;
        }
        tx.batch_execute(&format!(
            "DROP SCHEMA {} CASCADE",
            quote_ident(SAMPLE_SCHEMA)
        ))
        .await
        .map_err(spec.query_error("dropping the previous sample schema"))?;
    }
    tx.batch_execute(&format!(
        "ALTER SCHEMA {staging} RENAME TO {}",
        quote_ident(SAMPLE_SCHEMA)
    ))
    .await
    .map_err(spec.query_error("swapping the loaded schema in"))?;
    reset_sequences(&tx, spec, SAMPLE_SCHEMA).await?;
    tx.commit()
        .await
        .map_err(spec.query_error("committing the load"))?;
    Ok(counts)
}

/// SourceNotEmpty if any sample table has rows; ForeignSchema if the schema
/// is not ours (a table missing).
async fn refuse_unless_empty_sample(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
) -> Result<(), SeedError> {
    let state = table_state(tx, spec).await?;
    let with_rows: Vec<&str> = state
        .iter()
        .filter(|(_, r)| *r)
        .map(|(t, _)| t.as_str())
        .collect();
    if !with_rows.is_empty() {
        return Err(SeedError::SourceNotEmpty {
            schema: SAMPLE_SCHEMA.into(),
            tables: with_rows.join(", "),
        });
    }
    let missing: Vec<&str> = Table::ALL
        .iter()
        .map(|t| t.name())
        .filter(|name| !state.iter().any(|(t, _)| t == name))
        .collect();
    if !missing.is_empty() {
        return Err(SeedError::ForeignSchema {
            schema: SAMPLE_SCHEMA.into(),
            missing: missing.join(", "),
        });
    }
    Ok(())
}

/// One loader connection: its tables' CREATE, COPY FREEZE, then their keys and
/// indexes, in one transaction (FREEZE needs the table created in it).
async fn load_tables(
    spec: &ConnectSpec,
    generator: Generator,
    tables: Vec<Table>,
    plan: &LoadPlan,
) -> Result<Vec<(Table, u64)>, SeedError> {
    let mut client = spec.connect("dmsflow-seed-worker").await?;
    let tx = client
        .transaction()
        .await
        .map_err(spec.query_error("starting a loader transaction"))?;
    tx.batch_execute(&format!(
        "SET LOCAL search_path = {}",
        quote_ident(STAGING_SCHEMA)
    ))
    .await
    .map_err(spec.query_error("setting the search path"))?;
    let mut copied = Vec::new();
    for table in &tables {
        for stmt in plan.create.get(table.name()).into_iter().flatten() {
            tx.batch_execute(stmt)
                .await
                .map_err(spec.query_error(format!("creating table {}", table.name())))?;
        }
        let t0 = Instant::now();
        let rows = copy_table(&tx, spec, &generator, *table, STAGING_SCHEMA).await?;
        copied.push((*table, rows));
        tracing::info!(
            table = table.name(),
            rows,
            ms = t0.elapsed().as_millis() as u64,
            "copied"
        );
    }
    let t0 = Instant::now();
    tx.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")
        .await
        .map_err(spec.query_error("sizing index builds"))?;
    for table in &tables {
        for stmt in plan.post.get(table.name()).into_iter().flatten() {
            tx.batch_execute(stmt).await.map_err(
                spec.query_error(format!("adding keys and indexes to {}", table.name())),
            )?;
        }
    }
    // Foreign keys between tables this connection loaded (the others wait for
    // the final transaction, when both sides exist).
    let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
    for stmt in plan.foreign_keys.iter().filter(|s| fk_within(s, &names)) {
        tx.batch_execute(stmt)
            .await
            .map_err(spec.query_error("adding foreign keys"))?;
    }
    tracing::info!(
        ms = t0.elapsed().as_millis() as u64,
        "keys and indexes built"
    );
    tx.commit()
        .await
        .map_err(spec.query_error("committing a loader transaction"))?;
    Ok(copied)
}

/// Move every identity/serial sequence of `schema` past its column's largest
/// value (a load with explicit keys leaves them at 1; the next insert would collide).
async fn reset_sequences(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &str,
) -> Result<(), DbError> {
    let rows = tx
        .query(SERIAL_SEQUENCES_SQL, &[&schema])
        .await
        .map_err(spec.query_error("listing sequences"))?;
    for row in rows {
        let table: String = row.get(0);
        let column: String = row.get(1);
        let sequence: String = row.get(2);
        let sql = format!(
            "SELECT setval($1::text::regclass, coalesce(max({col}), 1), count(*) > 0) FROM {schema}.{table}",
            col = quote_ident(&column),
            schema = quote_ident(schema),
            table = quote_ident(&table),
        );
        tx.query_one(&sql, &[&sequence])
            .await
            .map_err(spec.query_error(format!("moving sequence {sequence}")))?;
    }
    Ok(())
}

async fn schema_exists(tx: &Transaction<'_>, spec: &ConnectSpec) -> Result<bool, DbError> {
    let row = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&SAMPLE_SCHEMA],
        )
        .await
        .map_err(spec.query_error("checking for the sample schema"))?;
    Ok(row.get(0))
}

async fn constraints_exist(tx: &Transaction<'_>, spec: &ConnectSpec) -> Result<bool, DbError> {
    let row = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = $1 AND c.conname = 'orders_pkey')",
            &[&SAMPLE_SCHEMA],
        )
        .await
        .map_err(spec.query_error("checking the sample's keys"))?;
    Ok(row.get(0))
}

/// Stream one table through binary COPY. Generation runs on a blocking thread
/// and hands ~1 MB chunks over a small channel, so the client encodes while the
/// server parses.
async fn copy_table(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    generator: &Generator,
    table: Table,
    schema: &str,
) -> Result<u64, SeedError> {
    let columns: Vec<String> = table.columns().iter().map(|c| quote_ident(c)).collect();
    let statement = format!(
        "COPY {}.{} ({}) FROM STDIN (FORMAT binary, FREEZE)",
        quote_ident(schema),
        quote_ident(table.name()),
        columns.join(", ")
    );
    let sink = tx
        .copy_in::<_, Bytes>(&statement)
        .await
        .map_err(spec.query_error(format!("starting COPY into {}", table.name())))?;
    let mut sink = Box::pin(sink);

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let generator = *generator;
    let producer = tokio::task::spawn_blocking(move || {
        generator.stream_table(table, 1 << 20, |chunk| sender.blocking_send(chunk).is_ok())
    });
    while let Some(chunk) = receiver.recv().await {
        sink.send(Bytes::from(chunk))
            .await
            .map_err(spec.query_error(format!("COPY into {}", table.name())))?;
    }
    let generated = producer.await.map_err(|_| SeedError::Generator {
        table: table.name(),
    })?;
    // The server's own count of rows copied: exact, and checked against ours.
    let copied = sink
        .as_mut()
        .finish()
        .await
        .map_err(spec.query_error(format!("finishing COPY into {}", table.name())))?;
    if copied != generated {
        return Err(SeedError::Generator {
            table: table.name(),
        });
    }
    Ok(copied)
}

/// Create the empty sample schema (mode `schema`), e.g. on the target before a
/// migration. Idempotent: an existing complete schema is left as it is.
pub async fn create_schema(
    spec: &ConnectSpec,
    database: crate::config::Side,
) -> Result<SchemaResult, SeedError> {
    let mut client = spec.connect("dmsflow-seed").await?;
    let tx = client
        .transaction()
        .await
        .map_err(spec.query_error("starting the schema transaction"))?;
    lock(&tx, spec).await?;
    let exists = schema_exists(&tx, spec).await?;
    if exists {
        let state = table_state(&tx, spec).await?;
        let missing: Vec<&str> = Table::ALL
            .iter()
            .map(|t| t.name())
            .filter(|name| !state.iter().any(|(t, _)| t == name))
            .collect();
        if !missing.is_empty() {
            return Err(SeedError::ForeignSchema {
                schema: SAMPLE_SCHEMA.into(),
                missing: missing.join(", "),
            });
        }
    } else {
        tx.batch_execute(PRE_DATA_SQL)
            .await
            .map_err(spec.query_error("creating the sample tables"))?;
    }
    if !constraints_exist(&tx, spec).await? {
        tx.batch_execute(POST_DATA_SQL)
            .await
            .map_err(spec.query_error("adding keys, indexes and foreign keys"))?;
    }
    tx.commit()
        .await
        .map_err(spec.query_error("committing the schema"))?;
    Ok(SchemaResult {
        mode: "schema".into(),
        schema: SAMPLE_SCHEMA.into(),
        database: database.as_str().into(),
        created: !exists,
    })
}

fn key1(rows: &[tokio_postgres::Row]) -> Vec<Vec<String>> {
    rows.iter().map(|r| vec![r.get::<_, String>(0)]).collect()
}

fn key2(rows: &[tokio_postgres::Row]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| vec![r.get::<_, String>(0), r.get::<_, String>(1)])
        .collect()
}

/// Pick a start key so that `need` rows from it fit under `max`.
fn start_key(rng: &mut Rng, max: i64, need: i64) -> i64 {
    let span = (max - need).max(1);
    rng.range(1, span)
}

/// Apply a CDC burst (mode `changes`) in one transaction and report every key.
pub async fn apply_changes(
    spec: &ConnectSpec,
    req: &ChangesRequest,
) -> Result<ChangesResult, SeedError> {
    let seed = req.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(DEFAULT_SEED)
    });
    let mut rng = Rng::new(seed);
    let mut client = spec.connect("dmsflow-seed").await?;
    let tx = client
        .transaction()
        .await
        .map_err(spec.query_error("starting the change transaction"))?;
    lock(&tx, spec).await?;
    if !schema_exists(&tx, spec).await? {
        return Err(SeedError::NotSeeded {
            schema: SAMPLE_SCHEMA.into(),
            endpoint: spec.endpoint(),
        });
    }

    let count = i64::try_from(req.count).unwrap_or(i64::MAX);
    let n_insert = count * 4 / 10;
    let n_update = count * 4 / 10;
    let n_delete = count - n_insert - n_update;
    let mut tables: BTreeMap<String, TableChanges> = BTreeMap::new();

    let keys = tx
        .query_one(MAX_KEYS_SQL, &[])
        .await
        .map_err(spec.query_error("reading the largest keys"))?;
    let (max_customer, max_product, max_order): (i64, i64, i64) =
        (keys.get(0), keys.get(1), keys.get(2));

    // Deletes first, so no key is both inserted and deleted by one burst.
    let orders_to_delete = n_delete / 4;
    let mut deleted = 0i64;
    if orders_to_delete > 0 && max_order > 0 {
        let start = start_key(&mut rng, max_order, orders_to_delete * 2);
        let rows = tx
            .query(DELETE_ORDERS_SQL, &[&start, &orders_to_delete])
            .await
            .map_err(spec.query_error("deleting orders"))?;
        for r in &rows {
            let table: String = r.get(0);
            let k1: String = r.get(1);
            let key = match r.get::<_, Option<String>>(2) {
                Some(k2) => vec![k1, k2],
                None => vec![k1],
            };
            changes_of(&mut tables, &table).deleted.push(key);
            deleted += 1;
        }
    }
    if n_delete - deleted > 0 && max_order > 0 {
        let need = n_delete - deleted;
        let start = start_key(&mut rng, max_order, need * 2);
        let rows = tx
            .query(DELETE_ORDER_ITEMS_SQL, &[&start, &need])
            .await
            .map_err(spec.query_error("deleting order lines"))?;
        deleted += rows.len() as i64;
        changes_of(&mut tables, "order_items")
            .deleted
            .extend(key2(&rows));
    }

    // Updates, spread over four tables (products get the LOB and jsonb edits).
    let mut updated = 0i64;
    let per_table = [
        ("products", UPDATE_PRODUCTS_SQL, max_product),
        ("orders", UPDATE_ORDERS_SQL, max_order),
        ("inventory", UPDATE_INVENTORY_SQL, max_product),
        ("customers", UPDATE_CUSTOMERS_SQL, max_customer),
    ];
    for (i, (table, sql, max)) in per_table.iter().enumerate() {
        let share = n_update / 4 + i64::from((i as i64) < n_update % 4);
        if share == 0 || *max == 0 {
            continue;
        }
        let start = start_key(&mut rng, *max, share);
        let rows = match *table {
            "products" => {
                let paragraph =
                    format!(" CDC edit {seed}: \"quoted\", a|b, 'x', tab\there; ünïcödé.");
                let width = format!("{}.{}", rng.range(1, 300), rng.below(100));
                let width = NumericText(width);
                let tag = format!("cdc-{}", rng.below(1000));
                tx.query(*sql, &[&start, &share, &paragraph, &width, &tag])
                    .await
            }
            "orders" => {
                let note = format!("changed by burst {seed}, with a \"quote\" and a comma,");
                tx.query(*sql, &[&start, &share, &note]).await
            }
            _ => tx.query(*sql, &[&start, &share]).await,
        }
        .map_err(spec.query_error(format!("updating {table}")))?;
        updated += rows.len() as i64;
        changes_of(&mut tables, table).updated.extend(key1(&rows));
    }

    // Inserts: new orders with two lines each (3 rows), the rest new customers.
    let mut inserted = 0i64;
    let new_orders = if max_customer > 0 && max_product > 0 {
        n_insert / 3
    } else {
        0
    };
    let new_customers = n_insert - new_orders * 3;
    if new_customers > 0 {
        let n = usize::try_from(new_customers).unwrap_or(0);
        let mut refs = Vec::with_capacity(n);
        let mut emails = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let mut phones: Vec<Option<String>> = Vec::with_capacity(n);
        let mut opt_in = Vec::with_capacity(n);
        for i in 0..n {
            let a = rng.next_u64();
            let b = rng.next_u64();
            refs.push(format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0xfff,
                b >> 52,
                b & 0xffff_ffff_ffff
            ));
            emails.push(format!("cdc.{seed}.{i}@example.com"));
            names.push(format!("Zoë O'Brien-{i}"));
            phones.push(match i % 3 {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("+49 30 {}", rng.range(1_000_000, 9_999_999))),
            });
            opt_in.push(i % 2 == 0);
        }
        let rows = tx
            .query(
                INSERT_CUSTOMERS_SQL,
                &[&refs, &emails, &names, &phones, &opt_in],
            )
            .await
            .map_err(spec.query_error("inserting customers"))?;
        inserted += rows.len() as i64;
        changes_of(&mut tables, "customers")
            .inserted
            .extend(key1(&rows));
    }
    if new_orders > 0 {
        let n = usize::try_from(new_orders).unwrap_or(0);
        let picks: Vec<i64> = (0..n).map(|_| rng.range(1, max_customer)).collect();
        let cities: Vec<String> = (0..n)
            .map(|i| ["Kraków", "Zürich", "Dublin"][i % 3].to_owned())
            .collect();
        let notes: Vec<Option<String>> = (0..n)
            .map(|i| match i % 3 {
                0 => None,
                1 => Some(String::new()),
                _ => Some("leave at the door, \"please\"".to_owned()),
            })
            .collect();
        let rows = tx
            .query(INSERT_ORDERS_SQL, &[&picks, &cities, &notes])
            .await
            .map_err(spec.query_error("inserting orders"))?;
        let order_ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.get::<_, String>(0).parse().ok())
            .collect();
        inserted += rows.len() as i64;
        changes_of(&mut tables, "orders")
            .inserted
            .extend(key1(&rows));

        let mut item_orders = Vec::new();
        let mut lines: Vec<i16> = Vec::new();
        let mut products = Vec::new();
        let mut quantities: Vec<i32> = Vec::new();
        let mut discounts: Vec<String> = Vec::new();
        for order in &order_ids {
            for line in 1..=2i16 {
                item_orders.push(*order);
                lines.push(line);
                products.push(rng.range(1, max_product));
                quantities.push(i32::try_from(rng.range(1, 4)).unwrap_or(1));
                discounts.push(
                    ["0.0000", "0.0500", "0.3333"][usize::try_from(rng.below(3)).unwrap_or(0)]
                        .to_owned(),
                );
            }
        }
        let discounts: Vec<NumericText> = discounts.into_iter().map(NumericText).collect();
        let rows = tx
            .query(
                INSERT_ORDER_ITEMS_SQL,
                &[&item_orders, &lines, &products, &quantities, &discounts],
            )
            .await
            .map_err(spec.query_error("inserting order lines"))?;
        inserted += rows.len() as i64;
        changes_of(&mut tables, "order_items")
            .inserted
            .extend(key2(&rows));
        tx.execute(ORDER_TOTALS_SQL, &[&order_ids])
            .await
            .map_err(spec.query_error("updating order totals"))?;
    }

    let expected_counts = exact_counts(&tx, spec).await?;
    tx.commit()
        .await
        .map_err(spec.query_error("committing the burst"))?;
    let row = client
        .query_one(
            "SELECT pg_current_wal_lsn()::text, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
            &[],
        )
        .await
        .map_err(spec.query_error("reading the WAL position"))?;

    Ok(ChangesResult {
        mode: "changes".into(),
        schema: SAMPLE_SCHEMA.into(),
        seed,
        requested: req.count,
        applied: u64::try_from(inserted + updated + deleted).unwrap_or(0),
        inserted: u64::try_from(inserted).unwrap_or(0),
        updated: u64::try_from(updated).unwrap_or(0),
        deleted: u64::try_from(deleted).unwrap_or(0),
        tables,
        expected_counts,
        source_lsn: row.get(0),
        committed_at: row.get(1),
    })
}

fn changes_of<'a>(
    tables: &'a mut BTreeMap<String, TableChanges>,
    table: &str,
) -> &'a mut TableChanges {
    tables.entry(table.to_owned()).or_default()
}

impl postgres_types::ToSql for NumericText {
    fn to_sql(
        &self,
        _ty: &postgres_types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&crate::sample::copy::encode_numeric(&self.0));
        Ok(postgres_types::IsNull::No)
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        *ty == postgres_types::Type::NUMERIC
    }

    postgres_types::to_sql_checked!();
}
