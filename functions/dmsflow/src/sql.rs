//! The one door to the SQL in `sql/`: every statement the functions run is a
//! [`Query`] declared with [`query!`] (a path relative to `sql/`, resolved from
//! the crate root, so no module counts `../`), and every row it returns is read
//! into a typed struct through [`FromRow`] with `try_get`: a renamed or retyped
//! column is a [`RowError`] that names the query and the column, never a panic.
//!
//! Queries are declared beside the row structs they fill, in the module that
//! runs them (`validate::catalog`, `engine::native`, …); this module only
//! holds the mechanism.

use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

/// One SQL statement shipped in `sql/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// The file under `sql/`, e.g. `validate/tables.sql` (for errors and logs).
    pub name: &'static str,
    /// The statement text, compiled into the binary.
    pub text: &'static str,
}

impl Query {
    pub fn text(&self) -> &'static str {
        self.text
    }
}

/// `query!("validate/tables.sql")`: the file under the repository's `sql/`
/// directory as a [`Query`], checked at compile time.
#[macro_export]
macro_rules! query {
    ($path:literal) => {
        $crate::sql::Query {
            name: $path,
            text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sql/", $path)),
        }
    };
}
pub use crate::query;

/// A column of a row could not be read as the declared type.
#[derive(Debug, thiserror::Error)]
#[error("{query}: cannot read column {column:?}")]
pub struct RowError {
    pub query: &'static str,
    pub column: &'static str,
    #[source]
    pub source: tokio_postgres::Error,
}

/// A typed row of one query.
pub trait FromRow: Sized {
    fn from_row(row: &Row, query: &'static str) -> Result<Self, RowError>;
}

/// `from_row! { Slot { name = "slot_name", active } }`: [`FromRow`] for a struct
/// whose fields are read one column each (the column named after the field
/// unless `= "column"` says otherwise).
#[macro_export]
macro_rules! from_row {
    ($ty:ident { $($field:ident $(= $column:literal)?),* $(,)? }) => {
        impl $crate::sql::FromRow for $ty {
            fn from_row(
                row: &tokio_postgres::Row,
                query: &'static str,
            ) -> Result<Self, $crate::sql::RowError> {
                Ok($ty {
                    $($field: $crate::sql::get(row, query, $crate::from_row!(@column $field $(= $column)?))?,)*
                })
            }
        }
    };
    (@column $field:ident = $column:literal) => { $column };
    (@column $field:ident) => { stringify!($field) };
}
pub use crate::from_row;

/// `try_get` with an error that names the query and the column.
pub fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    query: &'static str,
    column: &'static str,
) -> Result<T, RowError> {
    row.try_get(column).map_err(|source| RowError {
        query,
        column,
        source,
    })
}

/// Read every row of a result into `T`.
pub fn rows<T: FromRow>(rows: &[Row], query: &Query) -> Result<Vec<T>, RowError> {
    rows.iter().map(|r| T::from_row(r, query.name)).collect()
}
