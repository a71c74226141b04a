//! Every sequence of the selected schemas, owned by a column or not, and the
//! columns that draw from it — one reading shared by the validator's sequence
//! check and `sync-sequences`, so both cover exactly the same sequences.
//!
//! A sequence used only through `DEFAULT nextval('s')` (no `OWNED BY`) is as
//! much a cut-over hazard as a serial: DMS moves neither, and the first insert
//! on the target after the switch collides with a replicated key.

use crate::db::quote_ident;
use crate::sql::{self, from_row, query, Query, RowError};
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

pub const SEQUENCES: Query = query!("catalog/sequences.sql");

/// One sequence as the catalogs describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceRow {
    pub schema: String,
    pub name: String,
    pub data_type: String,
    pub start_value: i64,
    pub increment_by: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache_size: i64,
    pub cycles: bool,
    /// This role may read the sequence's value.
    pub readable: bool,
    /// NULL when never used (or not readable).
    pub last_value: Option<i64>,
    /// `schema.table.column` of every column that draws from it.
    pub used_by: Vec<String>,
}

impl SequenceRow {
    /// `schema.name`, as reported.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// Quoted for SQL: `"schema"."name"`.
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }

    /// The definition properties compared between the sides.
    pub fn definition(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("type", self.data_type.clone()),
            ("start", self.start_value.to_string()),
            ("increment", self.increment_by.to_string()),
            ("min", self.min_value.to_string()),
            ("max", self.max_value.to_string()),
            ("cache", self.cache_size.to_string()),
            ("cycle", self.cycles.to_string()),
        ])
    }
}

from_row! {
    SequenceRow {
        schema = "schema_name",
        name = "sequence_name",
        data_type,
        start_value,
        increment_by,
        min_value,
        max_value,
        cache_size,
        cycles,
        readable,
        last_value,
        used_by,
    }
}

/// Reading sequences or column maxima failed.
#[derive(Debug, thiserror::Error)]
pub enum SequenceCatalogError {
    #[error("{what} failed")]
    Query {
        what: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    Row(#[from] RowError),
    #[error("column reference {0:?} is not schema.table.column")]
    BadColumn(String),
}

impl crate::error::Classify for SequenceCatalogError {
    fn error_type(&self) -> crate::error::ErrorType {
        match self {
            SequenceCatalogError::Query { source, .. } if crate::db::is_connection_lost(source) => {
                crate::error::ErrorType::DatabaseUnavailable
            }
            _ => crate::error::ErrorType::DatabaseError,
        }
    }
}

/// Every sequence of `schemas`, ordered by schema and name.
pub async fn read<C: GenericClient + Sync>(
    client: &C,
    schemas: &[String],
) -> Result<Vec<SequenceRow>, SequenceCatalogError> {
    let rows = client
        .query(SEQUENCES.text, &[&schemas])
        .await
        .map_err(|source| SequenceCatalogError::Query {
            what: SEQUENCES.name.to_owned(),
            source,
        })?;
    Ok(sql::rows(&rows, &SEQUENCES)?)
}

/// `max(column)` of every `schema.table.column` named in `columns` (one query
/// per table), as int8; NULL for an empty table. Names are quoted; the value
/// is read through `numeric` so a non-integer column cannot fail the cast
/// silently (a fractional maximum is rounded up).
pub async fn column_maxima<C: GenericClient + Sync>(
    client: &C,
    columns: &[String],
) -> Result<BTreeMap<String, Option<i64>>, SequenceCatalogError> {
    let mut by_table: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for reference in columns {
        let parts: Vec<&str> = reference.splitn(3, '.').collect();
        let [schema, table, column] = parts[..] else {
            return Err(SequenceCatalogError::BadColumn(reference.clone()));
        };
        by_table
            .entry((schema.to_owned(), table.to_owned()))
            .or_default()
            .push(column.to_owned());
    }
    let mut out = BTreeMap::new();
    for ((schema, table), cols) in by_table {
        let select: Vec<String> = cols
            .iter()
            .map(|c| format!("ceil(max({})::numeric)::int8", quote_ident(c)))
            .collect();
        let text = format!(
            "SELECT {} FROM {}.{}",
            select.join(", "),
            quote_ident(&schema),
            quote_ident(&table)
        );
        let row =
            client
                .query_one(&text, &[])
                .await
                .map_err(|source| SequenceCatalogError::Query {
                    what: format!("max() of the columns of {schema}.{table}"),
                    source,
                })?;
        for (i, c) in cols.iter().enumerate() {
            let value: Option<i64> =
                row.try_get(i)
                    .map_err(|source| SequenceCatalogError::Query {
                        what: format!("max({schema}.{table}.{c})"),
                        source,
                    })?;
            out.insert(format!("{schema}.{table}.{c}"), value);
        }
    }
    Ok(out)
}

/// The value a target sequence must have after cut-over: the source's, and
/// never below the largest value already in a column that draws from it (a
/// row the target has that the source's counter has not reached, e.g. an
/// insert made on the target by mistake, would otherwise collide).
/// `None` when neither side has used it (leave it as it is).
pub fn required_value(
    source_last: Option<i64>,
    target_maxima: impl IntoIterator<Item = Option<i64>>,
) -> Option<i64> {
    target_maxima.into_iter().flatten().chain(source_last).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_value_is_the_source_value_or_the_target_maximum() {
        assert_eq!(required_value(Some(10), [Some(7)]), Some(10));
        assert_eq!(required_value(Some(10), [Some(12), None]), Some(12));
        assert_eq!(required_value(None, [Some(5)]), Some(5));
        assert_eq!(required_value(None, [None]), None);
        assert_eq!(required_value(Some(3), []), Some(3));
    }
}
