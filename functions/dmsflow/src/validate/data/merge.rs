//! Row-level localisation: streaming merges of both sides' rows in the same
//! order, so memory stays flat whatever the chunk size.

use super::super::rows::{at, ColumnError, ReadError};
use super::super::sides::{Side, Sides};
use super::plan::{KeyColumn, TablePlan};
use super::Conn;
use crate::db::{ConnectSpec, DbError};
use futures_util::TryStreamExt;
use std::cmp::Ordering;
use std::pin::Pin;
use tokio_postgres::{Row, RowStream};

/// One key value, ordered the way the server ordered it (integers
/// numerically, everything else by its text's bytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPart {
    Int(i64),
    Text(String),
}

impl KeyPart {
    pub fn render(&self) -> String {
        match self {
            KeyPart::Int(i) => i.to_string(),
            KeyPart::Text(s) => s.clone(),
        }
    }
}

fn compare_keys(a: &[KeyPart], b: &[KeyPart]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = match (x, y) {
            (KeyPart::Int(p), KeyPart::Int(q)) => p.cmp(q),
            (KeyPart::Text(p), KeyPart::Text(q)) => p.as_bytes().cmp(q.as_bytes()),
            (KeyPart::Int(_), KeyPart::Text(_)) => Ordering::Less,
            (KeyPart::Text(_), KeyPart::Int(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// What a key merge found for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDiffKind {
    /// On the source only.
    Missing,
    /// On the target only.
    Extra,
    /// On both, with different row hashes.
    Changed,
}

impl From<KeyDiffKind> for crate::contract::validate::RowDiffKind {
    fn from(kind: KeyDiffKind) -> Self {
        match kind {
            KeyDiffKind::Missing => Self::Missing,
            KeyDiffKind::Extra => Self::Extra,
            KeyDiffKind::Changed => Self::Changed,
        }
    }
}

/// Differing keys found by a merge: the kind, and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDiff {
    pub key: Vec<KeyPart>,
    pub kind: KeyDiffKind,
}

/// A row in a key-less table present a different number of times per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashDiff {
    pub hash: i64,
    pub counts: Sides<i64>,
}

/// One side's row stream, its errors naming the side and what it compares.
struct SideStream<'a> {
    rows: Pin<Box<RowStream>>,
    spec: &'a ConnectSpec,
    context: &'a str,
}

impl SideStream<'_> {
    async fn next(&mut self) -> Result<Option<Row>, DbError> {
        self.rows
            .try_next()
            .await
            .map_err(self.spec.query_error(self.context))
    }
}

/// Start one row stream per side at once (each side's own statement).
async fn stream_both<'a>(
    conns: Sides<Conn<'a>>,
    statements: Sides<String>,
    context: &'a str,
) -> Result<Sides<SideStream<'a>>, DbError> {
    let statements = &statements;
    conns
        .try_both(|side, conn| async move {
            let no_params: [i32; 0] = [];
            let rows = conn
                .client
                .query_raw(statements.get(side).as_str(), no_params.iter())
                .await
                .map_err(conn.spec.query_error(context))?;
            Ok(SideStream {
                rows: Box::pin(rows),
                spec: conn.spec,
                context,
            })
        })
        .await
}

const KEYED_HASHES: &str = "keyed row hashes";

/// `(key parts, row hash)` of one row of a keyed hash statement.
fn read_keyed(key: &[KeyColumn], row: &Row) -> Result<(Vec<KeyPart>, i64), ColumnError> {
    let parts = key
        .iter()
        .enumerate()
        .map(|(i, k)| {
            Ok(if k.integer {
                KeyPart::Int(at(row, KEYED_HASHES, i)?)
            } else {
                KeyPart::Text(at(row, KEYED_HASHES, i)?)
            })
        })
        .collect::<Result<_, ColumnError>>()?;
    Ok((parts, at(row, KEYED_HASHES, key.len())?))
}

/// Stream `(key, hash)` from both sides in key order and merge. Keeps at most
/// `keep` differences, counts all. Memory stays flat whatever the chunk size.
pub async fn merge_keyed(
    conns: Sides<Conn<'_>>,
    plan: &TablePlan,
    chunk: Option<usize>,
    keep: usize,
) -> Result<(u64, Vec<KeyDiff>), ReadError> {
    let key = plan.key.clone().unwrap_or_default();
    let statements = Sides::new(
        plan.keyed_hash_query(Side::Source, chunk),
        plan.keyed_hash_query(Side::Target, chunk),
    );
    let context = format!("comparing rows of {}", plan.name);
    let mut streams = stream_both(conns, statements, &context).await?;
    let read = |row: Option<Row>| row.map(|r| read_keyed(&key, &r)).transpose();
    let mut next_s = read(streams.source.next().await?)?;
    let mut next_t = read(streams.target.next().await?)?;
    let mut count = 0u64;
    let mut diffs = Vec::new();
    let mut record = |key: &[KeyPart], kind: KeyDiffKind| {
        count += 1;
        if diffs.len() < keep {
            diffs.push(KeyDiff {
                key: key.to_vec(),
                kind,
            });
        }
    };
    loop {
        let (advance_s, advance_t) = match (&next_s, &next_t) {
            (None, None) => break,
            (Some((k, _)), None) => {
                record(k, KeyDiffKind::Missing);
                (true, false)
            }
            (None, Some((k, _))) => {
                record(k, KeyDiffKind::Extra);
                (false, true)
            }
            (Some((ks, hs)), Some((kt, ht))) => match compare_keys(ks, kt) {
                Ordering::Less => {
                    record(ks, KeyDiffKind::Missing);
                    (true, false)
                }
                Ordering::Greater => {
                    record(kt, KeyDiffKind::Extra);
                    (false, true)
                }
                Ordering::Equal => {
                    if hs != ht {
                        record(ks, KeyDiffKind::Changed);
                    }
                    (true, true)
                }
            },
        };
        if advance_s {
            next_s = read(streams.source.next().await?)?;
        }
        if advance_t {
            next_t = read(streams.target.next().await?)?;
        }
    }
    Ok((count, diffs))
}

const SORTED_HASHES: &str = "sorted row hashes";

/// The next row hash of a sorted hash stream.
async fn next_hash(stream: &mut SideStream<'_>) -> Result<Option<i64>, ReadError> {
    match stream.next().await? {
        Some(row) => Ok(Some(at(&row, SORTED_HASHES, 0)?)),
        None => Ok(None),
    }
}

/// How many times in a row `current` comes next in `stream`; leaves `next` at
/// the first other hash.
async fn count_run(
    stream: &mut SideStream<'_>,
    next: &mut Option<i64>,
    current: i64,
) -> Result<i64, ReadError> {
    let mut n = 0i64;
    while *next == Some(current) {
        n += 1;
        *next = next_hash(stream).await?;
    }
    Ok(n)
}

/// Multiset merge of sorted row hashes for key-less tables: a row present a
/// different number of times on each side is a difference.
pub async fn merge_multiset(
    conns: Sides<Conn<'_>>,
    plan: &TablePlan,
    keep: usize,
) -> Result<(u64, Vec<HashDiff>), ReadError> {
    let sql = plan.sorted_hash_query();
    let context = format!("comparing rows of {}", plan.name);
    let mut streams = stream_both(conns, Sides::new(sql.clone(), sql), &context).await?;
    let mut s_next = next_hash(&mut streams.source).await?;
    let mut t_next = next_hash(&mut streams.target).await?;
    let mut count = 0u64;
    let mut diffs = Vec::new();
    while s_next.is_some() || t_next.is_some() {
        let current = match (s_next, t_next) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let s_count = count_run(&mut streams.source, &mut s_next, current).await?;
        let t_count = count_run(&mut streams.target, &mut t_next, current).await?;
        if s_count != t_count {
            count += u64::try_from((s_count - t_count).abs()).unwrap_or(0);
            if diffs.len() < keep {
                diffs.push(HashDiff {
                    hash: current,
                    counts: Sides::new(s_count, t_count),
                });
            }
        }
    }
    Ok((count, diffs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_like_the_server_orders_them() {
        let a = vec![KeyPart::Int(2), KeyPart::Text("b".into())];
        let b = vec![KeyPart::Int(10), KeyPart::Text("a".into())];
        assert_eq!(compare_keys(&a, &b), Ordering::Less);
        let c = vec![KeyPart::Text("Z".into())];
        let d = vec![KeyPart::Text("a".into())];
        assert_eq!(
            compare_keys(&c, &d),
            Ordering::Less,
            "bytewise, as COLLATE \"C\""
        );
    }
}
