//! Mode `schema`: the empty sample schema on a database, typically the target
//! before a migration.

use super::catalog::{constraints_exist, locked_transaction, refuse_unless_sample, schema_exists};
use super::plan::{POST_DATA, PRE_DATA};
use super::{SampleSchema, SchemaResult, SeedError};
use crate::db::ConnectSpec;

/// Create the empty sample in `schema`. Idempotent: an existing complete
/// schema is left as it is.
pub async fn create_schema_in(
    spec: &ConnectSpec,
    schema: &SampleSchema,
    database: crate::config::Side,
) -> Result<SchemaResult, SeedError> {
    let mut client = spec.connect("dmsflow-seed").await?;
    let tx = locked_transaction(&mut client, spec, "starting the schema transaction").await?;
    let exists = schema_exists(&tx, spec, schema).await?;
    let mut ddl = String::new();
    if exists {
        refuse_unless_sample(&tx, spec, schema).await?;
    } else {
        ddl = format!("CREATE SCHEMA {};", schema.quoted());
    }
    ddl.push_str(&schema.set_local_search_path());
    ddl.push(';');
    tx.batch_execute(&ddl)
        .await
        .map_err(spec.query_error("creating the sample schema"))?;
    if !exists {
        tx.batch_execute(PRE_DATA.text())
            .await
            .map_err(spec.query_error("creating the sample tables"))?;
    }
    if !constraints_exist(&tx, spec, schema).await? {
        tx.batch_execute(POST_DATA.text())
            .await
            .map_err(spec.query_error("adding keys, indexes and foreign keys"))?;
    }
    tx.commit()
        .await
        .map_err(spec.query_error("committing the schema"))?;
    Ok(SchemaResult {
        mode: "schema".into(),
        schema: schema.name().into(),
        database: database.as_str().into(),
        created: !exists,
    })
}
