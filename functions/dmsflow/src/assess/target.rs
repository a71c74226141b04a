//! The target: the schemas and tables present, empty, no enabled user trigger
//! that would fire on replicated rows; the extensions the source uses
//! available there; and the sizes of both databases.

use super::model::{human_bytes, list_some, AssessCheck, Side, Status};
use super::tables::TableName;
use super::{AssessError, SchemaRow, Session};
use crate::sql::{self, from_row, query, FromRow, Query, RowError};
use std::collections::{BTreeMap, BTreeSet};

pub const SCHEMAS_PRESENT: Query = query!("assess/schemas_present.sql");
pub const TABLES: Query = query!("assess/tables.sql");
pub const USER_TRIGGERS: Query = query!("assess/user_triggers.sql");
pub const EXTENSIONS_INSTALLED: Query = query!("assess/extensions_installed.sql");
pub const EXTENSIONS_AVAILABLE: Query = query!("assess/extensions_available.sql");
pub const DATABASE_SIZE: Query = query!("assess/database_size.sql");

const LIST_LIMIT: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTrigger {
    pub table: TableName,
    pub name: String,
    /// `O` origin, `R` replica, `A` always.
    pub enabled: String,
}

impl FromRow for UserTrigger {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(UserTrigger {
            table: TableName::from_row(row, q)?,
            name: sql::get(row, q, "trigger_name")?,
            enabled: sql::get(row, q, "enabled")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledExtension {
    pub name: String,
    pub version: String,
}

from_row! { InstalledExtension { name = "extension_name", version } }

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableExtension {
    pub name: String,
    pub default_version: Option<String>,
    pub installed_version: Option<String>,
}

from_row! { AvailableExtension { name = "extension_name", default_version, installed_version } }

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSize {
    pub database: String,
    pub bytes: i64,
}

from_row! { DatabaseSize { database = "database_name", bytes = "size_bytes" } }

/// Both databases' sizes, for the RDS storage check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sizes {
    pub source_bytes: i64,
    pub target_bytes: i64,
}

pub async fn checks(
    source: &Session,
    target: &Session,
    schemas: &[String],
) -> Result<(Vec<AssessCheck>, Sizes), AssessError> {
    let present: Vec<SchemaRow> = target.rows(&SCHEMAS_PRESENT, &[&schemas]).await?;
    let source_tables: Vec<TableName> = source.rows(&TABLES, &[&schemas]).await?;
    let target_tables: Vec<TableName> = target.rows(&TABLES, &[&schemas]).await?;
    let non_empty = non_empty_tables(target, &target_tables).await?;
    let triggers: Vec<UserTrigger> = target.rows(&USER_TRIGGERS, &[&schemas]).await?;
    let used: Vec<InstalledExtension> = source.rows(&EXTENSIONS_INSTALLED, &[]).await?;
    let available: Vec<AvailableExtension> = target.rows(&EXTENSIONS_AVAILABLE, &[]).await?;
    let source_size: DatabaseSize = source.one(&DATABASE_SIZE, &[]).await?;
    let target_size: DatabaseSize = target.one(&DATABASE_SIZE, &[]).await?;
    let checks = vec![
        schema_check(schemas, &present, &source_tables, &target_tables),
        empty_check(&non_empty),
        trigger_check(&triggers),
        extension_check(&used, &available),
        size_check(&source_size, &target_size),
    ];
    let sizes = Sizes {
        source_bytes: source_size.bytes,
        target_bytes: target_size.bytes,
    };
    Ok((checks, sizes))
}

/// Tables holding at least one row: `EXISTS (SELECT 1 FROM t)` per table
/// (reads one row at most, whatever the table's size).
async fn non_empty_tables(
    target: &Session,
    tables: &[TableName],
) -> Result<Vec<TableName>, AssessError> {
    let mut out = Vec::new();
    for t in tables {
        let text = format!("SELECT EXISTS (SELECT 1 FROM {}) AS has_rows", t.quoted());
        let what = || format!("checking whether {} is empty", t.qualified());
        let row = target
            .client
            .query_one(&text, &[])
            .await
            .map_err(target.table_error(what()))?;
        let has_rows: bool = row.try_get(0).map_err(target.table_error(what()))?;
        if has_rows {
            out.push(t.clone());
        }
    }
    Ok(out)
}

fn schema_check(
    schemas: &[String],
    present: &[SchemaRow],
    source_tables: &[TableName],
    target_tables: &[TableName],
) -> AssessCheck {
    let name = "target-schema-present";
    let present: BTreeSet<&str> = present.iter().map(|s| s.schema.as_str()).collect();
    let missing_schemas: Vec<String> = schemas
        .iter()
        .filter(|s| !present.contains(s.as_str()))
        .cloned()
        .collect();
    let on_target: BTreeSet<&TableName> = target_tables.iter().collect();
    let missing_tables: Vec<String> = source_tables
        .iter()
        .filter(|t| !on_target.contains(t) && present.contains(t.schema.as_str()))
        .map(TableName::qualified)
        .collect();
    if missing_schemas.is_empty() && missing_tables.is_empty() {
        return AssessCheck::pass(
            name,
            Side::Target,
            format!(
                "{} schema(s) and all {} source table(s) present on the target",
                schemas.len(),
                source_tables.len()
            ),
        );
    }
    let mut evidence = Vec::new();
    if !missing_schemas.is_empty() {
        evidence.push(format!(
            "schemas missing: {}",
            list_some(&missing_schemas, LIST_LIMIT)
        ));
    }
    if !missing_tables.is_empty() {
        evidence.push(format!(
            "tables missing: {}",
            list_some(&missing_tables, LIST_LIMIT)
        ));
    }
    AssessCheck::new(name, Side::Target, Status::Fail, format!("{} schema(s) and {} table(s) of the source missing on the target", missing_schemas.len(), missing_tables.len()))
        .with_evidence(evidence)
        .with_fix("create the schema on the target first (pg_dump --schema-only --section=pre-data from the source, restored on the target)")
}

fn empty_check(non_empty: &[TableName]) -> AssessCheck {
    let name = "target-tables-empty";
    if non_empty.is_empty() {
        return AssessCheck::pass(name, Side::Target, "every target table is empty");
    }
    let names: Vec<String> = non_empty.iter().map(TableName::qualified).collect();
    AssessCheck::new(name, Side::Target, Status::Fail, format!("{} target table(s) already hold rows: the initial copy would duplicate or conflict with them", names.len()))
        .with_evidence(vec![list_some(&names, LIST_LIMIT)])
        .with_fix("TRUNCATE those tables on the target (after checking they are not needed) before the migration")
}

fn trigger_check(triggers: &[UserTrigger]) -> AssessCheck {
    let name = "target-user-triggers";
    if triggers.is_empty() {
        return AssessCheck::pass(
            name,
            Side::Target,
            "no enabled user trigger on the target tables",
        );
    }
    let names: Vec<String> = triggers
        .iter()
        .map(|t| {
            format!(
                "{} on {} (enabled {})",
                t.name,
                t.table.qualified(),
                t.enabled
            )
        })
        .collect();
    AssessCheck::new(name, Side::Target, Status::Fail, format!("{} enabled user trigger(s) on the target: they would run again on rows the source's triggers already produced", names.len()))
        .with_evidence(vec![list_some(&names, LIST_LIMIT)])
        .with_fix("ALTER TABLE … DISABLE TRIGGER … on the target for the migration; enable them at the cut-over")
}

fn extension_check(used: &[InstalledExtension], available: &[AvailableExtension]) -> AssessCheck {
    let name = "extensions-missing-on-target";
    let on_target: BTreeMap<&str, &AvailableExtension> =
        available.iter().map(|a| (a.name.as_str(), a)).collect();
    let mut missing = Vec::new();
    let mut evidence = Vec::new();
    for e in used {
        match on_target.get(e.name.as_str()) {
            None => {
                missing.push(e.name.clone());
                evidence.push(format!(
                    "{} {}: not available on the target",
                    e.name, e.version
                ));
            }
            Some(a) => evidence.push(format!(
                "{} {}: target has {} (installed: {})",
                e.name,
                e.version,
                a.default_version.as_deref().unwrap_or("?"),
                a.installed_version.as_deref().unwrap_or("no")
            )),
        }
    }
    if missing.is_empty() {
        return AssessCheck::pass(
            name,
            Side::Both,
            format!(
                "every extension of the source ({}) is available on the target",
                used.len()
            ),
        )
        .with_evidence(evidence);
    }
    AssessCheck::new(name, Side::Both, Status::Fail, format!("extension(s) used on the source but not available on the target: {}", missing.join(", ")))
        .with_evidence(evidence)
        .with_fix("install the extension's package on the target server (on RDS: pick a version that supports it), or drop it from the source")
}

fn size_check(source: &DatabaseSize, target: &DatabaseSize) -> AssessCheck {
    AssessCheck::pass(
        "database-sizes",
        Side::Both,
        format!(
            "source {} is {}, target {} is {}",
            source.database,
            human_bytes(source.bytes),
            target.database,
            human_bytes(target.bytes)
        ),
    )
    .with_evidence(vec![
        format!("source pg_database_size = {} bytes", source.bytes),
        format!("target pg_database_size = {} bytes", target.bytes),
    ])
}
