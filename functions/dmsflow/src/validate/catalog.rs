//! What the catalogs of one side say about a schema, read once per run in the
//! session's snapshot.

use crate::db::{ConnectSpec, DbError};
use std::collections::BTreeMap;

const TABLES_SQL: &str = include_str!("../../../../sql/validate/tables.sql");
const COLUMNS_SQL: &str = include_str!("../../../../sql/validate/columns.sql");
const CONSTRAINTS_SQL: &str = include_str!("../../../../sql/validate/constraints.sql");
const INDEXES_SQL: &str = include_str!("../../../../sql/validate/indexes.sql");
const SEQUENCES_SQL: &str = include_str!("../../../../sql/validate/sequences.sql");
const ENUMS_SQL: &str = include_str!("../../../../sql/validate/enums.sql");

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
    /// Read everything with five queries (not per table) on `client`, which must
    /// be inside the side's snapshot transaction.
    pub async fn load(
        client: &tokio_postgres::Client,
        spec: &ConnectSpec,
        schema: &str,
    ) -> Result<Catalog, DbError> {
        let mut tables: BTreeMap<String, TableInfo> = BTreeMap::new();
        for row in client
            .query(TABLES_SQL, &[&schema])
            .await
            .map_err(spec.query_error("reading the table list"))?
        {
            let name: String = row.get("table_name");
            tables.insert(
                name.clone(),
                TableInfo {
                    name,
                    kind: row.get("kind"),
                    row_estimate: row.get("row_estimate"),
                    blocks: row.get("blocks"),
                    can_select: row.get("can_select"),
                    columns: Vec::new(),
                    constraints: Vec::new(),
                    indexes: Vec::new(),
                    sequences: Vec::new(),
                },
            );
        }
        for row in client
            .query(COLUMNS_SQL, &[&schema])
            .await
            .map_err(spec.query_error("reading columns"))?
        {
            let table: String = row.get("table_name");
            if let Some(t) = tables.get_mut(&table) {
                t.columns.push(Column {
                    position: row.get("position"),
                    name: row.get("column_name"),
                    data_type: row.get("data_type"),
                    base_type: row.get("base_type"),
                    type_kind: row.get("type_kind"),
                    is_array: row.get("is_array"),
                    not_null: row.get("not_null"),
                    default_expr: row.get("default_expr"),
                    identity: row.get("identity"),
                    generated: row.get("generated"),
                    collation: row.get("collation"),
                    deterministic: row.get("deterministic"),
                });
            }
        }
        for row in client
            .query(CONSTRAINTS_SQL, &[&schema])
            .await
            .map_err(spec.query_error("reading constraints"))?
        {
            let table: String = row.get("table_name");
            if let Some(t) = tables.get_mut(&table) {
                t.constraints.push(Constraint {
                    name: row.get("name"),
                    kind: row.get("kind"),
                    definition: row.get("definition"),
                    validated: row.get("validated"),
                    key_columns: row.get("key_columns"),
                });
            }
        }
        for row in client
            .query(INDEXES_SQL, &[&schema])
            .await
            .map_err(spec.query_error("reading indexes"))?
        {
            let table: String = row.get("table_name");
            if let Some(t) = tables.get_mut(&table) {
                t.indexes.push(Index {
                    name: row.get("name"),
                    definition: row.get("definition"),
                    is_primary: row.get("is_primary"),
                    is_unique: row.get("is_unique"),
                    is_valid: row.get("is_valid"),
                });
            }
        }
        for row in client
            .query(SEQUENCES_SQL, &[&schema])
            .await
            .map_err(spec.query_error("reading sequences"))?
        {
            let table: String = row.get("table_name");
            if let Some(t) = tables.get_mut(&table) {
                t.sequences.push(Sequence {
                    column: row.get("column_name"),
                    name: row.get("sequence_name"),
                    readable: row.get("readable"),
                    last_value: row.get("last_value"),
                });
            }
        }
        let mut enums = BTreeMap::new();
        for row in client
            .query(ENUMS_SQL, &[&schema])
            .await
            .map_err(spec.query_error("reading enum types"))?
        {
            enums.insert(
                row.get::<_, String>("type_name"),
                row.get::<_, Vec<String>>("labels"),
            );
        }
        Ok(Catalog {
            schema: schema.to_owned(),
            tables,
            enums,
        })
    }
}
