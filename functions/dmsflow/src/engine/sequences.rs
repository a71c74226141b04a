//! `sync-sequences`: neither DMS nor logical replication moves sequences, so
//! at cut-over (and before validating) each target sequence is set from the
//! source — every sequence of the schema, owned by a column or used only
//! through `DEFAULT nextval(...)`, exactly the set the validator checks — and
//! never left below the largest value already in a column that draws from it
//! on the target. Plain SQL on both databases, whatever the engine; the target
//! changes in one transaction (all or nothing).

use super::EngineError;
pub use crate::contract::engine::{SequenceSync, SequencesResult};
use crate::db::ConnectSpec;
use crate::sequence_catalog::{self, SequenceRow};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// The exact state of one sequence (`last_value`, `is_called`), read from
/// the sequence itself (pg_sequences hides `last_value` until first use).
async fn read_state<C: GenericClient + Sync>(
    client: &C,
    spec: &ConnectSpec,
    seq: &SequenceRow,
) -> Result<(i64, bool), EngineError> {
    let sql = format!("SELECT last_value, is_called FROM {}", seq.quoted());
    let row = client
        .query_one(&sql, &[])
        .await
        .map_err(spec.query_error(format!("reading sequence {}", seq.qualified())))?;
    let read = || spec.query_error(format!("reading sequence {}", seq.qualified()));
    Ok((
        row.try_get(0).map_err(read())?,
        row.try_get(1).map_err(read())?,
    ))
}

fn catalog_error<'a>(
    side: &'static str,
    spec: &'a ConnectSpec,
) -> impl Fn(sequence_catalog::SequenceCatalogError) -> EngineError + 'a {
    move |source| EngineError::SequenceCatalog {
        side,
        endpoint: spec.endpoint(),
        source,
    }
}

/// Set every sequence of the scope's schemas on the target from the source, in one
/// target transaction. A sequence the target lacks is an `UnknownTable`
/// error (nothing is changed then).
pub async fn sync_sequences(
    source: &ConnectSpec,
    target: &ConnectSpec,
    scope: &crate::scope::Scope,
) -> Result<SequencesResult, EngineError> {
    // Bounded like every engine session (connect, statements, locks).
    let limits = super::native::Limits::default();
    let src = super::native::connect_bounded(source, "dmsflow-sequences", limits).await?;
    let schemas = crate::scope::resolve(&src, source, scope).await?;
    let mut tgt = super::native::connect_bounded(target, "dmsflow-sequences", limits).await?;
    let wanted = sequence_catalog::read(&src, &schemas)
        .await
        .map_err(catalog_error("source", source))?;
    let mut states = Vec::with_capacity(wanted.len());
    for seq in &wanted {
        states.push(read_state(&src, source, seq).await?);
    }
    let tx = tgt
        .transaction()
        .await
        .map_err(target.query_error("starting the sequence transaction"))?;
    let present: BTreeMap<String, SequenceRow> = sequence_catalog::read(&tx, &schemas)
        .await
        .map_err(catalog_error("target", target))?
        .into_iter()
        .map(|s| (s.qualified(), s))
        .collect();
    let mut out = Vec::with_capacity(wanted.len());
    for (seq, (last, called)) in wanted.iter().zip(states) {
        let Some(on_target) = present.get(&seq.qualified()) else {
            return Err(EngineError::SequenceMissing {
                sequence: seq.qualified(),
                endpoint: target.endpoint(),
            });
        };
        out.push(sync_one(&tx, target, on_target, last, called).await?);
    }
    tx.commit()
        .await
        .map_err(target.query_error("committing the sequence values"))?;
    Ok(SequencesResult {
        action: "sync-sequences".into(),
        sequences: out,
    })
}

/// Set one target sequence: the source's state, or the largest value already
/// in a target column that draws from it when that is higher.
async fn sync_one<C: GenericClient + Sync>(
    tx: &C,
    target: &ConnectSpec,
    seq: &SequenceRow,
    source_last: i64,
    source_called: bool,
) -> Result<SequenceSync, EngineError> {
    let (before, _) = read_state(tx, target, seq).await?;
    let maxima = sequence_catalog::column_maxima(tx, &seq.used_by)
        .await
        .map_err(catalog_error("target", target))?;
    let used = source_called.then_some(source_last);
    let (value, called) = match sequence_catalog::required_value(used, maxima.into_values()) {
        Some(v) => (v, true),
        // Never used on the source and nothing in its columns: as the source.
        None => (source_last, false),
    };
    let after: i64 = tx
        .query_one(
            "SELECT setval($1::text::regclass, $2, $3)",
            &[&seq.quoted(), &value, &called],
        )
        .await
        .map_err(target.query_error(format!("setting sequence {}", seq.qualified())))?
        .try_get(0)
        .map_err(target.query_error(format!("setting sequence {}", seq.qualified())))?;
    tracing::info!(sequence = %seq.qualified(), source = source_last, before, after, "sequence synced");
    Ok(SequenceSync {
        sequence: seq.qualified(),
        source_last_value: source_last,
        target_before: before,
        target_after: after,
    })
}
