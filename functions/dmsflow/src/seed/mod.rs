//! `seed-source`: load the sample into the source, create the schema on the
//! target, or apply a CDC burst and report exactly which keys it changed.
//!
//! A load is one transaction (schema, binary COPY FREEZE of six tables, keys,
//! indexes, foreign keys, sequences): it either lands whole or not at all, and
//! it never overwrites or duplicates data unless the event says `reset`.
//!
//! The sample lives in the configured schema (`DB_SCHEMA`, [`DEFAULT_SCHEMA`]
//! unless set): every mode takes it as a [`SampleSchema`]. The jobs live in
//! their own files: [`load`](mod@load) (binary COPY and the staging swap),
//! [`changes`] (the CDC burst), [`schema`] (the empty schema on a target);
//! [`catalog`] holds what they ask the database.

pub mod catalog;
pub mod changes;
pub mod load;
mod plan;
pub mod sample_schema;
pub mod schema;

pub use catalog::{TableCount, TABLE_COUNTS};
pub use changes::apply_changes_in;
pub use load::load_in;
pub use sample_schema::{SampleSchema, DEFAULT_SCHEMA};

pub use crate::contract::seed::{
    ChangesRequest, ChangesResult, LoadRequest, LoadResult, NumericText, SchemaRequest,
    SchemaResult, SeedEvent, TableChanges,
};
pub use schema::create_schema_in;

use crate::db::{ConnectSpec, DbError};
use crate::error::{Classify, ErrorType};

pub const MAX_SCALE: u64 = 100_000;
pub const MAX_CHANGES: u64 = 1_000_000;

impl SeedEvent {
    /// Parse an event, naming the bad field on error.
    pub fn from_value(value: serde_json::Value) -> Result<Self, crate::events::EventError> {
        use crate::events::{parse_event, split_tag};
        let (mode, rest) = split_tag(value, "mode", &["load", "changes", "schema"])?;
        let event = match mode.as_str() {
            "load" => SeedEvent::Load(parse_event(rest)?),
            "changes" => SeedEvent::Changes(parse_event(rest)?),
            _ => SeedEvent::Schema(parse_event(rest)?),
        };
        event.validate()?;
        Ok(event)
    }

    /// Range checks serde cannot express.
    pub fn validate(&self) -> Result<(), crate::events::EventError> {
        match self {
            SeedEvent::Load(r) if r.scale == 0 || r.scale > MAX_SCALE => {
                Err(crate::events::EventError::invalid(
                    "scale",
                    format!("must be between 1 and {MAX_SCALE}, got {}", r.scale),
                ))
            }
            SeedEvent::Changes(r) if r.count == 0 || r.count > MAX_CHANGES => {
                Err(crate::events::EventError::invalid(
                    "count",
                    format!("must be between 1 and {MAX_CHANGES}, got {}", r.count),
                ))
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the source already holds data in schema {schema} (tables with rows: {tables}); nothing was changed. Send \"reset\": true to drop and reload it")]
    SourceNotEmpty { schema: String, tables: String },
    #[error("schema {schema} exists but is not the sample schema (missing tables: {missing}); nothing was changed. Send \"reset\": true to recreate it")]
    ForeignSchema { schema: String, missing: String },
    #[error("schema {schema} does not exist on {endpoint}: load the sample first (mode \"load\")")]
    NotSeeded { schema: String, endpoint: String },
    #[error("schema name {schema:?} cannot hold the sample: {reason}")]
    SchemaName {
        schema: String,
        reason: &'static str,
    },
    #[error("schema {schema} exists but was not created by a dmsflow load (it has no dmsflow staging marker); nothing was changed. Drop or rename it: a load stages the sample under that name")]
    ForeignStaging { schema: String },
    #[error("the {table} stream failed")]
    Generator { table: &'static str },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Row(#[from] crate::sql::RowError),
}

impl Classify for SeedError {
    fn error_type(&self) -> ErrorType {
        match self {
            SeedError::SourceNotEmpty { .. }
            | SeedError::ForeignSchema { .. }
            | SeedError::ForeignStaging { .. } => ErrorType::SourceNotEmpty,
            SeedError::NotSeeded { .. } => ErrorType::UnknownTable,
            SeedError::SchemaName { .. } => ErrorType::ConfigError,
            SeedError::Generator { .. } | SeedError::Row(_) => ErrorType::DatabaseError,
            SeedError::Db(e) => e.error_type(),
        }
    }
}

impl TableChanges {
    pub fn total(&self) -> usize {
        self.inserted.len() + self.updated.len() + self.deleted.len()
    }
}

/// Load the sample into [`DEFAULT_SCHEMA`]; see [`load_in`].
pub async fn load(spec: &ConnectSpec, req: &LoadRequest) -> Result<LoadResult, SeedError> {
    load_in(spec, &SampleSchema::default(), req).await
}

/// Apply a CDC burst to [`DEFAULT_SCHEMA`]; see [`apply_changes_in`].
pub async fn apply_changes(
    spec: &ConnectSpec,
    req: &ChangesRequest,
) -> Result<ChangesResult, SeedError> {
    apply_changes_in(spec, &SampleSchema::default(), req).await
}

/// Create the empty sample in [`DEFAULT_SCHEMA`]; see [`create_schema_in`].
pub async fn create_schema(
    spec: &ConnectSpec,
    database: crate::config::Side,
) -> Result<SchemaResult, SeedError> {
    create_schema_in(spec, &SampleSchema::default(), database).await
}

impl postgres_types::ToSql for NumericText {
    fn to_sql(
        &self,
        _ty: &postgres_types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&crate::sample::copy::encode_numeric(&self.0));
        Ok(postgres_types::IsNull::No)
    }

    fn accepts(ty: &postgres_types::Type) -> bool {
        *ty == postgres_types::Type::NUMERIC
    }

    postgres_types::to_sql_checked!();
}
