//! What one table's data comparison reads: the common columns and their hash
//! modes, the key, the chunking, and the statements generated from them (all
//! identifiers come from the catalogs and are quoted).

use super::super::catalog::{Column, TableInfo};
use super::super::hashing::{
    column_mode, is_integer, is_length_checked, render_expr, row_hash_expr, ColumnMode,
};
use super::super::sides::{Side, Sides};
use crate::db::quote_ident;

/// A key column as the validator reads it.
#[derive(Debug, Clone)]
pub struct KeyColumn {
    pub name: String,
    pub integer: bool,
    /// `format_type` of the source column, to cast text keys back.
    pub data_type: String,
}

/// `[first block, end block)`, open where `None`.
pub type BlockRange = (i64, Option<i64>);
/// `[lower, upper)` of an integer key, open where `None`.
pub type KeyRange = (Option<i64>, Option<i64>);

/// How a table's rows are split for the checksum pass.
#[derive(Debug, Clone)]
pub enum Chunking {
    /// Ranges of an integer leading key column, the same on both sides, so a
    /// chunk that differs localises the difference. `[lower, upper)`.
    KeyRange {
        column: String,
        ranges: Vec<KeyRange>,
    },
    /// Physical block ranges per side (sequential, no index needed). Only the
    /// table totals compare across sides. Both sides have as many ranges.
    Ctid(Sides<Vec<BlockRange>>),
}

impl Chunking {
    pub fn len(&self) -> usize {
        match self {
            Chunking::KeyRange { ranges, .. } => ranges.len(),
            Chunking::Ctid(blocks) => blocks.source.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything needed to compare one table's data.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// As requests and results name it.
    pub name: String,
    pub schema: String,
    pub relname: String,
    /// `"schema"."table"`.
    pub qualified: String,
    pub columns: Vec<(String, ColumnMode)>,
    pub row_hash: String,
    pub key: Option<Vec<KeyColumn>>,
    /// Columns whose max octet_length is compared (truncation).
    pub length_columns: Vec<String>,
    /// bytea on both sides: differences are shown in bytes of the value.
    pub bytea_columns: Vec<String>,
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
    pub fn new(source: &TableInfo, target: &TableInfo) -> TablePlan {
        let common = common_columns(source, target);
        let columns: Vec<(String, ColumnMode)> =
            common.iter().map(|(n, m, _)| (n.clone(), *m)).collect();
        let length_columns = common
            .iter()
            .filter(|(_, _, c)| is_length_checked(c))
            .map(|(n, _, _)| n.clone())
            .collect();
        let is_bytea = |c: &Column| !c.is_array && c.base_type == "bytea";
        let bytea_columns = common
            .iter()
            .filter(|(n, _, s)| is_bytea(s) && target.column(n).is_some_and(is_bytea))
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
            schema: source.schema.clone(),
            relname: source.relname.clone(),
            qualified: format!(
                "{}.{}",
                quote_ident(&source.schema),
                quote_ident(&source.relname)
            ),
            row_hash: row_hash_expr(&columns),
            columns,
            key: key_columns(source, target),
            length_columns,
            bytea_columns,
            sequence_columns,
            restrict: None,
            chunking: Chunking::Ctid(Sides::new(vec![(0, None)], vec![(0, None)])),
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

    fn where_clause(&self, side: Side, chunk: usize) -> String {
        let mut preds = self.restrict_predicate();
        match &self.chunking {
            Chunking::KeyRange { column, ranges } => {
                if let Some((lo, hi)) = ranges.get(chunk) {
                    preds.extend(range_predicate(column, *lo, *hi));
                }
            }
            Chunking::Ctid(blocks) => {
                if let Some((lo, hi)) = blocks.get(side).get(chunk) {
                    if *lo > 0 {
                        preds.push(format!("t.ctid >= '({lo},0)'::tid"));
                    }
                    if let Some(hi) = hi {
                        preds.push(format!("t.ctid < '({hi},0)'::tid"));
                    }
                }
            }
        }
        where_of(&preds)
    }

    /// The checksum query for one chunk on one side.
    pub fn chunk_query(&self, side: Side, chunk: usize) -> String {
        let mut select = vec![
            "count(*)::int8".to_owned(),
            // As text without a cast (a user may have added numeric -> text).
            format!("format('%s', coalesce(sum({}), 0))", self.row_hash),
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
            self.where_clause(side, chunk)
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
                    render_expr(&c)
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
                    format!("({}) COLLATE \"C\"", render_expr(&c))
                }
            })
            .collect();
        (select, order)
    }

    /// `(key…, row hash)` of a chunk, ordered by key, for the streaming merge.
    pub fn keyed_hash_query(&self, side: Side, chunk: Option<usize>) -> String {
        let (select, order) = self.key_select();
        let where_clause = match chunk {
            Some(c) => self.where_clause(side, c),
            None => where_of(&self.restrict_predicate()),
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
        format!(
            "SELECT {} AS h FROM {} t{} ORDER BY 1",
            self.row_hash,
            self.qualified,
            where_of(&self.restrict_predicate())
        )
    }

    /// `(key columns) IN (…)` over `$1…$n`, text arrays with one key column
    /// each; and the key columns as text. No cast runs (a user's cast could):
    /// integer keys are read back with `int8in`, other keys are compared as
    /// their rendered text.
    fn keys_filter(&self) -> (String, String) {
        let key = self.key.as_deref().unwrap_or_default();
        let column = |k: &KeyColumn| format!("t.{}", quote_ident(&k.name));
        let key_text: Vec<String> = key.iter().map(|k| render_expr(&column(k))).collect();
        let tuple: Vec<String> = key
            .iter()
            .map(|k| {
                if k.integer {
                    column(k)
                } else {
                    render_expr(&column(k))
                }
            })
            .collect();
        let casts: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, k)| {
                if k.integer {
                    format!("pg_catalog.int8in(pg_catalog.textout(u.k{i}))")
                } else {
                    format!("u.k{i}")
                }
            })
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

    /// Every common column as text, in order.
    fn text_columns(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|(c, _)| render_expr(&format!("t.{}", quote_ident(c))))
            .collect();
        cols.join(", ")
    }

    /// Lowest and highest value of an integer column.
    pub fn key_bounds_query(&self, column: &str) -> String {
        format!(
            "SELECT min(t.{c})::int8, max(t.{c})::int8 FROM {} t",
            self.qualified,
            c = quote_ident(column)
        )
    }

    /// Highest value of an integer column.
    pub fn max_query(&self, column: &str) -> String {
        format!(
            "SELECT max(t.{})::int8 FROM {} t",
            quote_ident(column),
            self.qualified
        )
    }

    /// Every row, counted.
    pub fn count_query(&self) -> String {
        format!("SELECT count(*) FROM {}", self.qualified)
    }

    /// Full rows (every common column as text) for the given keys.
    pub fn rows_by_key_query(&self) -> String {
        let (key_text, filter) = self.keys_filter();
        format!(
            "SELECT {key_text}, {} FROM {} t WHERE {filter}",
            self.text_columns(),
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
        format!(
            "SELECT {} AS h, {} FROM {} t WHERE {} = ANY($1::int8[])",
            self.row_hash,
            self.text_columns(),
            self.qualified,
            self.row_hash
        )
    }
}

fn where_of(preds: &[String]) -> String {
    if preds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", preds.join(" AND "))
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
