//! Reading what a side returns, with errors that name the statement: catalog
//! queries from `sql/` go through [`crate::sql`] (columns by name); the
//! statements the validator generates per table (checksums, key bounds, row
//! fetches) list their columns by position, read here with `try_get` too.

use crate::db::DbError;
use crate::sql::RowError;
use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

/// A column of a generated statement could not be read as the expected type.
#[derive(Debug, thiserror::Error)]
#[error("{statement}: cannot read column {index}")]
pub struct ColumnError {
    pub statement: &'static str,
    pub index: usize,
    #[source]
    pub source: tokio_postgres::Error,
}

/// `try_get` by position, for generated statements.
pub fn at<'a, T: FromSql<'a>>(
    row: &'a Row,
    statement: &'static str,
    index: usize,
) -> Result<T, ColumnError> {
    row.try_get(index).map_err(|source| ColumnError {
        statement,
        index,
        source,
    })
}

/// Reading from one side failed: the statement, or a row it returned.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Row(#[from] RowError),
    #[error(transparent)]
    Column(#[from] ColumnError),
}
