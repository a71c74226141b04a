//! What the native engine reads from the catalogs: each query beside the
//! typed row it fills (read with `try_get`, errors naming query and column).

use crate::query;
use crate::sql::{get, FromRow, Query, RowError};
use tokio_postgres::Row;

pub(super) const SCHEMA_EXISTS: Query = query!("engine/schema_exists.sql");
pub(super) const WAL_LEVEL: Query = query!("engine/native_wal_level.sql");
pub(super) const TARGET_TABLES: Query = query!("engine/native_target_tables.sql");
pub(super) const PUBLICATION_TABLES: Query = query!("engine/native_publication.sql");
pub(super) const PUBLICATION_MARKER: Query = query!("engine/native_publication_marker.sql");
pub(super) const TABLES_WITH_ROWS: Query = query!("engine/native_tables_with_rows.sql");
pub(super) const LEFTOVER_SLOTS: Query = query!("engine/native_leftover_slots.sql");
pub(super) const SLOT_ACTIVE: Query = query!("engine/native_slot_active.sql");
pub(super) const DROP_SLOT: Query = query!("engine/native_drop_slot.sql");
pub(super) const CREATE_SLOT: Query = query!("engine/native_create_slot.sql");

/// One column named `name` (of any readable type).
pub(super) fn column<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    query: &Query,
    name: &'static str,
) -> Result<T, RowError> {
    get(row, query.name, name)
}

/// A table the source would publish, and whether it has a replica identity.
pub(super) struct SourceTable {
    pub schema: String,
    pub name: String,
    pub has_replica_identity: bool,
}
pub(super) const SOURCE_TABLES: Query = query!("engine/native_source_tables.sql");

impl FromRow for SourceTable {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(SourceTable {
            schema: get(row, q, "schema_name")?,
            name: get(row, q, "table_name")?,
            has_replica_identity: get(row, q, "has_replica_identity")?,
        })
    }
}

/// The subscription on the target (never its conninfo).
pub(super) struct Subscription {
    pub oid: i64,
    pub enabled: bool,
    pub slot_name: Option<String>,
    pub publications: Vec<String>,
    pub worker_pid: Option<i32>,
    pub seconds_since_confirmed: Option<f64>,
    pub apply_errors: i64,
    pub sync_errors: i64,
    /// Its comment: dmsflow's ownership marker when dmsflow created it.
    pub marker: Option<String>,
}
pub(super) const SUBSCRIPTION: Query = query!("engine/native_subscription.sql");

impl FromRow for Subscription {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(Subscription {
            oid: get(row, q, "sub_oid")?,
            enabled: get(row, q, "enabled")?,
            slot_name: get(row, q, "slot_name")?,
            publications: get::<Option<Vec<String>>>(row, q, "publications")?.unwrap_or_default(),
            worker_pid: get(row, q, "worker_pid")?,
            seconds_since_confirmed: get(row, q, "seconds_since_confirmed")?,
            apply_errors: get(row, q, "apply_errors")?,
            sync_errors: get(row, q, "sync_errors")?,
            marker: get(row, q, "marker")?,
        })
    }
}

/// A replication slot on the source (`present = false`: there is none).
pub(crate) struct Slot {
    pub present: bool,
    pub active: bool,
    pub active_pid: Option<i32>,
    pub lag_bytes: Option<i64>,
    pub retained_bytes: Option<i64>,
    pub wal_status: Option<String>,
    pub replay_lag_seconds: Option<f64>,
    pub database: Option<String>,
    pub plugin: Option<String>,
}
pub(crate) const SLOT: Query = query!("engine/native_slot.sql");

impl FromRow for Slot {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(Slot {
            present: get(row, q, "present")?,
            active: get(row, q, "active")?,
            active_pid: get(row, q, "active_pid")?,
            lag_bytes: get(row, q, "lag_bytes")?,
            retained_bytes: get(row, q, "retained_bytes")?,
            wal_status: get(row, q, "wal_status")?,
            replay_lag_seconds: get(row, q, "replay_lag_seconds")?,
            database: get(row, q, "database")?,
            plugin: get(row, q, "plugin")?,
        })
    }
}

/// A slot a subscription leaves behind on the source.
pub(super) struct LeftoverSlot {
    pub name: String,
    pub active_pid: Option<i32>,
}

impl FromRow for LeftoverSlot {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(LeftoverSlot {
            name: get(row, q, "slot_name")?,
            active_pid: get(row, q, "active_pid")?,
        })
    }
}

/// A published table (both NULL: the publication exists and carries none).
pub(super) struct PublishedTable {
    pub schema: Option<String>,
    pub table: Option<String>,
}

impl FromRow for PublishedTable {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(PublishedTable {
            schema: get(row, q, "schema_name")?,
            table: get(row, q, "table_name")?,
        })
    }
}

/// One table of the subscription and its target-side figures.
pub(super) struct SubscriptionTable {
    pub schema: String,
    pub table: String,
    pub state: String,
    pub live_rows: i64,
    pub inserts: i64,
    pub updates: i64,
    pub deletes: i64,
    pub rows_before_copy: bool,
}
pub(super) const SUBSCRIPTION_TABLES: Query = query!("engine/native_subscription_tables.sql");

impl FromRow for SubscriptionTable {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(SubscriptionTable {
            schema: get(row, q, "schema_name")?,
            table: get(row, q, "table_name")?,
            state: get(row, q, "state")?,
            live_rows: get(row, q, "live_rows")?,
            inserts: get(row, q, "inserts")?,
            updates: get(row, q, "updates")?,
            deletes: get(row, q, "deletes")?,
            rows_before_copy: get(row, q, "rows_before_copy")?,
        })
    }
}

/// Which cluster and database a connection is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    pub system_identifier: String,
    pub database_oid: i64,
}
pub(super) const IDENTITY: Query = query!("engine/native_identity.sql");

impl FromRow for Identity {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(Identity {
            system_identifier: get(row, q, "system_identifier")?,
            database_oid: get(row, q, "database_oid")?,
        })
    }
}

/// The source's WAL insert position (everything committed ends at or before it).
pub(crate) struct WalPosition {
    pub lsn: String,
}
pub(crate) const WAL_POSITION: Query = query!("validate/source_position.sql");

impl FromRow for WalPosition {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(WalPosition {
            lsn: get(row, q, "lsn")?,
        })
    }
}

/// Whether a slot has confirmed a position (the target applied up to it).
pub(crate) struct SlotReach {
    pub reached: bool,
}
pub(crate) const SLOT_REACH: Query = query!("validate/slot_position.sql");

impl FromRow for SlotReach {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(SlotReach {
            reached: get(row, q, "reached")?,
        })
    }
}
