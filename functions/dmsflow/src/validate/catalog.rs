//! What the catalogs of one side say about a schema, read once per run in the
//! session's snapshot.

use super::rows::ReadError;
use crate::db::ConnectSpec;
use crate::sql::{self, from_row, get, query, FromRow, Query, RowError};
use std::collections::BTreeMap;
use tokio_postgres::Row;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Column {
    pub position: i32,
    pub name: String,
    /// `format_type` output, with typmod: `numeric(12,2)`, `character(3)`.
    pub data_type: String,
    /// The type behind a domain (`int8`, `numeric`, `jsonb`, …).
    pub base_type: String,
    /// pg_type.typtype of the base type: b, e (enum), c, r, m, p.
    pub type_kind: String,
    pub is_array: bool,
    pub not_null: bool,
    pub default_expr: Option<String>,
    pub identity: String,
    pub generated: String,
    pub collation: Option<String>,
    pub deterministic: bool,
}

#[cfg(test)]
impl Column {
    /// A nullable scalar column with no default, for unit tests.
    pub(crate) fn for_test(name: &str, data_type: &str, base_type: &str) -> Column {
        Column {
            position: 1,
            name: name.into(),
            data_type: data_type.into(),
            base_type: base_type.into(),
            type_kind: "b".into(),
            is_array: false,
            not_null: false,
            default_expr: None,
            identity: String::new(),
            generated: String::new(),
            collation: None,
            deterministic: true,
        }
    }
}

/// A table of the given parts and nothing else, for unit tests.
#[cfg(test)]
pub(crate) fn table_for_test(
    columns: Vec<Column>,
    constraints: Vec<Constraint>,
    indexes: Vec<Index>,
) -> TableInfo {
    TableInfo {
        name: "t".into(),
        kind: "r".into(),
        row_estimate: 0.0,
        blocks: 0,
        can_select: true,
        columns,
        constraints,
        indexes,
        sequences: vec![],
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Constraint {
    pub name: String,
    /// p, u, f, c, x
    pub kind: String,
    pub definition: String,
    pub validated: bool,
    pub key_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Index {
    pub name: String,
    pub definition: String,
    pub is_primary: bool,
    pub is_unique: bool,
    pub is_valid: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sequence {
    pub column: String,
    pub name: String,
    pub readable: bool,
    pub last_value: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableInfo {
    pub name: String,
    pub kind: String,
    pub row_estimate: f64,
    pub blocks: i64,
    pub can_select: bool,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub sequences: Vec<Sequence>,
}

impl TableInfo {
    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.kind == "p")
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One side's view of the schema.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Catalog {
    pub schema: String,
    pub tables: BTreeMap<String, TableInfo>,
    /// Enum type → labels in sort order.
    pub enums: BTreeMap<String, Vec<String>>,
}

impl Catalog {
    /// Read everything with six queries (not per table) on `client`, which must
    /// be inside the side's snapshot transaction.
    pub async fn load(
        client: &tokio_postgres::Client,
        spec: &ConnectSpec,
        schema: &str,
    ) -> Result<Catalog, ReadError> {
        let read = |query: Query, what: &'static str| async move {
            client
                .query(query.text(), &[&schema])
                .await
                .map_err(spec.query_error(what))
        };
        let rows = read(TABLES, "reading the table list").await?;
        let mut tables: BTreeMap<String, TableInfo> = sql::rows::<TableInfo>(&rows, &TABLES)?
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let rows = read(COLUMNS, "reading columns").await?;
        attach(&mut tables, sql::rows(&rows, &COLUMNS)?, |t| &mut t.columns);
        let rows = read(CONSTRAINTS, "reading constraints").await?;
        attach(&mut tables, sql::rows(&rows, &CONSTRAINTS)?, |t| {
            &mut t.constraints
        });
        let rows = read(INDEXES, "reading indexes").await?;
        attach(&mut tables, sql::rows(&rows, &INDEXES)?, |t| &mut t.indexes);
        let rows = read(SEQUENCES, "reading sequences").await?;
        attach(&mut tables, sql::rows(&rows, &SEQUENCES)?, |t| {
            &mut t.sequences
        });
        let rows = read(ENUMS, "reading enum types").await?;
        let enums = sql::rows::<EnumRow>(&rows, &ENUMS)?
            .into_iter()
            .map(|e| (e.name, e.labels))
            .collect();
        Ok(Catalog {
            schema: schema.to_owned(),
            tables,
            enums,
        })
    }
}

/// A row that belongs to a table (`table_name`), and what it describes.
struct InTable<T> {
    table: String,
    item: T,
}

impl<T: FromRow> FromRow for InTable<T> {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(InTable {
            table: get(row, q, "table_name")?,
            item: T::from_row(row, q)?,
        })
    }
}

/// Add each item to its table's list (items of unlisted tables are dropped).
fn attach<T>(
    tables: &mut BTreeMap<String, TableInfo>,
    rows: Vec<InTable<T>>,
    list: impl Fn(&mut TableInfo) -> &mut Vec<T>,
) {
    for InTable { table, item } in rows {
        if let Some(t) = tables.get_mut(&table) {
            list(t).push(item);
        }
    }
}

const TABLES: Query = query!("validate/tables.sql");

impl FromRow for TableInfo {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(TableInfo {
            name: get(row, q, "table_name")?,
            kind: get(row, q, "kind")?,
            row_estimate: get(row, q, "row_estimate")?,
            blocks: get(row, q, "blocks")?,
            can_select: get(row, q, "can_select")?,
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            sequences: Vec::new(),
        })
    }
}

const COLUMNS: Query = query!("validate/columns.sql");

from_row! {
    Column {
        position,
        name = "column_name",
        data_type,
        base_type,
        type_kind,
        is_array,
        not_null,
        default_expr,
        identity,
        generated,
        collation,
        deterministic,
    }
}

const CONSTRAINTS: Query = query!("validate/constraints.sql");

from_row! { Constraint { name, kind, definition, validated, key_columns } }

const INDEXES: Query = query!("validate/indexes.sql");

from_row! { Index { name, definition, is_primary, is_unique, is_valid } }

const SEQUENCES: Query = query!("validate/sequences.sql");

from_row! { Sequence { column = "column_name", name = "sequence_name", readable, last_value } }

const ENUMS: Query = query!("validate/enums.sql");

/// An enum type and its labels in sort order.
struct EnumRow {
    name: String,
    labels: Vec<String>,
}

from_row! { EnumRow { name = "type_name", labels } }

const SCHEMA_EXISTS: Query = query!("validate/schema_exists.sql");

struct SchemaExists {
    present: bool,
}

from_row! { SchemaExists { present } }

/// Whether `schema` exists on this side (an empty table list could mean either).
pub async fn schema_exists(
    client: &tokio_postgres::Client,
    spec: &ConnectSpec,
    schema: &str,
) -> Result<bool, ReadError> {
    let row = client
        .query_one(SCHEMA_EXISTS.text(), &[&schema])
        .await
        .map_err(spec.query_error("checking the schema"))?;
    Ok(SchemaExists::from_row(&row, SCHEMA_EXISTS.name)?.present)
}
