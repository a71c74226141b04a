//! `sync-sequences`: neither DMS nor logical replication moves sequences, so
//! at cut-over (and before validating) each target sequence is set to the
//! source's exact state (`last_value`, `is_called`). Plain SQL on both
//! databases, whatever the engine.

use super::EngineError;
pub use crate::contract::engine::{SequenceSync, SequencesResult};
use crate::db::{quote_ident, ConnectSpec};

const SEQUENCES_SQL: &str = include_str!("../../../../sql/engine/sequences.sql");

async fn read_state(
    client: &impl tokio_postgres::GenericClient,
    spec: &ConnectSpec,
    schema: &str,
    name: &str,
) -> Result<(i64, bool), EngineError> {
    let sql = format!(
        "SELECT last_value, is_called FROM {}.{}",
        quote_ident(schema),
        quote_ident(name)
    );
    let row = client
        .query_one(&sql, &[])
        .await
        .map_err(spec.query_error(format!("reading sequence {schema}.{name}")))?;
    Ok((row.get(0), row.get(1)))
}

/// Set every owned/identity sequence of `schema` on the target to the source's
/// state, in one target transaction. A sequence the target lacks is an
/// `UnknownTable` error (nothing is changed then).
pub async fn sync_sequences(
    source: &ConnectSpec,
    target: &ConnectSpec,
    schema: &str,
) -> Result<SequencesResult, EngineError> {
    // Bounded like every session of the engines: no statement waits forever.
    let limits = super::native::Limits::default();
    let src = super::native::connect_bounded(source, "dmsflow-sequences", limits).await?;
    let mut tgt = super::native::connect_bounded(target, "dmsflow-sequences", limits).await?;
    // One snapshot of the source's sequences (values are not transactional,
    // but the list is).
    let rows = src
        .query(SEQUENCES_SQL, &[&schema])
        .await
        .map_err(source.query_error("listing sequences"))?;
    let mut wanted = Vec::with_capacity(rows.len());
    for row in &rows {
        let seq_schema: String = row.get(0);
        let name: String = row.get(1);
        let (last, called) = read_state(&src, source, &seq_schema, &name).await?;
        wanted.push((seq_schema, name, last, called));
    }
    let tx = tgt
        .transaction()
        .await
        .map_err(target.query_error("starting the sequence transaction"))?;
    let mut out = Vec::with_capacity(wanted.len());
    for (seq_schema, name, last, called) in wanted {
        let qualified = format!("{}.{}", quote_ident(&seq_schema), quote_ident(&name));
        let exists: bool = tx
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&qualified])
            .await
            .map_err(target.query_error("looking up a sequence"))?
            .get(0);
        if !exists {
            return Err(EngineError::SequenceMissing {
                sequence: format!("{seq_schema}.{name}"),
                endpoint: target.endpoint(),
            });
        }
        let (before, _) = read_state(&tx, target, &seq_schema, &name).await?;
        let after: i64 = tx
            .query_one(
                "SELECT setval($1::text::regclass, $2, $3)",
                &[&qualified, &last, &called],
            )
            .await
            .map_err(target.query_error(format!("setting sequence {seq_schema}.{name}")))?
            .get(0);
        tracing::info!(sequence = %format!("{seq_schema}.{name}"), source = last, before, after, "sequence synced");
        out.push(SequenceSync {
            sequence: format!("{seq_schema}.{name}"),
            source_last_value: last,
            target_before: before,
            target_after: after,
        });
    }
    tx.commit()
        .await
        .map_err(target.query_error("committing the sequence values"))?;
    Ok(SequencesResult {
        action: "sync-sequences".into(),
        sequences: out,
    })
}
