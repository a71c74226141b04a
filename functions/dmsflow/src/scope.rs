//! What a migration covers: the schemas (every user schema by default, or
//! those named, less those excluded and dmsflow's own), resolved on the
//! source, which defines what is migrated. The validator, the native
//! engine's publication and sequence sync all take it from here.

use crate::contract::seed::STAGING_MARKER;
use crate::db::{ConnectSpec, DbError};
use crate::error::{Classify, ErrorType};
use crate::sql::{self, from_row, query, Query};

/// The schema selection as asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Empty: every user schema.
    pub schemas: Vec<String>,
    pub exclude: Vec<String>,
}

impl Scope {
    /// Exactly these schemas.
    pub fn only(schemas: &[&str]) -> Scope {
        Scope {
            schemas: schemas.iter().map(|s| (*s).to_owned()).collect(),
            exclude: Vec::new(),
        }
    }

    /// A comma-separated list (`DB_SCHEMA`, `--schema a,b`): blanks ignored,
    /// empty means every user schema.
    pub fn parse_list(list: &str) -> Vec<String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// What a result says was covered when nothing could be resolved.
    pub fn describe(&self) -> String {
        if self.schemas.is_empty() {
            "every user schema".to_owned()
        } else {
            self.schemas.join(", ")
        }
    }
}

const SCHEMAS: Query = query!("catalog/schemas.sql");

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("schema(s) {schemas} do not exist on the source {endpoint}")]
    UnknownSchema { schemas: String, endpoint: String },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Row(#[from] sql::RowError),
}

impl Classify for ScopeError {
    fn error_type(&self) -> ErrorType {
        match self {
            // The same type as a table that is on neither side.
            ScopeError::UnknownSchema { .. } => ErrorType::UnknownTable,
            ScopeError::Db(e) => e.error_type(),
            ScopeError::Row(_) => ErrorType::DatabaseError,
        }
    }
}

struct SchemaRow {
    schema: String,
}

from_row! { SchemaRow { schema = "schema_name" } }

/// The schemas of `scope` on the source (`client`); a schema named but
/// absent there is [`ScopeError::UnknownSchema`].
pub async fn resolve(
    client: &tokio_postgres::Client,
    spec: &ConnectSpec,
    scope: &Scope,
) -> Result<Vec<String>, ScopeError> {
    let rows = client
        .query(
            SCHEMAS.text(),
            &[&scope.schemas, &scope.exclude, &STAGING_MARKER],
        )
        .await
        .map_err(spec.query_error("listing the schemas"))?;
    let found: Vec<String> = sql::rows::<SchemaRow>(&rows, &SCHEMAS)?
        .into_iter()
        .map(|r| r.schema)
        .collect();
    let missing: Vec<&str> = scope
        .schemas
        .iter()
        .filter(|s| !found.contains(s) && !scope.exclude.contains(s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ScopeError::UnknownSchema {
            schemas: missing.join(", "),
            endpoint: spec.endpoint(),
        });
    }
    Ok(found)
}
