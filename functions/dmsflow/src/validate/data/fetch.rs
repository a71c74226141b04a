//! Statements generated per table, run on one side or on both at once, and
//! their rows read by position with `try_get`.

use super::super::rows::{at, ColumnError, ReadError};
use super::super::session::{in_savepoint, SideSessions};
use super::super::sides::Sides;
use super::plan::{ChunkSums, TablePlan};
use super::Conn;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// A parameter list for `tokio_postgres` borrowed from owned values.
pub fn params<T: ToSql + Sync>(values: &[T]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// Keys (one text per key column) as one text array per key column, the
/// parameters of `(key) IN (SELECT … FROM unnest($1, $2, …))`.
pub fn key_arrays(keys: &[Vec<String>], key_len: usize) -> Vec<Vec<String>> {
    (0..key_len)
        .map(|i| {
            keys.iter()
                .map(|k| k.get(i).cloned().unwrap_or_default())
                .collect()
        })
        .collect()
}

const CHECKSUM: &str = "chunk checksum";

fn read_sums(plan: &TablePlan, row: &Row) -> Result<ChunkSums, ColumnError> {
    let n_len = plan.length_columns.len();
    let n_seq = plan.sequence_columns.len();
    Ok(ChunkSums {
        rows: at(row, CHECKSUM, 0)?,
        hash_sum: at(row, CHECKSUM, 1)?,
        max_lengths: (0..n_len)
            .map(|i| at(row, CHECKSUM, 2 + i))
            .collect::<Result<_, _>>()?,
        max_sequence_values: (0..n_seq)
            .map(|i| at(row, CHECKSUM, 2 + n_len + i))
            .collect::<Result<_, _>>()?,
    })
}

/// One chunk's checksum on both sides at once (each side its own ranges).
pub async fn checksum_both(
    conns: Sides<Conn<'_>>,
    plan: &TablePlan,
    chunk: usize,
) -> Result<Sides<ChunkSums>, ReadError> {
    conns
        .try_both(|side, conn| {
            let step = async move {
                let row = conn
                    .client
                    .query_one(&plan.chunk_query(side, chunk), &[])
                    .await
                    .map_err(
                        conn.spec
                            .query_error(format!("checksumming {} (chunk {chunk})", plan.name)),
                    )?;
                Ok::<_, ReadError>(read_sums(plan, &row)?)
            };
            in_savepoint(conn.client, conn.spec, step)
        })
        .await
}

const KEY_BOUNDS: &str = "key bounds";

/// Lowest and highest value of `column` over both sides (0 for no rows).
pub async fn key_bounds(
    sessions: Sides<&SideSessions>,
    plan: &TablePlan,
    column: &str,
) -> Result<(i64, i64), ReadError> {
    let sql = plan.key_bounds_query(column);
    let context = format!("reading key bounds of {}", plan.name);
    let (sql, context) = (&sql, &context);
    let bounds = sessions
        .try_both(|_, s| {
            let step = async move {
                let row = s.query_one(sql, &[], context).await?;
                let low: Option<i64> = at(&row, KEY_BOUNDS, 0)?;
                let high: Option<i64> = at(&row, KEY_BOUNDS, 1)?;
                Ok::<_, ReadError>((low, high))
            };
            in_savepoint(&s.lead, &s.spec, step)
        })
        .await?;
    let lows = [bounds.source.0, bounds.target.0];
    let highs = [bounds.source.1, bounds.target.1];
    let lo = lows.iter().flatten().min().copied().unwrap_or(0);
    let hi = highs.iter().flatten().max().copied().unwrap_or(0);
    Ok((lo, hi))
}

/// A row fetched for a report: its key (or hash) and every column as text.
pub type FetchedRow<K> = (K, Vec<Option<String>>);

const ROWS_BY_KEY: &str = "rows by key";

/// Full rows (text per column) for `keys`, on both sides at once.
pub async fn rows_by_key(
    conns: Sides<Conn<'_>>,
    plan: &TablePlan,
    keys: &[Vec<String>],
) -> Result<Sides<Vec<FetchedRow<Vec<String>>>>, ReadError> {
    let n_key = plan.key.as_ref().map_or(0, Vec::len);
    if keys.is_empty() || n_key == 0 {
        return Ok(Sides::default());
    }
    let arrays = key_arrays(keys, n_key);
    let (sql, arrays) = (&plan.rows_by_key_query(), &arrays);
    conns
        .try_both(|_, conn| async move {
            let rows = conn.client.query(sql, &params(arrays)).await.map_err(
                conn.spec
                    .query_error(format!("reading differing rows of {}", plan.name)),
            )?;
            rows.iter()
                .map(|r| {
                    let key = (0..n_key)
                        .map(|i| at(r, ROWS_BY_KEY, i))
                        .collect::<Result<_, _>>()?;
                    let values = (0..plan.columns.len())
                        .map(|i| at(r, ROWS_BY_KEY, n_key + i))
                        .collect::<Result<_, _>>()?;
                    Ok((key, values))
                })
                .collect::<Result<Vec<_>, ColumnError>>()
                .map_err(ReadError::from)
        })
        .await
}

const ROWS_BY_HASH: &str = "rows by hash";

/// One sample row (text per column) per hash, for key-less tables, on both
/// sides at once.
pub async fn rows_by_hash(
    conns: Sides<Conn<'_>>,
    plan: &TablePlan,
    hashes: &[i64],
) -> Result<Sides<Vec<FetchedRow<i64>>>, ReadError> {
    if hashes.is_empty() {
        return Ok(Sides::default());
    }
    let sql = &plan.rows_by_hash_query();
    conns
        .try_both(|_, conn| async move {
            let rows = conn.client.query(sql, &[&hashes]).await.map_err(
                conn.spec
                    .query_error(format!("reading differing rows of {}", plan.name)),
            )?;
            let mut out: Vec<FetchedRow<i64>> = Vec::new();
            for r in rows {
                let h: i64 = at(&r, ROWS_BY_HASH, 0)?;
                if out.iter().any(|(x, _)| *x == h) {
                    continue;
                }
                let values = (0..plan.columns.len())
                    .map(|i| at(&r, ROWS_BY_HASH, 1 + i))
                    .collect::<Result<_, _>>()?;
                out.push((h, values));
            }
            Ok::<_, ReadError>(out)
        })
        .await
}
