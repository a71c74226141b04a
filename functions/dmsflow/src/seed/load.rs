//! Mode `load`: the sample built in a staging schema by parallel connections
//! (CREATE + binary COPY FREEZE + keys and indexes per table), then one final
//! transaction adds the foreign keys between connections, swaps the staging
//! schema in and moves the sequences. A failure at any point leaves the
//! database as it was, except when the process itself dies: then the staging
//! schema stays, named `<schema>_dmsflow_load` and marked by its comment
//! ([`STAGING_MARKER`]) as a load's leftover; the next load drops it (only
//! when the marker proves it ours, under the seed lock) and says so.

use super::catalog::{
    all, lock_session, refuse_unless_empty_sample, schema_exists, unlock_session,
};
use super::plan::{assign_workers, fk_within, LoadPlan, LOAD_WORKERS};
use super::{LoadRequest, LoadResult, SampleSchema, SeedError};
use crate::db::{quote_ident, quote_literal, ConnectSpec};
use crate::sample::{Generator, Table, DEFAULT_SEED};
use crate::sql::{self, from_row, query, FromRow, Query, RowError};
use bytes::Bytes;
use futures_util::SinkExt;
use std::collections::BTreeMap;
use std::time::Instant;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Transaction};

/// Load the sample into `schema` (mode `load`).
pub async fn load_in(
    spec: &ConnectSpec,
    schema: &SampleSchema,
    req: &LoadRequest,
) -> Result<LoadResult, SeedError> {
    let started = Instant::now();
    let seed = req.seed.unwrap_or(DEFAULT_SEED);
    let mut coordinator = spec.connect("dmsflow-seed").await?;
    lock_session(&coordinator, spec).await?;
    let outcome = load_locked(&mut coordinator, spec, schema, req, seed).await;
    if outcome.is_err() {
        // Only our own (marked) staging schema: a foreign one is left alone.
        if let Err(e) = drop_marked_staging(&coordinator, spec, &schema.staging()).await {
            tracing::warn!(error = %e, "did not drop the staging schema after a failed load");
        }
    }
    unlock_session(&coordinator).await;
    let counts = outcome?;
    let total_rows: i64 = counts.values().sum();
    let seconds = started.elapsed().as_secs_f64();
    Ok(LoadResult {
        mode: "load".into(),
        schema: schema.name().into(),
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
    coordinator: &mut Client,
    spec: &ConnectSpec,
    schema: &SampleSchema,
    req: &LoadRequest,
    seed: u64,
) -> Result<BTreeMap<String, i64>, SeedError> {
    let exists = refuse_to_overwrite(coordinator, spec, schema, req.reset).await?;
    let plan = LoadPlan::new();
    let staging = schema.staging();
    create_staging(coordinator, spec, &staging, &plan).await?;
    let counts =
        load_tables_in_parallel(spec, &staging, Generator::new(seed, req.scale), &plan).await?;
    let swap = Swap {
        schema,
        replace_existing: exists,
        reset: req.reset,
    };
    swap_in(coordinator, spec, &plan, swap).await?;
    Ok(counts)
}

/// Step 1: refuse to touch data unless asked. Whether the schema exists.
async fn refuse_to_overwrite(
    coordinator: &mut Client,
    spec: &ConnectSpec,
    schema: &SampleSchema,
    reset: bool,
) -> Result<bool, SeedError> {
    let tx = coordinator
        .transaction()
        .await
        .map_err(spec.query_error("starting the pre-load check"))?;
    let exists = schema_exists(&tx, spec, schema).await?;
    if exists && !reset {
        refuse_unless_empty_sample(&tx, spec, schema).await?;
    }
    tx.commit()
        .await
        .map_err(spec.query_error("ending the pre-load check"))?;
    Ok(exists)
}

/// The comment of a staging schema: what it is and that a load made it.
pub use crate::contract::seed::STAGING_MARKER;

const STAGING_MARKER_QUERY: Query = query!("seed/staging_marker.sql");

/// A schema's comment (`None`: no comment).
struct StagingMarker(Option<String>);

impl FromRow for StagingMarker {
    fn from_row(row: &Row, query: &'static str) -> Result<Self, RowError> {
        Ok(StagingMarker(sql::get(row, query, "marker")?))
    }
}

/// Drop the staging schema if it exists and carries our marker (caller holds
/// the seed lock, so no other load is using it); refuse one without it.
/// Whether one was dropped.
async fn drop_marked_staging(
    coordinator: &Client,
    spec: &ConnectSpec,
    staging: &SampleSchema,
) -> Result<bool, SeedError> {
    let found: Vec<StagingMarker> = all(
        coordinator,
        spec,
        &STAGING_MARKER_QUERY,
        &[&staging.name()],
        "checking for a staging schema",
    )
    .await?;
    let Some(StagingMarker(marker)) = found.into_iter().next() else {
        return Ok(false);
    };
    if marker.as_deref() != Some(STAGING_MARKER) {
        return Err(SeedError::ForeignStaging {
            schema: staging.name().to_owned(),
        });
    }
    coordinator
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", staging.quoted()))
        .await
        .map_err(spec.query_error("dropping the staging schema"))?;
    Ok(true)
}

/// Step 2: a fresh staging schema, marked as ours, with the shared objects
/// (the enum type).
async fn create_staging(
    coordinator: &Client,
    spec: &ConnectSpec,
    staging: &SampleSchema,
    plan: &LoadPlan,
) -> Result<(), SeedError> {
    if drop_marked_staging(coordinator, spec, staging).await? {
        tracing::warn!(
            schema = staging.name(),
            "removed staging schema {} left by an interrupted load",
            staging.name()
        );
    }
    let staging = staging.quoted();
    let marker = quote_literal(STAGING_MARKER);
    let mut setup = format!(
        "CREATE SCHEMA {staging}; COMMENT ON SCHEMA {staging} IS {marker}; SET search_path = {staging};"
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
    Ok(())
}

/// Step 3: tables in parallel (CREATE, COPY FREEZE, keys and indexes); the
/// exact row count of each.
async fn load_tables_in_parallel(
    spec: &ConnectSpec,
    staging: &SampleSchema,
    generator: Generator,
    plan: &LoadPlan,
) -> Result<BTreeMap<String, i64>, SeedError> {
    let workers = assign_workers(LOAD_WORKERS)
        .into_iter()
        .map(|tables| load_tables(spec, staging, generator, tables, plan));
    Ok(futures_util::future::try_join_all(workers)
        .await?
        .into_iter()
        .flatten()
        .map(|(table, rows)| {
            let rows = i64::try_from(rows).unwrap_or(i64::MAX);
            (table.name().to_owned(), rows)
        })
        .collect())
}

/// What the final transaction replaces.
#[derive(Clone, Copy)]
struct Swap<'a> {
    schema: &'a SampleSchema,
    /// The schema existed before the load (and is dropped in the swap).
    replace_existing: bool,
    /// The event allowed dropping data.
    reset: bool,
}

/// Step 4, one transaction: the remaining foreign keys, the swap, the sequences.
async fn swap_in(
    coordinator: &mut Client,
    spec: &ConnectSpec,
    plan: &LoadPlan,
    swap: Swap<'_>,
) -> Result<(), SeedError> {
    let schema = swap.schema;
    let staging = schema.staging();
    let tx = coordinator
        .transaction()
        .await
        .map_err(spec.query_error("starting the final load transaction"))?;
    let t0 = Instant::now();
    tx.batch_execute(&staging.set_local_search_path())
        .await
        .map_err(spec.query_error("setting the search path"))?;
    let groups = assign_workers(LOAD_WORKERS);
    let done_by_workers = |stmt: &&String| groups.iter().any(|g| fk_within(stmt, g));
    for stmt in plan.foreign_keys.iter().filter(|s| !done_by_workers(s)) {
        tx.batch_execute(stmt)
            .await
            .map_err(spec.query_error("adding foreign keys"))?;
    }
    tracing::info!(
        ms = t0.elapsed().as_millis() as u64,
        "foreign keys validated"
    );
    if swap.replace_existing {
        drop_previous(&tx, spec, schema, swap.reset).await?;
    }
    tx.batch_execute(&format!(
        "ALTER SCHEMA {} RENAME TO {}",
        staging.quoted(),
        schema.quoted()
    ))
    .await
    .map_err(spec.query_error("swapping the loaded schema in"))?;
    tx.batch_execute(&format!("COMMENT ON SCHEMA {} IS NULL", schema.quoted()))
        .await
        .map_err(spec.query_error("removing the staging marker"))?;
    reset_sequences(&tx, spec, schema).await?;
    tx.commit()
        .await
        .map_err(spec.query_error("committing the load"))?;
    Ok(())
}

/// Drop the schema the load replaces; without `reset`, only if it is still
/// an empty sample (re-checked under lock: rows may have arrived since step 1).
async fn drop_previous(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
    reset: bool,
) -> Result<(), SeedError> {
    if !reset {
        let list: Vec<String> = Table::ALL.iter().map(|t| schema.table(t.name())).collect();
        tx.batch_execute(&format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            list.join(", ")
        ))
        .await
        .map_err(spec.query_error("locking the empty sample tables"))?;
        refuse_unless_empty_sample(tx, spec, schema).await?;
    }
    tx.batch_execute(&format!("DROP SCHEMA {} CASCADE", schema.quoted()))
        .await
        .map_err(spec.query_error("dropping the previous sample schema"))?;
    Ok(())
}

/// One loader connection: its tables' CREATE, COPY FREEZE, then their keys and
/// indexes, in one transaction (FREEZE needs the table created in it).
async fn load_tables(
    spec: &ConnectSpec,
    staging: &SampleSchema,
    generator: Generator,
    tables: Vec<Table>,
    plan: &LoadPlan,
) -> Result<Vec<(Table, u64)>, SeedError> {
    let mut client = spec.connect("dmsflow-seed-worker").await?;
    let tx = client
        .transaction()
        .await
        .map_err(spec.query_error("starting a loader transaction"))?;
    tx.batch_execute(&staging.set_local_search_path())
        .await
        .map_err(spec.query_error("setting the search path"))?;
    let mut copied = Vec::new();
    for table in &tables {
        for stmt in LoadPlan::of(&plan.create, *table) {
            tx.batch_execute(stmt)
                .await
                .map_err(spec.query_error(format!("creating table {}", table.name())))?;
        }
        let t0 = Instant::now();
        let rows = copy_table(&tx, spec, &generator, *table, staging).await?;
        copied.push((*table, rows));
        let ms = t0.elapsed().as_millis() as u64;
        tracing::info!(table = table.name(), rows, ms, "copied");
    }
    let t0 = Instant::now();
    add_keys_and_indexes(&tx, spec, &tables, plan).await?;
    tracing::info!(
        ms = t0.elapsed().as_millis() as u64,
        "keys and indexes built"
    );
    tx.commit()
        .await
        .map_err(spec.query_error("committing a loader transaction"))?;
    Ok(copied)
}

/// Keys and indexes of `tables`, and the foreign keys between them (the
/// others wait for the final transaction, when both sides exist).
async fn add_keys_and_indexes(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    tables: &[Table],
    plan: &LoadPlan,
) -> Result<(), SeedError> {
    tx.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")
        .await
        .map_err(spec.query_error("sizing index builds"))?;
    for table in tables {
        for stmt in LoadPlan::of(&plan.post, *table) {
            tx.batch_execute(stmt).await.map_err(
                spec.query_error(format!("adding keys and indexes to {}", table.name())),
            )?;
        }
    }
    for stmt in plan.foreign_keys.iter().filter(|s| fk_within(s, tables)) {
        tx.batch_execute(stmt)
            .await
            .map_err(spec.query_error("adding foreign keys"))?;
    }
    Ok(())
}

/// An identity or serial column and its sequence.
struct SerialSequence {
    table_name: String,
    column_name: String,
    sequence_name: String,
}

const SERIAL_SEQUENCES: Query = query!("seed/serial_sequences.sql");

from_row! { SerialSequence { table_name, column_name, sequence_name } }

/// Move every identity/serial sequence of `schema` past its column's largest
/// value (a load with explicit keys leaves them at 1; the next insert would collide).
async fn reset_sequences(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    schema: &SampleSchema,
) -> Result<(), SeedError> {
    let params: [&(dyn ToSql + Sync); 1] = [&schema.name()];
    let sequences: Vec<SerialSequence> =
        all(tx, spec, &SERIAL_SEQUENCES, &params, "listing sequences").await?;
    for seq in sequences {
        let sql = format!(
            "SELECT setval($1::text::regclass, coalesce(max({col}), 1), count(*) > 0) FROM {table}",
            col = quote_ident(&seq.column_name),
            table = schema.table(&seq.table_name),
        );
        tx.query_one(&sql, &[&seq.sequence_name])
            .await
            .map_err(spec.query_error(format!("moving sequence {}", seq.sequence_name)))?;
    }
    Ok(())
}

/// Stream one table through binary COPY. Generation runs on a blocking thread
/// and hands ~1 MB chunks over a small channel, so the client encodes while the
/// server parses.
async fn copy_table(
    tx: &Transaction<'_>,
    spec: &ConnectSpec,
    generator: &Generator,
    table: Table,
    schema: &SampleSchema,
) -> Result<u64, SeedError> {
    let columns: Vec<String> = table.columns().iter().map(|c| quote_ident(c)).collect();
    let statement = format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary, FREEZE)",
        schema.table(table.name()),
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
    let stream_failed = || SeedError::Generator {
        table: table.name(),
    };
    let generated = producer.await.map_err(|_| stream_failed())?;
    // The server's own count of rows copied: exact, and checked against ours.
    let copied = sink
        .as_mut()
        .finish()
        .await
        .map_err(spec.query_error(format!("finishing COPY into {}", table.name())))?;
    if copied != generated {
        return Err(stream_failed());
    }
    Ok(copied)
}
