//! `seed-source`: its event (`load`, `changes`, `schema`) and results.

use crate::config::Side;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `seed-source` event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum SeedEvent {
    /// Create the sample schema on the source and load it.
    Load(LoadRequest),
    /// Apply a CDC burst to the source.
    Changes(ChangesRequest),
    /// Create the (empty) sample schema on a database, typically the target.
    Schema(SchemaRequest),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadRequest {
    /// Multiplies the scale-1 counts (990 rows); 1000 gives about 1M rows.
    #[serde(default = "one")]
    pub scale: u64,
    /// Drop the sample schema first. Without it, a source holding data is refused.
    #[serde(default)]
    pub reset: bool,
    /// RNG seed; the same seed and scale give the same data byte for byte.
    #[serde(default)]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangesRequest {
    /// Row changes to apply: about 40% inserts, 40% updates, 20% deletes.
    pub count: u64,
    /// RNG seed for choosing rows; random when absent (reported in the result).
    #[serde(default)]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaRequest {
    /// Which database gets the schema: `target` (default) or `source`.
    #[serde(default = "target_side")]
    pub database: Side,
}

fn one() -> u64 {
    1
}

fn target_side() -> Side {
    Side::Target
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadResult {
    pub mode: String,
    pub schema: String,
    pub scale: u64,
    pub seed: u64,
    pub reset: bool,
    /// Exact row counts after the load, per table.
    pub counts: BTreeMap<String, i64>,
    pub total_rows: i64,
    pub seconds: f64,
    pub rows_per_second: f64,
}

/// Keys changed in one table; each key is the text of its primary-key columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TableChanges {
    #[serde(default)]
    pub inserted: Vec<Vec<String>>,
    #[serde(default)]
    pub updated: Vec<Vec<String>>,
    #[serde(default)]
    pub deleted: Vec<Vec<String>>,
}

/// What a CDC burst did: the proof obligations for the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangesResult {
    pub mode: String,
    pub schema: String,
    pub seed: u64,
    pub requested: u64,
    pub applied: u64,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    /// Changed keys per table.
    pub tables: BTreeMap<String, TableChanges>,
    /// Exact row counts on the source right after the burst committed.
    pub expected_counts: BTreeMap<String, i64>,
    /// `pg_current_wal_lsn()` after commit: CDC has carried the burst once the
    /// target has applied past it.
    pub source_lsn: String,
    pub committed_at: String,
}

/// Result of mode `schema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemaResult {
    pub mode: String,
    pub schema: String,
    pub database: String,
    pub created: bool,
}

/// A decimal sent as numeric over the binary protocol (exact, no float).
#[derive(Debug, Clone)]
pub struct NumericText(pub String);

/// The comment on a seed's staging schema while its load runs: how dmsflow
/// knows the schema is its own (the validator leaves it out, the next load drops it).
pub const STAGING_MARKER: &str = "dmsflow seed: staging schema of a load in progress. Left over only if that load was killed; the next dmsflow seed drops it";
