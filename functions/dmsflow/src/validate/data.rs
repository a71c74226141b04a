//! Data comparison: chunked checksums on both sides at once, re-checks for rows
//! in flight, and row-level localisation of what still differs.

use super::catalog::{Column, TableInfo};
use super::hashing::{column_mode, is_integer, is_length_checked, row_hash_expr, ColumnMode};
use super::model::RowDiff;
use crate::db::{quote_ident, ConnectSpec, DbError};
use futures_util::{pin_mut, StreamExt, TryStreamExt};
use std::cmp::Ordering;

/// A key column as the validator reads it.
#[derive(Debug, Clone)]
pub struct KeyColumn {
    pub name: String,
    pub integer: bool,
    /// `format_type` of the source column, to cast text keys back.
    pub data_type: String,
}

/// How a table's rows are split for the checksum pass.
#[derive(Debug, Clone)]
pub enum Chunking {
    /// Ranges of an integer leading key column, the same on both sides, so a
    /// chunk that differs localises the difference. `[lower, upper)`.
    KeyRange {
        column: String,
        ranges: Vec<(Option<i64>, Option<i64>)>,
    },
    /// Physical block ranges per side (sequential, no index needed). Only the
    /// table totals compare across sides.
    Ctid {
        source: Vec<(i64, Option<i64>)>,
        target: Vec<(i64, Option<i64>)>,
    },
}

impl Chunking {
    pub fn len(&self) -> usize {
        match self {
            Chunking::KeyRange { ranges, .. } => ranges.len(),
            Chunking::Ctid { source, .. } => source.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything needed to compare one table's data.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    /// `"schema"."table"`.
    pub qualified: String,
    pub columns: Vec<(String, ColumnMode)>,
    pub row_hash: String,
    pub key: Option<Vec<KeyColumn>>,
    /// Columns whose max octet_length is compared (truncation).
    pub length_columns: Vec<String>,
    /// Integer columns that own a sequence: max() is gathered in the same pass.
    pub sequence_columns: Vec<String>,
    /// A fan-out slice of the leading key: `[lower, upper)`.
    pub restrict: Option<(String, Option<i64>, Option<i64>)>,
    pub chunking: Chunking,
}

/// Aggregates of one chunk on one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkSums {
    pub rows: i64,
    /// Sum of the 64-bit row hashes, as numeric text.
    pub hash_sum: String,
    pub max_lengths: Vec<Option<i32>>,
    pub max_sequence_values: Vec<Option<i64>>,
}

/// Columns common to both sides (source order) with their hash modes.
pub fn common_columns(source: &TableInfo, target: &TableInfo) -> Vec<(String, ColumnMode, Column)> {
    source
        .columns
        .iter()
        .filter(|c| c.generated.is_empty() || c.generated == "s")
        .filter_map(|s| {
            target
                .column(&s.name)
                .map(|t| (s.name.clone(), column_mode(s, t), s.clone()))
        })
        .collect()
}

/// The primary key, if both sides have the same one over common columns.
pub fn key_columns(source: &TableInfo, target: &TableInfo) -> Option<Vec<KeyColumn>> {
    let s_pk = source.primary_key()?;
    let t_pk = target.primary_key()?;
    if s_pk.key_columns != t_pk.key_columns {
        return None;
    }
    s_pk.key_columns
        .iter()
        .map(|name| {
            let s = source.column(name)?;
            let t = target.column(name)?;
            Some(KeyColumn {
                name: name.clone(),
                integer: is_integer(s) && is_integer(t) && s.base_type == t.base_type,
                data_type: s.data_type.clone(),
            })
        })
        .collect()
}

impl TablePlan {
    /// Build the plan; chunking is decided by the caller (it needs key bounds).
    pub fn new(schema: &str, source: &TableInfo, target: &TableInfo) -> TablePlan {
        let common = common_columns(source, target);
        let columns: Vec<(String, ColumnMode)> =
            common.iter().map(|(n, m, _)| (n.clone(), *m)).collect();
        let length_columns = common
            .iter()
            .filter(|(_, _, c)| is_length_checked(c))
            .map(|(n, _, _)| n.clone())
            .collect();
        let sequence_columns = source
            .sequences
            .iter()
            .filter(|s| {
                source.column(&s.column).is_some_and(is_integer)
                    && target.column(&s.column).is_some_and(is_integer)
            })
            .map(|s| s.column.clone())
            .collect();
        TablePlan {
            name: source.name.clone(),
            qualified: format!("{}.{}", quote_ident(schema), quote_ident(&source.name)),
            row_hash: row_hash_expr(&columns),
            columns,
            key: key_columns(source, target),
            length_columns,
            sequence_columns,
            restrict: None,
            chunking: Chunking::Ctid {
                source: vec![(0, None)],
                target: vec![(0, None)],
            },
        }
    }

    /// Integer leading key usable for range chunks.
    pub fn range_column(&self) -> Option<&str> {
        let key = self.key.as_ref()?;
        let lead = key.first()?;
        lead.integer.then_some(lead.name.as_str())
    }

    fn restrict_predicate(&self) -> Vec<String> {
        match &self.restrict {
            Some((col, lo, hi)) => range_predicate(col, *lo, *hi),
            None => Vec::new(),
        }
    }

    fn where_clause(&self, side_is_source: bool, chunk: usize) -> String {
        let mut preds = self.restrict_predicate();
        match &self.chunking {
            Chunking::KeyRange { column, ranges } => {
                if let Some((lo, hi)) = ranges.get(chunk) {
                    preds.extend(range_predicate(column, *lo, *hi));
                }
            }
            Chunking::Ctid { source, target } => {
                let list = if side_is_source { source } else { target };
                if let Some((lo, hi)) = list.get(chunk) {
                    if *lo > 0 {
                        preds.push(format!("t.ctid >= '({lo},0)'::tid"));
                    }
                    if let Some(hi) = hi {
                        preds.push(format!("t.ctid < '({hi},0)'::tid"));
                    }
                }
            }
        }
        if preds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", preds.join(" AND "))
        }
    }

    /// The checksum query for one chunk on one side.
    pub fn chunk_query(&self, side_is_source: bool, chunk: usize) -> String {
        let mut select = vec![
            "count(*)::int8".to_owned(),
            format!("coalesce(sum({}), 0)::text", self.row_hash),
        ];
        for c in &self.length_columns {
            select.push(format!("max(octet_length(t.{}))::int4", quote_ident(c)));
        }
        for c in &self.sequence_columns {
            select.push(format!("max(t.{})::int8", quote_ident(c)));
        }
        format!(
            "SELECT {} FROM {} t{}",
            select.join(", "),
            self.qualified,
            self.where_clause(side_is_source, chunk)
        )
    }

    fn key_select(&self) -> (Vec<String>, Vec<String>) {
        let key = self.key.as_deref().unwrap_or_default();
        let select = key
            .iter()
            .map(|k| {
                let c = format!("t.{}", quote_ident(&k.name));
                if k.integer {
                    format!("{c}::int8")
                } else {
                    format!("{c}::text")
                }
            })
            .collect();
        let order = key
            .iter()
            .map(|k| {
                let c = format!("t.{}", quote_ident(&k.name));
                if k.integer {
                    c
                } else {
                    format!("{c}::text COLLATE \"C\"")
                }
            })
            .collect();
        (select, order)
    }

    /// `(key…, row hash)` of a chunk, ordered by key, for the streaming merge.
    pub fn keyed_hash_query(&self, side_is_source: bool, chunk: Option<usize>) -> String {
        let (select, order) = self.key_select();
        let where_clause = match chunk {
            Some(c) => self.where_clause(side_is_source, c),
            None => {
                let preds = self.restrict_predicate();
                if preds.is_empty() {
                    String::new()
                } else {
                    format!(" WHERE {}", preds.join(" AND "))
                }
            }
        };
        format!(
            "SELECT {}, {} FROM {} t{} ORDER BY {}",
            select.join(", "),
            self.row_hash,
            self.qualified,
            where_clause,
            order.join(", ")
        )
    }

    /// Row hashes of a key-less table, sorted, for the multiset merge.
    pub fn sorted_hash_query(&self) -> String {
        let preds = self.restrict_predicate();
        let w = if preds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", preds.join(" AND "))
        };
        format!(
            "SELECT {} AS h FROM {} t{} ORDER BY 1",
            self.row_hash, self.qualified, w
        )
    }

    /// `(key columns) IN (…)` over `$1…$n`, text arrays with one key column
    /// each, cast back to the key types; and the key columns as text.
    fn keys_filter(&self) -> (String, String) {
        let key = self.key.as_deref().unwrap_or_default();
        let key_text: Vec<String> = key
            .iter()
            .map(|k| format!("t.{}::text", quote_ident(&k.name)))
            .collect();
        let tuple: Vec<String> = key
            .iter()
            .map(|k| format!("t.{}", quote_ident(&k.name)))
            .collect();
        let casts: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("u.k{i}::{}", k.data_type))
            .collect();
        let params: Vec<String> = (1..=key.len()).map(|i| format!("${i}::text[]")).collect();
        let aliases: Vec<String> = (0..key.len()).map(|i| format!("k{i}")).collect();
        let filter = format!(
            "({}) IN (SELECT {} FROM unnest({}) AS u({}))",
            tuple.join(", "),
            casts.join(", "),
            params.join(", "),
            aliases.join(", ")
        );
        (key_text.join(", "), filter)
    }

    /// Full rows (every common column as text) for the given keys.
    pub fn rows_by_key_query(&self) -> String {
        let (key_text, filter) = self.keys_filter();
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(c, _)| format!("t.{}::text", quote_ident(c)))
            .collect();
        format!(
            "SELECT {key_text}, {} FROM {} t WHERE {filter}",
            cols.join(", "),
            self.qualified
        )
    }

    /// `(key as text…, row hash)` for the given keys (the CDC proof).
    pub fn hashes_by_key_query(&self) -> String {
        let (key_text, filter) = self.keys_filter();
        format!(
            "SELECT {key_text}, {} FROM {} t WHERE {filter}",
            self.row_hash, self.qualified
        )
    }

    /// Full rows of a key-less table whose hash is in `$1::int8[]`.
    pub fn rows_by_hash_query(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(c, _)| format!("t.{}::text", quote_ident(c)))
            .collect();
        format!(
            "SELECT {} AS h, {} FROM {} t WHERE {} = ANY($1::int8[])",
            self.row_hash,
            cols.join(", "),
            self.qualified,
            self.row_hash
        )
    }
}

fn range_predicate(column: &str, lo: Option<i64>, hi: Option<i64>) -> Vec<String> {
    let c = format!("t.{}", quote_ident(column));
    let mut p = Vec::new();
    if let Some(lo) = lo {
        p.push(format!("{c} >= {lo}"));
    }
    if let Some(hi) = hi {
        p.push(format!("{c} < {hi}"));
    }
    p
}

/// Split `[lo, hi]` into `n` ranges; the first and last are open so rows outside
/// the bounds seen at planning time still fall in a chunk.
pub fn key_ranges(lo: i64, hi: i64, n: usize) -> Vec<(Option<i64>, Option<i64>)> {
    let n = n.max(1);
    if n == 1 || hi <= lo {
        return vec![(None, None)];
    }
    let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
    let width = span.div_ceil(n as u128).max(1);
    let mut out = Vec::with_capacity(n);
    let mut start: i128 = i128::from(lo);
    for i in 0..n {
        let end = start + width as i128;
        let lower = if i == 0 {
            None
        } else {
            i64::try_from(start).ok()
        };
        let upper = if i == n - 1 || end > i128::from(hi) {
            None
        } else {
            i64::try_from(end).ok()
        };
        out.push((lower, upper));
        if upper.is_none() {
            break;
        }
        start = end;
    }
    out
}

/// Split `blocks` into `n` block ranges, the last open.
pub fn block_ranges(blocks: i64, n: usize) -> Vec<(i64, Option<i64>)> {
    let n = n.max(1) as i64;
    if blocks <= 0 || n == 1 {
        return vec![(0, None)];
    }
    let width = ((blocks + n - 1) / n).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < blocks {
        let end = start + width;
        out.push((start, if end >= blocks { None } else { Some(end) }));
        start = end;
    }
    if out.is_empty() {
        out.push((0, None));
    }
    out
}

/// Run one chunk's checksum query.
pub async fn run_chunk(
    client: &tokio_postgres::Client,
    spec: &ConnectSpec,
    plan: &TablePlan,
    side_is_source: bool,
    chunk: usize,
) -> Result<ChunkSums, DbError> {
    let sql = plan.chunk_query(side_is_source, chunk);
    let row = client
        .query_one(&sql, &[])
        .await
        .map_err(spec.query_error(format!("checksumming {} (chunk {chunk})", plan.name)))?;
    let n_len = plan.length_columns.len();
    let n_seq = plan.sequence_columns.len();
    Ok(ChunkSums {
        rows: row.get(0),
        hash_sum: row.get(1),
        max_lengths: (0..n_len)
            .map(|i| row.get::<_, Option<i32>>(2 + i))
            .collect(),
        max_sequence_values: (0..n_seq)
            .map(|i| row.get::<_, Option<i64>>(2 + n_len + i))
            .collect(),
    })
}

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

/// Differing keys found by a merge: the kind, and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDiff {
    pub key: Vec<KeyPart>,
    pub kind: &'static str,
}

/// Start one row stream per side at once (each side's own query).
async fn stream_both(
    source: (&tokio_postgres::Client, &ConnectSpec),
    target: (&tokio_postgres::Client, &ConnectSpec),
    source_sql: &str,
    target_sql: &str,
    context: &str,
) -> Result<(tokio_postgres::RowStream, tokio_postgres::RowStream), DbError> {
    let no_params: [i32; 0] = [];
    tokio::try_join!(
        async {
            source
                .0
                .query_raw(source_sql, no_params.iter())
                .await
                .map_err(source.1.query_error(context))
        },
        async {
            target
                .0
                .query_raw(target_sql, no_params.iter())
                .await
                .map_err(target.1.query_error(context))
        },
    )
}

/// Stream `(key, hash)` from both sides in key order and merge. Keeps at most
/// `keep` differences, counts all. Memory stays flat whatever the chunk size.
pub async fn merge_keyed(
    source: (&tokio_postgres::Client, &ConnectSpec),
    target: (&tokio_postgres::Client, &ConnectSpec),
    plan: &TablePlan,
    chunk: Option<usize>,
    keep: usize,
) -> Result<(u64, Vec<KeyDiff>), DbError> {
    let key = plan.key.clone().unwrap_or_default();
    let s_sql = plan.keyed_hash_query(true, chunk);
    let t_sql = plan.keyed_hash_query(false, chunk);
    let context = format!("comparing rows of {}", plan.name);
    let (s_stream, t_stream) = stream_both(source, target, &s_sql, &t_sql, &context).await?;
    pin_mut!(s_stream);
    pin_mut!(t_stream);
    let read = |row: tokio_postgres::Row| -> (Vec<KeyPart>, i64) {
        let parts = key
            .iter()
            .enumerate()
            .map(|(i, k)| {
                if k.integer {
                    KeyPart::Int(row.get(i))
                } else {
                    KeyPart::Text(row.get(i))
                }
            })
            .collect();
        (parts, row.get(key.len()))
    };
    let mut next_s = s_stream
        .try_next()
        .await
        .map_err(source.1.query_error(context.clone()))?
        .map(read);
    let mut next_t = t_stream
        .try_next()
        .await
        .map_err(target.1.query_error(context.clone()))?
        .map(read);
    let mut count = 0u64;
    let mut diffs = Vec::new();
    let mut record = |key: Vec<KeyPart>, kind: &'static str| {
        count += 1;
        if diffs.len() < keep {
            diffs.push(KeyDiff { key, kind });
        }
    };
    loop {
        let (advance_s, advance_t) = match (&next_s, &next_t) {
            (None, None) => break,
            (Some((k, _)), None) => {
                record(k.clone(), "missing");
                (true, false)
            }
            (None, Some((k, _))) => {
                record(k.clone(), "extra");
                (false, true)
            }
            (Some((ks, hs)), Some((kt, ht))) => match compare_keys(ks, kt) {
                Ordering::Less => {
                    record(ks.clone(), "missing");
                    (true, false)
                }
                Ordering::Greater => {
                    record(kt.clone(), "extra");
                    (false, true)
                }
                Ordering::Equal => {
                    if hs != ht {
                        record(ks.clone(), "changed");
                    }
                    (true, true)
                }
            },
        };
        if advance_s {
            next_s = s_stream
                .try_next()
                .await
                .map_err(source.1.query_error(context.clone()))?
                .map(read);
        }
        if advance_t {
            next_t = t_stream
                .try_next()
                .await
                .map_err(target.1.query_error(context.clone()))?
                .map(read);
        }
    }
    Ok((count, diffs))
}

/// Multiset merge of sorted row hashes for key-less tables: a row present a
/// different number of times on each side is a difference.
pub async fn merge_multiset(
    source: (&tokio_postgres::Client, &ConnectSpec),
    target: (&tokio_postgres::Client, &ConnectSpec),
    plan: &TablePlan,
    keep: usize,
) -> Result<(u64, Vec<(i64, i64, i64)>), DbError> {
    let sql = plan.sorted_hash_query();
    let context = format!("comparing rows of {}", plan.name);
    let (s_stream, t_stream) = stream_both(source, target, &sql, &sql, &context).await?;
    let s_stream = s_stream.map(|r| r.map(|row| row.get::<_, i64>(0)));
    let t_stream = t_stream.map(|r| r.map(|row| row.get::<_, i64>(0)));
    pin_mut!(s_stream);
    pin_mut!(t_stream);
    let mut s_next = s_stream
        .try_next()
        .await
        .map_err(source.1.query_error(context.clone()))?;
    let mut t_next = t_stream
        .try_next()
        .await
        .map_err(target.1.query_error(context.clone()))?;
    let mut count = 0u64;
    let mut diffs = Vec::new();
    while s_next.is_some() || t_next.is_some() {
        let current = match (s_next, t_next) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let mut s_count = 0i64;
        while s_next == Some(current) {
            s_count += 1;
            s_next = s_stream
                .try_next()
                .await
                .map_err(source.1.query_error(context.clone()))?;
        }
        let mut t_count = 0i64;
        while t_next == Some(current) {
            t_count += 1;
            t_next = t_stream
                .try_next()
                .await
                .map_err(target.1.query_error(context.clone()))?;
        }
        if s_count != t_count {
            count += u64::try_from((s_count - t_count).abs()).unwrap_or(0);
            if diffs.len() < keep {
                diffs.push((current, s_count, t_count));
            }
        }
    }
    Ok((count, diffs))
}

/// Fetch full rows (text per column) for `keys` on one side, keyed by the
/// rendered key.
pub async fn fetch_rows(
    client: &tokio_postgres::Client,
    spec: &ConnectSpec,
    plan: &TablePlan,
    keys: &[Vec<String>],
) -> Result<Vec<(Vec<String>, Vec<Option<String>>)>, DbError> {
    let n_key = plan.key.as_ref().map_or(0, Vec::len);
    if keys.is_empty() || n_key == 0 {
        return Ok(Vec::new());
    }
    let columns: Vec<Vec<String>> = (0..n_key)
        .map(|i| {
            keys.iter()
                .map(|k| k.get(i).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = columns
        .iter()
        .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    let rows = client
        .query(&plan.rows_by_key_query(), &params)
        .await
        .map_err(spec.query_error(format!("reading differing rows of {}", plan.name)))?;
    Ok(rows
        .iter()
        .map(|r| {
            let key = (0..n_key).map(|i| r.get::<_, String>(i)).collect();
            let values = (0..plan.columns.len())
                .map(|i| r.get::<_, Option<String>>(n_key + i))
                .collect();
            (key, values)
        })
        .collect())
}

/// Fetch one sample row (text per column) per hash, for key-less tables.
pub async fn fetch_rows_by_hash(
    client: &tokio_postgres::Client,
    spec: &ConnectSpec,
    plan: &TablePlan,
    hashes: &[i64],
) -> Result<Vec<(i64, Vec<Option<String>>)>, DbError> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let rows = client
        .query(&plan.rows_by_hash_query(), &[&hashes])
        .await
        .map_err(spec.query_error(format!("reading differing rows of {}", plan.name)))?;
    let mut out: Vec<(i64, Vec<Option<String>>)> = Vec::new();
    for r in rows {
        let h: i64 = r.get(0);
        if out.iter().any(|(x, _)| *x == h) {
            continue;
        }
        out.push((
            h,
            (0..plan.columns.len())
                .map(|i| r.get::<_, Option<String>>(1 + i))
                .collect(),
        ));
    }
    Ok(out)
}

/// Describe a changed row column by column.
pub fn column_diffs(
    plan: &TablePlan,
    source: &[Option<String>],
    target: &[Option<String>],
    masked: &dyn Fn(&str) -> bool,
) -> Vec<super::model::ColumnDiff> {
    let mut out = Vec::new();
    for (i, (name, _)) in plan.columns.iter().enumerate() {
        let s = source.get(i).cloned().flatten();
        let t = target.get(i).cloned().flatten();
        if s == t {
            continue;
        }
        let kind = match (&s, &t) {
            (Some(a), Some(b)) if b.len() < a.len() && a.starts_with(b.as_str()) => "truncated",
            _ => "value",
        };
        let (s, t) = if masked(name) {
            (s.map(|_| "***".to_owned()), t.map(|_| "***".to_owned()))
        } else if let (Some(a), Some(b)) = (&s, &t) {
            let (a, b) = around_first_difference(a, b);
            (Some(a), Some(b))
        } else {
            (s.map(|v| shorten(&v)), t.map(|v| shorten(&v)))
        };
        out.push(super::model::ColumnDiff {
            column: name.clone(),
            source: s,
            target: t,
            kind: kind.into(),
        });
    }
    out
}

/// Long values are shown by their start and their length.
pub fn shorten(value: &str) -> String {
    const LIMIT: usize = 200;
    if value.len() <= LIMIT {
        return value.to_owned();
    }
    let mut cut = 120;
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &value[..cut], value.len())
}

/// Two long values are shown around their first differing byte, so a one-byte
/// change deep inside a 64 KB text is visible.
pub fn around_first_difference(a: &str, b: &str) -> (String, String) {
    const LIMIT: usize = 200;
    if a.len() <= LIMIT && b.len() <= LIMIT {
        return (a.to_owned(), b.to_owned());
    }
    let mut at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while at > 0 && !(a.is_char_boundary(at) && b.is_char_boundary(at)) {
        at -= 1;
    }
    let window = |v: &str| {
        let mut start = at.saturating_sub(40);
        while start > 0 && !v.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (at + 80).min(v.len());
        while end < v.len() && !v.is_char_boundary(end) {
            end += 1;
        }
        format!(
            "{}{}{} ({} bytes; first difference at byte {at})",
            if start > 0 { "…" } else { "" },
            &v[start..end],
            if end < v.len() { "…" } else { "" },
            v.len()
        )
    };
    (window(a), window(b))
}

/// A RowDiff for a key diff, with columns when both rows are at hand.
pub fn row_diff(key: Vec<String>, kind: &str, columns: Vec<super::model::ColumnDiff>) -> RowDiff {
    RowDiff {
        key: Some(key),
        kind: kind.into(),
        columns,
        source_count: None,
        target_count: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ranges_cover_everything_with_open_ends() {
        let r = key_ranges(1, 100, 4);
        assert_eq!(
            r,
            vec![
                (None, Some(26)),
                (Some(26), Some(51)),
                (Some(51), Some(76)),
                (Some(76), None)
            ]
        );
        assert_eq!(key_ranges(5, 5, 3), vec![(None, None)]);
        let r = key_ranges(i64::MIN, i64::MAX, 3);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].0, None);
        assert_eq!(r[2].1, None);
        // More chunks than values: stops early, still open at the end.
        let r = key_ranges(1, 3, 10);
        assert_eq!(r.last().map(|x| x.1), Some(None));
        assert!(r.len() <= 3);
    }

    #[test]
    fn block_ranges_cover_everything() {
        assert_eq!(
            block_ranges(10, 3),
            vec![(0, Some(4)), (4, Some(8)), (8, None)]
        );
        assert_eq!(block_ranges(0, 3), vec![(0, None)]);
    }

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

    #[test]
    fn long_values_show_where_they_differ() {
        let a = format!("{}X{}", "é".repeat(200), "b".repeat(300));
        let b = format!("{}Y{}", "é".repeat(200), "b".repeat(300));
        let (x, y) = around_first_difference(&a, &b);
        assert_ne!(x, y);
        assert!(
            x.contains("X") && y.contains("Y") && x.contains("first difference at byte 400"),
            "{x}"
        );
    }

    #[test]
    fn shorten_keeps_char_boundaries() {
        let long = "é".repeat(300);
        let s = shorten(&long);
        assert!(s.contains("600 bytes"));
    }
}
