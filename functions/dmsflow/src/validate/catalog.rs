//! What the catalogs of one side say about the selected schemas, read once
//! per run in the session's snapshot.
//!
//! Tables are named `table` when every table of both sides lives in one
//! schema (a database like our sample, and results as they always were), and
//! `schema.table` when the selection spans schemas, so a name is never
//! ambiguous within a run.

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
        schema: "s".into(),
        relname: "t".into(),
        partition_of: None,
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
    /// The name requests and results use (see the module comment).
    pub name: String,
    pub schema: String,
    /// The name in its schema (`pg_class.relname`).
    pub relname: String,
    /// The partitioned table this is a partition of (its name as `name`).
    pub partition_of: Option<String>,
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

/// One side's view of the selected schemas.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Catalog {
    pub schemas: Vec<String>,
    /// Tables, partitioned tables (roots) and materialized views.
    pub tables: BTreeMap<String, TableInfo>,
    /// Partitions: compared through their root, or alone when asked for.
    pub partitions: BTreeMap<String, TableInfo>,
    /// Enum type → labels in sort order.
    pub enums: BTreeMap<String, Vec<String>>,
}

impl Catalog {
    /// A table or a partition by its name.
    pub fn get(&self, name: &str) -> Option<&TableInfo> {
        self.tables.get(name).or_else(|| self.partitions.get(name))
    }

    /// Read everything with six queries (not per table) on `client`, which must
    /// be inside the side's snapshot transaction. Names are qualified until
    /// [`name_tables`] has seen both sides.
    pub async fn load(
        client: &tokio_postgres::Client,
        spec: &ConnectSpec,
        schemas: &[String],
    ) -> Result<Catalog, ReadError> {
        let read = |query: Query, what: &'static str| async move {
            client
                .query(query.text(), &[&schemas])
                .await
                .map_err(spec.query_error(what))
        };
        let rows = read(TABLES, "reading the table list").await?;
        let mut all: BTreeMap<String, TableInfo> = sql::rows::<TableInfo>(&rows, &TABLES)?
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let rows = read(COLUMNS, "reading columns").await?;
        attach(&mut all, sql::rows(&rows, &COLUMNS)?, |t| &mut t.columns);
        let rows = read(CONSTRAINTS, "reading constraints").await?;
        attach(&mut all, sql::rows(&rows, &CONSTRAINTS)?, |t| {
            &mut t.constraints
        });
        let rows = read(INDEXES, "reading indexes").await?;
        attach(&mut all, sql::rows(&rows, &INDEXES)?, |t| &mut t.indexes);
        let rows = read(SEQUENCES, "reading sequences").await?;
        attach(&mut all, sql::rows(&rows, &SEQUENCES)?, |t| {
            &mut t.sequences
        });
        let rows = read(ENUMS, "reading enum types").await?;
        let enums = sql::rows::<EnumRow>(&rows, &ENUMS)?
            .into_iter()
            .map(|e| (e.name, e.labels))
            .collect();
        let (partitions, tables) = all.into_iter().partition(|(_, t)| t.partition_of.is_some());
        Ok(Catalog {
            schemas: schemas.to_vec(),
            tables,
            partitions,
            enums,
        })
    }

    fn all_tables(&self) -> impl Iterator<Item = &TableInfo> {
        self.tables.values().chain(self.partitions.values())
    }

    fn rename(&mut self, bare: bool) {
        let name = |t: &TableInfo| {
            if bare {
                t.relname.clone()
            } else {
                t.name.clone()
            }
        };
        for map in [&mut self.tables, &mut self.partitions] {
            *map = std::mem::take(map)
                .into_values()
                .map(|mut t| {
                    t.name = name(&t);
                    if bare {
                        t.partition_of = t.partition_of.map(|p| unqualified(&p).to_owned());
                    }
                    (t.name.clone(), t)
                })
                .collect();
        }
    }
}

/// `schema.table`: the name of a table when the selection spans schemas.
pub fn qualified_name(schema: &str, table: &str) -> String {
    format!("{schema}.{table}")
}

fn unqualified(name: &str) -> &str {
    name.split_once('.').map_or(name, |(_, t)| t)
}

/// Name the tables of both sides: bare when all of them live in one schema,
/// `schema.table` otherwise.
pub fn name_tables(source: &mut Catalog, target: &mut Catalog) {
    let bare = {
        let mut schemas = source
            .all_tables()
            .chain(target.all_tables())
            .map(|t| &t.schema);
        let first = schemas.next();
        schemas.all(|s| Some(s) == first)
    };
    source.rename(bare);
    target.rename(bare);
}

/// A row that belongs to a table (`schema_name`, `table_name`), and what it describes.
struct InTable<T> {
    table: String,
    item: T,
}

impl<T: FromRow> FromRow for InTable<T> {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        let schema: String = get(row, q, "schema_name")?;
        let table: String = get(row, q, "table_name")?;
        Ok(InTable {
            table: qualified_name(&schema, &table),
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
        let schema: String = get(row, q, "schema_name")?;
        let relname: String = get(row, q, "table_name")?;
        let parent_schema: Option<String> = get(row, q, "parent_schema")?;
        let parent_name: Option<String> = get(row, q, "parent_name")?;
        Ok(TableInfo {
            name: qualified_name(&schema, &relname),
            partition_of: parent_schema
                .zip(parent_name)
                .map(|(s, t)| qualified_name(&s, &t)),
            schema,
            relname,
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
