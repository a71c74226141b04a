//! The legacy-shaped fixture database (tests/fixtures/legacy): a full copy, or
//! a DMS-like target holding only types, tables with primary keys and rows.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::{exec, fresh_db, source_cluster, target_cluster};
use dmsflow::db::ConnectSpec;

const TYPES: &str = include_str!("../fixtures/legacy/01_types.sql");
const TABLES: &str = include_str!("../fixtures/legacy/02_tables.sql");
const DATA: &str = include_str!("../fixtures/legacy/03_data.sql");
const OBJECTS: &str = include_str!("../fixtures/legacy/04_objects.sql");

/// The fixture's schemas.
pub const SCHEMAS: &[&str] = &["audit", "sales", "stock", "util"];

/// What the target holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// Everything, as on the source.
    Full,
    /// What AWS DMS creates: types, tables with primary keys, rows.
    DmsLike,
}

/// A fresh database `name` holding the fixture.
pub async fn legacy_db(cluster: &ConnectSpec, name: &str, copy: Copy) -> ConnectSpec {
    let spec = fresh_db(cluster, name).await;
    let mut sql = format!("{TYPES}\n{TABLES}\n{DATA}\n");
    if copy == Copy::Full {
        sql.push_str(OBJECTS);
    }
    exec(&spec, &sql).await;
    spec
}

/// `<name>_src` (full) on the source cluster and `<name>_tgt` on the target.
pub async fn legacy_pair(name: &str, copy: Copy) -> (ConnectSpec, ConnectSpec) {
    let (source, target) = (source_cluster(), target_cluster());
    let (source_db, target_db) = (format!("{name}_src"), format!("{name}_tgt"));
    tokio::join!(
        legacy_db(&source, &source_db, Copy::Full),
        legacy_db(&target, &target_db, copy)
    )
}

/// A fresh database `name` with the fixture's schema and objects but no
/// rows: the target of a replication (materialized views come out empty
/// until refreshed there).
pub async fn legacy_schema_only(cluster: &ConnectSpec, name: &str) -> ConnectSpec {
    let spec = fresh_db(cluster, name).await;
    exec(&spec, &format!("{TYPES}\n{TABLES}\n{OBJECTS}\n")).await;
    spec
}
