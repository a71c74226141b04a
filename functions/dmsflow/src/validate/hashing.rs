//! The row fingerprint, computed inside PostgreSQL.
//!
//! `hashint8extended(hash_record_extended(ROW(c1, render(c2), …), 0), 0)`:
//!
//! - Columns whose native hash is exact and the same in every database (ints,
//!   bool, date, time, timestamp[tz], uuid, bytea, text with a deterministic
//!   collation, numeric with a typmod) go in as they are — no text conversion,
//!   which is where the time goes. Everything else is rendered as text by its type's output
//!   function inside the row ([`render_expr`]; never a cast, which could be a
//!   user's): unconstrained numeric (1.0 and 1.00 hash alike natively), float (−0 and 0), jsonb (number scale), enums
//!   and arrays/composites (hashed through type OIDs that differ between
//!   databases), interval ('1 day' = '24 hours'), and types with no hash at all.
//!   A column whose type differs between the sides is rendered on both.
//! - `hash_record_extended` combines its columns linearly (31·h + next), so on
//!   its own a value swapped between two rows leaves the table's sum unchanged.
//!   The outer hash breaks that. We use `hashint8extended` (Jenkins mixing of
//!   the 8 bytes) instead of the `hashtextextended(…::text)` the research used:
//!   it is as non-linear and skips an int8 → text conversion per row (measured
//!   in `make bench-validate`).
//! - Rows are summed as numeric (order-independent; a duplicated row doubles
//!   its term — XOR would cancel it).
//!
//! Columns are always listed by name (never `t.*`), in the source's order.

use super::catalog::Column;
use super::rows::ReadError;
use super::session::SideSessions;
use super::sides::{Side, Sides};
use crate::db::quote_ident;
use crate::sql::{self, query, FromRow, Query, RowError};

/// Base types whose hash is exact and database-independent.
const NATIVE_HASH_TYPES: &[&str] = &[
    "int2",
    "int4",
    "int8",
    "bool",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
    "bytea",
    "oid",
    "char",
];
/// Text-like types: native when the collation is deterministic.
const TEXT_TYPES: &[&str] = &["text", "varchar", "bpchar", "name"];
/// Integer types usable for PK range chunks.
pub const INTEGER_TYPES: &[&str] = &["int2", "int4", "int8"];
/// Columns whose length is checked for truncation (LOBs in DMS terms).
const LENGTH_TYPES: &[&str] = &["text", "varchar", "bpchar", "bytea"];

/// How one column enters the row hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnMode {
    Native,
    Text,
    /// Text with a nondeterministic collation: hashed as raw bytes.
    Bytes,
}

pub fn column_mode(source: &Column, target: &Column) -> ColumnMode {
    let same_type = source.data_type == target.data_type && source.base_type == target.base_type;
    let scalar = !source.is_array && source.type_kind == "b";
    if !same_type || !scalar {
        return ColumnMode::Text;
    }
    let base = source.base_type.as_str();
    if TEXT_TYPES.contains(&base) {
        if source.deterministic && target.deterministic {
            ColumnMode::Native
        } else {
            ColumnMode::Bytes
        }
    } else if NATIVE_HASH_TYPES.contains(&base) {
        ColumnMode::Native
    } else if base == "numeric" && source.data_type.starts_with("numeric(") {
        // A typmod fixes the scale of every stored value (1.5 is stored as
        // 1.50), so the scale-blind numeric hash is exact here; unconstrained
        // numeric keeps its text form (1.0 and 1.00 would hash alike).
        ColumnMode::Native
    } else {
        ColumnMode::Text
    }
}

/// A value as text through its type's own output function, never a cast:
/// `x::text` looks in pg_cast first, where a user-defined
/// `CREATE CAST (T AS text)` would run its function inside the validator's
/// transaction. `format('%s', x)` calls the type's output function directly
/// (for composites and arrays, the members' output functions). `format`
/// renders NULL as '', so NULL is kept apart with `num_nulls`, which counts
/// a NULL datum (unlike `IS NULL`, true for a row of NULL fields).
pub fn render_expr(expr: &str) -> String {
    format!("CASE WHEN num_nulls({expr}) = 0 THEN format('%s', {expr}) END")
}

/// A column as it enters the hash.
pub fn column_expr(column: &str, mode: ColumnMode) -> String {
    let c = format!("t.{}", quote_ident(column));
    match mode {
        ColumnMode::Native => c,
        ColumnMode::Text => render_expr(&c),
        ColumnMode::Bytes => format!("textsend({})", render_expr(&c)),
    }
}

/// The per-row fingerprint over `columns` (name, mode).
pub fn row_hash_expr(columns: &[(String, ColumnMode)]) -> String {
    let parts: Vec<String> = columns.iter().map(|(c, m)| column_expr(c, *m)).collect();
    format!(
        "hashint8extended(hash_record_extended(ROW({}), 0), 0)",
        parts.join(", ")
    )
}

pub fn is_integer(column: &Column) -> bool {
    !column.is_array && INTEGER_TYPES.contains(&column.base_type.as_str())
}

pub fn is_length_checked(column: &Column) -> bool {
    !column.is_array && LENGTH_TYPES.contains(&column.base_type.as_str())
}

const USER_CODE: Query = query!("validate/user_code.sql");

/// Code a column's comparison would run that is neither PostgreSQL's own nor
/// an extension's (`sql/validate/user_code.sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCode {
    pub schema: String,
    pub table: String,
    pub column: String,
    /// The type inside the column (itself, a member, an element…) that has it.
    pub type_name: String,
    /// `output` (its output function) or `hash` (its default hash support).
    pub kind: String,
    pub function: String,
}

impl FromRow for UserCode {
    fn from_row(row: &tokio_postgres::Row, query: &'static str) -> Result<Self, RowError> {
        Ok(UserCode {
            schema: sql::get(row, query, "schema_name")?,
            table: sql::get(row, query, "table_name")?,
            column: sql::get(row, query, "column_name")?,
            type_name: sql::get(row, query, "type_name")?,
            kind: sql::get(row, query, "kind")?,
            function: sql::get(row, query, "function")?,
        })
    }
}

impl UserCode {
    /// Whether comparing the column in `mode` would call it: output
    /// functions always run (values are rendered for reports), a hash
    /// function only when the column is hashed as it is.
    pub fn runs_in(&self, mode: ColumnMode) -> bool {
        self.kind != "hash" || mode == ColumnMode::Native
    }

    pub fn describe(&self) -> String {
        let what = if self.kind == "hash" {
            "hash function"
        } else {
            "output function"
        };
        format!(
            "column {} cannot be compared without running user code: type {} has the user-defined {what} {}",
            self.column, self.type_name, self.function
        )
    }
}

/// Every column of the selected schemas that needs user code, per side.
pub async fn user_code(
    sessions: Sides<&SideSessions>,
    schemas: &[String],
) -> Result<Sides<Vec<UserCode>>, ReadError> {
    sessions
        .try_both(|_, s| async move {
            let rows = s
                .query(
                    USER_CODE.text(),
                    &[&schemas],
                    "finding columns that need user code",
                )
                .await?;
            rows.iter()
                .map(|r| UserCode::from_row(r, USER_CODE.name))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ReadError::from)
        })
        .await
}

/// The first compared column of `table` whose comparison would run user
/// code, on either side.
pub fn first_user_code<'a>(
    found: &'a Sides<Vec<UserCode>>,
    schema: &str,
    table: &str,
    columns: &[(String, ColumnMode)],
) -> Option<(Side, &'a UserCode)> {
    [Side::Source, Side::Target].into_iter().find_map(|side| {
        found.get(side).iter().find_map(|u| {
            let compared = columns.iter().any(|(c, m)| {
                u.schema == schema && u.table == table && *c == u.column && u.runs_in(*m)
            });
            compared.then_some((side, u))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(data_type: &str, base: &str, kind: &str) -> Column {
        Column {
            type_kind: kind.into(),
            ..Column::for_test("c", data_type, base)
        }
    }

    #[test]
    fn modes() {
        let int = col("bigint", "int8", "b");
        assert_eq!(column_mode(&int, &int), ColumnMode::Native);
        let num = col("numeric(12,2)", "numeric", "b");
        assert_eq!(
            column_mode(&num, &num),
            ColumnMode::Native,
            "typmod fixes the scale"
        );
        let num_free = col("numeric", "numeric", "b");
        assert_eq!(column_mode(&num, &num_free), ColumnMode::Text);
        let int4 = col("integer", "int4", "b");
        assert_eq!(
            column_mode(&int4, &int),
            ColumnMode::Text,
            "type differs: text on both"
        );
        let en = col("shop.order_status", "order_status", "e");
        assert_eq!(column_mode(&en, &en), ColumnMode::Text);
        let mut arr = col("text[]", "_text", "b");
        arr.is_array = true;
        assert_eq!(column_mode(&arr, &arr), ColumnMode::Text);
        let mut ci = col("text", "text", "b");
        ci.deterministic = false;
        assert_eq!(column_mode(&ci, &ci), ColumnMode::Bytes);
        let js = col("jsonb", "jsonb", "b");
        assert_eq!(column_mode(&js, &js), ColumnMode::Text);
    }

    #[test]
    fn expression_quotes_names() {
        let e = row_hash_expr(&[
            ("id".into(), ColumnMode::Native),
            ("we\"ird".into(), ColumnMode::Text),
        ]);
        assert_eq!(
            e,
            "hashint8extended(hash_record_extended(ROW(t.\"id\", CASE WHEN num_nulls(t.\"we\"\"ird\") = 0 THEN format('%s', t.\"we\"\"ird\") END), 0), 0)"
        );
    }
}
