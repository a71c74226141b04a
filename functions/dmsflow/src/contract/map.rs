//! Validation through the state machine's Distributed Map: what crosses the
//! execution state is small (counts, statuses, S3 locations); the work items
//! and every item's full result are objects in S3.
//!
//! Keys, under `VALIDATION_PREFIX` in `VALIDATION_BUCKET`, per run (the
//! execution name): `<run>/plan.json` (the full plan), `<run>/items.json` (the
//! work items, the Map's ItemReader), `<run>/results/<item>.json` (one item's
//! full result), `<run>/map/` (the Map's ResultWriter).

use crate::contract::validate::{CheckStatus, Status};
use crate::events::EventError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One S3 object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Object {
    pub bucket: String,
    pub key: String,
}

impl S3Object {
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// A place under which objects are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Prefix {
    pub bucket: String,
    pub prefix: String,
}

/// Which run an item's result belongs to, and its position in the work items
/// (`$$.Map.Item.Index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRef {
    pub run: String,
    pub item: u32,
}

/// A run name is one path segment of the keys: Step Functions execution
/// names (letters, digits, `-`, `_`, `.`), at most 80 characters.
pub fn check_run_name(field: &str, run: &str) -> Result<(), EventError> {
    let ok = !run.is_empty()
        && run.len() <= 80
        && run != "."
        && run != ".."
        && run
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(EventError::invalid(
            field,
            format!("{run:?} is not a run name (1 to 80 of A-Z a-z 0-9 - _ .)"),
        ))
    }
}

/// What `plan` returns when its event names a `run`: the full plan and the
/// work items are in S3; this is what the execution state holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanSummary {
    pub run: String,
    pub status: Status,
    pub schemas: Vec<String>,
    /// Every database-level check's status, by name (findings: in `plan`).
    pub checks: BTreeMap<String, CheckStatus>,
    pub tables: u64,
    pub work_items: u64,
    pub max_rows_per_item: u64,
    pub source_rows_estimate: i64,
    pub seconds: f64,
    /// The full plan document (`PlanResult`, with every finding).
    pub plan: S3Object,
    /// The work items: a JSON array of `WorkItem` (the Map's ItemReader).
    pub items: S3Object,
    /// Where the items' full results go (`<item>.json`).
    pub results: S3Prefix,
    /// The Map's ResultWriter `Bucket` and `Prefix`.
    pub map: S3Prefix,
}

/// What `table` returns when its event names an `item`: the full result
/// (`TablesResult`) is in S3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ItemSummary {
    pub item: u32,
    pub table: String,
    /// The chunk's index when the item is one key range of a table.
    pub chunk: Option<u32>,
    pub status: Status,
    pub rows_compared: i64,
    pub differences: u64,
    pub unverified_rows: u64,
    pub seconds: f64,
    pub result: S3Object,
}

/// The Distributed Map's output with a ResultWriter (AWS's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MapRunOutput {
    #[serde(rename = "MapRunArn")]
    pub map_run_arn: String,
    #[serde(rename = "ResultWriterDetails")]
    pub result_writer_details: ResultWriterDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResultWriterDetails {
    #[serde(rename = "Bucket")]
    pub bucket: String,
    /// The manifest (`<Prefix>/<map run id>/manifest.json`).
    #[serde(rename = "Key")]
    pub key: String,
}

/// The ResultWriter's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResultManifest {
    #[serde(rename = "DestinationBucket")]
    pub destination_bucket: String,
    #[serde(rename = "MapRunArn")]
    pub map_run_arn: String,
    #[serde(rename = "ResultFiles")]
    pub result_files: ResultFiles,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResultFiles {
    #[serde(rename = "SUCCEEDED", default)]
    pub succeeded: Vec<ResultFile>,
    #[serde(rename = "FAILED", default)]
    pub failed: Vec<ResultFile>,
    #[serde(rename = "PENDING", default)]
    pub pending: Vec<ResultFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResultFile {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Size", default)]
    pub size: u64,
}

/// One child execution in a `SUCCEEDED_n.json` / `FAILED_n.json` file; its
/// `Output` is the child's output as a JSON string (an `ItemSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChildExecution {
    #[serde(rename = "ExecutionArn", default)]
    pub execution_arn: Option<String>,
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "Output", default)]
    pub output: Option<String>,
    #[serde(rename = "Error", default)]
    pub error: Option<String>,
    #[serde(rename = "Cause", default)]
    pub cause: Option<String>,
}

/// The report event's `validation.results`: inline results (a direct call),
/// or the Distributed Map's output (the state machine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ValidationResults<T> {
    Map(MapRunOutput),
    Inline(Vec<T>),
}

impl<T> Default for ValidationResults<T> {
    fn default() -> Self {
        ValidationResults::Inline(Vec::new())
    }
}

/// The report event's `validation.plan`: the full plan (a direct call), or
/// the summary pointing at it in S3 (the state machine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ValidationPlan<P> {
    Stored(Box<PlanSummary>),
    Inline(P),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_are_one_key_segment() {
        for ok in ["dmsflow-demo-20261201T101010Z", "a", "x_y.z"] {
            assert!(check_run_name("run", ok).is_ok(), "{ok}");
        }
        for bad in ["", "..", "a/b", "a b", &"x".repeat(81)] {
            let err = check_run_name("run", bad).unwrap_err().to_string();
            assert!(err.contains("run"), "{err}");
        }
    }
}
